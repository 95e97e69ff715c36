package ups_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	upssim "github.com/manifold-oms/manifold/server/sim/ups"
)

func TestRatesComputedByTheSimulator(t *testing.T) {
	e := setup(t, upssim.Options{NegotiatedPercentOff: 10})
	qs, err := e.a.Rates(ctx(t), e.conn, rateReq())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 7 {
		t.Fatalf("%d quotes, want the 7 domestic services: %+v", len(qs), qs)
	}
	// Billed at 7 lb (dimensional) in zone 3: Ground published 18.14,
	// negotiated 10% off 16.32; Next Day Air 99.90 → 89.91.
	tests := []struct {
		service, name, amount, date string
		days                        int
		guaranteed                  bool
	}{
		{"03", "UPS Ground", "16.32", "2026-03-04", 2, false},
		{"01", "UPS Next Day Air", "89.91", "2026-03-03", 1, true},
		{"12", "UPS 3 Day Select", "", "2026-03-05", 3, true},
	}
	got := byService(qs)
	for _, tc := range tests {
		q, ok := got[tc.service]
		if !ok {
			t.Fatalf("no quote for %s", tc.service)
		}
		if tc.amount != "" && q.Amount != tc.amount {
			t.Errorf("%s: amount %s, want %s", tc.service, q.Amount, tc.amount)
		}
		if q.ServiceName != tc.name || q.Currency != "USD" || q.Carrier != "ups" || q.Provider != carrier.UPSDirect {
			t.Errorf("%s: %+v", tc.service, q)
		}
		if dateStr(q.DeliveryDate) != tc.date || daysOf(q.BusinessDays) != tc.days || q.Guaranteed != tc.guaranteed {
			t.Errorf("%s: arrives %s in %d days guaranteed %v; want %s, %d, %v", tc.service,
				dateStr(q.DeliveryDate), daysOf(q.BusinessDays), q.Guaranteed, tc.date, tc.days, tc.guaranteed)
		}
		if _, err := rateshop.ParseCents(q.Amount); err != nil {
			t.Error(err)
		}
	}

	// Without negotiated rates the published total is the amount; a Friday
	// pickup arrives after the weekend.
	e.a = upsNew(e)
	req := rateReq()
	req.ShipDate = rateshop.NewDate(2026, 3, 6)
	qs, err = e.a.Rates(ctx(t), e.conn, req)
	if err != nil {
		t.Fatal(err)
	}
	if g := byService(qs)["03"]; g.Amount != "18.14" || dateStr(g.DeliveryDate) != "2026-03-10" {
		t.Errorf("published Ground from a Friday: %s on %s", g.Amount, dateStr(g.DeliveryDate))
	}
}

