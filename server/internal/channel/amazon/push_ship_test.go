package amazon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
)

func updates(q map[string]int) []channel.QuantityUpdate {
	skus := make([]string, 0, len(q))
	for s := range q {
		skus = append(skus, s)
	}
	sort.Strings(skus)
	out := make([]channel.QuantityUpdate, len(skus))
	for i, s := range skus {
		out[i] = channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: s}, Quantity: q[s]}
	}
	return out
}

func TestPushAndReadQuantities(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	if e.amz.MaxBatch() != 5 {
		t.Fatalf("MaxBatch %d, want 5 (Listings Items PATCH burst)", e.amz.MaxBatch())
	}
	for _, s := range []string{"SKU-1", "SKU-2", "SKU/3 blue", "SKU-4"} {
		e.sim.AddListing(s, 1)
	}
	ups := updates(map[string]int{"SKU-1": 7, "SKU-2": 0, "SKU/3 blue": 12, "SKU-4": 3, "SKU-UNKNOWN": 5})
	res, err := e.amz.PushQuantities(ctx, e.conn, ups)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range ups {
		r := res[i]
		if r.ListingID != u.ListingID {
			t.Fatalf("result %d is for another listing", i)
		}
		if u.ChannelSKU == "SKU-UNKNOWN" {
			if r.Accepted || !strings.Contains(r.Error, "SKU_NOT_FOUND") {
				t.Errorf("unknown SKU: %+v", r)
			}
			continue
		}
		if !r.Accepted {
			t.Errorf("%s rejected: %s", u.ChannelSKU, r.Error)
		}
		if q, _ := e.sim.Quantity(u.ChannelSKU); q != u.Quantity {
			t.Errorf("%s shows %d, pushed %d", u.ChannelSKU, q, u.Quantity)
		}
	}
	if n := e.sim.Calls(simamazon.OpPatchListing); n != 5 {
		t.Errorf("%d PATCH calls, want one per SKU", n)
	}

	if _, err := e.amz.PushQuantities(ctx, e.conn, updates(map[string]int{"A": 1, "B": 1, "C": 1, "D": 1, "E": 1, "F": 1})); err == nil {
		t.Error("a call over MaxBatch was accepted")
	}
	if n := e.sim.Calls(simamazon.OpPatchListing); n != 5 {
		t.Errorf("an oversized batch reached Amazon (%d calls)", n)
	}

	refs := make([]channel.ListingRef, len(ups))
	for i, u := range ups {
		refs[i] = u.ListingRef
	}
	got, ok, err := e.amz.ReadQuantities(ctx, e.conn, refs)
	if err != nil || !ok {
		t.Fatalf("read back: %v %v", ok, err)
	}
	for i, u := range ups {
		g := got[i]
		if u.ChannelSKU == "SKU-UNKNOWN" {
			if g.Found {
				t.Errorf("unknown SKU found: %+v", g)
			}
			continue
		}
		if !g.Found || g.Quantity != u.Quantity || g.ListingID != u.ListingID {
			t.Errorf("%s reads %+v, want %d", u.ChannelSKU, g, u.Quantity)
		}
	}

	delete(e.conn.Credentials, amazon.CredSellerID)
	if _, err := e.amz.PushQuantities(ctx, e.conn, ups[:1]); err == nil || !strings.Contains(err.Error(), "seller_id") {
		t.Errorf("push without seller id: %v", err)
	}
}

func TestPushFailsAsAWholeOnOutage(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	e.sim.AddListing("SKU-1", 1)
	if err := e.sim.InjectFault(simamazon.FaultUnavailable, 1); err != nil {
		t.Fatal(err)
	}
	res, err := e.amz.PushQuantities(context.Background(), e.conn, updates(map[string]int{"SKU-1": 3}))
	if err == nil || res != nil || !strings.Contains(err.Error(), "503 ServiceUnavailable") {
		t.Fatalf("res %v err %v", res, err)
	}
}

func shipment(id string, lines []channel.Line, carrier, tracking string) channel.Shipment {
	s := channel.Shipment{ExternalOrderID: id, Carrier: carrier, Service: "Ground", TrackingNumber: tracking,
		ShippedAt: start.Add(-5 * time.Minute)}
	for _, l := range lines {
		s.Lines = append(s.Lines, channel.ShippedLine{ChannelLineID: l.ChannelLineID, ChannelSKU: l.ChannelSKU, Quantity: l.Quantity})
	}
	return s
}

