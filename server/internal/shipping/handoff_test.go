package shipping_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestHandoffReconciliation(t *testing.T) {
	f := newFixture(t)
	a, b, c, m := f.labeled("SecondDay"), f.labeled("SecondDay"), f.labeled("SecondDay"), f.labeled("SecondDay")
	voided := f.labeled("SecondDay")
	if _, err := f.svc.Void(f.ctx, f.tenant, sid(voided), "test"); err != nil {
		t.Fatal(err)
	}
	ups := f.labeled("Standard")
	if ups.Carrier != "ups" || a.Carrier != "usps" {
		t.Fatalf("carriers %s %s", ups.Carrier, a.Carrier)
	}

	h, err := f.svc.StartHandoff(f.ctx, f.tenant, "user:driver", api.StartHandoffRequest{Carrier: "USPS"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Carrier != "usps" || h.ShipDate != "2026-12-01" || len(h.Expected) != 4 || len(h.Missing) != 4 {
		t.Fatalf("started hand-off %+v", h)
	}
	hid := sid(api.Shipment{ID: h.ID})
	scans := []struct {
		code, result, tracking string
	}{
		{a.TrackingNumber, api.ScanExpected, a.TrackingNumber},
		// The raw ZPL of B's label, as a scanner wedge or a paste gives it.
		{"^XA^FO50,50^BY3^BCN,150,Y,N,N^FD>;" + b.TrackingNumber + "^FS^FO50,300^A0N,30,30^FDUSPS PRIORITY MAIL^FS^XZ", api.ScanExpected, b.TrackingNumber},
		// C's USPS IMpb: 420, the destination ZIP, a group separator, the tracking number.
		{"42060606\x1d" + c.TrackingNumber, api.ScanExpected, c.TrackingNumber},
		{strings.ToLower(a.TrackingNumber), api.ScanDuplicate, a.TrackingNumber},
		{voided.TrackingNumber, api.ScanVoided, voided.TrackingNumber},
		{ups.TrackingNumber, api.ScanUnexpected, ups.TrackingNumber},
		{"9999 0000 1111 2222", api.ScanUnexpected, "9999000011112222"},
	}
	var last api.HandoffScanResult
	for _, sc := range scans {
		last, err = f.svc.Scan(f.ctx, f.tenant, hid, "user:driver", sc.code)
		if err != nil {
			t.Fatal(err)
		}
		if last.Scan.Result != sc.result || last.Scan.TrackingNumber != sc.tracking || last.Scan.Message == "" {
			t.Fatalf("scan %q: %+v, want %s %s", sc.code, last.Scan, sc.result, sc.tracking)
		}
	}
	if u := last.Handoff.Unexpected; len(u) != 2 || u[0].TrackingNumber != ups.TrackingNumber || !strings.Contains(u[0].Message, "goes with UPS, not USPS") {
		t.Fatalf("unexpected %+v", u)
	}
	got, err := f.svc.Handoff(f.ctx, f.tenant, hid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Expected) != 4 || len(got.Missing) != 1 || got.Missing[0].TrackingNumber != m.TrackingNumber ||
		len(got.Unexpected) != 2 || len(got.Voided) != 1 || len(got.Duplicates) != 1 || len(got.Scans) != 7 {
		t.Fatalf("reconciliation %+v", got)
	}
	for _, p := range got.Expected {
		if p.Scanned != (p.TrackingNumber != m.TrackingNumber) {
			t.Fatalf("expected parcel %+v", p)
		}
	}

	// The UPS truck expects the UPS parcel only.
	uh, err := f.svc.StartHandoff(f.ctx, f.tenant, "user:driver", api.StartHandoffRequest{Carrier: "ups", ShipDate: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	if len(uh.Expected) != 1 || uh.Expected[0].TrackingNumber != ups.TrackingNumber {
		t.Fatalf("ups hand-off %+v", uh.Expected)
	}
	res, err := f.svc.Scan(f.ctx, f.tenant, sid(api.Shipment{ID: uh.ID}), "user:driver", a.TrackingNumber)
	if err != nil || res.Scan.Result != api.ScanUnexpected || !strings.Contains(res.Scan.Message, "USPS") {
		t.Fatalf("usps parcel on the ups truck: %+v %v", res.Scan, err)
	}

	closed, err := f.svc.CloseHandoff(f.ctx, f.tenant, hid, "user:driver")
	if err != nil || closed.ClosedAt == nil {
		t.Fatalf("close %+v %v", closed, err)
	}
	_, err = f.svc.Scan(f.ctx, f.tenant, hid, "user:driver", m.TrackingNumber)
	wantKind(t, err, apperr.KindConflict, "closed")
	_, err = f.svc.Scan(f.ctx, f.tenant, sid(api.Shipment{ID: uh.ID}), "user:driver", "  ")
	wantKind(t, err, apperr.KindInvalid, "code")
	_, err = f.svc.StartHandoff(f.ctx, f.tenant, "test", api.StartHandoffRequest{Carrier: "U P S"})
	wantKind(t, err, apperr.KindInvalid, "carrier")
}

func TestCloseOut(t *testing.T) {
	f := newFixture(t)
	a, b := f.labeled("SecondDay"), f.labeled("SecondDay")
	v := f.labeled("SecondDay")
	if _, err := f.svc.Void(f.ctx, f.tenant, sid(v), "test"); err != nil {
		t.Fatal(err)
	}
	f.fakes[carrier.EasyPost].set(func(x *fakeCarrier) {
		x.manifest = carrier.Manifest{ID: "sf_0001", Document: []byte("%PDF scan form")}
	})
	m, err := f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: carrier.EasyPost})
	if err != nil {
		t.Fatal(err)
	}
	if m.ExternalID != "sf_0001" || m.ShipDate != "2026-12-01" || !m.HasDocument ||
		strings.Join(m.TrackingNumbers, ",") != a.TrackingNumber+","+b.TrackingNumber {
		t.Fatalf("manifest %+v", m)
	}
	req := f.fakes[carrier.EasyPost].manifests[0]
	if req.From.PostalCode != "75202" || len(req.ProviderShipmentIDs) != 2 || req.ShipDate.String() != "2026-12-01" {
		t.Fatalf("manifest request %+v", req)
	}
	doc, err := f.svc.ManifestDocument(f.ctx, f.tenant, sid(api.Shipment{ID: m.ID}))
	if err != nil || !bytes.Equal(doc, []byte("%PDF scan form")) {
		t.Fatalf("document %q %v", doc, err)
	}
	if got, _ := f.svc.GetShipment(f.ctx, f.tenant, sid(a)); got.ManifestID != m.ID {
		t.Fatalf("shipment manifest %q", got.ManifestID)
	}
	// Closed-out parcels are not closed out twice.
	_, err = f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: carrier.EasyPost, ShipDate: "2026-12-01"})
	wantKind(t, err, apperr.KindConflict, "no easypost parcels")
	c := f.labeled("SecondDay")
	m2, err := f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: carrier.EasyPost})
	if err != nil || strings.Join(m2.TrackingNumbers, ",") != c.TrackingNumber {
		t.Fatalf("second close-out %+v %v", m2, err)
	}

	// UPS has no scan form: recorded as uploaded electronically.
	f.fakes[carrier.UPSDirect].set(func(x *fakeCarrier) { x.manifestErr = carrier.ErrNoManifest })
	u := f.labeled("Standard")
	um, err := f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: carrier.UPSDirect})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(um.Note, shipping.NoteUploadedElectronically) || um.ExternalID != "" || um.HasDocument ||
		strings.Join(um.TrackingNumbers, ",") != u.TrackingNumber {
		t.Fatalf("ups close-out %+v", um)
	}
	_, err = f.svc.ManifestDocument(f.ctx, f.tenant, sid(api.Shipment{ID: um.ID}))
	wantKind(t, err, apperr.KindNotFound, "no printable form")

	_, err = f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: "dhl_express"})
	wantKind(t, err, apperr.KindInvalid, `provider "dhl_express" is not supported`)
	_, err = f.svc.CloseOut(f.ctx, f.tenant, "test", api.CloseOutRequest{Provider: carrier.USPSDirect})
	wantKind(t, err, apperr.KindConflict, "no enabled usps_direct carrier account")
}
