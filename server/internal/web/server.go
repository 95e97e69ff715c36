// Package web is Manifold's HTTP surface: the Fiber app, its middleware, the
// one table of routes with their permissions, the OpenAPI document built from
// that table, and the console's static files.
package web

import (
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
)

// Deps are what the HTTP layer serves; main builds them.
type Deps struct {
	Log      *slog.Logger
	DB       *db.DB
	Redis    *redis.Client
	Authz    *authz.Authorizer
	IDs      *identity.Service
	Identity *identity.Handlers
	Tenants  *tenancy.Handlers
	Jobs     *tasks.Handlers
	Events   fiber.Handler
	Stock    *inventory.Handlers
	Catalog  *catalog.Handlers
	Orders   *orders.Handlers
	Listings *channel.Handlers
	// ChannelAccounts, Webhooks and Confirmations serve channel connections,
	// incoming marketplace events and tracking sent back to channels.
	ChannelAccounts *channel.AccountHandlers
	Webhooks        *channel.Webhooks
	Confirmations   *channel.ShipmentHandlers
	Shipping        *shipping.Handlers
	Console         fiber.Handler
	BodyLimit       int
}

// Server is the HTTP server.
type Server struct {
	deps    Deps
	app     *fiber.App
	health  health
	openAPI []byte
}

// New builds the app with every route registered.
func New(d Deps) (*Server, error) {
	s := &Server{deps: d, health: health{db: d.DB, rdb: d.Redis}}
	errH := errorHandler(d.Log, d.BodyLimit)
	s.app = fiber.New(fiber.Config{
		AppName:               "manifold",
		BodyLimit:             d.BodyLimit,
		ErrorHandler:          errH,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// No write timeout: the event stream is long-lived.
	})
	s.app.Use(recover.New(), requestID, accessLog(d.Log, errH))

	auth := authenticator{ids: d.IDs, az: d.Authz}
	routes := s.routes()
	for _, r := range routes {
		handlers := []fiber.Handler{}
		switch r.Access {
		case signedIn:
			handlers = append(handlers, auth.authenticate)
		case permitted:
			handlers = append(handlers, auth.authenticate, auth.require(r.Perm))
		}
		handlers = append(handlers, r.Handler)
		s.app.Add(r.Method, r.Path, handlers...)
	}
	doc, err := buildOpenAPI(routes)
	if err != nil {
		return nil, err
	}
	s.openAPI = doc
	if d.Console != nil {
		s.app.Use(func(c *fiber.Ctx) error {
			if strings.HasPrefix(c.Path(), "/api/") || c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
				return c.Next()
			}
			return d.Console(c)
		})
	}
	return s, nil
}

// App exposes the Fiber app (for tests driving it in-process).
func (s *Server) App() *fiber.App { return s.app }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting and waits for in-flight requests up to timeout.
func (s *Server) Shutdown(timeout time.Duration) error { return s.app.ShutdownWithTimeout(timeout) }

func (s *Server) openAPIHandler(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openAPI)
}

// RouteInfo describes a registered route for tests and documentation.
type RouteInfo struct {
	Method string
	Path   string
	Public bool
	// Permission is "object:action", or "" for public and any-signed-in routes.
	Permission string
}

// Routes lists every registered API route.
func (s *Server) Routes() []RouteInfo {
	rs := s.routes()
	out := make([]RouteInfo, 0, len(rs))
	for _, r := range rs {
		ri := RouteInfo{Method: r.Method, Path: r.Path, Public: r.Access == public}
		if r.Access == permitted {
			ri.Permission = r.Perm.String()
		}
		out = append(out, ri)
	}
	return out
}
