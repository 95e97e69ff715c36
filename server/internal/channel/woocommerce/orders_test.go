package woocommerce_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestFetchOrdersWithSeveralLinesAcrossPages(t *testing.T) {
	f := newFixture(t, wcsim.Options{PerPage: 2}, woocommerce.WithPageSize(2))
	ctx := context.Background()
	f.product(wcsim.ProductInput{Name: "Trailhead 2-Person Tent", SKU: "SKU-4412", Price: "44.99", StockQuantity: 20})
	f.product(wcsim.ProductInput{Name: "Camp Stove", SKU: "SKU-7801", Price: "19.99", StockQuantity: 20})
	f.product(wcsim.ProductInput{Name: "Rain Jacket", Price: "60.00", Variations: []wcsim.VariationInput{
		{SKU: "JKT-GRN-M", StockQuantity: 4, Attributes: map[string]string{"Color": "Green"}}}})
	ship := elena()
	ship.Address2, ship.Phone = "Side entrance", ""
	seed := f.place(wcsim.OrderInput{Billing: elena(), Shipping: &ship,
		Lines: []wcsim.LineInput{
			{SKU: "SKU-4412", Quantity: 2, UnitPrice: "44.99"},
			{SKU: "SKU-7801", Quantity: 1, UnitPrice: "19.99"},
			{SKU: "JKT-GRN-M", Quantity: 3, UnitPrice: "14.99", Total: "39.97"}, // discounted: 13.3233… each
		},
		ShippingMethod: "flat_rate", ShippingTotal: "7.50", CustomerNote: "Please leave the package at the side door."})
	for i := 0; i < 4; i++ {
		f.clock.Advance(time.Minute)
		f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-7801", Quantity: 1, UnitPrice: "19.99"}},
			ShippingMethod: "free_shipping"})
	}
	f.clock.Advance(time.Minute)

	orders, until, err := f.k.FetchOrders(ctx, f.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 5 {
		t.Fatalf("%d orders, want 5", len(orders))
	}
	if !until.Equal(f.clock.Now()) {
		t.Fatalf("until %v, want the moment of the call %v", until, f.clock.Now())
	}
	pages := f.requests("/wc/v3/orders")
	if len(pages) != 3 || !strings.Contains(pages[2].Query, "page=3") {
		t.Fatalf("want 3 page requests ending with page=3, got %+v", pages)
	}
	for _, q := range []string{"dates_are_gmt=true", "modified_after=2026-03-14T13%3A12%3A43", "orderby=id", "order=asc"} {
		if !strings.Contains(pages[0].Query, q) {
			t.Fatalf("query %q lacks %s", pages[0].Query, q)
		}
	}

	o := orders[0]
	if o.ExternalID != itoa(seed) || o.DisplayNumber != itoa(seed) || o.Status != channel.OrderReady || o.Currency != "USD" {
		t.Fatalf("order head: %+v", o)
	}
	if o.CustomerName != "Elena Novak" || o.CustomerEmail != "elena.novak@example.net" ||
		o.Notes != "Please leave the package at the side door." || o.ServiceLevel != "flat_rate" {
		t.Fatalf("order details: %+v", o)
	}
	want := api.Address{Name: "Elena Novak", Line1: "77 Harbor View Rd", Line2: "Side entrance", City: "Portland",
		Region: "ME", PostalCode: "04101", Country: "US", Phone: "207-555-0176", Email: "elena.novak@example.net"}
	if o.ShipTo != want {
		t.Fatalf("ship to %+v, want %+v", o.ShipTo, want)
	}
	if !o.PlacedAt.Equal(start) || !o.ModifiedAt.Equal(start) || o.PlacedAt.Location() != time.UTC {
		t.Fatalf("placed %v modified %v, want %v UTC", o.PlacedAt, o.ModifiedAt, start)
	}
	if len(o.Lines) != 3 {
		t.Fatalf("%d lines", len(o.Lines))
	}
	lines := []struct {
		sku, title string
		qty        int
		cents      int64
	}{{"SKU-4412", "Trailhead 2-Person Tent", 2, 4499}, {"SKU-7801", "Camp Stove", 1, 1999}, {"JKT-GRN-M", "Rain Jacket - Green", 3, 1332}}
	for i, w := range lines {
		l := o.Lines[i]
		if l.ChannelSKU != w.sku || l.Title != w.title || l.Quantity != w.qty || l.UnitPriceCents != w.cents ||
			l.ChannelLineID == "" || l.Cancelled {
			t.Fatalf("line %d: %+v, want %+v", i, l, w)
		}
	}
	if orders[4].ServiceLevel != "free_shipping" {
		t.Fatalf("last order: %+v", orders[4])
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestMissingOptionalFieldsDoNotBreakParsing(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	plain := f.product(wcsim.ProductInput{Name: "Gift card", Price: "25.00", Unmanaged: true})
	varied := f.product(wcsim.ProductInput{Name: "Socks", Price: "9.00", Variations: []wcsim.VariationInput{
		{StockQuantity: 3, Attributes: map[string]string{"Size": "L"}}}})
	bill := wcsim.Address{FirstName: "Sam", Address1: "1 Main St", City: "Austin", State: "TX", Postcode: "73301", Country: "US"}
	id := f.place(wcsim.OrderInput{Billing: bill, Lines: []wcsim.LineInput{
		{ProductID: plain.ID, Quantity: 1, UnitPrice: "25.00"},
		{ProductID: varied.ID, VariationID: varied.VariationIDs[0], Quantity: 2, UnitPrice: "9.00"},
		{SKU: "GONE-1", Name: "A product since deleted", Quantity: 1, UnitPrice: "5.00"},
	}})
	o, err := f.k.FetchOrder(context.Background(), f.conn, itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	if o.ServiceLevel != "" || o.Notes != "" || o.CustomerName != "Sam" || o.CustomerEmail != "" {
		t.Fatalf("blank optionals: %+v", o)
	}
	if o.ShipTo.Line1 != "1 Main St" || o.ShipTo.Name != "Sam" {
		t.Fatalf("a blank shipping address must fall back to billing: %+v", o.ShipTo)
	}
	skus := []string{"wc:" + itoa(plain.ID), "wc:" + itoa(varied.ID) + ":" + itoa(varied.VariationIDs[0]), "GONE-1"}
	for i, want := range skus {
		if o.Lines[i].ChannelSKU != want {
			t.Fatalf("line %d SKU %q, want %q", i, o.Lines[i].ChannelSKU, want)
		}
	}
}

func TestGMTNotLocalDates(t *testing.T) {
	// A store five hours behind UTC: the plain date fields are five hours
	// off, and a filter without dates_are_gmt would be read in that zone.
	f := newFixture(t, wcsim.Options{Timezone: time.FixedZone("COT", -5*3600)})
	ctx := context.Background()
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	early := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})
	f.clock.Advance(2 * time.Hour)
	late := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})
	f.clock.Advance(time.Minute)

	orders, _, err := f.k.FetchOrders(ctx, f.conn, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].ExternalID != itoa(late) {
		t.Fatalf("orders modified after %v: %+v (early is %d, late %d)", start.Add(time.Hour), orders, early, late)
	}
	if want := start.Add(2 * time.Hour); !orders[0].ModifiedAt.Equal(want) || !orders[0].PlacedAt.Equal(want) {
		t.Fatalf("modified %v placed %v, want %v", orders[0].ModifiedAt, orders[0].PlacedAt, want)
	}
	// The boundary is inclusive: an order modified at exactly since is seen.
	orders, _, err = f.k.FetchOrders(ctx, f.conn, start.Add(2*time.Hour))
	if err != nil || len(orders) != 1 {
		t.Fatalf("at the boundary: %d orders, %v", len(orders), err)
	}
}

