package bench

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
)

// CheckResult is one invariant and what breaks it.
type CheckResult struct {
	Name string
	// Count is the number of violations; Violations describes the first few.
	Count      int
	Violations []string
}

// invariant is a check as a query returning one line per violation; @t is
// the tenant.
type invariant struct {
	name  string
	query string
}

var invariants = []invariant{
	{"on_hand ≥ allocated ≥ 0 for every product", `
		SELECT format('%s: on_hand %s, allocated %s', p.sku, s.on_hand, s.allocated)
		FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
		WHERE s.tenant_id = @t AND NOT (s.on_hand >= s.allocated AND s.allocated >= 0)
		ORDER BY p.sku`},
	{"the ledger replays to on_hand and allocated", `
		SELECT format('%s: ledger sums to on_hand %s, allocated %s; stock_levels says %s, %s',
			p.sku, coalesce(l.on_hand, 0), coalesce(l.allocated, 0), s.on_hand, s.allocated)
		FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
		LEFT JOIN (SELECT product_id, sum(on_hand_delta) AS on_hand, sum(allocated_delta) AS allocated
			FROM stock_ledger WHERE tenant_id = @t GROUP BY product_id) l ON l.product_id = s.product_id
		WHERE s.tenant_id = @t AND (coalesce(l.on_hand, 0) <> s.on_hand OR coalesce(l.allocated, 0) <> s.allocated)
		ORDER BY p.sku`},
	{"every ledger entry's figures equal the running total before it", `
		SELECT format('%s: entry %s (%s) records on_hand %s, allocated %s; the entries up to it sum to %s, %s',
			p.sku, x.id, x.kind, x.on_hand_after, x.allocated_after, x.on_hand, x.allocated)
		FROM (SELECT product_id, id, kind, on_hand_after, allocated_after,
				sum(on_hand_delta) OVER w AS on_hand, sum(allocated_delta) OVER w AS allocated
			FROM stock_ledger WHERE tenant_id = @t
			WINDOW w AS (PARTITION BY product_id ORDER BY id)) x
		JOIN products p ON p.tenant_id = @t AND p.id = x.product_id
		WHERE x.on_hand <> x.on_hand_after OR x.allocated <> x.allocated_after
		ORDER BY x.id`},
	{"open allocations add up to stock_levels.allocated", `
		SELECT format('%s: open allocations total %s, stock_levels says %s allocated', p.sku, coalesce(a.qty, 0), s.allocated)
		FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
		LEFT JOIN (SELECT product_id, sum(quantity) AS qty FROM allocations
			WHERE tenant_id = @t AND released_at IS NULL AND shipped_at IS NULL GROUP BY product_id) a ON a.product_id = s.product_id
		WHERE s.tenant_id = @t AND coalesce(a.qty, 0) <> s.allocated
		ORDER BY p.sku`},
	{"the ledger's allocations, releases and shipments match the allocation rows", `
		WITH l AS (SELECT product_id,
				coalesce(sum(allocated_delta) FILTER (WHERE kind = 'allocation'), 0) AS allocated,
				coalesce(-sum(allocated_delta) FILTER (WHERE kind = 'release'), 0) AS released,
				coalesce(-sum(on_hand_delta) FILTER (WHERE kind = 'shipment'), 0) AS shipped,
				coalesce(-sum(allocated_delta) FILTER (WHERE kind = 'shipment'), 0) AS shipped_alloc
			FROM stock_ledger WHERE tenant_id = @t GROUP BY product_id),
		a AS (SELECT product_id, sum(quantity) AS allocated,
				coalesce(sum(quantity) FILTER (WHERE released_at IS NOT NULL), 0) AS released,
				coalesce(sum(quantity) FILTER (WHERE shipped_at IS NOT NULL), 0) AS shipped
			FROM allocations WHERE tenant_id = @t GROUP BY product_id)
		SELECT format('%s: ledger allocated %s, released %s, shipped %s (allocated side %s); allocation rows say %s, %s, %s',
			p.sku, coalesce(l.allocated, 0), coalesce(l.released, 0), coalesce(l.shipped, 0), coalesce(l.shipped_alloc, 0),
			coalesce(a.allocated, 0), coalesce(a.released, 0), coalesce(a.shipped, 0))
		FROM products p LEFT JOIN l ON l.product_id = p.id LEFT JOIN a ON a.product_id = p.id
		WHERE p.tenant_id = @t AND (coalesce(l.allocated, 0) <> coalesce(a.allocated, 0)
			OR coalesce(l.released, 0) <> coalesce(a.released, 0) OR coalesce(l.shipped, 0) <> coalesce(a.shipped, 0)
			OR coalesce(l.shipped_alloc, 0) <> coalesce(a.shipped, 0))
		ORDER BY p.sku`},
	{"no order line has more than one allocation row", `
		SELECT format('order line %s has %s allocation rows', order_line_id, count(*))
		FROM allocations WHERE tenant_id = @t GROUP BY order_line_id HAVING count(*) > 1`},
	{"ALLOCATED, PICKING, PACKED and LABELED orders have every line allocated", `
		SELECT format('order %s (%s) line %s (%s units): %s', o.number, o.status, l.line_no, l.quantity,
			CASE WHEN a.order_line_id IS NULL THEN 'no allocation'
				WHEN a.released_at IS NOT NULL THEN 'allocation released'
				WHEN a.shipped_at IS NOT NULL THEN 'allocation shipped'
				WHEN a.quantity <> l.quantity THEN format('allocation of %s units', a.quantity)
				ELSE 'allocation of another order or product' END)
		FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.id
		LEFT JOIN allocations a ON a.tenant_id = l.tenant_id AND a.order_line_id = l.id
		WHERE o.tenant_id = @t AND o.status IN ('ALLOCATED', 'PICKING', 'PACKED', 'LABELED')
			AND (a.order_line_id IS NULL OR a.released_at IS NOT NULL OR a.shipped_at IS NOT NULL
				OR a.quantity <> l.quantity OR a.product_id IS DISTINCT FROM l.product_id OR a.order_id <> o.id)
		ORDER BY o.number, l.line_no`},
	{"NEW, ON_HOLD and CANCELLED orders hold no open allocation", `
		SELECT format('order %s (%s) holds %s open allocation(s)', o.number, o.status, count(*))
		FROM orders o JOIN allocations a ON a.tenant_id = o.tenant_id AND a.order_id = o.id
		WHERE o.tenant_id = @t AND o.status IN ('NEW', 'ON_HOLD', 'CANCELLED')
			AND a.released_at IS NULL AND a.shipped_at IS NULL
		GROUP BY o.number, o.status ORDER BY o.number`},
	{"SHIPPED orders consumed every line's allocation", `
		SELECT format('order %s (%s) line %s: %s', o.number, o.status, l.line_no,
			CASE WHEN a.order_line_id IS NULL THEN 'no allocation' ELSE 'allocation not shipped' END)
		FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.id
		LEFT JOIN allocations a ON a.tenant_id = l.tenant_id AND a.order_line_id = l.id
		WHERE o.tenant_id = @t AND o.status IN ('SHIPPED', 'DELIVERED') AND (a.order_line_id IS NULL OR a.shipped_at IS NULL)
		ORDER BY o.number, l.line_no`},
	{"the tenant's event log is numbered 1..N without gaps", `
		SELECT format('%s events with seqs %s..%s; the event sequence is at %s', count(e.seq), min(e.seq), max(e.seq), coalesce(s.seq, 0))
		FROM tenants t LEFT JOIN tenant_event_seqs s ON s.tenant_id = t.id LEFT JOIN events e ON e.tenant_id = t.id
		WHERE t.id = @t
		GROUP BY s.seq
		HAVING count(e.seq) <> coalesce(max(e.seq), 0) OR coalesce(min(e.seq), 1) <> 1 OR coalesce(max(e.seq), 0) <> coalesce(s.seq, 0)`},
}

