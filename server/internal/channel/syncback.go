package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// Task types of tracking sync-back.
const (
	// TaskConfirmShipment sends one shipment's tracking to the channel the
	// order came from.
	TaskConfirmShipment = "channel:confirm-shipment"
	// TaskConfirmPending re-enqueues confirmations still pending, so they
	// converge even when queued work was lost. The scheduler runs it.
	TaskConfirmPending = "channel:confirm-pending"
)

// Shipment confirmation states.
const (
	ConfirmPending   = "pending"
	ConfirmConfirmed = "confirmed"
	ConfirmRejected  = "rejected"
)

const (
	// confirmTimeout bounds one attempt.
	confirmTimeout = time.Minute
	// confirmMaxRetry retries a failing channel for about a minute with
	// tasks.RetryDelay; then the periodic pass takes over on a slower backoff.
	confirmMaxRetry = 6
	// confirmUnique holds off duplicate tasks of one confirmation while one
	// is queued, running or waiting to retry.
	confirmUnique = 15 * time.Minute
	// confirmRetryBase and confirmRetryMax set the periodic pass's backoff:
	// a pending confirmation is enqueued again once base × 2^attempts (at
	// most max) has passed since its last attempt.
	confirmRetryBase = time.Minute
	confirmRetryMax  = time.Hour
	// confirmPendingBatch bounds the confirmations one pass enqueues per tenant.
	confirmPendingBatch = 500
)

// errConfirmationNotFound: the confirmation does not exist in the payload's tenant.
var errConfirmationNotFound = errors.New("shipment confirmation not found")

// ConfirmPayload is the payload of TaskConfirmShipment.
type ConfirmPayload struct {
	TenantID       uuid.UUID `json:"tenant_id"`
	ConfirmationID uuid.UUID `json:"confirmation_id"`
}

// ShipmentInfo is a shipment as the shipping feature reports it once the
// carrier has the parcel.
type ShipmentInfo struct {
	// Carrier is Manifold's carrier code (ups, usps, fedex, dhl ...).
	Carrier        string
	Service        string
	TrackingNumber string
	TrackingURL    string
	ShippedAt      time.Time
}

