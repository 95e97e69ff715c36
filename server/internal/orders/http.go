package orders

import (
	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Handlers serves the order, pick queue and mapping endpoints.
type Handlers struct{ svc *Service }

// NewHandlers returns the order handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// Create answers POST /api/v1/orders: 201 with a new order, 200 with the
// existing one when the external id was seen before.
func (h *Handlers) Create(c *fiber.Ctx) error {
	var req api.CreateOrderRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.svc.CreateManual(c.UserContext(), identity.PrincipalOf(c).TenantID, inventory.Actor(c), req)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if res.Created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(res.Order)
}

// Get answers GET /api/v1/orders/{id}.
func (h *Handlers) Get(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	o, err := h.svc.Get(c.UserContext(), identity.PrincipalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// List answers GET /api/v1/orders?status=&cursor=&limit=.
func (h *Handlers) List(c *fiber.Ctx) error {
	limit, err := httpx.QueryLimit(c, 50, 500)
	if err != nil {
		return err
	}
	out, err := h.svc.List(c.UserContext(), identity.PrincipalOf(c).TenantID, c.Query("status"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// Cancel answers POST /api/v1/orders/{id}/cancel.
func (h *Handlers) Cancel(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.CancelOrderRequest
	if len(c.Body()) > 0 {
		if err := httpx.BindJSON(c, &req); err != nil {
			return err
		}
	}
	o, err := h.svc.Cancel(c.UserContext(), identity.PrincipalOf(c).TenantID, id, inventory.Actor(c), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// Transition answers POST /api/v1/orders/{id}/transitions.
func (h *Handlers) Transition(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.TransitionRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	to, err := domain.ParseOrderStatus(req.Status)
	if err != nil {
		return apperr.Invalid("status: %v", err)
	}
	o, err := h.svc.Transition(c.UserContext(), identity.PrincipalOf(c).TenantID, id, to, inventory.Actor(c), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// PickQueue answers GET /api/v1/pick-queue.
func (h *Handlers) PickQueue(c *fiber.Ctx) error {
	limit, err := httpx.QueryLimit(c, 200, 1000)
	if err != nil {
		return err
	}
	q, err := h.svc.PickQueue(c.UserContext(), identity.PrincipalOf(c).TenantID, limit)
	if err != nil {
		return err
	}
	return c.JSON(q)
}

// Claim answers POST /api/v1/pick-queue/{id}/claim.
func (h *Handlers) Claim(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	p := identity.PrincipalOf(c)
	o, err := h.svc.Claim(c.UserContext(), p.TenantID, id, p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// Mappings answers GET /api/v1/mappings.
func (h *Handlers) Mappings(c *fiber.Ctx) error {
	m, err := h.svc.Mappings(c.UserContext(), identity.PrincipalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// PutMapping answers PUT /api/v1/mappings.
func (h *Handlers) PutMapping(c *fiber.Ctx) error {
	var req api.PutMappingRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.svc.PutMapping(c.UserContext(), identity.PrincipalOf(c).TenantID, inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
