package inventory

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// LineDemand is an order line asking for stock.
type LineDemand struct {
	OrderID   uuid.UUID
	LineID    uuid.UUID
	ProductID uuid.UUID
	Quantity  int
	// Actor, when set, is who the line's ledger entry names instead of the
	// actor of the call (lines of several orders moved together).
	Actor string
}

// Shortage names a product an order could not get enough of.
type Shortage struct {
	ProductID uuid.UUID
	SKU       string
	Wanted    int
	Available int
}

func (s Shortage) String() string {
	return fmt.Sprintf("%s: %d wanted, %d available", s.SKU, s.Wanted, s.Available)
}

// DescribeShortages renders shortages for people: "SKU-1: 3 wanted, 1 available; ...".
func DescribeShortages(ss []Shortage) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

// Change is what a committed transaction did to stock, for observers.
type Change struct {
	// Products whose figures changed.
	Products []uuid.UUID
	// Increased lists products whose available quantity went up.
	Increased []uuid.UUID
}

// Figures are a product's stock as a statement of the current transaction
// left it.
type Figures struct {
	ProductID uuid.UUID
	SKU       string
	OnHand    int
	Allocated int
	Version   int64
}

// ProductIDs returns the products of figs, in order.
func ProductIDs(figs []Figures) []uuid.UUID {
	out := make([]uuid.UUID, len(figs))
	for i, f := range figs {
		out[i] = f.ProductID
	}
	return out
}

// Known collects the figures a transaction's own statements returned, so its
// "stock.changed" events need not read them again. A product moved twice
// keeps its latest figures (the higher version).
type Known map[uuid.UUID]Figures

// Add records figs.
func (k Known) Add(figs ...Figures) {
	for _, f := range figs {
		if cur, ok := k[f.ProductID]; !ok || f.Version > cur.Version {
			k[f.ProductID] = f
		}
	}
}

// AllocateTx allocates every line or none, inside the caller's tenant
// transaction. It returns the shortages when the order cannot be filled, and
// then has changed nothing. Lines already allocated (a retry) are skipped.
// Products are locked in ascending id order, so concurrent multi-product
// orders cannot deadlock.
//
// prepare, when not nil, runs once the allocation rows are claimed and just
// before the first stock row is locked: it writes what only holds if the
// allocation succeeds (the order's new status), and a shortage rolls its
// writes back with the rest. Doing that work before the lock keeps the time
// a hot SKU's row stays locked down to one statement per product and the
// caller's last statements before commit.
func AllocateTx(tx *gorm.DB, tenantID uuid.UUID, actor string, lines []LineDemand, prepare func() error) ([]Shortage, []Figures, error) {
	byProduct := map[uuid.UUID][]LineDemand{}
	for _, l := range lines {
		if l.Quantity <= 0 {
			return nil, nil, fmt.Errorf("inventory: line %s asks for %d units", l.LineID, l.Quantity)
		}
		byProduct[l.ProductID] = append(byProduct[l.ProductID], l)
	}
	const sp = "allocate_order"
	if err := tx.SavePoint(sp).Error; err != nil {
		return nil, nil, fmt.Errorf("inventory: savepoint: %w", err)
	}
	fresh, err := claimLines(tx, tenantID, lines)
	if err != nil {
		return nil, nil, err
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			return nil, nil, err
		}
	}
	freshBy := map[uuid.UUID][]LineDemand{}
	for _, l := range fresh {
		freshBy[l.ProductID] = append(freshBy[l.ProductID], l)
	}
	figs := make([]Figures, 0, len(freshBy))
	for _, p := range sortedProducts(freshBy) {
		f, ok, err := moveStock(tx, tenantID, p, "allocation", actor, "", freshBy[p], 0, 1, true)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			if err := tx.RollbackTo(sp).Error; err != nil {
				return nil, nil, fmt.Errorf("inventory: rollback to savepoint: %w", err)
			}
			short, err := shortages(tx, tenantID, byProduct)
			if err != nil {
				return nil, nil, err
			}
			if len(short) == 0 {
				// Stock moved between the failed update and the read; report
				// the product that failed.
				want := 0
				for _, l := range freshBy[p] {
					want += l.Quantity
				}
				short = []Shortage{{ProductID: p, SKU: skuOf(tx, tenantID, p), Wanted: want}}
			}
			return short, nil, nil
		}
		figs = append(figs, f)
	}
	return nil, figs, nil
}

