package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// StressConfig shapes the invariant stress.
type StressConfig struct {
	// Ops is the number of operations to run in total.
	Ops int
	// Workers is the number of goroutines running them.
	Workers int
	// SKUs is the number of products, all in one tenant. Few products means
	// most orders contend for the same rows.
	SKUs int
	// OnHand is each product's starting stock. Low stock means orders go on
	// hold and come back when stock is received or released.
	OnHand int
	// Seed makes each worker's choices reproducible (their interleaving is not).
	Seed uint64
	// Progress receives a line every few seconds; nil for none.
	Progress io.Writer
}

// Operation kinds of the stress, with their weights out of 100.
const (
	OpIntake  = "intake"  // a new 1-3 line order, lines in random SKU order
	OpReplay  = "replay"  // an order seen before, sent again
	OpCancel  = "cancel"  // a random order, often one still moving
	OpShip    = "ship"    // an allocated order through PICKING, PACKED, LABELED to SHIPPED
	OpRestock = "restock" // a receipt
	OpAdjust  = "adjust"  // a correction of a few units either way; may be refused
	OpCount   = "count"   // a physical count; refused below what is allocated
)

var stressMix = []struct {
	kind   string
	weight int
}{
	{OpIntake, 34}, {OpReplay, 3}, {OpCancel, 14}, {OpShip, 25}, {OpRestock, 12}, {OpAdjust, 8}, {OpCount, 4},
}

// Outcome of one stress operation.
const (
	outOK      = "ok"
	outHeld    = "held"    // an intake that went on hold, short of stock
	outRefused = "refused" // a conflict the domain reported: expected under contention
	outNoop    = "noop"    // nothing to do: no order to pick, or it was already done
	outError   = "error"   // anything else: a bug
)

// OpStats counts one kind of operation by outcome.
type OpStats struct {
	Kind                                string
	Total, OK, Held, Refused, Noop, Err int
}

// StockRow is a product's final figures.
type StockRow struct {
	SKU       string
	OnHand    int
	Allocated int
}

// StressResult is what the stress did and what the check found.
type StressResult struct {
	Config StressConfig
	// Ops is the number of operations run; fewer than asked when Interrupted.
	Ops         int
	Interrupted bool
	Elapsed     time.Duration
	Kinds       []OpStats
	Orders      map[string]int // orders by final status
	Stock       []StockRow
	Checks      []CheckResult
	// Unexpected lists the first few errors no operation should return
	// (including errors the services logged after a commit); UnexpectedCount
	// counts them all.
	Unexpected      []string
	UnexpectedCount int
}

// OK reports whether every invariant held and nothing failed unexpectedly.
func (r StressResult) OK() bool {
	if r.UnexpectedCount > 0 {
		return false
	}
	for _, c := range r.Checks {
		if c.Count > 0 {
			return false
		}
	}
	return true
}

