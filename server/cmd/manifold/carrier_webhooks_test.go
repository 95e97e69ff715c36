package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	epsim "github.com/manifold-oms/manifold/server/sim/easypost"
	"github.com/manifold-oms/manifold/server/sim/outbox"
	spsim "github.com/manifold-oms/manifold/server/sim/shippo"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// A WooCommerce order is labeled through the EasyPost simulator, then
// through the Shippo one; each simulator pushes the carrier's acceptance
// scan to the running server's webhook. The order ships, its tracking is
// queued for the channel once, and ten deliveries of the same event change
// nothing; forged deliveries and unknown addresses are refused.
func TestCarrierWebhooksShipOrdersEndToEnd(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	c := admin.Client
	const secret = "whsec-e2e-1"

	ep := epsim.New(epsim.Options{})
	sp := spsim.New(spsim.Options{})
	epSrv, spSrv := httptest.NewServer(ep), httptest.NewServer(sp)
	t.Cleanup(epSrv.Close)
	t.Cleanup(spSrv.Close)
	epCreds := ep.Credentials()
	epCreds["webhook_secret"] = secret
	epAcct, err := c.CreateCarrierAccount(ctx, api.CreateCarrierAccountRequest{Provider: carrier.EasyPost, Name: "EasyPost", BaseURL: epSrv.URL, Credentials: epCreds})
	if err != nil {
		t.Fatal(err)
	}
	spAcct, err := c.CreateCarrierAccount(ctx, api.CreateCarrierAccountRequest{Provider: carrier.Shippo, Name: "Shippo", BaseURL: spSrv.URL, Credentials: sp.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	var listed json.RawMessage
	if err := c.Do(ctx, "GET", api.Version+"/carrier-accounts", nil, &listed); err != nil || strings.Contains(string(listed), secret) ||
		!strings.Contains(string(listed), `"webhook_path":"/webhooks/carriers/easypost/`+epAcct.ID+`?token=`) {
		t.Fatalf("accounts answer %s %v", listed, err)
	}
	ep.SetWebhook(h.URL+epAcct.WebhookPath, secret)
	sp.SetWebhook(h.URL + spAcct.WebhookPath)

	st, err := c.GetShippingSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Origin = &api.Address{Name: "Dock", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"}
	st.ProviderTimeoutMS, st.BudgetMS = 10000, 15000
	st.ServiceLevels = append(st.ServiceLevels, api.ServiceLevelMapping{ChannelKind: "woocommerce", ServiceLevel: "flat_rate", PromiseLevel: "standard"})
	if _, err := c.PutShippingSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	weight, size := 20.0, 8.0
	if _, err := c.CreateProduct(ctx, api.CreateProductRequest{SKU: "HOOK-1", Name: "Hook", WeightOz: &weight, LengthIn: &size, WidthIn: &size, HeightIn: &size}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdjustStock(ctx, api.StockAdjustmentRequest{SKU: "HOOK-1", Kind: api.AdjustReceipt, Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	woo := h.seedChannel(admin, "woocommerce")
	if _, err := c.PutMapping(ctx, api.PutMappingRequest{ChannelAccountID: woo.String(), ChannelSKU: "woo-hook", SKU: "HOOK-1"}); err != nil {
		t.Fatal(err)
	}

	type sim struct {
		acct     api.CarrierAccount
		other    api.CarrierAccount
		advance  func(string, string) error
		attempts func() []outbox.Attempt
		redo     func(string) error
	}
	for i, s := range []sim{
		{epAcct, spAcct, ep.Advance, ep.Events, ep.Redeliver},
		{spAcct, epAcct, sp.Advance, sp.Events, sp.Redeliver},
	} {
		t.Run(s.acct.Provider, func(t *testing.T) {
			on, off := true, false
			if _, err := c.UpdateCarrierAccount(ctx, s.other.ID, api.UpdateCarrierAccountRequest{Enabled: &off}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateCarrierAccount(ctx, s.acct.ID, api.UpdateCarrierAccountRequest{Enabled: &on}); err != nil {
				t.Fatal(err)
			}
			res, err := h.app.orders.Intake(ctx, admin.TenantID, "channel:woocommerce", orders.Intake{ChannelAccountID: woo,
				ExternalID: fmt.Sprint("hook-", i), CustomerName: "Dana Whitfield", ServiceLevel: "flat_rate",
				ShipTo: api.Address{Name: "Dana Whitfield", Line1: "233 S Wacker Dr", City: "Chicago", Region: "IL", PostalCode: "60606", Country: "US"},
				Lines:  []orders.IntakeLine{{ChannelSKU: "woo-hook", Quantity: 1, UnitPriceCents: 2500}}})
			if err != nil {
				t.Fatal(err)
			}
			orderID := res.Order.ID
			for _, to := range []string{api.StatusPicking, api.StatusPacked} {
				if _, err := c.TransitionOrder(ctx, orderID, to, ""); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.RateOrder(ctx, orderID, api.RateOrderRequest{}); err != nil {
				t.Fatal(err)
			}
			sh, err := c.BuyLabel(ctx, orderID)
			if err != nil || sh.Provider != s.acct.Provider {
				t.Fatalf("label %+v %v", sh, err)
			}

			if err := s.advance(sh.TrackingNumber, "accepted"); err != nil {
				t.Fatal(err)
			}
			att := s.attempts()
			first := att[len(att)-1]
			if first.Response != http.StatusOK {
				t.Fatalf("acceptance webhook answered %d", first.Response)
			}
			for range 9 {
				if err := s.redo(first.ID); err != nil {
					t.Fatal(err)
				}
			}
			for _, a := range s.attempts()[len(att):] {
				if a.Response != http.StatusOK {
					t.Fatalf("redelivery answered %d", a.Response)
				}
			}
			o, err := c.GetOrder(ctx, orderID)
			if err != nil || o.Status != api.StatusShipped {
				t.Fatalf("order after the webhook: %+v %v", o.Status, err)
			}
			got, err := c.GetShipment(ctx, sh.ID)
			if err != nil || got.Status != api.ShipmentShipped || got.AcceptedAt == nil || len(got.Events) != 2 {
				t.Fatalf("shipment after the webhook: %+v %v", got, err)
			}
			var confs channel.ShipmentConfirmationList
			if err := c.Do(ctx, "GET", api.Version+"/orders/"+orderID+"/shipment-confirmations", nil, &confs); err != nil ||
				len(confs.Confirmations) != 1 || confs.Confirmations[0].TrackingNumber != sh.TrackingNumber || confs.Confirmations[0].State != "pending" {
				t.Fatalf("shipment confirmations %+v %v", confs, err)
			}
			if n := confirmTasks(t, h, admin.TenantID, confs.Confirmations[0].ID); n != 1 {
				t.Fatalf("%d confirmation tasks queued, want 1", n)
			}
		})
	}

	// Forged, unsigned and misaddressed deliveries.
	path, _, _ := strings.Cut(h.URL+epAcct.WebhookPath, "?")
	body := []byte(`{"object":"Event","id":"evt_forged","description":"tracker.updated","result":{"tracking_code":"x"}}`)
	for _, tc := range []struct {
		name, url, signature string
		status               int
	}{
		{"forged", h.URL + epAcct.WebhookPath, epsim.Sign(body, "whsec-guessed"), 401},
		{"unsigned", h.URL + epAcct.WebhookPath, "", 401},
		{"no token", path, epsim.Sign(body, secret), 401},
		{"unknown account", h.URL + "/webhooks/carriers/easypost/" + uuid.NewString() + "?token=x", epsim.Sign(body, secret), 404},
	} {
		req, _ := http.NewRequest("POST", tc.url, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if tc.signature != "" {
			req.Header.Set(epsim.SignatureHeader, tc.signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env api.ErrorBody
		_ = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		wantCode := api.CodeUnauthenticated
		if tc.status == 404 {
			wantCode = api.CodeNotFound
		}
		if resp.StatusCode != tc.status || env.Error.Code != wantCode {
			t.Errorf("%s: %d %+v, want %d", tc.name, resp.StatusCode, env, tc.status)
		}
	}
}

// confirmTasks counts the queued tasks that send one shipment confirmation.
func confirmTasks(t *testing.T, h *harness, tenantID uuid.UUID, confirmationID string) int {
	t.Helper()
	insp := asynq.NewInspector(h.app.redisOpt)
	defer insp.Close()
	infos, err := insp.ListPendingTasks(tasks.QueueDefault, asynq.PageSize(1000))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ti := range infos {
		var pl channel.ConfirmPayload
		if ti.Type == channel.TaskConfirmShipment && json.Unmarshal(ti.Payload, &pl) == nil &&
			pl.TenantID == tenantID && pl.ConfirmationID.String() == confirmationID {
			n++
		}
	}
	return n
}
