package walmart_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestFetchOrdersFollowsTheCursorAndMapsEveryField(t *testing.T) {
	f := newFixture(t, wmsim.Options{PageSize: 2})
	placed := start.Add(-90 * time.Minute).Add(123 * time.Millisecond)
	multi := f.place(wmsim.OrderSpec{PurchaseOrderID: "108829675619988", CustomerOrderID: "200012786349117",
		BuyerEmail: "priya@example.com", MethodCode: walmart.MethodExpress, PlacedAt: placed,
		Lines: []wmsim.LineSpec{
			{SKU: "MUG-16-SLT", Title: "Acme Insulated Camp Mug, 16 oz, Slate", Quantity: 1, UnitPrice: "14.95", Tax: "1.53"},
			{SKU: "TENT-2P-GRN", Title: "Two-person tent", Quantity: 2, UnitPrice: "0.10"},
			{SKU: "STOVE-1", Title: "Stove", Quantity: 3, UnitPrice: "33.33"},
		}})
	var others []string
	for i := range 4 {
		f.clock.Advance(time.Minute)
		others = append(others, f.oneLine("SKU-"+string(rune('A'+i)), 1, "5.00"))
	}

	orders, until, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-24*time.Hour))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if !until.Equal(f.clock.Now()) {
		t.Fatalf("until %v, want the moment of the call %v", until, f.clock.Now())
	}
	if len(orders) != 5 {
		t.Fatalf("%d orders, want 5", len(orders))
	}
	byID := map[string]channel.Order{}
	for _, o := range orders {
		byID[o.ExternalID] = o
	}
	for _, po := range append(others, multi) {
		if _, ok := byID[po]; !ok {
			t.Fatalf("order %s missing from %v", po, byID)
		}
	}

	// Three pages of two: the second and third are the cursor, verbatim and alone.
	var lists []wmsim.Request
	for _, r := range f.sim.Requests() {
		if r.Path == "/v3/orders" {
			lists = append(lists, r)
		}
	}
	if len(lists) != 3 {
		t.Fatalf("%d list requests, want 3 pages: %+v", len(lists), lists)
	}
	for _, r := range lists[1:] {
		if r.Status != http.StatusOK || !strings.HasPrefix(r.RawQuery, "limit=2&hasMoreElements=true&") || !strings.Contains(r.RawQuery, "T12:") {
			t.Fatalf("page request %+v is not the cursor sent verbatim", r)
		}
	}
	if !strings.Contains(lists[0].RawQuery, "lastModifiedStartDate=2026-03-13T12%3A00%3A00Z") ||
		!strings.Contains(lists[0].RawQuery, "createdStartDate=") {
		t.Fatalf("first page query %q lacks the lastModified and created bounds", lists[0].RawQuery)
	}

	o := byID[multi]
	shipBy := placed.Add(24 * time.Hour).Truncate(time.Millisecond)
	want := channel.Order{
		ExternalID: "108829675619988", DisplayNumber: "200012786349117", Status: channel.OrderReady,
		CustomerName: "Priya Raman", CustomerEmail: o.CustomerEmail,
		ShipTo: api.Address{Name: "Priya Raman", Line1: "1550 N Lake Shore Dr", Line2: "Apt 12B", City: "Chicago",
			Region: "IL", PostalCode: "60610", Country: "US", Phone: "3125550198"},
		ServiceLevel: "Express", PlacedAt: placed.Truncate(time.Millisecond), ModifiedAt: placed.Truncate(time.Millisecond),
		Currency: "USD",
	}
	if o.ExternalID != want.ExternalID || o.DisplayNumber != want.DisplayNumber || o.Status != want.Status ||
		o.CustomerName != want.CustomerName || o.ShipTo != want.ShipTo || o.ServiceLevel != want.ServiceLevel ||
		!o.PlacedAt.Equal(want.PlacedAt) || !o.ModifiedAt.Equal(want.ModifiedAt) || o.Currency != want.Currency {
		t.Fatalf("order\n got %+v\nwant %+v", o, want)
	}
	if !strings.HasSuffix(o.CustomerEmail, "@relay.walmart.com") {
		t.Fatalf("customer email %q is not Walmart's relay address", o.CustomerEmail)
	}
	if o.ShipBy == nil || !o.ShipBy.Equal(shipBy) {
		t.Fatalf("ship by %v, want %v", o.ShipBy, shipBy)
	}
	wantLines := []channel.Line{
		{ChannelLineID: "1", ChannelSKU: "MUG-16-SLT", Title: "Acme Insulated Camp Mug, 16 oz, Slate", Quantity: 1, UnitPriceCents: 1495},
		{ChannelLineID: "2", ChannelSKU: "TENT-2P-GRN", Title: "Two-person tent", Quantity: 2, UnitPriceCents: 10},
		{ChannelLineID: "3", ChannelSKU: "STOVE-1", Title: "Stove", Quantity: 3, UnitPriceCents: 3333},
	}
	if len(o.Lines) != len(wantLines) {
		t.Fatalf("lines %+v", o.Lines)
	}
	for i, l := range o.Lines {
		if l != wantLines[i] {
			t.Fatalf("line %d\n got %+v\nwant %+v", i, l, wantLines[i])
		}
	}
}

