package identity

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

const principalKey = "principal"

// SetPrincipal stores the authenticated caller on the request.
func SetPrincipal(c *fiber.Ctx, p Principal) { c.Locals(principalKey, p) }

// PrincipalOf returns the authenticated caller of the request. Handlers behind
// authentication always have one.
func PrincipalOf(c *fiber.Ctx) Principal {
	p, _ := c.Locals(principalKey).(Principal)
	return p
}

// TenantGetter reads a tenant; the tenancy service implements it.
type TenantGetter interface {
	Get(ctx context.Context, id uuid.UUID) (api.Tenant, error)
}

// Handlers serves the identity endpoints.
type Handlers struct {
	svc          *Service
	authz        *authz.Authorizer
	tenants      TenantGetter
	cookieSecure bool
}

// NewHandlers returns the identity HTTP handlers.
func NewHandlers(svc *Service, a *authz.Authorizer, tenants TenantGetter, cookieSecure bool) *Handlers {
	return &Handlers{svc: svc, authz: a, tenants: tenants, cookieSecure: cookieSecure}
}

// Me builds the description of a principal.
func (h *Handlers) Me(ctx context.Context, p Principal) (api.Me, error) {
	user, err := h.svc.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return api.Me{}, err
	}
	role := h.authz.RoleOf(p.UserID, p.TenantID)
	me := api.Me{User: user, Role: string(role), Permissions: authz.PermissionsOf(role), AuthMethod: string(p.Method)}
	if p.TenantID != uuid.Nil {
		t, err := h.tenants.Get(ctx, p.TenantID)
		if err != nil {
			return api.Me{}, err
		}
		me.Tenant = &t
	}
	return me, nil
}

// GetMe answers GET /api/v1/me.
func (h *Handlers) GetMe(c *fiber.Ctx) error {
	me, err := h.Me(c.UserContext(), PrincipalOf(c))
	if err != nil {
		return err
	}
	return c.JSON(me)
}

// Login answers POST /api/v1/auth/login: a console session in a cookie.
func (h *Handlers) Login(c *fiber.Ctx) error {
	var req api.LoginRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	userID, tenantID, err := h.svc.CheckPassword(ctx, c.IP(), req.Email, req.Password)
	if err != nil {
		return err
	}
	sess, err := h.svc.OpenSession(ctx, userID, tenantID, c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	me, err := h.Me(ctx, sess.Principal)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, Secure: h.cookieSecure, SameSite: fiber.CookieSameSiteStrictMode})
	return c.JSON(api.LoginResponse{Me: me, CSRFToken: sess.CSRFToken})
}

// Logout answers POST /api/v1/auth/logout: the credential used for the
// request stops working on the server. A console session is deleted; an API
// token (a packing station's device token, say) is revoked.
func (h *Handlers) Logout(c *fiber.Ctx) error {
	p := PrincipalOf(c)
	if p.Method == MethodToken {
		if err := h.svc.RevokeOwnToken(c.UserContext(), p); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
	if err := h.svc.CloseSession(c.UserContext(), p); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0),
		HTTPOnly: true, Secure: h.cookieSecure, SameSite: fiber.CookieSameSiteStrictMode})
	return c.SendStatus(fiber.StatusNoContent)
}

// DeviceLogin answers POST /api/v1/auth/device: a password exchanged for an
// API token bound to a device such as a packing station.
func (h *Handlers) DeviceLogin(c *fiber.Ctx) error {
	var req api.DeviceLoginRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	if req.DeviceName == "" {
		return apperr.Invalid("device_name is required")
	}
	ctx := c.UserContext()
	userID, tenantID, err := h.svc.CheckPassword(ctx, c.IP(), req.Email, req.Password)
	if err != nil {
		return err
	}
	tok, err := h.svc.CreateToken(ctx, tenantID, userID, "device: "+req.DeviceName, nil)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tok)
}

// ListUsers answers GET /api/v1/users.
func (h *Handlers) ListUsers(c *fiber.Ctx) error {
	users, err := h.svc.ListUsers(c.UserContext(), PrincipalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(api.UserList{Users: users})
}

// GetUser answers GET /api/v1/users/{id}.
func (h *Handlers) GetUser(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	u, err := h.svc.GetUser(c.UserContext(), PrincipalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// CreateUser answers POST /api/v1/users.
func (h *Handlers) CreateUser(c *fiber.Ctx) error {
	var req api.CreateUserRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p := PrincipalOf(c)
	if domain.Role(req.Role) == domain.RoleOwner && h.authz.RoleOf(p.UserID, p.TenantID) != domain.RoleOwner {
		return apperr.Forbidden("only an owner can create another owner")
	}
	u, err := h.svc.CreateUser(c.UserContext(), p.TenantID, NewUser{Email: req.Email, Name: req.Name,
		Password: req.Password, Role: domain.Role(req.Role)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

// UpdateUser answers PATCH /api/v1/users/{id}.
func (h *Handlers) UpdateUser(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.UpdateUserRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Role == nil && req.Disabled == nil {
		return apperr.Invalid("nothing to change: send role and/or disabled")
	}
	p := PrincipalOf(c)
	callerRole := h.authz.RoleOf(p.UserID, p.TenantID)
	if req.Role != nil && domain.Role(*req.Role) == domain.RoleOwner && callerRole != domain.RoleOwner {
		return apperr.Forbidden("only an owner can make another user owner")
	}
	if callerRole != domain.RoleOwner && h.authz.RoleOf(id, p.TenantID) == domain.RoleOwner {
		return apperr.Forbidden("only an owner can change an owner")
	}
	var role *domain.Role
	if req.Role != nil {
		r := domain.Role(*req.Role)
		role = &r
	}
	u, err := h.svc.UpdateUser(c.UserContext(), p.TenantID, id, role, req.Disabled)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// ListTokens answers GET /api/v1/tokens.
func (h *Handlers) ListTokens(c *fiber.Ctx) error {
	toks, err := h.svc.ListTokens(c.UserContext(), PrincipalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(api.TokenList{Tokens: toks})
}

// CreateToken answers POST /api/v1/tokens: a token acting as the caller.
func (h *Handlers) CreateToken(c *fiber.Ctx) error {
	var req api.CreateTokenRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p := PrincipalOf(c)
	tok, err := h.svc.CreateToken(c.UserContext(), p.TenantID, p.UserID, req.Name, req.ExpiresAt)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tok)
}

// RevokeToken answers DELETE /api/v1/tokens/{id}.
func (h *Handlers) RevokeToken(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeToken(c.UserContext(), PrincipalOf(c).TenantID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
