package orders

import (
	"context"
	"fmt"
	"log/slog"

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
	db  *db.DB
	inv *inventory.Service
	log *slog.Logger
}

// NewService returns the order service. It registers itself with the stock
// service so held orders allocate as soon as stock comes back.
func NewService(d *db.DB, inv *inventory.Service, log *slog.Logger) *Service {
	s := &Service{db: d, inv: inv, log: log}
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
	events []realtime.NewEvent
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
	return inventory.StockEventsTx(tx, tenantID, w.change.Products, w.events...)
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
	updates := map[string]any{"status": string(to), "hold_reason": hr, "hold_detail": holdDetail, "updated_at": gorm.Expr("now()")}
	if to != domain.StatusPicking && o.Status == domain.StatusPicking && to == domain.StatusAllocated {
		updates["claimed_by"], updates["claimed_at"] = nil, nil
	}
	if err := tx.Table("orders").Where("tenant_id = ? AND id = ?", tenantID, o.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("orders: set status: %w", err)
	}
	if err := recordTransition(tx, tenantID, o.ID, string(o.Status), string(to), actor, reason); err != nil {
		return err
	}
	o.Status, o.HoldReason, o.HoldDetail = to, hr, holdDetail
	if _, ok := updates["claimed_by"]; ok {
		o.ClaimedBy, o.ClaimedAt = nil, nil
	}
	return nil
}

func recordTransition(tx *gorm.DB, tenantID, orderID uuid.UUID, from, to, actor, reason string) error {
	var f *string
	if from != "" {
		f = &from
	}
	if err := tx.Exec(`INSERT INTO order_transitions (tenant_id, order_id, from_status, to_status, actor, reason)
		VALUES (?, ?, ?, ?, ?, ?)`, tenantID, orderID, f, to, actor, reason).Error; err != nil {
		return fmt.Errorf("orders: record transition: %w", err)
	}
	return nil
}

// allocateOrder tries to allocate every line of an order that is NEW or held
// short, moving it to ALLOCATED or ON_HOLD(short). Lines must all be mapped.
func allocateOrder(tx *gorm.DB, tenantID uuid.UUID, o *orderRow, lines []lineRow, actor string, w *work) error {
	demand := make([]inventory.LineDemand, 0, len(lines))
	for _, l := range lines {
		demand = append(demand, inventory.LineDemand{OrderID: o.ID, LineID: l.ID, ProductID: *l.ProductID, Quantity: l.Quantity})
	}
	short, touched, err := inventory.AllocateTx(tx, tenantID, actor, demand)
	if err != nil {
		return err
	}
	if len(short) > 0 {
		detail := "not enough stock: " + inventory.DescribeShortages(short)
		if o.Status == domain.StatusOnHold {
			// Still short: keep the hold, refresh what it says.
			return tx.Table("orders").Where("tenant_id = ? AND id = ?", tenantID, o.ID).
				Updates(map[string]any{"hold_reason": api.HoldShort, "hold_detail": detail}).Error
		}
		return setStatus(tx, tenantID, o, domain.StatusOnHold, api.HoldShort, detail, actor, detail)
	}
	w.change.Products = append(w.change.Products, touched...)
	return setStatus(tx, tenantID, o, domain.StatusAllocated, "", "", actor, "")
}
