package ebay_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestFetchOrdersFollowsPagesAndMapsEveryField(t *testing.T) {
	e := newEnv(t, simebay.Options{PageSizeCap: 2}, nil)
	ctx := context.Background()
	e.sim.AddListing("TENT-2P-GRN", 10)
	since := start.Add(-time.Hour)

	shipBy := start.Add(50 * time.Hour).Truncate(time.Second)
	multi := e.place(simebay.OrderSpec{
		BuyerUsername: "trailmix_kat", BuyerName: "Kat Moss", BuyerEmail: "kat.moss@example.com",
		ShipTo: boulder(), ShippingServiceCode: "USPSPriority", DeliveryCost: "6.95",
		Notes: "Gift - please do not include a packing slip with prices.", ShipBy: shipBy,
		Lines: []simebay.LineSpec{
			{SKU: "TENT-2P-GRN", Title: "Acme Trailhead 2-Person Tent", Quantity: 1, UnitPrice: "44.99"},
			{SKU: "STAKE-AL-8", Title: "Aluminium stakes (8)", Quantity: 3, UnitPrice: "5.99"},
			{SKU: "Mixed-Case-sku", Quantity: 2, UnitPrice: "0.10"},
		},
	})
	e.clock.Advance(time.Minute)
	// A listing created without SKUs: the line has only legacy ids, and the
	// buyer gave no phone, company or email.
	noSKU := e.place(simebay.OrderSpec{
		ShipTo:              simebay.AddressSpec{Name: "Sam Doe", Line1: "1 Main St", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US"},
		ShippingServiceCode: "UPSGround",
		Lines:               []simebay.LineSpec{{LegacyItemID: "296114835720", LegacyVariationID: "605493027211", Title: "Old listing", Quantity: 2, UnitPrice: "9.99"}},
	})
	e.clock.Advance(time.Minute)
	unpaid := e.place(simebay.OrderSpec{ShipTo: boulder(), PaymentStatus: "PENDING",
		Lines: []simebay.LineSpec{{SKU: "TENT-2P-GRN", Quantity: 1, UnitPrice: "44.99"}}})
	e.clock.Advance(time.Minute)

	orders, until, err := e.c.FetchOrders(ctx, e.conn, since)
	if err != nil {
		t.Fatalf("FetchOrders: %v", err)
	}
	if !until.Equal(e.clock.Now()) {
		t.Errorf("until = %v, want the moment of the call %v", until, e.clock.Now())
	}
	if n := e.calls.count(ordersCall); n != 2 {
		t.Errorf("%d getOrders calls, want 2 (pages of 2 for 3 orders)", n)
	}
	if len(orders) != 3 {
		t.Fatalf("%d orders, want 3: %+v", len(orders), orders)
	}
	byID := map[string]channel.Order{}
	for _, o := range orders {
		byID[o.ExternalID] = o
	}

	o := byID[multi]
	wantAddr := api.Address{Name: "Katherine Moss", Line1: "1840 Pearl St", City: "Boulder", Region: "CO",
		PostalCode: "80302-5521", Country: "US", Phone: "3035550187", Email: "kat@example.com"}
	switch {
	case o.Status != channel.OrderReady, o.DisplayNumber != multi, o.Currency != "USD":
		t.Errorf("order header: %+v", o)
	case o.CustomerName != "Kat Moss" || o.CustomerEmail != "kat.moss@example.com":
		t.Errorf("customer %q <%s>", o.CustomerName, o.CustomerEmail)
	case o.ShipTo != wantAddr:
		t.Errorf("ship-to %+v, want %+v", o.ShipTo, wantAddr)
	case o.ServiceLevel != "USPSPriority":
		t.Errorf("service level %q", o.ServiceLevel)
	case o.ShipBy == nil || !o.ShipBy.Equal(shipBy):
		t.Errorf("ship by %v, want %v", o.ShipBy, shipBy)
	case !o.PlacedAt.Equal(start) || !o.ModifiedAt.Equal(start):
		t.Errorf("placed %v modified %v", o.PlacedAt, o.ModifiedAt)
	case o.Notes != "Gift - please do not include a packing slip with prices.":
		t.Errorf("notes %q", o.Notes)
	}
	wantLines := []struct {
		sku   string
		qty   int
		cents int64
	}{{"TENT-2P-GRN", 1, 4499}, {"STAKE-AL-8", 3, 599}, {"Mixed-Case-sku", 2, 10}}
	if len(o.Lines) != len(wantLines) {
		t.Fatalf("%d lines, want 3", len(o.Lines))
	}
	for i, w := range wantLines {
		l := o.Lines[i]
		if l.ChannelSKU != w.sku || l.Quantity != w.qty || l.UnitPriceCents != w.cents || l.ChannelLineID == "" || l.Cancelled {
			t.Errorf("line %d: %+v, want %+v", i, l, w)
		}
	}
	if o.Lines[0].Title != "Acme Trailhead 2-Person Tent" {
		t.Errorf("title %q", o.Lines[0].Title)
	}

	n := byID[noSKU]
	if len(n.Lines) != 1 || n.Lines[0].ChannelSKU != "legacy:296114835720:605493027211" || n.Lines[0].UnitPriceCents != 999 {
		t.Errorf("SKU-less line: %+v", n.Lines)
	}
	if n.ShipTo.Phone != "" || n.ShipTo.Email != "" || n.CustomerName != "Sam Doe" || n.ServiceLevel != "UPSGround" {
		t.Errorf("order without optional fields: %+v", n)
	}
	if byID[unpaid].Status != channel.OrderPending {
		t.Errorf("unpaid order is %q, want pending", byID[unpaid].Status)
	}

	// The next poll from the watermark sees only what changed since.
	e.clock.Advance(time.Minute)
	if err := e.sim.CancelOrder(unpaid); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	again, _, err := e.c.FetchOrders(ctx, e.conn, until)
	if err != nil || len(again) != 1 || again[0].ExternalID != unpaid || again[0].Status != channel.OrderCancelled {
		t.Fatalf("second poll: %+v, %v", again, err)
	}
}

func TestStatusesAndCancellationsNormalized(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	line := []simebay.LineSpec{{SKU: "A", Quantity: 2, UnitPrice: "10.00"}, {SKU: "B", Quantity: 1, UnitPrice: "3.50"}}
	place := func(pay string) string {
		return e.place(simebay.OrderSpec{ShipTo: boulder(), PaymentStatus: pay, Lines: line})
	}

	ready, pending, failed := place("PAID"), place("PENDING"), place("FAILED")
	cancelled, refunded, partial, shipped := place("PAID"), place("FULLY_REFUNDED"), place("PAID"), place("PAID")
	if err := e.sim.CancelOrder(cancelled); err != nil {
		t.Fatal(err)
	}
	fetch := func(id string) channel.Order {
		t.Helper()
		o, err := e.c.FetchOrder(ctx, e.conn, id)
		if err != nil {
			t.Fatalf("FetchOrder %s: %v", id, err)
		}
		return o
	}
	ship := func(id string, lines ...channel.ShippedLine) {
		t.Helper()
		if err := e.c.ConfirmShipment(ctx, e.conn, channel.Shipment{ExternalOrderID: id, Carrier: "usps",
			TrackingNumber: "9400" + strings.ReplaceAll(id, "-", "") + lines[0].ChannelLineID[10:], Lines: lines}); err != nil {
			t.Fatalf("ship %s: %v", id, err)
		}
	}
	p := fetch(partial)
	ship(partial, channel.ShippedLine{ChannelLineID: p.Lines[0].ChannelLineID, Quantity: 1})
	s := fetch(shipped)
	ship(shipped, channel.ShippedLine{ChannelLineID: s.Lines[0].ChannelLineID, Quantity: 2},
		channel.ShippedLine{ChannelLineID: s.Lines[1].ChannelLineID, Quantity: 1})

	for _, c := range []struct {
		id, want      string
		linesCanceled bool
	}{
		{ready, channel.OrderReady, false},
		{pending, channel.OrderPending, false},
		{failed, channel.OrderPending, false},
		{cancelled, channel.OrderCancelled, true},
		{refunded, channel.OrderCancelled, true},
		{partial, channel.OrderReady, false},
		{shipped, channel.OrderShipped, false},
	} {
		o := fetch(c.id)
		if o.Status != c.want {
			t.Errorf("order %s: status %q, want %q", c.id, o.Status, c.want)
		}
		for _, l := range o.Lines {
			if l.Cancelled != c.linesCanceled {
				t.Errorf("order %s line %s: cancelled %v", c.id, l.ChannelLineID, l.Cancelled)
			}
		}
	}
}

func TestExpiredTokenIsRefreshedOnceThenUnauthorized(t *testing.T) {
	ctx := context.Background()
	t.Run("refresh and retry", func(t *testing.T) {
		e := newEnv(t, simebay.Options{}, nil)
		e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
		if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := e.calls.count(tokenCall); n != 1 {
			t.Fatalf("%d token calls for two polls, want 1 (cached)", n)
		}
		// eBay no longer honours the cached token: one 401, one refresh.
		e.sim.ExpireTokens()
		got, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
		if err != nil || len(got) != 1 {
			t.Fatalf("after expiry: %d orders, %v", len(got), err)
		}
		if n := e.calls.count(tokenCall); n != 2 {
			t.Fatalf("%d token calls, want 2", n)
		}
		// Past the token's 7200 s the cache drops it and a new one is fetched
		// before any call fails.
		e.clock.Advance(2 * time.Hour)
		before := e.calls.count(ordersCall)
		if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if e.calls.count(tokenCall) != 3 || e.calls.count(ordersCall) != before+1 {
			t.Fatalf("token calls %d, order calls %d", e.calls.count(tokenCall), e.calls.count(ordersCall)-before)
		}
	})
	t.Run("short-lived tokens expire on the simulator", func(t *testing.T) {
		e := newEnv(t, simebay.Options{AccessTokenTTL: time.Minute}, nil)
		if err := e.c.Test(ctx, e.conn); err != nil {
			t.Fatal(err)
		}
		e.conn.Tokens = nil // no cache: every operation fetches its own token
		e.clock.Advance(2 * time.Minute)
		if err := e.c.Test(ctx, e.conn); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("still refused after refresh", func(t *testing.T) {
		// A proxy that spoils every bearer token: the refreshed one fails too.
		spoil := func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
					r.Header.Set("Authorization", "Bearer revoked")
				}
				h.ServeHTTP(w, r)
			})
		}
		e := newEnv(t, simebay.Options{}, spoil)
		_, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
		if !errors.Is(err, channel.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		if n := e.calls.count(tokenCall); n != 2 {
			t.Fatalf("%d token calls, want 2 (the first, one refresh)", n)
		}
		if n := e.calls.count(ordersCall); n != 2 {
			t.Fatalf("%d getOrders calls, want 2 (one retry)", n)
		}
	})
	t.Run("bad refresh token", func(t *testing.T) {
		e := newEnv(t, simebay.Options{}, nil)
		e.conn.Credentials = channel.Credentials{ebay.CredClientID: simebay.DefaultClientID,
			ebay.CredClientSecret: simebay.DefaultClientSecret, ebay.CredRefreshToken: "v^1.1#stale"}
		if err := e.c.Test(ctx, e.conn); !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("err = %v, want ErrUnauthorized naming invalid_grant", err)
		}
		e.conn.Credentials = channel.Credentials{ebay.CredClientID: simebay.DefaultClientID, ebay.CredClientSecret: "wrong",
			ebay.CredRefreshToken: simebay.DefaultRefreshToken}
		if err := e.c.Test(ctx, e.conn); !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("err = %v, want ErrUnauthorized naming invalid_client", err)
		}
		delete(e.conn.Credentials, ebay.CredRefreshToken)
		if err := e.c.Test(ctx, e.conn); !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "refresh_token") {
			t.Fatalf("err = %v, want ErrUnauthorized naming the missing field", err)
		}
	})
}

