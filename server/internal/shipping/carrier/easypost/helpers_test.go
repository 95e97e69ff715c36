package easypost_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	epsim "github.com/manifold-oms/manifold/server/sim/easypost"
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

type fixture struct {
	t    *testing.T
	sim  *epsim.Server
	clk  *clock
	a    *easypost.Adapter
	conn carrier.Conn
}

func newFixture(t *testing.T, opts epsim.Options) *fixture {
	t.Helper()
	clk := &clock{t: start}
	opts.Clock = clk.now
	sim := epsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	a := easypost.New(easypost.WithClock(clk.now), easypost.WithPollInterval(10*time.Millisecond))
	conn := carrier.Conn{AccountID: "acct-1", BaseURL: srv.URL, Credentials: sim.Credentials(),
		HTTP: &http.Client{Timeout: 10 * time.Second}}
	return &fixture{t: t, sim: sim, clk: clk, a: a, conn: conn}
}

var (
	from = rateshop.Address{Name: "Acme Fixtures", Street1: "500 Howard St", City: "San Francisco", State: "CA",
		PostalCode: "94107", Country: "US"}
	to = rateshop.Address{Name: "Dana Whitfield", Street1: "350 5th Ave", Street2: "Fl 21", City: "New York", State: "NY",
		PostalCode: "10118", Country: "US", Residential: true}
)

func rateRequest() rateshop.RateRequest {
	return rateshop.RateRequest{From: from, To: to, WeightOz: 32, LengthIn: 10, WidthIn: 8, HeightIn: 4,
		ShipDate: rateshop.DateOf(start)}
}

func labelRequest(q rateshop.Quote, format string) carrier.LabelRequest {
	return carrier.LabelRequest{From: from, To: to, Parcel: carrier.Parcel{WeightOz: 32, LengthIn: 10, WidthIn: 8, HeightIn: 4},
		Carrier: q.Carrier, Service: q.Service, RateID: q.RateID, ShipDate: rateshop.DateOf(start), Format: format,
		Reference: "SO-2002"}
}

func find(t *testing.T, qs []rateshop.Quote, carrierName, service string) rateshop.Quote {
	t.Helper()
	for _, q := range qs {
		if q.Carrier == carrierName && q.Service == service {
			return q
		}
	}
	t.Fatalf("no %s %s quote in %+v", carrierName, service, qs)
	return rateshop.Quote{}
}

func intp(n int) *int { return &n }