// Rate is operations per second.
func (r StressResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Stress runs cfg.Ops randomized operations (intake, replays, cancels,
// shipments, receipts, adjustments, counts) on cfg.Workers goroutines
// against a fresh tenant in d, then verifies the stock invariants. d must be
// a runtime-role connection with at least cfg.Workers connections.
func Stress(ctx context.Context, d *db.DB, cfg StressConfig) (StressResult, error) {
	cfg.Workers = max(cfg.Workers, 1)
	cfg.SKUs = max(cfg.SKUs, 1)
	res := StressResult{Config: cfg}
	st := newStack(d)
	skus := make([]string, cfg.SKUs)
	for i := range skus {
		skus[i] = fmt.Sprintf("SKU-%02d", i+1)
	}
	s, err := newShop(ctx, st, "bench-stress", skus, cfg.OnHand)
	if err != nil {
		return res, err
	}
	r := &stressRun{st: st, shop: s, book: newBook()}
	var next atomic.Int64
	stats := make([]map[string]*OpStats, cfg.Workers)

	stopProgress := r.report(cfg, &next)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		stats[w] = map[string]*OpStats{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(w)))
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(cfg.Ops) {
					return
				}
				kind := pickOp(rng)
				out := r.do(ctx, kind, n, rng)
				c := stats[w][kind]
				if c == nil {
					c = &OpStats{Kind: kind}
					stats[w][kind] = c
				}
				c.Total++
				switch out {
				case outOK:
					c.OK++
				case outHeld:
					c.Held++
				case outRefused:
					c.Refused++
				case outNoop:
					c.Noop++
				default:
					c.Err++
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Interrupted = ctx.Err() != nil
	stopProgress()

	for _, m := range stressMix {
		total := OpStats{Kind: m.kind}
		for _, ws := range stats {
			if c := ws[m.kind]; c != nil {
				total.Total += c.Total
				total.OK += c.OK
				total.Held += c.Held
				total.Refused += c.Refused
				total.Noop += c.Noop
				total.Err += c.Err
			}
		}
		res.Ops += total.Total
		res.Kinds = append(res.Kinds, total)
	}
	logged, first := st.errs.snapshot(res.Interrupted)
	r.mu.Lock()
	res.UnexpectedCount = r.unexpected + logged
	res.Unexpected = append(r.firstUnexpected, first...)
	r.mu.Unlock()

	// Verify even when interrupted: what ran must still be consistent.
	vctx := context.WithoutCancel(ctx)
	if res.Checks, err = Verify(vctx, d, s.tenant); err != nil {
		return res, err
	}
	if res.Stock, res.Orders, err = summary(vctx, d, s.tenant); err != nil {
		return res, err
	}
	return res, nil
}

func pickOp(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, m := range stressMix {
		if n < m.weight {
			return m.kind
		}
		n -= m.weight
	}
	return OpIntake
}

// stressRun is the shared state of one stress run.
type stressRun struct {
	st   *stack
	shop *shop
	book *book

	mu              sync.Mutex
	unexpected      int
	firstUnexpected []string
}

// fail records an error no operation should return.
func (r *stressRun) fail(format string, args ...any) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unexpected++
	if len(r.firstUnexpected) < 10 {
		r.firstUnexpected = append(r.firstUnexpected, fmt.Sprintf(format, args...))
	}
	return outError
}

// outcome classifies err: a conflict is the domain refusing, as it should
// under contention; anything else is a bug (or an interrupted run).
func (r *stressRun) outcome(ctx context.Context, kind string, err error) string {
	if apperr.KindOf(err) == apperr.KindConflict {
		return outRefused
	}
	if ctx.Err() != nil {
		return outNoop
	}
	return r.fail("%s: %v", kind, err)
}

func (r *stressRun) do(ctx context.Context, kind string, n int64, rng *rand.Rand) string {
	if ctx.Err() != nil {
		return outNoop
	}
	switch kind {
	case OpIntake:
		return r.intake(ctx, n, rng)
	case OpReplay:
		return r.replay(ctx, rng)
	case OpCancel:
		return r.cancel(ctx, rng)
	case OpShip:
		return r.ship(ctx, rng)
	case OpRestock:
		return r.adjust(ctx, kind, api.AdjustReceipt, 1+rng.IntN(30), rng)
	case OpAdjust:
		delta := 1 + rng.IntN(6)
		if rng.IntN(2) == 0 {
			delta = -delta
		}
		return r.adjust(ctx, kind, api.AdjustAdjustment, delta, rng)
	case OpCount:
		return r.adjust(ctx, kind, api.AdjustCount, rng.IntN(60), rng)
	}
	return r.fail("unknown operation %q", kind)
}

func (r *stressRun) randomLines(rng *rand.Rand) []orders.IntakeLine {
	lines := make([]orders.IntakeLine, 1+rng.IntN(3))
	for i := range lines {
		// Independent picks: lines come in random SKU order and sometimes
		// name the same SKU twice.
		lines[i] = r.shop.products[rng.IntN(len(r.shop.products))].line(1 + rng.IntN(3))
	}
	return lines
}

func (r *stressRun) intake(ctx context.Context, n int64, rng *rand.Rand) string {
	ext := fmt.Sprintf("S-%d", n)
	res, err := r.st.orders.Intake(ctx, r.shop.tenant, "bench", r.shop.order(ext, r.randomLines(rng)))
	if err != nil {
		return r.outcome(ctx, OpIntake, err)
	}
	id := uuid.MustParse(res.Order.ID)
	r.book.add(placed{id: id, external: ext})
	switch res.Order.Status {
	case api.StatusAllocated:
		return outOK
	case api.StatusOnHold:
		return outHeld
	}
	return r.fail("intake: new order %d is %s", res.Order.Number, res.Order.Status)
}

func (r *stressRun) replay(ctx context.Context, rng *rand.Rand) string {
	p, ok := r.book.any(rng)
	if !ok {
		return outNoop
	}
	res, err := r.st.orders.Intake(ctx, r.shop.tenant, "bench", r.shop.order(p.external, r.randomLines(rng)))
	if err != nil {
		return r.outcome(ctx, OpReplay, err)
	}
	if res.Created || res.Order.ID != p.id.String() {
		return r.fail("replay: order %s sent again gave order %s (created %v)", p.id, res.Order.ID, res.Created)
	}
	return outOK
}

func (r *stressRun) cancel(ctx context.Context, rng *rand.Rand) string {
	var id uuid.UUID
	var ok bool
	if rng.IntN(5) == 0 {
		var p placed
		p, ok = r.book.any(rng)
		id = p.id
	} else {
		id, ok = r.book.open(rng)
	}
	if !ok {
		return outNoop
	}
	o, err := r.st.orders.Cancel(ctx, r.shop.tenant, id, "bench", "stress")
	if err != nil {
		return r.outcome(ctx, OpCancel, err)
	}
	if o.Status != api.StatusCancelled {
		return r.fail("cancel: order %d is %s after cancelling", o.Number, o.Status)
	}
	r.book.done(id)
	return outOK
}

// shipSteps is the path from ALLOCATED to SHIPPED.
var shipSteps = []domain.OrderStatus{domain.StatusAllocated, domain.StatusPicking, domain.StatusPacked, domain.StatusLabeled, domain.StatusShipped}

func (r *stressRun) ship(ctx context.Context, rng *rand.Rand) string {
	id, ok := r.book.open(rng)
	if !ok {
		return outNoop
	}
	o, err := r.st.orders.Get(ctx, r.shop.tenant, id)
	if err != nil {
		return r.outcome(ctx, OpShip, err)
	}
	from := -1
	for i, s := range shipSteps {
		if string(s) == o.Status {
			from = i
		}
	}
	switch {
	case o.Status == api.StatusShipped || o.Status == api.StatusCancelled:
		r.book.done(id)
		return outNoop
	case from < 0: // on hold: nothing to ship yet
		return outNoop
	}
	for _, to := range shipSteps[from+1:] {
		if _, err := r.st.orders.Transition(ctx, r.shop.tenant, id, to, "bench", ""); err != nil {
			// A concurrent cancel got there first.
			return r.outcome(ctx, OpShip, err)
		}
	}
	r.book.done(id)
	return outOK
}

func (r *stressRun) adjust(ctx context.Context, op, kind string, qty int, rng *rand.Rand) string {
	p := r.shop.products[rng.IntN(len(r.shop.products))]
	_, err := r.st.inv.Adjust(ctx, r.shop.tenant, "bench", api.StockAdjustmentRequest{SKU: p.sku, Kind: kind, Quantity: qty, Reason: "stress"})
	if err != nil {
		return r.outcome(ctx, op, err)
	}
	return outOK
}

// report prints progress every five seconds until stop is called.
func (r *stressRun) report(cfg StressConfig, next *atomic.Int64) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		const every = 5 * time.Second
		t := time.NewTicker(every)
		defer t.Stop()
		var before int64
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := min(next.Load(), int64(cfg.Ops))
				fmt.Fprintf(cfg.Progress, "stress: %d/%d ops in %s (last %s: %.0f ops/s), %d orders open\n",
					n, cfg.Ops, time.Since(start).Round(time.Second), every, float64(n-before)/every.Seconds(), r.book.openCount())
				before = n
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// placed is an order the stress created.
type placed struct {
	id       uuid.UUID
	external string
}

// book remembers the orders the stress created, and which of them may still
// move (not known to be shipped or cancelled).
type book struct {
	mu      sync.Mutex
	all     []placed
	openIDs []uuid.UUID
	pos     map[uuid.UUID]int
}

func newBook() *book { return &book{pos: map[uuid.UUID]int{}} }

func (b *book) add(p placed) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all = append(b.all, p)
	b.pos[p.id] = len(b.openIDs)
	b.openIDs = append(b.openIDs, p.id)
}

func (b *book) any(rng *rand.Rand) (placed, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.all) == 0 {
		return placed{}, false
	}
	return b.all[rng.IntN(len(b.all))], true
}

func (b *book) open(rng *rand.Rand) (uuid.UUID, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.openIDs) == 0 {
		return uuid.Nil, false
	}
	return b.openIDs[rng.IntN(len(b.openIDs))], true
}

func (b *book) openCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.openIDs)
}

// done forgets an order that can no longer move.
func (b *book) done(id uuid.UUID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, ok := b.pos[id]
	if !ok {
		return
	}
	last := len(b.openIDs) - 1
	b.openIDs[i] = b.openIDs[last]
	b.pos[b.openIDs[i]] = i
	b.openIDs = b.openIDs[:last]
	delete(b.pos, id)
}
