package fedex_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/fedex"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	fedexsim "github.com/manifold-oms/manifold/server/sim/fedex"
)

func TestDecimal(t *testing.T) {
	for in, want := range map[string]string{"30.5": "30.50", "445.54": "445.54", "12": "12.00", "1.2E1": "12.00", "0.0": "0.00", "8.400": "8.40"} {
		if got, err := fedex.Decimal(json.Number(in)); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"12.345", "1.2345e1", "-1", "", "1e400x"} {
		if got, err := fedex.Decimal(json.Number(in)); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

func TestRatesComputedByTheSimulator(t *testing.T) {
	e := setup(t, fedexsim.Options{AccountPercentOff: 10})
	qs, err := e.a.Rates(ctx(t), e.conn, rateReq())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 7 {
		t.Fatalf("%d quotes: %+v", len(qs), qs)
	}
	// 7 lb dimensional in zone 3. ACCOUNT rates (10% off LIST) are preferred:
	// Ground 17.80 → 16.02, 2Day 47.50 → 42.75.
	got := byService(qs)
	for _, tc := range []struct {
		service, name, amount, date string
		days                        int
		guaranteed                  bool
	}{
		{"FEDEX_GROUND", "FedEx Ground", "16.02", "none", 2, false},
		{"FEDEX_2_DAY", "FedEx 2Day", "42.75", "2026-03-04", 2, true},
		{"PRIORITY_OVERNIGHT", "FedEx Priority Overnight", "", "2026-03-03", 1, true},
	} {
		q, ok := got[tc.service]
		if !ok {
			t.Fatalf("no %s", tc.service)
		}
		if (tc.amount != "" && q.Amount != tc.amount) || q.ServiceName != tc.name || q.Currency != "USD" || q.Carrier != "fedex" || q.Provider != carrier.FedExDirect {
			t.Errorf("%s: %+v", tc.service, q)
		}
		if dateStr(q.DeliveryDate) != tc.date || daysOf(q.BusinessDays) != tc.days || q.Guaranteed != tc.guaranteed {
			t.Errorf("%s: arrives %s in %d days guaranteed %v; want %s, %d, %v", tc.service,
				dateStr(q.DeliveryDate), daysOf(q.BusinessDays), q.Guaranteed, tc.date, tc.days, tc.guaranteed)
		}
	}

	// Without an account discount the LIST number 17.8 is exactly 17.80;
	// a residence gets Home Delivery instead of Ground.
	e2 := setup(t, fedexsim.Options{})
	req := rateReq()
	req.To.Residential = true
	qs, err = e2.a.Rates(ctx(t), e2.conn, req)
	if err != nil {
		t.Fatal(err)
	}
	got = byService(qs)
	if _, ok := got["FEDEX_GROUND"]; ok {
		t.Error("Ground offered to a residence")
	}
	// 17.80 plus the 5.80 residential surcharge.
	if h := got["GROUND_HOME_DELIVERY"]; h.Amount != "23.60" {
		t.Errorf("Home Delivery: %+v", h)
	}
}

func TestRatesFromTheScript(t *testing.T) {
	three, one := 3, 1
	e := setup(t, fedexsim.Options{Script: &carrierscript.Provider{Quotes: []carrierscript.Quote{
		{Carrier: "fedex", Service: "FEDEX_2_DAY", Amount: "9.10", Currency: "USD", DeliveryDate: "2026-12-02"},
		{Carrier: "fedex", Service: "FEDEX_GROUND", Amount: "8.40", Currency: "USD", BusinessDays: &three},
		{Carrier: "fedex", Service: "PRIORITY_OVERNIGHT", Amount: "30", Currency: "USD", BusinessDays: &one, Guaranteed: true},
		{Carrier: "ups", Service: "03", Amount: "1.00", Currency: "USD"},
	}}})
	qs, err := e.a.Rates(ctx(t), e.conn, rateReq())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 3 {
		t.Fatalf("%d quotes: %+v", len(qs), qs)
	}
	got := byService(qs)
	for _, tc := range []struct {
		service, amount, date string
		days                  int
		guaranteed            bool
	}{
		{"FEDEX_2_DAY", "9.10", "2026-12-02", -1, false},
		{"FEDEX_GROUND", "8.40", "none", 3, false},
		{"PRIORITY_OVERNIGHT", "30.00", "none", 1, true},
	} {
		q := got[tc.service]
		if q.Amount != tc.amount || dateStr(q.DeliveryDate) != tc.date || daysOf(q.BusinessDays) != tc.days || q.Guaranteed != tc.guaranteed {
			t.Errorf("%s: %s on %s in %d days, guaranteed %v", tc.service, q.Amount, dateStr(q.DeliveryDate), daysOf(q.BusinessDays), q.Guaranteed)
		}
		if c, err := rateshop.ParseCents(q.Amount); err != nil || c == 0 {
			t.Errorf("%s: %v", tc.service, err)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	e := setup(t, fedexsim.Options{})
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	// expires_in 3599 (a number) is cached until five minutes before it ends.
	for k, exp := range e.cache.expires {
		if !strings.HasPrefix(k, "acct-1:fedex:") || !exp.Equal(start.Add(3599*time.Second-5*time.Minute)) {
			t.Errorf("cached %q until %v", k, exp)
		}
	}
	e.clock.Advance(3599*time.Second - 4*time.Minute)
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls(fedexsim.OpOAuth); n != 2 {
		t.Fatalf("%d token requests: the token about to expire was not renewed", n)
	}
	e.control(t, "POST", "/_sim/tokens/expire", "")
	rates := e.sim.Calls(fedexsim.OpRate)
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatalf("after a server-side expiry: %v", err)
	}
	if n := e.sim.Calls(fedexsim.OpOAuth); n != 3 || e.sim.Calls(fedexsim.OpRate)-rates != 2 {
		t.Errorf("%d token requests, %d rate requests", n, e.sim.Calls(fedexsim.OpRate)-rates)
	}
	if err := e.sim.InjectFault(fedexsim.Fault{Kind: fedexsim.FaultUnauthorized, Op: fedexsim.OpRate, Count: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); !errors.Is(err, carrier.ErrUnauthorized) || !strings.Contains(err.Error(), "NOT.AUTHORIZED.ERROR") {
		t.Errorf("two 401s: %v", err)
	}
	e.conn.Credentials = map[string]string{"client_id": "x", "client_secret": "y", "account_number": fedexsim.DefaultAccountNumber}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); !errors.Is(err, carrier.ErrUnauthorized) {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestThrottledUnavailableAndHang(t *testing.T) {
	e := setup(t, fedexsim.Options{RetryAfter: 3 * time.Second})
	e.control(t, "POST", "/_sim/faults", `{"fault":"429","op":"rate"}`)
	_, err := e.a.Rates(ctx(t), e.conn, rateReq())
	var th *carrier.Throttled
	if !errors.As(err, &th) || th.RetryAfter != 3*time.Second || !strings.Contains(th.Message, "TOO.MANY.REQUESTS") {
		t.Fatalf("429: %v", err)
	}

	if err := e.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail503}); err != nil {
		t.Fatal(err)
	}
	_, err = e.a.Rates(ctx(t), e.conn, rateReq())
	var rej *carrier.Rejection
	if err == nil || errors.As(err, &rej) || errors.As(err, &th) || !strings.Contains(err.Error(), "SERVICE.UNAVAILABLE.ERROR") {
		t.Fatalf("503: %v", err)
	}

	if err := e.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.FailHang}); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := e.a.Rates(c, e.conn, rateReq()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("returned after %v", took)
	}
	// Labels are not rated: the script's failure leaves them alone.
	if _, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl")); err != nil {
		t.Errorf("ship while rating hangs: %v", err)
	}
}

