package walmart

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Webhook delivery modes.
const (
	// DeliverOnce delivers each event once, in order.
	DeliverOnce = "once"
	// DeliverDuplicate delivers each event twice with the same eventId.
	DeliverDuplicate = "duplicate"
	// DeliverOutOfOrder holds each event until the next one, then delivers
	// the newer first; FlushWebhooks sends one still held.
	DeliverOutOfOrder = "out_of_order"
)

type webhookTarget struct {
	url, secret, mode string
}

// event is one notification, signed when it is sent.
type event struct {
	id, kind, po string
	body         []byte
}

// Delivery is one webhook delivery attempt.
type Delivery struct {
	EventID   string    `json:"eventId"`
	EventType string    `json:"eventType"`
	PO        string    `json:"purchaseOrderId,omitempty"`
	Attempt   int       `json:"attempt"`
	Status    int       `json:"status,omitempty"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// SetWebhookTarget implements sim.Marketplace: order events go to url,
// signed with secret as Walmart signs HMAC subscriptions. An empty url stops
// deliveries.
func (s *Server) SetWebhookTarget(url, secret string) {
	s.mu.Lock()
	mode := s.target.mode
	s.target = webhookTarget{url: url, secret: secret, mode: mode}
	s.mu.Unlock()
}

// SetWebhookMode chooses DeliverOnce (the default), DeliverDuplicate or
// DeliverOutOfOrder.
func (s *Server) SetWebhookMode(mode string) error {
	if !slices.Contains([]string{"", DeliverOnce, DeliverDuplicate, DeliverOutOfOrder}, mode) {
		return fmt.Errorf("webhook mode %q is not once, duplicate or out_of_order", mode)
	}
	s.mu.Lock()
	s.target.mode = mode
	s.mu.Unlock()
	return nil
}

// Deliveries lists the delivery attempts made, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

// FlushWebhooks sends any held event and waits until every delivery,
// retries included, is over.
func (s *Server) FlushWebhooks() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	t := s.target
	s.mu.Unlock()
	s.send(t, held)
	for {
		s.mu.Lock()
		busy := s.sending
		s.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// poCreatedEvent builds a PO_CREATED notification. Callers hold s.mu.
func (s *Server) poCreatedEvent(o *order) *event {
	if s.target.url == "" {
		return nil
	}
	type qty struct {
		UnitOfMeasure    string `json:"unitOfMeasure"`
		MeasurementValue int    `json:"measurementValue"`
	}
	type pl struct {
		LineNumber     string `json:"lineNumber"`
		SKU            string `json:"sku"`
		ProductName    string `json:"productName"`
		Quantity       qty    `json:"quantity"`
		Status         string `json:"status"`
		StatusDate     int64  `json:"statusDate"`
		ShippingMethod string `json:"shippingMethod"`
	}
	payload := map[string]any{"partnerId": s.opts.PartnerID, "purchaseOrderId": o.po,
		"customerOrderId": o.customerOrderID, "orderDate": o.placed.UnixMilli()}
	if o.shipBy != nil {
		payload["estimatedShipDate"] = o.shipBy.UnixMilli()
	}
	var lines []pl
	for _, l := range o.lines {
		lines = append(lines, pl{LineNumber: l.number, SKU: l.sku, ProductName: l.title,
			Quantity: qty{"EACH", l.qty}, Status: StatusCreated, StatusDate: l.statusDate.UnixMilli(), ShippingMethod: o.method})
	}
	payload["orderLines"] = lines
	return s.newEvent("PO_CREATED", o.po, payload)
}

// orderEvent builds a notification about an order. Callers hold s.mu.
func (s *Server) orderEvent(kind string, o *order) *event {
	if s.target.url == "" {
		return nil
	}
	return s.newEvent(kind, o.po, map[string]any{"partnerId": s.opts.PartnerID, "purchaseOrderId": o.po,
		"customerOrderId": o.customerOrderID})
}

func (s *Server) newEvent(kind, po string, payload map[string]any) *event {
	id := uuid.NewString()
	body, _ := json.Marshal(map[string]any{
		"source":  map[string]string{"eventType": kind, "eventTime": s.now().Format("2006-01-02T15:04:05.000Z"), "eventId": id},
		"payload": payload,
	})
	return &event{id: id, kind: kind, po: po, body: body}
}

// emit delivers an event according to the mode. It must be called without s.mu.
func (s *Server) emit(ev *event) {
	if ev == nil {
		return
	}
	s.mu.Lock()
	t := s.target
	var batch []event
	switch t.mode {
	case DeliverOutOfOrder:
		if len(s.held) == 0 {
			s.held = append(s.held, *ev)
		} else {
			batch = append([]event{*ev}, s.held...)
			s.held = nil
		}
	case DeliverDuplicate:
		batch = []event{*ev, *ev}
	default:
		batch = []event{*ev}
	}
	s.mu.Unlock()
	s.send(t, batch)
}

// outgoing is an event waiting in the outbox with the target it was for.
type outgoing struct {
	target webhookTarget
	ev     event
}

// send queues events for delivery. One worker delivers the outbox in order,
// each event up to 3 times, signed afresh, until the target answers 2xx.
func (s *Server) send(t webhookTarget, events []event) {
	if t.url == "" || len(events) == 0 {
		return
	}
	s.mu.Lock()
	for _, ev := range events {
		s.outbox = append(s.outbox, outgoing{t, ev})
	}
	start := !s.sending
	s.sending = true
	s.mu.Unlock()
	if start {
		go s.drain()
	}
}

func (s *Server) drain() {
	for {
		s.mu.Lock()
		if len(s.outbox) == 0 {
			s.sending = false
			s.mu.Unlock()
			return
		}
		o := s.outbox[0]
		s.outbox = s.outbox[1:]
		s.mu.Unlock()
		s.attempt(o.target, o.ev)
	}
}

func (s *Server) attempt(t webhookTarget, ev event) {
	for attempt := 1; attempt <= 3; attempt++ {
		status, err := s.deliver(t, ev)
		d := Delivery{EventID: ev.id, EventType: ev.kind, PO: ev.po, Attempt: attempt, Status: status, At: s.now()}
		if err != nil {
			d.Error = err.Error()
		}
		s.mu.Lock()
		s.delivered = append(s.delivered, d)
		s.mu.Unlock()
		if err == nil && status >= 200 && status < 300 {
			return
		}
		if attempt < 3 {
			time.Sleep(s.opts.WebhookRetryDelay)
		}
	}
}

func (s *Server) deliver(t webhookTarget, ev event) (int, error) {
	u, err := url.Parse(t.url)
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(ev.body))
	if err != nil {
		return 0, err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["WM_SEC.TIMESTAMP"] = []string{ts}
	req.Header["WM_SEC.SIGNATURE"] = []string{sign(t.secret, http.MethodPost, u.RequestURI(), ts, ev.body)}
	req.Header["WM_SEC.KEY_ID"] = []string{s.opts.WebhookKeyID}
	resp, err := s.hook.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// sign is Walmart's webhook signature: base64(HMAC-SHA256(secret,
// METHOD \n PATH_AND_QUERY \n TIMESTAMP \n hex(sha256(body)))).
func sign(secret, method, pathAndQuery, timestamp string, body []byte) string {
	sum := sha256.Sum256(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + hex.EncodeToString(sum[:])))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