// maxListed bounds the violations a check describes.
const maxListed = 10

// Verify checks the stock and order invariants of one tenant, as the runtime
// role. Run it once the tenant is at rest: checks read in separate statements.
func Verify(ctx context.Context, d *db.DB, tenantID uuid.UUID) ([]CheckResult, error) {
	out := make([]CheckResult, 0, len(invariants))
	err := d.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		for _, inv := range invariants {
			c := CheckResult{Name: inv.name}
			rows, err := tx.Raw(inv.query, map[string]any{"t": tenantID}).Rows()
			if err != nil {
				return fmt.Errorf("%s: %w", inv.name, err)
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					rows.Close()
					return err
				}
				c.Count++
				if len(c.Violations) < maxListed {
					c.Violations = append(c.Violations, line)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", inv.name, err)
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: verify: %w", err)
	}
	return out, nil
}

// summary reads a tenant's final stock and its orders by status.
func summary(ctx context.Context, d *db.DB, tenantID uuid.UUID) ([]StockRow, map[string]int, error) {
	var stock []StockRow
	statuses := map[string]int{}
	err := d.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT p.sku, s.on_hand, s.allocated
			FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? ORDER BY p.sku`, tenantID).Scan(&stock).Error; err != nil {
			return err
		}
		var rows []struct {
			Status string
			N      int
		}
		if err := tx.Raw(`SELECT status, count(*) AS n FROM orders WHERE tenant_id = ? GROUP BY status`, tenantID).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			statuses[r.Status] = r.N
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("bench: summary: %w", err)
	}
	return stock, statuses, nil
}
