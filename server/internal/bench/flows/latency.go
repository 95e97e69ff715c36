package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// LatencyTarget is the event-to-everywhere target at the 99th percentile.
const LatencyTarget = 2 * time.Second

// Latency measures event to everywhere: a buyer orders one unit on the
// WooCommerce store, whose webhook reaches Manifold, and the time runs until
// Amazon, Walmart and eBay all show the new quantity. Orders go one after
// another, each a random 0 to cfg.OrderGap after the previous one shows
// everywhere: some land while the previous push is still pacing, some on an
// idle worker. Manifold runs in process with production settings: the webhook
// endpoint on loopback, a worker running the intake and push tasks, the
// reconciler and due polls on their production intervals, the pusher
// observing stock.
func Latency(ctx context.Context, out io.Writer, cfg Config) (err error) {
	if cfg, err = cfg.withDefaults(); err != nil {
		return err
	}
	b, err := openBase(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.close()) }()
	reg, sims := productionChannels()
	st, err := b.newStack(ctx, stackOptions{name: "latency", reg: reg, push: true, pace: cfg.Pace,
		reconcileEvery: reconcileEvery, pollDueEvery: pollDueEvery, taskCheck: cfg.TaskCheckInterval})
	if err != nil {
		return err
	}
	defer st.close()
	markets, err := serveMarkets(sims)
	if err != nil {
		return err
	}
	defer stopMarkets(markets)

	fmt.Fprintln(cfg.Progress, "latency: connecting the four marketplace simulators and pushing the opening stock")
	onHand := cfg.Orders + 1000
	sh, err := st.openShop(ctx, markets, onHand)
	if err != nil {
		return err
	}
	if _, err := st.pusher.PushTenant(ctx, sh.tenant, uuid.Nil); err != nil {
		return err
	}
	if _, err := waitShown(ctx, markets, onHand, time.Now(), time.Minute); err != nil {
		return fmt.Errorf("flows: opening stock: %w", err)
	}

	fmt.Fprintf(cfg.Progress, "latency: placing %d orders on the WooCommerce store\n", cfg.Orders)
	res, err := measureLatency(ctx, cfg, markets, onHand)
	if err != nil {
		return err
	}
	printLatency(out, cfg, res)
	fmt.Fprintf(out, "  failed task runs: %s\n", failureLine(st.failures()))
	b.logs.report(out)
	return nil
}

// latencyResult are the measured times of every order.
type latencyResult struct {
	// everywhere is until the last other channel showed the order.
	everywhere sample
	// channels are until each other channel did, by kind.
	channels map[string]sample
	// answered is the store's webhook call, until Manifold answered.
	answered sample
}

// measureLatency places the orders on the WooCommerce store, one at a time,
// and times how each reaches the other channels. Every channel shows onHand
// at the start.
func measureLatency(ctx context.Context, cfg Config, markets []*market, onHand int) (latencyResult, error) {
	res := latencyResult{channels: map[string]sample{}}
	var store *market
	var others []*market
	for _, m := range markets {
		if m.kind() == "woocommerce" {
			store = m
		} else {
			others = append(others, m)
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	want := onHand
	for i := range cfg.Orders {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Duration(rng.Int64N(int64(cfg.OrderGap) + 1))):
		}
		start := time.Now()
		if id := store.buy(i); id == "" {
			return res, fmt.Errorf("flows: order %d: the store refused it", i+1)
		}
		res.answered = append(res.answered, time.Since(start))
		want--
		at, err := waitShown(ctx, others, want, start, time.Minute)
		if err != nil {
			return res, fmt.Errorf("flows: order %d: %w", i+1, err)
		}
		var last time.Duration
		for k, d := range at {
			res.channels[k] = append(res.channels[k], d)
			last = max(last, d)
		}
		res.everywhere = append(res.everywhere, last)
		if (i+1)%50 == 0 {
			fmt.Fprintf(cfg.Progress, "latency: %d orders, p99 so far %s ms\n", i+1, ms(res.everywhere.quantile(0.99)))
		}
	}
	return res, nil
}

// printLatency prints the percentiles and the target.
func printLatency(out io.Writer, cfg Config, res latencyResult) {
	taskCheck := tasks.TaskCheckInterval.String() + ", as production"
	if cfg.TaskCheckInterval > 0 {
		taskCheck = cfg.TaskCheckInterval.String() + " (production: " + tasks.TaskCheckInterval.String() + ")"
	}
	pace := cfg.Pace.String() + " (production default)"
	if cfg.Pace != productionPace {
		pace = cfg.Pace.String() + " (production: " + productionPace.String() + ")"
	}
	fmt.Fprintln(out, "\nlatency — event to everywhere: a WooCommerce order (webhook) until Amazon, Walmart and eBay show the new quantity")
	fmt.Fprintf(out, "  %d orders one after another, each placed 0–%s (uniform) after the previous one showed everywhere; channels polled every 5 ms\n",
		cfg.Orders, cfg.OrderGap)
	fmt.Fprintf(out, "  push pace %s; an idle worker waits for new tasks %s\n", pace, taskCheck)
	fmt.Fprintf(out, "  %-18s %9s %9s %9s %9s\n", "", "p50 ms", "p90 ms", "p99 ms", "max ms")
	row := func(name string, s sample) {
		fmt.Fprintf(out, "  %-18s %9s %9s %9s %9s\n", name, ms(s.quantile(0.5)), ms(s.quantile(0.9)), ms(s.quantile(0.99)), ms(s.max()))
	}
	row("everywhere", res.everywhere)
	names := make([]string, 0, len(res.channels))
	for k := range res.channels {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		row("  "+k, res.channels[k])
	}
	row("webhook answered", res.answered)
	over := 0
	for _, d := range res.everywhere {
		if d > LatencyTarget {
			over++
		}
	}
	p99 := res.everywhere.quantile(0.99)
	fmt.Fprintf(out, "  target: p99 ≤ %s — %s (p99 %s ms; %d of %d orders took longer than %s)\n",
		LatencyTarget, verdict(p99 <= LatencyTarget), ms(p99), over, len(res.everywhere), LatencyTarget)
}
