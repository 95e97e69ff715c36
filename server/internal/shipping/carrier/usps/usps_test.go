package usps_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/usps"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	uspssim "github.com/manifold-oms/manifold/server/sim/usps"
)

func TestRatesComputed(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	// A flat parcel that also fits a flat rate envelope, which is cheaper
	// but needs USPS packaging: the single-piece price must be quoted.
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest(32, 10, 8, 0.5))
	if err != nil {
		t.Fatal(err)
	}
	got := byService(qs)
	// 94107 → 10118 is zone 7; 2 lb; mailed Monday 2026-03-02.
	want := []struct {
		service, amount, date string
		days                  int
		guaranteed            bool
	}{
		{usps.GroundAdvantage, "9.60", "2026-03-06", 4, false},
		{usps.Priority, "15.50", "2026-03-04", 2, false},
		{usps.PriorityExpress, "43.10", "2026-03-04", 2, true},
	}
	if len(qs) != len(want) {
		t.Fatalf("got %d quotes, want %d: %+v", len(qs), len(want), qs)
	}
	for _, w := range want {
		q, ok := got[w.service]
		if !ok {
			t.Fatalf("no %s quote in %+v", w.service, qs)
		}
		if q.Amount != w.amount || q.Currency != "USD" || q.Carrier != "usps" || q.Provider != carrier.USPSDirect {
			t.Errorf("%s: amount %q %s carrier %q provider %q, want %s USD", w.service, q.Amount, q.Currency, q.Carrier, q.Provider, w.amount)
		}
		if q.DeliveryDate == nil || q.DeliveryDate.String() != w.date {
			t.Errorf("%s: delivery date %v, want %s", w.service, q.DeliveryDate, w.date)
		}
		if q.BusinessDays == nil || *q.BusinessDays != w.days {
			t.Errorf("%s: business days %v, want %d", w.service, q.BusinessDays, w.days)
		}
		if q.Guaranteed != w.guaranteed {
			t.Errorf("%s: guaranteed %v", w.service, q.Guaranteed)
		}
		if q.RateID != "SP:MACHINABLE" {
			t.Errorf("%s: rate id %q, want the single-piece SP:MACHINABLE", w.service, q.RateID)
		}
	}
}

func TestRatesScripted(t *testing.T) {
	sc := &carrierscript.Provider{LatencyMS: 60, Quotes: []carrierscript.Quote{
		{Carrier: "usps", Service: usps.Priority, Amount: "8.40", Currency: "USD", DeliveryDate: "2026-03-05"},
		{Carrier: "usps", Service: usps.GroundAdvantage, Amount: "1234.50", Currency: "USD", BusinessDays: intp(3), Guaranteed: false},
		{Carrier: "usps", Service: usps.PriorityExpress, Amount: "26", Currency: "USD", Guaranteed: true},
	}}
	f := newFixture(t, uspssim.Options{Script: sc})
	began := time.Now()
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest(12, 6, 6, 6))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(began); el < 60*time.Millisecond {
		t.Errorf("answered in %s, before the scripted latency", el)
	}
	got := byService(qs)
	if q := got[usps.Priority]; q.Amount != "8.40" || q.DeliveryDate == nil || q.DeliveryDate.String() != "2026-03-05" ||
		q.BusinessDays == nil || *q.BusinessDays != 3 || q.Guaranteed {
		t.Errorf("priority %+v", q)
	}
	if q := got[usps.GroundAdvantage]; q.Amount != "1234.50" || q.BusinessDays == nil || *q.BusinessDays != 3 ||
		q.DeliveryDate == nil || q.DeliveryDate.String() != "2026-03-05" {
		t.Errorf("ground advantage %+v", q)
	}
	if q := got[usps.PriorityExpress]; q.Amount != "26.00" || q.DeliveryDate != nil || q.BusinessDays != nil || q.Guaranteed {
		t.Errorf("express without an estimate %+v", q)
	}
	for _, q := range qs {
		if _, err := rateshop.ParseCents(q.Amount); err != nil {
			t.Errorf("%s: %v", q.Service, err)
		}
	}
}

