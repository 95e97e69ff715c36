package channel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// TaskWebhookOrder fetches the order a verified webhook announced and takes
// it in through the same path as polling.
const TaskWebhookOrder = "channel:webhook-order"

// WebhookOrderPayload is the payload of TaskWebhookOrder.
type WebhookOrderPayload struct {
	TenantID        uuid.UUID `json:"tenant_id"`
	AccountID       uuid.UUID `json:"account_id"`
	ExternalOrderID string    `json:"external_order_id"`
}

const (
	// webhookOrderTimeout bounds fetching and taking in one order.
	webhookOrderTimeout = time.Minute
	// webhookOrderMaxRetry retries a failing fetch for a few minutes; after
	// that the account's next poll takes the order in.
	webhookOrderMaxRetry = 8
	// maxDeliveryID is the longest delivery id stored as sent; longer ones
	// are stored as their hash.
	maxDeliveryID = 200
)

// WebhookReply is the body of a webhook's answer.
type WebhookReply struct {
	// Status is "queued", "duplicate" or "ignored" (an event about no order).
	Status string `json:"status"`
}

// Webhooks receives channel notifications. They are hints: each verified,
// first-seen delivery about an order enqueues a re-fetch of that order.
type Webhooks struct{ p *Poller }

// NewWebhooks returns the webhook receiver, taking orders in through p.
func NewWebhooks(p *Poller) *Webhooks { return &Webhooks{p: p} }

// errNoWebhook answers every request that does not reach a live webhook of a
// connector that verifies them, alike, so the answer reveals nothing.
var errNoWebhook = apperr.NotFound("no webhook at this address")

