package tenancy

import (
	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/shared/api"
)

// Handlers serves the platform operator's tenant endpoints.
type Handlers struct{ svc *Service }

// NewHandlers returns the tenant handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// List answers GET /api/v1/platform/tenants.
func (h *Handlers) List(c *fiber.Ctx) error {
	ts, err := h.svc.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(api.TenantList{Tenants: ts})
}

// Create answers POST /api/v1/platform/tenants.
func (h *Handlers) Create(c *fiber.Ctx) error {
	var req api.CreateTenantRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.svc.Create(c.UserContext(), req.Slug, req.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}
