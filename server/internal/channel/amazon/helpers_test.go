package amazon_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
)

// clock is a settable test clock shared by the simulator and the connector.
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

// tokenCache is a channel.TokenCache on the test clock.
type tokenCache struct {
	clk *clock
	mu  sync.Mutex
	m   map[string]cached
}

type cached struct {
	token   string
	expires time.Time
}

func (c *tokenCache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok || !c.clk.Now().Before(t.expires) {
		return "", false
	}
	return t.token, true
}

func (c *tokenCache) Put(key, token string, expires time.Time) {
	c.mu.Lock()
	c.m[key] = cached{token, expires}
	c.mu.Unlock()
}

type env struct {
	clk  *clock
	sim  *simamazon.Server
	srv  *httptest.Server
	conn channel.Conn
	amz  *amazon.Connector
}

var start = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, opts simamazon.Options, copts ...amazon.Option) *env {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.Now
	s := simamazon.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	conn := channel.Conn{
		Account:     channel.Account{TenantID: uuid.New(), ID: uuid.New(), Kind: "amazon", Name: "US store"},
		BaseURL:     srv.URL,
		Credentials: channel.Credentials(s.Credentials()),
		HTTP:        &http.Client{Timeout: 5 * time.Second},
		Tokens:      &tokenCache{clk: clk, m: map[string]cached{}},
	}
	amz := amazon.New(append([]amazon.Option{amazon.WithClock(clk.Now)}, copts...)...)
	return &env{clk: clk, sim: s, srv: srv, conn: conn, amz: amz}
}

func dana(placed time.Time) sim.Order {
	return sim.Order{
		BuyerName:  "Dana Whitfield",
		BuyerEmail: "8qz7v2x1mdk4n0t@marketplace.amazon.com",
		Address: sim.Address{Name: "Dana Whitfield", Line1: "218 Maple Grove Ln", Line2: "Apt 4", City: "COLUMBUS",
			Region: "OH", PostalCode: "43215-3701", Country: "US", Phone: "+1 614-555-0143"},
		Lines: []sim.Line{
			{SKU: "SKU-4412", Title: "Steel bracket, 4 in", Quantity: 2, UnitPrice: "12.99"},
			{SKU: "SKU-7801", Title: "Hinge kit", Quantity: 1, UnitPrice: "38.48"},
			{SKU: "SKU-9000", Title: "Screws (3 packs)", Quantity: 3, UnitPrice: "3.33"},
		},
		ServiceLevel: "SecondDay",
		PlacedAt:     placed,
	}
}
