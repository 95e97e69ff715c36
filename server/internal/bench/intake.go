package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
)

// Intake targets: sustained orders per second and the 99th percentile of one
// Intake call.
const (
	IntakeTargetRate = 300.0
	IntakeTargetP99  = 100 * time.Millisecond
)

// intakeResult holds the multi-tenant intake scenario's figures.
type intakeResult struct {
	tenants int
	// run is the closed loop: how many orders per second intake sustains.
	run   load
	waits waitProfile
	// paced offers orders at the target rate, open loop: how long each
	// takes at that load.
	paced load
	setup time.Duration
}

// runIntake spreads 3-line orders over many tenants, each with three
// products and a mapped channel account, the way channel connectors would.
func runIntake(ctx context.Context, sc *Scratch, opt Options, progress func(string, ...any)) (intakeResult, error) {
	res := intakeResult{tenants: opt.Tenants}
	workers := opt.clients(ScenarioIntake)
	st, closeStack, err := openStack(ctx, sc.AppURL, workers+2)
	if err != nil {
		return res, err
	}
	defer closeStack()

	progress("intake: creating %d tenants with 3 products and a mapped channel account each", opt.Tenants)
	t0 := time.Now()
	shops := make([]*shop, opt.Tenants)
	errs := make(chan error, opt.Tenants)
	sem := make(chan struct{}, min(8, workers))
	var wg sync.WaitGroup
	for i := range shops {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s, err := newShop(ctx, st, fmt.Sprintf("bench-t%03d", i), []string{"WIDGET-A", "WIDGET-B", "WIDGET-C"}, 1_000_000)
			if err != nil {
				errs <- err
				return
			}
			shops[i] = s
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	res.setup = time.Since(t0)

	intake := func(prefix string) op {
		return func(ctx context.Context, w, n int, rng *rand.Rand) error {
			s := shops[rng.IntN(len(shops))]
			lines := make([]orders.IntakeLine, 0, len(s.products))
			for _, i := range rng.Perm(len(s.products)) {
				lines = append(lines, s.products[i].line(1+rng.IntN(2)))
			}
			r, err := st.orders.Intake(ctx, s.tenant, "bench", s.order(fmt.Sprintf("%s-%d-%d", prefix, w, n), lines))
			if err != nil {
				return err
			}
			if r.Order.Status != api.StatusAllocated {
				return fmt.Errorf("order %d is %s (%s), want ALLOCATED", r.Order.Number, r.Order.Status, r.Order.HoldDetail)
			}
			return nil
		}
	}
	progress("intake: %d workers submitting 3-line orders across %d tenants for %s", workers, opt.Tenants, opt.Duration)
	warmUp(ctx, workers, opt.Duration, intake("warm"))
	if err := sc.analyze(ctx); err != nil {
		return res, err
	}
	stop := sampleWaits(ctx, sc.AppURL, sc.Name, 20*time.Millisecond)
	res.run = drive(ctx, workers, opt.Duration, opt.Seed, intake("in"))
	res.waits = stop()
	progress("intake: %.0f orders/s offered at a steady pace across %d tenants for %s", IntakeTargetRate, opt.Tenants, opt.Duration)
	res.paced = pace(ctx, IntakeTargetRate, opt.Duration, opt.Seed, intake("paced"))
	return res, nil
}