func TestRatesFromTheScript(t *testing.T) {
	three, two := 3, 2
	e := setup(t, upssim.Options{Script: &carrierscript.Provider{Quotes: []carrierscript.Quote{
		{Carrier: "ups", Service: "03", Amount: "8.50", Currency: "USD", BusinessDays: &three},
		{Carrier: "ups", Service: "02", Amount: "14.10", Currency: "USD", BusinessDays: &two, Guaranteed: true},
		{Carrier: "ups", Service: "01", Amount: "31.05", Currency: "USD", DeliveryDate: "2026-03-03", Guaranteed: true},
		{Carrier: "fedex", Service: "FEDEX_2_DAY", Amount: "9.10", Currency: "USD"},
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
		{"03", "8.50", "2026-03-05", 3, false},
		{"02", "14.10", "2026-03-04", 2, true},
		{"01", "31.05", "2026-03-03", -1, true},
	} {
		q := got[tc.service]
		if q.Amount != tc.amount || dateStr(q.DeliveryDate) != tc.date || daysOf(q.BusinessDays) != tc.days || q.Guaranteed != tc.guaranteed {
			t.Errorf("%s: %s on %s in %d days, guaranteed %v", tc.service, q.Amount, dateStr(q.DeliveryDate), daysOf(q.BusinessDays), q.Guaranteed)
		}
	}
	cents, _ := rateshop.ParseCents(got["02"].Amount)
	if cents != 1410 {
		t.Errorf("2nd Day Air is %d cents", cents)
	}
}

func TestTokenLifecycle(t *testing.T) {
	e := setup(t, upssim.Options{TokenLifetime: time.Minute})
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	// expires_in "60" (a string) is cached until a tenth before it ends.
	for k, exp := range e.cache.expires {
		if !strings.HasPrefix(k, "acct-1:ups:") || !exp.Equal(start.Add(54*time.Second)) {
			t.Errorf("cached %q until %v", k, exp)
		}
	}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls(upssim.OpOAuth); n != 1 {
		t.Fatalf("%d token requests for two calls", n)
	}

	// Past its lifetime the cache no longer offers the token.
	e.clock.Advance(2 * time.Minute)
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls(upssim.OpOAuth); n != 2 {
		t.Fatalf("%d token requests after expiry", n)
	}

	// A token UPS expired early: the 401 gets a new token and one retry.
	e.control(t, "POST", "/_sim/tokens/expire", "")
	rates := e.sim.Calls(upssim.OpRate)
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatalf("after a server-side expiry: %v", err)
	}
	if n := e.sim.Calls(upssim.OpOAuth); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
	if n := e.sim.Calls(upssim.OpRate) - rates; n != 2 {
		t.Errorf("%d rating requests for one call, want the refused one and its retry", n)
	}

	// Refused again with the fresh token: the credentials are refused.
	if err := e.sim.InjectFault(upssim.Fault{Kind: upssim.FaultUnauthorized, Op: upssim.OpRate, Count: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); !errors.Is(err, carrier.ErrUnauthorized) {
		t.Errorf("two 401s: %v", err)
	}
	// A wrong secret is refused at the token endpoint.
	e.conn.Credentials = map[string]string{"client_id": "x", "client_secret": "y", "account_number": "A1B2C3"}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); !errors.Is(err, carrier.ErrUnauthorized) || !strings.Contains(err.Error(), "ClientId is Invalid") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestThrottled(t *testing.T) {
	e := setup(t, upssim.Options{RetryAfter: 7 * time.Second})
	e.control(t, "POST", "/_sim/faults", `{"fault":"429","op":"rate"}`)
	_, err := e.a.Rates(ctx(t), e.conn, rateReq())
	var th *carrier.Throttled
	if !errors.As(err, &th) || th.RetryAfter != 7*time.Second || !strings.Contains(th.Message, "10429") {
		t.Fatalf("429: %v", err)
	}
	// The fault was for one request.
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail429}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); !errors.As(err, &th) {
		t.Fatalf("scripted 429: %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	e := setup(t, upssim.Options{Script: &carrierscript.Provider{Failure: carrierscript.Fail503}})
	_, err := e.a.Rates(ctx(t), e.conn, rateReq())
	var rej *carrier.Rejection
	var th *carrier.Throttled
	if err == nil || errors.As(err, &rej) || errors.As(err, &th) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("503: %v", err)
	}
}

func TestHangEndsAtTheDeadline(t *testing.T) {
	e := setup(t, upssim.Options{Script: &carrierscript.Provider{Failure: carrierscript.FailHang}})
	c, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := e.a.Rates(c, e.conn, rateReq())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("returned after %v", took)
	}

	// Latency delays the answer; a deadline shorter than it ends the call.
	if err := e.sim.SetScript(&carrierscript.Provider{LatencyMS: 400}); err != nil {
		t.Fatal(err)
	}
	c2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := e.a.Rates(c2, e.conn, rateReq()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("latency past the deadline: %v", err)
	}
	if err := e.sim.SetScript(&carrierscript.Provider{LatencyMS: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Rates(ctx(t), e.conn, rateReq()); err != nil {
		t.Errorf("short latency: %v", err)
	}
}

func TestAddressRejection(t *testing.T) {
	e := setup(t, upssim.Options{})
	req := rateReq()
	req.To.PostalCode = "00000"
	_, err := e.a.Rates(ctx(t), e.conn, req)
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "111285" || rej.Message != "The postal code 00000 is invalid for GA United States." || rej.Status != 400 {
		t.Fatalf("rating to 00000: %#v", err)
	}
	lr := labelReq("zpl")
	lr.To.PostalCode = "00000"
	_, err = e.a.BuyLabel(ctx(t), e.conn, lr)
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "120802" || rej.Message != "Address Validation Error on ShipTo address" {
		t.Fatalf("shipping to 00000: %#v", err)
	}
	// A refusal that is not about an address.
	lr = labelReq("zpl")
	lr.Service = "99"
	if _, err = e.a.BuyLabel(ctx(t), e.conn, lr); !errors.As(err, &rej) || rej.Address || rej.Code != "120115" {
		t.Fatalf("unknown service: %#v", err)
	}
}

func TestBuyLabel(t *testing.T) {
	e := setup(t, upssim.Options{NegotiatedPercentOff: 10})
	z, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !upssim.ValidTrackingNumber(z.TrackingNumber) || z.ProviderShipmentID != z.TrackingNumber {
		t.Errorf("tracking %q, shipment %q", z.TrackingNumber, z.ProviderShipmentID)
	}
	data := string(bytes.TrimSpace(z.Data))
	if !strings.HasPrefix(data, "^XA") || !strings.HasSuffix(data, "^XZ") || !strings.Contains(data, "^FD"+z.TrackingNumber+"^FS") {
		t.Errorf("ZPL label:\n%s", data)
	}
	// Ground, 7 lb billed in zone 3: 18.14, negotiated 16.32.
	if z.CostCents != 1632 || z.Currency != "USD" || z.Format != "zpl" || z.Provider != carrier.UPSDirect || z.Service != "03" {
		t.Errorf("label %+v", z)
	}

	p, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.Data, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(p.Data), []byte("%%EOF")) ||
		!bytes.Contains(p.Data, []byte("/Subtype /Image")) {
		t.Errorf("PDF label: %q…", p.Data[:min(len(p.Data), 40)])
	}
	if p.TrackingNumber == z.TrackingNumber {
		t.Error("two labels share a tracking number")
	}
	if labels := e.sim.Labels(); len(labels) != 2 || labels[0].Format != "ZPL" || labels[1].Format != "GIF" || labels[0].Reference != "SO-1042" {
		t.Errorf("simulator recorded %+v", labels)
	}
	if _, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("png")); err == nil {
		t.Error("png accepted")
	}
}

func TestVoid(t *testing.T) {
	e := setup(t, upssim.Options{})
	l, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.a.Void(ctx(t), e.conn, l); err != nil {
		t.Fatal(err)
	}
	if labels := e.sim.Labels(); !labels[0].Voided || labels[0].Status != "voided" {
		t.Errorf("after void: %+v", labels[0])
	}
	var rej *carrier.Rejection
	if err := e.a.Void(ctx(t), e.conn, l); !errors.As(err, &rej) || rej.Code != "190117" {
		t.Errorf("second void: %v", err)
	}
	picked, err := e.a.BuyLabel(ctx(t), e.conn, labelReq("zpl"))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Hour)
	if err := e.a.Void(ctx(t), e.conn, picked); !errors.As(err, &rej) || rej.Code != "190118" {
		t.Errorf("void after pickup: %v", err)
	}
}

