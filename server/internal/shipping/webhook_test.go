package shipping_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/shippo"
	epsim "github.com/manifold-oms/manifold/server/sim/easypost"
	"github.com/manifold-oms/manifold/server/sim/outbox"
	spsim "github.com/manifold-oms/manifold/server/sim/shippo"
	"github.com/manifold-oms/manifold/shared/api"
)

// epSecret is the secret given to the EasyPost webhook; it has a composed
// character, which EasyPost normalizes before signing.
const epSecret = "whsec-d\u00e9p\u00f4t-7"

// simCarrier drives one carrier simulator the same way for both providers.
type simCarrier struct {
	provider string
	account  api.CarrierAccount
	// baseURL and creds are what the account was pointed at.
	baseURL string
	creds   map[string]string
	// point sends the simulator's webhooks to url, signed with secret
	// where the provider signs.
	point     func(url, secret string)
	advance   func(tracking, status string) error
	setMode   func(outbox.Mode) error
	flush     func() int
	redeliver func(id string) error
	attempts  func() []outbox.Attempt
}

// hookFixture is a tenant whose EasyPost and Shippo accounts are real
// adapters talking to simulators over loopback, and a webhook receiver
// serving the shipping handlers.
type hookFixture struct {
	*fixture
	receiver string
	carriers map[string]*simCarrier
}

func newHookFixture(t *testing.T) *hookFixture {
	t.Helper()
	f := newFixture(t, func(c *shipping.Config) {
		c.Adapters[carrier.EasyPost] = easypost.New(easypost.WithPollInterval(10 * time.Millisecond))
		c.Adapters[carrier.Shippo] = shippo.New(shippo.WithPollInterval(10 * time.Millisecond))
		c.HTTP = &http.Client{Timeout: 10 * time.Second}
	})
	f.settings(func(s *api.ShippingSettings) { s.ProviderTimeoutMS, s.BudgetMS = 10000, 15000 })
	h := &hookFixture{fixture: f, receiver: serveWebhooks(t, f), carriers: map[string]*simCarrier{}}

	ep := epsim.New(epsim.Options{Clock: f.clock.Now})
	sp := spsim.New(spsim.Options{Clock: f.clock.Now})
	for _, c := range []*simCarrier{
		{provider: carrier.EasyPost, point: ep.SetWebhook, advance: ep.Advance, setMode: ep.SetDeliveryMode,
			flush: ep.FlushWebhooks, redeliver: ep.Redeliver, attempts: ep.Events},
		{provider: carrier.Shippo, point: func(url, _ string) { sp.SetWebhook(url) }, advance: sp.Advance,
			setMode: sp.SetDeliveryMode, flush: sp.FlushWebhooks, redeliver: sp.Redeliver, attempts: sp.Events},
	} {
		var handler http.Handler = ep
		creds := ep.Credentials()
		creds[easypost.CredWebhookSecret] = epSecret
		if c.provider == carrier.Shippo {
			handler, creds = sp, sp.Credentials()
		}
		srv := httptest.NewServer(handler)
		t.Cleanup(srv.Close)
		c.baseURL, c.creds = srv.URL, creds
		c.account = h.repoint(c.provider, srv.URL, creds)
		c.point(h.receiver+c.account.WebhookPath, epSecret)
		h.carriers[c.provider] = c
	}
	return h
}

// repoint points the tenant's account of a provider at a simulator.
func (h *hookFixture) repoint(provider, baseURL string, creds map[string]string) api.CarrierAccount {
	h.t.Helper()
	accts, err := h.svc.ListAccounts(h.ctx, h.tenant)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range accts {
		if a.Provider == provider {
			a, err = h.svc.UpdateAccount(h.ctx, h.tenant, uuid.MustParse(a.ID), api.UpdateCarrierAccountRequest{BaseURL: &baseURL, Credentials: creds})
			if err != nil {
				h.t.Fatal(err)
			}
			return a
		}
	}
	h.t.Fatalf("no %s account", provider)
	return api.CarrierAccount{}
}

