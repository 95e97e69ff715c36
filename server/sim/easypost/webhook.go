package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/manifold-oms/manifold/server/sim/outbox"
)

// SignatureHeader carries the HMAC-SHA256 of a webhook body as
// "hmac-sha256-hex=<hex>".
const SignatureHeader = "X-Hmac-Signature"

// userAgent is what EasyPost's webhook deliveries identify as.
const userAgent = "EasyPost WebHook Agent 1.0"

// Sign returns the X-Hmac-Signature value of a webhook body. As EasyPost
// does, the HMAC is keyed by the webhook secret normalized to Unicode NFKD:
// "café" typed with a composed "é" keys as "cafe" followed by U+0301.
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(norm.NFKD.String(secret)))
	m.Write(body)
	return "hmac-sha256-hex=" + hex.EncodeToString(m.Sum(nil))
}

type webhookTarget struct {
	url, secret string
}

// SetWebhook makes tracker updates go to url, signed with secret (unsigned
// when empty); an empty url stops them.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	s.webhook = webhookTarget{url: url, secret: secret}
	s.mu.Unlock()
}

// SetDeliveryMode chooses how webhooks are delivered: outbox.Normal,
// outbox.Duplicate (each event twice) or outbox.OutOfOrder (held until
// FlushWebhooks, then newest first).
func (s *Server) SetDeliveryMode(m outbox.Mode) error { return s.hooks.SetMode(m) }

// FlushWebhooks sends the events held in out-of-order mode, newest first,
// and returns how many it sent.
func (s *Server) FlushWebhooks() int { return s.hooks.Flush() }

// Redeliver sends an event sent before again, byte for byte with its
// signature, as EasyPost's retry of an unacknowledged delivery does.
func (s *Server) Redeliver(eventID string) error { return s.hooks.Redeliver(eventID) }

// Events lists the webhook deliveries attempted, oldest first: one per
// delivery, so a duplicated or redelivered event appears more than once.
func (s *Server) Events() []outbox.Attempt { return s.hooks.Attempts() }

// collectUpdates builds a tracker.updated event for every tracker with
// tracking details not announced yet. Callers hold s.mu and post the
// result after releasing it.
func (s *Server) collectUpdates(ts []*tracker) []outbox.Message {
	var out []outbox.Message
	for _, t := range ts {
		if !t.known || t.track.reached == t.announcedStage {
			continue
		}
		prev := t.announced
		t.announced, t.announcedStage = t.status(), t.track.reached
		if s.webhook.url == "" {
			continue
		}
		now := s.now().Format(time.RFC3339)
		id := newID("evt")
		body, _ := json.Marshal(map[string]any{
			"object": "Event", "id": id, "mode": "test", "description": "tracker.updated",
			"previous_attributes": map[string]string{"status": prev}, "result": s.trackerView(t),
			"status": "pending", "pending_urls": []string{s.webhook.url}, "completed_urls": []string{},
			"created_at": now, "updated_at": now,
		})
		h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {userAgent}}
		if s.webhook.secret != "" {
			h.Set(SignatureHeader, Sign(body, s.webhook.secret))
		}
		out = append(out, outbox.Message{ID: id, Event: "tracker.updated", Subject: t.Code, Status: t.announced,
			URL: s.webhook.url, Header: h, Body: body})
	}
	return out
}
