package shipping_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestCarrierAccountCredentialsAreSealed(t *testing.T) {
	f := newFixture(t)
	accts, err := f.svc.ListAccounts(f.ctx, f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 4 {
		t.Fatalf("accounts %+v", accts)
	}
	for _, a := range accts {
		if strings.Join(a.CredentialFields, ",") != "api_key" || !a.Enabled || a.Preference != 100 {
			t.Fatalf("account %+v", a)
		}
	}
	out, _ := json.Marshal(accts)
	if bytes.Contains(out, []byte("secret-")) {
		t.Fatalf("credentials returned: %s", out)
	}
	// At rest the table holds ciphertext only, even to the schema owner.
	tx, err := env.OwnerSQL(t).BeginTx(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(f.ctx, `SELECT set_config('app.tenant_id', $1, true)`, f.tenant.String()); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(f.ctx, `SELECT provider, credentials FROM carrier_accounts WHERE tenant_id = $1`, f.tenant.String())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var provider string
		var sealed []byte
		if err := rows.Scan(&provider, &sealed); err != nil {
			t.Fatal(err)
		}
		n++
		if len(sealed) < 28 || bytes.Contains(sealed, []byte("secret-"+provider)) || bytes.Contains(sealed, []byte("api_key")) {
			t.Fatalf("%s credentials readable in the table: %q", provider, sealed)
		}
	}
	if n != 4 {
		t.Fatalf("%d rows", n)
	}

	// One enabled account per provider; a disabled second one is allowed.
	_, err = f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: carrier.EasyPost, Name: "EasyPost 2",
		Credentials: map[string]string{"api_key": "k"}})
	wantKind(t, err, apperr.KindConflict, "an enabled easypost account already exists")
	off := false
	pref := 5
	a, err := f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: carrier.EasyPost, Name: "EasyPost 2",
		BaseURL: "http://127.0.0.1:9999", Credentials: map[string]string{"api_key": "k"}, Enabled: &off, Preference: &pref})
	if err != nil || a.Enabled || a.Preference != 5 || a.BaseURL != "http://127.0.0.1:9999" {
		t.Fatalf("disabled account %+v %v", a, err)
	}
	_, err = f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: carrier.UPSDirect, Name: "ups_direct account",
		Credentials: map[string]string{"client_id": "x"}, Enabled: &off})
	wantKind(t, err, apperr.KindConflict, "named")
	on := true
	_, err = f.svc.UpdateAccount(f.ctx, f.tenant, uuidOf(a.ID), api.UpdateCarrierAccountRequest{Enabled: &on})
	wantKind(t, err, apperr.KindConflict, "an enabled easypost account already exists")

	// Disable the first EasyPost account, enable the second with new
	// credentials: rating asks the second one, with its credentials.
	var first api.CarrierAccount
	for _, x := range accts {
		if x.Provider == carrier.EasyPost {
			first = x
		}
	}
	if _, err := f.svc.UpdateAccount(f.ctx, f.tenant, uuidOf(first.ID), api.UpdateCarrierAccountRequest{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	a, err = f.svc.UpdateAccount(f.ctx, f.tenant, uuidOf(a.ID), api.UpdateCarrierAccountRequest{Enabled: &on,
		Credentials: map[string]string{"api_key": "rotated-key"}})
	if err != nil || !a.Enabled {
		t.Fatalf("enable %+v %v", a, err)
	}
	sh, err := f.svc.QuickRate(f.ctx, f.tenant, "test", api.QuickRateRequest{To: api.Address{PostalCode: "60606", Country: "US"},
		Parcel: api.Parcel{WeightOz: 1, LengthIn: 1, WidthIn: 1, HeightIn: 1}, PromiseLevel: "two_day"})
	if err != nil || sh.Provider != carrier.EasyPost {
		t.Fatalf("quick rate %+v %v", sh, err)
	}
	if c := f.fakes[carrier.EasyPost].lastConn; c.AccountID != a.ID || c.Credentials["api_key"] != "rotated-key" || c.BaseURL != "http://127.0.0.1:9999" {
		t.Fatalf("conn %+v", c)
	}
	_, err = f.svc.UpdateAccount(f.ctx, f.tenant, uuidOf(a.ID), api.UpdateCarrierAccountRequest{Credentials: map[string]string{}})
	wantKind(t, err, apperr.KindInvalid, "credentials cannot be emptied")
	_, err = f.svc.UpdateAccount(f.ctx, f.newTenant("x"), uuidOf(a.ID), api.UpdateCarrierAccountRequest{Enabled: &off})
	wantKind(t, err, apperr.KindNotFound)
}

func uuidOf(s string) uuid.UUID { return uuid.MustParse(s) }

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	to := api.Address{PostalCode: "60606", Country: "US"}
	parcel := api.Parcel{WeightOz: 20, LengthIn: 10, WidthIn: 8, HeightIn: 4}
	quick := []struct {
		name string
		req  api.QuickRateRequest
		want []string
	}{
		{"missing weight", api.QuickRateRequest{To: to, Parcel: api.Parcel{LengthIn: 10, WidthIn: 8, HeightIn: 4}, PromiseLevel: "two_day"},
			[]string{"parcel weight_oz must be greater than 0"}},
		{"missing dimensions", api.QuickRateRequest{To: to, Parcel: api.Parcel{WeightOz: 20}, PromiseLevel: "two_day"},
			[]string{"length_in, width_in, height_in"}},
		{"too heavy", api.QuickRateRequest{To: to, Parcel: api.Parcel{WeightOz: 5000, LengthIn: 10, WidthIn: 8, HeightIn: 4}, PromiseLevel: "two_day"},
			[]string{"150 lb"}},
		{"zero-day promise", api.QuickRateRequest{To: to, Parcel: parcel, Promise: &api.PromiseLevel{Level: "same day", MaxBusinessDays: 0}},
			[]string{`promise "same day"`, "max_business_days must be from 1 to 30, not 0"}},
		{"unknown promise level", api.QuickRateRequest{To: to, Parcel: parcel, PromiseLevel: "overnight"},
			[]string{`promise level "overnight" is not one of next_day, standard, two_day`}},
		{"no promise", api.QuickRateRequest{To: to, Parcel: parcel}, []string{"promise_level"}},
		{"unknown provider", api.QuickRateRequest{To: to, Parcel: parcel, PromiseLevel: "two_day", Providers: []string{"dhl_express"}},
			[]string{`provider "dhl_express" is not supported`, "easypost"}},
		{"no destination", api.QuickRateRequest{To: api.Address{Country: "US"}, Parcel: parcel, PromiseLevel: "two_day"},
			[]string{"to.postal_code is required"}},
		{"bad ship date", api.QuickRateRequest{To: to, Parcel: parcel, PromiseLevel: "two_day", ShipDate: "12/01/2026"},
			[]string{`ship_date "12/01/2026"`}},
		{"bad currency", api.QuickRateRequest{To: to, Parcel: parcel, PromiseLevel: "two_day", Currency: "dollars"},
			[]string{"currency"}},
	}
	for _, tc := range quick {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.QuickRate(f.ctx, f.tenant, "test", tc.req)
			wantKind(t, err, apperr.KindInvalid, tc.want...)
		})
	}
	for name, fk := range f.fakes {
		if fk.rateCalls != 0 {
			t.Fatalf("%s was asked for rates on bad input", name)
		}
	}

	// Orders: products without weight or size, a service level nobody mapped.
	f.product("SKU-NW", 0, 5, 5, 5)
	f.product("SKU-ND", 8, 0, 0, 0)
	_, err := f.svc.RateOrder(f.ctx, f.tenant, f.packedOrder("SecondDay", line{"SKU-NW", 1}), "test", api.RateOrderRequest{})
	wantKind(t, err, apperr.KindInvalid, "products SKU-NW have no weight")
	noDims := f.packedOrder("SecondDay", line{"SKU-ND", 1})
	_, err = f.svc.RateOrder(f.ctx, f.tenant, noDims, "test", api.RateOrderRequest{})
	wantKind(t, err, apperr.KindInvalid, "products SKU-ND have no dimensions")
	// The parcel given with the request stands in for the catalog.
	sh, err := f.svc.RateOrder(f.ctx, f.tenant, noDims, "test", api.RateOrderRequest{Parcel: &parcel})
	if err != nil || sh.Parcel != parcel {
		t.Fatalf("rate with a parcel: %+v %v", sh, err)
	}
	_, err = f.svc.RateOrder(f.ctx, f.tenant, f.packedOrder("Scheduled"), "test", api.RateOrderRequest{})
	wantKind(t, err, apperr.KindInvalid, `service level "Scheduled" of amazon orders is not mapped`)
	_, err = f.svc.RateOrder(f.ctx, f.tenant, noDims, "test", api.RateOrderRequest{PromiseLevel: "warp"})
	wantKind(t, err, apperr.KindInvalid, `promise level "warp"`)

	// Accounts and settings.
	_, err = f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: "dhl_express", Name: "DHL",
		Credentials: map[string]string{"k": "v"}})
	wantKind(t, err, apperr.KindInvalid, `provider "dhl_express" is not supported; use one of easypost, fedex_direct, shippo, ups_direct, usps_direct`)
	_, err = f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: carrier.USPSDirect, Name: "USPS"})
	wantKind(t, err, apperr.KindInvalid, "credentials are required")
	_, err = f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: carrier.USPSDirect, Name: "USPS",
		BaseURL: "apis.usps.com", Credentials: map[string]string{"k": "v"}})
	wantKind(t, err, apperr.KindInvalid, "base_url")

	bad := []struct {
		name string
		edit func(s *api.ShippingSettings)
		want string
	}{
		{"zero-day level", func(s *api.ShippingSettings) { s.PromiseLevels[1].MaxBusinessDays = 0 }, `promise "two_day": max_business_days must be from 1`},
		{"unknown baseline provider", func(s *api.ShippingSettings) { s.Baselines["two_day"] = "dhl_express/EXPRESS" }, `provider "dhl_express" is not supported`},
		{"baseline not provider/service", func(s *api.ShippingSettings) { s.Baselines["two_day"] = "FEDEX_2_DAY" }, "must be provider/service"},
		{"mapping to unknown level", func(s *api.ShippingSettings) {
			s.ServiceLevels = append(s.ServiceLevels, api.ServiceLevelMapping{ChannelKind: "walmart", ServiceLevel: "EXPRESS", PromiseLevel: "express"})
		}, `promise level "express" is not one of`},
		{"mapped twice", func(s *api.ShippingSettings) {
			s.ServiceLevels = append(s.ServiceLevels, api.ServiceLevelMapping{ChannelKind: "amazon", ServiceLevel: "secondday", PromiseLevel: "standard"})
		}, "mapped twice"},
		{"time zone", func(s *api.ShippingSettings) { s.TimeZone = "Dallas" }, "time_zone"},
		{"cut-off", func(s *api.ShippingSettings) { s.Cutoff = "4pm" }, "cutoff"},
		{"no levels", func(s *api.ShippingSettings) { s.PromiseLevels = nil; s.ServiceLevels = nil }, "at least one level"},
		{"timeout", func(s *api.ShippingSettings) { s.ProviderTimeoutMS = 0 }, "provider_timeout_ms"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			s, err := f.svc.Settings(f.ctx, f.tenant)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(&s)
			_, err = f.svc.PutSettings(f.ctx, f.tenant, "test", s)
			wantKind(t, err, apperr.KindInvalid, tc.want)
		})
	}
	// Nothing bad was saved.
	s, _ := f.svc.Settings(f.ctx, f.tenant)
	if s.Baselines["two_day"] != "fedex_direct/FEDEX_2_DAY" || s.TimeZone != "America/Chicago" || s.Cutoff != "16:00" {
		t.Fatalf("settings changed by refused updates: %+v", s)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	sh := f.labeled("SecondDay")
	h, err := f.svc.StartHandoff(f.ctx, f.tenant, "test", api.StartHandoffRequest{Carrier: "usps"})
	if err != nil {
		t.Fatal(err)
	}
	other := f.newTenant("o")

	_, err = f.svc.GetShipment(f.ctx, other, sid(sh))
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.Label(f.ctx, other, sid(sh), "zpl")
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.Void(f.ctx, other, sid(sh), "test")
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.Handoff(f.ctx, other, sid(api.Shipment{ID: h.ID}))
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.RateOrder(f.ctx, other, sid(api.Shipment{ID: sh.OrderID}), "test", api.RateOrderRequest{})
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.BuyLabel(f.ctx, other, sid(api.Shipment{ID: sh.OrderID}), "test")
	wantKind(t, err, apperr.KindNotFound)

	if accts, err := f.svc.ListAccounts(f.ctx, other); err != nil || len(accts) != 0 {
		t.Fatalf("other tenant's accounts %+v %v", accts, err)
	}
	if list, err := f.svc.ListShipments(f.ctx, other, nil, false, 0); err != nil || len(list) != 0 {
		t.Fatalf("other tenant's shipments %+v %v", list, err)
	}
	if s, err := f.svc.Settings(f.ctx, other); err != nil || s.Origin != nil || s.UpdatedAt != nil {
		t.Fatalf("other tenant's settings %+v %v", s, err)
	}
	// The other tenant has no carrier account: nothing to ask.
	_, err = f.svc.QuickRate(f.ctx, other, "test", api.QuickRateRequest{From: &api.Address{PostalCode: "75202", Country: "US"},
		To: api.Address{PostalCode: "60606", Country: "US"}, Parcel: api.Parcel{WeightOz: 1, LengthIn: 1, WidthIn: 1, HeightIn: 1}, PromiseLevel: "standard"})
	wantKind(t, err, apperr.KindConflict, "no enabled carrier account")
	// Its hand-off does not match this tenant's labels.
	oh, err := f.svc.StartHandoff(f.ctx, other, "test", api.StartHandoffRequest{Carrier: "usps"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Scan(f.ctx, other, sid(api.Shipment{ID: oh.ID}), "test", sh.TrackingNumber)
	if err != nil || res.Scan.Result != api.ScanUnexpected || res.Scan.ShipmentID != "" || len(res.Handoff.Expected) != 0 {
		t.Fatalf("scan across tenants %+v %v", res, err)
	}
	r, err := f.svc.SavingsReport(f.ctx, other, "2026-12-01", "2026-12-01", "")
	if err != nil || r.Shipments != 0 {
		t.Fatalf("other tenant's savings %+v %v", r, err)
	}
	// Row-level security: the other tenant's scope sees none of these rows
	// even without a tenant filter.
	for _, table := range []string{"carrier_accounts", "shipping_settings", "shipments", "tracking_events", "manifests", "handoffs", "handoff_scans"} {
		var n int64
		if err := f.db.Tenant(f.ctx, other, func(tx *gorm.DB) error {
			return tx.Raw(`SELECT count(*) FROM ` + table + ` WHERE tenant_id <> '` + other.String() + `'`).Scan(&n).Error
		}); err != nil || n != 0 {
			t.Fatalf("%s: %d foreign rows visible (%v)", table, n, err)
		}
	}
}
