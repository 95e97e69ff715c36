package ebay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
)

const publicKeyCall = "GET /commerce/notification/v1/public_key/"

// receiver is a notification endpoint as the lead would wire it: the
// challenge handshake on GET, verification of the raw body on POST (204, or
// 412 as eBay's SDKs answer a bad signature).
type receiver struct {
	mu     sync.Mutex
	e      *env
	token  string
	url    string
	events []channel.WebhookEvent
	bodies [][]byte
	header []http.Header
	errs   []error
}

func newReceiver(t *testing.T, e *env, token string) *receiver {
	rc := &receiver{e: e, token: token}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/webhooks/ebay"
	return rc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		code := r.URL.Query().Get("challenge_code")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challengeResponse": ebay.ChallengeResponse(code, rc.token, rc.url)})
		return
	}
	body, _ := io.ReadAll(r.Body)
	ev, err := rc.e.c.VerifyWebhook(rc.e.conn, r.Header, body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, body)
	rc.header = append(rc.header, r.Header.Clone())
	if err != nil {
		rc.errs = append(rc.errs, err)
	} else {
		rc.events = append(rc.events, ev)
	}
	rc.mu.Unlock()
	if err != nil {
		w.WriteHeader(http.StatusPreconditionFailed)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) got() ([]channel.WebhookEvent, []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]channel.WebhookEvent(nil), rc.events...), append([]error(nil), rc.errs...)
}

func TestNotificationsVerifyAndKeysAreCached(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	rc := newReceiver(t, e, "manifold-verification-token-0123456789abcdef")
	e.sim.SetWebhookTarget(rc.url, rc.token)

	id := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{
		{SKU: "A", Quantity: 1, UnitPrice: "1.00"}, {SKU: "B", Quantity: 1, UnitPrice: "2.00"}}})
	events, errs := rc.got()
	if len(errs) != 0 || len(events) != 2 {
		t.Fatalf("events %+v, errors %v", events, errs)
	}
	for _, ev := range events {
		if ev.ExternalOrderID != id || ev.Topic != "ORDER_CONFIRMATION" || ev.DeliveryID == "" {
			t.Errorf("event %+v", ev)
		}
	}
	if events[0].DeliveryID == events[1].DeliveryID {
		t.Error("two notifications share a notificationId")
	}
	if n := e.calls.prefix(publicKeyCall); n != 1 {
		t.Fatalf("%d public key fetches, want 1 (cached by kid)", n)
	}
	if n := e.calls.count(tokenCall); n != 1 {
		t.Fatalf("%d token calls, want 1 application token", n)
	}
	// The connector fetched the order the notification names.
	if o, err := e.c.FetchOrder(context.Background(), e.conn, events[0].ExternalOrderID); err != nil || o.ExternalID != id {
		t.Fatalf("re-fetch: %v", err)
	}

	// A new key id means one more fetch.
	e.sim.RotateKey()
	e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	if events, errs = rc.got(); len(events) != 4 || len(errs) != 0 {
		t.Fatalf("after rotation: %d events, %v", len(events), errs)
	}
	if n := e.calls.prefix(publicKeyCall); n != 2 {
		t.Fatalf("%d public key fetches after a rotation, want 2", n)
	}

	// Signed by eBay, then tampered with or stripped: refused.
	rc.mu.Lock()
	body, hdr := rc.bodies[0], rc.header[0]
	rc.mu.Unlock()
	if _, err := e.c.VerifyWebhook(e.conn, hdr, body); err != nil {
		t.Fatalf("replaying the genuine message: %v", err)
	}
	forged := bytes.Replace(body, []byte(id), []byte("99-99999-99999"), 1)
	if _, err := e.c.VerifyWebhook(e.conn, hdr, forged); !errors.Is(err, channel.ErrBadSignature) {
		t.Fatalf("forged body: %v", err)
	}
	if _, err := e.c.VerifyWebhook(e.conn, http.Header{}, body); !errors.Is(err, channel.ErrBadSignature) {
		t.Fatalf("no signature: %v", err)
	}
	for name, sig := range map[string]string{
		"not base64":  "%%%",
		"not JSON":    base64.StdEncoding.EncodeToString([]byte("hello")),
		"unknown kid": sigHeader(t, hdr, func(m map[string]string) { m["kid"] = "00000000-0000-0000-0000-000000000000" }),
		"wrong alg":   sigHeader(t, hdr, func(m map[string]string) { m["alg"] = "rsa" }),
		"bad sig":     sigHeader(t, hdr, func(m map[string]string) { m["signature"] = base64.StdEncoding.EncodeToString([]byte("0000")) }),
	} {
		h := http.Header{}
		h.Set(ebay.SignatureHeader, sig)
		if _, err := e.c.VerifyWebhook(e.conn, h, body); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	if n := e.calls.prefix(publicKeyCall); n != 3 {
		t.Fatalf("%d public key fetches, want 3 (the unknown kid once)", n)
	}
	h := http.Header{}
	h.Set(ebay.SignatureHeader, sigHeader(t, hdr, func(m map[string]string) { m["kid"] = "00000000-0000-0000-0000-000000000000" }))
	if _, err := e.c.VerifyWebhook(e.conn, h, body); !errors.Is(err, channel.ErrBadSignature) || e.calls.prefix(publicKeyCall) != 3 {
		t.Fatalf("unknown kid again: %v, fetches %d (it should be remembered)", err, e.calls.prefix(publicKeyCall))
	}

	// eBay unreachable for the key: not a bad signature, so it can be retried.
	down := e.conn
	down.BaseURL = "http://127.0.0.1:1"
	if _, err := e.c.VerifyWebhook(down, hdr, body); err == nil || errors.Is(err, channel.ErrBadSignature) {
		t.Fatalf("unreachable key endpoint: %v", err)
	}
}

