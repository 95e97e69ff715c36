package woocommerce_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

func TestConfirmShipmentCompletesWithTrackingNote(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	f.product(wcsim.ProductInput{Name: "Tent", SKU: "SKU-4412", Price: "44.99", StockQuantity: 10})
	f.product(wcsim.ProductInput{Name: "Stove", SKU: "SKU-7801", Price: "19.99", StockQuantity: 10})
	id := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{
		{SKU: "SKU-4412", Quantity: 2, UnitPrice: "44.99"}, {SKU: "SKU-7801", Quantity: 1, UnitPrice: "19.99"}}})
	o, err := f.k.FetchOrder(ctx, f.conn, itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	s := channel.Shipment{ExternalOrderID: o.ExternalID, Carrier: "ups", TrackingNumber: "1Z999AA10123456784",
		TrackingURL: "https://www.ups.com/track?tracknum=1Z999AA10123456784", ShippedAt: f.clock.Now()}
	for _, l := range o.Lines {
		s.Lines = append(s.Lines, channel.ShippedLine{ChannelLineID: l.ChannelLineID, ChannelSKU: l.ChannelSKU, Quantity: l.Quantity})
	}
	if err := f.k.ConfirmShipment(ctx, f.conn, s); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.store.OrderStatus(id); st != wcsim.StatusCompleted {
		t.Fatalf("order is %s", st)
	}
	notes := f.store.Notes()
	want := "Shipped via UPS, tracking 1Z999AA10123456784\nTrack it: https://www.ups.com/track?tracknum=1Z999AA10123456784"
	if len(notes) != 1 || notes[0].Note != want || !notes[0].CustomerNote || notes[0].OrderID != id {
		t.Fatalf("notes: %+v", notes)
	}
	ships := f.store.Shipments()
	if len(ships) != 1 || ships[0].Carrier != "UPS" || ships[0].TrackingNumber != "1Z999AA10123456784" ||
		ships[0].ExternalOrderID != itoa(id) || len(ships[0].Lines) != 2 {
		t.Fatalf("shipments: %+v", ships)
	}
	// Confirming again (a retry after a timeout) adds no second note.
	if err := f.k.ConfirmShipment(ctx, f.conn, s); err != nil {
		t.Fatal(err)
	}
	if n := len(f.store.Notes()); n != 1 {
		t.Fatalf("%d notes after a retry", n)
	}
	// The completed order now polls as shipped.
	again, err := f.k.FetchOrder(ctx, f.conn, itoa(id))
	if err != nil || again.Status != channel.OrderShipped || !again.ModifiedAt.Equal(f.clock.Now()) {
		t.Fatalf("after completion: %+v %v", again, err)
	}
}

func TestConfirmPartialShipmentAndCarrierNames(t *testing.T) {
	f := newFixture(t, wcsim.Options{}, woocommerce.WithPrivateNotes())
	ctx := context.Background()
	f.product(wcsim.ProductInput{Name: "Tent", SKU: "SKU-4412", Price: "44.99", StockQuantity: 10})
	f.product(wcsim.ProductInput{Name: "Stove", SKU: "SKU-7801", Price: "19.99", StockQuantity: 10})
	id := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{
		{SKU: "SKU-4412", Quantity: 2, UnitPrice: "44.99"}, {SKU: "SKU-7801", Quantity: 1, UnitPrice: "19.99"}}})
	o, err := f.k.FetchOrder(ctx, f.conn, itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	first := channel.Shipment{ExternalOrderID: o.ExternalID, Carrier: "fedex", TrackingNumber: "794644790132",
		Lines: []channel.ShippedLine{{ChannelLineID: o.Lines[0].ChannelLineID, Quantity: 2}}}
	second := channel.Shipment{ExternalOrderID: o.ExternalID, Carrier: "other", TrackingNumber: "LOCAL-55",
		Lines: []channel.ShippedLine{{ChannelLineID: o.Lines[1].ChannelLineID, Quantity: 1}}}
	for _, s := range []channel.Shipment{first, second} {
		if err := f.k.ConfirmShipment(ctx, f.conn, s); err != nil {
			t.Fatal(err)
		}
	}
	notes := f.store.Notes()
	if len(notes) != 2 || notes[0].Note != "Shipped via FedEx, tracking 794644790132\nItems: Tent × 2" ||
		notes[1].Note != "Shipped, tracking LOCAL-55\nItems: Stove × 1" || notes[0].CustomerNote {
		t.Fatalf("notes: %+v", notes)
	}
	ships := f.store.Shipments()
	if len(ships) != 2 || ships[0].Carrier != "FedEx" || ships[1].Carrier != "" || ships[1].TrackingNumber != "LOCAL-55" {
		t.Fatalf("shipments: %+v", ships)
	}
	bad := first
	bad.Lines = []channel.ShippedLine{{ChannelLineID: "1", Quantity: 1}}
	bad.TrackingNumber = "OTHER"
	if err := f.k.ConfirmShipment(ctx, f.conn, bad); err == nil || !strings.Contains(err.Error(), "no line") {
		t.Fatalf("unknown line: %v", err)
	}
}

func TestConfirmShipmentRejectedVerbatim(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	err := f.k.ConfirmShipment(ctx, f.conn, channel.Shipment{ExternalOrderID: "424242", Carrier: "usps", TrackingNumber: "9400"})
	var rej *channel.Rejection
	if !errors.As(err, &rej) || rej.Status != 404 || rej.Code != "woocommerce_rest_shop_order_invalid_id" || rej.Message != "Invalid ID." {
		t.Fatalf("want the store's words, got %v", err)
	}
	f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 10})
	id := f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})
	if err := f.store.CancelOrder(itoa(id)); err != nil {
		t.Fatal(err)
	}
	err = f.k.ConfirmShipment(ctx, f.conn, channel.Shipment{ExternalOrderID: itoa(id), Carrier: "usps", TrackingNumber: "9400"})
	if !errors.As(err, &rej) || rej.Status != 409 || rej.Code != "" || !strings.Contains(rej.Message, "is cancelled on the store") {
		t.Fatalf("a cancelled order: %v", err)
	}
	if st, _ := f.store.OrderStatus(id); st != wcsim.StatusCancelled || len(f.store.Notes()) != 0 {
		t.Fatalf("the cancelled order was touched: %s, %d notes", st, len(f.store.Notes()))
	}
}
