package walmart_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	"github.com/manifold-oms/manifold/server/sim"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

// start is the fixed moment every test begins at.
var start = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

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

// tokens is a TokenCache that expires entries by the test clock.
type tokens struct {
	mu    sync.Mutex
	clock *clock
	m     map[string]cached
}

type cached struct {
	token   string
	expires time.Time
}

func (t *tokens) Get(key string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[key]
	if !ok || !t.clock.Now().Before(c.expires) {
		return "", false
	}
	return c.token, true
}

func (t *tokens) Put(key, token string, expires time.Time) {
	t.mu.Lock()
	t.m[key] = cached{token, expires}
	t.mu.Unlock()
}

func (t *tokens) keys() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k := range t.m {
		out = append(out, k)
	}
	return out
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	sim   *wmsim.Server
	srv   *httptest.Server
	cache *tokens
	conn  channel.Conn
	wm    *walmart.Connector
}

// newFixture starts a simulator on loopback and a connector pointed at it.
func newFixture(t *testing.T, opts wmsim.Options, copts ...walmart.Option) *fixture {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.Now
	if opts.WebhookRetryDelay == 0 {
		opts.WebhookRetryDelay = 5 * time.Millisecond
	}
	s := wmsim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cache := &tokens{clock: clk, m: map[string]cached{}}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	creds := channel.Credentials{}
	for k, v := range s.Credentials() {
		creds[k] = v
	}
	return &fixture{t: t, ctx: ctx, clock: clk, sim: s, srv: srv, cache: cache,
		conn: channel.Conn{
			Account:     channel.Account{TenantID: uuid.New(), ID: uuid.New(), Kind: walmart.Kind, Name: "Walmart US"},
			BaseURL:     srv.URL,
			Credentials: creds,
			HTTP:        &http.Client{Timeout: 5 * time.Second},
			Tokens:      cache,
		},
		wm: walmart.New(append([]walmart.Option{walmart.WithClock(clk.Now)}, copts...)...),
	}
}

var buyer = sim.Address{Name: "Priya Raman", Line1: "1550 N Lake Shore Dr", Line2: "Apt 12B", City: "Chicago",
	Region: "IL", PostalCode: "60610", Country: "US", Phone: "3125550198"}

// place places an order through the simulator's own API.
func (f *fixture) place(spec wmsim.OrderSpec) string {
	f.t.Helper()
	if spec.Address.Name == "" {
		spec.Address = buyer
	}
	if spec.PlacedAt.IsZero() {
		spec.PlacedAt = f.clock.Now()
	}
	po, err := f.sim.PlaceOrder(spec)
	if err != nil {
		f.t.Fatalf("place order: %v", err)
	}
	return po
}

// oneLine places a single-line order.
func (f *fixture) oneLine(sku string, qty int, price string) string {
	return f.place(wmsim.OrderSpec{Lines: []wmsim.LineSpec{{SKU: sku, Title: "Item " + sku, Quantity: qty, UnitPrice: price}}})
}

func (f *fixture) fetch(po string) channel.Order {
	f.t.Helper()
	o, err := f.wm.FetchOrder(f.ctx, f.conn, po)
	if err != nil {
		f.t.Fatalf("fetch %s: %v", po, err)
	}
	return o
}

// requests counts the simulator's requests to an API, by status.
func (f *fixture) requests(api string) map[int]int {
	out := map[int]int{}
	for _, r := range f.sim.Requests() {
		if r.API == api {
			out[r.Status]++
		}
	}
	return out
}

func asRejection(t *testing.T, err error) *channel.Rejection {
	t.Helper()
	var rej *channel.Rejection
	if !errors.As(err, &rej) {
		t.Fatalf("want a *channel.Rejection, got %v", err)
	}
	return rej
}

func TestSimulatorCredentialsUseTheConnectorFieldNames(t *testing.T) {
	s := wmsim.New(wmsim.Options{})
	creds := s.Credentials()
	if creds[walmart.CredClientID] == "" || creds[walmart.CredClientSecret] == "" || len(creds) != 2 {
		t.Fatalf("simulator credentials %v do not use %q and %q", creds, walmart.CredClientID, walmart.CredClientSecret)
	}
	if s.Kind() != walmart.Kind {
		t.Fatalf("simulator kind %q, connector kind %q", s.Kind(), walmart.Kind)
	}
}
