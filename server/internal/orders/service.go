package orders

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Service manages orders.
type Service struct {
	db      *db.DB
	inv     *inventory.Service
	log     *slog.Logger
	batcher *intakeBatcher
}

// NewService returns the order service. It registers itself with the stock
// service so held orders allocate as soon as stock comes back.
func NewService(d *db.DB, inv *inventory.Service, log *slog.Logger) *Service {
	s := &Service{db: d, inv: inv, log: log}
	s.batcher = newIntakeBatcher(s)
	inv.Observe(s)
	return s
}

// StockChanged allocates held orders when a product's available stock rises.
func (s *Service) StockChanged(ctx context.Context, tenantID uuid.UUID, change inventory.Change) {
	if len(change.Increased) == 0 {
		return
	}
	if _, err := s.AllocateHeld(ctx, tenantID, change.Increased); err != nil {
		s.log.Error("orders: allocate held orders", slog.String("tenant_id", tenantID.String()), slog.String("err", err.Error()))
	}
}

// OrderEvent is the data of "order.created" and "order.updated" events.
type OrderEvent struct {
	ID         string `json:"id"`
	Number     int64  `json:"number"`
	Status     string `json:"status"`
	HoldReason string `json:"hold_reason,omitempty"`
}

// work collects what a transaction changed, to report after it commits.
type work struct {
	change inventory.Change
	known  inventory.Known
	events []realtime.NewEvent

	// claimed holds the lines of orders taken in a batch, written
	// ALLOCATED with their allocation rows, whose stock is moved for the
	// whole batch at once.
	claimed []inventory.LineDemand
}

// moved records stock the transaction moved, with the figures it left.
func (w *work) moved(figs ...inventory.Figures) {
	if w.known == nil {
		w.known = inventory.Known{}
	}
	w.known.Add(figs...)
	w.change.Products = append(w.change.Products, inventory.ProductIDs(figs)...)
}

func (w *work) orderEvent(typ string, o *orderRow) {
	ev := OrderEvent{ID: o.ID.String(), Number: o.Number, Status: string(o.Status)}
	if o.HoldReason != nil {
		ev.HoldReason = *o.HoldReason
	}
	w.events = append(w.events, realtime.NewEvent{Type: typ, Data: ev})
	if o.Status == domain.StatusAllocated || o.Status == domain.StatusPicking || typ == "order.updated" {
		w.events = append(w.events, realtime.NewEvent{Type: "pickqueue.changed", Data: ev})
	}
}

// finish appends the transaction's events; call it last inside the transaction.
func (w *work) finish(tx *gorm.DB, tenantID uuid.UUID) ([]api.Event, error) {
	return inventory.StockEventsTx(tx, tenantID, w.change.Products, w.known, w.events...)
}

// setStatus moves an order to a new status, checking the lifecycle and
// recording the transition.
func setStatus(tx *gorm.DB, tenantID uuid.UUID, o *orderRow, to domain.OrderStatus, holdReason, holdDetail, actor, reason string) error {
	if err := domain.CheckTransition(o.Status, to); err != nil {
		return err
	}
	var hr *string
	if to == domain.StatusOnHold {
		hr = &holdReason
	} else {
		holdDetail = ""
	}
	// An order leaving PICKING for ALLOCATED goes back to the queue unclaimed.
	unclaim := o.Status == domain.StatusPicking && to == domain.StatusAllocated
	var f *string
	if o.Status != "" {
		from := string(o.Status)
		f = &from
	}
	// One statement updates the order and records the transition.
	var at []time.Time
	res := tx.Raw(`WITH u AS (
			UPDATE orders SET status = ?, hold_reason = ?, hold_detail = ?, updated_at = now(),
				claimed_by = CASE WHEN ? THEN NULL ELSE claimed_by END,
				claimed_at = CASE WHEN ? THEN NULL ELSE claimed_at END
			WHERE tenant_id = ? AND id = ? RETURNING tenant_id, id)
		INSERT INTO order_transitions (tenant_id, order_id, from_status, to_status, actor, reason)
		SELECT tenant_id, id, ?::text, ?::text, ?::text, ?::text FROM u
		RETURNING at`,
		string(to), hr, holdDetail, unclaim, unclaim, tenantID, o.ID, f, string(to), actor, reason).Scan(&at)
	if res.Error != nil {
		return fmt.Errorf("orders: set status: %w", res.Error)
	}
	if len(at) != 1 {
		return fmt.Errorf("orders: set status: order %s not found", o.ID)
	}
	o.transitions = append(o.transitions, api.Transition{From: string(o.Status), To: string(to), Actor: actor, Reason: reason, At: at[0]})
	// updated_at and the transition's time are both the transaction's now().
	o.Status, o.HoldReason, o.HoldDetail, o.UpdatedAt = to, hr, holdDetail, at[0]
	if unclaim {
		o.ClaimedBy, o.ClaimedAt = nil, nil
	}
	return nil
}

// allocateOrder tries to allocate every line of an order that is NEW or held
// short, moving it to ALLOCATED or ON_HOLD(short). Lines must all be mapped.
func allocateOrder(tx *gorm.DB, tenantID uuid.UUID, o *orderRow, lines []lineRow, actor string, w *work) error {
	demand := make([]inventory.LineDemand, 0, len(lines))
	for _, l := range lines {
		demand = append(demand, inventory.LineDemand{OrderID: o.ID, LineID: l.ID, ProductID: *l.ProductID, Quantity: l.Quantity, Actor: actor})
	}
	markAllocated := func() error { return setStatus(tx, tenantID, o, domain.StatusAllocated, "", "", actor, "") }
	// The order is marked ALLOCATED before the stock rows are locked; a
	// shortage rolls that back with the allocation.
	from := *o
	short, figs, err := inventory.AllocateTx(tx, tenantID, actor, demand, markAllocated)
	if err != nil {
		return err
	}
	if len(short) > 0 {
		*o = from
		detail := "not enough stock: " + inventory.DescribeShortages(short)
		if o.Status == domain.StatusOnHold {
			// Still short: keep the hold, refresh what it says.
			return tx.Table("orders").Where("tenant_id = ? AND id = ?", tenantID, o.ID).
				Updates(map[string]any{"hold_reason": api.HoldShort, "hold_detail": detail}).Error
		}
		return setStatus(tx, tenantID, o, domain.StatusOnHold, api.HoldShort, detail, actor, detail)
	}
	w.moved(figs...)
	return nil
}
