package inventory

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/shared/api"
)

// Observer hears about committed stock changes: the channel pusher converges
// listings sooner, the order service allocates held orders.
type Observer interface {
	StockChanged(ctx context.Context, tenantID uuid.UUID, change Change)
}

// Announcer delivers committed realtime events; the realtime hub implements it.
type Announcer interface {
	Announce(ctx context.Context, tenantID uuid.UUID, events ...api.Event) error
}

// Service manages stock.
type Service struct {
	db        *db.DB
	announcer Announcer
	log       *slog.Logger

	mu        sync.RWMutex
	observers []Observer
}

// NewService returns the stock service.
func NewService(d *db.DB, announcer Announcer, log *slog.Logger) *Service {
	return &Service{db: d, announcer: announcer, log: log}
}

// Observe registers an observer of committed stock changes. main calls it
// while wiring, before serving.
func (s *Service) Observe(o Observer) {
	s.mu.Lock()
	s.observers = append(s.observers, o)
	s.mu.Unlock()
}

// Committed tells observers about a committed change and announces its events.
// Every writer of stock calls it after its transaction commits.
func (s *Service) Committed(ctx context.Context, tenantID uuid.UUID, change Change, events []api.Event) {
	if len(events) > 0 && s.announcer != nil {
		if err := s.announcer.Announce(ctx, tenantID, events...); err != nil {
			s.log.Warn("inventory: announce events", slog.String("err", err.Error()))
		}
	}
	if len(change.Products) == 0 && len(change.Increased) == 0 {
		return
	}
	s.mu.RLock()
	obs := append([]Observer(nil), s.observers...)
	s.mu.RUnlock()
	for _, o := range obs {
		o.StockChanged(ctx, tenantID, change)
	}
}

// StockEvent is the data of a "stock.changed" event.
type StockEvent struct {
	SKU       string `json:"sku"`
	ProductID string `json:"product_id"`
	OnHand    int    `json:"on_hand"`
	Allocated int    `json:"allocated"`
	Available int    `json:"available"`
	Version   int64  `json:"version"`
}

// StockEventsTx appends a "stock.changed" event for each product, with its
// figures as committed by this transaction, in SKU order. Figures in known
// (returned by this transaction's own statements) are used as they are; the
// others are read. Call it last in the transaction.
func StockEventsTx(tx *gorm.DB, tenantID uuid.UUID, products []uuid.UUID, known Known, more ...realtime.NewEvent) ([]api.Event, error) {
	evs := append([]realtime.NewEvent(nil), more...)
	figs := make([]Figures, 0, len(products))
	seen := make(map[uuid.UUID]bool, len(products))
	var unknown []uuid.UUID
	for _, p := range products {
		if seen[p] {
			continue
		}
		seen[p] = true
		if f, ok := known[p]; ok {
			figs = append(figs, f)
		} else {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		var rows []Figures
		err := tx.Raw(`SELECT s.product_id, p.sku, s.on_hand, s.allocated, s.version
			FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? AND s.product_id IN ?`, tenantID, unknown).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("inventory: read stock for events: %w", err)
		}
		figs = append(figs, rows...)
	}
	sort.Slice(figs, func(i, j int) bool { return figs[i].SKU < figs[j].SKU })
	for _, f := range figs {
		evs = append(evs, realtime.NewEvent{Type: "stock.changed", Data: StockEvent{SKU: f.SKU, ProductID: f.ProductID.String(),
			OnHand: f.OnHand, Allocated: f.Allocated, Available: f.OnHand - f.Allocated, Version: f.Version}})
	}
	if len(evs) == 0 {
		return nil, nil
	}
	return realtime.AppendAll(tx, tenantID, evs...)
}

