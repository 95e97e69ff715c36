package shipping_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestBuyLabelStoresZPLAndPDFAndLabelsTheOrder(t *testing.T) {
	f := newFixture(t)
	orderID := f.packedOrder("SecondDay")
	quote, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := f.svc.BuyLabel(f.ctx, f.tenant, orderID, "user:packer")
	if err != nil {
		t.Fatal(err)
	}
	if sh.ID != quote.ID {
		t.Fatalf("bought shipment %s, not the decided %s", sh.ID, quote.ID)
	}
	if sh.Status != api.ShipmentLabeled || sh.TrackingNumber == "" || sh.Cost != "8.40" || sh.Carrier != "usps" || sh.LabeledAt == nil {
		t.Fatalf("labeled shipment %+v", sh)
	}
	if strings.Join(sh.LabelFormats, ",") != "zpl,pdf" || sh.LabelNote != "" {
		t.Fatalf("formats %v note %q", sh.LabelFormats, sh.LabelNote)
	}
	buy := f.fakes[carrier.EasyPost].lastBuy()
	o, _ := f.orders.Get(f.ctx, f.tenant, orderID)
	if buy.Format != api.LabelZPL || buy.Service != "Priority" || buy.RateID != "rate_123" || buy.Carrier != "USPS" ||
		buy.IdempotencyKey != sh.ID || buy.Reference != strconv.FormatInt(o.Number, 10) || buy.Parcel.WeightOz != 44 ||
		buy.ShipDate.String() != "2026-12-01" || buy.To.PostalCode != "60606" {
		t.Fatalf("label request %+v", buy)
	}
	if o.Status != api.StatusLabeled {
		t.Fatalf("order is %s", o.Status)
	}
	zpl, err := f.svc.Label(f.ctx, f.tenant, sid(sh), "zpl")
	if err != nil || !bytes.HasPrefix(zpl, []byte("^XA")) || !bytes.Contains(zpl, []byte(sh.TrackingNumber)) {
		t.Fatalf("zpl %q %v", zpl, err)
	}
	pdf, err := f.svc.Label(f.ctx, f.tenant, sid(sh), "PDF")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || !bytes.Contains(pdf, zpl) {
		t.Fatalf("pdf %q %v", pdf, err)
	}
	// Reprint returns the same bytes; no second purchase.
	again, _ := f.svc.Label(f.ctx, f.tenant, sid(sh), "zpl")
	if !bytes.Equal(again, zpl) {
		t.Fatal("reprint differs")
	}
	_, err = f.svc.Label(f.ctx, f.tenant, sid(sh), "png")
	wantKind(t, err, apperr.KindInvalid, `format "png" must be zpl or pdf`)

	// A second purchase is refused.
	_, err = f.svc.BuyLabel(f.ctx, f.tenant, orderID, "test")
	wantKind(t, err, apperr.KindConflict, "LABELED")
	if n := f.fakes[carrier.EasyPost].buyCount(); n != 1 {
		t.Fatalf("labels bought: %d", n)
	}

	// Void: the provider is told, the order goes back to PACKED, the label
	// can no longer be printed, and a new one can be bought.
	v, err := f.svc.Void(f.ctx, f.tenant, sid(sh), "user:packer")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != api.ShipmentVoided || v.VoidedAt == nil || f.fakes[carrier.EasyPost].voids[0].TrackingNumber != sh.TrackingNumber {
		t.Fatalf("void %+v", v)
	}
	if st := f.orderStatus(orderID); st != api.StatusPacked {
		t.Fatalf("order after void is %s", st)
	}
	_, err = f.svc.Label(f.ctx, f.tenant, sid(sh), "zpl")
	wantKind(t, err, apperr.KindConflict, "voided")
	_, err = f.svc.Void(f.ctx, f.tenant, sid(sh), "test")
	wantKind(t, err, apperr.KindConflict, "voided")
	sh2, err := f.svc.BuyLabel(f.ctx, f.tenant, orderID, "test")
	if err != nil || sh2.ID == sh.ID || sh2.Status != api.ShipmentLabeled {
		t.Fatalf("relabel %+v %v", sh2, err)
	}
}

// Without a fresh decision BuyLabel rates first; without a PDF renderer the
// ZPL is kept and the missing PDF explained.
func TestBuyLabelRatesFirstAndNotesMissingPDF(t *testing.T) {
	f := newFixture(t, withoutPDF())
	orderID := f.packedOrder("SecondDay")
	sh, err := f.svc.BuyLabel(f.ctx, f.tenant, orderID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != api.ShipmentLabeled || sh.Provider != carrier.EasyPost || sh.Decision.Winner == nil {
		t.Fatalf("shipment %+v", sh)
	}
	if strings.Join(sh.LabelFormats, ",") != "zpl" || !strings.Contains(sh.LabelNote, "PDF not available") {
		t.Fatalf("formats %v note %q", sh.LabelFormats, sh.LabelNote)
	}
	_, err = f.svc.Label(f.ctx, f.tenant, sid(sh), "pdf")
	wantKind(t, err, apperr.KindNotFound, "no PDF label", "PDF not available")

	// A provider that only gives PDF: the PDF is kept, the ZPL explained.
	f.fakes[carrier.EasyPost].set(func(x *fakeCarrier) { x.labelFormat = "pdf" })
	other := f.packedOrder("SecondDay")
	sh, err = f.svc.BuyLabel(f.ctx, f.tenant, other, "test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sh.LabelFormats, ",") != "pdf" || !strings.Contains(sh.LabelNote, "ZPL not available") {
		t.Fatalf("formats %v note %q", sh.LabelFormats, sh.LabelNote)
	}
}

// A stale decision is rated again before buying; concurrent purchases of one
// order buy one label.
func TestStaleQuoteIsRatedAgainAndConcurrentBuysBuyOnce(t *testing.T) {
	f := newFixture(t)
	orderID := f.packedOrder("SecondDay")
	old, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(5 * time.Hour)
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = f.svc.BuyLabel(f.ctx, f.tenant, orderID, "test")
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("concurrent buy: %v", err)
		}
	}
	if ok != 1 || f.fakes[carrier.EasyPost].buyCount() != 1 {
		t.Fatalf("%d purchases succeeded, %d labels bought", ok, f.fakes[carrier.EasyPost].buyCount())
	}
	list, _ := f.svc.ListShipments(f.ctx, f.tenant, &orderID, false, 0)
	for _, s := range list {
		if s.ID == old.ID && s.Status != api.ShipmentQuoted {
			t.Fatalf("the stale quote was bought: %+v", s)
		}
	}
}