func TestThrottlingAndFailures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simebay.Options{Quotas: simebay.Quotas{Fulfillment: 3}}, nil)
	e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})

	e.sim.InjectFault(simebay.Fault429, 1)
	_, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	var th *channel.Throttled
	if !errors.As(err, &th) || !strings.Contains(th.Message, "2001") || !strings.Contains(th.Message, "Too many requests.") {
		t.Fatalf("injected 429: %v", err)
	}

	e.sim.InjectFault(simebay.Fault500, 1)
	_, _, err = e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	var rej *channel.Rejection
	if err == nil || errors.As(err, &rej) || errors.As(err, &th) || !strings.Contains(err.Error(), "30500") {
		t.Fatalf("injected 500: %v", err)
	}

	e.sim.InjectFault(simebay.FaultMalformed, 1)
	got, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err == nil || got != nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Fatalf("malformed answer: %v, %v", got, err)
	}

	// The daily quota of 3 calls: the faults above did not count.
	for i := range 3 {
		if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour)); err != nil {
			t.Fatalf("call %d within quota: %v", i+1, err)
		}
	}
	if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour)); !errors.As(err, &th) {
		t.Fatalf("over quota: %v, want *channel.Throttled", err)
	}
	if u := e.sim.Usage()["sell.fulfillment"]; u != 3 {
		t.Fatalf("usage %d, want 3", u)
	}
	// Quotas reset with the day.
	e.clock.Advance(24 * time.Hour)
	if _, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(time.Hour)); err != nil {
		t.Fatalf("next day: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := e.c.FetchOrders(cctx, e.conn, start); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// serveOrders answers the token endpoint through the simulator and getOrders
// with a fixed body, to feed the connector what the simulator never sends.
func serveOrders(body string) func(http.Handler) http.Handler {
	return func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/sell/fulfillment/v1/order" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
				return
			}
			sim.ServeHTTP(w, r)
		})
	}
}

