package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var done func()
	env, done = testenv.Setup()
	code := m.Run()
	done()
	os.Exit(code)
}

// stressOps keeps the race-enabled test near half a minute on two cores:
// under the race detector an operation costs about 14 ms of CPU.
const stressOps = 2000

func TestStressKeepsInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	res, err := Stress(context.Background(), env.DB(t), StressConfig{Ops: stressOps, Workers: 8, SKUs: StressSKUs, OnHand: StressOnHand, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	printStress(&report, res)
	t.Log("\n" + report.String())
	if !res.OK() {
		t.Fatalf("seed %d: invariants violated (see the report above)", seed)
	}
	if res.Ops != stressOps {
		t.Fatalf("ran %d operations, want %d", res.Ops, stressOps)
	}
	// The stress must have exercised what it claims to: allocations, holds,
	// cancellations of orders holding stock, and shipments.
	got := map[string]OpStats{}
	for _, k := range res.Kinds {
		got[k.Kind] = k
	}
	for _, want := range []struct {
		kind string
		n    func(OpStats) int
	}{
		{OpIntake, func(s OpStats) int { return s.OK }},
		{OpIntake, func(s OpStats) int { return s.Held }},
		{OpCancel, func(s OpStats) int { return s.OK }},
		{OpShip, func(s OpStats) int { return s.OK }},
		{OpRestock, func(s OpStats) int { return s.OK }},
		{OpReplay, func(s OpStats) int { return s.OK }},
	} {
		if want.n(got[want.kind]) == 0 {
			t.Errorf("stress never exercised %s: %+v", want.kind, got[want.kind])
		}
	}
}

func TestParsePgbench(t *testing.T) {
	cases := map[string]struct {
		out  string
		tps  float64
		lat  time.Duration
		txns int64
	}{
		"pg15": {out: `transaction type: update.sql
scaling factor: 1
query mode: simple
number of clients: 64
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 31250
number of failed transactions: 0 (0.000%)
latency average = 20.480 ms
initial connection time = 51.077 ms
tps = 3125.000000 (without initial connection time)
`, tps: 3125, lat: 20480 * time.Microsecond, txns: 31250},
		"pg12 prints two rates": {out: `number of transactions actually processed: 1000
latency average = 8.000 ms
tps = 990.5 (including connections establishing)
tps = 1000.25 (excluding connections establishing)
`, tps: 1000.25, lat: 8 * time.Millisecond, txns: 1000},
	}
	for name, c := range cases {
		got, err := parsePgbench(c.out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.tps != c.tps || got.latencyAvg != c.lat || got.transactions != c.txns {
			t.Errorf("%s: got tps %v latency %v transactions %d", name, got.tps, got.latencyAvg, got.transactions)
		}
	}
	if _, err := parsePgbench("pgbench: error: connection refused"); err == nil {
		t.Error("output without a rate parsed")
	}
}

func TestPercentile(t *testing.T) {
	l := latencies{}
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0.1: time.Millisecond} {
		if got := l.percentile(p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := (latencies{}).percentile(99); got != 0 {
		t.Errorf("empty p99 = %v", got)
	}
}
