package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// SignatureHeader is where EasyPost puts a webhook's signature:
// "hmac-sha256-hex=" and the hex HMAC-SHA256 of the raw body.
const SignatureHeader = "X-Hmac-Signature"

// signaturePrefix leads the hex digest in SignatureHeader.
const signaturePrefix = "hmac-sha256-hex="

var _ carrier.WebhookReader = (*Adapter)(nil)

// Signature returns the SignatureHeader value EasyPost sends with body for
// a webhook whose secret is secret. EasyPost keys the HMAC with the secret
// normalized to Unicode NFKD, so a secret typed with a composed character
// ("é") and one typed decomposed ("e" + U+0301) sign alike.
func Signature(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(norm.NFKD.String(secret)))
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// ReadWebhook implements carrier.WebhookReader. The signature is checked
// against the account's CredWebhookSecret before the body is read; then
// tracker.created and tracker.updated events return the Tracker they carry,
// normalized exactly as Track normalizes a polled one. Other events (batch,
// refund, scan form...) have no tracking.
func (a *Adapter) ReadWebhook(creds map[string]string, h http.Header, body []byte) (carrier.WebhookEvent, error) {
	secret := creds[CredWebhookSecret]
	if secret == "" {
		return carrier.WebhookEvent{}, fmt.Errorf("%w: the account has no %q credential to check it with (the secret given to the EasyPost webhook)",
			carrier.ErrBadSignature, CredWebhookSecret)
	}
	got := strings.TrimSpace(h.Get(SignatureHeader))
	if got == "" {
		return carrier.WebhookEvent{}, fmt.Errorf("%w: no %s header", carrier.ErrBadSignature, SignatureHeader)
	}
	if !hmac.Equal([]byte(got), []byte(Signature(body, secret))) {
		return carrier.WebhookEvent{}, fmt.Errorf("%w: %s does not match the body", carrier.ErrBadSignature, SignatureHeader)
	}
	var ev struct {
		ID          string          `json:"id"`
		Object      string          `json:"object"`
		Description string          `json:"description"`
		Result      json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return carrier.WebhookEvent{}, fmt.Errorf("easypost: webhook: the body is not an Event: %w", err)
	}
	if ev.Object != "Event" {
		return carrier.WebhookEvent{}, fmt.Errorf("easypost: webhook: the body is a %q, not an Event", ev.Object)
	}
	out := carrier.WebhookEvent{ID: ev.ID}
	if ev.Description != "tracker.updated" && ev.Description != "tracker.created" {
		return out, nil
	}
	var tr trackerResp
	if err := json.Unmarshal(ev.Result, &tr); err != nil {
		return carrier.WebhookEvent{}, fmt.Errorf("easypost: webhook: %s event %s: the result is not a Tracker: %w", ev.Description, ev.ID, err)
	}
	if tr.TrackingCode == "" {
		return carrier.WebhookEvent{}, errors.New("easypost: webhook: " + ev.Description + " event " + ev.ID + ": the Tracker has no tracking_code")
	}
	t := normalize(tr)
	out.Tracking = &t
	return out, nil
}
