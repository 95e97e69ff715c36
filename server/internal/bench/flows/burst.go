package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/shared/api"
)

// asynqTaskCheck is the idle wait for new tasks production runs with.
const asynqTaskCheck = tasks.TaskCheckInterval

// amazonListingLag is how long after a change Amazon lists an order
// (getOrders' window must end two minutes before the call) plus the
// connector's margin for clock skew.
const amazonListingLag = 2*time.Minute + 10*time.Second

// Burst sells a short SKU on four channels at once and counts the units
// sold beyond the stock, twice in the same harness: with Manifold's
// level-triggered push, and with a batch sync that pushes the available
// quantity to every channel only every cfg.BatchEvery. Both runs take orders
// in the same way (webhooks, polls, atomic allocation) and see the same
// buyers: the same channel for the n-th order, each buying one unit only
// while the listing shows more than zero.
//
// Time is compressed by cfg.SimMinute: buyers, the batch interval, and every
// interval Manifold is configured with (push pace, reconciler, due polls,
// each channel's poll interval, the worker's idle wait) run that many times
// faster, and so does Amazon's clock on both the simulator and the connector,
// so its two-minute listing delay keeps its meaning. Work itself — HTTP,
// SQL, queue hops — is not compressed: each real millisecond counts as
// that many simulated ones against the push.
func Burst(ctx context.Context, out io.Writer, cfg Config) (err error) {
	if cfg, err = cfg.withDefaults(); err != nil {
		return err
	}
	b, err := openBase(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.close()) }()

	n := cfg.OrdersPerMinute * cfg.Minutes
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	plan := make([]int, n)
	for i := range plan {
		plan[i] = rng.IntN(4)
	}
	var runs []burstResult
	for _, pol := range []burstPolicy{policySharedPool, policyFenced, policyAllotments, policyBatch} {
		r, err := runBurst(ctx, b, cfg, plan, pol)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	printBurst(out, cfg, runs)
	b.logs.report(out)
	return nil
}

// burstPolicy is how a run of the burst offers the stock to the channels.
type burstPolicy int

const (
	// policySharedPool pushes all available stock to every channel.
	policySharedPool burstPolicy = iota
	// policyFenced pushes a shared pool with Amazon, which lists its orders
	// two minutes late, ring-fenced to a quarter of the stock.
	policyFenced
	// policyAllotments pushes each channel its quarter of the stock.
	policyAllotments
	// policyBatch syncs the shared pool every cfg.BatchEvery instead of
	// pushing.
	policyBatch
)

