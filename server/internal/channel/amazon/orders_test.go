package amazon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestFetchOrdersNormalizesEveryField(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	placed := start.Add(-30 * time.Minute)
	id := e.sim.CreateOrder(dana(placed))

	orders, until, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantUntil := start.Add(-2*time.Minute - 10*time.Second)
	if !until.Equal(wantUntil) {
		t.Errorf("watermark %v, want the echoed LastUpdatedBefore %v", until, wantUntil)
	}
	if len(orders) != 1 {
		t.Fatalf("got %d orders, want 1", len(orders))
	}
	o := orders[0]
	if o.ExternalID != id || o.DisplayNumber != id || o.Status != channel.OrderReady {
		t.Errorf("order %q/%q status %q", o.ExternalID, o.DisplayNumber, o.Status)
	}
	wantAddr := api.Address{Name: "Dana Whitfield", Line1: "218 Maple Grove Ln", Line2: "Apt 4", City: "COLUMBUS",
		Region: "OH", PostalCode: "43215-3701", Country: "US", Phone: "+1 614-555-0143",
		Email: "8qz7v2x1mdk4n0t@marketplace.amazon.com"}
	if o.ShipTo != wantAddr {
		t.Errorf("ship to %+v, want %+v", o.ShipTo, wantAddr)
	}
	if o.CustomerName != "Dana Whitfield" || o.CustomerEmail != "8qz7v2x1mdk4n0t@marketplace.amazon.com" {
		t.Errorf("customer %q <%s>", o.CustomerName, o.CustomerEmail)
	}
	if o.ServiceLevel != "SecondDay" || o.Currency != "USD" {
		t.Errorf("service level %q currency %q", o.ServiceLevel, o.Currency)
	}
	// SecondDay ships by the end of the next Pacific day: 2026-03-17T06:59:59Z.
	if o.ShipBy == nil || !o.ShipBy.Equal(time.Date(2026, 3, 17, 6, 59, 59, 0, time.UTC)) {
		t.Errorf("ship by %v", o.ShipBy)
	}
	if !o.PlacedAt.Equal(placed) || o.PlacedAt.Location() != time.UTC {
		t.Errorf("placed at %v, want %v UTC", o.PlacedAt, placed)
	}
	want := []struct {
		sku   string
		qty   int
		cents int64
	}{{"SKU-4412", 2, 1299}, {"SKU-7801", 1, 3848}, {"SKU-9000", 3, 333}}
	if len(o.Lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(o.Lines), len(want))
	}
	for i, w := range want {
		l := o.Lines[i]
		if l.ChannelSKU != w.sku || l.Quantity != w.qty || l.UnitPriceCents != w.cents || l.Cancelled {
			t.Errorf("line %d: %+v, want %s × %d at %d¢", i, l, w.sku, w.qty, w.cents)
		}
		if len(l.ChannelLineID) != 14 || strings.Trim(l.ChannelLineID, "0123456789") != "" {
			t.Errorf("line %d: OrderItemId %q is not a 14-digit string", i, l.ChannelLineID)
		}
	}
	if n := e.sim.Calls(simamazon.OpCreateRDT); n != 1 {
		t.Errorf("%d restricted data tokens for one sweep, want 1", n)
	}
}

func TestFetchOrdersFollowsEveryPage(t *testing.T) {
	e := newEnv(t, simamazon.Options{PageSize: 2, ItemsPageSize: 2})
	ctx := context.Background()
	ids := map[string]bool{}
	for i := range 5 {
		ids[e.sim.CreateOrder(dana(start.Add(-time.Duration(50-i)*time.Minute)))] = true
	}
	orders, _, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 5 {
		t.Fatalf("got %d orders over pages of 2, want 5", len(orders))
	}
	for _, o := range orders {
		if !ids[o.ExternalID] || len(o.Lines) != 3 || o.ShipTo.Line1 == "" {
			t.Errorf("order %s: %d lines, address %q", o.ExternalID, len(o.Lines), o.ShipTo.Line1)
		}
		delete(ids, o.ExternalID)
	}
	if got := e.sim.Calls(simamazon.OpGetOrders); got != 3 {
		t.Errorf("%d getOrders calls, want 3 pages", got)
	}
	if got := e.sim.Calls(simamazon.OpGetOrderItems); got != 10 {
		t.Errorf("%d getOrderItems calls, want 2 pages for each of 5 orders", got)
	}
}

