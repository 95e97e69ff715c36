package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Cancel cancels an order and releases whatever stock it holds. Cancelling a
// cancelled order is a no-op; a shipped order cannot be cancelled.
func (s *Service) Cancel(ctx context.Context, tenantID, id uuid.UUID, actor, reason string) (api.Order, error) {
	if len(reason) > 500 {
		return api.Order{}, apperr.Invalid("reason must be at most 500 characters")
	}
	var w work
	events, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		o, err := lockOrder(tx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if o.Status == domain.StatusCancelled {
			return nil, nil
		}
		held := o.Status.HoldsStock()
		if err := setStatus(tx, tenantID, &o, domain.StatusCancelled, "", "", actor, reason); err != nil {
			return nil, err
		}
		if err := tx.Exec(`UPDATE orders SET claimed_by = NULL, claimed_at = NULL WHERE tenant_id = ? AND id = ?`, tenantID, id).Error; err != nil {
			return nil, err
		}
		if held {
			released, err := inventory.ReleaseTx(tx, tenantID, id, actor, reason)
			if err != nil {
				return nil, err
			}
			w.moved(released...)
			w.change.Increased = append(w.change.Increased, inventory.ProductIDs(released)...)
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

// Transition moves an order along its lifecycle at a person's or a
// connector's request: PICKING, back to ALLOCATED, PACKED, LABELED, SHIPPED,
// DELIVERED. Shipping consumes the allocated stock. Holds, allocation and
// cancellation have their own operations.
func (s *Service) Transition(ctx context.Context, tenantID, id uuid.UUID, to domain.OrderStatus, actor, reason string) (api.Order, error) {
	switch to {
	case domain.StatusPicking, domain.StatusAllocated, domain.StatusPacked, domain.StatusLabeled, domain.StatusShipped, domain.StatusDelivered:
	case domain.StatusCancelled:
		return api.Order{}, apperr.Invalid("cancel an order with POST /api/v1/orders/{id}/cancel, which releases its stock")
	default:
		return api.Order{}, apperr.Invalid("status %s is set by the system, not requested", to)
	}
	var w work
	events, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		o, err := lockOrder(tx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if o.Status == to {
			return nil, nil
		}
		if to == domain.StatusAllocated && o.Status != domain.StatusPicking {
			return nil, apperr.Conflict("order is %s; only an order being picked can go back to ALLOCATED", o.Status)
		}
		if err := setStatus(tx, tenantID, &o, to, "", "", actor, reason); err != nil {
			return nil, err
		}
		if to == domain.StatusShipped {
			shipped, err := inventory.ShipTx(tx, tenantID, id, actor)
			if err != nil {
				return nil, err
			}
			w.moved(shipped...)
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

// heldBatch bounds how many held orders one pass tries.
const heldBatch = 500

// AllocateHeld tries the orders held short on any of the products (all held
// orders when products is empty), oldest first, each in its own
// transaction; those that now fit are allocated. It returns their ids.
func (s *Service) AllocateHeld(ctx context.Context, tenantID uuid.UUID, products []uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		q := `SELECT o.id FROM orders o WHERE o.tenant_id = ? AND o.status = 'ON_HOLD' AND o.hold_reason = 'short'`
		args := []any{tenantID}
		if len(products) > 0 {
			q += ` AND EXISTS (SELECT 1 FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id AND l.product_id IN ?)`
			args = append(args, products)
		}
		q += ` ORDER BY o.placed_at, o.number LIMIT ?`
		args = append(args, heldBatch)
		var err error
		ids, err = db.IDs(tx, q, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("orders: find held orders: %w", err)
	}
	var allocated []uuid.UUID
	for _, id := range ids {
		ok, err := s.retryAllocation(ctx, tenantID, id, "system")
		if err != nil {
			return allocated, err
		}
		if ok {
			allocated = append(allocated, id)
		}
	}
	return allocated, nil
}

// retryAllocation tries to allocate one order held short; another worker
// holding its lock means someone else is already trying it.
func (s *Service) retryAllocation(ctx context.Context, tenantID, id uuid.UUID, actor string) (bool, error) {
	var w work
	var done bool
	events, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		var o orderRow
		res := tx.Raw(`SELECT `+orderColumns+` `+orderFrom+` WHERE o.tenant_id = ? AND o.id = ? FOR UPDATE OF o SKIP LOCKED`, tenantID, id).Scan(&o)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 || o.Status != domain.StatusOnHold || o.HoldReason == nil || *o.HoldReason != api.HoldShort {
			return nil, nil
		}
		lines, err := loadLines(tx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if err := allocateOrder(tx, tenantID, &o, lines, actor, &w); err != nil {
			return nil, err
		}
		if o.Status != domain.StatusAllocated {
			return nil, nil
		}
		done = true
		w.orderEvent("order.updated", &o)
		return w.finish(tx, tenantID)
	})
	if err != nil {
		return false, err
	}
	if done {
		s.inv.Committed(ctx, tenantID, w.change, events)
	}
	return done, nil
}

// ManualKind is the channel kind of manual and phone orders.
const ManualKind = "manual"

// ManualAccount returns the tenant's manual-orders channel account, creating it once.
func (s *Service) ManualAccount(ctx context.Context, tenantID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO channel_accounts (tenant_id, kind, name) VALUES (?, 'manual', 'Manual orders')
			ON CONFLICT (tenant_id) WHERE kind = 'manual' DO NOTHING`, tenantID).Error; err != nil {
			return err
		}
		var err error
		id, _, err = db.ID(tx, `SELECT id FROM channel_accounts WHERE tenant_id = ? AND kind = 'manual'`, tenantID)
		return err
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("orders: manual account: %w", err)
	}
	return id, nil
}

// CreateManual enters a manual or phone order through the same intake as
// every channel. Lines name catalog SKUs.
func (s *Service) CreateManual(ctx context.Context, tenantID uuid.UUID, actor string, req api.CreateOrderRequest) (IntakeResult, error) {
	account, err := s.ManualAccount(ctx, tenantID)
	if err != nil {
		return IntakeResult{}, err
	}
	in := Intake{ChannelAccountID: account, ExternalID: req.ExternalID, CustomerName: req.CustomerName,
		CustomerEmail: req.CustomerEmail, ShipTo: req.ShipTo, ServiceLevel: req.ServiceLevel, ShipBy: req.ShipBy,
		Notes: req.Notes, Currency: req.Currency}
	if req.PlacedAt != nil {
		in.PlacedAt = *req.PlacedAt
	}
	if in.ExternalID == "" {
		in.ExternalID = "M-" + uuid.NewString()
	}
	if strings.TrimSpace(req.CustomerName) == "" {
		return IntakeResult{}, apperr.Invalid("customer_name is required")
	}
	if err := checkAddress(req.ShipTo); err != nil {
		return IntakeResult{}, err
	}
	for i, l := range req.Lines {
		price := int64(0)
		if strings.TrimSpace(l.UnitPrice) != "" {
			p, err := domain.ParseCents(l.UnitPrice)
			if err != nil {
				return IntakeResult{}, apperr.Invalid("line %d (%s): unit_price: %v", i+1, l.SKU, err)
			}
			price = p
		}
		in.Lines = append(in.Lines, IntakeLine{ChannelSKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPriceCents: price})
	}
	return s.Intake(ctx, tenantID, actor, in)
}

func checkAddress(a api.Address) error {
	var missing []string
	for field, v := range map[string]string{"name": a.Name, "line1": a.Line1, "city": a.City, "postal_code": a.PostalCode, "country": a.Country} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, "ship_to."+field)
		}
	}
	if len(missing) > 0 {
		return apperr.Invalid("missing %s", strings.Join(dedupe(missing), ", "))
	}
	return nil
}
