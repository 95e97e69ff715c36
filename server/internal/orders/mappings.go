package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Mappings lists the channel listings and the review queue of channel SKUs
// that held orders name but no listing maps.
func (s *Service) Mappings(ctx context.Context, tenantID uuid.UUID) (api.Mappings, error) {
	out := api.Mappings{Mappings: []api.Mapping{}, Unmapped: []api.UnmappedSKU{}}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT l.id AS listing_id, l.channel_account_id, l.channel_sku, p.sku, l.external_listing_id
			FROM channel_listings l JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
			WHERE l.tenant_id = ? ORDER BY l.channel_account_id, l.channel_sku`, tenantID).Scan(&out.Mappings).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT o.channel_account_id, l.channel_sku, min(l.title) AS title,
				count(DISTINCT o.id) AS held_orders, min(o.created_at) AS first_seen
			FROM order_lines l JOIN orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id
			WHERE l.tenant_id = ? AND l.product_id IS NULL AND o.status = 'ON_HOLD'
			GROUP BY o.channel_account_id, l.channel_sku ORDER BY min(o.created_at)`, tenantID).Scan(&out.Unmapped).Error
	})
	if err != nil {
		return api.Mappings{}, fmt.Errorf("orders: mappings: %w", err)
	}
	return out, nil
}

// PutMapping maps a channel account's SKU to a catalog SKU, creating or
// re-pointing the listing, then resolves the held orders that waited for it:
// those with every line mapped go on to allocation.
func (s *Service) PutMapping(ctx context.Context, tenantID uuid.UUID, actor string, req api.PutMappingRequest) (api.PutMappingResult, error) {
	accountID, err := uuid.Parse(req.ChannelAccountID)
	if err != nil {
		return api.PutMappingResult{}, apperr.Invalid("channel_account_id %q is not a valid id", req.ChannelAccountID)
	}
	req.ChannelSKU, req.SKU = strings.TrimSpace(req.ChannelSKU), strings.TrimSpace(req.SKU)
	if req.ChannelSKU == "" || len(req.ChannelSKU) > 128 {
		return api.PutMappingResult{}, apperr.Invalid("channel_sku must be 1 to 128 characters")
	}
	if req.SKU == "" {
		return api.PutMappingResult{}, apperr.Invalid("sku (the catalog SKU) is required")
	}
	var (
		res = api.PutMappingResult{OrdersReleased: []string{}, OrdersAllocated: []string{}}
		w   work
	)
	events, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		var kind string
		r := tx.Raw(`SELECT kind FROM channel_accounts WHERE tenant_id = ? AND id = ?`, tenantID, accountID).Scan(&kind)
		if r.Error != nil {
			return nil, r.Error
		}
		if r.RowsAffected == 0 {
			return nil, apperr.NotFound("channel account %s not found", accountID)
		}
		if kind == ManualKind {
			return nil, apperr.Invalid("manual orders name catalog SKUs directly and need no mapping")
		}
		productID, found, err := db.ID(tx, `SELECT id FROM products WHERE tenant_id = ? AND sku = ?`, tenantID, req.SKU)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, apperr.NotFound("unknown SKU %q", req.SKU)
		}
		var m api.Mapping
		// A re-pointed listing must be pushed again: its pushed version no
		// longer describes the new product's stock.
		if err := tx.Raw(`INSERT INTO channel_listings (tenant_id, channel_account_id, channel_sku, external_listing_id, product_id)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT ON CONSTRAINT channel_listings_sku_key DO UPDATE
			SET product_id = EXCLUDED.product_id, external_listing_id = EXCLUDED.external_listing_id,
			    pushed_version = CASE WHEN channel_listings.product_id = EXCLUDED.product_id THEN channel_listings.pushed_version ELSE -1 END,
			    updated_at = now()
			RETURNING id AS listing_id, channel_account_id, channel_sku, external_listing_id`,
			tenantID, accountID, req.ChannelSKU, req.ExternalListingID, productID).Scan(&m).Error; err != nil {
			return nil, err
		}
		m.SKU = req.SKU
		res.Mapping = m
		w.change.Products = append(w.change.Products, productID)

		lineOrders, err := db.IDs(tx, `UPDATE order_lines l SET product_id = ?
			FROM orders o
			WHERE l.tenant_id = ? AND o.tenant_id = l.tenant_id AND o.id = l.order_id
			  AND o.channel_account_id = ? AND l.channel_sku = ? AND l.product_id IS NULL AND o.status = 'ON_HOLD'
			RETURNING l.order_id AS id`, productID, tenantID, accountID, req.ChannelSKU)
		if err != nil {
			return nil, err
		}
		if len(lineOrders) == 0 {
			return w.finish(tx, tenantID)
		}
		held, err := db.IDs(tx, `SELECT id FROM orders WHERE tenant_id = ? AND id IN ? ORDER BY placed_at, number`,
			tenantID, lineOrders)
		if err != nil {
			return nil, err
		}
		for _, id := range held {
			o, err := lockOrder(tx, tenantID, id)
			if err != nil {
				return nil, err
			}
			lines, err := loadLines(tx, tenantID, id)
			if err != nil {
				return nil, err
			}
			var still []string
			for _, l := range lines {
				if l.ProductID == nil {
					still = append(still, l.ChannelSKU)
				}
			}
			if len(still) > 0 {
				detail := "unmapped channel SKU: " + strings.Join(dedupe(still), ", ")
				if err := tx.Exec(`UPDATE orders SET hold_detail = ?, updated_at = now() WHERE tenant_id = ? AND id = ?`,
					detail, tenantID, id).Error; err != nil {
					return nil, err
				}
				continue
			}
			res.OrdersReleased = append(res.OrdersReleased, id.String())
			if err := allocateOrder(tx, tenantID, &o, lines, actor, &w); err != nil {
				return nil, err
			}
			if o.Status == domain.StatusAllocated {
				res.OrdersAllocated = append(res.OrdersAllocated, id.String())
			}
			w.orderEvent("order.updated", &o)
		}
		return w.finish(tx, tenantID)
	})
	if err != nil {
		return api.PutMappingResult{}, err
	}
	s.inv.Committed(ctx, tenantID, w.change, events)
	return res, nil
}
