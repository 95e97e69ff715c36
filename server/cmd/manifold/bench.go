package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"

	"github.com/manifold-oms/manifold/server/internal/bench"
	"github.com/manifold-oms/manifold/server/internal/bench/flows"
	"github.com/manifold-oms/manifold/server/internal/config"
)

func cmdBench(ctx context.Context, io cmdIO, args []string) error {
	opt := bench.Options{Seed: rand.Uint64() % 1_000_000}
	var cpuProfile string
	cfg, err := loadConfig("bench", io, args, config.Need{Database: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&opt.Scenario, "scenario", bench.ScenarioAll, "hot, intake, stress or all; or latency, burst, rateshop (channels and carriers, through their simulators)")
		fs.DurationVar(&opt.Duration, "duration", bench.DefaultDuration, "how long the hot and intake scenarios measure each path")
		fs.IntVar(&opt.Clients, "clients", 0, fmt.Sprintf("concurrent clients; 0 uses each scenario's default (hot %d, intake %d, stress %d)",
			bench.DefaultHotClients, bench.DefaultIntakeWorkers, bench.DefaultStressWorkers))
		fs.IntVar(&opt.Tenants, "tenants", bench.DefaultTenants, "tenants of the intake scenario")
		fs.IntVar(&opt.Ops, "ops", bench.DefaultOps, "operations of the stress scenario (it runs until they are done)")
		fs.BoolVar(&opt.Keep, "keep", false, "keep the scratch database for inspection instead of dropping it")
		fs.StringVar(&opt.Pgbench, "pgbench", "", "path of pgbench (default: PATH, then /usr/lib/postgresql/*/bin)")
		fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed of the random choices (default: random)")
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process to the file")
	})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL (the schema owner, allowed to create databases) is required: the benchmark creates its own scratch database")
	}
	switch opt.Scenario {
	case "latency", "burst", "rateshop":
		return benchFlows(ctx, io, opt.Scenario, cfg, opt.Seed)
	}
	opt.AdminURL = cfg.DatabaseURL
	opt.Command = fmt.Sprintf("manifold bench --scenario=%s --duration=%s --clients=%d --tenants=%d --ops=%d --seed=%d",
		opt.Scenario, opt.Duration, opt.Clients, opt.Tenants, opt.Ops, opt.Seed)
	if opt.Keep {
		opt.Command += " --keep"
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return bench.Run(ctx, opt, io.stdout, io.stderr)
}

// benchFlows runs the scenarios that cross Manifold and the simulators:
// event-to-everywhere latency, the burst oversell comparison, and rate
// shopping across the five carrier simulators.
func benchFlows(ctx context.Context, io cmdIO, scenario string, cfg config.Config, seed uint64) error {
	fc := flows.Config{DatabaseURL: cfg.DatabaseURL, RedisURL: io.getenv("REDIS_URL"), Seed: seed, Progress: io.stderr}
	fmt.Fprintf(io.stdout, "reproduce: manifold bench --scenario=%s --seed=%d\n", scenario, seed)
	switch scenario {
	case "latency":
		if fc.RedisURL == "" {
			return errors.New("REDIS_URL is required for the latency scenario")
		}
		return flows.Latency(ctx, io.stdout, fc)
	case "burst":
		if fc.RedisURL == "" {
			return errors.New("REDIS_URL is required for the burst scenario")
		}
		return flows.Burst(ctx, io.stdout, fc)
	default:
		return flows.RateShop(ctx, io.stdout, flows.RateShopConfig{})
	}
}