// ShipmentConfirmation is tracking sent back, or to be sent back, to the
// channel an order came from.
type ShipmentConfirmation struct {
	ID             string    `json:"id"`
	OrderID        string    `json:"order_id"`
	Carrier        string    `json:"carrier"`
	Service        string    `json:"service,omitempty"`
	TrackingNumber string    `json:"tracking_number"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	ShippedAt      time.Time `json:"shipped_at"`
	// State is pending (being sent, retried on failure), confirmed, or
	// rejected (the channel refused; LastError holds its words).
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ShipmentConfirmationList is an order's shipment confirmations.
type ShipmentConfirmationList struct {
	Confirmations []ShipmentConfirmation `json:"confirmations"`
}

// SyncBack sends tracking to the channels orders came from. Each shipment is
// a row that stays pending until the channel accepts it (retried with
// backoff) or refuses it (kept with the channel's words for a person).
type SyncBack struct {
	db       *db.DB
	accounts *Accounts
	reg      Registry
	q        tasks.Enqueuer
	log      *slog.Logger
	queue    string
}

// SyncBackOption tunes a SyncBack.
type SyncBackOption func(*SyncBack)

// WithConfirmQueue sets the queue confirmation tasks go to (tasks.QueueDefault by default).
func WithConfirmQueue(name string) SyncBackOption { return func(s *SyncBack) { s.queue = name } }

// NewSyncBack returns the sync-back service.
func NewSyncBack(d *db.DB, accounts *Accounts, reg Registry, q tasks.Enqueuer, log *slog.Logger, opts ...SyncBackOption) *SyncBack {
	s := &SyncBack{db: d, accounts: accounts, reg: reg, q: q, log: log, queue: tasks.QueueDefault}
	for _, o := range opts {
		o(s)
	}
	return s
}

type confirmationRow struct {
	ID             uuid.UUID
	OrderID        uuid.UUID
	Carrier        string
	Service        string
	TrackingNumber string
	TrackingURL    string
	ShippedAt      time.Time
	State          string
	Attempts       int
	LastError      string
	ConfirmedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const confirmationColumns = `c.id, c.order_id, c.carrier, c.service, c.tracking_number, c.tracking_url, c.shipped_at,
	c.state, c.attempts, c.last_error, c.confirmed_at, c.created_at, c.updated_at`

func (r confirmationRow) toAPI() ShipmentConfirmation {
	return ShipmentConfirmation{ID: r.ID.String(), OrderID: r.OrderID.String(), Carrier: r.Carrier, Service: r.Service,
		TrackingNumber: r.TrackingNumber, TrackingURL: r.TrackingURL, ShippedAt: r.ShippedAt, State: r.State,
		Attempts: r.Attempts, LastError: r.LastError, ConfirmedAt: r.ConfirmedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (info *ShipmentInfo) normalize() error {
	info.Carrier = strings.ToLower(strings.TrimSpace(info.Carrier))
	info.TrackingNumber = strings.TrimSpace(info.TrackingNumber)
	if info.Carrier == "" || len(info.Carrier) > 64 {
		return apperr.Invalid("carrier is required (a carrier code such as ups) and must be at most 64 characters")
	}
	if info.TrackingNumber == "" || len(info.TrackingNumber) > 128 {
		return apperr.Invalid("tracking number is required and must be at most 128 characters")
	}
	if len(info.Service) > 200 || len(info.TrackingURL) > 2000 {
		return apperr.Invalid("service (200) or tracking URL (2000 characters) is too long")
	}
	if info.ShippedAt.IsZero() {
		info.ShippedAt = time.Now()
	}
	info.ShippedAt = info.ShippedAt.UTC()
	return nil
}

// Record notes that an order shipped with a tracking number and queues the
// confirmation to its channel. Recording the same order and tracking number
// again returns the existing confirmation. Orders of the manual channel have
// no channel to tell and are confirmed at once. The row is committed before
// the task is queued; if the queue cannot take it, the periodic pass does.
func (s *SyncBack) Record(ctx context.Context, tenantID, orderID uuid.UUID, info ShipmentInfo) (ShipmentConfirmation, error) {
	if err := info.normalize(); err != nil {
		return ShipmentConfirmation{}, err
	}
	var row confirmationRow
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var o struct{ Kind string }
		res := tx.Raw(`SELECT a.kind FROM orders o JOIN channel_accounts a ON a.tenant_id = o.tenant_id AND a.id = o.channel_account_id
			WHERE o.tenant_id = ? AND o.id = ?`, tenantID, orderID).Scan(&o)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("order %s not found", orderID)
		}
		state := ConfirmPending
		if o.Kind == orders.ManualKind {
			state = ConfirmConfirmed
		}
		if err := tx.Exec(`INSERT INTO shipment_confirmations (tenant_id, order_id, carrier, service, tracking_number,
				tracking_url, shipped_at, state, confirmed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?::text, CASE WHEN ?::text = 'confirmed' THEN now() END)
			ON CONFLICT (tenant_id, order_id, tracking_number) DO NOTHING`,
			tenantID, orderID, info.Carrier, info.Service, info.TrackingNumber, info.TrackingURL, info.ShippedAt,
			state, state).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT `+confirmationColumns+` FROM shipment_confirmations c
			WHERE c.tenant_id = ? AND c.order_id = ? AND c.tracking_number = ?`, tenantID, orderID, info.TrackingNumber).Scan(&row).Error
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return ShipmentConfirmation{}, err
		}
		return ShipmentConfirmation{}, fmt.Errorf("channel: record shipment of order %s: %w", orderID, err)
	}
	if row.State == ConfirmPending {
		if err := s.Enqueue(ctx, tenantID, row.ID); err != nil {
			s.log.Warn("channel: shipment confirmation not enqueued; the periodic pass will send it",
				slog.String("tenant_id", tenantID.String()), slog.String("confirmation_id", row.ID.String()), slog.String("err", err.Error()))
		}
	}
	return row.toAPI(), nil
}

// ConfirmTask returns the task that sends one shipment confirmation.
func ConfirmTask(tenantID, confirmationID uuid.UUID) *asynq.Task {
	payload, _ := json.Marshal(ConfirmPayload{TenantID: tenantID, ConfirmationID: confirmationID}) // two UUIDs always marshal
	return asynq.NewTask(TaskConfirmShipment, payload)
}

// Enqueue asks for one confirmation to be sent. While a task of it is
// queued, running or waiting to retry, the request is absorbed.
func (s *SyncBack) Enqueue(ctx context.Context, tenantID, confirmationID uuid.UUID) error {
	_, err := s.q.EnqueueContext(ctx, ConfirmTask(tenantID, confirmationID), asynq.Queue(s.queue),
		asynq.Unique(confirmUnique), asynq.Timeout(confirmTimeout), asynq.MaxRetry(confirmMaxRetry))
	if err != nil && !tasks.IsDuplicate(err) {
		return fmt.Errorf("channel: enqueue shipment confirmation %s: %w", confirmationID, err)
	}
	return nil
}

