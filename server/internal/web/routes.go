package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/shared/api"
)

// access says who may call a route.
type access int

const (
	public    access = iota // anyone
	signedIn                // any authenticated caller
	permitted               // an authenticated caller holding Route.Perm
)

// Route is one endpoint: where it is, who may call it, what serves it and how
// the OpenAPI document describes it.
type Route struct {
	Method  string
	Path    string // Fiber syntax: /api/v1/users/:id
	Access  access
	Perm    authz.Permission
	Handler fiber.Handler
	Doc     Doc
}

// Doc describes a route in the OpenAPI document.
type Doc struct {
	Summary  string
	Tag      string
	Request  any // a value of the JSON request body's type; nil for none
	Response any // a value of the JSON success body's type; nil for none
	Status   int // success status; 200 when zero
	Query    []QueryParam
	// Produces is the success content type when it is not JSON.
	Produces string
	// Consumes is the request content type when it is not JSON.
	Consumes string
}

// QueryParam documents a query-string parameter.
type QueryParam struct {
	Name, Description, Type string
	Required                bool
}

func perm(obj, act string) authz.Permission { return authz.P(obj, act) }

// routes declares every endpoint of the API, each with the permission it needs.
func (s *Server) routes() []Route {
	d := s.deps
	const v = api.Version
	return []Route{
		{Method: "GET", Path: "/healthz", Access: public, Handler: s.health.live,
			Doc: Doc{Summary: "The process is up", Tag: "system", Response: api.Health{}}},
		{Method: "GET", Path: "/readyz", Access: public, Handler: s.health.ready,
			Doc: Doc{Summary: "PostgreSQL and Redis are reachable", Tag: "system", Response: api.Health{}}},
		{Method: "GET", Path: v + "/openapi.json", Access: public, Handler: s.openAPIHandler,
			Doc: Doc{Summary: "This OpenAPI document", Tag: "system", Response: map[string]any{}}},

		{Method: "POST", Path: v + "/auth/login", Access: public, Handler: d.Identity.Login,
			Doc: Doc{Summary: "Sign in to the console; sets the session cookie", Tag: "auth", Request: api.LoginRequest{}, Response: api.LoginResponse{}}},
		{Method: "POST", Path: v + "/auth/device", Access: public, Handler: d.Identity.DeviceLogin,
			Doc: Doc{Summary: "Exchange a password for a device API token", Tag: "auth", Request: api.DeviceLoginRequest{}, Response: api.CreatedToken{}, Status: 201}},
		{Method: "POST", Path: v + "/auth/logout", Access: signedIn, Handler: d.Identity.Logout,
			Doc: Doc{Summary: "End the console session on the server", Tag: "auth", Status: 204}},
		{Method: "GET", Path: v + "/me", Access: signedIn, Handler: d.Identity.GetMe,
			Doc: Doc{Summary: "The caller's user, tenant and role", Tag: "auth", Response: api.Me{}}},

		{Method: "GET", Path: v + "/users", Access: permitted, Perm: perm(authz.ObjUsers, authz.Read), Handler: d.Identity.ListUsers,
			Doc: Doc{Summary: "List the tenant's users", Tag: "users", Response: api.UserList{}}},
		{Method: "POST", Path: v + "/users", Access: permitted, Perm: perm(authz.ObjUsers, authz.Write), Handler: d.Identity.CreateUser,
			Doc: Doc{Summary: "Add a user to the tenant", Tag: "users", Request: api.CreateUserRequest{}, Response: api.User{}, Status: 201}},
		{Method: "GET", Path: v + "/users/:id", Access: permitted, Perm: perm(authz.ObjUsers, authz.Read), Handler: d.Identity.GetUser,
			Doc: Doc{Summary: "One user of the tenant", Tag: "users", Response: api.User{}}},
		{Method: "PATCH", Path: v + "/users/:id", Access: permitted, Perm: perm(authz.ObjUsers, authz.Write), Handler: d.Identity.UpdateUser,
			Doc: Doc{Summary: "Change a user's role or disable them", Tag: "users", Request: api.UpdateUserRequest{}, Response: api.User{}}},

		{Method: "GET", Path: v + "/tokens", Access: permitted, Perm: perm(authz.ObjTokens, authz.Read), Handler: d.Identity.ListTokens,
			Doc: Doc{Summary: "List the tenant's API tokens", Tag: "tokens", Response: api.TokenList{}}},
		{Method: "POST", Path: v + "/tokens", Access: permitted, Perm: perm(authz.ObjTokens, authz.Write), Handler: d.Identity.CreateToken,
			Doc: Doc{Summary: "Create an API token acting as the caller; the secret is shown once", Tag: "tokens", Request: api.CreateTokenRequest{}, Response: api.CreatedToken{}, Status: 201}},
		{Method: "DELETE", Path: v + "/tokens/:id", Access: permitted, Perm: perm(authz.ObjTokens, authz.Write), Handler: d.Identity.RevokeToken,
			Doc: Doc{Summary: "Revoke an API token; it stops working at once", Tag: "tokens", Status: 204}},

		{Method: "GET", Path: v + "/events", Access: permitted, Perm: perm(authz.ObjEvents, authz.Read), Handler: d.Events,
			Doc: Doc{Summary: "The tenant's realtime event stream (Server-Sent Events); resume with Last-Event-ID or ?after=", Tag: "events",
				Produces: "text/event-stream", Response: api.Event{},
				Query: []QueryParam{{Name: "after", Type: "integer", Description: "deliver events with a greater seq"}}}},

		{Method: "GET", Path: v + "/platform/tenants", Access: permitted, Perm: perm(authz.ObjPlatformTenants, authz.Read), Handler: d.Tenants.List,
			Doc: Doc{Summary: "List every tenant (platform operators)", Tag: "platform", Response: api.TenantList{}}},
		{Method: "POST", Path: v + "/platform/tenants", Access: permitted, Perm: perm(authz.ObjPlatformTenants, authz.Write), Handler: d.Tenants.Create,
			Doc: Doc{Summary: "Create a tenant (platform operators)", Tag: "platform", Request: api.CreateTenantRequest{}, Response: api.Tenant{}, Status: 201}},
		{Method: "GET", Path: v + "/platform/jobs", Access: permitted, Perm: perm(authz.ObjPlatformJobs, authz.Read), Handler: d.Jobs.Overview,
			Doc: Doc{Summary: "Job queues and recent failures (platform operators)", Tag: "platform", Response: api.JobOverview{}}},
		{Method: "POST", Path: v + "/platform/jobs/:queue/:id/run", Access: permitted, Perm: perm(authz.ObjPlatformJobs, authz.Write), Handler: d.Jobs.RunArchived,
			Doc: Doc{Summary: "Run an archived job again now (platform operators)", Tag: "platform", Status: 204}},
	}
}
