package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
)

// Level returns a product's stock and, per channel listing, what it should
// show and why, next to what was last pushed.
func (s *Service) Level(ctx context.Context, tenantID uuid.UUID, sku string) (api.StockLevel, error) {
	var out api.StockLevel
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var row struct {
			ProductID uuid.UUID
			OnHand    int
			Allocated int
			Version   int64
		}
		res := tx.Raw(`SELECT s.product_id, s.on_hand, s.allocated, s.version
			FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? AND p.sku = ?`, tenantID, sku).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("unknown SKU %q", sku)
		}
		policies, err := loadPolicies(tx, tenantID)
		if err != nil {
			return err
		}
		out = api.StockLevel{SKU: sku, ProductID: row.ProductID.String(), OnHand: row.OnHand, Allocated: row.Allocated,
			Available: row.OnHand - row.Allocated, Version: row.Version, Strategy: policies.of(row.ProductID).Strategy,
			Channels: []api.ChannelQuantity{}}
		desired, err := DesiredTx(tx, tenantID, []uuid.UUID{row.ProductID})
		if err != nil {
			return err
		}
		want := make(map[uuid.UUID]Desired, len(desired))
		for _, d := range desired {
			want[d.ListingID] = d
		}
		var listings []struct {
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
			WHERE l.tenant_id = ? AND l.product_id = ? ORDER BY a.name, l.channel_sku`, tenantID, row.ProductID).Scan(&listings).Error; err != nil {
			return err
		}
		for _, l := range listings {
			d := want[l.ID]
			out.Channels = append(out.Channels, api.ChannelQuantity{ListingID: l.ID.String(), ChannelAccountID: l.ChannelAccountID.String(),
				ChannelKind: l.Kind, ChannelName: l.Name, ChannelSKU: l.ChannelSKU, Desired: d.Quantity, Reason: d.Reason,
				Pushed: l.PushedQty, PushedVersion: l.PushedVersion, PushedAt: l.PushedAt, ReadBack: l.ReadbackQty,
				LastError: l.LastError, InSync: l.PushedQty != nil && *l.PushedQty == d.Quantity && l.LastError == ""})
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.StockLevel{}, err
		}
		return api.StockLevel{}, fmt.Errorf("inventory: level: %w", err)
	}
	return out, nil
}
