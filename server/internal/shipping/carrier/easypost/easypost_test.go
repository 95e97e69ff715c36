package easypost_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	epsim "github.com/manifold-oms/manifold/server/sim/easypost"
)

func TestRatesComputed(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 9 {
		t.Fatalf("%d quotes, want 9 (3 carriers × 3 services): %+v", len(qs), qs)
	}
	// 94107 → 10118 is zone 7; 2 lb, 10×8×4 in (UPS and FedEx bill 3 lb
	// of dimensional weight); shipped Monday 2026-03-02.
	want := []struct {
		carrier, service, amount, date string
		days                           int
		guaranteed                     bool
	}{
		{"usps", "Priority", "14.65", "2026-03-04", 2, false},
		{"usps", "GroundAdvantage", "9.16", "2026-03-06", 4, false},
		{"ups", "Ground", "16.50", "", 4, false},
		{"ups", "NextDayAir", "67.90", "2026-03-03", 1, true},
		{"fedex", "FEDEX_2_DAY", "33.25", "2026-03-04", 2, true},
	}
	for _, w := range want {
		q := find(t, qs, w.carrier, w.service)
		if q.Amount != w.amount || q.Currency != "USD" || q.Guaranteed != w.guaranteed || q.Provider != carrier.EasyPost {
			t.Errorf("%s %s: %+v, want %s guaranteed=%v", w.carrier, w.service, q, w.amount, w.guaranteed)
		}
		if q.BusinessDays == nil || *q.BusinessDays != w.days {
			t.Errorf("%s %s: days %v, want %d", w.carrier, w.service, q.BusinessDays, w.days)
		}
		switch {
		case w.date == "" && q.DeliveryDate != nil:
			t.Errorf("%s %s: delivery date %s, want none", w.carrier, w.service, q.DeliveryDate)
		case w.date != "" && (q.DeliveryDate == nil || q.DeliveryDate.String() != w.date):
			t.Errorf("%s %s: delivery date %v, want %s", w.carrier, w.service, q.DeliveryDate, w.date)
		}
		if shp, rate, ok := strings.Cut(q.RateID, "|"); !ok || !strings.HasPrefix(shp, "shp_") || !strings.HasPrefix(rate, "rate_") {
			t.Errorf("rate id %q is not shp_…|rate_…", q.RateID)
		}
	}
}

func TestRatesScripted(t *testing.T) {
	sc := &carrierscript.Provider{LatencyMS: 50, Quotes: []carrierscript.Quote{
		{Carrier: "usps", Service: "Priority", Amount: "8.40", Currency: "USD", BusinessDays: intp(2)},
		{Carrier: "ups", Service: "Ground", Amount: "12.5", Currency: "USD", DeliveryDate: "2026-03-06"},
		{Carrier: "fedex", Service: "FEDEX_2_DAY", Amount: "21.07", Currency: "USD", DeliveryDate: "2026-03-04", Guaranteed: true},
	}}
	f := newFixture(t, epsim.Options{Script: sc})
	began := time.Now()
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(began) < 50*time.Millisecond {
		t.Error("answered before the scripted latency")
	}
	if len(qs) != 3 {
		t.Fatalf("%d quotes: %+v", len(qs), qs)
	}
	if q := find(t, qs, "usps", "Priority"); q.Amount != "8.40" || q.DeliveryDate != nil || *q.BusinessDays != 2 || q.Guaranteed {
		t.Errorf("usps %+v", q)
	}
	// The provider's string, as it came: never through a float.
	if q := find(t, qs, "ups", "Ground"); q.Amount != "12.5" || q.DeliveryDate.String() != "2026-03-06" || *q.BusinessDays != 4 {
		t.Errorf("ups %+v", q)
	}
	if q := find(t, qs, "fedex", "FEDEX_2_DAY"); q.Amount != "21.07" || !q.Guaranteed || q.DeliveryDate.String() != "2026-03-04" {
		t.Errorf("fedex %+v", q)
	}
}

