package woocommerce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	"github.com/manifold-oms/manifold/server/sim"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

// TestMarketplaceControl drives the store through sim.Marketplace, as
// `manifold sim` and the demo do, and checks the connector sees it.
func TestMarketplaceControl(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	var m sim.Marketplace = f.store
	if m.Kind() != woocommerce.Kind {
		t.Fatalf("kind %q", m.Kind())
	}
	creds := m.Credentials()
	for _, field := range []string{woocommerce.CredConsumerKey, woocommerce.CredConsumerSecret, woocommerce.CredWebhookSecret} {
		if creds[field] == "" {
			t.Fatalf("no %s in %v", field, creds)
		}
	}
	m.AddListing("SKU-4412", 12)
	m.AddListing("SKU-7801", 4)
	if q, ok := m.Quantity("SKU-4412"); !ok || q != 12 {
		t.Fatalf("SKU-4412 shows %d (%v)", q, ok)
	}
	if _, ok := m.Quantity("NOPE"); ok {
		t.Fatal("an unknown SKU shows a quantity")
	}
	h := &hook{}
	m.SetWebhookTarget(f.receiver(h).URL, "rotated-secret")
	f.conn.Credentials[woocommerce.CredWebhookSecret] = "rotated-secret"
	id := m.CreateOrder(sim.Order{BuyerName: "Elena Novak", BuyerEmail: "elena.novak@example.net",
		Address: sim.Address{Name: "Elena Novak", Line1: "77 Harbor View Rd", City: "Portland", Region: "ME", PostalCode: "04101", Country: "US"},
		Lines: []sim.Line{{SKU: "SKU-4412", Title: "Tent", Quantity: 2, UnitPrice: "44.99"},
			{SKU: "SKU-7801", Title: "Stove", Quantity: 1, UnitPrice: "19.99"}},
		ServiceLevel: "free_shipping", PlacedAt: start.Add(-time.Hour)})
	if id == "" {
		t.Fatal("order refused")
	}
	if q, _ := m.Quantity("SKU-4412"); q != 10 {
		t.Fatalf("a paid order left SKU-4412 at %d", q)
	}
	o, err := f.k.FetchOrder(ctx, f.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != channel.OrderReady || o.ServiceLevel != "free_shipping" || len(o.Lines) != 2 ||
		o.Lines[0].ChannelSKU != "SKU-4412" || o.Lines[0].UnitPriceCents != 4499 || !o.PlacedAt.Equal(start.Add(-time.Hour)) {
		t.Fatalf("order: %+v", o)
	}
	if events, errs := h.got(); len(events) != 1 || len(errs) != 0 || events[0].ExternalOrderID != id {
		t.Fatalf("webhook with the rotated secret: %+v %v", events, errs)
	}
	if m.CreateOrder(sim.Order{Lines: []sim.Line{{SKU: "SKU-1", Quantity: 1, UnitPrice: "abc"}}}) != "" {
		t.Fatal("an order with an unreadable price was placed")
	}
	if err := m.CancelOrder("31337"); err == nil {
		t.Fatal("cancelling an unknown order succeeded")
	}

	// Ship it through the connector; the store records the shipment.
	err = f.k.ConfirmShipment(ctx, f.conn, channel.Shipment{ExternalOrderID: id, Carrier: "usps", TrackingNumber: "9400111899223100000000"})
	if err != nil {
		t.Fatal(err)
	}
	ships := m.Shipments()
	if len(ships) != 1 || ships[0].Carrier != "USPS" || ships[0].TrackingNumber != "9400111899223100000000" || ships[0].Lines[o.Lines[1].ChannelLineID] != 1 {
		t.Fatalf("shipments: %+v", ships)
	}
	res, err := f.k.PushQuantities(ctx, f.conn, []channel.QuantityUpdate{update("SKU-7801", "", 30)})
	if err != nil || !res[0].Accepted {
		t.Fatalf("push: %+v %v", res, err)
	}
	if q, _ := m.Quantity("SKU-7801"); q != 30 {
		t.Fatalf("SKU-7801 shows %d", q)
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	call := func(method, path string, in any, out any) int {
		t.Helper()
		var body bytes.Buffer
		if in != nil {
			_ = json.NewEncoder(&body).Encode(in)
		}
		req, _ := http.NewRequest(method, f.srv.URL+path, &body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}
	var ids wcsim.ProductIDs
	if st := call("POST", "/_sim/products", wcsim.ProductInput{Name: "Jacket", Price: "60.00",
		Variations: []wcsim.VariationInput{{SKU: "JKT-M", StockQuantity: 6}}}, &ids); st != http.StatusCreated || len(ids.VariationIDs) != 1 {
		t.Fatalf("create product: %d %+v", st, ids)
	}
	var placed struct{ ID int64 }
	if st := call("POST", "/_sim/orders", wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "JKT-M", Quantity: 2, UnitPrice: "60.00"}}}, &placed); st != http.StatusCreated {
		t.Fatalf("create order: %d", st)
	}
	var stock struct {
		Quantity int
		Found    bool
	}
	call("GET", "/_sim/stock?id="+itoa(ids.VariationIDs[0]), nil, &stock)
	if !stock.Found || stock.Quantity != 4 {
		t.Fatalf("stock %+v", stock)
	}
	if st := call("POST", "/_sim/orders/"+itoa(placed.ID)+"/status", map[string]string{"status": "on-hold"}, nil); st != http.StatusNoContent {
		t.Fatalf("status: %d", st)
	}
	var orders []struct {
		ID     int64
		Status string
	}
	call("GET", "/_sim/orders", nil, &orders)
	if len(orders) != 1 || orders[0].Status != "on-hold" {
		t.Fatalf("orders %+v", orders)
	}
	if st := call("POST", "/_sim/faults", map[string]any{"kind": "500", "count": 1}, nil); st != http.StatusNoContent {
		t.Fatalf("fault: %d", st)
	}
	if _, err := f.k.FetchOrder(ctx, f.conn, itoa(placed.ID)); err == nil {
		t.Fatal("the injected 500 did not arrive")
	}
	if st := call("POST", "/_sim/orders/"+itoa(placed.ID)+"/cancel", nil, nil); st != http.StatusNoContent {
		t.Fatalf("cancel: %d", st)
	}
	o, err := f.k.FetchOrder(ctx, f.conn, itoa(placed.ID))
	if err != nil || o.Status != channel.OrderCancelled {
		t.Fatalf("after cancel: %+v %v", o, err)
	}
	var notes, ships []json.RawMessage
	call("GET", "/_sim/notes", nil, &notes)
	call("GET", "/_sim/shipments", nil, &ships)
	if len(notes) != 0 || len(ships) != 0 {
		t.Fatalf("notes %s shipments %s", notes, ships)
	}
	if st := call("POST", "/_sim/faults", map[string]any{"kind": "teapot", "count": 1}, nil); st != http.StatusBadRequest {
		t.Fatalf("unknown fault kind answered %d", st)
	}
}