func TestFetchOrdersReturnsOlderOrdersModifiedSince(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	old := f.place(wmsim.OrderSpec{PlacedAt: start.Add(-10 * 24 * time.Hour),
		Lines: []wmsim.LineSpec{{SKU: "OLD", Quantity: 1, UnitPrice: "1.00"}}})
	quiet := f.place(wmsim.OrderSpec{PlacedAt: start.Add(-2 * 24 * time.Hour),
		Lines: []wmsim.LineSpec{{SKU: "QUIET", Quantity: 1, UnitPrice: "1.00"}}})
	if err := f.sim.CancelOrder(old); err != nil {
		t.Fatal(err)
	}
	orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].ExternalID != old {
		t.Fatalf("got %+v, want only the 10-day-old order cancelled now (not %s)", orders, quiet)
	}
	if orders[0].Status != channel.OrderCancelled || !orders[0].ModifiedAt.Equal(start) {
		t.Fatalf("status %s modified %v", orders[0].Status, orders[0].ModifiedAt)
	}
}

func TestMissingOptionalFieldsAreFine(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	addr := buyer
	addr.Line2, addr.Phone, addr.Country = "", "", ""
	po := f.place(wmsim.OrderSpec{OmitShipDates: true, Address: addr,
		Lines: []wmsim.LineSpec{{SKU: "BARE", Quantity: 1, UnitPrice: "9.5"}}})
	raw := string(f.sim.Orders()[0])
	for _, absent := range []string{"estimatedShipDate", "estimatedDeliveryDate", "phone", "address2", "tax"} {
		if strings.Contains(raw, `"`+absent+`"`) {
			t.Fatalf("the simulator sent %s: %s", absent, raw)
		}
	}
	o := f.fetch(po)
	if o.ShipBy != nil || o.ShipTo.Line2 != "" || o.ShipTo.Phone != "" || o.ShipTo.Country != "US" ||
		o.Lines[0].UnitPriceCents != 950 || o.ServiceLevel != "Standard" || o.Status != channel.OrderReady {
		t.Fatalf("order without optional fields %+v", o)
	}
}

func TestAnEmptySearchIsNoOrders(t *testing.T) {
	for _, notFound := range []bool{false, true} {
		f := newFixture(t, wmsim.Options{EmptyListNotFound: notFound})
		orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
		if err != nil || len(orders) != 0 {
			t.Fatalf("404 for empty=%v: %v %v", notFound, orders, err)
		}
		if err := f.wm.Test(f.ctx, f.conn); err != nil {
			t.Fatalf("Test: %v", err)
		}
	}
}

func TestFetchOrderOfAnUnknownPOIsARejection(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	_, err := f.wm.FetchOrder(f.ctx, f.conn, "999")
	rej := asRejection(t, err)
	if rej.Status != http.StatusNotFound || rej.Code != "CONTENT_NOT_FOUND.GMP_ORDER_API" || rej.Message != "No order found for purchaseOrderId 999" {
		t.Fatalf("rejection %+v", rej)
	}
}

func TestFetchOrdersRespectsTheContext(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	f.oneLine("A", 1, "1.00")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, _, err := f.wm.FetchOrders(ctx, f.conn, start.Add(-time.Hour)); err == nil {
		t.Fatal("a cancelled context fetched orders")
	}
}

