package channel

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
)

// Handlers serves the listing endpoints.
type Handlers struct{ p *Pusher }

// NewHandlers returns the listing handlers.
func NewHandlers(p *Pusher) *Handlers { return &Handlers{p: p} }

// List answers GET /api/v1/listings?account_id=&sku=.
func (h *Handlers) List(c *fiber.Ctx) error {
	accountID, err := queryAccount(c)
	if err != nil {
		return err
	}
	ls, err := h.p.Listings(c.UserContext(), identity.PrincipalOf(c).TenantID,
		ListingFilter{AccountID: accountID, SKU: strings.TrimSpace(c.Query("sku"))})
	if err != nil {
		return err
	}
	return c.JSON(api.ListingList{Listings: ls})
}

// Push answers POST /api/v1/listings/push?account_id=: 202 once the push of
// every account (or of the one named) is queued.
func (h *Handlers) Push(c *fiber.Ctx) error {
	accountID, err := queryAccount(c)
	if err != nil {
		return err
	}
	n, err := h.p.PushTenant(c.UserContext(), identity.PrincipalOf(c).TenantID, accountID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(api.PushQueued{Accounts: n})
}

func queryAccount(c *fiber.Ctx) (uuid.UUID, error) {
	raw := strings.TrimSpace(c.Query("account_id"))
	if raw == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, apperr.Invalid("account_id %q is not a valid id (a UUID is expected)", raw)
	}
	return id, nil
}