func TestWrongKeysAreUnauthorized(t *testing.T) {
	ctx := context.Background()
	for _, tls := range []bool{false, true} {
		f := startFixture(t, tls, wcsim.Options{})
		bad := f.conn
		bad.Credentials = channel.Credentials{woocommerce.CredConsumerKey: f.conn.Credentials[woocommerce.CredConsumerKey],
			woocommerce.CredConsumerSecret: "cs_wrong"}
		if _, _, err := f.k.FetchOrders(ctx, bad, time.Time{}); !errors.Is(err, channel.ErrUnauthorized) {
			t.Fatalf("tls=%v wrong secret: %v", tls, err)
		}
		bad.Credentials = channel.Credentials{woocommerce.CredConsumerKey: "ck_unknown", woocommerce.CredConsumerSecret: "cs_x"}
		err := f.k.Test(ctx, bad)
		if !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "Consumer key is invalid.") {
			t.Fatalf("tls=%v unknown key: %v", tls, err)
		}
		if err := f.k.Test(ctx, f.conn); err != nil {
			t.Fatalf("tls=%v good keys: %v", tls, err)
		}
		reqs := f.store.Requests()
		want := "oauth"
		if tls {
			want = "basic"
		}
		if got := reqs[len(reqs)-1].Auth; got != want {
			t.Fatalf("tls=%v authenticated with %s, want %s", tls, got, want)
		}
	}
}

