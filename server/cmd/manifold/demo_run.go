package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/manifold-oms/manifold/server/internal/demo"
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
	for i, c := range carrierSims(nil) {
		u, err := serve(ctx, g, c.key, "127.0.0.1", f.simPort+10+i, c.sim)
		if err != nil {
			return err
		}
		carriers = append(carriers, demo.Carrier{Provider: c.key, URL: u, Credentials: c.sim.Credentials()})
		a.log.Info("demo: simulator listening", slog.String("carrier", c.key), slog.String("url", u))
	}
	if err := demo.SeedShipping(ctx, a.shipping, uuid.MustParse(t.ID), carriers); err != nil {
		return err
	}
	go demo.Trickle(ctx, markets, f.every, a.log)
	return nil
}
