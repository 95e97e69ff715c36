package shippo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/shippo"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	shipposim "github.com/manifold-oms/manifold/server/sim/shippo"
)

var objectID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRatesComputed(t *testing.T) {
	f := newFixture(t, shipposim.Options{})
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 9 {
		t.Fatalf("%d quotes, want 9: %+v", len(qs), qs)
	}
	// 94107 → 10118 is zone 7; 2 lb sent as "32" oz; UPS and FedEx bill
	// 3 lb of dimensional weight for 10×8×4 in.
	want := []struct {
		carrier, service, amount, name string
		days                           int
	}{
		{"usps", "usps_ground_advantage", "8.97", "USPS Ground Advantage", 4},
		{"usps", "usps_priority", "14.51", "USPS Priority Mail", 2},
		{"ups", "ups_ground", "16.65", "UPS Ground", 4},
		{"fedex", "fedex_2_day", "33.05", "FedEx 2Day®", 2},
	}
	for _, w := range want {
		q := find(t, qs, w.carrier, w.service)
		if q.Amount != w.amount || q.Currency != "USD" || q.ServiceName != w.name || q.Provider != carrier.Shippo {
			t.Errorf("%s: %+v, want %s %q", w.service, q, w.amount, w.name)
		}
		if q.BusinessDays == nil || *q.BusinessDays != w.days || q.DeliveryDate != nil || q.Guaranteed {
			t.Errorf("%s: days %v date %v guaranteed %v", w.service, q.BusinessDays, q.DeliveryDate, q.Guaranteed)
		}
		if !objectID.MatchString(q.RateID) {
			t.Errorf("%s: rate id %q", w.service, q.RateID)
		}
	}
}

func TestRatesScripted(t *testing.T) {
	sc := &carrierscript.Provider{LatencyMS: 50, Quotes: []carrierscript.Quote{
		{Carrier: "usps", Service: "usps_priority", Amount: "8.40", Currency: "USD", BusinessDays: intp(2)},
		{Carrier: "ups", Service: "ups_ground", Amount: "11", Currency: "USD", DeliveryDate: "2026-03-05"},
	}}
	f := newFixture(t, shipposim.Options{Script: sc})
	began := time.Now()
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(began) < 50*time.Millisecond || len(qs) != 2 {
		t.Fatalf("%d quotes after %s", len(qs), time.Since(began))
	}
	if q := find(t, qs, "usps", "usps_priority"); q.Amount != "8.40" || *q.BusinessDays != 2 || q.ServiceName != "USPS Priority Mail" {
		t.Errorf("usps %+v", q)
	}
	// Shippo has no delivery dates: the script's date becomes transit days.
	if q := find(t, qs, "ups", "ups_ground"); q.Amount != "11" || *q.BusinessDays != 3 || q.DeliveryDate != nil {
		t.Errorf("ups %+v", q)
	}
}

func TestPartialCarrierFailure(t *testing.T) {
	f := newFixture(t, shipposim.Options{FailingCarriers: []string{"fedex"}})
	qs, err := f.a.Rates(context.Background(), f.conn, rateRequest())
	var re *shippo.RatingErrors
	if !errors.As(err, &re) || len(re.Messages) != 1 || re.Messages[0].Source != "FedEx" || re.Messages[0].Code != "carrier_timeout" {
		t.Fatalf("error %v", err)
	}
	if len(qs) != 6 {
		t.Fatalf("%d quotes, want the 6 of USPS and UPS", len(qs))
	}
	for _, q := range qs {
		if q.Carrier == "fedex" {
			t.Errorf("a quote of the failing carrier: %+v", q)
		}
	}
}

func TestAddressRejection(t *testing.T) {
	f := newFixture(t, shipposim.Options{})
	ctx := context.Background()
	req := rateRequest()
	req.To.PostalCode = "00000"
	_, err := f.a.Rates(ctx, f.conn, req)
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "Invalid Postal Code" || rej.Message != "The postal code 00000 does not exist." {
		t.Fatalf("rates to 00000: %v %+v", err, rej)
	}
	// The carrier refuses the address only when making the label: the
	// transaction ends in status ERROR with its message.
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sim.InjectFault(shipposim.FaultLabelError, 1); err != nil {
		t.Fatal(err)
	}
	_, err = f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "usps_priority"), "zpl"))
	if !errors.As(err, &rej) || !rej.Address || rej.Code != "address_error" ||
		rej.Message != "USPS could not validate the recipient address 350 5th Ave, New York NY 10118: address not found." {
		t.Fatalf("label error: %v %+v", err, rej)
	}
	// A bad request that is not about an address.
	req = rateRequest()
	req.WeightOz = 0
	_, err = f.a.Rates(ctx, f.conn, req)
	if !errors.As(err, &rej) || rej.Address || rej.Status != 400 || rej.Code != "Invalid parcel" || !strings.Contains(rej.Message, "weight") {
		t.Fatalf("zero weight: %v", err)
	}
}