func TestPartialCarrierFailure(t *testing.T) {
	f := newFixture(t, epsim.Options{FailingCarriers: []string{"UPS"}})
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	var re *easypost.RatingErrors
	if !errors.As(err, &re) || len(re.Messages) != 1 || re.Messages[0].Carrier != "UPS" ||
		!strings.Contains(re.Messages[0].Message, "Unable to retrieve rates") {
		t.Fatalf("error %v", err)
	}
	if len(qs) != 6 {
		t.Fatalf("%d quotes, want the 6 of USPS and FedEx: %+v", len(qs), qs)
	}
	for _, q := range qs {
		if q.Carrier == "ups" {
			t.Errorf("a quote of the failing carrier: %+v", q)
		}
	}
	// Rate shopping keeps both the quotes and the failure.
	quotes, outcomes := rateshop.Shop(context.Background(), []rateshop.Provider{carrier.AsProvider(f.a, f.conn)}, rateRequest(), time.Second, 0)
	if len(quotes) != 6 || outcomes[0].Quotes != 6 || !strings.Contains(outcomes[0].Err, "UPS") {
		t.Errorf("shop: %d quotes, outcome %+v", len(quotes), outcomes[0])
	}
}

func TestAddressRejection(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	req := rateRequest()
	req.To.PostalCode = "00000"
	_, err := f.a.Rates(context.Background(), f.conn, req)
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "ADDRESS.VERIFY.FAILURE" || rej.Status != 422 ||
		rej.Message != "Unable to verify address. (address: Address not found)" {
		t.Fatalf("rates to 00000: %v %+v", err, rej)
	}
	// Without strict verification the carriers refuse it one by one.
	lax := easypost.New(easypost.WithAddressVerification(false))
	qs, err := lax.Rates(context.Background(), f.conn, req)
	var re *easypost.RatingErrors
	if len(qs) != 0 || !errors.As(err, &re) || len(re.Messages) != 3 || !strings.Contains(re.Messages[0].Message, "Invalid destination ZIP code 00000") {
		t.Fatalf("lax rates to 00000: %d quotes, %v", len(qs), err)
	}
	// A missing parameter is a rejection too, but not of an address.
	req = rateRequest()
	req.From.Street1 = ""
	_, err = f.a.Rates(context.Background(), f.conn, req)
	if !errors.As(err, &rej) || rej.Address || rej.Code != "PARAMETER.REQUIRED" || !strings.Contains(rej.Message, "shipment.from_address.street1") {
		t.Fatalf("no street: %v", err)
	}
}

func TestFailures(t *testing.T) {
	f := newFixture(t, epsim.Options{RetryAfter: 7 * time.Second})
	ctx := context.Background()
	var th *carrier.Throttled
	if err := f.sim.InjectFault(epsim.FaultThrottle, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Rates(ctx, f.conn, rateRequest()); !errors.As(err, &th) || th.RetryAfter != 7*time.Second {
		t.Errorf("429: %v", err)
	}
	f.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail429})
	if _, err := f.a.Rates(ctx, f.conn, rateRequest()); !errors.As(err, &th) || th.Message == "" {
		t.Errorf("scripted 429: %v", err)
	}
	f.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail503})
	_, err := f.a.Rates(ctx, f.conn, rateRequest())
	var rej *carrier.Rejection
	if err == nil || errors.As(err, &th) || errors.As(err, &rej) || !strings.Contains(err.Error(), "503") {
		t.Errorf("503: %v", err)
	}
	f.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.FailHang})
	hctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	if _, err := f.a.Rates(hctx, f.conn, rateRequest()); !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > 2*time.Second {
		t.Errorf("hang: %v after %s", err, time.Since(began))
	}
	f.sim.SetScript(nil)
	bad := f.conn
	bad.Credentials = map[string]string{easypost.CredAPIKey: "EZTKwrong"}
	if _, err := f.a.Rates(ctx, bad, rateRequest()); !errors.Is(err, carrier.ErrUnauthorized) || !strings.Contains(err.Error(), "APIKEY.REQUIRED") {
		t.Errorf("wrong key: %v", err)
	}
}

