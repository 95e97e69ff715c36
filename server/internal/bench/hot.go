package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
)

// HotTarget is the hot-SKU goal: allocations per second through intake,
// as a share of pgbench's single-row update rate on the same machine.
const HotTarget = 0.5

// hotResult holds the hot-SKU scenario's figures.
type hotResult struct {
	clients     int
	intake      load
	intakeWaits waitProfile
	raw         load
	rawWaits    waitProfile
	pgbench     *pgbenchResult
	pgbenchNote string
	pgWaits     waitProfile
}

// runHot has every client order one unit of the same SKU, first through the
// full intake, then through a bare allocation, then pgbench updates one row
// as a ceiling for any design that updates one row per allocation.
func runHot(ctx context.Context, sc *Scratch, opt Options, progress func(string, ...any)) (hotResult, error) {
	res := hotResult{clients: opt.clients(ScenarioHot)}
	st, closeStack, err := openStack(ctx, sc.AppURL, res.clients+2)
	if err != nil {
		return res, err
	}
	defer func() {
		if closeStack != nil {
			closeStack()
		}
	}()
	s, err := newShop(ctx, st, "bench-hot", []string{"HOT-1"}, 10_000_000)
	if err != nil {
		return res, err
	}
	p := s.products[0]

	intake := func(prefix string) op {
		return func(ctx context.Context, w, n int, _ *rand.Rand) error {
			r, err := st.orders.Intake(ctx, s.tenant, "bench", s.order(fmt.Sprintf("%s-%d-%d", prefix, w, n), []orders.IntakeLine{p.line(1)}))
			if err != nil {
				return err
			}
			if r.Order.Status != api.StatusAllocated {
				return fmt.Errorf("order %d is %s (%s), want ALLOCATED", r.Order.Number, r.Order.Status, r.Order.HoldDetail)
			}
			return nil
		}
	}
	progress("hot: %d clients ordering 1 unit of one SKU through orders.Service.Intake for %s", res.clients, opt.Duration)
	warmUp(ctx, res.clients, opt.Duration, intake("warm"))
	if err := sc.analyze(ctx); err != nil {
		return res, err
	}
	stop := sampleWaits(ctx, sc.AppURL, sc.Name, 20*time.Millisecond)
	res.intake = drive(ctx, res.clients, opt.Duration, opt.Seed, intake("hot"))
	res.intakeWaits = stop()

	// The bare allocation still needs an order and a line to point at (the
	// allocation row references the line); everything else intake does is
	// left out: SKU mapping, transitions, status updates, events.
	raw := func(prefix string) op {
		return func(ctx context.Context, w, n int, _ *rand.Rand) error {
			return st.db.Tenant(ctx, s.tenant, func(tx *gorm.DB) error {
				orderID, lineID := uuid.New(), uuid.New()
				if err := tx.Exec(`INSERT INTO orders (tenant_id, id, channel_account_id, external_id, status, ship_to, placed_at, currency, total_cents)
					VALUES (?, ?, ?, ?, 'ALLOCATED', '{}', now(), 'USD', 1299)`, s.tenant, orderID, s.account, fmt.Sprintf("%s-%d-%d", prefix, w, n)).Error; err != nil {
					return err
				}
				if err := tx.Exec(`INSERT INTO order_lines (tenant_id, id, order_id, line_no, channel_sku, product_id, quantity, unit_price_cents)
					VALUES (?, ?, ?, 1, ?, ?, 1, 1299)`, s.tenant, lineID, orderID, p.channelSKU, p.id).Error; err != nil {
					return err
				}
				short, _, err := inventory.AllocateTx(tx, s.tenant, "bench", []inventory.LineDemand{{OrderID: orderID, LineID: lineID, ProductID: p.id, Quantity: 1}}, nil)
				if err != nil {
					return err
				}
				if len(short) > 0 {
					return fmt.Errorf("short: %s", inventory.DescribeShortages(short))
				}
				return nil
			})
		}
	}
	progress("hot: %d clients calling inventory.AllocateTx in a minimal transaction for %s", res.clients, opt.Duration)
	warmUp(ctx, res.clients, opt.Duration, raw("rawwarm"))
	if err := sc.analyze(ctx); err != nil {
		return res, err
	}
	stop = sampleWaits(ctx, sc.AppURL, sc.Name, 20*time.Millisecond)
	res.raw = drive(ctx, res.clients, opt.Duration, opt.Seed, raw("raw"))
	res.rawWaits = stop()

	// pgbench opens as many connections as we had; give ours back first.
	closeStack()
	closeStack = nil
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	path, err := findPgbench(opt.Pgbench)
	if err != nil {
		res.pgbenchNote = err.Error()
		return res, nil
	}
	progress("hot: %s -c %d for %s", path, res.clients, opt.Duration)
	stop = sampleWaits(ctx, sc.OwnerURL, sc.Name, 20*time.Millisecond)
	pg, err := runPgbench(ctx, path, sc.OwnerURL, res.clients, opt.Duration)
	res.pgWaits = stop()
	if err != nil {
		res.pgbenchNote = err.Error()
		return res, nil
	}
	res.pgbench = &pg
	return res, nil
}

// ratio is intake allocations per second over pgbench's rate, or 0 without pgbench.
func (r hotResult) ratio() float64 {
	if r.pgbench == nil || r.pgbench.tps == 0 {
		return 0
	}
	return r.intake.rate() / r.pgbench.tps
}
