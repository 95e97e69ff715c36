package woocommerce_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestWebhooksFromTheStoreVerify(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	h := &hook{}
	rcv := f.receiver(h)
	f.store.SetWebhookTarget(rcv.URL, "")
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	id := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})
	if err := f.store.CancelOrder(itoa(id)); err != nil {
		t.Fatal(err)
	}
	if status, err := f.store.Ping(); err != nil || status != http.StatusOK {
		t.Fatalf("ping answered %d, %v", status, err)
	}
	events, errs := h.got()
	if len(errs) != 0 || len(events) != 3 {
		t.Fatalf("events %+v errors %v", events, errs)
	}
	if events[0].Topic != "order.created" || events[0].ExternalOrderID != itoa(id) || events[0].DeliveryID == "" {
		t.Fatalf("created: %+v", events[0])
	}
	if events[1].Topic != "order.updated" || events[1].ExternalOrderID != itoa(id) || events[1].DeliveryID == events[0].DeliveryID {
		t.Fatalf("updated: %+v", events[1])
	}
	if events[2].Topic != woocommerce.TopicPing || events[2].ExternalOrderID != "" {
		t.Fatalf("ping: %+v", events[2])
	}
	for _, d := range f.store.Deliveries() {
		if d.Status != http.StatusOK {
			t.Fatalf("delivery %+v", d)
		}
	}
}

func TestWebhookDuplicateAndOutOfOrderDeliveries(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	h := &hook{}
	f.store.SetWebhookTarget(f.receiver(h).URL, "")
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	line := []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}

	if err := f.store.SetDeliveryMode(wcsim.DeliverTwice); err != nil {
		t.Fatal(err)
	}
	twice := f.place(wcsim.OrderInput{Billing: elena(), Lines: line})
	events, _ := h.got()
	if len(events) != 2 || events[0] != events[1] || events[0].ExternalOrderID != itoa(twice) {
		t.Fatalf("a repeated delivery must repeat its id: %+v", events)
	}

	if err := f.store.SetDeliveryMode(wcsim.DeliverOutOfOrder); err != nil {
		t.Fatal(err)
	}
	late := f.place(wcsim.OrderInput{Billing: elena(), Lines: line})
	f.clock.Advance(1)
	if err := f.store.SetOrderStatus(late, wcsim.StatusCompleted); err != nil {
		t.Fatal(err)
	}
	if events, _ := h.got(); len(events) != 2 {
		t.Fatalf("held deliveries arrived early: %+v", events)
	}
	if n := f.store.FlushWebhooks(); n != 2 {
		t.Fatalf("flushed %d", n)
	}
	events, errs := h.got()
	if len(errs) != 0 || len(events) != 4 || events[2].Topic != "order.updated" || events[3].Topic != "order.created" {
		t.Fatalf("out of order: %+v %v", events, errs)
	}
}

func TestForgedOrMissingSignatures(t *testing.T) {
	k := woocommerce.New()
	conn := channel.Conn{Credentials: channel.Credentials{woocommerce.CredWebhookSecret: "s3cret"}}
	body := []byte(`{"id":5127,"status":"processing"}`)
	header := func(sig string) http.Header {
		h := http.Header{}
		h.Set("X-WC-Webhook-Topic", "order.updated")
		h.Set("X-WC-Webhook-Delivery-ID", "a1b2c3")
		if sig != "" {
			h.Set("X-WC-Webhook-Signature", sig)
		}
		return h
	}
	ev, err := k.VerifyWebhook(conn, header(sign("s3cret", body)), body)
	if err != nil || ev.ExternalOrderID != "5127" || ev.Topic != "order.updated" || !strings.HasPrefix(ev.DeliveryID, "a1b2c3:") {
		t.Fatalf("valid: %+v %v", ev, err)
	}
	cases := map[string]struct {
		h    http.Header
		body []byte
		conn channel.Conn
	}{
		"wrong secret":   {header(sign("guess", body)), body, conn},
		"tampered body":  {header(sign("s3cret", body)), []byte(`{"id":5128,"status":"processing"}`), conn},
		"missing":        {header(""), body, conn},
		"not base64":     {header("%%%"), body, conn},
		"no secret held": {header(sign("", body)), body, channel.Conn{}},
	}
	for name, c := range cases {
		if _, err := k.VerifyWebhook(c.conn, c.h, c.body); !errors.Is(err, channel.ErrBadSignature) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The activation ping is unsigned and names no order.
	ev, err = k.VerifyWebhook(conn, http.Header{}, []byte("webhook_id=12"))
	if err != nil || ev.Topic != woocommerce.TopicPing || ev.ExternalOrderID != "" {
		t.Fatalf("ping: %+v %v", ev, err)
	}
	// A signed body without an order id is refused, not half-accepted.
	odd := []byte(`{"status":"processing"}`)
	if _, err := k.VerifyWebhook(conn, header(sign("s3cret", odd)), odd); err == nil || errors.Is(err, channel.ErrBadSignature) {
		t.Fatalf("order event without an id: %v", err)
	}
}
