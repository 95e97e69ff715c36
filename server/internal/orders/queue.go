package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// PickQueue lists allocated orders and orders being picked, with the bin and
// barcodes of every line, the earliest ship-by first.
func (s *Service) PickQueue(ctx context.Context, tenantID uuid.UUID, limit int) (api.PickQueue, error) {
	out := api.PickQueue{Orders: []api.PickOrder{}}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var rows []orderRow
		if err := tx.Raw(`SELECT `+orderColumns+` `+orderFrom+`
			WHERE o.tenant_id = ? AND o.status IN ('ALLOCATED', 'PICKING')
			ORDER BY o.ship_by NULLS LAST, o.placed_at, o.number LIMIT ?`, tenantID, limit).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		lines, err := loadLines(tx, tenantID, ids...)
		if err != nil {
			return err
		}
		var codes []struct {
			ProductID uuid.UUID
			Code      string
		}
		if err := tx.Raw(`SELECT b.product_id, b.code FROM product_barcodes b
			WHERE b.tenant_id = ? AND b.product_id IN (SELECT product_id FROM order_lines WHERE tenant_id = ? AND order_id IN ?)
			ORDER BY b.code`, tenantID, tenantID, ids).Scan(&codes).Error; err != nil {
			return err
		}
		barcodes := map[uuid.UUID][]string{}
		for _, c := range codes {
			barcodes[c.ProductID] = append(barcodes[c.ProductID], c.Code)
		}
		byOrder := map[uuid.UUID][]api.PickLine{}
		for _, l := range lines {
			pl := api.PickLine{Quantity: l.Quantity, Barcodes: []string{}}
			if l.SKU != nil {
				pl.SKU, pl.Name, pl.BinLocation = *l.SKU, *l.ProductName, *l.BinLocation
			}
			if l.ProductID != nil && barcodes[*l.ProductID] != nil {
				pl.Barcodes = barcodes[*l.ProductID]
			}
			byOrder[l.OrderID] = append(byOrder[l.OrderID], pl)
		}
		for _, r := range rows {
			po := api.PickOrder{ID: r.ID.String(), Number: r.Number, Status: string(r.Status), ChannelKind: r.ChannelKind,
				CustomerName: r.CustomerName, ServiceLevel: r.ServiceLevel, ShipBy: r.ShipBy, PlacedAt: r.PlacedAt,
				ClaimedAt: r.ClaimedAt, Lines: byOrder[r.ID]}
			if r.ClaimedBy != nil {
				po.ClaimedBy = r.ClaimedBy.String()
			}
			out.Orders = append(out.Orders, po)
		}
		return nil
	})
	if err != nil {
		return api.PickQueue{}, fmt.Errorf("orders: pick queue: %w", err)
	}
	return out, nil
}

// Claim gives an allocated order to a packer: it becomes PICKING. Claiming
// your own claim again is harmless; another packer's claim is a conflict.
func (s *Service) Claim(ctx context.Context, tenantID, id, userID uuid.UUID) (api.Order, error) {
	var w work
	events, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		o, err := lockOrder(tx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if o.Status == domain.StatusPicking {
			if o.ClaimedBy != nil && *o.ClaimedBy == userID {
				return nil, nil
			}
			who := "another packer"
			if o.ClaimedBy != nil {
				who = "user " + o.ClaimedBy.String()
			}
			return nil, apperr.Conflict("order %d is already being picked by %s since %s", o.Number, who, o.ClaimedAt.Format(time.RFC3339))
		}
		if err := setStatus(tx, tenantID, &o, domain.StatusPicking, "", "", "user:"+userID.String(), "claimed"); err != nil {
			return nil, err
		}
		if err := tx.Exec(`UPDATE orders SET claimed_by = ?, claimed_at = now() WHERE tenant_id = ? AND id = ?`, userID, tenantID, id).Error; err != nil {
			return nil, err
		}
		w.orderEvent("order.updated", &o)
		return w.finish(tx, tenantID)
	})
	if err != nil {
		return api.Order{}, err
	}
	s.inv.Committed(ctx, tenantID, w.change, events)
	return s.Get(ctx, tenantID, id)
}
