// Package outbox delivers a simulated provider's webhooks the way real
// delivery systems behave, misbehaviour included: each message once, each
// twice (a retry after a lost acknowledgement), or held back and released
// newest first (out of order). It logs every attempt with the receiver's
// answer and redelivers a past message byte for byte on demand, as a
// provider's retry or its dashboard's "resend" does. The carrier simulators
// build the messages (body, signature headers) and hand them over.
package outbox

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Mode is how messages are delivered.
type Mode string

// Delivery modes.
const (
	// Normal sends each message once, as it is posted.
	Normal Mode = "normal"
	// Duplicate sends each message twice in a row, identical.
	Duplicate Mode = "duplicate"
	// OutOfOrder holds messages until Flush, which sends them newest first.
	OutOfOrder Mode = "out_of_order"
)

// Message is one webhook request to send.
type Message struct {
	// ID names the message in the log and for Redeliver: the provider's
	// event id where it has one.
	ID string
	// Event is the provider's event name, e.g. tracker.updated.
	Event string
	// Subject is what the event is about, e.g. a tracking number; Status
	// the status it announces.
	Subject, Status string
	URL             string
	Header          http.Header
	Body            []byte
}

// Attempt is one delivery of a message and what the receiver answered.
type Attempt struct {
	ID      string `json:"id"`
	Event   string `json:"event"`
	Subject string `json:"subject"`
	Status  string `json:"status"`
	// Response is the receiver's HTTP status; Error says why there was none.
	Response int       `json:"response,omitempty"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

// keep bounds the messages kept for Redeliver and the attempts logged, so
// a long-running simulator (the demo) does not grow without end.
const keep = 1000

// Outbox sends messages. Safe for concurrent use; sending happens on the
// caller's goroutine, so a caller knows every answer when Post returns.
type Outbox struct {
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	mode     Mode
	held     []Message
	messages map[string]Message
	order    []string // message ids, oldest first
	attempts []Attempt
}

// New returns an outbox in Normal mode sending with client; now stamps the
// log.
func New(client *http.Client, now func() time.Time) *Outbox {
	return &Outbox{client: client, now: now, mode: Normal, messages: map[string]Message{}}
}

// SetMode changes how the next messages are delivered; an empty mode is
// Normal.
func (o *Outbox) SetMode(m Mode) error {
	switch m {
	case "":
		m = Normal
	case Normal, Duplicate, OutOfOrder:
	default:
		return fmt.Errorf("unknown delivery mode %q (normal, duplicate or out_of_order)", m)
	}
	o.mu.Lock()
	o.mode = m
	o.mu.Unlock()
	return nil
}

// Post delivers messages, in order, as the mode says.
func (o *Outbox) Post(msgs ...Message) {
	o.mu.Lock()
	mode := o.mode
	for _, m := range msgs {
		if _, seen := o.messages[m.ID]; !seen {
			o.order = append(o.order, m.ID)
		}
		o.messages[m.ID] = m
	}
	for len(o.order) > keep {
		delete(o.messages, o.order[0])
		o.order = o.order[1:]
	}
	if mode == OutOfOrder {
		o.held = append(o.held, msgs...)
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	for _, m := range msgs {
		o.send(m)
		if mode == Duplicate {
			o.send(m)
		}
	}
}

// Flush sends the messages held in OutOfOrder mode, newest first, and
// returns how many it sent.
func (o *Outbox) Flush() int {
	o.mu.Lock()
	held := o.held
	o.held = nil
	o.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		o.send(held[i])
	}
	return len(held)
}

// Redeliver sends a message posted earlier (one of the last 1000) again,
// unchanged.
func (o *Outbox) Redeliver(id string) error {
	o.mu.Lock()
	m, ok := o.messages[id]
	o.mu.Unlock()
	if !ok {
		return fmt.Errorf("no webhook %q was sent", id)
	}
	o.send(m)
	return nil
}

// Attempts lists every delivery attempt, oldest first.
func (o *Outbox) Attempts() []Attempt {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Attempt{}, o.attempts...)
}

func (o *Outbox) send(m Message) {
	a := Attempt{ID: m.ID, Event: m.Event, Subject: m.Subject, Status: m.Status, At: o.now()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err == nil {
		req.Header = m.Header.Clone()
		var resp *http.Response
		if resp, err = o.client.Do(req); err == nil {
			a.Response = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil {
		a.Error = err.Error()
	}
	o.mu.Lock()
	o.attempts = append(o.attempts, a)
	if n := len(o.attempts); n > keep {
		o.attempts = append([]Attempt(nil), o.attempts[n-keep:]...)
	}
	o.mu.Unlock()
}
