package shippo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Shippo webhooks carry no signature a receiver can check on its own. Its
// documentation offers three protections: an inbound IP allowlist, a
// self-generated token in the webhook URL's query string (echoed back on
// every POST), and HMAC, which is set up by asking one's account manager
// and whose scheme is not published. Manifold uses the token: each carrier
// account's webhook URL carries its own unguessable ?token=, which the
// shipping core compares in constant time before this reader runs. An IP
// allowlist would break behind proxies and whenever Shippo's addresses
// change, and an unpublished HMAC cannot be verified.

var _ carrier.WebhookReader = (*Adapter)(nil)

// trackUpdated is the event of a tracking status update.
const trackUpdated = "track_updated"

// ReadWebhook implements carrier.WebhookReader. Shippo has no signature to
// check here (see above), so the body is read as is: a track_updated
// event returns the Track object it carries, normalized exactly as Track
// normalizes a polled one; other events (transaction_created,
// batch_purchased...) have no tracking. Shippo gives no event id.
func (a *Adapter) ReadWebhook(_ map[string]string, _ http.Header, body []byte) (carrier.WebhookEvent, error) {
	var ev struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return carrier.WebhookEvent{}, fmt.Errorf("shippo: webhook: the body is not a Shippo event: %w", err)
	}
	if ev.Event == "" {
		return carrier.WebhookEvent{}, errors.New(`shippo: webhook: the body names no "event"`)
	}
	if ev.Event != trackUpdated {
		return carrier.WebhookEvent{}, nil
	}
	var tr trackResp
	if err := json.Unmarshal(ev.Data, &tr); err != nil {
		return carrier.WebhookEvent{}, fmt.Errorf("shippo: webhook: %s: the data is not a Track: %w", trackUpdated, err)
	}
	if tr.TrackingNumber == "" {
		return carrier.WebhookEvent{}, fmt.Errorf("shippo: webhook: %s: the Track has no tracking_number", trackUpdated)
	}
	t := normalize(tr)
	return carrier.WebhookEvent{Tracking: &t}, nil
}
