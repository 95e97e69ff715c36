package shipping_test

import (
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
)

// The example, end to end: an Amazon SecondDay order maps to the
// 2-Day promise; UPS Ground is cheapest but takes 3 business days, FedEx
// 2Day is $9.10, USPS Priority through EasyPost $8.40 in 2 days → USPS
// Priority, saving $0.70 against the tenant's default (FedEx 2Day).
func TestWorkedExample(t *testing.T) {
	f := newFixture(t)
	orderID := f.packedOrder("SecondDay")

	sh, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != api.ShipmentQuoted || sh.Provider != carrier.EasyPost || sh.Carrier != "usps" || sh.Service != "Priority" || sh.Quoted != "8.40" {
		t.Fatalf("winner: %+v", sh)
	}
	// The parcel: 2 × 12 oz + 20 oz, in the box of the largest product.
	if sh.Parcel != (api.Parcel{WeightOz: 44, LengthIn: 12, WidthIn: 10, HeightIn: 6}) {
		t.Fatalf("parcel %+v", sh.Parcel)
	}
	req := f.fakes[carrier.UPSDirect].lastRate
	if req.WeightOz != 44 || req.To.PostalCode != "60606" || req.From.PostalCode != "75202" || req.ShipDate.String() != "2026-12-01" {
		t.Fatalf("rate request %+v", req)
	}
	if conn := f.fakes[carrier.EasyPost].lastConn; conn.Credentials["api_key"] != "secret-easypost" {
		t.Fatalf("adapter got credentials %v", conn.Credentials)
	}

	// The stored decision explains itself.
	got, err := f.svc.GetShipment(f.ctx, f.tenant, sid(sh))
	if err != nil {
		t.Fatal(err)
	}
	d := got.Decision
	if d.Promise.Level != "two_day" || d.Promise.MaxBusinessDays != 2 || d.TenderDate != "2026-12-01" || d.Deadline != "2026-12-03" {
		t.Fatalf("promise and dates: %+v", d)
	}
	if len(d.Quotes) != 4 {
		t.Fatalf("want every quote kept, got %d: %+v", len(d.Quotes), d.Quotes)
	}
	ground := quoteOf(d, carrier.UPSDirect, "03")
	if ground.Eligible || !strings.Contains(ground.Excluded, "estimated delivery 2026-12-04") || !strings.Contains(ground.Excluded, "after the deadline 2026-12-03") {
		t.Fatalf("UPS Ground should be excluded for its 3 days: %+v", ground)
	}
	if q := quoteOf(d, carrier.FedExDirect, "FEDEX_2_DAY"); !q.Eligible || q.Price != "9.10" || q.EstimateSource != "carrier_date" {
		t.Fatalf("FedEx 2Day: %+v", q)
	}
	if q := quoteOf(d, carrier.UPSDirect, "02"); !q.Eligible || q.Price != "14.10" {
		t.Fatalf("UPS 2nd Day Air: %+v", q)
	}
	if d.Winner == nil || d.Winner.Provider != carrier.EasyPost || d.Winner.Price != "8.40" || d.Winner.EstimatedDelivery != "2026-12-03" {
		t.Fatalf("winner %+v", d.Winner)
	}
	if !strings.Contains(d.WinnerReason, "cheapest eligible quote") || !strings.Contains(d.WinnerReason, "9.10") {
		t.Fatalf("winner reason %q", d.WinnerReason)
	}
	if d.Saving == nil || d.Saving.BaselineService != "fedex_direct/FEDEX_2_DAY" || d.Saving.Baseline != "9.10" || d.Saving.Saved != "0.70" {
		t.Fatalf("saving %+v", d.Saving)
	}
	if got.Saved != "0.70" || d.NeedsReview || len(d.ProviderErrors) != 0 {
		t.Fatalf("shipment %+v", got)
	}
	// Shippo answered with nothing: no quote, no error.
	if f.fakes[carrier.Shippo].rateCalls != 1 {
		t.Fatalf("shippo asked %d times", f.fakes[carrier.Shippo].rateCalls)
	}
}

