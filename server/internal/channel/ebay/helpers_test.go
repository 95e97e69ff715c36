package ebay_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
)

// clock is a settable clock shared by the simulator and the connector.
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

// tokens is a TokenCache on the test clock.
type tokens struct {
	mu    sync.Mutex
	clock *clock
	m     map[string]tokenEntry
}

type tokenEntry struct {
	tok     string
	expires time.Time
}

func (t *tokens) Get(key string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok || !t.clock.Now().Before(e.expires) {
		return "", false
	}
	return e.tok, true
}

func (t *tokens) Put(key, tok string, expires time.Time) {
	t.mu.Lock()
	t.m[key] = tokenEntry{tok, expires}
	t.mu.Unlock()
}

// calls counts requests by "METHOD path".
type calls struct {
	mu sync.Mutex
	n  map[string]int
	rt http.RoundTripper
}

func (c *calls) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	return c.rt.RoundTrip(r)
}

func (c *calls) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func (c *calls) prefix(p string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for k, n := range c.n {
		if strings.HasPrefix(k, p) {
			total += n
		}
	}
	return total
}

const (
	tokenCall  = "POST /identity/v1/oauth2/token"
	ordersCall = "GET /sell/fulfillment/v1/order"
	bulkCall   = "POST /sell/inventory/v1/bulk_update_price_quantity"
)

type env struct {
	t     *testing.T
	clock *clock
	sim   *simebay.Server
	srv   *httptest.Server
	calls *calls
	conn  channel.Conn
	c     *ebay.Connector
}

var start = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// newEnv starts a simulator on loopback and a connector pointed at it.
// wrap, when set, sits in front of the simulator's handler.
func newEnv(t *testing.T, opts simebay.Options, wrap func(http.Handler) http.Handler, copts ...ebay.Option) *env {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.Now
	s := simebay.New(opts)
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cl := &calls{n: map[string]int{}, rt: http.DefaultTransport}
	conn := channel.Conn{
		Account:     channel.Account{ID: uuid.New(), Kind: ebay.Kind, Name: "test"},
		BaseURL:     srv.URL,
		Credentials: s.Credentials(),
		HTTP:        &http.Client{Transport: cl, Timeout: 5 * time.Second},
		Tokens:      &tokens{clock: clk, m: map[string]tokenEntry{}},
	}
	return &env{t: t, clock: clk, sim: s, srv: srv, calls: cl, conn: conn,
		c: ebay.New(append([]ebay.Option{ebay.WithClock(clk.Now)}, copts...)...)}
}

func (e *env) place(spec simebay.OrderSpec) string {
	e.t.Helper()
	id, err := e.sim.PlaceOrder(spec)
	if err != nil {
		e.t.Fatalf("place order: %v", err)
	}
	return id
}

func boulder() simebay.AddressSpec {
	return simebay.AddressSpec{Name: "Katherine Moss", Line1: "1840 Pearl St", City: "Boulder", Region: "CO",
		PostalCode: "80302-5521", Country: "US", Phone: "3035550187", Email: "kat@example.com"}
}