// confirmTarget is a pending confirmation with the order it belongs to.
type confirmTarget struct {
	OrderID        uuid.UUID
	Carrier        string
	Service        string
	TrackingNumber string
	TrackingURL    string
	ShippedAt      time.Time
	State          string
	AccountID      uuid.UUID
	Kind           string
	ExternalID     string
}

// Confirm makes one attempt to send a pending confirmation. The channel's
// acceptance makes it confirmed and its refusal (a *Rejection) rejected,
// with the channel's words kept: a refusal needs a person, not a retry. Any
// other failure keeps it pending, counts the attempt, and is returned so
// the caller retries.
func (s *SyncBack) Confirm(ctx context.Context, tenantID, confirmationID uuid.UUID) error {
	var t confirmTarget
	var lines []ShippedLine
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		res := tx.Raw(`SELECT c.order_id, c.carrier, c.service, c.tracking_number, c.tracking_url, c.shipped_at, c.state,
				o.channel_account_id AS account_id, a.kind, o.external_id
			FROM shipment_confirmations c
			JOIN orders o ON o.tenant_id = c.tenant_id AND o.id = c.order_id
			JOIN channel_accounts a ON a.tenant_id = o.tenant_id AND a.id = o.channel_account_id
			WHERE c.tenant_id = ? AND c.id = ?`, tenantID, confirmationID).Scan(&t)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("channel: %s of tenant %s: %w", confirmationID, tenantID, errConfirmationNotFound)
		}
		if t.State != ConfirmPending {
			return nil
		}
		return tx.Raw(`SELECT channel_line_id, channel_sku, quantity FROM order_lines
			WHERE tenant_id = ? AND order_id = ? ORDER BY line_no`, tenantID, t.OrderID).Scan(&lines).Error
	})
	if err != nil {
		if errors.Is(err, errConfirmationNotFound) {
			return err
		}
		return fmt.Errorf("channel: load shipment confirmation %s: %w", confirmationID, err)
	}
	if t.State != ConfirmPending {
		return nil
	}
	if t.Kind == orders.ManualKind {
		return s.settle(ctx, tenantID, confirmationID, ConfirmConfirmed, "")
	}
	conn, enabled, err := s.accounts.Conn(ctx, tenantID, t.AccountID)
	if err != nil {
		return fmt.Errorf("channel: shipment confirmation %s: %w", confirmationID, err)
	}
	cx, ok := s.reg.Connector(t.Kind)
	var callErr error
	switch {
	case !enabled:
		callErr = fmt.Errorf("the %s account %q is disabled; tracking is sent once it is enabled: %w", t.Kind, conn.Name, ErrAccountDisabled)
	case !ok:
		callErr = fmt.Errorf("this server has no connector for %s accounts: %w", t.Kind, ErrNoConnector)
	default:
		callErr = cx.ConfirmShipment(ctx, conn, Shipment{ExternalOrderID: t.ExternalID, Lines: lines, Carrier: t.Carrier,
			Service: t.Service, TrackingNumber: t.TrackingNumber, TrackingURL: t.TrackingURL, ShippedAt: t.ShippedAt})
	}
	var rej *Rejection
	switch {
	case callErr == nil:
		return s.settle(ctx, tenantID, confirmationID, ConfirmConfirmed, "")
	case errors.As(callErr, &rej):
		return s.settle(ctx, tenantID, confirmationID, ConfirmRejected, rej.Error())
	}
	if err := s.settle(ctx, tenantID, confirmationID, ConfirmPending, clip(callErr.Error())); err != nil {
		return errors.Join(callErr, err)
	}
	return fmt.Errorf("channel: confirm shipment of order %s to %s: %w", t.ExternalID, t.Kind, callErr)
}

