package shipping_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// fakeCarrier is a scripted carrier.Adapter.
type fakeCarrier struct {
	name string

	mu sync.Mutex
	// quotes are returned by Rates (Provider is stamped by rate shopping).
	quotes  []rateshop.Quote
	rateErr error
	// hang makes Rates ignore its context and wait for release.
	hang    bool
	release chan struct{}
	// labelFormat is the format BuyLabel returns ("zpl" unless set).
	labelFormat string
	buyErr      error
	voidErr     error
	manifest    carrier.Manifest
	manifestErr error
	tracking    map[string]carrier.Tracking

	rateCalls  int
	lastRate   rateshop.RateRequest
	buys       []carrier.LabelRequest
	voids      []carrier.Label
	manifests  []carrier.ManifestRequest
	lastConn   carrier.Conn
	seq        int
	trackCalls int
}

func newFake(name string) *fakeCarrier {
	return &fakeCarrier{name: name, release: make(chan struct{}), tracking: map[string]carrier.Tracking{}}
}

func (f *fakeCarrier) Name() string { return f.name }

func (f *fakeCarrier) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	f.mu.Lock()
	f.rateCalls++
	f.lastRate, f.lastConn = req, c
	hang, qs, err := f.hang, append([]rateshop.Quote(nil), f.quotes...), f.rateErr
	f.mu.Unlock()
	if hang {
		<-f.release
	}
	return qs, err
}

// trackingNumber makes a tracking number in the carrier's own shape.
func (f *fakeCarrier) trackingNumber(carrierName string) string {
	f.seq++
	switch carrierName {
	case "ups":
		return fmt.Sprintf("1Z999AA1%010d", f.seq)
	case "fedex":
		return fmt.Sprintf("7946%08d", f.seq)
	}
	return fmt.Sprintf("9400111899223%09d", f.seq)
}

func (f *fakeCarrier) BuyLabel(_ context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buys = append(f.buys, req)
	f.lastConn = c
	if f.buyErr != nil {
		return carrier.Label{}, f.buyErr
	}
	var cents int64
	for _, q := range f.quotes {
		if q.Service == req.Service {
			cents, _ = rateshop.ParseCents(q.Amount)
		}
	}
	format := f.labelFormat
	if format == "" {
		format = req.Format
	}
	tn := f.trackingNumber(req.Carrier)
	data := []byte("^XA^FO50,50^BY3^BCN,150,Y,N,N^FD" + tn + "^FS^XZ")
	if format == "pdf" {
		data = []byte("%PDF-1.4 label " + tn)
	}
	return carrier.Label{Provider: f.name, Carrier: req.Carrier, Service: req.Service, TrackingNumber: tn,
		ProviderShipmentID: "shp_" + tn, CostCents: cents, Currency: "USD", Format: format, Data: data}, nil
}

func (f *fakeCarrier) Void(_ context.Context, _ carrier.Conn, l carrier.Label) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voids = append(f.voids, l)
	return f.voidErr
}

func (f *fakeCarrier) Track(_ context.Context, _ carrier.Conn, n string) (carrier.Tracking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trackCalls++
	t, ok := f.tracking[n]
	if !ok {
		return carrier.Tracking{TrackingNumber: n, Status: carrier.StatusPreTransit}, nil
	}
	return t, nil
}

func (f *fakeCarrier) Manifest(_ context.Context, _ carrier.Conn, req carrier.ManifestRequest) (carrier.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.manifests = append(f.manifests, req)
	if f.manifestErr != nil {
		return carrier.Manifest{}, f.manifestErr
	}
	m := f.manifest
	m.TrackingNumbers = req.TrackingNumbers
	return m, nil
}

func (f *fakeCarrier) set(fn func(f *fakeCarrier)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

func (f *fakeCarrier) buyCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buys)
}

func (f *fakeCarrier) lastBuy() carrier.LabelRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buys[len(f.buys)-1]
}

// pdfRenderer renders a recognizable fake PDF.
type pdfRenderer struct{}

func (pdfRenderer) RenderPDF(_ context.Context, zpl []byte) ([]byte, error) {
	return append([]byte("%PDF-1.4 rendered from "), zpl...), nil
}

// syncRecorder is a SyncBack that remembers its calls and can fail.
type syncRecorder struct {
	mu    sync.Mutex
	calls []syncCall
	fail  int // fail this many calls first
}

type syncCall struct {
	OrderID, Carrier, Service, Tracking string
	ShippedAt                           string
}

func (r *syncRecorder) record(orderID, carrierName, service, tracking, shippedAt string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return fmt.Errorf("channel unavailable")
	}
	r.calls = append(r.calls, syncCall{orderID, carrierName, service, tracking, shippedAt})
	return nil
}

func (r *syncRecorder) all() []syncCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]syncCall(nil), r.calls...)
}
