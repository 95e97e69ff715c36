package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/shared/api"
)

// Carrier is a shipping provider simulator the demo connects.
type Carrier struct {
	Provider    string
	URL         string
	Credentials map[string]string
}

// SeedShipping connects the tenant's carrier accounts to the carrier
// simulators (kept and re-pointed on later runs) and, the first time, sets
// the warehouse's origin, promise levels and the mapping of each channel's
// service levels used by the simulated buyers.
func SeedShipping(ctx context.Context, svc *shipping.Service, tenantID uuid.UUID, carriers []Carrier) error {
	existing, err := svc.ListAccounts(ctx, tenantID)
	if err != nil {
		return err
	}
	byProvider := map[string]api.CarrierAccount{}
	for _, a := range existing {
		byProvider[a.Provider] = a
	}
	for i, c := range carriers {
		url := c.URL
		if a, ok := byProvider[c.Provider]; ok {
			if _, err := svc.UpdateAccount(ctx, tenantID, uuid.MustParse(a.ID), api.UpdateCarrierAccountRequest{BaseURL: &url, Credentials: c.Credentials}); err != nil {
				return fmt.Errorf("demo: carrier %s: %w", c.Provider, err)
			}
			continue
		}
		pref := i + 1
		if _, err := svc.CreateAccount(ctx, tenantID, api.CreateCarrierAccountRequest{Provider: c.Provider, Name: c.Provider + " (simulator)",
			BaseURL: url, Credentials: c.Credentials, Preference: &pref}); err != nil {
			return fmt.Errorf("demo: carrier %s: %w", c.Provider, err)
		}
	}
	if len(existing) > 0 {
		return nil
	}
	origin := api.Address{Name: "Demo Manufacturing Co.", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US", Phone: "2145550100"}
	mappings := []api.ServiceLevelMapping{
		{ChannelKind: "amazon", ServiceLevel: "Standard", PromiseLevel: "standard"},
		{ChannelKind: "walmart", ServiceLevel: "Standard", PromiseLevel: "standard"},
		{ChannelKind: "ebay", ServiceLevel: "USPSPriority", PromiseLevel: "two_day"},
		{ChannelKind: "woocommerce", ServiceLevel: "flat_rate", PromiseLevel: "standard"},
	}
	_, err = svc.PutSettings(ctx, tenantID, "demo", api.ShippingSettings{
		Origin: &origin, TimeZone: "America/Chicago", Cutoff: "16:00",
		PromiseLevels: []api.PromiseLevel{{Level: "standard", MaxBusinessDays: 5}, {Level: "two_day", MaxBusinessDays: 2},
			{Level: "overnight", MaxBusinessDays: 1, GuaranteedOnly: true}},
		ServiceLevels: mappings, DefaultPromiseLevel: "standard",
		Baselines:    map[string]string{"standard": "ups_direct/03", "two_day": "ups_direct/02", "overnight": "ups_direct/01"},
		ServiceTable: map[string]int{}, ProviderTimeoutMS: 1500, BudgetMS: 2500, PossibleLostHours: 48,
	})
	if err != nil {
		return fmt.Errorf("demo: shipping settings: %w", err)
	}
	return nil
}