// MoveClaimedTx allocates the stock of lines whose allocation rows the
// caller has written in this transaction (orders taken in a batch), one
// conditional update per product in ascending id order, for all the lines
// together. ok is false, with some rows possibly already moved, when a
// product's available stock does not cover its lines: the caller must then
// roll the transaction back.
func MoveClaimedTx(tx *gorm.DB, tenantID uuid.UUID, actor string, lines []LineDemand) (figs []Figures, ok bool, err error) {
	byProduct := map[uuid.UUID][]LineDemand{}
	for _, l := range lines {
		byProduct[l.ProductID] = append(byProduct[l.ProductID], l)
	}
	for _, p := range sortedProducts(byProduct) {
		f, ok, err := moveStock(tx, tenantID, p, "allocation", actor, "", byProduct[p], 0, 1, true)
		if err != nil || !ok {
			return nil, false, err
		}
		figs = append(figs, f)
	}
	return figs, true, nil
}

// sortedProducts returns the keys of byProduct in ascending id order, the
// order stock rows are always locked in.
func sortedProducts(byProduct map[uuid.UUID][]LineDemand) []uuid.UUID {
	products := make([]uuid.UUID, 0, len(byProduct))
	for p := range byProduct {
		products = append(products, p)
	}
	sort.Slice(products, func(i, j int) bool { return products[i].String() < products[j].String() })
	return products
}

// claimLines inserts the allocation rows of lines that have none yet, in
// one statement, and returns those lines; a line allocated before is left out.
func claimLines(tx *gorm.DB, tenantID uuid.UUID, lines []LineDemand) ([]LineDemand, error) {
	var sb strings.Builder
	args := make([]any, 0, 5*len(lines))
	sb.WriteString(`INSERT INTO allocations (tenant_id, order_line_id, order_id, product_id, quantity) VALUES `)
	for i, l := range lines {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, tenantID, l.LineID, l.OrderID, l.ProductID, l.Quantity)
	}
	sb.WriteString(` ON CONFLICT (tenant_id, order_line_id) DO NOTHING RETURNING order_line_id`)
	var inserted []struct{ OrderLineID uuid.UUID }
	if err := tx.Raw(sb.String(), args...).Scan(&inserted).Error; err != nil {
		return nil, fmt.Errorf("inventory: record allocation: %w", err)
	}
	isNew := make(map[uuid.UUID]bool, len(inserted))
	for _, r := range inserted {
		isNew[r.OrderLineID] = true
	}
	var fresh []LineDemand
	for _, l := range lines {
		if isNew[l.LineID] {
			fresh = append(fresh, l)
		}
	}
	return fresh, nil
}

// moveStock applies lines to one product's stock row and writes their ledger
// entries in a single statement: each line moves on hand by
// onHandSign×quantity and allocated by allocSign×quantity. With
// needAvailable, the row only changes when its available quantity covers the
// lines; ok is false when it did not. The figures returned are those after
// every line.
func moveStock(tx *gorm.DB, tenantID, productID uuid.UUID, kind, actor, reason string, lines []LineDemand,
	onHandSign, allocSign int, needAvailable bool) (f Figures, ok bool, err error) {
	total := 0
	for _, l := range lines {
		total += l.Quantity
	}
	var sb strings.Builder
	args := make([]any, 0, 8+4*len(lines))
	sb.WriteString(`WITH u AS (
		UPDATE stock_levels SET on_hand = on_hand + ?, allocated = allocated + ?, version = version + 1, updated_at = now()
		WHERE tenant_id = ? AND product_id = ?`)
	args = append(args, onHandSign*total, allocSign*total, tenantID, productID)
	if needAvailable {
		sb.WriteString(` AND on_hand - allocated >= ?`)
		args = append(args, total)
	}
	sb.WriteString(` RETURNING on_hand, allocated, version),
	l AS (
		INSERT INTO stock_ledger (tenant_id, product_id, kind, on_hand_delta, allocated_delta,
			on_hand_after, allocated_after, version, order_id, order_line_id, actor, reason)
		SELECT ?::uuid, ?::uuid, ?, ? * v.qty, ? * v.qty, u.on_hand - ? * v.later, u.allocated - ? * v.later,
			u.version, v.order_id, v.line_id, v.actor, ?
		FROM u, (VALUES `)
	args = append(args, tenantID, productID, kind, onHandSign, allocSign, onHandSign, allocSign, reason)
	// later is what the lines after this one move, so each entry shows the
	// figures as they stood right after its own line.
	later := total
	for i, l := range lines {
		later -= l.Quantity
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?::integer, ?::integer, ?::uuid, ?::uuid, ?::text)")
		who := actor
		if l.Actor != "" {
			who = l.Actor
		}
		args = append(args, l.Quantity, later, l.OrderID, l.LineID, who)
	}
	sb.WriteString(`) AS v (qty, later, order_id, line_id, actor))
	SELECT u.on_hand, u.allocated, u.version,
		(SELECT sku FROM products p WHERE p.tenant_id = ? AND p.id = ?) AS sku
	FROM u`)
	args = append(args, tenantID, productID)
	var rows []struct {
		OnHand    int
		Allocated int
		Version   int64
		SKU       string
	}
	if err := tx.Raw(sb.String(), args...).Scan(&rows).Error; err != nil {
		return Figures{}, false, fmt.Errorf("inventory: %s: %w", kind, err)
	}
	if len(rows) == 0 {
		return Figures{}, false, nil
	}
	r := rows[0]
	return Figures{ProductID: productID, SKU: r.SKU, OnHand: r.OnHand, Allocated: r.Allocated, Version: r.Version}, true, nil
}

