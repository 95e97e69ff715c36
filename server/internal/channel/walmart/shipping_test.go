package walmart_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

func twoLines(f *fixture, method string) string {
	return f.place(wmsim.OrderSpec{MethodCode: method, Lines: []wmsim.LineSpec{
		{SKU: "MUG", Quantity: 1, UnitPrice: "14.95"},
		{SKU: "TENT", Quantity: 2, UnitPrice: "99.00"},
	}})
}

func TestConfirmShipmentIsRecordedWithWalmartsNames(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	po := twoLines(f, walmart.MethodExpress)
	if err := f.wm.Acknowledge(f.ctx, f.conn, f.fetch(po)); err != nil {
		t.Fatal(err)
	}
	shippedAt := start.Add(-30 * time.Minute)
	sh := channel.Shipment{ExternalOrderID: po, Carrier: "ups", Service: "Ground", TrackingNumber: "1Z999AA10123456784",
		ShippedAt: shippedAt, Lines: []channel.ShippedLine{{ChannelLineID: "1", Quantity: 1}, {ChannelLineID: "2", Quantity: 2}}}
	if err := f.wm.ConfirmShipment(f.ctx, f.conn, sh); err != nil {
		t.Fatal(err)
	}
	recs := f.sim.ShipmentRecords()
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	r := recs[0]
	if r.PurchaseOrderID != po || r.Carrier != "UPS" || r.OtherCarrier || r.MethodCode != "Express" ||
		r.TrackingNumber != sh.TrackingNumber || r.SellerOrderID != po || !r.ShipDateTime.Equal(shippedAt) ||
		len(r.Lines) != 2 || r.Lines["1"] != 1 || r.Lines["2"] != 2 {
		t.Fatalf("record %+v", r)
	}
	if s := f.sim.Shipments(); len(s) != 1 || s[0].Carrier != "UPS" || s[0].Lines["2"] != 2 || s[0].ExternalOrderID != po {
		t.Fatalf("sim.Marketplace shipments %+v", s)
	}
	if o := f.fetch(po); o.Status != channel.OrderShipped {
		t.Fatalf("status after shipping %s", o.Status)
	}
	// Confirming again (a lost answer, a retried task) sends nothing twice.
	if err := f.wm.ConfirmShipment(f.ctx, f.conn, sh); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if n := len(f.sim.ShipmentRecords()); n != 1 {
		t.Fatalf("%d records after a repeat", n)
	}
}

func TestCarrierNames(t *testing.T) {
	cases := []struct {
		code, name string
		other      bool
	}{
		{"ups", "UPS", false}, {"usps", "USPS", false}, {"fedex", "FedEx", false}, {"dhl", "DHL", false},
		{"FEDEX", "FedEx", false}, {"ontrac", "OnTrac", false}, {"dhl ecommerce - us", "DHL Ecommerce - US", false},
		{"other", "Other", true}, {"", "Other", true}, {"Acme Couriers", "Acme Couriers", true},
	}
	for _, c := range cases {
		if name, other := walmart.CarrierName(c.code); name != c.name || other != c.other {
			t.Errorf("CarrierName(%q) = %q, %v; want %q, %v", c.code, name, other, c.name, c.other)
		}
	}
}

func TestCarriersReachTheSimulatorSpelledRight(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	for i, code := range []string{"usps", "fedex", "dhl"} {
		po := f.oneLine("SKU", 1, "1.00")
		err := f.wm.ConfirmShipment(f.ctx, f.conn, channel.Shipment{ExternalOrderID: po, Carrier: code,
			TrackingNumber: "T" + code, Lines: []channel.ShippedLine{{ChannelLineID: "1", Quantity: 1}}})
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		want, _ := walmart.CarrierName(code)
		if r := f.sim.ShipmentRecords()[i]; r.Carrier != want || r.MethodCode != "Standard" {
			t.Fatalf("%s recorded as %+v", code, r)
		}
	}
	po := f.oneLine("SKU", 1, "1.00")
	other := channel.Shipment{ExternalOrderID: po, Carrier: "Acme Couriers", TrackingNumber: "AC-1",
		Lines: []channel.ShippedLine{{ChannelLineID: "1", Quantity: 1}}}
	if err := f.wm.ConfirmShipment(f.ctx, f.conn, other); err == nil || !strings.Contains(err.Error(), "tracking URL") {
		t.Fatalf("other carrier without a tracking URL: %v", err)
	}
	other.TrackingURL = "https://acme.example/track/AC-1"
	if err := f.wm.ConfirmShipment(f.ctx, f.conn, other); err != nil {
		t.Fatal(err)
	}
	recs := f.sim.ShipmentRecords()
	if r := recs[len(recs)-1]; !r.OtherCarrier || r.Carrier != "Acme Couriers" || r.TrackingURL != other.TrackingURL {
		t.Fatalf("other carrier recorded as %+v", r)
	}
}