func TestTrackProgresses(t *testing.T) {
	e := setup(t, upssim.Options{})
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
	if tr.Status != carrier.StatusPreTransit || len(tr.Events) != 1 || dateStr(tr.EstimatedDelivery) != "2026-03-04" {
		t.Fatalf("fresh label: %+v", tr)
	}
	e.clock.Advance(5 * time.Hour) // past the pickup scan
	if tr = track(); tr.Status != carrier.StatusAccepted || tr.Events[1].Code != "PU" || !tr.Events[1].At.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("after pickup: %+v", tr)
	}
	e.clock.Advance(4 * time.Hour)
	if tr = track(); tr.Status != carrier.StatusInTransit || tr.Events[1].Status != carrier.StatusAccepted {
		t.Fatalf("in transit: %+v", tr)
	}
	e.control(t, "POST", "/_sim/labels/"+l.TrackingNumber+"/advance", `{"status":"delivered"}`)
	tr = track()
	var statuses []string
	for i, ev := range tr.Events {
		statuses = append(statuses, ev.Status)
		if i > 0 && ev.At.Before(tr.Events[i-1].At) {
			t.Errorf("event %d is older than the one before it", i)
		}
	}
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered}
	if tr.Status != carrier.StatusDelivered || strings.Join(statuses, ",") != strings.Join(want, ",") {
		t.Errorf("delivered: %s, events %v", tr.Status, statuses)
	}
	if last := tr.Events[len(tr.Events)-1]; last.Location != "Atlanta, GA, US" || last.Description != "DELIVERED" {
		t.Errorf("delivery scan %+v", last)
	}

	// A well-formed number UPS does not know is a warning inside a 200.
	var rej *carrier.Rejection
	if _, err := e.a.Track(ctx(t), e.conn, "1Z999AA10123456784"); !errors.As(err, &rej) || rej.Code != "TW0001" || rej.Message != "Tracking Information Not Found" {
		t.Errorf("unknown number: %v", err)
	}
}

func TestManifest(t *testing.T) {
	e := setup(t, upssim.Options{})
	if _, err := e.a.Manifest(ctx(t), e.conn, carrier.ManifestRequest{}); !errors.Is(err, carrier.ErrNoManifest) {
		t.Errorf("manifest: %v", err)
	}
	if e.a.Name() != "ups_direct" {
		t.Errorf("name %q", e.a.Name())
	}
}
