package inventory

import (
	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
)

// Handlers serves the stock endpoints.
type Handlers struct{ svc *Service }

// NewHandlers returns the stock handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// Actor names the caller in ledgers and audit trails.
func Actor(c *fiber.Ctx) string { return "user:" + identity.PrincipalOf(c).UserID.String() }

// Adjust answers POST /api/v1/stock/adjustments.
func (h *Handlers) Adjust(c *fiber.Ctx) error {
	var req api.StockAdjustmentRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	entry, err := h.svc.Adjust(c.UserContext(), identity.PrincipalOf(c).TenantID, Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(entry)
}

// Ledger answers GET /api/v1/stock/{sku}/ledger.
func (h *Handlers) Ledger(c *fiber.Ctx) error {
	limit, err := httpx.QueryLimit(c, 100, 1000)
	if err != nil {
		return err
	}
	entries, err := h.svc.Ledger(c.UserContext(), identity.PrincipalOf(c).TenantID, c.Params("sku"), limit)
	if err != nil {
		return err
	}
	return c.JSON(api.LedgerList{Entries: entries})
}

// Level answers GET /api/v1/stock/{sku}.
func (h *Handlers) Level(c *fiber.Ctx) error {
	lvl, err := h.svc.Level(c.UserContext(), identity.PrincipalOf(c).TenantID, c.Params("sku"))
	if err != nil {
		return err
	}
	return c.JSON(lvl)
}

// Policies answers GET /api/v1/allocation-policy.
func (h *Handlers) Policies(c *fiber.Ctx) error {
	p, err := h.svc.Policies(c.UserContext(), identity.PrincipalOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// PutPolicies answers PUT /api/v1/allocation-policy.
func (h *Handlers) PutPolicies(c *fiber.Ctx) error {
	var req api.AllocationPolicies
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.svc.PutPolicies(c.UserContext(), identity.PrincipalOf(c).TenantID, Actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