func TestBuyLabel(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	q := find(t, qs, "usps", "Priority")
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(q, "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(l.Data, []byte("^XA")) || !bytes.HasSuffix(bytes.TrimSpace(l.Data), []byte("^XZ")) || l.Format != "zpl" {
		t.Errorf("zpl %q…", l.Data[:min(30, len(l.Data))])
	}
	shp, _, _ := strings.Cut(q.RateID, "|")
	if l.CostCents != 1465 || l.Carrier != "usps" || l.Service != "Priority" || l.ProviderShipmentID != shp || len(l.TrackingNumber) != 22 {
		t.Errorf("label %+v", l)
	}
	if n := f.sim.Calls(epsim.OpConvertLabel); n != 1 {
		t.Errorf("label conversions %d, want 1 (EasyPost made a PNG)", n)
	}
	// A retried purchase of the same rate returns the label bought.
	again, err := f.a.BuyLabel(ctx, f.conn, labelRequest(q, "zpl"))
	if err != nil || again.TrackingNumber != l.TrackingNumber {
		t.Errorf("retry: %v, %s vs %s", err, again.TrackingNumber, l.TrackingNumber)
	}
	// Without a rate id: a new shipment, made in the right format.
	fresh := labelRequest(find(t, qs, "fedex", "FEDEX_2_DAY"), "pdf")
	fresh.RateID = ""
	pdf, err := f.a.BuyLabel(ctx, f.conn, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) || pdf.Carrier != "fedex" || pdf.CostCents != 3325 || len(pdf.TrackingNumber) != 12 {
		t.Errorf("pdf label %+v", pdf)
	}
	if n := f.sim.Calls(epsim.OpConvertLabel); n != 1 {
		t.Errorf("label conversions %d, want still 1", n)
	}
	labels := f.sim.Labels()
	if len(labels) != 2 || labels[1].Reference != "SO-2002" {
		t.Errorf("simulator labels %+v", labels)
	}
}

func TestVoid(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "Priority"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.Void(ctx, f.conn, l); err != nil {
		t.Fatal(err)
	}
	if ls := f.sim.Labels(); ls[0].RefundStatus != "submitted" {
		t.Errorf("refund status %q", ls[0].RefundStatus)
	}
	qs, _ = f.a.Rates(ctx, f.conn, rateRequest())
	used, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "ups", "Ground"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sim.Advance(used.TrackingNumber, "in_transit"); err != nil {
		t.Fatal(err)
	}
	var rej *carrier.Rejection
	if err := f.a.Void(ctx, f.conn, used); !errors.As(err, &rej) || rej.Code != "REFUND.REJECTED" {
		t.Errorf("refund after a scan: %v", err)
	}
}

func TestTrackProgresses(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "GroundAdvantage"), "zpl"))
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
	f.clk.advance(4 * time.Hour)
	if tr, err = f.a.Track(ctx, f.conn, l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	if tr.Status != carrier.StatusAccepted || len(tr.Events) != 2 || !tr.Events[1].At.Equal(start.Add(4*time.Hour)) ||
		tr.Events[1].Location != "SAN FRANCISCO CA 94107" {
		t.Fatalf("after the acceptance delay %+v", tr)
	}
	if err := f.sim.Advance(l.TrackingNumber, "delivered"); err != nil {
		t.Fatal(err)
	}
	if tr, err = f.a.Track(ctx, f.conn, l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered}
	if tr.Status != carrier.StatusDelivered || len(tr.Events) != len(want) {
		t.Fatalf("delivered %+v", tr)
	}
	for i, e := range tr.Events {
		if e.Status != want[i] {
			t.Errorf("event %d: %s, want %s", i, e.Status, want[i])
		}
	}
	// A number EasyPost does not follow yet gets a tracker.
	tr, err = f.a.Track(ctx, f.conn, "9400100000000000000001")
	if err != nil || tr.Status != carrier.StatusPreTransit || len(tr.Events) != 0 || f.sim.Calls(epsim.OpCreateTracker) != 1 {
		t.Errorf("unknown number: %+v %v", tr, err)
	}
}

