package woocommerce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"time"
)

// Webhook topics the store delivers, each from its own webhook (the ids are
// the X-WC-Webhook-ID header).
const (
	topicCreated = "order.created"
	topicUpdated = "order.updated"
	topicDeleted = "order.deleted"
)

func webhookID(topic string) int {
	switch topic {
	case topicCreated:
		return 1
	case topicUpdated:
		return 2
	}
	return 3
}

// DeliveryMode is how the store delivers webhooks.
type DeliveryMode string

// Delivery modes.
const (
	// DeliverNormally sends each delivery once, as the event happens.
	DeliverNormally DeliveryMode = "normal"
	// DeliverTwice sends each delivery twice, with the same delivery id, as
	// a re-run of a scheduled action does.
	DeliverTwice DeliveryMode = "duplicate"
	// DeliverOutOfOrder holds deliveries until FlushWebhooks, which sends
	// them newest first.
	DeliverOutOfOrder DeliveryMode = "out_of_order"
)

// userAgent is what WooCommerce's webhook deliveries identify as.
const userAgent = "WooCommerce/9.8.0 Hookshot (WordPress/6.8.1)"

type hookState struct {
	url        string
	secret     string
	mode       DeliveryMode
	held       []delivery
	deliveries []Delivery
}

// delivery is one webhook request to send.
type delivery struct {
	url, secret string
	topic       string
	orderID     int64
	body        []byte
	id          string
	at          time.Time
}

// Delivery is a webhook request the store sent and what the target answered.
type Delivery struct {
	DeliveryID string    `json:"delivery_id"`
	Topic      string    `json:"topic"`
	OrderID    int64     `json:"order_id"`
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
}

// SetWebhookTarget implements sim.Marketplace: order events are delivered
// to url, signed with secret (the Options' secret when empty). An empty url
// stops deliveries.
func (s *Server) SetWebhookTarget(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook.url = url
	if secret != "" {
		s.hook.secret = secret
	}
}

// SetDeliveryMode changes how webhooks are delivered.
func (s *Server) SetDeliveryMode(m DeliveryMode) error {
	switch m {
	case DeliverNormally, DeliverTwice, DeliverOutOfOrder:
	default:
		return fmt.Errorf("unknown delivery mode %q (normal, duplicate or out_of_order)", m)
	}
	s.mu.Lock()
	s.hook.mode = m
	s.mu.Unlock()
	return nil
}

// Deliveries lists every webhook request sent, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.hook.deliveries...)
}

// FlushWebhooks sends the deliveries held back in out-of-order mode,
// newest first, and returns how many were sent.
func (s *Server) FlushWebhooks() int {
	s.mu.Lock()
	held := s.hook.held
	s.hook.held = nil
	s.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		s.send(held[i])
	}
	return len(held)
}

// Ping sends WooCommerce's activation ping: a form body webhook_id=<id>,
// with no signature and no X-WC-Webhook-* headers. It returns the target's
// status code.
func (s *Server) Ping() (int, error) {
	s.mu.Lock()
	target := s.hook.url
	s.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("no webhook target is set")
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target,
		bytes.NewReader([]byte("webhook_id="+strconv.Itoa(webhookID(topicCreated)))))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.client.Do(req)
	d := Delivery{Topic: "ping", At: s.now()}
	if err != nil {
		d.Error = err.Error()
	} else {
		d.Status = resp.StatusCode
		resp.Body.Close()
	}
	s.mu.Lock()
	s.hook.deliveries = append(s.hook.deliveries, d)
	s.mu.Unlock()
	return d.Status, err
}

// orderEvent prepares the deliveries of an order event; the caller sends
// them with deliver after releasing s.mu. Caller holds s.mu.
func (s *Server) orderEvent(o *order, topic string) []delivery {
	if s.hook.url == "" {
		return nil
	}
	var body []byte
	if topic == topicDeleted {
		body, _ = json.Marshal(map[string]int64{"id": o.id})
	} else {
		body, _ = json.Marshal(s.orderJSON(o))
	}
	now := s.now()
	d := delivery{url: s.hook.url, secret: s.hook.secret, topic: topic, orderID: o.id, body: body, at: now,
		id: deliveryID(webhookID(topic), now)}
	switch s.hook.mode {
	case DeliverOutOfOrder:
		s.hook.held = append(s.hook.held, d)
		return nil
	case DeliverTwice:
		return []delivery{d, d}
	}
	return []delivery{d}
}

// deliveryID is WC_Webhook::get_new_delivery_id: a hash of the webhook id
// and the current second, so two deliveries of one webhook within a second
// share an id.
func deliveryID(hook int, at time.Time) string {
	sum := md5.Sum([]byte(strconv.Itoa(hook) + strconv.FormatInt(at.Unix(), 10)))
	return hex.EncodeToString(sum[:])
}

func (s *Server) deliver(ds []delivery) {
	for _, d := range ds {
		s.send(d)
	}
}

// send POSTs one delivery with WooCommerce's headers; the signature is
// base64(HMAC-SHA256(body)) keyed with the HTML-entity-decoded secret.
func (s *Server) send(d delivery) {
	mac := hmac.New(sha256.New, []byte(html.UnescapeString(d.secret)))
	mac.Write(d.body)
	rec := Delivery{DeliveryID: d.id, Topic: d.topic, OrderID: d.orderID, At: d.at}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, d.url, bytes.NewReader(d.body))
	if err == nil {
		h := req.Header
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", userAgent)
		h.Set("X-WC-Webhook-Source", s.opts.SiteURL+"/")
		h.Set("X-WC-Webhook-Topic", d.topic)
		h.Set("X-WC-Webhook-Resource", "order")
		h.Set("X-WC-Webhook-Event", d.topic[len("order."):])
		h.Set("X-WC-Webhook-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
		h.Set("X-WC-Webhook-ID", strconv.Itoa(webhookID(d.topic)))
		h.Set("X-WC-Webhook-Delivery-ID", d.id)
		var resp *http.Response
		if resp, err = s.client.Do(req); err == nil {
			rec.Status = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil {
		rec.Error = err.Error()
	}
	s.mu.Lock()
	s.hook.deliveries = append(s.hook.deliveries, rec)
	s.mu.Unlock()
}
