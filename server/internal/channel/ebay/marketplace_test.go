package ebay_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/sim"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
)

func TestMarketplaceInterfaceDrivesTheConnector(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	var m sim.Marketplace = e.sim
	if m.Kind() != "ebay" {
		t.Fatalf("Kind = %q", m.Kind())
	}
	m.AddListing("SKU-4412", 10)
	m.AddListing("SKU-7801", 4)
	id := m.CreateOrder(sim.Order{
		BuyerName: "Ada Buyer", BuyerEmail: "ada@example.com", ServiceLevel: "USPSGround", PlacedAt: start.Add(-time.Minute),
		Address: sim.Address{Name: "Ada Buyer", Line1: "5 Elm St", City: "Reno", Region: "NV", PostalCode: "89501", Country: "US"},
		Lines:   []sim.Line{{SKU: "SKU-4412", Title: "Widget", Quantity: 2, UnitPrice: "12.99"}, {SKU: "SKU-7801", Quantity: 1, UnitPrice: "7.5"}},
	})
	if id == "" {
		t.Fatal("CreateOrder returned no id")
	}
	if q, ok := m.Quantity("SKU-4412"); !ok || q != 8 {
		t.Fatalf("SKU-4412 shows %d after selling 2 of 10", q)
	}
	if m.CreateOrder(sim.Order{Lines: []sim.Line{{SKU: "X", Quantity: 1, UnitPrice: "abc"}}}) != "" {
		t.Fatal("an order with a bad price was placed")
	}
	orders, _, err := e.c.FetchOrders(ctx, e.conn, start.Add(-time.Hour))
	if err != nil || len(orders) != 1 {
		t.Fatalf("fetch: %v %v", orders, err)
	}
	o := orders[0]
	if o.ExternalID != id || o.ServiceLevel != "USPSGround" || o.Lines[0].UnitPriceCents != 1299 || o.Lines[1].UnitPriceCents != 750 || o.CustomerEmail != "ada@example.com" {
		t.Fatalf("order %+v", o)
	}
	if _, err := e.c.PushQuantities(ctx, e.conn, []channel.QuantityUpdate{{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: "SKU-7801"}, Quantity: 9}}); err != nil {
		t.Fatal(err)
	}
	if q, _ := m.Quantity("SKU-7801"); q != 9 {
		t.Fatalf("SKU-7801 shows %d", q)
	}
	if err := e.c.ConfirmShipment(ctx, e.conn, channel.Shipment{ExternalOrderID: id, Carrier: "ups", TrackingNumber: "1Z12345E0205271688",
		Lines: []channel.ShippedLine{{ChannelLineID: o.Lines[0].ChannelLineID, Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	if s := m.Shipments(); len(s) != 1 || s[0].Carrier != "UPS" || s[0].Lines[o.Lines[0].ChannelLineID] != 2 {
		t.Fatalf("shipments %+v", s)
	}
	if err := m.CancelOrder(id); err == nil {
		t.Fatal("an order with a shipped line was cancelled")
	}
	other := m.CreateOrder(sim.Order{Address: sim.Address{Name: "B"}, Lines: []sim.Line{{SKU: "SKU-4412", Quantity: 1, UnitPrice: "1.00"}}})
	if err := m.CancelOrder(other); err != nil {
		t.Fatal(err)
	}
	if err := m.CancelOrder("nope"); err == nil {
		t.Fatal("cancelling an unknown order succeeded")
	}
	if oc, err := e.c.FetchOrder(ctx, e.conn, other); err != nil || oc.Status != channel.OrderCancelled {
		t.Fatalf("cancelled order: %+v %v", oc, err)
	}
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	do := func(method, path, body string, want int) map[string]json.RawMessage {
		t.Helper()
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		out := map[string]json.RawMessage{}
		if len(data) > 0 {
			_ = json.Unmarshal(data, &out)
		}
		return out
	}
	do("POST", "/_sim/listings", `{"sku":"TENT-2P-GRN","quantity":12}`, http.StatusCreated)
	created := do("POST", "/_sim/orders", `{"shipTo":{"fullName":"Kat","addressLine1":"1 St","city":"Boulder","stateOrProvince":"CO","postalCode":"80302","countryCode":"US"},
		"lines":[{"sku":"TENT-2P-GRN","quantity":2,"unitPrice":"44.99"},{"legacyItemId":"296114835720","quantity":1,"unitPrice":"3.00"}]}`, http.StatusCreated)
	var id string
	_ = json.Unmarshal(created["orderId"], &id)
	if id == "" {
		t.Fatal("no orderId")
	}
	do("POST", "/_sim/orders", `{"lines":[{"sku":"A","quantity":0,"unitPrice":"1.00"}]}`, http.StatusBadRequest)
	do("POST", "/_sim/orders", `{"lines":[],"bogus":1}`, http.StatusBadRequest)

	var listings []simebay.Listing
	_ = json.Unmarshal(do("GET", "/_sim/listings", "", http.StatusOK)["listings"], &listings)
	if len(listings) != 1 || listings[0].Quantity != 10 || listings[0].OfferID == "" {
		t.Fatalf("listings %+v", listings)
	}
	var orders []simebay.Order
	_ = json.Unmarshal(do("GET", "/_sim/orders", "", http.StatusOK)["orders"], &orders)
	if len(orders) != 1 || orders[0].OrderID != id || len(orders[0].LineItems) != 2 || orders[0].LineItems[1].SKU != "" {
		t.Fatalf("orders %+v", orders)
	}

	do("POST", "/_sim/faults", `{"fault":"500","count":1}`, http.StatusNoContent)
	if _, err := e.c.FetchOrder(ctx, e.conn, id); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("injected 500: %v", err)
	}
	do("POST", "/_sim/faults", `{"fault":"expire_tokens"}`, http.StatusNoContent)
	tokensBefore := e.calls.count(tokenCall)
	if _, err := e.c.FetchOrder(ctx, e.conn, id); err != nil {
		t.Fatal(err)
	}
	if e.calls.count(tokenCall) != tokensBefore+1 {
		t.Fatal("expired tokens were not refreshed")
	}
	do("POST", "/_sim/faults", `{"fault":"teapot"}`, http.StatusBadRequest)

	do("POST", "/_sim/orders/"+id+"/cancel", "", http.StatusOK)
	if o, err := e.c.FetchOrder(ctx, e.conn, id); err != nil || o.Status != channel.OrderCancelled {
		t.Fatalf("after cancel: %+v %v", o, err)
	}
	do("POST", "/_sim/orders/nope/cancel", "", http.StatusNotFound)

	paid := do("POST", "/_sim/orders", `{"paymentStatus":"PENDING","lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]}`, http.StatusCreated)
	var pid string
	_ = json.Unmarshal(paid["orderId"], &pid)
	do("POST", "/_sim/orders/"+pid+"/payment", `{"status":"PAID"}`, http.StatusOK)
	if o, err := e.c.FetchOrder(ctx, e.conn, pid); err != nil || o.Status != channel.OrderReady {
		t.Fatalf("after payment: %+v %v", o, err)
	}

	var fulfillments []sim.Shipment
	_ = json.Unmarshal(do("GET", "/_sim/fulfillments", "", http.StatusOK)["fulfillments"], &fulfillments)
	if len(fulfillments) != 0 {
		t.Fatalf("fulfillments %+v", fulfillments)
	}
	var usage map[string]int
	_ = json.Unmarshal(do("GET", "/_sim/usage", "", http.StatusOK)["usage"], &usage)
	if usage["sell.fulfillment"] < 3 {
		t.Fatalf("usage %+v", usage)
	}

	rc := newReceiver(t, e, "tok-123")
	do("POST", "/_sim/notifications/target", `{"url":"`+rc.url+`","verificationToken":"tok-123"}`, http.StatusNoContent)
	do("POST", "/_sim/notifications/challenge", "", http.StatusNoContent)
	do("POST", "/_sim/notifications/mode", `{"mode":"out_of_order"}`, http.StatusNoContent)
	do("POST", "/_sim/notifications/mode", `{"mode":"sideways"}`, http.StatusBadRequest)
	do("POST", "/_sim/orders", `{"lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]}`, http.StatusCreated)
	do("POST", "/_sim/keys/rotate", "", http.StatusOK)
	do("POST", "/_sim/notifications/flush", "", http.StatusOK)
	var deliveries []simebay.Delivery
	_ = json.Unmarshal(do("GET", "/_sim/notifications", "", http.StatusOK)["deliveries"], &deliveries)
	if events, errs := rc.got(); len(errs) != 0 || len(events) != 1 || len(deliveries) != 1 || deliveries[0].Status != http.StatusNoContent {
		t.Fatalf("notifications: %+v %v %+v", events, errs, deliveries)
	}
}
