package walmart_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

type delivery struct {
	header http.Header
	body   []byte
	uri    string
}

// receiver is a webhook endpoint that keeps what it is sent.
type receiver struct {
	mu   sync.Mutex
	got  []delivery
	url  string
	fail int // answer 500 to this many deliveries first
}

func newReceiver(t *testing.T, path string) *receiver {
	rc := &receiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body, uri: r.URL.RequestURI()})
		failing := rc.fail > 0
		rc.fail--
		rc.mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + path
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

const secret = "whsec-walmart-test"

func webhookFixture(t *testing.T) (*fixture, *receiver) {
	f := newFixture(t, wmsim.Options{})
	rc := newReceiver(t, "/webhooks/walmart/acct/tok?v=1")
	f.conn.Credentials[walmart.CredWebhookSecret] = secret
	f.conn.Credentials[walmart.CredWebhookURL] = rc.url
	f.sim.SetWebhookTarget(rc.url, secret)
	return f, rc
}

func TestWebhooksAreVerified(t *testing.T) {
	f, rc := webhookFixture(t)
	po := f.oneLine("MUG", 1, "14.95")
	if err := f.sim.CancelOrder(po); err != nil {
		t.Fatal(err)
	}
	f.sim.FlushWebhooks()
	got := rc.deliveries()
	if len(got) != 2 || got[0].uri != "/webhooks/walmart/acct/tok?v=1" {
		t.Fatalf("deliveries %+v", got)
	}
	ev, err := f.wm.VerifyWebhook(f.conn, got[0].header, got[0].body)
	if err != nil || ev.ExternalOrderID != po || ev.Topic != "PO_CREATED" || ev.DeliveryID == "" {
		t.Fatalf("PO_CREATED: %+v %v", ev, err)
	}
	ev2, err := f.wm.VerifyWebhook(f.conn, got[1].header, got[1].body)
	if err != nil || ev2.ExternalOrderID != po || ev2.Topic != "PO_LINE_AUTOCANCELLED" || ev2.DeliveryID == ev.DeliveryID {
		t.Fatalf("PO_LINE_AUTOCANCELLED: %+v %v", ev2, err)
	}

	// Header names as a framework might hand them over, not canonicalized.
	raw := http.Header{}
	for k, v := range got[0].header {
		raw[strings.ToUpper(k)] = v
	}
	if _, err := f.wm.VerifyWebhook(f.conn, raw, got[0].body); err != nil {
		t.Fatalf("exact-case header names: %v", err)
	}

	bad := func(name string, c channel.Conn, h http.Header, body []byte) {
		t.Helper()
		if _, err := f.wm.VerifyWebhook(c, h, body); !errors.Is(err, channel.ErrBadSignature) {
			t.Fatalf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	forged := append([]byte(nil), got[0].body...)
	forged[len(forged)-3] ^= 1
	bad("forged body", f.conn, got[0].header, forged)

	noSig := got[0].header.Clone()
	noSig.Del(walmart.HeaderSignature)
	bad("no signature", f.conn, noSig, got[0].body)

	otherSig := got[0].header.Clone()
	otherSig.Set(walmart.HeaderSignature, walmart.Sign("guess", http.MethodPost, "/webhooks/walmart/acct/tok?v=1",
		otherSig.Get(walmart.HeaderTimestamp), got[0].body))
	bad("signed with another secret", f.conn, otherSig, got[0].body)

	wrongPath := f.conn
	wrongPath.Credentials = channel.Credentials{walmart.CredWebhookSecret: secret, walmart.CredWebhookURL: rc.url + "&x=2"}
	bad("another path", wrongPath, got[0].header, got[0].body)

	noSecret := f.conn
	noSecret.Credentials = channel.Credentials{walmart.CredWebhookURL: rc.url}
	bad("no secret configured", noSecret, got[0].header, got[0].body)

	f.clock.Advance(walmart.DefaultWebhookSkew + time.Second)
	bad("replayed too late", f.conn, got[0].header, got[0].body)
}

func TestWebhookDuplicateAndOutOfOrderDelivery(t *testing.T) {
	f, rc := webhookFixture(t)
	if err := f.sim.SetWebhookMode(wmsim.DeliverDuplicate); err != nil {
		t.Fatal(err)
	}
	po := f.oneLine("MUG", 1, "14.95")
	f.sim.FlushWebhooks()
	got := rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries in duplicate mode", len(got))
	}
	a, errA := f.wm.VerifyWebhook(f.conn, got[0].header, got[0].body)
	b, errB := f.wm.VerifyWebhook(f.conn, got[1].header, got[1].body)
	if errA != nil || errB != nil || a.DeliveryID != b.DeliveryID || a.ExternalOrderID != po {
		t.Fatalf("duplicates: %+v %v / %+v %v", a, errA, b, errB)
	}

	if err := f.sim.SetWebhookMode(wmsim.DeliverOutOfOrder); err != nil {
		t.Fatal(err)
	}
	first := f.oneLine("A", 1, "1.00")
	second := f.oneLine("B", 1, "1.00")
	f.sim.FlushWebhooks()
	got = rc.deliveries()[2:]
	if len(got) != 2 {
		t.Fatalf("%d deliveries in out-of-order mode", len(got))
	}
	x, _ := f.wm.VerifyWebhook(f.conn, got[0].header, got[0].body)
	y, _ := f.wm.VerifyWebhook(f.conn, got[1].header, got[1].body)
	if x.ExternalOrderID != second || y.ExternalOrderID != first {
		t.Fatalf("out of order: got %s then %s, want %s then %s", x.ExternalOrderID, y.ExternalOrderID, second, first)
	}
}

func TestWebhookDeliveriesAreRetried(t *testing.T) {
	f, rc := webhookFixture(t)
	rc.fail = 2
	f.oneLine("MUG", 1, "14.95")
	f.sim.FlushWebhooks()
	ds := f.sim.Deliveries()
	if len(ds) != 3 || ds[0].Status != 500 || ds[2].Status != 200 || ds[2].Attempt != 3 {
		t.Fatalf("deliveries %+v", ds)
	}
	got := rc.deliveries()
	for _, d := range got {
		if _, err := f.wm.VerifyWebhook(f.conn, d.header, d.body); err != nil {
			t.Fatalf("retry not signed: %v", err)
		}
	}
}
