package fedex_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/fedex"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	fedexsim "github.com/manifold-oms/manifold/server/sim/fedex"
)

// clock is a settable time shared by the simulator, the adapter and the
// token cache.
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

// tokens is a TokenCache on the test clock that records what was put.
type tokens struct {
	mu      sync.Mutex
	clock   *clock
	m       map[string]string
	expires map[string]time.Time
}

func (c *tokens) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok || !c.clock.Now().Before(c.expires[key]) {
		return "", false
	}
	return t, true
}

func (c *tokens) Put(key, token string, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key], c.expires[key] = token, expires
}

// Monday 2 March 2026, 9:00 UTC.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	sim   *fedexsim.Server
	url   string
	clock *clock
	cache *tokens
	a     *fedex.Adapter
	conn  carrier.Conn
}

func setup(t *testing.T, opts fedexsim.Options) *env {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.Now
	sim := fedexsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	cache := &tokens{clock: clk, m: map[string]string{}, expires: map[string]time.Time{}}
	return &env{sim: sim, url: srv.URL, clock: clk, cache: cache, a: fedex.New(fedex.WithClock(clk.Now)),
		conn: carrier.Conn{AccountID: "acct-1", BaseURL: srv.URL, Credentials: sim.Credentials(),
			HTTP: &http.Client{Timeout: 5 * time.Second}, Tokens: cache}}
}

// control calls the simulator's control API.
func (e *env) control(t *testing.T, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

var (
	dayton  = rateshop.Address{Name: "Acme Widgets", Street1: "1 Factory Rd", City: "Dayton", State: "OH", PostalCode: "45402", Country: "US"}
	atlanta = rateshop.Address{Name: "Jane Doe", Street1: "77 Elm St", City: "Atlanta", State: "GA", PostalCode: "30301", Country: "US"}
)

// rateReq is 2¼ lb in a 12×10×8 in box: 960 in³ / 139 → 7 lb dimensional.
func rateReq() rateshop.RateRequest {
	return rateshop.RateRequest{From: dayton, To: atlanta, WeightOz: 36, LengthIn: 12, WidthIn: 10, HeightIn: 8,
		ShipDate: rateshop.NewDate(2026, 3, 2)}
}

func labelReq(format string) carrier.LabelRequest {
	return carrier.LabelRequest{From: dayton, To: atlanta, Parcel: carrier.Parcel{WeightOz: 36, LengthIn: 12, WidthIn: 10, HeightIn: 8},
		Service: "FEDEX_GROUND", ShipDate: rateshop.NewDate(2026, 3, 2), Format: format, Reference: "SO-1042"}
}

func byService(qs []rateshop.Quote) map[string]rateshop.Quote {
	m := map[string]rateshop.Quote{}
	for _, q := range qs {
		m[q.Service] = q
	}
	return m
}

func dateStr(d *rateshop.Date) string {
	if d == nil {
		return "none"
	}
	return d.String()
}

func daysOf(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}