func TestAddressRejection(t *testing.T) {
	e := setup(t, fedexsim.Options{})
	req := rateReq()
	req.To.PostalCode = "00000"
	_, err := e.a.Rates(ctx(t), e.conn, req)
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "COUNTRY.POSTALCODE.INVALID" ||
		rej.Message != "Invalid postal code/country combination for the recipient: 00000 is not a postal code of US. Please update and try again." {
		t.Fatalf("rating to 00000: %#v", err)
	}
	lr := labelReq("pdf")
	lr.To.PostalCode = "00000"
	if _, err = e.a.BuyLabel(ctx(t), e.conn, lr); !errors.As(err, &rej) || !rej.Address || rej.Code != "COUNTRY.POSTALCODE.INVALID" {
		t.Fatalf("shipping to 00000: %#v", err)
	}
	lr = labelReq("pdf")
	lr.To.Street1 = ""
	if _, err = e.a.BuyLabel(ctx(t), e.conn, lr); !errors.As(err, &rej) || !rej.Address || rej.Code != "RECIPIENTS.STREETLINES.REQUIRED" {
		t.Fatalf("no street: %#v", err)
	}
	lr = labelReq("pdf")
	lr.Service = "FEDEX_TELEPORT"
	if _, err = e.a.BuyLabel(ctx(t), e.conn, lr); !errors.As(err, &rej) || rej.Address || rej.Code != "SERVICE.TYPE.INVALID" {
		t.Fatalf("unknown service: %#v", err)
	}
}