func TestFailures(t *testing.T) {
	f := newFixture(t, shipposim.Options{RetryAfter: 11 * time.Second})
	ctx := context.Background()
	var th *carrier.Throttled
	if err := f.sim.InjectFault(shipposim.FaultThrottle, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Rates(ctx, f.conn, rateRequest()); !errors.As(err, &th) || th.RetryAfter != 11*time.Second ||
		th.Message != "Request was throttled. Expected available in 11 seconds." {
		t.Errorf("429: %v", err)
	}
	f.sim.SetScript(&carrierscript.Provider{Failure: carrierscript.Fail429})
	if _, err := f.a.Rates(ctx, f.conn, rateRequest()); !errors.As(err, &th) {
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
	bad.Credentials = map[string]string{shippo.CredAPIToken: "shippo_test_wrong"}
	if _, err := f.a.Rates(ctx, bad, rateRequest()); !errors.Is(err, carrier.ErrUnauthorized) || !strings.Contains(err.Error(), "Invalid token.") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestBuyLabel(t *testing.T) {
	f := newFixture(t, shipposim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	q := find(t, qs, "usps", "usps_priority")
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(q, "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(l.Data, []byte("^XA")) || !bytes.HasSuffix(bytes.TrimSpace(l.Data), []byte("^XZ")) || l.Format != "zpl" {
		t.Errorf("zpl %q…", l.Data[:min(30, len(l.Data))])
	}
	if l.CostCents != 1451 || l.Carrier != "usps" || l.Service != "usps_priority" || len(l.TrackingNumber) != 22 ||
		!objectID.MatchString(l.ProviderShipmentID) || !bytes.Contains(l.Data, []byte("SO-3003")) {
		t.Errorf("label %+v", l)
	}
	// The same rate cannot be bought twice.
	_, err = f.a.BuyLabel(ctx, f.conn, labelRequest(q, "zpl"))
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || rej.Status != 400 || !strings.Contains(rej.Message, "already been purchased") {
		t.Errorf("second purchase: %v", err)
	}
	fresh := labelRequest(find(t, qs, "fedex", "fedex_2_day"), "pdf")
	fresh.RateID = ""
	pdf, err := f.a.BuyLabel(ctx, f.conn, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) || pdf.Carrier != "fedex" || pdf.CostCents != 3305 || len(pdf.TrackingNumber) != 12 {
		t.Errorf("pdf label %+v", pdf)
	}
	if ls := f.sim.Labels(); len(ls) != 2 || ls[0].Metadata != "SO-3003" || ls[1].LabelFileType != "PDF_4x6" {
		t.Errorf("simulator labels %+v", ls)
	}
}

func TestVoid(t *testing.T) {
	f := newFixture(t, shipposim.Options{})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "usps_priority"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.Void(ctx, f.conn, l); err != nil {
		t.Fatal(err)
	}
	if ls := f.sim.Labels(); ls[0].Status != "REFUNDED" {
		t.Errorf("status after refund %q", ls[0].Status)
	}
	var rej *carrier.Rejection
	if err := f.a.Void(ctx, f.conn, l); !errors.As(err, &rej) || !strings.Contains(rej.Message, "already exists") {
		t.Errorf("second refund: %v", err)
	}
	used, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "ups", "ups_ground"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sim.Advance(used.TrackingNumber, "accepted"); err != nil {
		t.Fatal(err)
	}
	if err := f.a.Void(ctx, f.conn, used); !errors.As(err, &rej) || rej.Code != "REFUND_ERROR" {
		t.Errorf("refund after acceptance: %v", err)
	}
}

func TestTrackProgresses(t *testing.T) {
	f := newFixture(t, shipposim.Options{AcceptanceDelay: 2 * time.Hour})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "usps_ground_advantage"), "zpl"))
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
	f.clk.advance(2 * time.Hour)
	if tr, err = f.a.Track(ctx, f.conn, l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	if tr.Status != carrier.StatusAccepted || len(tr.Events) != 2 || tr.Events[1].Code != "package_accepted" ||
		tr.Events[1].Location != "San Francisco CA 94107" {
		t.Fatalf("after the acceptance delay %+v", tr)
	}
	if err := f.sim.Advance(l.TrackingNumber, "delivered"); err != nil {
		t.Fatal(err)
	}
	if tr, err = f.a.Track(ctx, f.conn, "usps:"+l.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered}
	if tr.Status != carrier.StatusDelivered || len(tr.Events) != len(want) || tr.EstimatedDelivery != nil {
		t.Fatalf("delivered %+v", tr)
	}
	for i, e := range tr.Events {
		if e.Status != want[i] {
			t.Errorf("event %d: %s, want %s", i, e.Status, want[i])
		}
	}
	if tr, err := f.a.Track(ctx, f.conn, "1Z4W3F2A0000000000"); err != nil || tr.Status != carrier.StatusPreTransit || len(tr.Events) != 0 {
		t.Errorf("unknown UPS number: %+v %v", tr, err)
	}
	if _, err := f.a.Track(ctx, f.conn, "ABC123"); err == nil {
		t.Error("a number of no known carrier was tracked")
	}
}

func TestManifest(t *testing.T) {
	f := newFixture(t, shipposim.Options{})
	ctx := context.Background()
	var txs, tns []string
	for range 2 {
		qs, err := f.a.Rates(ctx, f.conn, rateRequest())
		if err != nil {
			t.Fatal(err)
		}
		l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "usps_priority"), "zpl"))
		if err != nil {
			t.Fatal(err)
		}
		txs, tns = append(txs, l.ProviderShipmentID), append(tns, l.TrackingNumber)
	}
	m, err := f.a.Manifest(ctx, f.conn, carrier.ManifestRequest{ShipDate: rateshop.DateOf(start), From: from,
		TrackingNumbers: tns, ProviderShipmentIDs: txs})
	if err != nil {
		t.Fatal(err)
	}
	if !objectID.MatchString(m.ID) || !bytes.HasPrefix(m.Document, []byte("%PDF-")) || len(m.TrackingNumbers) != 2 {
		t.Errorf("manifest %s %v", m.ID, m.TrackingNumbers)
	}
	ms := f.sim.Manifests()
	if len(ms) != 1 || ms[0].Status != "SUCCESS" || len(ms[0].Transactions) != 2 || ms[0].CarrierAccount != shipposim.DefaultCarrierAccounts()[0].ID {
		t.Errorf("simulator manifests %+v", ms)
	}
	// A UPS label cannot go on the USPS account's manifest.
	qs, _ := f.a.Rates(ctx, f.conn, rateRequest())
	ups, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "ups", "ups_ground"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	conn := f.conn
	conn.Credentials = map[string]string{shippo.CredAPIToken: conn.Credentials[shippo.CredAPIToken],
		shippo.CredManifestAccount: shipposim.DefaultCarrierAccounts()[0].ID}
	_, err = f.a.Manifest(ctx, conn, carrier.ManifestRequest{ShipDate: rateshop.DateOf(start), From: from,
		ProviderShipmentIDs: []string{ups.ProviderShipmentID}})
	var rej *carrier.Rejection
	if !errors.As(err, &rej) || !strings.Contains(rej.Message, "was bought with carrier account") {
		t.Errorf("ups on the usps manifest: %v", err)
	}
}

