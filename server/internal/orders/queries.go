package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

const orderColumns = `o.tenant_id, o.id, o.number, o.channel_account_id, a.kind AS channel_kind, o.external_id, o.status,
	o.hold_reason, o.hold_detail, o.customer_name, o.customer_email, o.ship_to, o.service_level, o.ship_by,
	o.placed_at, o.buyer_notes, o.currency, o.total_cents, o.claimed_by, o.claimed_at, o.created_at, o.updated_at`

const orderFrom = `FROM orders o JOIN channel_accounts a ON a.tenant_id = o.tenant_id AND a.id = o.channel_account_id`

// lockOrder reads an order FOR UPDATE; another tenant's order is not found.
func lockOrder(tx *gorm.DB, tenantID, id uuid.UUID) (orderRow, error) {
	var o orderRow
	res := tx.Raw(`SELECT `+orderColumns+` `+orderFrom+` WHERE o.tenant_id = ? AND o.id = ? FOR UPDATE OF o`, tenantID, id).Scan(&o)
	if res.Error != nil {
		return o, res.Error
	}
	if res.RowsAffected == 0 {
		return o, apperr.NotFound("order %s not found", id)
	}
	return o, nil
}

func loadLines(tx *gorm.DB, tenantID uuid.UUID, orderIDs ...uuid.UUID) ([]lineRow, error) {
	var lines []lineRow
	err := tx.Raw(`SELECT l.id, l.order_id, l.line_no, l.channel_sku, l.channel_line_id, l.title, l.product_id, l.quantity,
			l.unit_price_cents, p.sku, p.name AS product_name, p.bin_location,
			(al.order_line_id IS NOT NULL AND al.released_at IS NULL) AS allocated
		FROM order_lines l
		LEFT JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
		LEFT JOIN allocations al ON al.tenant_id = l.tenant_id AND al.order_line_id = l.id
		WHERE l.tenant_id = ? AND l.order_id IN ? ORDER BY l.order_id, l.line_no`, tenantID, orderIDs).Scan(&lines).Error
	if err != nil {
		return nil, fmt.Errorf("orders: load lines: %w", err)
	}
	return lines, nil
}

// Get returns an order with its lines and transitions.
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (api.Order, error) {
	var out api.Order
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var o orderRow
		res := tx.Raw(`SELECT `+orderColumns+` `+orderFrom+` WHERE o.tenant_id = ? AND o.id = ?`, tenantID, id).Scan(&o)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("order %s not found", id)
		}
		lines, err := loadLines(tx, tenantID, id)
		if err != nil {
			return err
		}
		var trs []api.Transition
		if err := tx.Raw(`SELECT coalesce(from_status, '') AS "from", to_status AS "to", actor, reason, at
			FROM order_transitions WHERE tenant_id = ? AND order_id = ? ORDER BY id`, tenantID, id).Scan(&trs).Error; err != nil {
			return err
		}
		out = toAPI(o, lines)
		out.Transitions = trs
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.Order{}, err
		}
		return api.Order{}, fmt.Errorf("orders: get: %w", err)
	}
	return out, nil
}

// List returns orders newest first, optionally of one status, keyset-paged
// by order number.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, status, cursor string, limit int) (api.OrderList, error) {
	if status != "" {
		if _, err := domain.ParseOrderStatus(status); err != nil {
			return api.OrderList{}, apperr.Invalid("status: %v", err)
		}
	}
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return api.OrderList{}, apperr.Invalid("cursor %q is not one this API returned", cursor)
		}
		before = n
	}
	out := api.OrderList{Orders: []api.Order{}}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		q := `SELECT ` + orderColumns + ` ` + orderFrom + ` WHERE o.tenant_id = ?`
		args := []any{tenantID}
		if status != "" {
			q += ` AND o.status = ?`
			args = append(args, status)
		}
		if before > 0 {
			q += ` AND o.number < ?`
			args = append(args, before)
		}
		q += ` ORDER BY o.number DESC LIMIT ?`
		args = append(args, limit+1)
		var rows []orderRow
		if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			out.NextCursor = strconv.FormatInt(rows[len(rows)-1].Number, 10)
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
		byOrder := map[uuid.UUID][]lineRow{}
		for _, l := range lines {
			byOrder[l.OrderID] = append(byOrder[l.OrderID], l)
		}
		for _, r := range rows {
			out.Orders = append(out.Orders, toAPI(r, byOrder[r.ID]))
		}
		return nil
	})
	if err != nil {
		return api.OrderList{}, fmt.Errorf("orders: list: %w", err)
	}
	return out, nil
}

func toAPI(o orderRow, lines []lineRow) api.Order {
	out := api.Order{ID: o.ID.String(), Number: o.Number, ChannelAccountID: o.ChannelAccountID.String(), ChannelKind: o.ChannelKind,
		ExternalID: o.ExternalID, Status: string(o.Status), HoldDetail: o.HoldDetail, CustomerName: o.CustomerName,
		CustomerEmail: o.CustomerEmail, ServiceLevel: o.ServiceLevel, ShipBy: o.ShipBy, PlacedAt: o.PlacedAt,
		BuyerNotes: o.BuyerNotes, Currency: o.Currency, Total: domain.FormatCents(o.TotalCents), ClaimedAt: o.ClaimedAt,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Lines: make([]api.OrderLine, 0, len(lines))}
	if o.HoldReason != nil {
		out.HoldReason = *o.HoldReason
	}
	if o.ClaimedBy != nil {
		out.ClaimedBy = o.ClaimedBy.String()
	}
	_ = json.Unmarshal(o.ShipTo, &out.ShipTo)
	for _, l := range lines {
		ol := api.OrderLine{ID: l.ID.String(), LineNo: l.LineNo, ChannelSKU: l.ChannelSKU, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: domain.FormatCents(l.UnitPriceCents), Allocated: l.Allocated}
		if l.ProductID != nil {
			ol.ProductID = l.ProductID.String()
		}
		if l.SKU != nil {
			ol.SKU = *l.SKU
		}
		if l.BinLocation != nil {
			ol.BinLocation = *l.BinLocation
		}
		if ol.Title == "" && l.ProductName != nil {
			ol.Title = *l.ProductName
		}
		out.Lines = append(out.Lines, ol)
	}
	return out
}
