package easypost

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of a webhook body, keyed by the
// webhook's secret, as "hmac-sha256-hex=<hex>" (EasyPost normalizes the
// secret to Unicode NFKD first; ASCII secrets are unchanged by that).
const SignatureHeader = "X-Hmac-Signature"

// Sign returns the X-Hmac-Signature value of a webhook body.
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "hmac-sha256-hex=" + hex.EncodeToString(m.Sum(nil))
}

type webhookTarget struct {
	url, secret string
}

// SetWebhook makes tracker updates go to url, signed with secret; an empty
// url stops them.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	s.webhook = webhookTarget{url: url, secret: secret}
	s.mu.Unlock()
}

// SentEvent is a webhook the simulator delivered (or tried to).
type SentEvent struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	TrackerID   string `json:"tracker_id"`
	Status      string `json:"status"`
	// Response is the receiver's HTTP status; Error says why there was none.
	Response int    `json:"response,omitempty"`
	Error    string `json:"error,omitempty"`
}

type pendingEvent struct {
	event  SentEvent
	body   []byte
	target webhookTarget
}

// collectUpdates builds a tracker.updated event for every tracker whose
// status differs from the last one announced. Callers hold s.mu.
func (s *Server) collectUpdates(ts []*tracker) []pendingEvent {
	var out []pendingEvent
	for _, t := range ts {
		st := t.status()
		if !t.known || st == t.announced {
			continue
		}
		prev := t.announced
		t.announced = st
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
		out = append(out, pendingEvent{event: SentEvent{ID: id, Description: "tracker.updated", TrackerID: t.ID, Status: st},
			body: body, target: s.webhook})
	}
	return out
}

// deliver posts events, in order, and records the outcome.
func (s *Server) deliver(events []pendingEvent) {
	for _, e := range events {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.target.url, bytes.NewReader(e.body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "EasyPost WebHook Agent 1.0")
			if e.target.secret != "" {
				req.Header.Set(SignatureHeader, Sign(e.body, e.target.secret))
			}
			var resp *http.Response
			if resp, err = s.opts.WebhookClient.Do(req); err == nil {
				e.event.Response = resp.StatusCode
				resp.Body.Close()
			}
		}
		cancel()
		if err != nil {
			e.event.Error = err.Error()
		}
		s.mu.Lock()
		s.events = append(s.events, e.event)
		s.mu.Unlock()
	}
}

// Events lists the webhooks sent, oldest first.
func (s *Server) Events() []SentEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentEvent(nil), s.events...)
}
