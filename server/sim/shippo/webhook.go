package shippo

import (
	"encoding/json"
	"net/http"

	"github.com/manifold-oms/manifold/server/sim/outbox"
)

// Shippo signs nothing: a receiver authenticates its webhooks by a token it
// put in the webhook URL's query string (?token=...), which Shippo posts to
// unchanged. The simulator does the same: the URL is used as given.

// SetWebhook makes track_updated events go to url (with the receiver's
// token in its query string); an empty url stops them.
func (s *Server) SetWebhook(url string) {
	s.mu.Lock()
	s.webhookURL = url
	s.mu.Unlock()
}

// SetDeliveryMode chooses how webhooks are delivered: outbox.Normal,
// outbox.Duplicate (each event twice) or outbox.OutOfOrder (held until
// FlushWebhooks, then newest first).
func (s *Server) SetDeliveryMode(m outbox.Mode) error { return s.hooks.SetMode(m) }

// FlushWebhooks sends the events held in out-of-order mode, newest first,
// and returns how many it sent.
func (s *Server) FlushWebhooks() int { return s.hooks.Flush() }

// Redeliver sends an event sent before again, byte for byte, as Shippo's
// retry of an unacknowledged delivery does. Shippo's events carry no id;
// the simulator names each in Events.
func (s *Server) Redeliver(id string) error { return s.hooks.Redeliver(id) }

// Events lists the webhook deliveries attempted, oldest first: one per
// delivery, so a duplicated or redelivered event appears more than once.
func (s *Server) Events() []outbox.Attempt { return s.hooks.Attempts() }

// collectUpdates builds a track_updated event for every purchase whose
// tracking reached a stage not announced yet. Callers hold s.mu and post
// the result after releasing it.
func (s *Server) collectUpdates(ts []*transaction) []outbox.Message {
	var out []outbox.Message
	for _, t := range ts {
		if t.Status != "SUCCESS" || t.track.reached == t.announcedStage {
			continue
		}
		t.announcedStage = t.track.reached
		if s.webhookURL == "" {
			continue
		}
		body, _ := json.Marshal(map[string]any{"event": "track_updated", "test": true, "data": s.trackView(t)})
		out = append(out, outbox.Message{ID: newID(), Event: "track_updated", Subject: t.TrackingNumber,
			Status: trackingStages[t.track.reached].status, URL: s.webhookURL,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
	}
	return out
}
