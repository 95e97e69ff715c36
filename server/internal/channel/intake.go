package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
)

// Polls and webhooks take channel orders in through one path, take: an order
// seen by both, or seen many times, is one Manifold order (the order service
// is idempotent on account and external id).
//
// What happens to a channel order depends on its normalized status:
//   - pending: nothing yet; it is taken in once the channel releases it.
//   - ready: imported with its lines that are not cancelled; unmapped SKUs put
//     it on hold in the mapping review queue. A ready order whose every line
//     is cancelled is treated as cancelled.
//   - cancelled: the Manifold order, if there is one, is cancelled and its
//     stock released; an order never imported is left out.
//   - shipped: left out when Manifold never saw it. It was fulfilled outside
//     Manifold, and importing it would allocate stock that has already left
//     the shelf and put a finished order in the pick queue. A known order is
//     left as it is: Manifold's own shipping moves it.

// outcome is what taking in one channel order did.
type outcome int

const (
	outcomeSkipped   outcome = iota // nothing to do
	outcomeCreated                  // a new Manifold order
	outcomeExisting                 // the order was already known
	outcomeCancelled                // the Manifold order was cancelled
)

// refusedError is a channel order Manifold cannot take in as it is (invalid
// data, a cancellation of an order already shipped). It is reported on the
// account; retrying cannot help, so it never holds back a poll.
type refusedError struct {
	ExternalID string
	Reason     string
}

func (e *refusedError) Error() string { return "order " + e.ExternalID + ": " + e.Reason }

// knownOrder is the Manifold order of a channel order.
type knownOrder struct {
	ID     uuid.UUID
	Status string
}

func (p *Poller) lookup(ctx context.Context, conn Conn, externalID string) (knownOrder, bool, error) {
	var k knownOrder
	var found bool
	err := p.db.Tenant(ctx, conn.TenantID, func(tx *gorm.DB) error {
		res := tx.Raw(`SELECT id, status FROM orders WHERE tenant_id = ? AND channel_account_id = ? AND external_id = ?`,
			conn.TenantID, conn.ID, externalID).Scan(&k)
		found = res.RowsAffected > 0
		return res.Error
	})
	if err != nil {
		return k, false, fmt.Errorf("channel: look up order %s: %w", externalID, err)
	}
	return k, found, nil
}

func actorOf(conn Conn) string { return "channel:" + conn.Kind }

// take applies one channel order to Manifold. A *refusedError means the
// order was left out for a person to look at; any other error is transient.
func (p *Poller) take(ctx context.Context, conn Conn, o Order) (outcome, error) {
	if strings.TrimSpace(o.ExternalID) == "" {
		return outcomeSkipped, &refusedError{ExternalID: "(no id)", Reason: "the channel sent an order without an id"}
	}
	known, found, err := p.lookup(ctx, conn, o.ExternalID)
	if err != nil {
		return outcomeSkipped, err
	}
	active := activeLines(o.Lines)
	status := o.Status
	if status == OrderReady && len(o.Lines) > 0 && len(active) == 0 {
		status = OrderCancelled
	}
	switch status {
	case OrderPending:
		return outcomeSkipped, nil
	case OrderShipped:
		if found {
			if holdsWork(known.Status) {
				p.log.Warn("channel: order shipped on the channel but not in Manifold", slog.String("account_id", conn.ID.String()),
					slog.String("order_id", known.ID.String()), slog.String("status", known.Status))
			}
			return outcomeExisting, nil
		}
		return outcomeSkipped, nil
	case OrderCancelled:
		if !found || known.Status == api.StatusCancelled {
			return outcomeSkipped, nil
		}
		return p.cancel(ctx, conn, o, known)
	case OrderReady:
		if found {
			if len(active) < len(o.Lines) && holdsWork(known.Status) {
				p.log.Warn("channel: lines cancelled on the channel after import are still in the Manifold order",
					slog.String("account_id", conn.ID.String()), slog.String("order_id", known.ID.String()))
			}
			return outcomeExisting, nil
		}
		return p.create(ctx, conn, o, active)
	default:
		return outcomeSkipped, &refusedError{ExternalID: o.ExternalID, Reason: fmt.Sprintf("unknown status %q", o.Status)}
	}
}