func TestConfirmShipment(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	id := e.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))
	o, err := e.amz.FetchOrder(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	// The first package holds the first line; the rest follows in a second.
	if err := e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines[:1], "ups", "1Z999AA10123456784")); err != nil {
		t.Fatal(err)
	}
	if o, _ = e.amz.FetchOrder(ctx, e.conn, id); o.Status != channel.OrderReady {
		t.Errorf("partially shipped maps to %q", o.Status)
	}
	// Sending the same package again edits it rather than adding one.
	if err := e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines[:1], "ups", "1Z999AA10123456784")); err != nil {
		t.Fatal(err)
	}
	if err := e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines[1:], "fedex", "794658370563")); err != nil {
		t.Fatal(err)
	}
	got := e.sim.Shipments()
	if len(got) != 2 {
		t.Fatalf("%d shipments recorded, want 2: %+v", len(got), got)
	}
	if got[0].Carrier != "UPS" || got[0].TrackingNumber != "1Z999AA10123456784" ||
		len(got[0].Lines) != 1 || got[0].Lines[o.Lines[0].ChannelLineID] != 2 {
		t.Errorf("first package %+v", got[0])
	}
	if got[1].Carrier != "FedEx" || got[1].Lines[o.Lines[1].ChannelLineID] != 1 || got[1].Lines[o.Lines[2].ChannelLineID] != 3 {
		t.Errorf("second package %+v", got[1])
	}
	pk := e.sim.Packages()[0]
	if pk.ShippingMethod != "Ground" || !pk.ShipDate.Equal(start.Add(-5*time.Minute)) || pk.PackageReferenceID == "" {
		t.Errorf("package %+v", pk)
	}
	if o, _ = e.amz.FetchOrder(ctx, e.conn, id); o.Status != channel.OrderShipped {
		t.Errorf("fully shipped maps to %q", o.Status)
	}
}

func TestCarrierNames(t *testing.T) {
	for carrier, want := range map[string][2]string{
		"ups": {"UPS", "UPS"}, "usps": {"USPS", "USPS"}, "fedex": {"FedEx", "FedEx"}, "dhl": {"DHL", "DHL"},
		"FedEx": {"FedEx", "FedEx"}, "other": {"Other", "Other"}, "": {"Other", "Other"}, "LaserShip": {"Other", "LaserShip"},
	} {
		code, name := amazon.CarrierCode(carrier)
		if code != want[0] || name != want[1] {
			t.Errorf("%q → %q/%q, want %q/%q", carrier, code, name, want[0], want[1])
		}
	}
	// Every mapped code is one the simulator's (Amazon's) allow-list accepts.
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	for i, carrier := range []string{"usps", "dhl", "LaserShip"} {
		order := dana(start.Add(-30 * time.Minute))
		order.Lines = order.Lines[:1]
		id := e.sim.CreateOrder(order)
		o, err := e.amz.FetchOrder(ctx, e.conn, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines, carrier, "TRK"+string(rune('A'+i)))); err != nil {
			t.Fatalf("%s: %v", carrier, err)
		}
	}
	got := e.sim.Shipments()
	if got[0].Carrier != "USPS" || got[1].Carrier != "DHL" || got[2].Carrier != "LaserShip" {
		t.Errorf("recorded carriers %q %q %q", got[0].Carrier, got[1].Carrier, got[2].Carrier)
	}
}