// labeledThrough labels a packed order with only the provider's account
// enabled, so the label is bought from its simulator.
func (h *hookFixture) labeledThrough(provider string) api.Shipment {
	h.t.Helper()
	accts, err := h.svc.ListAccounts(h.ctx, h.tenant)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range accts {
		on := a.Provider == provider
		if a.Enabled != on {
			if _, err := h.svc.UpdateAccount(h.ctx, h.tenant, uuid.MustParse(a.ID), api.UpdateCarrierAccountRequest{Enabled: &on}); err != nil {
				h.t.Fatal(err)
			}
		}
	}
	sh := h.labeled("Standard")
	if sh.Provider != provider {
		h.t.Fatalf("labeled through %s, want %s", sh.Provider, provider)
	}
	return sh
}

// serveWebhooks runs the carrier webhook route on loopback, as the web
// package registers it, and returns its base URL.
func serveWebhooks(t *testing.T, f *fixture) string {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: errorStatus, DisableStartupMessage: true})
	app.Post("/webhooks/carriers/:provider/:account", shipping.NewHandlers(f.svc).Webhook)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// lastAttempt is the simulator's latest delivery attempt.
func (c *simCarrier) lastAttempt(t *testing.T) outbox.Attempt {
	t.Helper()
	a := c.attempts()
	if len(a) == 0 {
		t.Fatalf("%s sent no webhook", c.provider)
	}
	return a[len(a)-1]
}