// shortages reads, without locking, which products cannot cover their demand.
func shortages(tx *gorm.DB, tenantID uuid.UUID, byProduct map[uuid.UUID][]LineDemand) ([]Shortage, error) {
	ids := make([]uuid.UUID, 0, len(byProduct))
	for p := range byProduct {
		ids = append(ids, p)
	}
	var rows []struct {
		ProductID uuid.UUID
		SKU       string
		Available int
	}
	err := tx.Raw(`SELECT s.product_id, p.sku, s.on_hand - s.allocated AS available
		FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
		WHERE s.tenant_id = ? AND s.product_id IN ?`, tenantID, ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("inventory: read availability: %w", err)
	}
	var out []Shortage
	for _, r := range rows {
		want := 0
		for _, l := range byProduct[r.ProductID] {
			want += l.Quantity
		}
		if want > r.Available {
			out = append(out, Shortage{ProductID: r.ProductID, SKU: r.SKU, Wanted: want, Available: max(r.Available, 0)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}

func skuOf(tx *gorm.DB, tenantID, productID uuid.UUID) string {
	var sku string
	tx.Raw(`SELECT sku FROM products WHERE tenant_id = ? AND id = ?`, tenantID, productID).Scan(&sku)
	return sku
}

// ReleaseTx gives back every open allocation of an order (a cancellation),
// inside the caller's tenant transaction. It returns the figures of the
// products whose available quantity went up.
func ReleaseTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor, reason string) ([]Figures, error) {
	return settleTx(tx, tenantID, orderID, actor, reason, "release")
}

// ShipTx consumes every open allocation of an order: the units leave on hand
// and allocated together. It returns the figures of the products touched.
func ShipTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor string) ([]Figures, error) {
	return settleTx(tx, tenantID, orderID, actor, "", "shipment")
}

func settleTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor, reason, kind string) ([]Figures, error) {
	column, onHandSign := "released_at", 0
	if kind == "shipment" {
		column, onHandSign = "shipped_at", -1
	}
	var open []LineDemand
	err := tx.Raw(`UPDATE allocations SET `+column+` = now()
		WHERE tenant_id = ? AND order_id = ? AND released_at IS NULL AND shipped_at IS NULL
		RETURNING order_id, order_line_id AS line_id, product_id, quantity`, tenantID, orderID).Scan(&open).Error
	if err != nil {
		return nil, fmt.Errorf("inventory: %s: %w", kind, err)
	}
	byProduct := map[uuid.UUID][]LineDemand{}
	for _, l := range open {
		byProduct[l.ProductID] = append(byProduct[l.ProductID], l)
	}
	var figs []Figures
	for _, p := range sortedProducts(byProduct) {
		f, ok, err := moveStock(tx, tenantID, p, kind, actor, reason, byProduct[p], onHandSign, -1, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("inventory: %s: no stock row for product %s", kind, p)
		}
		figs = append(figs, f)
	}
	return figs, nil
}
