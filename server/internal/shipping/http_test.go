package shipping_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// errorStatus maps domain errors to statuses as the web package does.
func errorStatus(c *fiber.Ctx, err error) error {
	status, code := http.StatusInternalServerError, api.CodeInternal
	var media *httpx.UnsupportedMediaType
	var fe *fiber.Error
	switch e, ok := apperr.As(err); {
	case errors.As(err, &media):
		status, code = http.StatusUnsupportedMediaType, api.CodeUnsupportedType
	case ok && e.Kind == apperr.KindInvalid:
		status, code = http.StatusBadRequest, api.CodeValidation
	case ok && e.Kind == apperr.KindUnauthenticated:
		status, code = http.StatusUnauthorized, api.CodeUnauthenticated
	case ok && e.Kind == apperr.KindNotFound:
		status, code = http.StatusNotFound, api.CodeNotFound
	case ok && e.Kind == apperr.KindConflict:
		status, code = http.StatusConflict, api.CodeConflict
	case ok && e.Kind == apperr.KindRateLimited:
		status, code = http.StatusTooManyRequests, api.CodeRateLimited
	case ok && e.Kind == apperr.KindUnavailable:
		status, code = http.StatusServiceUnavailable, api.CodeUnavailable
	case errors.As(err, &fe):
		status, code = fe.Code, api.CodeBadRequest
	}
	return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: err.Error()}})
}

