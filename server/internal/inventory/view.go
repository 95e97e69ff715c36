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
		out.Channels, err = ChannelQuantitiesTx(tx, tenantID, uuid.Nil, row.ProductID)
		if err != nil {
			return err
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

// ChannelQuantitiesTx lists listings — of one account and/or one product when
// those ids are not uuid.Nil — with what each should show now and why, next
// to what was last pushed, ordered by account name and channel SKU.
func ChannelQuantitiesTx(tx *gorm.DB, tenantID, accountID, productID uuid.UUID) ([]api.ChannelQuantity, error) {
	var desired []Desired
	var err error
	switch {
	case productID != uuid.Nil:
		desired, err = DesiredTx(tx, tenantID, []uuid.UUID{productID})
	case accountID != uuid.Nil:
		desired, err = DesiredForAccountTx(tx, tenantID, accountID)
	default:
		desired, err = DesiredTx(tx, tenantID, nil)
	}
	if err != nil {
		return nil, err
	}
	want := make(map[uuid.UUID]Desired, len(desired))
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
		tenantID, accountID == uuid.Nil, accountID, productID == uuid.Nil, productID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("inventory: listings: %w", err)
	}
	out := make([]api.ChannelQuantity, 0, len(rows))
	for _, r := range rows {
		d := want[r.ID]
		out = append(out, api.ChannelQuantity{ListingID: r.ID.String(), ChannelAccountID: r.ChannelAccountID.String(),
			ChannelKind: r.Kind, ChannelName: r.Name, ChannelSKU: r.ChannelSKU, Desired: d.Quantity, Reason: d.Reason,
			Pushed: r.PushedQty, PushedVersion: r.PushedVersion, PushedAt: r.PushedAt, ReadBack: r.ReadbackQty,
			LastError: r.LastError, InSync: r.PushedQty != nil && *r.PushedQty == d.Quantity && r.LastError == ""})
	}
	return out, nil
}