func TestMissingOptionalFieldsParse(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	bare := sim.Order{
		Address: sim.Address{City: "TOLEDO", Region: "OH", PostalCode: "43604", Country: "US"},
		Lines:   []sim.Line{{SKU: "SKU-1", Quantity: 1}},
		// no buyer, no service level, no prices, no ship dates
		PlacedAt: start.Add(-20 * time.Minute),
	}
	id := e.sim.CreateOrder(bare)
	id2 := e.sim.CreateOrder(dana(start.Add(-19 * time.Minute)))
	for _, f := range []string{"ShipmentServiceLevelCategory", "OrderTotal", "SalesChannel", "LatestShipDate",
		"EarliestShipDate", "NumberOfItemsShipped", "IsPrime", "BuyerInfo"} {
		if err := e.sim.PatchOrderJSON(id2, f, nil); err != nil {
			t.Fatal(err)
		}
	}
	orders, _, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 2 {
		t.Fatalf("got %d orders, want 2", len(orders))
	}
	o := orders[0]
	if o.ExternalID != id || o.ServiceLevel != "" || o.ShipBy != nil || o.Currency != "" || o.CustomerName != "" {
		t.Errorf("bare order: %+v", o)
	}
	if len(o.Lines) != 1 || o.Lines[0].UnitPriceCents != 0 || o.Lines[0].Title != "" {
		t.Errorf("bare lines: %+v", o.Lines)
	}
	o2 := orders[1]
	if o2.ServiceLevel != "Second US D2D Dom" {
		t.Errorf("without a category the service level falls back to ShipServiceLevel; got %q", o2.ServiceLevel)
	}
	if o2.Currency != "USD" || o2.CustomerName != "Dana Whitfield" || o2.CustomerEmail != "" {
		t.Errorf("currency from items %q, name from the address %q, email %q", o2.Currency, o2.CustomerName, o2.CustomerEmail)
	}
}

func TestMalformedAnswersAreClearErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("truncated JSON", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		e.sim.CreateOrder(dana(start.Add(-time.Minute * 30)))
		if err := e.sim.InjectFault(simamazon.FaultMalformed, 1); err != nil {
			t.Fatal(err)
		}
		// The first API request of a sweep is createRestrictedDataToken.
		_, _, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
		if err == nil || !strings.Contains(err.Error(), "createRestrictedDataToken: malformed answer") {
			t.Fatalf("err = %v", err)
		}
		if err := e.sim.InjectFault(simamazon.FaultMalformed, 1); err != nil {
			t.Fatal(err)
		}
		if err := e.amz.Test(ctx, e.conn); err == nil || !strings.Contains(err.Error(), "getOrders: malformed answer") {
			t.Fatalf("err = %v", err)
		}
	})
	cases := []struct {
		field string
		raw   string
		want  string
	}{
		{"OrderTotal", `{"CurrencyCode":"USD","Amount":"12,34"}`, "malformed OrderTotal.Amount"},
		{"OrderTotal", `{"CurrencyCode":"USD","Amount":12.34}`, "OrderTotal.Amount"},
		{"PurchaseDate", `"03/14/2026"`, "malformed PurchaseDate"},
		{"PurchaseDate", ``, "malformed PurchaseDate"},
		{"OrderStatus", `"Lost"`, `unknown status "Lost"`},
		{"LatestShipDate", `"tomorrow"`, "malformed LatestShipDate"},
		{"AmazonOrderId", ``, "AmazonOrderId is missing"},
		{"ShippingAddress", `"218 Maple Grove Ln"`, "ShippingAddress"},
	}
	for _, c := range cases {
		t.Run(c.field+" "+c.raw, func(t *testing.T) {
			e := newEnv(t, simamazon.Options{})
			id := e.sim.CreateOrder(dana(start.Add(-time.Minute * 30)))
			var raw json.RawMessage
			if c.raw != "" {
				raw = json.RawMessage(c.raw)
			}
			if err := e.sim.PatchOrderJSON(id, c.field, raw); err != nil {
				t.Fatal(err)
			}
			orders, _, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("orders %v, err = %v; want an error containing %q", orders, err, c.want)
			}
			if orders != nil {
				t.Fatal("a malformed sweep returned orders")
			}
		})
	}
	t.Run("server error", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		if err := e.sim.InjectFault(simamazon.FaultServerError, 1); err != nil {
			t.Fatal(err)
		}
		err := e.amz.Test(ctx, e.conn)
		var rej *channel.Rejection
		if err == nil || errors.As(err, &rej) || !strings.Contains(err.Error(), "HTTP 500 InternalFailure") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestCancellationIsNormalized(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	e.sim.AddListing("SKU-4412", 10)
	id := e.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))
	if q, _ := e.sim.Quantity("SKU-4412"); q != 8 {
		t.Fatalf("the sale left %d on the listing, want 8", q)
	}
	orders, until, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil || len(orders) != 1 || orders[0].Status != channel.OrderReady {
		t.Fatalf("before cancel: %v %v", orders, err)
	}
	if err := e.sim.CancelOrder(id); err != nil {
		t.Fatal(err)
	}
	// The change is visible once it is older than Amazon's 2-minute lag.
	e.clk.Advance(3 * time.Minute)
	orders, _, err = e.amz.FetchOrders(ctx, e.conn, until)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].Status != channel.OrderCancelled {
		t.Fatalf("after cancel: %+v", orders)
	}
	for _, l := range orders[0].Lines {
		if !l.Cancelled {
			t.Errorf("line %s of a cancelled order is not cancelled", l.ChannelLineID)
		}
	}
	if q, _ := e.sim.Quantity("SKU-4412"); q != 10 {
		t.Errorf("cancel returned stock to %d, want 10", q)
	}
}