func TestQueryKeysOverHTTPS(t *testing.T) {
	f := newTLSFixture(t, wcsim.Options{})
	f.conn.Credentials[woocommerce.CredHTTPSAuth] = "query"
	if err := f.k.Test(context.Background(), f.conn); err != nil {
		t.Fatal(err)
	}
	if reqs := f.store.Requests(); reqs[0].Auth != "query" {
		t.Fatalf("authenticated with %s", reqs[0].Auth)
	}
}

// recorder keeps the last request URL a client sent.
type recorder struct {
	next http.RoundTripper
	last atomic.Value
	hook func(n int64)
	n    atomic.Int64
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.last.Store(req.URL.String())
	if r.hook != nil {
		r.hook(r.n.Add(1))
	}
	return r.next.RoundTrip(req)
}

func TestOAuthNonceAndTimestampAreChecked(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	rec := &recorder{next: http.DefaultTransport}
	f.conn.HTTP = &http.Client{Transport: rec, Timeout: 5 * time.Second}
	if err := f.k.Test(ctx, f.conn); err != nil {
		t.Fatal(err)
	}
	// Replaying a signed request reuses its nonce.
	resp, err := http.Get(rec.last.Load().(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed request answered %d", resp.StatusCode)
	}
	// A connector clock 20 minutes off is outside the 15-minute window.
	skewed := woocommerce.New(woocommerce.WithClock(func() time.Time { return f.clock.Now().Add(-20 * time.Minute) }))
	err = skewed.Test(ctx, f.conn)
	if !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "Invalid timestamp.") {
		t.Fatalf("skewed clock: %v", err)
	}
}

func TestThrottledWithRetryAfter(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	if err := f.store.FailNext(wcsim.FaultThrottle, 1, 7*time.Second); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.k.FetchOrders(ctx, f.conn, time.Time{})
	var th *channel.Throttled
	if !errors.As(err, &th) || th.RetryAfter != 7*time.Second {
		t.Fatalf("want Throttled with 7s, got %v", err)
	}
	if _, _, err := f.k.FetchOrders(ctx, f.conn, time.Time{}); err != nil {
		t.Fatalf("after the throttle: %v", err)
	}
}

func TestMalformedAnswersAreClearErrors(t *testing.T) {
	f := newFixture(t, wcsim.Options{}, woocommerce.WithPageSize(1))
	ctx := context.Background()
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	var ids []string
	for i := 0; i < 2; i++ {
		ids = append(ids, itoa(f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})))
	}
	// The second page arrives cut in half: nothing of the sweep is returned.
	rec := &recorder{next: f.conn.HTTP.Transport}
	rec.hook = func(n int64) {
		if n == 2 {
			_ = f.store.FailNext(wcsim.FaultMalformed, 1, 0)
		}
	}
	conn := f.conn
	conn.HTTP = &http.Client{Transport: rec, Timeout: 5 * time.Second}
	orders, until, err := f.k.FetchOrders(ctx, conn, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "malformed") || !strings.Contains(err.Error(), "page 2") || orders != nil || !until.IsZero() {
		t.Fatalf("orders %v until %v err %v", orders, until, err)
	}
	_ = f.store.FailNext(wcsim.FaultServerError, 1, 0)
	if _, err := f.k.FetchOrder(ctx, f.conn, ids[0]); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("500: %v", err)
	}
	_ = f.store.FailNext(wcsim.FaultMalformed, 1, 0)
	if _, err := f.k.FetchOrder(ctx, f.conn, ids[1]); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("malformed single order: %v", err)
	}
}