func TestDimensionalWeight(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	rate := func(oz, l, w, h float64) map[string]rateshop.Quote {
		t.Helper()
		qs, err := f.a.Rates(context.Background(), f.conn, rateRequest(oz, l, w, h))
		if err != nil {
			t.Fatal(err)
		}
		return byService(qs)
	}
	small := rate(32, 6, 6, 6)
	cube := rate(32, 12, 12, 12) // exactly 1,728 in³: no dimensional weight
	big := rate(32, 20, 14, 10)  // 2,800 in³ / 166 → 17 lb
	heavy := rate(17*16, 6, 6, 6)
	for _, s := range []string{usps.GroundAdvantage, usps.Priority, usps.PriorityExpress} {
		if cube[s].Amount != small[s].Amount {
			t.Errorf("%s: one cubic foot priced %s, a small box %s", s, cube[s].Amount, small[s].Amount)
		}
		if big[s].Amount != heavy[s].Amount || big[s].Amount == small[s].Amount {
			t.Errorf("%s: large light box priced %s, a 17 lb box %s, a small box %s", s, big[s].Amount, heavy[s].Amount, small[s].Amount)
		}
	}
}

func TestTokenExpiryRefreshesAndRetries(t *testing.T) {
	f := newFixture(t, uspssim.Options{TokenLifetime: 30 * time.Minute})
	ctx := context.Background()
	req := rateRequest(16, 6, 6, 6)
	if _, err := f.a.Rates(ctx, f.conn, req); err != nil {
		t.Fatal(err)
	}
	// USPS revokes the token behind the adapter's back: one 401, one new
	// token, one retry.
	f.sim.ExpireTokens()
	if _, err := f.a.Rates(ctx, f.conn, req); err != nil {
		t.Fatal(err)
	}
	if n := f.sim.Calls(uspssim.OpToken); n != 2 {
		t.Errorf("token requests %d, want 2", n)
	}
	if n := f.sim.Calls(uspssim.OpOptions); n != 3 {
		t.Errorf("options requests %d, want 3 (one refused, retried)", n)
	}
	// Past its lifetime the cached token is not even tried.
	f.clk.advance(31 * time.Minute)
	if _, err := f.a.Rates(ctx, f.conn, req); err != nil {
		t.Fatal(err)
	}
	if n, m := f.sim.Calls(uspssim.OpToken), f.sim.Calls(uspssim.OpOptions); n != 3 || m != 4 {
		t.Errorf("after expiry: token requests %d (want 3), options requests %d (want 4)", n, m)
	}
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	f := newFixture(t, uspssim.Options{RevokeOnReissue: true})
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.a.Rates(context.Background(), f.conn, rateRequest(16, 6, 6, 6))
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := f.sim.Calls(uspssim.OpToken); n != 1 {
		t.Errorf("token requests %d, want 1 (refreshes serialized)", n)
	}
}

func TestUnauthorized(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	bad := f.conn
	bad.Credentials = map[string]string{usps.CredClientID: "usps-sim-consumer-key", usps.CredClientSecret: "wrong"}
	_, err := f.a.Rates(context.Background(), bad, rateRequest(16, 6, 6, 6))
	if !errors.Is(err, carrier.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong secret: %v", err)
	}
	// A token refused even when fresh.
	if err := f.sim.InjectFault(uspssim.FaultUnauthorized, 2); err != nil {
		t.Fatal(err)
	}
	_, err = f.a.Rates(context.Background(), f.conn, rateRequest(16, 6, 6, 6))
	if !errors.Is(err, carrier.ErrUnauthorized) {
		t.Errorf("refused twice: %v", err)
	}
}

func TestThrottled(t *testing.T) {
	f := newFixture(t, uspssim.Options{RetryAfter: 17 * time.Second})
	if err := f.sim.InjectFault(uspssim.FaultThrottle, 1); err != nil {
		t.Fatal(err)
	}
	_, err := f.a.Rates(context.Background(), f.conn, rateRequest(16, 6, 6, 6))
	var th *carrier.Throttled
	if !errors.As(err, &th) || th.RetryAfter != 17*time.Second || th.Message == "" {
		t.Fatalf("injected 429: %v", err)
	}
	f.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail429})
	_, err = f.a.Rates(context.Background(), f.conn, rateRequest(16, 6, 6, 6))
	if !errors.As(err, &th) || th.RetryAfter != 17*time.Second {
		t.Fatalf("scripted 429: %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	f := newFixture(t, uspssim.Options{Script: &carrierscript.Provider{Failure: carrierscript.Fail503}})
	_, err := f.a.Rates(context.Background(), f.conn, rateRequest(16, 6, 6, 6))
	var th *carrier.Throttled
	var rej *carrier.Rejection
	if err == nil || errors.As(err, &th) || errors.As(err, &rej) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503: %v", err)
	}
}