// referenceOrder is the minimal order of the reference (section 2.8).
const referenceOrder = `{
  "purchaseOrderId": "108829675619988",
  "customerOrderId": "200012786349117",
  "customerEmailId": "B71D04E95C2A4F0F8E3A6B9D21C7E554@relay.walmart.com",
  "orderDate": 1773497018000,
  "shippingInfo": {
    "phone": "3125550198",
    "estimatedDeliveryDate": 1773730800000,
    "estimatedShipDate": 1773558000000,
    "methodCode": "Express",
    "postalAddress": {"name": "Priya Raman", "address1": "1550 N Lake Shore Dr",
      "city": "Chicago", "state": "IL", "postalCode": "60610", "country": "USA"}
  },
  "orderLines": {"orderLine": [{
    "lineNumber": "1",
    "item": {"productName": "Acme Insulated Camp Mug, 16 oz, Slate", "sku": "MUG-16-SLT"},
    "charges": {"charge": [{"chargeType": "PRODUCT", "chargeName": "ItemPrice",
      "chargeAmount": {"currency": "USD", "amount": 14.95},
      "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": 1.53}}}]},
    "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": "1"},
    "statusDate": 1773497077000,
    "orderLineStatuses": {"orderLineStatus": [{"status": "Created",
      "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"}}]},
    "fulfillment": {"fulfillmentOption": "S2H", "shipMethod": "EXPEDITED", "pickUpDateTime": 1773730800000}
  }]}
}`

// serveOrder answers the token endpoint and one list page holding order.
func serveOrder(t *testing.T, order string) *fixture {
	t.Helper()
	f := newFixture(t, wmsim.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v3/token":
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":900}`))
		case "/v3/orders":
			_, _ = w.Write([]byte(`{"list":{"meta":{"totalCount":1,"limit":200},"elements":{"order":[` + order + `]}}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	f.conn.BaseURL = srv.URL
	return f
}

func TestTheReferenceOrderParsesExactly(t *testing.T) {
	f := serveOrder(t, referenceOrder)
	orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if err != nil || len(orders) != 1 {
		t.Fatalf("%v %v", orders, err)
	}
	o := orders[0]
	if o.ExternalID != "108829675619988" || o.DisplayNumber != "200012786349117" || o.Status != channel.OrderReady ||
		o.ServiceLevel != "Express" || o.ShipTo.Country != "US" || o.Lines[0].UnitPriceCents != 1495 ||
		o.Lines[0].Quantity != 1 || !o.PlacedAt.Equal(time.UnixMilli(1773497018000)) ||
		!o.ModifiedAt.Equal(time.UnixMilli(1773497077000)) || o.ShipBy == nil || !o.ShipBy.Equal(time.UnixMilli(1773558000000)) {
		t.Fatalf("reference order read as %+v", o)
	}
}

func TestMalformedOrdersAreErrorsNamingTheField(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"float money", `"amount": 14.95`, `"amount": 14.955`, "chargeAmount.amount"},
		{"exponent money", `"amount": 14.95`, `"amount": 1.495e1`, "chargeAmount.amount"},
		{"tax", `"amount": 1.53`, `"amount": "one"`, "tax.taxAmount.amount"},
		{"quantity", `"unitOfMeasurement": "EACH", "amount": "1"},
    "statusDate"`, `"unitOfMeasurement": "EACH", "amount": "two"},
    "statusDate"`, "orderLineQuantity.amount"},
		{"order date", `"orderDate": 1773497018000`, `"orderDate": "yesterday"`, "orderDate"},
		{"no address", `"postalAddress": {`, `"postalAddresss": {`, "shippingInfo.postalAddress"},
		{"status", `"status": "Created"`, `"status": "Teleported"`, `"Teleported"`},
		{"no po", `"purchaseOrderId": "108829675619988",`, ``, "purchaseOrderId"},
		{"no sku", `"sku": "MUG-16-SLT"`, `"skew": "MUG-16-SLT"`, "item.sku"},
		{"wrong type", `"orderLines": {"orderLine": [`, `"orderLines": {"orderLine": "none", "x": [`, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(referenceOrder, c.from, c.to, 1)
			if bad == referenceOrder {
				t.Fatalf("the case changes nothing")
			}
			f := serveOrder(t, bad)
			orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error naming %s", orders, err, c.want)
			}
		})
	}
}

func TestMalformedAndFailedAnswersAreClearErrors(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	f.oneLine("A", 1, "1.00")
	if err := f.sim.InjectFault(wmsim.FaultMalformed, 1); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if err == nil || !strings.Contains(err.Error(), "malformed response") {
		t.Fatalf("malformed answer: %v", err)
	}
	if err := f.sim.InjectFault(wmsim.FaultServerError, 1); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500 SYSTEM_ERROR.GMP_GATEWAY_API") {
		t.Fatalf("server error: %v", err)
	}
	var rej *channel.Rejection
	if errors.As(err, &rej) {
		t.Fatalf("a server error is not a refusal: %v", err)
	}
	if orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil || len(orders) != 1 {
		t.Fatalf("after the faults: %v %v", orders, err)
	}
}
