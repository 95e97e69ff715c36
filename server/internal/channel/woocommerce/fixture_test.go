package woocommerce_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

// start is when every test's clock starts.
var start = time.Date(2026, 3, 14, 14, 12, 44, 0, time.UTC)

// clock is a settable clock shared by a simulated store and the connector.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	clock *clock
	store *wcsim.Server
	srv   *httptest.Server
	k     *woocommerce.Connector
	conn  channel.Conn
}

// newFixture starts a simulated store on plain HTTP (OAuth 1.0a) and a
// connector pointed at it.
func newFixture(t *testing.T, o wcsim.Options, opts ...woocommerce.Option) *fixture {
	return startFixture(t, false, o, opts...)
}

// newTLSFixture starts the store on HTTPS, where the keys travel as HTTP Basic.
func newTLSFixture(t *testing.T, o wcsim.Options, opts ...woocommerce.Option) *fixture {
	return startFixture(t, true, o, opts...)
}

func startFixture(t *testing.T, tls bool, o wcsim.Options, opts ...woocommerce.Option) *fixture {
	t.Helper()
	clk := &clock{t: start}
	if o.Clock == nil {
		o.Clock = clk.Now
	}
	store := wcsim.New(o)
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(store)
	} else {
		srv = httptest.NewServer(store)
	}
	t.Cleanup(srv.Close)
	k := woocommerce.New(append([]woocommerce.Option{woocommerce.WithClock(clk.Now)}, opts...)...)
	conn := channel.Conn{
		Account:     channel.Account{TenantID: uuid.New(), ID: uuid.New(), Kind: woocommerce.Kind, Name: "Outdoor store"},
		BaseURL:     srv.URL + "/wp-json/wc/v3",
		Credentials: channel.Credentials(store.Credentials()),
		HTTP:        srv.Client(),
	}
	conn.HTTP.Timeout = 5 * time.Second
	return &fixture{t: t, clock: clk, store: store, srv: srv, k: k, conn: conn}
}

// place places an order and returns its id.
func (f *fixture) place(in wcsim.OrderInput) int64 {
	f.t.Helper()
	id, err := f.store.PlaceOrder(in)
	if err != nil {
		f.t.Fatalf("place order: %v", err)
	}
	return id
}

func (f *fixture) product(in wcsim.ProductInput) wcsim.ProductIDs {
	f.t.Helper()
	ids, err := f.store.AddProduct(in)
	if err != nil {
		f.t.Fatalf("add product: %v", err)
	}
	return ids
}

// requests lists the REST requests the store received on routes with prefix.
func (f *fixture) requests(prefix string) []wcsim.Request {
	var out []wcsim.Request
	for _, r := range f.store.Requests() {
		if strings.HasPrefix(r.Route, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// elena is the buyer of the reference's sample order.
func elena() wcsim.Address {
	return wcsim.Address{FirstName: "Elena", LastName: "Novak", Address1: "77 Harbor View Rd", City: "Portland",
		State: "ME", Postcode: "04101", Country: "US", Email: "elena.novak@example.net", Phone: "207-555-0176"}
}

// hook receives webhooks and verifies them with the connector.
type hook struct {
	mu     sync.Mutex
	events []channel.WebhookEvent
	errs   []error
}

func (f *fixture) receiver(h *hook) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := f.k.VerifyWebhook(f.conn, r.Header, body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil {
			h.errs = append(h.errs, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.events = append(h.events, ev)
	}))
	f.t.Cleanup(srv.Close)
	return srv
}

func (h *hook) got() ([]channel.WebhookEvent, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]channel.WebhookEvent(nil), h.events...), append([]error(nil), h.errs...)
}