// holdsWork reports whether an order is still to be picked, packed or shipped.
func holdsWork(status string) bool {
	switch status {
	case api.StatusShipped, api.StatusDelivered, api.StatusCancelled:
		return false
	}
	return true
}

func activeLines(lines []Line) []Line {
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		if !l.Cancelled && l.Quantity > 0 {
			out = append(out, l)
		}
	}
	return out
}

func (p *Poller) cancel(ctx context.Context, conn Conn, o Order, known knownOrder) (outcome, error) {
	if !holdsWork(known.Status) {
		return outcomeSkipped, &refusedError{ExternalID: o.ExternalID,
			Reason: fmt.Sprintf("cancelled on %s, but Manifold already has it %s; it needs a person", conn.Kind, known.Status)}
	}
	_, err := p.orders.Cancel(ctx, conn.TenantID, known.ID, actorOf(conn), "cancelled on "+conn.Kind)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindConflict {
			return outcomeSkipped, &refusedError{ExternalID: o.ExternalID, Reason: "cancelled on " + conn.Kind + ", but " + err.Error()}
		}
		return outcomeSkipped, fmt.Errorf("channel: cancel order %s: %w", o.ExternalID, err)
	}
	return outcomeCancelled, nil
}

func (p *Poller) create(ctx context.Context, conn Conn, o Order, lines []Line) (outcome, error) {
	// The acknowledgement is owed before the order exists, so that an order
	// committed by a process that stops right after is still acknowledged.
	if err := p.expectAck(ctx, conn, o.ExternalID); err != nil {
		return outcomeSkipped, err
	}
	res, err := p.orders.Intake(ctx, conn.TenantID, actorOf(conn), toIntake(conn, o, lines))
	if err != nil {
		if apperr.KindOf(err) == apperr.KindInvalid {
			return outcomeSkipped, &refusedError{ExternalID: o.ExternalID, Reason: err.Error()}
		}
		return outcomeSkipped, fmt.Errorf("channel: take in order %s: %w", o.ExternalID, err)
	}
	if !res.Created {
		return outcomeExisting, nil
	}
	return outcomeCreated, nil
}

// maxNotes is the order service's limit on buyer notes.
const maxNotes = 4000

func toIntake(conn Conn, o Order, lines []Line) orders.Intake {
	in := orders.Intake{ChannelAccountID: conn.ID, ExternalID: o.ExternalID, CustomerName: o.CustomerName,
		CustomerEmail: o.CustomerEmail, ShipTo: o.ShipTo, ServiceLevel: o.ServiceLevel, ShipBy: o.ShipBy,
		PlacedAt: o.PlacedAt, Notes: o.Notes, Currency: o.Currency}
	// Marketplaces relay or mask buyer emails; one that does not parse is
	// dropped rather than refusing the order.
	if in.CustomerEmail != "" {
		if _, err := mail.ParseAddress(in.CustomerEmail); err != nil {
			in.CustomerEmail = ""
		}
	}
	if len(in.Notes) > maxNotes {
		in.Notes = in.Notes[:maxNotes]
	}
	for _, l := range lines {
		in.Lines = append(in.Lines, orders.IntakeLine{ChannelSKU: l.ChannelSKU, ChannelLineID: l.ChannelLineID, Title: l.Title,
			Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents})
	}
	return in
}

// Acknowledgements. Some channels (Walmart) require every new order to be
// acknowledged. A row in channel_order_acks is written before the order is
// taken in and settled once the channel answers, so a failed or never-sent
// acknowledgement is sent again by the next poll or webhook of the account.

// Acknowledgement states.
const (
	ackPending      = "pending"
	ackAcknowledged = "acknowledged"
	ackRejected     = "rejected"
)

const (
	// ackBatch bounds the acknowledgements one pass sends.
	ackBatch = 100
	// ackGiveUp is how long a failing acknowledgement is retried; channels
	// that require one cancel orders left unacknowledged long before.
	ackGiveUp = 72 * time.Hour
	// ackOrphanAfter drops owed acknowledgements of orders that were never
	// created (refused, or the process stopped before the intake).
	ackOrphanAfter = 24 * time.Hour
)

func (p *Poller) expectAck(ctx context.Context, conn Conn, externalID string) error {
	err := p.db.Tenant(ctx, conn.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO channel_order_acks (tenant_id, channel_account_id, external_order_id)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, conn.TenantID, conn.ID, externalID).Error
	})
	if err != nil {
		return fmt.Errorf("channel: record acknowledgement owed for order %s: %w", externalID, err)
	}
	return nil
}