func TestMalformedOrderFieldsNameTheOrder(t *testing.T) {
	bodies := map[string]string{
		"line_items[0]": `[{"id":77,"status":"processing","date_created_gmt":"2026-03-14T14:12:44","line_items":[{"id":1,"quantity":1,"total":"12.3x","sku":""}]}]`,
		"quantity":      `[{"id":78,"status":"processing","date_created_gmt":"2026-03-14T14:12:44","line_items":[{"id":1,"quantity":"two","total":"1.00"}]}]`,
		"date_created":  `[{"id":79,"status":"processing","date_created_gmt":null,"line_items":[]}]`,
		"status":        `[{"id":80,"status":"","date_created_gmt":"2026-03-14T14:12:44","line_items":[]}]`,
	}
	for want, body := range bodies {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-WP-TotalPages", "1")
			_, _ = w.Write([]byte(body))
		}))
		k := woocommerce.New()
		conn := channel.Conn{BaseURL: srv.URL, HTTP: srv.Client(),
			Credentials: channel.Credentials{woocommerce.CredConsumerKey: "ck", woocommerce.CredConsumerSecret: "cs"}}
		orders, _, err := k.FetchOrders(context.Background(), conn, time.Time{})
		srv.Close()
		if err == nil || orders != nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "malformed order") {
			t.Fatalf("%s: orders %v, err %v", want, orders, err)
		}
	}
}

func TestStatusesAndCancellationsNormalized(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	line := []wcsim.LineInput{{SKU: "SKU-1", Quantity: 2, UnitPrice: "1.00"}}
	byStatus := map[string]string{
		"pending": channel.OrderPending, "on-hold": channel.OrderPending, "processing": channel.OrderReady,
		"completed": channel.OrderShipped, "cancelled": channel.OrderCancelled, "failed": channel.OrderCancelled,
		"refunded": channel.OrderCancelled, "trash": channel.OrderCancelled,
	}
	ids := map[string]int64{}
	for status := range byStatus {
		id := f.place(wcsim.OrderInput{Billing: elena(), Lines: line})
		ids[status] = id
		if err := f.store.SetOrderStatus(id, status); err != nil {
			t.Fatal(err)
		}
	}
	for status, want := range byStatus {
		o, err := f.k.FetchOrder(ctx, f.conn, itoa(ids[status]))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != want || o.Lines[0].Cancelled != (want == channel.OrderCancelled) {
			t.Fatalf("%s → %s (lines cancelled %v), want %s", status, o.Status, o.Lines[0].Cancelled, want)
		}
	}
	// A buyer's cancellation is seen on the next poll and gives the stock back.
	id := f.place(wcsim.OrderInput{Billing: elena(), Lines: line})
	before, _ := f.store.Quantity("SKU-1")
	f.clock.Advance(time.Minute)
	if err := f.store.CancelOrder(itoa(id)); err != nil {
		t.Fatal(err)
	}
	orders, _, err := f.k.FetchOrders(ctx, f.conn, f.clock.Now())
	if err != nil || len(orders) != 1 || orders[0].ExternalID != itoa(id) || orders[0].Status != channel.OrderCancelled {
		t.Fatalf("after cancelling: %+v %v", orders, err)
	}
	if after, _ := f.store.Quantity("SKU-1"); after != before+2 {
		t.Fatalf("stock %d after cancelling, want %d", after, before+2)
	}
}

func TestFetchOrderRejectionVerbatimAndContext(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	_, err := f.k.FetchOrder(context.Background(), f.conn, "999999")
	var rej *channel.Rejection
	if !errors.As(err, &rej) || rej.Status != 404 || rej.Code != "woocommerce_rest_shop_order_invalid_id" || rej.Message != "Invalid ID." {
		t.Fatalf("want the store's rejection, got %v", err)
	}
	if _, err := f.k.FetchOrder(context.Background(), f.conn, "abc"); err == nil {
		t.Fatal("a non-numeric order id was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := f.k.FetchOrders(ctx, f.conn, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestConnectorBasics(t *testing.T) {
	k := woocommerce.New(woocommerce.WithPollInterval(2 * time.Minute))
	if k.MaxBatch() != 100 || k.PollInterval() != 2*time.Minute || woocommerce.New().PollInterval() != time.Minute {
		t.Fatalf("max batch %d, poll %v", k.MaxBatch(), k.PollInterval())
	}
	if err := k.Acknowledge(context.Background(), channel.Conn{}, channel.Order{}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, wcsim.Options{})
	noURL := f.conn
	noURL.BaseURL = ""
	if err := k.Test(context.Background(), noURL); err == nil {
		t.Fatal("an account without a store URL passed the test")
	}
	bare := f.conn
	bare.BaseURL = f.srv.URL // the store URL alone: /wp-json/wc/v3 is added
	if err := f.k.Test(context.Background(), bare); err != nil {
		t.Fatal(err)
	}
}
