package ebay_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
)

func TestPushQuantitiesInBatchesOf25WithPerListingResults(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	if e.c.MaxBatch() != 25 {
		t.Fatalf("MaxBatch = %d", e.c.MaxBatch())
	}
	var updates []channel.QuantityUpdate
	for i := range 28 {
		sku := fmt.Sprintf("SKU-%02d", i)
		e.sim.AddListing(sku, 1)
		updates = append(updates, channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: sku}, Quantity: 100 + i})
	}
	// A listing created outside the Inventory API, reachable by its offer.
	e.sim.AddListing("HIDDEN-SKU", 4)
	offer, _ := e.sim.OfferID("HIDDEN-SKU")
	legacyWithOffer := channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(),
		ChannelSKU: ebay.LegacySKU("296114835720", ""), ExternalListingID: offer}, Quantity: 7}
	legacyBare := channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(),
		ChannelSKU: ebay.LegacySKU("296114835721", "")}, Quantity: 7}
	unknown := channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: "NO-SUCH-SKU"}, Quantity: 3}
	updates = append(updates, legacyWithOffer, legacyBare, unknown)

	res, err := e.c.PushQuantities(ctx, e.conn, updates)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if n := e.calls.count(bulkCall); n != 2 {
		t.Fatalf("%d bulk calls for %d updates, want 2", n, len(updates))
	}
	if len(res) != len(updates) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.ListingID != updates[i].ListingID {
			t.Fatalf("result %d is for another listing", i)
		}
	}
	for i := range 28 {
		if !res[i].Accepted || res[i].Error != "" {
			t.Errorf("SKU-%02d: %+v", i, res[i])
		}
		if q, _ := e.sim.Quantity(fmt.Sprintf("SKU-%02d", i)); q != 100+i {
			t.Errorf("SKU-%02d shows %d", i, q)
		}
	}
	if r := res[28]; !r.Accepted {
		t.Errorf("listing by offer id: %+v", r)
	}
	if q, _ := e.sim.Quantity("HIDDEN-SKU"); q != 7 {
		t.Errorf("offer push: shows %d", q)
	}
	if r := res[29]; r.Accepted || !strings.Contains(r.Error, "bulk_migrate_listing") {
		t.Errorf("SKU-less listing without offer: %+v", r)
	}
	if r := res[30]; r.Accepted || r.Error != "25702: SKU NO-SUCH-SKU is not available in the system" {
		t.Errorf("unknown SKU: %+v", r)
	}

	// Read back what eBay shows.
	refs := []channel.ListingRef{updates[0].ListingRef, updates[27].ListingRef, unknown.ListingRef, legacyBare.ListingRef}
	got, ok, err := e.c.ReadQuantities(ctx, e.conn, refs)
	if err != nil || !ok || len(got) != 4 {
		t.Fatalf("read: %v %v %v", got, ok, err)
	}
	if !got[0].Found || got[0].Quantity != 100 || !got[1].Found || got[1].Quantity != 127 || got[2].Found || got[3].Found {
		t.Fatalf("read back: %+v", got)
	}

	// Throttled as a whole.
	e.sim.InjectFault(simebay.Fault429, 1)
	var th *channel.Throttled
	if _, err := e.c.PushQuantities(ctx, e.conn, updates[:1]); !errors.As(err, &th) {
		t.Fatalf("throttled push: %v", err)
	}
}

