package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/manifold-oms/manifold/server/internal/demo"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	simeasypost "github.com/manifold-oms/manifold/server/sim/easypost"
	simshippo "github.com/manifold-oms/manifold/server/sim/shippo"
)

// startDemo serves the marketplace simulators, connects them to the demo
// tenant (created by `manifold demo`) and starts the simulated buyers.
func (a *app) startDemo(ctx context.Context, g *errgroup.Group, f demoFlags, selfURL string) error {
	t, err := a.tenants.BySlug(ctx, demoTenantSlug)
	if err != nil {
		return fmt.Errorf("demo: run `manifold demo` first: %w", err)
	}
	sims, err := startSims(ctx, g, "127.0.0.1", f.simPort)
	if err != nil {
		return err
	}
	markets := make([]demo.Market, len(sims))
	for i, s := range sims {
		markets[i] = demo.Market{Sim: s.Marketplace, URL: s.URL}
		a.log.Info("demo: simulator listening", slog.String("channel", s.Kind()), slog.String("url", s.URL))
	}
	deps := demo.Deps{Catalog: a.catalog, Inventory: a.inv, Orders: a.orders, Accounts: a.accounts, Log: a.log}
	if err := demo.Seed(ctx, deps, uuid.MustParse(t.ID), selfURL, markets); err != nil {
		return err
	}
	var carriers []demo.Carrier
	carrierByKey := map[string]carrierSim{}
	// The EasyPost simulator signs its webhooks with a secret the account
	// keeps, as a real EasyPost webhook does.
	hookSecret := rand.Text()
	for i, c := range carrierSims(nil) {
		carrierByKey[c.key] = c.sim
		u, err := serve(ctx, g, c.key, "127.0.0.1", f.simPort+10+i, c.sim)
		if err != nil {
			return err
		}
		creds := c.sim.Credentials()
		if c.key == carrier.EasyPost {
			creds[easypost.CredWebhookSecret] = hookSecret
		}
		carriers = append(carriers, demo.Carrier{Provider: c.key, URL: u, Credentials: creds})
		a.log.Info("demo: simulator listening", slog.String("carrier", c.key), slog.String("url", u))
	}
	if err := demo.SeedShipping(ctx, a.shipping, uuid.MustParse(t.ID), carriers); err != nil {
		return err
	}
	if err := a.pointCarrierWebhooks(ctx, uuid.MustParse(t.ID), selfURL, hookSecret, carrierByKey); err != nil {
		return err
	}
	go demo.Trickle(ctx, markets, f.every, a.log)
	return nil
}

// pointCarrierWebhooks makes the EasyPost and Shippo simulators push
// tracking to the demo tenant's webhook of each, and ticks them every
// minute so that scans falling due are sent.
func (a *app) pointCarrierWebhooks(ctx context.Context, tenantID uuid.UUID, selfURL, secret string, sims map[string]carrierSim) error {
	accts, err := a.shipping.ListAccounts(ctx, tenantID)
	if err != nil {
		return err
	}
	var tickers []interface{ Tick() }
	for _, acct := range accts {
		if !acct.Enabled || acct.WebhookPath == "" {
			continue
		}
		path := acct.WebhookPath
		switch s := sims[acct.Provider].(type) {
		case *simeasypost.Server:
			s.SetWebhook(selfURL+path, secret)
			tickers = append(tickers, s)
		case *simshippo.Server:
			s.SetWebhook(selfURL + path)
			tickers = append(tickers, s)
		}
	}
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for _, s := range tickers {
					s.Tick()
				}
			}
		}
	}()
	return nil
}