func TestMalformedOrdersAreErrorsNamingTheField(t *testing.T) {
	line := `{"lineItemId":"100","sku":"A","title":"t","quantity":%s,"lineItemCost":{"value":"%s","currency":"USD"}}`
	order := func(lines string) string {
		return `{"total":1,"offset":0,"limit":200,"orders":[{"orderId":"12-00001-00001","creationDate":"2026-03-14T10:00:00.000Z",` +
			`"lastModifiedDate":"2026-03-14T10:00:00.000Z","orderFulfillmentStatus":"NOT_STARTED","orderPaymentStatus":"PAID",` +
			`"cancelStatus":{"cancelState":"NONE_REQUESTED"},"lineItems":[` + lines + `]}]}`
	}
	sprintf := func(q, v string) string { return strings.Replace(strings.Replace(line, "%s", q, 1), "%s", v, 1) }
	for _, c := range []struct{ name, body, want string }{
		{"fractional cents", order(sprintf("1", "12.345")), `lineItemCost.value "12.345"`},
		{"uneven unit price", order(sprintf("3", "10.00")), "not a whole number of cents per unit"},
		{"quantity as string", order(sprintf(`"2"`, "10.00")), "malformed JSON"},
		{"no quantity", order(`{"lineItemId":"100","sku":"A","lineItemCost":{"value":"1.00","currency":"USD"}}`), "quantity is missing"},
		{"no sku nor legacy id", order(`{"lineItemId":"100","quantity":1,"lineItemCost":{"value":"1.00","currency":"USD"}}`), "neither sku nor legacyItemId"},
		{"no lines", order(``), "lineItems is empty"},
		{"unknown status", strings.Replace(order(sprintf("1", "1.00")), "NOT_STARTED", "SHIPPED_MAYBE", 1), `orderFulfillmentStatus "SHIPPED_MAYBE"`},
		{"bad date", strings.Replace(order(sprintf("1", "1.00")), "2026-03-14T10:00:00.000Z", "14/03/2026", 1), `creationDate "14/03/2026"`},
		{"truncated", `{"total":1,"orders":[{"orderId":"12-`, "malformed JSON"},
		{"next elsewhere", `{"total":2,"offset":0,"next":"https://evil.example/sell/fulfillment/v1/order?offset=1","orders":[]}`, "points away"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, simebay.Options{}, serveOrders(c.body))
			got, _, err := e.c.FetchOrders(context.Background(), e.conn, start.Add(-time.Hour))
			if err == nil || got != nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error containing %q", got, err, c.want)
			}
		})
	}
	t.Run("aged order without PII parses", func(t *testing.T) {
		e := newEnv(t, simebay.Options{}, nil)
		id := e.place(simebay.OrderSpec{ShipTo: boulder(), BuyerEmail: "x@example.com", PlacedAt: start.AddDate(0, 0, -100),
			Lines: []simebay.LineSpec{{LegacyItemID: "296114835720", Quantity: 1, UnitPrice: "5.00"}}})
		o, err := e.c.FetchOrder(context.Background(), e.conn, id)
		if err != nil {
			t.Fatal(err)
		}
		if o.ShipTo.Name != "" || o.ShipTo.Line1 != "" || o.ShipTo.Phone != "" || o.CustomerEmail != "" ||
			o.ShipTo.City != "Boulder" || o.Lines[0].ChannelSKU != "legacy:296114835720" || o.CustomerName == "" {
			t.Fatalf("aged order: %+v", o)
		}
	})
}