// printBurst prints the runs of the burst side by side, then each by channel.
func printBurst(out io.Writer, cfg Config, runs []burstResult) {
	factor := compression(cfg)
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / factor) }
	fmt.Fprintf(out, "\nburst — oversells: %d units of one SKU on 4 channels; buyers order %d/min for %d min (simulated), one unit each, only while the listing shows more than 0\n",
		cfg.Stock, cfg.OrdersPerMinute, cfg.Minutes)
	fmt.Fprintf(out, "  time compressed %.0f×: 1 simulated minute = %s real. Alike compressed: the batch interval (%s → %s), push pace (%s → %s),\n",
		factor, cfg.SimMinute, cfg.BatchEvery, scale(cfg.BatchEvery).Round(time.Millisecond), cfg.Pace, scale(cfg.Pace).Round(time.Millisecond))
	taskCheck := fmt.Sprintf("the worker's idle wait (%s → %s)", asynqTaskCheck, scale(asynqTaskCheck).Round(time.Millisecond))
	if cfg.TaskCheckInterval > 0 {
		taskCheck = fmt.Sprintf("the worker's idle wait (set to %s real)", cfg.TaskCheckInterval)
	}
	fmt.Fprintf(out, "  reconciler (%s → %s), due polls (%s → %s), poll intervals (amazon %s, walmart %s, woocommerce %s, ebay %s, each ÷%.0f), %s,\n",
		reconcileEvery, scale(reconcileEvery).Round(time.Millisecond), pollDueEvery, scale(pollDueEvery).Round(time.Millisecond),
		amazon.New().PollInterval(), walmart.New().PollInterval(), woocommerce.New().PollInterval(), ebay.New().PollInterval(), factor, taskCheck)
	fmt.Fprintln(out, "  and Amazon's clock on both sides (orders are listed 2 min after they change). Real work (HTTP, SQL, queue hops) is not compressed.")
	fmt.Fprintf(out, "  %-24s %6s %14s %12s %13s %14s\n", "", "sold", "beyond stock", "held short", "turned away", "not taken in")
	for _, r := range runs {
		fmt.Fprintf(out, "  %-44s %6d %14d %12d %13d %14d\n", r.name, r.sold(), max(0, r.sold()-cfg.Stock), r.heldShort(), r.refused(), r.sold()-r.orders)
	}
	fmt.Fprintln(out, "  (shared pool: every channel shows all available stock; Amazon ring-fenced: Amazon shows what is left of its 25%")
	fmt.Fprintln(out, "   share and the other channels share the rest; allotments: each channel shows its 25% share. A channel that reports")
	fmt.Fprintln(out, "   its orders late, as Amazon does, then never sells units another channel was offered meanwhile)")
	for _, r := range runs {
		fmt.Fprintf(out, "  %s, by channel:\n", r.name)
		for _, k := range r.kinds {
			c := r.channels[k]
			last := "-"
			if c.sold > 0 {
				last = simTime(c.lastSale)
			}
			fmt.Fprintf(out, "    %-12s sold %3d  held short %3d  turned away %3d  last sale at %s  shows %d at the end\n",
				k, c.sold, r.held[k], c.refused, last, r.shownAtEnd[k])
		}
		fmt.Fprintf(out, "    stock at the end: on hand %d, allocated %d; orders by status: %s\n", r.onHand, r.allocated, r.statusLine())
		fmt.Fprintf(out, "    failed task runs: %s\n", failureLine(r.failures))
	}
	oversold := func(r burstResult) int { return max(r.sold()-cfg.Stock, r.heldShort()) }
	push, fenced, allot, batch := runs[0], runs[1], runs[2], runs[3]
	fmt.Fprintf(out, "  target: Manifold's push oversells 0 — with Amazon ring-fenced %s (%d units), allotments %s (%d units);\n",
		verdict(oversold(fenced) == 0), oversold(fenced), verdict(oversold(allot) == 0), oversold(allot))
	fmt.Fprintf(out, "  for comparison, the unfenced shared pool oversold %d (Amazon's two-minute listing delay) and the batch sync %d\n",
		oversold(push), oversold(batch))
}

// compression is how many times faster than real time the burst runs.
func compression(cfg Config) float64 { return float64(time.Minute) / float64(cfg.SimMinute) }

// simTime renders a simulated offset from the start as m:ss.
func simTime(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// channelTally is what buyers did on one channel.
type channelTally struct {
	sold, refused int
	// lastSale is the simulated time of the last sale since the start.
	lastSale time.Duration
}

// burstResult is one run of the burst.
type burstResult struct {
	name       string
	kinds      []string
	channels   map[string]*channelTally
	shownAtEnd map[string]int
	// held counts orders on hold for short stock, by channel.
	held     map[string]int
	statuses map[string]int
	orders   int
	onHand   int
	// allocated is what the SKU has allocated at the end.
	allocated int
	failures  map[string]int
}

func (r burstResult) sold() int {
	n := 0
	for _, c := range r.channels {
		n += c.sold
	}
	return n
}

func (r burstResult) refused() int {
	n := 0
	for _, c := range r.channels {
		n += c.refused
	}
	return n
}

func (r burstResult) heldShort() int {
	n := 0
	for _, h := range r.held {
		n += h
	}
	return n
}

func (r burstResult) statusLine() string {
	keys := make([]string, 0, len(r.statuses))
	for k := range r.statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.statuses[k]))
	}
	return strings.Join(parts, ", ")
}