func TestBuyLabel(t *testing.T) {
	e := setup(t, fedexsim.Options{AccountPercentOff: 10})
	z, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !fedexsim.ValidTrackingNumber(z.TrackingNumber) || z.ProviderShipmentID != z.TrackingNumber {
		t.Errorf("tracking %q", z.TrackingNumber)
	}
	data := string(bytes.TrimSpace(z.Data))
	if !strings.HasPrefix(data, "^XA") || !strings.HasSuffix(data, "^XZ") || !strings.Contains(data, "^FD"+z.TrackingNumber+"^FS") {
		t.Errorf("ZPL label:\n%s", data)
	}
	if z.CostCents != 1602 || z.Currency != "USD" || z.Format != "zpl" || z.Provider != carrier.FedExDirect {
		t.Errorf("label %+v", z)
	}
	p, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.Data, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(p.Data), []byte("%%EOF")) || !bytes.Contains(p.Data, []byte("(SHIP TO:)")) {
		t.Errorf("PDF label: %q…", p.Data[:min(40, len(p.Data))])
	}
	if labels := e.sim.Labels(); len(labels) != 2 || labels[1].Format != "PDF" || labels[0].Reference != "SO-1042" {
		t.Errorf("simulator recorded %+v", labels)
	}
	noPhone := e.conn
	noPhone.Credentials = map[string]string{"client_id": fedexsim.DefaultClientID, "client_secret": fedexsim.DefaultClientSecret, "account_number": fedexsim.DefaultAccountNumber}
	if _, err := e.a.BuyLabel(ctx(t), noPhone, labelReq("zpl")); err == nil || !strings.Contains(err.Error(), "phone_number") {
		t.Errorf("no phone: %v", err)
	}
}

func TestVoid(t *testing.T) {
	e := setup(t, fedexsim.Options{})
	l, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.a.Void(ctx(t), e.conn, l); err != nil {
		t.Fatal(err)
	}
	if labels := e.sim.Labels(); !labels[0].Voided {
		t.Errorf("after cancel: %+v", labels[0])
	}
	var rej *carrier.Rejection
	if err := e.a.Void(ctx(t), e.conn, l); !errors.As(err, &rej) || rej.Code != "SHIPMENT.ALREADY.CANCELLED" || rej.Status != 200 {
		t.Errorf("second cancel: %v", err)
	}
	picked, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Hour)
	if err := e.a.Void(ctx(t), e.conn, picked); !errors.As(err, &rej) || rej.Code != "SHIPMENT.CANCEL.NOTALLOWED" {
		t.Errorf("cancel after pickup: %v", err)
	}
}

func TestTrackProgresses(t *testing.T) {
	e := setup(t, fedexsim.Options{})
	l, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	track := func() carrier.Tracking {
		t.Helper()
		tr, err := e.a.Track(ctx(t), e.conn, l.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	tr := track()
	if tr.Status != carrier.StatusPreTransit || len(tr.Events) != 1 || tr.Events[0].Code != "OC" || dateStr(tr.EstimatedDelivery) != "2026-03-04" {
		t.Fatalf("fresh label: %+v", tr)
	}
	e.clock.Advance(5 * time.Hour)
	if tr = track(); tr.Status != carrier.StatusAccepted || tr.Events[1].Code != "PU" || !tr.Events[1].At.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("after pickup: %+v", tr)
	}
	e.clock.Advance(4 * time.Hour)
	if tr = track(); tr.Status != carrier.StatusInTransit {
		t.Fatalf("in transit: %+v", tr)
	}
	e.control(t, "POST", "/_sim/labels/"+l.TrackingNumber+"/advance", `{"status":"delivered"}`)
	tr = track()
	var statuses []string
	for _, ev := range tr.Events {
		statuses = append(statuses, ev.Status)
	}
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered}
	if tr.Status != carrier.StatusDelivered || strings.Join(statuses, ",") != strings.Join(want, ",") {
		t.Errorf("delivered: %s, events %v", tr.Status, statuses)
	}
	if last := tr.Events[len(tr.Events)-1]; last.Location != "Atlanta, GA, US" || last.Code != "DL" {
		t.Errorf("delivery scan %+v", last)
	}
	var rej *carrier.Rejection
	if _, err := e.a.Track(ctx(t), e.conn, "123456789012"); !errors.As(err, &rej) || rej.Code != "TRACKING.TRACKINGNUMBER.NOTFOUND" {
		t.Errorf("unknown number: %v", err)
	}
}

func TestManifest(t *testing.T) {
	e := setup(t, fedexsim.Options{})
	if _, err := e.a.Manifest(ctx(t), e.conn, carrier.ManifestRequest{}); !errors.Is(err, carrier.ErrNoManifest) {
		t.Errorf("manifest: %v", err)
	}
	if e.a.Name() != "fedex_direct" {
		t.Errorf("name %q", e.a.Name())
	}
}