// deliveries counts the webhook deliveries recorded for a shipment.
func (h *hookFixture) deliveries(shipmentID string) int {
	h.t.Helper()
	var n int
	err := h.db.Tenant(h.ctx, h.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT count(*) FROM carrier_webhook_deliveries WHERE tenant_id = ? AND shipment_id = ?`, h.tenant, shipmentID).Scan(&n).Error
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *hookFixture) shipment(id string) api.Shipment {
	h.t.Helper()
	sh, err := h.svc.GetShipment(h.ctx, h.tenant, uuid.MustParse(id))
	if err != nil {
		h.t.Fatal(err)
	}
	return sh
}

// post sends a webhook request directly and returns the status and body.
func post(t *testing.T, url string, header http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The carrier's acceptance scan, pushed by webhook, ships the order and
// sends its tracking back to the channel once; the same delivery ten times
// is applied once.
func TestWebhookAcceptanceShipsTheOrderOnce(t *testing.T) {
	h := newHookFixture(t)
	for _, provider := range []string{carrier.EasyPost, carrier.Shippo} {
		t.Run(provider, func(t *testing.T) {
			c := h.carriers[provider]
			sh := h.labeledThrough(provider)
			orderID := uuid.MustParse(sh.OrderID)
			syncs := len(h.sync.all())

			h.clock.Advance(3 * time.Hour)
			if err := c.advance(sh.TrackingNumber, "accepted"); err != nil {
				t.Fatal(err)
			}
			first := c.lastAttempt(t)
			if first.Response != http.StatusOK || first.Subject != sh.TrackingNumber {
				t.Fatalf("acceptance webhook: %+v", first)
			}
			got := h.shipment(sh.ID)
			if got.Status != api.ShipmentShipped || got.AcceptedAt == nil || !got.AcceptedAt.Equal(h.clock.Now()) ||
				got.TrackingStatus != carrier.StatusAccepted || len(got.Events) != 2 {
				t.Fatalf("shipment after the webhook: %+v", got)
			}
			if st := h.orderStatus(orderID); st != api.StatusShipped {
				t.Fatalf("order is %s", st)
			}
			calls := h.sync.all()[syncs:]
			if len(calls) != 1 || calls[0].OrderID != orderID.String() || calls[0].Tracking != sh.TrackingNumber {
				t.Fatalf("sync-back calls %+v, want one for the order", calls)
			}

			// The provider delivers the same event nine more times.
			for range 9 {
				if err := c.redeliver(first.ID); err != nil {
					t.Fatal(err)
				}
				if a := c.lastAttempt(t); a.Response != http.StatusOK {
					t.Fatalf("redelivery answered %d", a.Response)
				}
			}
			again := h.shipment(sh.ID)
			if !again.UpdatedAt.Equal(got.UpdatedAt) || len(again.Events) != 2 || h.deliveries(sh.ID) != 1 {
				t.Fatalf("redeliveries changed the shipment: %+v (was %+v), %d deliveries recorded", again, got, h.deliveries(sh.ID))
			}
			if n := len(h.sync.all()) - syncs; n != 1 {
				t.Fatalf("sync-back called %d times", n)
			}
			if a := c.attempts(); len(a) < 10 {
				t.Fatalf("%d attempts", len(a))
			}

			// Delivery, pushed twice in a row, delivers the order once.
			if err := c.setMode(outbox.Duplicate); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(30 * time.Hour)
			if err := c.advance(sh.TrackingNumber, "delivered"); err != nil {
				t.Fatal(err)
			}
			_ = c.setMode(outbox.Normal)
			got = h.shipment(sh.ID)
			if got.Status != api.ShipmentDelivered || got.DeliveredAt == nil || h.orderStatus(orderID) != api.StatusDelivered || h.deliveries(sh.ID) != 2 {
				t.Fatalf("after delivery: shipment %s, order %s, %d deliveries", got.Status, h.orderStatus(orderID), h.deliveries(sh.ID))
			}
			if n := len(h.sync.all()) - syncs; n != 1 {
				t.Fatalf("sync-back called %d times", n)
			}
		})
	}
}

// Events released newest first: the older one arriving last adds nothing
// and moves nothing back.
func TestWebhookOutOfOrderDoesNotRegress(t *testing.T) {
	h := newHookFixture(t)
	for _, provider := range []string{carrier.EasyPost, carrier.Shippo} {
		t.Run(provider, func(t *testing.T) {
			c := h.carriers[provider]
			sh := h.labeledThrough(provider)
			orderID := uuid.MustParse(sh.OrderID)
			syncs := len(h.sync.all())
			if err := c.setMode(outbox.OutOfOrder); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(3 * time.Hour)
			acceptedAt := h.clock.Now()
			if err := c.advance(sh.TrackingNumber, "accepted"); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(20 * time.Hour)
			if err := c.advance(sh.TrackingNumber, "out_for_delivery"); err != nil {
				t.Fatal(err)
			}
			if st := h.shipment(sh.ID).Status; st != api.ShipmentLabeled {
				t.Fatalf("held webhooks were delivered: shipment %s", st)
			}
			if n := c.flush(); n != 2 {
				t.Fatalf("flushed %d webhooks, want 2", n)
			}
			_ = c.setMode(outbox.Normal)
			att := c.attempts()
			newest, older := att[len(att)-2], att[len(att)-1]
			if newest.Response != 200 || older.Response != 200 || newest.ID == older.ID {
				t.Fatalf("deliveries %+v %+v", newest, older)
			}
			got := h.shipment(sh.ID)
			if got.Status != api.ShipmentShipped || got.TrackingStatus != carrier.StatusOutForDel ||
				got.AcceptedAt == nil || !got.AcceptedAt.Equal(acceptedAt) || len(got.Events) != 4 {
				t.Fatalf("shipment after the older event: %+v", got)
			}
			if h.orderStatus(orderID) != api.StatusShipped || len(h.sync.all())-syncs != 1 || h.deliveries(sh.ID) != 2 {
				t.Fatalf("order %s, %d sync-backs, %d deliveries", h.orderStatus(orderID), len(h.sync.all())-syncs, h.deliveries(sh.ID))
			}
		})
	}
}

// capture points the simulator at a recorder, advances the parcel to
// status and returns the webhook it sent, unapplied; the simulator is
// pointed back at the receiver.
func (h *hookFixture) capture(c *simCarrier, tracking, status string) (http.Header, []byte) {
	h.t.Helper()
	var header http.Header
	var body []byte
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, body = r.Header.Clone(), must(io.ReadAll(r.Body))
	}))
	defer rec.Close()
	c.point(rec.URL, epSecret)
	defer c.point(h.receiver+c.account.WebhookPath, epSecret)
	if err := c.advance(tracking, status); err != nil {
		h.t.Fatal(err)
	}
	if body == nil {
		h.t.Fatalf("%s sent no webhook", c.provider)
	}
	return header, body
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A delivery that cannot prove where it comes from is refused with 401 and
// changes nothing; an address that is no account's webhook is 404; an
// authentic one about no parcel of the account is acknowledged and ignored.
func TestWebhookRefusesUnauthenticatedDeliveries(t *testing.T) {
	h := newHookFixture(t)
	type attempt struct {
		name, url string
		header    http.Header
		body      []byte
		status    int
		mention   string
	}
	for _, provider := range []string{carrier.EasyPost, carrier.Shippo} {
		t.Run(provider, func(t *testing.T) {
			c := h.carriers[provider]
			sh := h.labeledThrough(provider)
			orderID := uuid.MustParse(sh.OrderID)
			syncs := len(h.sync.all())
			good := h.receiver + c.account.WebhookPath
			if !strings.Contains(good, "/webhooks/carriers/"+provider+"/"+c.account.ID+"?token=") {
				t.Fatalf("webhook path %q", c.account.WebhookPath)
			}
			path, _, _ := strings.Cut(good, "?")
			h.clock.Advance(3 * time.Hour)
			header, body := h.capture(c, sh.TrackingNumber, "accepted")
			before := h.shipment(sh.ID)

			cases := []attempt{
				{"wrong token", path + "?token=" + strings.Repeat("0", 64), header, body, 401, "token"},
				{"no token", path, header, body, 401, "token"},
				{"unknown account", h.receiver + "/webhooks/carriers/" + provider + "/" + uuid.NewString() + "?token=x", header, body, 404, "no carrier webhook"},
				{"not an account id", h.receiver + "/webhooks/carriers/" + provider + "/42?token=x", header, body, 404, "no carrier webhook"},
				{"another provider's address", strings.Replace(good, "/"+provider+"/", "/ups_direct/", 1), header, body, 404, "no carrier webhook"},
			}
			if provider == carrier.EasyPost {
				forged := header.Clone()
				forged.Set(easypost.SignatureHeader, easypost.Signature(body, "whsec-guessed"))
				unsigned := header.Clone()
				unsigned.Del(easypost.SignatureHeader)
				tampered := bytes.Replace(body, []byte(`"received_at_origin_facility"`), []byte(`"arrived_at_destination"`), 1)
				cases = append(cases,
					attempt{"forged signature", good, forged, body, 401, "X-Hmac-Signature does not match"},
					attempt{"no signature", good, unsigned, body, 401, "no X-Hmac-Signature"},
					attempt{"tampered body", good, header, tampered, 401, "does not match"})
			}
			for _, tc := range cases {
				if status, answer := post(t, tc.url, tc.header.Clone(), tc.body); status != tc.status || !strings.Contains(answer, tc.mention) {
					t.Errorf("%s: %d %s, want %d mentioning %q", tc.name, status, answer, tc.status, tc.mention)
				}
			}
			if got := h.shipment(sh.ID); !got.UpdatedAt.Equal(before.UpdatedAt) || got.Status != api.ShipmentLabeled || len(got.Events) != 0 {
				t.Fatalf("refused deliveries changed the shipment: %+v", got)
			}
			if h.orderStatus(orderID) != api.StatusLabeled || len(h.sync.all()) != syncs || h.deliveries(sh.ID) != 0 {
				t.Fatalf("refused deliveries left traces: order %s, %d sync-backs, %d deliveries", h.orderStatus(orderID), len(h.sync.all())-syncs, h.deliveries(sh.ID))
			}

			if provider == carrier.EasyPost {
				// Without the secret kept, nothing can be verified.
				h.repoint(provider, c.baseURL, map[string]string{easypost.CredAPIKey: epsim.DefaultAPIKey})
				status, answer := post(t, good, header.Clone(), body)
				if status != 401 || !strings.Contains(answer, "webhook_secret") {
					t.Fatalf("account without a webhook secret: %d %s", status, answer)
				}
				h.repoint(provider, c.baseURL, c.creds)
			}
			// The genuine delivery, at the right address, is applied.
			status, answer := post(t, good, header.Clone(), body)
			if status != 200 || !strings.Contains(answer, `"applied"`) || h.shipment(sh.ID).Status != api.ShipmentShipped {
				t.Fatalf("genuine delivery: %d %s", status, answer)
			}
		})
	}
}

// Authentic events about something else than a parcel of the account are
// acknowledged and ignored; an authentic body that cannot be read is 400.
func TestWebhookIgnoresOtherEventsAndRefusesUnreadableOnes(t *testing.T) {
	h := newHookFixture(t)
	sign := func(body string) http.Header {
		return http.Header{easypost.SignatureHeader: {easypost.Signature([]byte(body), epSecret)}}
	}
	cases := []struct {
		provider, name, body string
		status               int
		mention              string
	}{
		{carrier.EasyPost, "another parcel", `{"object":"Event","id":"evt_1","description":"tracker.updated","result":{"object":"Tracker",
			"tracking_code":"9400100000000000000000","status":"in_transit","status_detail":"departed_facility","tracking_details":[]}}`, 200, `"ignored"`},
		{carrier.EasyPost, "another event", `{"object":"Event","id":"evt_2","description":"batch.updated","result":{"object":"Batch"}}`, 200, `"ignored"`},
		{carrier.EasyPost, "not JSON", `tracker updated`, 400, "not an Event"},
		{carrier.EasyPost, "not an Event", `{"object":"Tracker","tracking_code":"x"}`, 400, "not an Event"},
		{carrier.EasyPost, "a Tracker without code", `{"object":"Event","id":"evt_3","description":"tracker.updated","result":{"object":"Tracker"}}`, 400, "tracking_code"},
		{carrier.Shippo, "another parcel", `{"event":"track_updated","test":true,"data":{"carrier":"usps","tracking_number":"9205590000000000000000",
			"tracking_status":{"status":"TRANSIT","status_date":"2026-12-01T18:00:00Z"},"tracking_history":[]}}`, 200, `"ignored"`},
		{carrier.Shippo, "another event", `{"event":"transaction_created","test":true,"data":{"object_id":"abc"}}`, 200, `"ignored"`},
		{carrier.Shippo, "not JSON", `{"event":`, 400, "not a Shippo event"},
		{carrier.Shippo, "no event", `{"data":{}}`, 400, `names no \"event\"`},
		{carrier.Shippo, "a Track without number", `{"event":"track_updated","data":{"carrier":"usps"}}`, 400, "tracking_number"},
	}
	for _, tc := range cases {
		c := h.carriers[tc.provider]
		status, answer := post(t, h.receiver+c.account.WebhookPath, sign(tc.body), []byte(tc.body))
		if status != tc.status || !strings.Contains(answer, tc.mention) {
			t.Errorf("%s %s: %d %s, want %d mentioning %q", tc.provider, tc.name, status, answer, tc.status, tc.mention)
		}
	}
	var n int
	if err := h.db.Tenant(h.ctx, h.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT count(*) FROM carrier_webhook_deliveries WHERE tenant_id = ?`, h.tenant).Scan(&n).Error
	}); err != nil || n != 0 {
		t.Fatalf("%d deliveries recorded (%v)", n, err)
	}
}

// A sync-back that fails answers 503, so the provider delivers again; the
// redelivery finishes the job without applying anything twice.
func TestWebhookRedeliveryFinishesAFailedSyncBack(t *testing.T) {
	h := newHookFixture(t)
	c := h.carriers[carrier.EasyPost]
	sh := h.labeledThrough(carrier.EasyPost)
	h.sync.fail = 1
	h.clock.Advance(5 * time.Hour)
	if err := c.advance(sh.TrackingNumber, "accepted"); err != nil {
		t.Fatal(err)
	}
	first := c.lastAttempt(t)
	if first.Response != http.StatusServiceUnavailable || len(h.sync.all()) != 0 {
		t.Fatalf("failing sync-back: answered %d, %d sync-backs", first.Response, len(h.sync.all()))
	}
	if got := h.shipment(sh.ID); got.Status != api.ShipmentShipped || h.deliveries(sh.ID) != 1 {
		t.Fatalf("the tracking was not kept: %+v", got)
	}
	for range 2 {
		if err := c.redeliver(first.ID); err != nil {
			t.Fatal(err)
		}
		if a := c.lastAttempt(t); a.Response != http.StatusOK {
			t.Fatalf("redelivery answered %d", a.Response)
		}
	}
	if calls := h.sync.all(); len(calls) != 1 || calls[0].Tracking != sh.TrackingNumber {
		t.Fatalf("sync-back calls %+v", calls)
	}
	if h.deliveries(sh.ID) != 1 {
		t.Fatalf("%d deliveries", h.deliveries(sh.ID))
	}
}

// The accounts API shows the webhook address of the providers that push
// tracking, token included, and never the secret that signs them.
func TestAccountsShowTheirWebhookPath(t *testing.T) {
	h := newHookFixture(t)
	accts, err := h.svc.ListAccounts(h.ctx, h.tenant)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, a := range accts {
		paths[a.Provider] = a.WebhookPath
	}
	for _, p := range []string{carrier.EasyPost, carrier.Shippo} {
		if !strings.HasPrefix(paths[p], "/webhooks/carriers/"+p+"/") || !strings.Contains(paths[p], "?token=") {
			t.Errorf("%s webhook path %q", p, paths[p])
		}
	}
	if paths[carrier.UPSDirect] != "" || paths[carrier.EasyPost] == paths[carrier.Shippo] {
		t.Errorf("webhook paths %v", paths)
	}
	raw, _ := json.Marshal(accts)
	if bytes.Contains(raw, []byte(epSecret)) || !bytes.Contains(raw, []byte(`"webhook_secret"`)) {
		t.Fatalf("accounts answer shows the secret or hides that it is set: %s", raw)
	}
}

// The tracking poll forgets deliveries after the retention; a replay after
// that is applied again and changes nothing.
func TestOldDeliveriesAreForgotten(t *testing.T) {
	h := newHookFixture(t)
	c := h.carriers[carrier.EasyPost]
	sh := h.labeledThrough(carrier.EasyPost)
	h.clock.Advance(5 * time.Hour)
	if err := c.advance(sh.TrackingNumber, "accepted"); err != nil {
		t.Fatal(err)
	}
	first := c.lastAttempt(t)
	// The runtime role may not rewrite deliveries; the owner ages them.
	tx, err := env.OwnerSQL(t).BeginTx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(h.ctx, `SELECT set_config('app.tenant_id', $1, true)`, h.tenant.String()); err != nil {
		t.Fatal(err)
	}
	if res, err := tx.ExecContext(h.ctx, `UPDATE carrier_webhook_deliveries SET received_at = now() - interval '31 days' WHERE tenant_id = $1`,
		h.tenant.String()); err != nil || must(res.RowsAffected()) != 1 {
		t.Fatalf("age the delivery: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.TrackTenant(h.ctx, h.tenant); err != nil {
		t.Fatal(err)
	}
	if n := h.deliveries(sh.ID); n != 0 {
		t.Fatalf("%d deliveries kept past the retention", n)
	}
	before := h.shipment(sh.ID)
	if err := c.redeliver(first.ID); err != nil {
		t.Fatal(err)
	}
	got := h.shipment(sh.ID)
	if c.lastAttempt(t).Response != http.StatusOK || h.deliveries(sh.ID) != 1 || got.Status != before.Status ||
		len(got.Events) != len(before.Events) || !got.AcceptedAt.Equal(*before.AcceptedAt) || len(h.sync.all()) != 1 {
		t.Fatalf("replay after the retention: %+v, %d sync-backs", got, len(h.sync.all()))
	}
}