func TestHangEndsAtDeadline(t *testing.T) {
	f := newFixture(t, uspssim.Options{Script: &carrierscript.Provider{Failure: carrierscript.FailHang}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := f.a.Rates(ctx, f.conn, rateRequest(16, 6, 6, 6))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	if el := time.Since(began); el > 2*time.Second {
		t.Errorf("returned after %s", el)
	}
}

func TestAddressRejection(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	req := rateRequest(16, 6, 6, 6)
	req.To.PostalCode = "00000"
	_, err := f.a.Rates(context.Background(), f.conn, req)
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !rej.Address || rej.Status != 400 ||
		rej.Message != "The destination ZIP Code 00000 is not a valid ZIP Code." {
		t.Fatalf("rates to 00000: %v (%+v)", err, rej)
	}
	lr := labelRequest(usps.Priority, "zpl")
	lr.To.PostalCode = "00000"
	_, err = f.a.BuyLabel(context.Background(), f.conn, lr)
	if !errors.As(err, &rej) || !rej.Address || rej.Message != "Address Not Found: ZIP Code 00000 does not exist." {
		t.Fatalf("label to 00000: %v (%+v)", err, rej)
	}
	// A bad parameter that is not an address is no address rejection.
	lr = labelRequest(usps.Priority, "zpl")
	lr.Parcel.WeightOz = 0
	_, err = f.a.BuyLabel(context.Background(), f.conn, lr)
	if !errors.As(err, &rej) || rej.Address || !strings.Contains(rej.Message, "weight") {
		t.Fatalf("zero weight: %v (%+v)", err, rej)
	}
}

func TestBuyLabel(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest(32, 10, 8, 4))
	if err != nil {
		t.Fatal(err)
	}
	q := byService(qs)[usps.Priority]
	req := labelRequest(usps.Priority, "zpl")
	req.RateID = q.RateID
	req.IdempotencyKey = "order-1001-parcel-1"
	l, err := f.a.BuyLabel(ctx, f.conn, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(l.Data, []byte("^XA")) || !bytes.HasSuffix(bytes.TrimSpace(l.Data), []byte("^XZ")) || l.Format != "zpl" {
		t.Errorf("zpl label %q…", l.Data[:min(40, len(l.Data))])
	}
	if !bytes.Contains(l.Data, []byte("SO-1001")) || !bytes.Contains(l.Data, []byte(l.TrackingNumber)) {
		t.Error("the label lacks the reference or the tracking number")
	}
	cents, _ := rateshop.ParseCents(q.Amount)
	if l.CostCents != cents || l.Currency != "USD" || len(l.TrackingNumber) != 22 || l.Provider != carrier.USPSDirect {
		t.Errorf("label %+v, quote %s", l, q.Amount)
	}
	// A retried purchase with the same key is the same label.
	again, err := f.a.BuyLabel(ctx, f.conn, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.TrackingNumber != l.TrackingNumber || len(f.sim.Labels()) != 1 {
		t.Errorf("retry bought %s (first %s), %d labels", again.TrackingNumber, l.TrackingNumber, len(f.sim.Labels()))
	}
	pdf, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.GroundAdvantage, "pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) || pdf.Format != "pdf" || pdf.TrackingNumber == l.TrackingNumber {
		t.Errorf("pdf label %q…", pdf.Data[:min(20, len(pdf.Data))])
	}
	if n := f.sim.Calls(uspssim.OpPayment); n != 1 {
		t.Errorf("payment authorizations %d, want 1 (cached)", n)
	}
}

func TestRefusedPaymentTokenIsReplaced(t *testing.T) {
	f := newFixture(t, uspssim.Options{PaymentTokenLifetime: time.Hour}, usps.WithPaymentTokenTTL(24*time.Hour))
	ctx := context.Background()
	if _, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.Priority, "zpl")); err != nil {
		t.Fatal(err)
	}
	f.clk.advance(2 * time.Hour)
	if _, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.Priority, "zpl")); err != nil {
		t.Fatal(err)
	}
	if n := f.sim.Calls(uspssim.OpPayment); n != 2 {
		t.Errorf("payment authorizations %d, want 2", n)
	}
}