// settle records an attempt. It is written even when the caller's context
// ended: the channel may have applied the call.
func (s *SyncBack) settle(ctx context.Context, tenantID, id uuid.UUID, state, lastError string) error {
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := s.db.Tenant(recordCtx, tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE shipment_confirmations SET state = ?::text, last_error = ?, attempts = attempts + 1,
				confirmed_at = CASE WHEN ?::text = 'confirmed' THEN now() END, updated_at = now()
			WHERE tenant_id = ? AND id = ? AND state = 'pending'`, state, lastError, state, tenantID, id).Error
	})
	if err != nil {
		return fmt.Errorf("channel: record shipment confirmation %s: %w", id, err)
	}
	return nil
}

// ConfirmHandler runs TaskConfirmShipment.
func (s *SyncBack) ConfirmHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var pl ConfirmPayload
		if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.TenantID == uuid.Nil || pl.ConfirmationID == uuid.Nil {
			return fmt.Errorf("channel: confirmation payload %q names no tenant and confirmation: %w", t.Payload(), asynq.SkipRetry)
		}
		err := s.Confirm(ctx, pl.TenantID, pl.ConfirmationID)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errConfirmationNotFound):
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		case errors.Is(err, ErrAccountDisabled), errors.Is(err, ErrNoConnector), lastAttempt(ctx):
			// Recorded on the confirmation; the periodic pass sends it
			// again on its own backoff.
			return fmt.Errorf("%w: %w", err, asynq.RevokeTask)
		}
		return err
	})
}

// ConfirmPendingTask returns the periodic task that re-enqueues pending confirmations.
func ConfirmPendingTask() *asynq.Task { return asynq.NewTask(TaskConfirmPending, nil) }

// ConfirmPendingPeriodic is the scheduler entry that re-enqueues pending
// confirmations every interval on queue.
func ConfirmPendingPeriodic(queue string, every time.Duration) tasks.Periodic {
	return tasks.Periodic{Spec: "@every " + every.String(), Task: ConfirmPendingTask(), Opts: []asynq.Option{
		asynq.Queue(queue), asynq.Unique(max(every-time.Second, time.Second)), asynq.MaxRetry(0),
		asynq.Timeout(time.Minute)}}
}

// EnqueuePending enqueues, in every tenant, the pending confirmations whose
// backoff since their last attempt has passed (a minute for one never
// tried), and returns how many it enqueued.
func (s *SyncBack) EnqueuePending(ctx context.Context) (int, error) {
	tenants, err := db.IDs(s.db.Unscoped(ctx), `SELECT t AS id FROM tenant_ids() AS t`)
	if err != nil {
		return 0, fmt.Errorf("channel: list tenants: %w", err)
	}
	n := 0
	var errs []error
	for _, tenantID := range tenants {
		var ids []uuid.UUID
		err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
			var err error
			ids, err = db.IDs(tx, `SELECT id FROM shipment_confirmations
				WHERE tenant_id = ? AND state = 'pending'
				  AND updated_at <= now() - make_interval(secs => least(?::float8 * power(2, least(attempts, 20)), ?::float8))
				ORDER BY updated_at LIMIT ?`, tenantID, confirmRetryBase.Seconds(), confirmRetryMax.Seconds(), confirmPendingBatch)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("channel: pending confirmations of tenant %s: %w", tenantID, err))
			continue
		}
		for _, id := range ids {
			if err := s.Enqueue(ctx, tenantID, id); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// PendingHandler runs TaskConfirmPending.
func (s *SyncBack) PendingHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		_, err := s.EnqueuePending(ctx)
		return err
	})
}

// Confirmations lists an order's shipment confirmations, oldest first.
func (s *SyncBack) Confirmations(ctx context.Context, tenantID, orderID uuid.UUID) ([]ShipmentConfirmation, error) {
	var rows []confirmationRow
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if _, found, err := db.ID(tx, `SELECT id FROM orders WHERE tenant_id = ? AND id = ?`, tenantID, orderID); err != nil {
			return err
		} else if !found {
			return apperr.NotFound("order %s not found", orderID)
		}
		return tx.Raw(`SELECT `+confirmationColumns+` FROM shipment_confirmations c
			WHERE c.tenant_id = ? AND c.order_id = ? ORDER BY c.created_at, c.id`, tenantID, orderID).Scan(&rows).Error
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("channel: shipment confirmations of order %s: %w", orderID, err)
	}
	out := make([]ShipmentConfirmation, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toAPI())
	}
	return out, nil
}

// ShipmentHandlers serves an order's shipment confirmations.
type ShipmentHandlers struct{ s *SyncBack }

// NewShipmentHandlers returns the shipment confirmation handlers.
func NewShipmentHandlers(s *SyncBack) *ShipmentHandlers { return &ShipmentHandlers{s: s} }

// List answers GET /api/v1/orders/{id}/shipment-confirmations.
func (h *ShipmentHandlers) List(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	out, err := h.s.Confirmations(c.UserContext(), identity.PrincipalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(ShipmentConfirmationList{Confirmations: out})
}
