package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
)

// requestID adopts a well-formed X-Request-Id from the caller or makes one.
func requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals(httpx.RequestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// accessLog logs each request once, after it is answered, without secrets:
// no headers, cookies, query strings or bodies.
func accessLog(log *slog.Logger, errHandler fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Answer now so the log line carries the real status.
			if herr := errHandler(c, err); herr != nil {
				return herr
			}
		}
		p := identity.PrincipalOf(c)
		attrs := []slog.Attr{
			slog.String("request_id", httpx.RequestID(c)),
			slog.String("method", c.Method()),
			slog.String("route", routeOf(c)),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("took", time.Since(start)),
		}
		if p.UserID != uuid.Nil {
			attrs = append(attrs, slog.String("user_id", p.UserID.String()))
			if p.TenantID != uuid.Nil {
				attrs = append(attrs, slog.String("tenant_id", p.TenantID.String()))
			}
		}
		log.LogAttrs(c.UserContext(), slog.LevelInfo, "http request", attrs...)
		return nil
	}
}

// authenticator resolves the caller from a bearer token or the session
// cookie. Cookie-authenticated unsafe requests must carry the CSRF token.
type authenticator struct {
	ids *identity.Service
	az  *authz.Authorizer
}

func (a authenticator) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var (
		p   identity.Principal
		err error
	)
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return apperr.Unauthenticated("the Authorization header must be \"Bearer <API token>\"")
		}
		p, err = a.ids.TokenPrincipal(ctx, strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		if err := a.ids.TouchToken(ctx, p); err != nil {
			return err
		}
	} else if cookie := c.Cookies(identity.SessionCookie); cookie != "" {
		p, err = a.ids.SessionPrincipal(ctx, cookie)
		if err != nil {
			return err
		}
		if !isSafeMethod(c.Method()) {
			sent := c.Get("X-CSRF-Token")
			if subtle.ConstantTimeCompare([]byte(sent), []byte(p.CSRFToken)) != 1 {
				return apperr.Forbidden("missing or wrong X-CSRF-Token header for a signed-in console request")
			}
		}
	} else {
		return apperr.Unauthenticated("sign in, or send an API token as \"Authorization: Bearer <token>\"")
	}
	p.Role = a.az.RoleOf(p.UserID, p.TenantID)
	identity.SetPrincipal(c, p)
	return c.Next()
}

// require checks the caller holds perm in their own tenant (or, for platform
// permissions, in the platform domain).
func (a authenticator) require(perm authz.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := identity.PrincipalOf(c)
		if !a.az.Allowed(p.UserID, p.TenantID, perm) {
			return apperr.Forbidden("your role does not allow %s", perm)
		}
		return c.Next()
	}
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}