func TestVoid(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	ctx := context.Background()
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.Priority, "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.Void(ctx, f.conn, l); err != nil {
		t.Fatal(err)
	}
	if ls := f.sim.Labels(); len(ls) != 1 || !ls[0].Canceled {
		t.Errorf("labels after void %+v", ls)
	}
	var rej *carrier.Rejection
	if err := f.a.Void(ctx, f.conn, l); !errors.As(err, &rej) || rej.Status != 400 || !strings.Contains(rej.Message, "already been canceled") {
		t.Errorf("second void: %v", err)
	}
	used, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.Priority, "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sim.Advance(used.TrackingNumber, "accepted"); err != nil {
		t.Fatal(err)
	}
	if err := f.a.Void(ctx, f.conn, used); !errors.As(err, &rej) || !strings.Contains(rej.Message, "scanned") {
		t.Errorf("void after acceptance: %v", err)
	}
}

func TestTrackProgresses(t *testing.T) {
	f := newFixture(t, uspssim.Options{AcceptanceDelay: 3 * time.Hour})
	ctx := context.Background()
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.Priority, "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := f.a.Track(ctx, f.conn, l.TrackingNumber)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != carrier.StatusPreTransit || len(tr.Events) != 1 || tr.EstimatedDelivery == nil {
		t.Fatalf("new label %+v", tr)
	}
	f.clk.advance(3 * time.Hour)
	if tr, err = f.a.Track(ctx, f.conn, l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	if tr.Status != carrier.StatusAccepted || len(tr.Events) != 2 || tr.Events[1].Code != "OA" ||
		!tr.Events[1].At.Equal(start.Add(3*time.Hour)) || tr.Events[1].Location != "San Francisco CA 94107" {
		t.Fatalf("after the acceptance delay %+v", tr)
	}
	if err := f.sim.Advance(l.TrackingNumber, "delivered"); err != nil {
		t.Fatal(err)
	}
	if tr, err = f.a.Track(ctx, f.conn, l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered}
	if tr.Status != carrier.StatusDelivered || len(tr.Events) != len(want) || tr.EstimatedDelivery != nil {
		t.Fatalf("delivered %+v", tr)
	}
	for i, e := range tr.Events {
		if e.Status != want[i] {
			t.Errorf("event %d status %s, want %s", i, e.Status, want[i])
		}
		if i > 0 && e.At.Before(tr.Events[i-1].At) {
			t.Errorf("events not oldest first: %v", tr.Events)
		}
	}
	var rej *carrier.Rejection
	if _, err := f.a.Track(ctx, f.conn, "9400111000000000000000"); !errors.As(err, &rej) || rej.Status != 404 {
		t.Errorf("unknown number: %v", err)
	}
}

func TestSCANForm(t *testing.T) {
	f := newFixture(t, uspssim.Options{})
	ctx := context.Background()
	var tns []string
	for range 2 {
		l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(usps.GroundAdvantage, "zpl"))
		if err != nil {
			t.Fatal(err)
		}
		tns = append(tns, l.TrackingNumber)
	}
	m, err := f.a.Manifest(ctx, f.conn, carrier.ManifestRequest{ShipDate: rateshop.DateOf(start), From: from, TrackingNumbers: tns})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.ID, "92750") || len(m.TrackingNumbers) != 2 || !bytes.HasPrefix(m.Document, []byte("%PDF-")) {
		t.Errorf("scan form %s %v %q…", m.ID, m.TrackingNumbers, m.Document[:min(10, len(m.Document))])
	}
	forms := f.sim.SCANForms()
	if len(forms) != 1 || forms[0].ManifestNumber != m.ID || len(forms[0].TrackingNumbers) != 2 {
		t.Errorf("simulator forms %+v", forms)
	}
	// A label already on a form is refused in USPS's words.
	_, err = f.a.Manifest(ctx, f.conn, carrier.ManifestRequest{ShipDate: rateshop.DateOf(start), From: from, TrackingNumbers: tns[:1]})
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !strings.Contains(rej.Message, "already on SCAN form "+m.ID) {
		t.Errorf("second form: %v", err)
	}
}