func TestFetchOrderUnknownIsARejection(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	_, err := e.c.FetchOrder(context.Background(), e.conn, "99-99999-99999")
	var rej *channel.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusNotFound || rej.Code != "32100" || rej.Message != "Invalid order ID: 99-99999-99999" {
		t.Fatalf("err = %v (%+v)", err, rej)
	}
}

func TestOrdersSeenTwiceWhileThePagesShiftAreKeptOnce(t *testing.T) {
	// Newest first: an order placed between two page reads pushes the last
	// order of page one onto page two.
	var e *env
	var once sync.Once
	shift := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if r.URL.Path == "/sell/fulfillment/v1/order" {
				once.Do(func() {
					e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "NEW", Quantity: 1, UnitPrice: "1.00"}}})
				})
			}
		})
	}
	e = newEnv(t, simebay.Options{PageSizeCap: 2}, shift)
	for range 3 {
		e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
		e.clock.Advance(time.Second)
	}
	got, _, err := e.c.FetchOrders(context.Background(), e.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range got {
		if seen[o.ExternalID] {
			t.Fatalf("order %s returned twice", o.ExternalID)
		}
		seen[o.ExternalID] = true
	}
	if len(got) != 3 || e.calls.count(ordersCall) != 2 {
		t.Fatalf("%d orders in %d calls, want the 3 first orders once in 2 calls", len(got), e.calls.count(ordersCall))
	}
}