func TestCarrierCodes(t *testing.T) {
	for in, want := range map[string]string{"ups": "UPS", "usps": "USPS", "fedex": "FedEx", "dhl": "DHL", "other": "Other", "FEDEX": "FedEx", "OnTrac": "OnTrac"} {
		if got := ebay.CarrierCode(in); got != want {
			t.Errorf("CarrierCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfirmShipmentRecordsCarrierAndLines(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	id := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{
		{SKU: "A", Quantity: 2, UnitPrice: "10.00"}, {SKU: "B", Quantity: 1, UnitPrice: "5.00"}}})
	o, err := e.c.FetchOrder(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	a, b := o.Lines[0].ChannelLineID, o.Lines[1].ChannelLineID
	shippedAt := start.Add(30 * time.Minute)
	e.clock.Advance(time.Hour)

	for carrier, code := range map[string]string{"fedex": "FedEx", "ups": "UPS", "dhl": "DHL", "other": "Other"} {
		// Each carrier ships one unit of A on its own order.
		oid := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}})
		oo, err := e.c.FetchOrder(ctx, e.conn, oid)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.c.ConfirmShipment(ctx, e.conn, channel.Shipment{ExternalOrderID: oid, Carrier: carrier,
			TrackingNumber: "TRK" + strings.ToUpper(carrier) + "1", Lines: []channel.ShippedLine{{ChannelLineID: oo.Lines[0].ChannelLineID, Quantity: 1}}}); err != nil {
			t.Fatalf("%s: %v", carrier, err)
		}
		last := e.sim.Shipments()[len(e.sim.Shipments())-1]
		if last.Carrier != code || last.ExternalOrderID != oid {
			t.Errorf("%s recorded as %+v, want carrier %s", carrier, last, code)
		}
	}

	ship := channel.Shipment{ExternalOrderID: id, Carrier: "usps", TrackingNumber: "9400111899560000000000", ShippedAt: shippedAt,
		Lines: []channel.ShippedLine{{ChannelLineID: a, Quantity: 2}, {ChannelLineID: b, Quantity: 1}}}
	if err := e.c.ConfirmShipment(ctx, e.conn, ship); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	var rec []string
	for _, s := range e.sim.Shipments() {
		if s.ExternalOrderID == id {
			rec = append(rec, s.TrackingNumber)
			if s.Carrier != "USPS" || !maps.Equal(s.Lines, map[string]int{a: 2, b: 1}) || !s.At.Equal(shippedAt) {
				t.Errorf("recorded %+v", s)
			}
		}
	}
	if len(rec) != 1 {
		t.Fatalf("%d fulfillments recorded for the order", len(rec))
	}
	// The same package again (a retry after a lost answer) sends nothing.
	if err := e.c.ConfirmShipment(ctx, e.conn, ship); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if n := e.calls.count("POST /sell/fulfillment/v1/order/" + id + "/shipping_fulfillment"); n != 1 {
		t.Fatalf("%d fulfillment posts, want 1", n)
	}
	o, _ = e.c.FetchOrder(ctx, e.conn, id)
	if o.Status != channel.OrderShipped {
		t.Fatalf("status after shipping everything: %q", o.Status)
	}
}

func TestShipmentRejectionsAreVerbatim(t *testing.T) {
	e := newEnv(t, simebay.Options{}, nil)
	ctx := context.Background()
	id := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "10.00"}}})
	o, err := e.c.FetchOrder(ctx, e.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	line := o.Lines[0].ChannelLineID
	for _, c := range []struct {
		name   string
		s      channel.Shipment
		status int
		code   string
		msg    string
	}{
		{"carrier eBay does not know", channel.Shipment{ExternalOrderID: id, Carrier: "ontrac", TrackingNumber: "C1234567",
			Lines: []channel.ShippedLine{{ChannelLineID: line, Quantity: 1}}},
			http.StatusBadRequest, "32300", "Invalid shipment tracking number or carrier"},
		{"line of another order", channel.Shipment{ExternalOrderID: id, Carrier: "ups", TrackingNumber: "1Z999",
			Lines: []channel.ShippedLine{{ChannelLineID: "10000000000001", Quantity: 1}}},
			http.StatusBadRequest, "32200", "Invalid line item id: 10000000000001"},
		{"more than ordered", channel.Shipment{ExternalOrderID: id, Carrier: "ups", TrackingNumber: "1Z998",
			Lines: []channel.ShippedLine{{ChannelLineID: line, Quantity: 5}}},
			http.StatusConflict, "32600", "Invalid input data (Line item " + line + ": quantity 5 exceeds the unfulfilled quantity 1.)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := e.c.ConfirmShipment(ctx, e.conn, c.s)
			var rej *channel.Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v, want a *channel.Rejection", err)
			}
			if rej.Status != c.status || rej.Code != c.code || rej.Message != c.msg {
				t.Fatalf("rejection %+v, want %d %s %q", rej, c.status, c.code, c.msg)
			}
		})
	}
	if n := len(e.sim.Shipments()); n != 0 {
		t.Fatalf("%d shipments recorded after rejections", n)
	}
	// Shipping without tracking sends neither carrier nor number.
	if err := e.c.ConfirmShipment(ctx, e.conn, channel.Shipment{ExternalOrderID: id, Carrier: "ups",
		Lines: []channel.ShippedLine{{ChannelLineID: line, Quantity: 1}}}); err != nil {
		t.Fatalf("no tracking: %v", err)
	}
	if s := e.sim.Shipments(); len(s) != 1 || s[0].Carrier != "" || s[0].TrackingNumber != "" {
		t.Fatalf("recorded %+v", s)
	}
	// A cancelled order cannot be shipped.
	id2 := e.place(simebay.OrderSpec{ShipTo: boulder(), Lines: []simebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "10.00"}}})
	o2, _ := e.c.FetchOrder(ctx, e.conn, id2)
	if err := e.sim.CancelOrder(id2); err != nil {
		t.Fatal(err)
	}
	err = e.c.ConfirmShipment(ctx, e.conn, channel.Shipment{ExternalOrderID: id2, Carrier: "usps", TrackingNumber: "9400X1",
		Lines: []channel.ShippedLine{{ChannelLineID: o2.Lines[0].ChannelLineID, Quantity: 1}}})
	var rej *channel.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusConflict {
		t.Fatalf("cancelled order: %v", err)
	}
}