func TestShipmentRejectionIsVerbatim(t *testing.T) {
	e := newEnv(t, simamazon.Options{Carriers: []string{"UPS", "USPS", "FedEx", "Other"}})
	ctx := context.Background()
	id := e.sim.CreateOrder(dana(start.Add(-30 * time.Minute)))
	o, err := e.amz.FetchOrder(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	check := func(err error, status int, code, msg string) {
		t.Helper()
		var rej *channel.Rejection
		if !errors.As(err, &rej) {
			t.Fatalf("err = %v, want a Rejection", err)
		}
		if rej.Status != status || rej.Code != code || rej.Message != msg {
			t.Errorf("rejection %d %q %q, want %d %q %q", rej.Status, rej.Code, rej.Message, status, code, msg)
		}
	}
	check(e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines, "dhl", "JD0140")),
		400, "InvalidInput", "Invalid carrierCode: DHL.")
	bad := shipment(id, o.Lines, "ups", "1Z1")
	bad.Lines[0].ChannelLineID = "99999999999999"
	check(e.amz.ConfirmShipment(ctx, e.conn, bad),
		400, "InvalidInput", "orderItemId 99999999999999 does not belong to order "+id+".")
	over := shipment(id, o.Lines, "ups", "1Z2")
	over.Lines[0].Quantity = 9
	check(e.amz.ConfirmShipment(ctx, e.conn, over),
		400, "InvalidInput", "Quantity 9 for orderItemId "+o.Lines[0].ChannelLineID+" exceeds the 2 unit(s) left to ship.")
	if err := e.sim.CancelOrder(id); err != nil {
		t.Fatal(err)
	}
	check(e.amz.ConfirmShipment(ctx, e.conn, shipment(id, o.Lines, "ups", "1Z3")),
		400, "InvalidInput", "Order "+id+" is in status Canceled and cannot be confirmed as shipped.")
	check(e.amz.ConfirmShipment(ctx, e.conn, shipment("999-0000000-0000000", o.Lines, "ups", "1Z4")),
		404, "NotFound", "Invalid AmazonOrderId: 999-0000000-0000000")
	if n := len(e.sim.Shipments()); n != 0 {
		t.Errorf("%d shipments recorded from refused confirmations", n)
	}
}

func TestSimulatorIsAMarketplace(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	var m sim.Marketplace = e.sim
	if m.Kind() != "amazon" {
		t.Fatalf("kind %q", m.Kind())
	}
	m.SetWebhookTarget("http://127.0.0.1:1/hook", "secret") // Amazon has no webhooks: nothing happens
	m.AddListing("SKU-4412", 9)
	if q, ok := m.Quantity("SKU-4412"); !ok || q != 9 {
		t.Fatalf("quantity %d %v", q, ok)
	}
	if _, ok := m.Quantity("NOPE"); ok {
		t.Fatal("unknown SKU has a quantity")
	}
	id := m.CreateOrder(dana(start.Add(-10 * time.Minute)))
	if q, _ := m.Quantity("SKU-4412"); q != 7 {
		t.Errorf("after a sale of 2: %d", q)
	}
	if err := m.CancelOrder("nope"); err == nil {
		t.Error("cancelling an unknown order succeeded")
	}
	if err := m.CancelOrder(id); err != nil {
		t.Fatal(err)
	}
	if err := m.CancelOrder(id); err != nil {
		t.Errorf("cancelling twice: %v", err)
	}
	if len(m.Shipments()) != 0 {
		t.Error("shipments before any confirmation")
	}

	// The control API drives the same state over HTTP.
	post := func(path, body string, want int) []byte {
		t.Helper()
		resp, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d %s, want %d", path, resp.StatusCode, b.String(), want)
		}
		return b.Bytes()
	}
	var created struct {
		ID string `json:"amazon_order_id"`
	}
	b := post("/_sim/orders", `{"buyer_name":"Lee Park","address":{"name":"Lee Park","line1":"1 Main St","city":"AKRON","region":"OH","postal_code":"44308","country":"US"},
		"lines":[{"sku":"SKU-4412","title":"Bracket","quantity":1,"unit_price":"12.99"}],"service_level":"NextDay","placed_at":"2026-03-15T11:30:00Z"}`, 201)
	if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
		t.Fatalf("%s %v", b, err)
	}
	post("/_sim/orders", `{"lines":[]}`, 400)
	post("/_sim/orders/"+created.ID+"/status", `{"status":"Shipped"}`, 204)
	post("/_sim/orders/"+created.ID+"/cancel", ``, 400) // shipped orders cannot be cancelled
	post("/_sim/faults", `{"fault":"429","count":1}`, 204)
	post("/_sim/faults", `{"fault":"teapot"}`, 400)
	var th *channel.Throttled
	if err := e.amz.Test(context.Background(), e.conn); !errors.As(err, &th) {
		t.Errorf("fault injected over HTTP: %v", err)
	}
	o, err := e.amz.FetchOrder(context.Background(), e.conn, created.ID)
	if err != nil || o.Status != channel.OrderShipped || o.ServiceLevel != "NextDay" || o.CustomerName != "Lee Park" {
		t.Errorf("order created over HTTP: %+v %v", o, err)
	}
	var listed []struct {
		Order map[string]any `json:"order"`
		Items []any          `json:"items"`
	}
	resp, err := http.Get(e.srv.URL + "/_sim/orders")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || len(listed) != 2 || len(listed[1].Items) != 1 {
		t.Fatalf("listed %+v %v", listed, err)
	}
}