// The seed's line: the same UPS Ground service at $8.50 through one
// provider and $6.80 through another → $6.80.
func TestSameServiceCheaperThroughAnotherProvider(t *testing.T) {
	f := newFixture(t)
	f.fakes[carrier.UPSDirect].set(func(x *fakeCarrier) {
		x.quotes = []rateshop.Quote{{Carrier: "ups", Service: "03", Amount: "8.50", Currency: "USD", BusinessDays: days(3)}}
	})
	f.fakes[carrier.Shippo].set(func(x *fakeCarrier) {
		x.quotes = []rateshop.Quote{{Carrier: "ups", Service: "ups_ground", Amount: "6.80", Currency: "USD", BusinessDays: days(3)}}
	})
	sh, err := f.svc.QuickRate(f.ctx, f.tenant, "test", api.QuickRateRequest{
		To:     api.Address{PostalCode: "60606", Country: "US"},
		Parcel: api.Parcel{WeightOz: 32, LengthIn: 10, WidthIn: 8, HeightIn: 6}, PromiseLevel: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Provider != carrier.Shippo || sh.Quoted != "6.80" || sh.OrderID != "" || sh.ShipFrom.PostalCode != "75202" {
		t.Fatalf("quick rate: %+v", sh)
	}
	// Measured against the tenant's default for standard, UPS Ground direct.
	if sh.Decision.Saving == nil || sh.Decision.Saving.Saved != "1.70" {
		t.Fatalf("saving %+v", sh.Decision.Saving)
	}
	// The quick quote is stored.
	if _, err := f.svc.GetShipment(f.ctx, f.tenant, sid(sh)); err != nil {
		t.Fatal(err)
	}
}

// A provider that never answers is recorded as timed out and the decision
// is made from the others within the budget.
func TestHangingProviderIsRecordedAndTheRestDecide(t *testing.T) {
	f := newFixture(t)
	f.fakes[carrier.Shippo].set(func(x *fakeCarrier) { x.hang = true })
	orderID := f.packedOrder("SecondDay")
	start := time.Now()
	sh, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 1100*time.Millisecond+500*time.Millisecond {
		t.Fatalf("rate shopping took %s with a 300 ms per-provider timeout", took)
	}
	if sh.Status != api.ShipmentQuoted || sh.Provider != carrier.EasyPost {
		t.Fatalf("decision from the rest: %+v", sh)
	}
	errs := sh.Decision.ProviderErrors
	if len(errs) != 1 || errs[0].Provider != carrier.Shippo || !errs[0].TimedOut || !strings.Contains(errs[0].Error, "no answer within") {
		t.Fatalf("provider errors %+v", errs)
	}
}

// When no quote keeps the promise the shipment goes to review and no label
// is bought: the promise is never downgraded.
func TestNothingEligibleGoesToReviewAndBuysNoLabel(t *testing.T) {
	f := newFixture(t)
	orderID := f.packedOrder("NextDay")
	sh, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != api.ShipmentNeedsReview || sh.Provider != "" || !sh.Decision.NeedsReview || sh.Decision.Winner != nil {
		t.Fatalf("want needs_review, got %+v", sh)
	}
	if !strings.Contains(sh.ReviewReason, `no quote keeps promise "next_day"`) || !strings.Contains(sh.ReviewReason, "deliver by 2026-12-02") {
		t.Fatalf("review reason %q", sh.ReviewReason)
	}
	for _, q := range sh.Decision.Quotes {
		if q.Eligible || q.Excluded == "" {
			t.Fatalf("quote %+v should be excluded with a reason", q)
		}
	}
	_, err = f.svc.BuyLabel(f.ctx, f.tenant, orderID, "test")
	wantKind(t, err, apperr.KindConflict, "needs review", "no label was bought")
	for name, fk := range f.fakes {
		if n := fk.buyCount(); n != 0 {
			t.Fatalf("%s sold %d labels", name, n)
		}
	}
	if st := f.orderStatus(orderID); st != api.StatusPacked {
		t.Fatalf("order is %s", st)
	}
	// A person may decide on another promise; that is recorded and buys.
	sh, err = f.svc.RateOrder(f.ctx, f.tenant, orderID, "user:lead", api.RateOrderRequest{PromiseLevel: "two_day"})
	if err != nil || sh.Status != api.ShipmentQuoted || sh.PromiseLevel != "two_day" {
		t.Fatalf("re-rate with another promise: %+v %v", sh, err)
	}
	if _, err := f.svc.BuyLabel(f.ctx, f.tenant, orderID, "user:lead"); err != nil {
		t.Fatal(err)
	}
}

// A carrier that refuses the address: while rating the refusal is kept
// verbatim in the decision; when buying, the shipment goes to review with
// the carrier's words and nothing is bought.
func TestAddressRejection(t *testing.T) {
	f := newFixture(t)
	const msg = "ADDRESS.VERIFY.FAILURE: Address not found: 233 S Wacker Dr, Chicago IL 60606"
	for _, fk := range f.fakes {
		fk.set(func(x *fakeCarrier) {
			x.rateErr = &carrier.Rejection{Status: 422, Code: "ADDRESS.VERIFY.FAILURE", Message: "Address not found: 233 S Wacker Dr, Chicago IL 60606", Address: true}
			x.quotes = nil
		})
	}
	orderID := f.packedOrder("SecondDay")
	sh, err := f.svc.RateOrder(f.ctx, f.tenant, orderID, "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != api.ShipmentNeedsReview || !strings.Contains(sh.ReviewReason, "easypost: "+msg) {
		t.Fatalf("rating refusal: %+v", sh)
	}

	// Rating succeeds, the purchase is refused.
	g := newFixture(t)
	g.fakes[carrier.EasyPost].set(func(x *fakeCarrier) {
		x.buyErr = &carrier.Rejection{Status: 422, Code: "ADDRESS.VERIFY.FAILURE", Message: "Address not found: 233 S Wacker Dr, Chicago IL 60606", Address: true}
	})
	orderID = g.packedOrder("SecondDay")
	_, err = g.svc.BuyLabel(g.ctx, g.tenant, orderID, "test")
	wantKind(t, err, apperr.KindConflict, "easypost refused the address", msg)
	list, err := g.svc.ListShipments(g.ctx, g.tenant, &orderID, false, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("shipments %+v %v", list, err)
	}
	if list[0].Status != api.ShipmentNeedsReview || list[0].ReviewReason != msg || list[0].TrackingNumber != "" {
		t.Fatalf("shipment after refusal: %+v", list[0])
	}
	if st := g.orderStatus(orderID); st != api.StatusPacked {
		t.Fatalf("order is %s", st)
	}
	// Buying again does not retry behind the person's back.
	_, err = g.svc.BuyLabel(g.ctx, g.tenant, orderID, "test")
	wantKind(t, err, apperr.KindConflict, "needs review", msg)
	if n := g.fakes[carrier.EasyPost].buyCount(); n != 1 {
		t.Fatalf("purchases tried: %d", n)
	}
}

// After the carrier's cut-off the parcel is tendered the next business day,
// and the promise counts from there.
func TestCutoffMovesTheTenderDate(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Date(2026, 12, 4, 16, 30, 0, 0, chicago)) // Friday, after the 16:00 cut-off
	sh, err := f.svc.RateOrder(f.ctx, f.tenant, f.packedOrder("SecondDay"), "test", api.RateOrderRequest{})
	if err != nil {
		t.Fatal(err)
	}
	d := sh.Decision
	if d.ShipDate != "2026-12-04" || d.TenderDate != "2026-12-07" || d.Deadline != "2026-12-09" || sh.ShipDate != "2026-12-07" {
		t.Fatalf("dates: ship %s tender %s deadline %s, shipment %s", d.ShipDate, d.TenderDate, d.Deadline, sh.ShipDate)
	}
	if got := f.fakes[carrier.EasyPost].lastRate.ShipDate.String(); got != "2026-12-07" {
		t.Fatalf("providers were asked for ship date %s", got)
	}
	if sh.Provider != carrier.EasyPost {
		t.Fatalf("winner %s", sh.Provider)
	}
}