// Adjust records a receipt, a correction or a physical count. It refuses,
// with the numbers, a change that would leave on hand below what open orders
// hold.
func (s *Service) Adjust(ctx context.Context, tenantID uuid.UUID, actor string, req api.StockAdjustmentRequest) (api.LedgerEntry, error) {
	req.SKU = strings.TrimSpace(req.SKU)
	if req.SKU == "" {
		return api.LedgerEntry{}, apperr.Invalid("sku is required")
	}
	if len(req.Reason) > 500 {
		return api.LedgerEntry{}, apperr.Invalid("reason must be at most 500 characters")
	}
	switch req.Kind {
	case api.AdjustReceipt:
		if req.Quantity <= 0 {
			return api.LedgerEntry{}, apperr.Invalid("a receipt's quantity must be a positive whole number, not %d", req.Quantity)
		}
	case api.AdjustAdjustment:
		if req.Quantity == 0 {
			return api.LedgerEntry{}, apperr.Invalid("an adjustment's quantity is the change in units and cannot be 0")
		}
	case api.AdjustCount:
		if req.Quantity < 0 {
			return api.LedgerEntry{}, apperr.Invalid("a count's quantity is the units on hand and cannot be negative")
		}
	case "":
		return api.LedgerEntry{}, apperr.Invalid("kind is required: receipt, adjustment or count")
	default:
		return api.LedgerEntry{}, apperr.Invalid("kind %q is not receipt, adjustment or count", req.Kind)
	}
	if req.Quantity > 10_000_000 || req.Quantity < -10_000_000 {
		return api.LedgerEntry{}, apperr.Invalid("quantity %d is out of range", req.Quantity)
	}

	var (
		entry     api.LedgerEntry
		productID uuid.UUID
		delta     int
		events    []api.Event
	)
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var cur struct {
			ProductID uuid.UUID
			OnHand    int
			Allocated int
		}
		res := tx.Raw(`SELECT s.product_id, s.on_hand, s.allocated
			FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? AND p.sku = ? FOR UPDATE OF s`, tenantID, req.SKU).Scan(&cur)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("unknown SKU %q", req.SKU)
		}
		productID = cur.ProductID
		switch req.Kind {
		case api.AdjustReceipt, api.AdjustAdjustment:
			delta = req.Quantity
		case api.AdjustCount:
			delta = req.Quantity - cur.OnHand
		}
		newOnHand := cur.OnHand + delta
		if newOnHand < cur.Allocated {
			return apperr.Conflict("on hand of %s would become %d, but %d units are allocated to open orders; "+
				"cancel or ship those orders first, or adjust by at least %d", req.SKU, newOnHand, cur.Allocated, cur.Allocated-cur.OnHand)
		}
		var after Figures
		if err := tx.Raw(`UPDATE stock_levels SET on_hand = on_hand + ?, version = version + 1, updated_at = now()
			WHERE tenant_id = ? AND product_id = ? RETURNING on_hand, allocated, version`,
			delta, tenantID, productID).Scan(&after).Error; err != nil {
			return err
		}
		kind := req.Kind
		if kind == api.AdjustCount {
			kind = api.AdjustAdjustment
		}
		reason := strings.TrimSpace(req.Reason)
		if req.Kind == api.AdjustCount && reason == "" {
			reason = fmt.Sprintf("physical count: %d on hand", req.Quantity)
		}
		if err := tx.Raw(`INSERT INTO stock_ledger (tenant_id, product_id, kind, on_hand_delta, allocated_delta,
				on_hand_after, allocated_after, version, actor, reason)
			VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
			RETURNING id, kind, on_hand_delta, allocated_delta, on_hand_after, allocated_after, version, actor, reason, created_at`,
			tenantID, productID, kind, delta, after.OnHand, after.Allocated, after.Version, actor, reason).Scan(&entry).Error; err != nil {
			return err
		}
		var err error
		after.ProductID, after.SKU = productID, req.SKU
		events, err = StockEventsTx(tx, tenantID, []uuid.UUID{productID}, Known{productID: after})
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.LedgerEntry{}, err
		}
		if pg, ok := db.PgError(err); ok && pg.ConstraintName == "stock_never_oversold" {
			return api.LedgerEntry{}, apperr.Conflict("on hand of %s cannot go below the units allocated to open orders", req.SKU)
		}
		return api.LedgerEntry{}, fmt.Errorf("inventory: adjust: %w", err)
	}
	change := Change{Products: []uuid.UUID{productID}}
	if delta > 0 {
		change.Increased = change.Products
	}
	s.Committed(ctx, tenantID, change, events)
	return entry, nil
}

// Ledger lists a product's stock changes, newest first.
func (s *Service) Ledger(ctx context.Context, tenantID uuid.UUID, sku string, limit int) ([]api.LedgerEntry, error) {
	var out []api.LedgerEntry
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		pid, found, err := db.ID(tx, `SELECT id FROM products WHERE tenant_id = ? AND sku = ?`, tenantID, sku)
		if err != nil {
			return err
		}
		if !found {
			return apperr.NotFound("unknown SKU %q", sku)
		}
		return tx.Raw(`SELECT id, kind, on_hand_delta, allocated_delta, on_hand_after, allocated_after, version,
				coalesce(order_id::text, '') AS order_id, actor, reason, created_at
			FROM stock_ledger WHERE tenant_id = ? AND product_id = ? ORDER BY id DESC LIMIT ?`,
			tenantID, pid, limit).Scan(&out).Error
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("inventory: ledger: %w", err)
	}
	if out == nil {
		out = []api.LedgerEntry{}
	}
	return out, nil
}