type owedAck struct {
	ExternalOrderID string
	OrderID         uuid.UUID
	Status          string
}

type ackLine struct {
	OrderID       uuid.UUID
	ChannelLineID string
	ChannelSKU    string
	Quantity      int
}

// acknowledgePending sends the acknowledgements the account owes, oldest
// first, and returns the channel's words for each that failed. It stops at
// the first throttle. Its error is a database failure.
func (p *Poller) acknowledgePending(ctx context.Context, cx Connector, conn Conn) ([]string, error) {
	var owed []owedAck
	var lines []ackLine
	err := p.db.Tenant(ctx, conn.TenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM channel_order_acks k
			WHERE k.tenant_id = ? AND k.channel_account_id = ? AND k.state = 'pending' AND k.created_at < ?
			  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = k.tenant_id
			                  AND o.channel_account_id = k.channel_account_id AND o.external_id = k.external_order_id)`,
			conn.TenantID, conn.ID, time.Now().Add(-ackOrphanAfter)).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT k.external_order_id, o.id AS order_id, o.status FROM channel_order_acks k
			JOIN orders o ON o.tenant_id = k.tenant_id AND o.channel_account_id = k.channel_account_id
			            AND o.external_id = k.external_order_id
			WHERE k.tenant_id = ? AND k.channel_account_id = ? AND k.state = 'pending' AND k.created_at >= ?
			ORDER BY k.created_at, k.external_order_id LIMIT ?`,
			conn.TenantID, conn.ID, time.Now().Add(-ackGiveUp), ackBatch).Scan(&owed).Error; err != nil {
			return err
		}
		if len(owed) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, len(owed))
		for i, a := range owed {
			ids[i] = a.OrderID
		}
		return tx.Raw(`SELECT order_id, channel_line_id, channel_sku, quantity FROM order_lines
			WHERE tenant_id = ? AND order_id IN ? ORDER BY order_id, line_no`, conn.TenantID, ids).Scan(&lines).Error
	})
	if err != nil {
		return nil, fmt.Errorf("channel: acknowledgements owed by account %s: %w", conn.ID, err)
	}
	byOrder := map[uuid.UUID][]Line{}
	for _, l := range lines {
		byOrder[l.OrderID] = append(byOrder[l.OrderID], Line{ChannelLineID: l.ChannelLineID, ChannelSKU: l.ChannelSKU, Quantity: l.Quantity})
	}
	var problems []string
	for _, a := range owed {
		o := Order{ExternalID: a.ExternalOrderID, Status: OrderReady, Lines: byOrder[a.OrderID]}
		if a.Status == api.StatusCancelled {
			o.Status = OrderCancelled
		}
		callErr := cx.Acknowledge(ctx, conn, o)
		state, msg := ackAcknowledged, ""
		var rej *Rejection
		switch {
		case errors.As(callErr, &rej):
			state, msg = ackRejected, clip(rej.Error())
		case callErr != nil:
			state, msg = ackPending, clip(callErr.Error())
		}
		if err := p.settleAck(ctx, conn, a.ExternalOrderID, state, msg); err != nil {
			return problems, err
		}
		if callErr != nil {
			problems = append(problems, "acknowledgement of order "+a.ExternalOrderID+" failed: "+callErr.Error())
		}
		var th *Throttled
		if errors.As(callErr, &th) || ctx.Err() != nil {
			break
		}
	}
	return problems, nil
}

func (p *Poller) settleAck(ctx context.Context, conn Conn, externalID, state, lastError string) error {
	// Recorded even when the caller's context ended: the channel may have
	// taken the acknowledgement.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := p.db.Tenant(recordCtx, conn.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE channel_order_acks SET state = ?, last_error = ?, attempts = attempts + 1,
				acknowledged_at = CASE WHEN ?::text = 'acknowledged' THEN now() END, updated_at = now()
			WHERE tenant_id = ? AND channel_account_id = ? AND external_order_id = ? AND state = 'pending'`,
			state, lastError, state, conn.TenantID, conn.ID, externalID).Error
	})
	if err != nil {
		return fmt.Errorf("channel: record acknowledgement of order %s: %w", externalID, err)
	}
	return nil
}