// sigHeader rewrites one field of a signature header.
func sigHeader(t *testing.T, hdr http.Header, edit func(map[string]string)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(hdr.Get(ebay.SignatureHeader))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, _ := json.Marshal(m)
	return base64.StdEncoding.EncodeToString(out)
}

func TestNotificationDuplicateAndOutOfOrderDelivery(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	rc := newReceiver(t, e, "tok")
	e.sim.SetWebhookTarget(rc.url, rc.token)

	if err := e.sim.SetDeliveryMode(simebay.DeliverDuplicate); err != nil {
		t.Fatal(err)
	}
	e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	events, errs := rc.got()
	if len(errs) != 0 || len(events) != 2 || events[0] != events[1] {
		t.Fatalf("duplicate delivery: %+v %v", events, errs)
	}

	if err := e.sim.SetDeliveryMode(simebay.DeliverOutOfOrder); err != nil {
		t.Fatal(err)
	}
	first := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	second := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	if events, _ = rc.got(); len(events) != 2 {
		t.Fatalf("held notifications were delivered: %+v", events)
	}
	if n := e.sim.FlushNotifications(); n != 2 {
		t.Fatalf("flushed %d", n)
	}
	events, errs = rc.got()
	if len(errs) != 0 || len(events) != 4 || events[2].ExternalOrderID != second || events[3].ExternalOrderID != first {
		t.Fatalf("out of order: %+v %v", events, errs)
	}
}

func TestNotificationRetriedUntilAccepted(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	var mu sync.Mutex
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if _, err := e.c.VerifyWebhook(e.conn, r.Header, body); err != nil {
			w.WriteHeader(http.StatusPreconditionFailed)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	e.sim.SetWebhookTarget(srv.URL, "tok")
	e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
	d := e.sim.Deliveries()
	if len(d) != 3 || d[0].Attempt != 1 || d[2].Attempt != 3 || d[2].Status != http.StatusOK || d[0].NotificationID != d[2].NotificationID {
		t.Fatalf("deliveries %+v", d)
	}
}

func TestChallengeResponse(t *testing.T) {
	// sha256sum of "abc" + "token" + "https://example.com/webhooks/ebay".
	const want = "14244f26b54eb8c9f5dacf5287af6ff98376f4ad7ba2f4f483ae6ced547ac3c0"
	if got := ebay.ChallengeResponse("abc", "token", "https://example.com/webhooks/ebay"); got != want {
		t.Fatalf("ChallengeResponse = %s, want %s", got, want)
	}

	e := newEnv(t, simebay.Options{}, nil)
	rc := newReceiver(t, e, "manifold-verification-token-0123456789abcdef")
	e.sim.SetWebhookTarget(rc.url, rc.token)
	if err := e.sim.Challenge(context.Background()); err != nil {
		t.Fatalf("eBay's endpoint validation: %v", err)
	}
	e.sim.SetWebhookTarget(rc.url, "another-token")
	if err := e.sim.Challenge(context.Background()); err == nil {
		t.Fatal("a response made with the wrong verification token passed")
	}
}
