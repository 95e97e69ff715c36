package channel

import (
	"context"
	"fmt"
	"time"

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
		var desired []inventory.Desired
		var err error
		switch {
		case f.SKU != "":
			desired, err = inventory.DesiredTx(tx, tenantID, []uuid.UUID{productID})
		case f.AccountID != uuid.Nil:
			desired, err = inventory.DesiredForAccountTx(tx, tenantID, f.AccountID)
		default:
			desired, err = inventory.DesiredTx(tx, tenantID, nil)
		}
		if err != nil {
			return err
		}
		want := make(map[uuid.UUID]inventory.Desired, len(desired))
		for _, d := range desired {
			want[d.ListingID] = d
		}
		var rows []struct {
			ID               uuid.UUID
			ChannelAccountID uuid.UUID
			Kind             string
			Name             string
			ChannelSKU       string
			PushedQty        *int
			PushedVersion    int64
			PushedAt         *time.Time
			ReadbackQty      *int
			LastError        string
		}
		if err := tx.Raw(`SELECT l.id, l.channel_account_id, a.kind, a.name, l.channel_sku, l.pushed_qty, l.pushed_version,
				l.pushed_at, l.readback_qty, l.last_error
			FROM channel_listings l JOIN channel_accounts a ON a.tenant_id = l.tenant_id AND a.id = l.channel_account_id
			WHERE l.tenant_id = ? AND (? OR l.channel_account_id = ?) AND (? OR l.product_id = ?)
			ORDER BY a.name, l.channel_sku`,
			tenantID, f.AccountID == uuid.Nil, f.AccountID, f.SKU == "", productID).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			d := want[r.ID]
			out = append(out, api.ChannelQuantity{ListingID: r.ID.String(), ChannelAccountID: r.ChannelAccountID.String(),
				ChannelKind: r.Kind, ChannelName: r.Name, ChannelSKU: r.ChannelSKU, Desired: d.Quantity, Reason: d.Reason,
				Pushed: r.PushedQty, PushedVersion: r.PushedVersion, PushedAt: r.PushedAt, ReadBack: r.ReadbackQty,
				LastError: r.LastError,
				InSync:    r.PushedQty != nil && *r.PushedQty == d.Quantity && r.LastError == ""})
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("channel: listings: %w", err)
	}
	return out, nil
}