func TestScanForm(t *testing.T) {
	f := newFixture(t, epsim.Options{})
	ctx := context.Background()
	var ids, tns []string
	for range 2 {
		qs, err := f.a.Rates(ctx, f.conn, rateRequest())
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "Priority"), "zpl"))
		if err != nil {
			t.Fatal(err)
		}
		ids, tns = append(ids, l.ProviderShipmentID), append(tns, l.TrackingNumber)
	}
	m, err := f.a.Manifest(ctx, f.conn, carrier.ManifestRequest{ShipDate: rateshop.DateOf(start), From: from,
		TrackingNumbers: tns, ProviderShipmentIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.ID, "sf_") || len(m.TrackingNumbers) != 2 || m.TrackingNumbers[1] != tns[1] ||
		!bytes.HasPrefix(m.Document, []byte("%PDF-")) || m.DocumentURL == "" {
		t.Errorf("scan form %+v", m.ID)
	}
	if forms := f.sim.ScanForms(); len(forms) != 1 || forms[0].Status != "created" || len(forms[0].ShipmentIDs) != 2 {
		t.Errorf("simulator forms %+v", forms)
	}
	// UPS parcels have no scan form: EasyPost refuses, in its words.
	qs, _ := f.a.Rates(ctx, f.conn, rateRequest())
	ups, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "ups", "Ground"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.a.Manifest(ctx, f.conn, carrier.ManifestRequest{ProviderShipmentIDs: []string{ups.ProviderShipmentID}})
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !strings.Contains(rej.Message, "scan forms are for USPS shipments") {
		t.Errorf("ups scan form: %v", err)
	}
}

func TestTrackerWebhook(t *testing.T) {
	var mu sync.Mutex
	type delivery struct {
		body   []byte
		header http.Header
	}
	var got []delivery
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{b, r.Header.Clone()})
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	// A secret with a composed character: the simulator signs as EasyPost
	// does, with the secret normalized to NFKD, and so must the reader.
	const secret = "whsec-caf\u00e9-1"
	f := newFixture(t, epsim.Options{WebhookURL: recv.URL, WebhookSecret: secret})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "Priority"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	f.sim.Tick()
	if len(got) != 0 {
		t.Fatalf("%d webhooks before anything happened", len(got))
	}
	f.clk.advance(4 * time.Hour)
	f.sim.Tick()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d webhooks after the acceptance scan", len(got))
	}
	ev, err := f.a.ReadWebhook(f.conn.Credentials, got[0].header, got[0].body)
	if err != nil || ev.Tracking == nil || ev.Tracking.TrackingNumber != l.TrackingNumber || ev.Tracking.Status != carrier.StatusAccepted ||
		!strings.HasPrefix(ev.ID, "evt_") {
		t.Fatalf("webhook: %+v %v", ev, err)
	}
	// The same parcel polled reads the same.
	polled, err := f.a.Track(ctx, f.conn, l.TrackingNumber)
	if err != nil || polled.Status != ev.Tracking.Status || len(polled.Events) != len(ev.Tracking.Events) {
		t.Fatalf("polled %+v %v, pushed %+v", polled, err, ev.Tracking)
	}

	tampered := bytes.Replace(got[0].body, []byte(`"in_transit"`), []byte(`"delivered"`), 1)
	for name, c := range map[string]struct {
		body   []byte
		header http.Header
		creds  map[string]string
	}{
		"tampered body":  {tampered, got[0].header, f.conn.Credentials},
		"no signature":   {got[0].body, http.Header{}, f.conn.Credentials},
		"other secret":   {got[0].body, got[0].header, map[string]string{easypost.CredWebhookSecret: "whsec-other"}},
		"no secret kept": {got[0].body, got[0].header, map[string]string{easypost.CredAPIKey: "k"}},
		// Keyed with the secret as typed, not normalized: not EasyPost's signature.
		"unnormalized key": {got[0].body, http.Header{easypost.SignatureHeader: {rawSignature(got[0].body, []byte(secret))}}, f.conn.Credentials},
	} {
		if _, err := f.a.ReadWebhook(c.creds, c.header, c.body); !errors.Is(err, carrier.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
}

// The signature is the hex HMAC-SHA256 of the body keyed by the NFKD form
// of the secret: "é" is keyed as "e" followed by U+0301.
func TestSignatureNormalizesTheSecret(t *testing.T) {
	body := []byte(`{"object":"Event"}`)
	want := rawSignature(body, []byte("caf"+"e\u0301"))
	if got := easypost.Signature(body, "caf\u00e9"); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	if epsim.Sign(body, "caf\u00e9") != want {
		t.Fatalf("the simulator signs %s, want %s", epsim.Sign(body, "caf\u00e9"), want)
	}
}

func rawSignature(body, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "hmac-sha256-hex=" + hex.EncodeToString(m.Sum(nil))
}