func TestCarrierOf(t *testing.T) {
	for n, want := range map[string]string{
		"1Z999AA10123456784": "ups", "9205590164917312751089": "usps", "EA123456789US": "usps",
		"781234567890": "fedex", "123456789012345": "fedex", "HELLO": "",
	} {
		if got, _ := shippo.CarrierOf(n); got != want {
			t.Errorf("%s: %q, want %q", n, got, want)
		}
	}
}

// A track_updated webhook reads exactly as a poll of the same parcel; the
// simulator posts to the URL as given, the receiver's token included.
func TestTrackWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	var tokens []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, tokens = append(bodies, b), append(tokens, r.URL.Query().Get("token"))
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	f := newFixture(t, shipposim.Options{WebhookURL: recv.URL + "/hooks?token=s3cret"})
	ctx := context.Background()
	qs, err := f.a.Rates(ctx, f.conn, rateRequest())
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.a.BuyLabel(ctx, f.conn, labelRequest(find(t, qs, "usps", "usps_ground_advantage"), "zpl"))
	if err != nil {
		t.Fatal(err)
	}
	f.sim.Tick()
	if len(bodies) != 0 {
		t.Fatalf("%d webhooks before anything happened", len(bodies))
	}
	f.clk.advance(4 * time.Hour)
	f.sim.Tick()
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || tokens[0] != "s3cret" {
		t.Fatalf("%d webhooks after the acceptance scan, tokens %q", len(bodies), tokens)
	}
	ev, err := f.a.ReadWebhook(nil, http.Header{}, bodies[0])
	if err != nil || ev.Tracking == nil || ev.ID != "" || ev.Tracking.TrackingNumber != l.TrackingNumber || ev.Tracking.Status != carrier.StatusAccepted {
		t.Fatalf("webhook: %+v %v", ev, err)
	}
	polled, err := f.a.Track(ctx, f.conn, l.TrackingNumber)
	if err != nil || polled.Status != ev.Tracking.Status || len(polled.Events) != len(ev.Tracking.Events) ||
		polled.EstimatedDelivery == nil || ev.Tracking.EstimatedDelivery == nil || *polled.EstimatedDelivery != *ev.Tracking.EstimatedDelivery {
		t.Fatalf("polled %+v %v, pushed %+v", polled, err, ev.Tracking)
	}
	for i := range polled.Events {
		if polled.Events[i] != ev.Tracking.Events[i] {
			t.Errorf("event %d: polled %+v, pushed %+v", i, polled.Events[i], ev.Tracking.Events[i])
		}
	}
	if ev, err := f.a.ReadWebhook(nil, http.Header{}, []byte(`{"event":"batch_purchased","test":true,"data":{}}`)); err != nil || ev.Tracking != nil {
		t.Errorf("another event: %+v %v", ev, err)
	}
	for _, bad := range []string{`[]`, `{"data":{}}`, `{"event":"track_updated","data":{"carrier":"usps"}}`} {
		if _, err := f.a.ReadWebhook(nil, http.Header{}, []byte(bad)); err == nil {
			t.Errorf("%s was read", bad)
		}
	}
}
