package walmart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Webhook headers of a signed Walmart delivery.
const (
	HeaderTimestamp = "WM_SEC.TIMESTAMP"
	HeaderSignature = "WM_SEC.SIGNATURE"
	HeaderKeyID     = "WM_SEC.KEY_ID"
)

// Sign returns the signature Walmart puts in WM_SEC.SIGNATURE:
// base64(HMAC-SHA256(secret, METHOD \n PATH_AND_QUERY \n TIMESTAMP \n hex(sha256(body)))).
func Sign(secret, method, pathAndQuery, timestamp string, body []byte) string {
	sum := sha256.Sum256(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + hex.EncodeToString(sum[:])))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook implements channel.WebhookVerifier for HMAC-signed
// deliveries: the signature over POST, the path and query of the
// subscription's eventUrl (CredWebhookURL), WM_SEC.TIMESTAMP and the body's
// digest must match the account's CredWebhookSecret, and the timestamp must
// be within the allowed skew. Anything else is channel.ErrBadSignature.
func (c *Connector) VerifyWebhook(conn channel.Conn, header http.Header, rawBody []byte) (channel.WebhookEvent, error) {
	secret := conn.Credentials[CredWebhookSecret]
	if secret == "" {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: the account has no %q credential: %w", CredWebhookSecret, channel.ErrBadSignature)
	}
	eventURL, err := url.Parse(strings.TrimSpace(conn.Credentials[CredWebhookURL]))
	if err != nil || conn.Credentials[CredWebhookURL] == "" {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: the account's %q credential is not the subscription's URL: %w", CredWebhookURL, channel.ErrBadSignature)
	}
	ts := headerValue(header, HeaderTimestamp)
	sig := headerValue(header, HeaderSignature)
	if ts == "" || sig == "" {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook without %s and %s: %w", HeaderTimestamp, HeaderSignature, channel.ErrBadSignature)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook %s %q is not epoch seconds: %w", HeaderTimestamp, ts, channel.ErrBadSignature)
	}
	if skew := c.now().Sub(time.Unix(secs, 0)); skew > c.skew || skew < -c.skew {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook timestamp is %s away from now: %w", skew.Round(time.Second), channel.ErrBadSignature)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook signature is not base64: %w", channel.ErrBadSignature)
	}
	want, _ := base64.StdEncoding.DecodeString(Sign(secret, http.MethodPost, eventURL.RequestURI(), ts, rawBody))
	if !hmac.Equal(got, want) {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook: %w", channel.ErrBadSignature)
	}

	var ev struct {
		Source struct {
			EventType string `json:"eventType"`
			EventID   string `json:"eventId"`
		} `json:"source"`
		Payload struct {
			SubEventType    string `json:"subEventType"`
			PurchaseOrderID scalar `json:"purchaseOrderId"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(rawBody, &ev); err != nil {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook body is not a Walmart event: %w", err)
	}
	out := channel.WebhookEvent{
		DeliveryID:      strings.TrimSpace(ev.Source.EventID),
		ExternalOrderID: ev.Payload.PurchaseOrderID.String(),
		Topic:           strings.TrimSpace(ev.Source.EventType),
	}
	if out.Topic == "" {
		return channel.WebhookEvent{}, fmt.Errorf("walmart: webhook body has no source.eventType")
	}
	if sub := strings.TrimSpace(ev.Payload.SubEventType); sub != "" {
		out.Topic += "/" + sub
	}
	if out.DeliveryID == "" {
		// Without an event id the body itself identifies a repeat.
		sum := sha256.Sum256(rawBody)
		out.DeliveryID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return out, nil
}

// headerValue reads a header whatever the case its name was stored in.
func headerValue(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return strings.TrimSpace(v)
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}
