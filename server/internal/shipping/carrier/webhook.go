package carrier

import (
	"errors"
	"net/http"
)

// ErrBadSignature means a webhook's signature is missing or does not match
// the account's secret.
var ErrBadSignature = errors.New("webhook signature missing or wrong")

// WebhookEvent is what a verified webhook delivery says.
type WebhookEvent struct {
	// ID is the provider's id of the event, the same on every redelivery of
	// it; empty when the provider gives none.
	ID string
	// Tracking is the parcel's tracking as of the event, events oldest
	// first, as Track returns it; nil for events about something else,
	// which are acknowledged and ignored.
	Tracking *Tracking
}

// WebhookReader is implemented by the adapters of providers that push
// tracking updates by webhook (EasyPost, Shippo). The core authenticates
// the webhook URL itself (it carries the account's token); the adapter adds
// the provider's own proof where it has one.
type WebhookReader interface {
	// ReadWebhook authenticates a delivery by the provider's own means
	// where it has one — a signature over the raw body keyed by a secret in
	// the account's credentials — before reading anything from the body,
	// and returns what it says. A missing or forged signature is
	// ErrBadSignature (wrapped); a body that cannot be read is another
	// error.
	ReadWebhook(credentials map[string]string, header http.Header, body []byte) (WebhookEvent, error)
}