func TestStatusMapping(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	want := map[string]string{
		simamazon.StatusPending: channel.OrderPending, simamazon.StatusPendingAvailability: channel.OrderPending,
		simamazon.StatusUnshipped: channel.OrderReady, simamazon.StatusPartiallyShipped: channel.OrderReady,
		simamazon.StatusShipped: channel.OrderShipped, simamazon.StatusInvoiceUnconfirmed: channel.OrderShipped,
		simamazon.StatusCanceled: channel.OrderCancelled, simamazon.StatusUnfulfillable: channel.OrderCancelled,
	}
	byID := map[string]string{}
	for amzStatus := range want {
		id, err := e.sim.CreateOrderWithStatus(dana(start.Add(-30*time.Minute)), amzStatus)
		if err != nil {
			t.Fatal(err)
		}
		byID[id] = amzStatus
	}
	orders, _, err := e.amz.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != len(want) {
		t.Fatalf("%d orders, want %d", len(orders), len(want))
	}
	for _, o := range orders {
		amzStatus := byID[o.ExternalID]
		if o.Status != want[amzStatus] {
			t.Errorf("%s → %q, want %q", amzStatus, o.Status, want[amzStatus])
		}
		switch amzStatus {
		case simamazon.StatusPending, simamazon.StatusPendingAvailability:
			if o.ShipTo.Line1 != "" || o.ShipTo.City != "" {
				t.Errorf("a %s order carries an address: %+v", amzStatus, o.ShipTo)
			}
			if o.Lines[0].UnitPriceCents != 0 {
				t.Errorf("a %s order carries prices", amzStatus)
			}
		}
	}
}

func TestFetchOrderByID(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	id := e.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))
	o, err := e.amz.FetchOrder(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.ExternalID != id || len(o.Lines) != 3 || o.ShipTo.Line1 != "218 Maple Grove Ln" || o.CustomerName != "Dana Whitfield" {
		t.Errorf("order %+v", o)
	}
	_, err = e.amz.FetchOrder(ctx, e.conn, "999-0000000-0000000")
	var rej *channel.Rejection
	if !errors.As(err, &rej) || rej.Status != 404 || rej.Code != "NotFound" {
		t.Errorf("unknown order: %v", err)
	}
}

func TestWindowTooRecentAsksNothing(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	since := start.Add(-time.Minute)
	orders, until, err := e.amz.FetchOrders(context.Background(), e.conn, since)
	if err != nil || orders != nil || !until.Equal(since) {
		t.Fatalf("orders %v until %v err %v", orders, until, err)
	}
	if n := e.sim.Calls(simamazon.OpGetOrders); n != 0 {
		t.Errorf("%d getOrders calls for a window Amazon would refuse", n)
	}
}

func TestRestrictedDataGatesAddress(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, simamazon.Options{})
	e.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))

	// With the plain LWA token, Amazon leaves only city, region, postal code and country.
	tok := lwaToken(t, e)
	body := get(t, e, "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T11:00:00Z", tok, 200)
	var out struct {
		Payload struct {
			Orders []map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Payload.Orders) != 1 {
		t.Fatalf("%s: %v", body, err)
	}
	o := out.Payload.Orders[0]
	if _, ok := o["BuyerInfo"]; ok {
		t.Error("buyer info without a restricted data token")
	}
	if addr := string(o["ShippingAddress"]); strings.Contains(addr, "Maple") || strings.Contains(addr, "Dana") || !strings.Contains(addr, "COLUMBUS") {
		t.Errorf("address without a restricted data token: %s", addr)
	}

	// An application without the restricted role cannot get an RDT: the
	// connector retries with a new token once, then reports the refusal.
	d := newEnv(t, simamazon.Options{DenyRDT: true})
	d.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))
	_, _, err := d.amz.FetchOrders(ctx, d.conn, start.Add(-time.Hour))
	if !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := d.sim.Calls(simamazon.OpCreateRDT); n != 2 {
		t.Errorf("%d createRestrictedDataToken calls, want 2 (one retry)", n)
	}
}

func TestCredentialFieldsMatchTheSimulator(t *testing.T) {
	s := simamazon.New(simamazon.Options{})
	creds := s.Credentials()
	for _, k := range []string{amazon.CredClientID, amazon.CredClientSecret, amazon.CredRefreshToken,
		amazon.CredSellerID, amazon.CredMarketplaceID} {
		if creds[k] == "" {
			t.Errorf("the simulator offers no %q", k)
		}
	}
	if len(creds) != 5 {
		t.Errorf("credentials %v", creds)
	}
	e := newEnv(t, simamazon.Options{})
	delete(e.conn.Credentials, amazon.CredRefreshToken)
	if err := e.amz.Test(context.Background(), e.conn); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", amazon.CredRefreshToken)) {
		t.Errorf("missing credential: %v", err)
	}
}
