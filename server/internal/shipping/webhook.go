package shipping

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Carrier tracking webhooks. EasyPost and Shippo push a parcel's whole
// tracking (every scan so far) whenever it changes. Each carrier account has
// a webhook URL of its own, /webhooks/carriers/{provider}/{account}?token=,
// which the tenant registers with the provider. A delivery is authenticated
// twice over where the provider allows it: the URL's token, unguessable and
// per account, is compared in constant time (Shippo's documented way to
// secure its webhooks, which sign nothing), then the adapter checks the
// provider's own signature over the raw body (EasyPost's HMAC), all before
// the body is read. The tracking it carries is applied through the same
// path as a poll's, in the request: it is a few local statements (the
// sync-back to the channel is only recorded and queued), so the provider
// hears back once the facts are committed and retries otherwise.

const (
	// maxDeliveryID is the longest provider event id stored as sent;
	// longer or missing ones are replaced by a hash of the body.
	maxDeliveryID = 200
	// deliveryRetention is how long a delivery is remembered to drop its
	// redeliveries. Providers stop retrying long before; a replay after
	// that is applied again, which changes nothing either.
	deliveryRetention = 30 * 24 * time.Hour
)

// Webhook answers, in WebhookReply.Status.
const (
	// WebhookApplied: the tracking was recorded and the order brought in line.
	WebhookApplied = "applied"
	// WebhookDuplicate: the delivery was applied before; nothing changed.
	WebhookDuplicate = "duplicate"
	// WebhookIgnored: the event is not about tracking, or about no parcel
	// bought through this account.
	WebhookIgnored = "ignored"
)

// WebhookReply is the body of a carrier webhook's answer.
type WebhookReply struct {
	// Status is "applied", "duplicate" or "ignored".
	Status string `json:"status"`
}

// WebhookDelivery is a carrier webhook request as received, untouched.
type WebhookDelivery struct {
	Provider string
	// AccountID is the account id as the URL gives it, not yet parsed.
	AccountID string
	// Token is the URL's token query parameter.
	Token  string
	Header http.Header
	Body   []byte
}

// errNoWebhook answers every address that is no carrier account's webhook,
// alike.
var errNoWebhook = apperr.NotFound("no carrier webhook at this address")

// WebhookPath is the path, with its query, of a carrier account's webhook:
// what the tenant registers with the provider after the server's address.
func WebhookPath(provider string, accountID uuid.UUID, token string) string {
	return "/webhooks/carriers/" + url.PathEscape(provider) + "/" + accountID.String() + "?" +
		url.Values{"token": {token}}.Encode()
}

// ReceiveWebhook authenticates, deduplicates and applies one carrier
// webhook delivery. No tenant is known beforehand: the account's tenant is
// found by a SECURITY DEFINER lookup from the provider and account the URL
// names. An unknown address is NotFound; a wrong or missing token, or a
// missing or forged signature, is Unauthenticated, and nothing is stored; a
// body that cannot be read is Invalid.
func (s *Service) ReceiveWebhook(ctx context.Context, d WebhookDelivery) (WebhookReply, error) {
	reader, ok := s.adapters[d.Provider].(carrier.WebhookReader)
	if !ok {
		return WebhookReply{}, errNoWebhook
	}
	accountID, err := uuid.Parse(d.AccountID)
	if err != nil {
		return WebhookReply{}, errNoWebhook
	}
	var owner struct{ TenantID uuid.UUID }
	res := s.db.Unscoped(ctx).Raw(`SELECT tenant_id FROM carrier_webhook_account(?, ?)`, accountID, d.Provider).Scan(&owner)
	if res.Error != nil {
		return WebhookReply{}, fmt.Errorf("shipping: resolve webhook account: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return WebhookReply{}, errNoWebhook
	}
	tenantID := owner.TenantID
	var acct accountRow
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		acct, err = loadAccountTx(tx, tenantID, accountID)
		return err
	})
	if err != nil {
		return WebhookReply{}, wrap(err, "read webhook account")
	}
	if acct.WebhookToken == "" || subtle.ConstantTimeCompare([]byte(d.Token), []byte(acct.WebhookToken)) != 1 {
		return WebhookReply{}, apperr.Unauthenticated("webhook token missing or wrong; register the account's webhook_path, token included, with %s", d.Provider)
	}
	creds, err := s.openCredentials(tenantID, acct)
	if err != nil {
		return WebhookReply{}, err
	}
	ev, err := reader.ReadWebhook(creds, d.Header, d.Body)
	switch {
	case errors.Is(err, carrier.ErrBadSignature):
		return WebhookReply{}, apperr.Unauthenticated("%v", err)
	case err != nil:
		return WebhookReply{}, apperr.Invalid("webhook not accepted: %v", err)
	case ev.Tracking == nil:
		return WebhookReply{Status: WebhookIgnored}, nil
	}
	delivery := ev.ID
	if delivery == "" || len(delivery) > maxDeliveryID {
		sum := sha256.Sum256(append([]byte(delivery+"\x00"), d.Body...))
		delivery = "sha256:" + hex.EncodeToString(sum[:])
	}

	var shipmentID uuid.UUID
	duplicate := false
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		// The shipment is locked first: the delivery row references it, and
		// taking its key-share lock before the update lock would let two
		// deliveries of one parcel deadlock.
		var parcel struct{ ID uuid.UUID }
		res := tx.Raw(`SELECT id FROM shipments
			WHERE tenant_id = ? AND carrier_account_id = ? AND tracking_number = ?
			  AND status IN ('labeled', 'shipped', 'exception', 'delivered')
			ORDER BY labeled_at DESC LIMIT 1 FOR UPDATE`, tenantID, accountID, ev.Tracking.TrackingNumber).Scan(&parcel)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		shipmentID = parcel.ID
		ins := tx.Exec(`INSERT INTO carrier_webhook_deliveries (tenant_id, carrier_account_id, delivery_id, shipment_id, tracking_number)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, tenantID, accountID, delivery, shipmentID, ev.Tracking.TrackingNumber)
		if ins.Error != nil {
			return fmt.Errorf("shipping: record webhook delivery: %w", ins.Error)
		}
		if duplicate = ins.RowsAffected == 0; duplicate {
			return nil
		}
		return s.applyTrackingTx(tx, tenantID, shipmentID, *ev.Tracking)
	})
	switch {
	case err != nil:
		return WebhookReply{}, wrap(err, "apply webhook")
	case shipmentID == uuid.Nil:
		return WebhookReply{Status: WebhookIgnored}, nil
	}
	// A duplicate converges too: converging changes nothing once done, and
	// a redelivery after a failed attempt finishes the job.
	if err := s.converge(ctx, tenantID, shipmentID); err != nil {
		return WebhookReply{}, apperr.Unavailable(err, "the tracking was recorded but the order could not be updated now; deliver the webhook again")
	}
	if duplicate {
		return WebhookReply{Status: WebhookDuplicate}, nil
	}
	return WebhookReply{Status: WebhookApplied}, nil
}

// purgeDeliveries forgets the tenant's webhook deliveries older than
// deliveryRetention.
func (s *Service) purgeDeliveries(ctx context.Context, tenantID uuid.UUID) error {
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		// received_at is stamped by the database, so its clock decides.
		return tx.Exec(`DELETE FROM carrier_webhook_deliveries WHERE tenant_id = ? AND received_at < now() - ? * interval '1 second'`,
			tenantID, int64(deliveryRetention/time.Second)).Error
	})
	if err != nil {
		return fmt.Errorf("shipping: purge webhook deliveries: %w", err)
	}
	return nil
}