// serve runs the shipping routes for the fixture's tenant and returns a client.
func serve(t *testing.T, f *fixture) *client.Client {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: errorStatus, DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		identity.SetPrincipal(c, identity.Principal{UserID: uuid.New(), TenantID: f.tenant, Role: domain.RoleAdmin})
		return c.Next()
	})
	h := shipping.NewHandlers(f.svc)
	const v = api.Version
	for _, r := range []struct {
		method, path string
		handler      fiber.Handler
	}{
		{"POST", v + "/rates", h.QuickRate},
		{"POST", v + "/orders/:id/rates", h.RateOrder},
		{"POST", v + "/orders/:id/label", h.BuyLabel},
		{"GET", v + "/shipments", h.ListShipments},
		{"GET", v + "/shipments/:id", h.GetShipment},
		{"GET", v + "/shipments/:id/label", h.Label},
		{"POST", v + "/shipments/:id/void", h.Void},
		{"POST", v + "/manifests", h.CloseOut},
		{"GET", v + "/manifests/:id/document", h.ManifestDocument},
		{"POST", v + "/handoffs", h.StartHandoff},
		{"GET", v + "/handoffs/:id", h.GetHandoff},
		{"POST", v + "/handoffs/:id/scans", h.Scan},
		{"POST", v + "/handoffs/:id/close", h.CloseHandoff},
		{"GET", v + "/reports/shipping-savings", h.Savings},
		{"POST", v + "/carrier-accounts", h.CreateAccount},
		{"GET", v + "/carrier-accounts", h.ListAccounts},
		{"PATCH", v + "/carrier-accounts/:id", h.UpdateAccount},
		{"GET", v + "/shipping-settings", h.GetSettings},
		{"PUT", v + "/shipping-settings", h.PutSettings},
	} {
		app.Add(r.method, r.path, r.handler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	cl, err := client.New("http://"+ln.Addr().String(), client.WithToken("test"))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func wantStatus(t *testing.T, err error, status int, fragment string) {
	t.Helper()
	if client.StatusOf(err) != status || !strings.Contains(err.Error(), fragment) {
		t.Fatalf("want %d mentioning %q, got %v", status, fragment, err)
	}
}

func TestHTTPThroughTheClient(t *testing.T) {
	f := newFixture(t)
	cl := serve(t, f)
	ctx := f.ctx

	s, err := cl.GetShippingSettings(ctx)
	if err != nil || s.Origin == nil || s.Origin.PostalCode != "75202" {
		t.Fatalf("settings %+v %v", s, err)
	}
	s.PossibleLostHours = 36
	if s, err = cl.PutShippingSettings(ctx, s); err != nil || s.PossibleLostHours != 36 || !strings.HasPrefix(s.UpdatedBy, "user:") {
		t.Fatalf("put settings %+v %v", s, err)
	}
	s.PromiseLevels[0].MaxBusinessDays = 0
	_, err = cl.PutShippingSettings(ctx, s)
	wantStatus(t, err, 400, "max_business_days")

	a, err := cl.CreateCarrierAccount(ctx, api.CreateCarrierAccountRequest{Provider: carrier.USPSDirect, Name: "USPS direct",
		Credentials: map[string]string{"client_id": "id", "client_secret": "very-secret"}})
	if err != nil || strings.Join(a.CredentialFields, ",") != "client_id,client_secret" {
		t.Fatalf("account %+v %v", a, err)
	}
	var raw json.RawMessage
	if err := cl.Do(ctx, "GET", api.Version+"/carrier-accounts", nil, &raw); err != nil || bytes.Contains(raw, []byte("very-secret")) {
		t.Fatalf("accounts answer %s %v", raw, err)
	}
	if accts, _ := cl.ListCarrierAccounts(ctx); len(accts) != 5 {
		t.Fatalf("accounts %d", len(accts))
	}
	pref := 1
	if a, err = cl.UpdateCarrierAccount(ctx, a.ID, api.UpdateCarrierAccountRequest{Preference: &pref}); err != nil || a.Preference != 1 {
		t.Fatalf("update account %+v %v", a, err)
	}
	_, err = cl.CreateCarrierAccount(ctx, api.CreateCarrierAccountRequest{Provider: "pony_express", Name: "Pony", Credentials: map[string]string{"k": "v"}})
	wantStatus(t, err, 400, `provider "pony_express" is not supported`)

	to := api.Address{PostalCode: "60606", Country: "US"}
	_, err = cl.QuickRate(ctx, api.QuickRateRequest{To: to, Parcel: api.Parcel{LengthIn: 1, WidthIn: 1, HeightIn: 1}, PromiseLevel: "two_day"})
	wantStatus(t, err, 400, "weight_oz")
	_, err = cl.QuickRate(ctx, api.QuickRateRequest{To: to, Parcel: api.Parcel{WeightOz: 3, LengthIn: 1, WidthIn: 1, HeightIn: 1}, PromiseLevel: "2day"})
	wantStatus(t, err, 400, `promise level "2day"`)
	q, err := cl.QuickRate(ctx, api.QuickRateRequest{To: to, Parcel: api.Parcel{WeightOz: 3, LengthIn: 1, WidthIn: 1, HeightIn: 1},
		PromiseLevel: "two_day", Providers: []string{carrier.FedExDirect, carrier.EasyPost}})
	if err != nil || q.Provider != carrier.EasyPost || len(q.Decision.Quotes) != 2 {
		t.Fatalf("quick rate %+v %v", q, err)
	}
	var body map[string]any
	err = cl.DoRaw(ctx, "POST", api.Version+"/rates", "application/json", strings.NewReader(`{"to":{},"parcel":{},"promise_level":"two_day","speed":"fast"}`), &body)
	wantStatus(t, err, 400, `unknown field "speed"`)

	orderID := f.packedOrder("SecondDay")
	sh, err := cl.RateOrder(ctx, orderID.String(), api.RateOrderRequest{})
	if err != nil || sh.Status != api.ShipmentQuoted || sh.Decision.Saving == nil || sh.Decision.Saving.Saved != "0.70" {
		t.Fatalf("rate order %+v %v", sh, err)
	}
	sh, err = cl.BuyLabel(ctx, orderID.String())
	if err != nil || sh.Status != api.ShipmentLabeled {
		t.Fatalf("label %+v %v", sh, err)
	}
	got, err := cl.GetShipment(ctx, sh.ID)
	if err != nil || got.Decision.Winner == nil || got.Decision.Winner.Price != "8.40" || len(got.Decision.Quotes) != 4 {
		t.Fatalf("get shipment %+v %v", got, err)
	}
	var zpl, pdf bytes.Buffer
	if err := cl.DownloadLabel(ctx, sh.ID, "zpl", &zpl); err != nil || !strings.HasPrefix(zpl.String(), "^XA") {
		t.Fatalf("zpl %q %v", zpl.String(), err)
	}
	if err := cl.DownloadLabel(ctx, sh.ID, "pdf", &pdf); err != nil || !strings.HasPrefix(pdf.String(), "%PDF") {
		t.Fatalf("pdf %q %v", pdf.String(), err)
	}
	wantStatus(t, cl.DownloadLabel(ctx, sh.ID, "png", &bytes.Buffer{}), 400, "zpl or pdf")
	wantStatus(t, cl.DownloadLabel(ctx, uuid.NewString(), "zpl", &bytes.Buffer{}), 404, "not found")
	_, err = cl.GetShipment(ctx, "not-an-id")
	wantStatus(t, err, 400, "UUID")
	_, err = cl.BuyLabel(ctx, orderID.String())
	wantStatus(t, err, 409, "LABELED")
	if list, err := cl.ListOrderShipments(ctx, orderID.String()); err != nil || len(list) != 1 || list[0].ID != sh.ID {
		t.Fatalf("order shipments %+v %v", list, err)
	}

	h, err := cl.StartHandoff(ctx, api.StartHandoffRequest{Carrier: "usps"})
	if err != nil || len(h.Expected) != 1 {
		t.Fatalf("hand-off %+v %v", h, err)
	}
	res, err := cl.ScanHandoff(ctx, h.ID, sh.TrackingNumber)
	if err != nil || res.Scan.Result != api.ScanExpected || len(res.Handoff.Missing) != 0 {
		t.Fatalf("scan %+v %v", res, err)
	}
	if h, err = cl.CloseHandoff(ctx, h.ID); err != nil || h.ClosedAt == nil {
		t.Fatalf("close %+v %v", h, err)
	}
	if h, err = cl.GetHandoff(ctx, h.ID); err != nil || len(h.Scans) != 1 {
		t.Fatalf("get hand-off %+v %v", h, err)
	}
	_, err = cl.ScanHandoff(ctx, h.ID, sh.TrackingNumber)
	wantStatus(t, err, 409, "closed")

	f.fakes[carrier.EasyPost].set(func(x *fakeCarrier) { x.manifest = carrier.Manifest{ID: "sf_9", Document: []byte("%PDF form")} })
	m, err := cl.CloseOut(ctx, api.CloseOutRequest{Provider: carrier.EasyPost, ShipDate: "2026-12-01"})
	if err != nil || m.ExternalID != "sf_9" {
		t.Fatalf("close-out %+v %v", m, err)
	}
	var doc bytes.Buffer
	if err := cl.DownloadManifest(ctx, m.ID, &doc); err != nil || doc.String() != "%PDF form" {
		t.Fatalf("manifest document %q %v", doc.String(), err)
	}

	r, err := cl.ShippingSavings(ctx, "2026-12-01", "2026-12-01")
	if err != nil || r.Shipments != 1 || r.Saved != "0.70" || r.MonthlyProjection != "21.00" || r.YearlyProjection != "255.50" {
		t.Fatalf("savings %+v %v", r, err)
	}
	_, err = cl.ShippingSavings(ctx, "2026-12-02", "2026-12-01")
	wantStatus(t, err, 400, "before")

	if v, err := cl.VoidShipment(ctx, sh.ID); err != nil || v.Status != api.ShipmentVoided {
		t.Fatalf("void %+v %v", v, err)
	}
}