// Receive answers POST /webhooks/{kind}/{account}/{token}. It needs no
// signed-in user: the account's unguessable token names the tenant and the
// connector checks the channel's signature over the raw body before
// anything is parsed or stored. A forged or missing signature is 401; a
// duplicate delivery is 200 and does nothing; a new one is 202 once its
// order's re-fetch is queued.
func (w *Webhooks) Receive(c *fiber.Ctx) error {
	ctx := c.UserContext()
	kind := c.Params("kind")
	accountID, err := uuid.Parse(c.Params("account"))
	if err != nil {
		return errNoWebhook
	}
	var acct struct {
		TenantID uuid.UUID
		Kind     string
	}
	res := w.p.db.Unscoped(ctx).Raw(`SELECT tenant_id, kind FROM webhook_account(?, ?)`, accountID, c.Params("token")).Scan(&acct)
	if res.Error != nil {
		return fmt.Errorf("channel: resolve webhook account: %w", res.Error)
	}
	if res.RowsAffected == 0 || acct.Kind != kind {
		return errNoWebhook
	}
	ch, _ := w.p.reg.Get(kind)
	verifier, ok := ch.(WebhookVerifier)
	if _, full := w.p.reg.Connector(kind); !ok || !full {
		return errNoWebhook
	}
	conn, enabled, err := w.p.accounts.Conn(ctx, acct.TenantID, accountID)
	if errors.Is(err, ErrAccountNotFound) || (err == nil && !enabled) {
		return errNoWebhook
	}
	if err != nil {
		return err
	}
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	raw := append([]byte(nil), c.Body()...)
	ev, err := verifier.VerifyWebhook(conn, header, raw)
	if errors.Is(err, ErrBadSignature) {
		return apperr.Unauthenticated("webhook signature missing or invalid")
	}
	if err != nil {
		return apperr.Invalid("webhook not accepted: %v", err)
	}
	delivery := ev.DeliveryID
	if delivery == "" || len(delivery) > maxDeliveryID {
		sum := sha256.Sum256(append([]byte(delivery+"\x00"), raw...))
		delivery = "sha256:" + hex.EncodeToString(sum[:])
	}
	duplicate := false
	err = w.p.db.Tenant(ctx, acct.TenantID, func(tx *gorm.DB) error {
		ins := tx.Exec(`INSERT INTO channel_webhook_deliveries (tenant_id, channel_account_id, delivery_id, external_order_id)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, acct.TenantID, accountID, delivery, ev.ExternalOrderID)
		if ins.Error != nil {
			return ins.Error
		}
		if duplicate = ins.RowsAffected == 0; duplicate || ev.ExternalOrderID == "" {
			return nil
		}
		// Enqueued before the delivery commits: if the queue cannot take
		// it, the delivery is not recorded and the channel's retry is not
		// mistaken for a duplicate.
		return w.enqueue(ctx, acct.TenantID, accountID, ev.ExternalOrderID)
	})
	switch {
	case err != nil:
		if _, ok := apperr.As(err); ok {
			return err
		}
		return fmt.Errorf("channel: record webhook delivery: %w", err)
	case duplicate:
		return c.Status(fiber.StatusOK).JSON(WebhookReply{Status: "duplicate"})
	case ev.ExternalOrderID == "":
		return c.Status(fiber.StatusOK).JSON(WebhookReply{Status: "ignored"})
	}
	return c.Status(fiber.StatusAccepted).JSON(WebhookReply{Status: "queued"})
}

// WebhookOrderTask returns the task that re-fetches and takes in one order.
func WebhookOrderTask(tenantID, accountID uuid.UUID, externalOrderID string) *asynq.Task {
	payload, _ := json.Marshal(WebhookOrderPayload{TenantID: tenantID, AccountID: accountID, ExternalOrderID: externalOrderID})
	return asynq.NewTask(TaskWebhookOrder, payload)
}

func (w *Webhooks) enqueue(ctx context.Context, tenantID, accountID uuid.UUID, externalOrderID string) error {
	_, err := w.p.q.EnqueueContext(ctx, WebhookOrderTask(tenantID, accountID, externalOrderID), asynq.Queue(w.p.queue),
		asynq.Timeout(webhookOrderTimeout), asynq.MaxRetry(webhookOrderMaxRetry))
	if err != nil && !tasks.IsDuplicate(err) {
		return apperr.Unavailable(err, "the webhook cannot be queued now; deliver it again later")
	}
	return nil
}

// OrderHandler runs TaskWebhookOrder. Tasks are not deduplicated by order:
// a second event arriving while the first is being handled may carry a
// newer state, and taking an order in twice is harmless.
func (w *Webhooks) OrderHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var pl WebhookOrderPayload
		if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.TenantID == uuid.Nil || pl.AccountID == uuid.Nil || pl.ExternalOrderID == "" {
			return fmt.Errorf("channel: webhook order payload %q names no tenant, account and order: %w", t.Payload(), asynq.SkipRetry)
		}
		err := w.p.TakeOrder(ctx, pl.TenantID, pl.AccountID, pl.ExternalOrderID)
		var refused *refusedError
		switch {
		case errors.Is(err, ErrAccountDisabled):
			return nil
		case errors.Is(err, ErrAccountNotFound), errors.Is(err, ErrNoConnector), errors.As(err, &refused):
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	})
}

// TakeOrder fetches one order from an account's channel and takes it in,
// then sends the acknowledgements the account owes. A failed
// acknowledgement is left for the next poll.
func (p *Poller) TakeOrder(ctx context.Context, tenantID, accountID uuid.UUID, externalOrderID string) error {
	conn, enabled, err := p.accounts.Conn(ctx, tenantID, accountID)
	if err != nil {
		return err
	}
	if !enabled {
		return fmt.Errorf("channel: account %s: %w", accountID, ErrAccountDisabled)
	}
	cx, ok := p.reg.Connector(conn.Kind)
	if !ok {
		return fmt.Errorf("channel: account %s is of kind %q: %w", accountID, conn.Kind, ErrNoConnector)
	}
	o, err := cx.FetchOrder(ctx, conn, externalOrderID)
	if err != nil {
		return fmt.Errorf("channel: fetch order %s from %s account %s: %w", externalOrderID, conn.Kind, accountID, err)
	}
	if _, err := p.take(ctx, conn, o); err != nil {
		return err
	}
	problems, err := p.acknowledgePending(ctx, cx, conn)
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, pr := range problems {
		p.log.Warn("channel: acknowledgement left for the next poll", slog.String("account_id", accountID.String()),
			slog.String("problem", pr))
	}
	return nil
}