// runBurst runs the buyers against one freshly wired Manifold, with the
// pusher observing stock (push) or with a batch sync in its place.
func runBurst(ctx context.Context, b *base, cfg Config, plan []int, pol burstPolicy) (burstResult, error) {
	factor := compression(cfg)
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / factor) }
	res := burstResult{channels: map[string]*channelTally{}, shownAtEnd: map[string]int{},
		held: map[string]int{}, statuses: map[string]int{}}
	var name string
	switch pol {
	case policySharedPool:
		res.name, name = "manifold push, shared pool", "burst-push"
	case policyFenced:
		res.name, name = "manifold push, shared pool, Amazon ring-fenced", "burst-fenced"
	case policyAllotments:
		res.name, name = "manifold push, allotments", "burst-allot"
	case policyBatch:
		res.name, name = fmt.Sprintf("batch sync every %s", cfg.BatchEvery), "burst-batch"
	}
	push := pol != policyBatch
	clock := newSimClock(factor)
	reg, sims := compressedChannels(clock)
	taskCheck := cfg.TaskCheckInterval
	if taskCheck <= 0 {
		taskCheck = scale(asynqTaskCheck)
	}
	st, err := b.newStack(ctx, stackOptions{name: name, reg: reg, push: push, pace: scale(cfg.Pace),
		reconcileEvery: scale(reconcileEvery), pollDueEvery: scale(pollDueEvery), taskCheck: taskCheck})
	if err != nil {
		return res, err
	}
	defer st.close()
	markets, err := serveMarkets(sims)
	if err != nil {
		return res, err
	}
	defer stopMarkets(markets)
	fmt.Fprintf(cfg.Progress, "burst (%s): connecting the four marketplace simulators\n", res.name)
	sh, err := st.openShop(ctx, markets, cfg.Stock)
	if err != nil {
		return res, err
	}
	opening := map[string]int{}
	for _, m := range markets {
		opening[m.kind()] = cfg.Stock
	}
	quarter := 25.0
	switch pol {
	case policyAllotments:
		rules := map[string]api.ChannelRule{}
		for _, m := range markets {
			rules[m.account.String()] = api.ChannelRule{AllotmentPercent: &quarter}
			opening[m.kind()] = cfg.Stock / 4
		}
		if _, err := st.inv.PutPolicies(ctx, sh.tenant, "flows", api.AllocationPolicies{
			Default: api.AllocationPolicy{Strategy: api.StrategyAllotments, Channels: rules}}); err != nil {
			return res, fmt.Errorf("flows: allotments: %w", err)
		}
	case policyFenced:
		rules := map[string]api.ChannelRule{}
		fence := cfg.Stock / 4
		for _, m := range markets {
			if m.kind() == "amazon" {
				rules[m.account.String()] = api.ChannelRule{AllotmentPercent: &quarter}
			}
		}
		for _, m := range markets {
			opening[m.kind()] = cfg.Stock - fence
			if m.kind() == "amazon" {
				opening[m.kind()] = fence
			}
		}
		if _, err := st.inv.PutPolicies(ctx, sh.tenant, "flows", api.AllocationPolicies{
			Default: api.AllocationPolicy{Strategy: api.StrategySharedPool, Channels: rules}}); err != nil {
			return res, fmt.Errorf("flows: ring-fence: %w", err)
		}
	}
	// The same opening for every run: each channel shows what the policy offers it.
	if err := st.convergeAll(ctx, sh); err != nil {
		return res, err
	}
	if _, err := waitShownEach(ctx, markets, opening, time.Now(), 30*time.Second); err != nil {
		return res, fmt.Errorf("flows: opening stock: %w", err)
	}
	res.kinds = kinds(markets)
	for _, k := range res.kinds {
		res.channels[k] = &channelTally{}
	}

	fmt.Fprintf(cfg.Progress, "burst (%s): %d buyers over %s real\n", res.name, len(plan), time.Duration(cfg.Minutes)*cfg.SimMinute)
	start := time.Now()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var syncs sync.WaitGroup
	syncErr := make(chan error, 1)
	if !push {
		syncs.Add(1)
		go func() {
			defer syncs.Done()
			for k := 1; ; k++ {
				at := start.Add(scale(time.Duration(k) * cfg.BatchEvery))
				select {
				case <-runCtx.Done():
					return
				case <-time.After(time.Until(at)):
				}
				if err := st.convergeAll(runCtx, sh); err != nil && runCtx.Err() == nil {
					select {
					case syncErr <- err:
					default:
					}
				}
			}
		}()
	}
	var mu sync.Mutex
	queues := make([]chan int, len(markets))
	var buyers sync.WaitGroup
	for i, m := range markets {
		queues[i] = make(chan int, len(plan))
		buyers.Add(1)
		go func() {
			defer buyers.Done()
			// One buyer at a time per channel: each looks at the listing,
			// and buys only what it shows.
			for n := range queues[i] {
				bought := m.shown() > 0
				if bought {
					bought = m.buy(n) != ""
				}
				mu.Lock()
				c := res.channels[m.kind()]
				if bought {
					c.sold++
					c.lastSale = time.Duration(float64(time.Since(start)) * factor)
				} else {
					c.refused++
				}
				mu.Unlock()
			}
		}()
	}
	every := cfg.SimMinute / time.Duration(cfg.OrdersPerMinute)
