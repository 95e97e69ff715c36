package usps_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/usps"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	uspssim "github.com/manifold-oms/manifold/server/sim/usps"
)

// start is a Monday afternoon.
var start = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tokens is a carrier.TokenCache on the test clock.
type tokens struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]entry
}

type entry struct {
	token   string
	expires time.Time
}

func (c *tokens) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !c.now().Before(e.expires) {
		return "", false
	}
	return e.token, true
}

func (c *tokens) Put(key, token string, expires time.Time) {
	c.mu.Lock()
	c.m[key] = entry{token, expires}
	c.mu.Unlock()
}

type fixture struct {
	t    *testing.T
	sim  *uspssim.Server
	srv  *httptest.Server
	clk  *clock
	a    *usps.Adapter
	conn carrier.Conn
}

func newFixture(t *testing.T, opts uspssim.Options, aopts ...usps.Option) *fixture {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.now
	sim := uspssim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	a := usps.New(append([]usps.Option{usps.WithClock(clk.now)}, aopts...)...)
	conn := carrier.Conn{AccountID: "acct-1", BaseURL: srv.URL, Credentials: sim.Credentials(),
		HTTP: &http.Client{Timeout: 10 * time.Second}, Tokens: &tokens{now: clk.now, m: map[string]entry{}}}
	return &fixture{t: t, sim: sim, srv: srv, clk: clk, a: a, conn: conn}
}

var (
	from = rateshop.Address{Name: "Acme Fixtures", Street1: "500 Howard St", City: "San Francisco", State: "CA",
		PostalCode: "94107", Country: "US"}
	to = rateshop.Address{Name: "Dana Whitfield", Street1: "350 5th Ave", Street2: "Fl 21", City: "New York", State: "NY",
		PostalCode: "10118-0110", Country: "US"}
)

func rateRequest(weightOz, l, w, h float64) rateshop.RateRequest {
	return rateshop.RateRequest{From: from, To: to, WeightOz: weightOz, LengthIn: l, WidthIn: w, HeightIn: h,
		ShipDate: rateshop.DateOf(start)}
}

func labelRequest(service, format string) carrier.LabelRequest {
	return carrier.LabelRequest{From: from, To: to, Parcel: carrier.Parcel{WeightOz: 32, LengthIn: 10, WidthIn: 8, HeightIn: 4},
		Carrier: "usps", Service: service, RateID: "SP:MACHINABLE", ShipDate: rateshop.DateOf(start), Format: format,
		Reference: "SO-1001"}
}

func byService(qs []rateshop.Quote) map[string]rateshop.Quote {
	m := map[string]rateshop.Quote{}
	for _, q := range qs {
		m[q.Service] = q
	}
	return m
}

func intp(n int) *int { return &n }