func TestAShipmentRefusalIsSurfacedVerbatim(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	po := twoLines(f, "")
	if err := f.sim.CancelLines(po, []string{"1"}, "SELLER_CANCEL_OUT_OF_STOCK"); err != nil {
		t.Fatal(err)
	}
	ship := func(line string, qty int) error {
		return f.wm.ConfirmShipment(f.ctx, f.conn, channel.Shipment{ExternalOrderID: po, Carrier: "usps",
			TrackingNumber: "9400111899223817423164", Lines: []channel.ShippedLine{{ChannelLineID: line, Quantity: qty}}})
	}
	cases := []struct {
		line string
		qty  int
		msg  string
	}{
		{"1", 1, "Unable to process this request. The Line: 1 of PO: " + po + " is in Cancelled status and cannot be shipped"},
		{"2", 5, "Unable to process this request. The Line: 2 of PO: " + po + " doesn't have enough quantity to ship requested quantity :: Qty requested: 5"},
		{"7", 1, "Unable to process this request. The Line: 7 of PO: " + po + " doesn't exist"},
	}
	for _, c := range cases {
		rej := asRejection(t, ship(c.line, c.qty))
		if rej.Status != http.StatusBadRequest || rej.Code != "INVALID_REQUEST_CONTENT.GMP_ORDER_API" || rej.Message != c.msg {
			t.Fatalf("line %s: rejection %+v, want %q", c.line, rej, c.msg)
		}
	}
	if n := len(f.sim.ShipmentRecords()); n != 0 {
		t.Fatalf("%d shipments recorded from refused requests", n)
	}
}

func TestCancellationsAreNormalized(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	po := twoLines(f, "")
	if err := f.sim.CancelLines(po, []string{"1"}, "SELLER_CANCEL_OUT_OF_STOCK"); err != nil {
		t.Fatal(err)
	}
	o := f.fetch(po)
	if o.Status != channel.OrderReady || !o.Lines[0].Cancelled || o.Lines[1].Cancelled || o.Lines[0].Quantity != 1 {
		t.Fatalf("one line cancelled: %s %+v", o.Status, o.Lines)
	}
	if err := f.sim.CancelOrder(po); err != nil {
		t.Fatal(err)
	}
	o = f.fetch(po)
	if o.Status != channel.OrderCancelled || !o.Lines[0].Cancelled || !o.Lines[1].Cancelled || o.Lines[1].Quantity != 2 {
		t.Fatalf("all cancelled: %s %+v", o.Status, o.Lines)
	}
	// Acknowledging a cancelled order is skipped, not sent.
	if err := f.wm.Acknowledge(f.ctx, f.conn, o); err != nil || len(f.sim.Acknowledgements()) != 0 {
		t.Fatalf("acknowledge of a cancelled order: %v %+v", err, f.sim.Acknowledgements())
	}
}

func TestPartlyShippedAndDeliveredOrders(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	po := twoLines(f, "")
	ship := func(line string, qty int, tracking string) {
		t.Helper()
		if err := f.wm.ConfirmShipment(f.ctx, f.conn, channel.Shipment{ExternalOrderID: po, Carrier: "fedex",
			TrackingNumber: tracking, Lines: []channel.ShippedLine{{ChannelLineID: line, Quantity: qty}}}); err != nil {
			t.Fatal(err)
		}
	}
	ship("2", 1, "F-1")
	if o := f.fetch(po); o.Status != channel.OrderReady || o.Lines[1].Quantity != 2 {
		t.Fatalf("one of two units shipped: %s %+v", o.Status, o.Lines)
	}
	ship("1", 1, "F-2")
	if err := f.sim.CancelLines(po, []string{"2"}, "SELLER_CANCEL_OUT_OF_STOCK"); err != nil {
		t.Fatal(err)
	}
	o := f.fetch(po)
	if o.Status != channel.OrderShipped || o.Lines[1].Cancelled || o.Lines[1].Quantity != 1 {
		t.Fatalf("line 2 half shipped, half cancelled: %s %+v", o.Status, o.Lines)
	}
	if err := f.sim.Deliver(po); err != nil {
		t.Fatal(err)
	}
	if o := f.fetch(po); o.Status != channel.OrderShipped {
		t.Fatalf("delivered: %s", o.Status)
	}
}

func TestAcknowledgeIsRecordedAndHarmlessTwice(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	po := twoLines(f, "")
	o := f.fetch(po)
	for range 2 {
		if err := f.wm.Acknowledge(f.ctx, f.conn, o); err != nil {
			t.Fatal(err)
		}
	}
	acks := f.sim.Acknowledgements()
	if len(acks) != 2 || acks[0].PurchaseOrderID != po || acks[0].Lines != 2 || acks[1].Lines != 0 {
		t.Fatalf("acknowledgements %+v", acks)
	}
	if o := f.fetch(po); o.Status != channel.OrderReady {
		t.Fatalf("acknowledged order is %s", o.Status)
	}
}