dispatch:
	for n, ch := range plan {
		select {
		case <-ctx.Done():
			break dispatch
		case <-time.After(time.Until(start.Add(time.Duration(n) * every))):
		}
		queues[ch] <- n
	}
	for _, q := range queues {
		close(q)
	}
	buyers.Wait()
	if wait := time.Until(start.Add(time.Duration(cfg.Minutes) * cfg.SimMinute)); wait > 0 && ctx.Err() == nil {
		time.Sleep(wait)
	}
	stopRun()
	syncs.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	select {
	case err := <-syncErr:
		return res, fmt.Errorf("flows: batch sync: %w", err)
	default:
	}

	// Let intake catch up: Amazon lists an order only two minutes after it
	// changed, and is polled on its interval.
	sold := res.sold()
	settle := scale(amazonListingLag+amazon.New().PollInterval()+pollDueEvery+time.Minute) + 5*time.Second
	fmt.Fprintf(cfg.Progress, "burst (%s): %d units sold; waiting up to %s for Manifold to take every order in\n", res.name, sold, settle.Round(time.Second))
	deadline := time.Now().Add(settle)
	for {
		if err := st.tally(ctx, sh, &res); err != nil {
			return res, err
		}
		if res.orders >= sold || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if push {
		// Give the last push a moment to land before reading the channels.
		time.Sleep(scale(cfg.Pace) + 500*time.Millisecond)
	}
	for _, m := range markets {
		res.shownAtEnd[m.kind()] = m.shown()
	}
	res.failures = st.failures()
	return res, nil
}

// tally reads how Manifold took the shop's orders in and what its stock is.
func (s *stack) tally(ctx context.Context, sh *shop, res *burstResult) error {
	var rows []struct {
		Kind, Status, Hold string
		N                  int
	}
	var stock struct{ OnHand, Allocated int }
	err := s.db.Tenant(ctx, sh.tenant, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT a.kind, o.status, coalesce(o.hold_reason, '') AS hold, count(*) AS n
			FROM orders o JOIN channel_accounts a ON a.tenant_id = o.tenant_id AND a.id = o.channel_account_id
			WHERE o.tenant_id = ? GROUP BY 1, 2, 3`, sh.tenant).Scan(&rows).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT s.on_hand, s.allocated FROM stock_levels s
			JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? AND p.sku = ?`, sh.tenant, sh.sku).Scan(&stock).Error
	})
	if err != nil {
		return fmt.Errorf("flows: read orders: %w", err)
	}
	res.orders, res.held, res.statuses = 0, map[string]int{}, map[string]int{}
	for _, r := range rows {
		res.orders += r.N
		res.statuses[r.Status] += r.N
		if r.Hold == "short" {
			res.held[r.Kind] += r.N
		}
	}
	res.onHand, res.allocated = stock.OnHand, stock.Allocated
	return nil
}
