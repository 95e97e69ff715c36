package channel

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
)

// ListingFilter narrows Listings; a zero field matches everything.
type ListingFilter struct {
	AccountID uuid.UUID
	// SKU is a catalog SKU.
	SKU string
}

// Listings returns the tenant's channel listings with what each should show
// now and why, next to what was last pushed, ordered by account name and
// channel SKU. A filter naming an unknown account or SKU is NotFound.
func (p *Pusher) Listings(ctx context.Context, tenantID uuid.UUID, f ListingFilter) ([]api.ChannelQuantity, error) {
	out := []api.ChannelQuantity{}
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if f.AccountID != uuid.Nil {
			_, found, err := db.ID(tx, `SELECT id FROM channel_accounts WHERE tenant_id = ? AND id = ?`, tenantID, f.AccountID)
			if err != nil {
				return err
			}
			if !found {
				return apperr.NotFound("channel account %s not found", f.AccountID)
			}
		}
		var productID uuid.UUID
		if f.SKU != "" {
			var found bool
			var err error
			productID, found, err = db.ID(tx, `SELECT id FROM products WHERE tenant_id = ? AND sku = ?`, tenantID, f.SKU)
			if err != nil {
				return err
			}
			if !found {
				return apperr.NotFound("unknown SKU %q", f.SKU)
			}
		}
		var err error
		out, err = inventory.ChannelQuantitiesTx(tx, tenantID, f.AccountID, productID)
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("channel: listings: %w", err)
	}
	return out, nil
}
