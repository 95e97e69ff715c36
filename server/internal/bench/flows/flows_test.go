package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/bench/flows"
)

// The scenarios run at a tiny size: they must complete end to end and print
// their figures. Timings are printed, never asserted.

func config() flows.Config {
	return flows.Config{AppURL: env.AppURL, RedisURL: env.RedisURL, KeyPrefix: env.Prefix + "flows:", Seed: 7}
}

func expect(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the output has no %q:\n%s", w, out)
		}
	}
}

func TestLatencyRunsEndToEnd(t *testing.T) {
	cfg := config()
	cfg.Orders, cfg.OrderGap = 5, 50*time.Millisecond
	var out strings.Builder
	if err := flows.Latency(context.Background(), &out, cfg); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	expect(t, out.String(), "5 orders", "everywhere", "amazon", "walmart", "ebay", "target: p99")
}

func TestBurstRunsEndToEnd(t *testing.T) {
	cfg := config()
	cfg.Stock, cfg.OrdersPerMinute, cfg.Minutes, cfg.SimMinute = 10, 30, 1, time.Second
	var out strings.Builder
	if err := flows.Burst(context.Background(), &out, cfg); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	expect(t, out.String(), "manifold push", "batch sync every 15m0s", "beyond stock", "target: Manifold's push oversells 0")
}

func TestRateShopRunsEndToEnd(t *testing.T) {
	cfg := flows.RateShopConfig{Decisions: 5, Budget: 500 * time.Millisecond, PerProvider: 300 * time.Millisecond, Concurrency: 2}
	var out strings.Builder
	if err := flows.RateShop(context.Background(), &out, cfg); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	expect(t, out.String(), "all healthy", "usps_direct hanging", "target, all healthy", "target, usps_direct hanging")
}
