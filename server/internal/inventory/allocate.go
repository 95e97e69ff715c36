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

// AllocateTx allocates every line or none, inside the caller's tenant
// transaction. It returns the shortages when the order cannot be filled, and
// then has changed nothing. Lines already allocated (a retry) are skipped.
// Products are locked in ascending id order, so concurrent multi-product
// orders cannot deadlock.
func AllocateTx(tx *gorm.DB, tenantID uuid.UUID, actor string, lines []LineDemand) ([]Shortage, []uuid.UUID, error) {
	byProduct := map[uuid.UUID][]LineDemand{}
	for _, l := range lines {
		if l.Quantity <= 0 {
			return nil, nil, fmt.Errorf("inventory: line %s asks for %d units", l.LineID, l.Quantity)
		}
		byProduct[l.ProductID] = append(byProduct[l.ProductID], l)
	}
	products := make([]uuid.UUID, 0, len(byProduct))
	for p := range byProduct {
		products = append(products, p)
	}
	sort.Slice(products, func(i, j int) bool { return products[i].String() < products[j].String() })

	const sp = "allocate_order"
	if err := tx.SavePoint(sp).Error; err != nil {
		return nil, nil, fmt.Errorf("inventory: savepoint: %w", err)
	}
	var touched []uuid.UUID
	for _, p := range products {
		fresh, err := claimLines(tx, tenantID, byProduct[p])
		if err != nil {
			return nil, nil, err
		}
		want := 0
		for _, l := range fresh {
			want += l.Quantity
		}
		if want == 0 {
			continue // every line of this product was allocated before
		}
		var after stockFigures
		res := tx.Raw(`UPDATE stock_levels
			SET allocated = allocated + ?, version = version + 1, updated_at = now()
			WHERE tenant_id = ? AND product_id = ? AND on_hand - allocated >= ?
			RETURNING on_hand, allocated, version`, want, tenantID, p, want).Scan(&after)
		if res.Error != nil {
			return nil, nil, fmt.Errorf("inventory: allocate: %w", res.Error)
		}
		if res.RowsAffected == 0 {
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
				short = []Shortage{{ProductID: p, SKU: skuOf(tx, tenantID, p), Wanted: want}}
			}
			return short, nil, nil
		}
		if err := ledgerLines(tx, tenantID, "allocation", actor, "", after, fresh, 0, 1); err != nil {
			return nil, nil, err
		}
		touched = append(touched, p)
	}
	return nil, touched, nil
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

type stockFigures struct {
	OnHand    int
	Allocated int
	Version   int64
}

// ledgerLines records one ledger entry per line. after holds the figures once
// all lines are applied; each line moves on hand by onHandSign×qty and
// allocated by allocSign×qty.
func ledgerLines(tx *gorm.DB, tenantID uuid.UUID, kind, actor, reason string, after stockFigures, lines []LineDemand, onHandSign, allocSign int) error {
	total := 0
	for _, l := range lines {
		total += l.Quantity
	}
	onHand := after.OnHand - onHandSign*total
	alloc := after.Allocated - allocSign*total
	var sb strings.Builder
	args := make([]any, 0, 12*len(lines))
	sb.WriteString(`INSERT INTO stock_ledger (tenant_id, product_id, kind, on_hand_delta, allocated_delta,
		on_hand_after, allocated_after, version, order_id, order_line_id, actor, reason) VALUES `)
	for i, l := range lines {
		onHand += onHandSign * l.Quantity
		alloc += allocSign * l.Quantity
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, tenantID, l.ProductID, kind, onHandSign*l.Quantity, allocSign*l.Quantity, onHand, alloc,
			after.Version, l.OrderID, l.LineID, actor, reason)
	}
	if err := tx.Exec(sb.String(), args...).Error; err != nil {
		return fmt.Errorf("inventory: ledger: %w", err)
	}
	return nil
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
// inside the caller's tenant transaction. It returns the products whose
// available quantity went up.
func ReleaseTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor, reason string) ([]uuid.UUID, error) {
	return settleTx(tx, tenantID, orderID, actor, reason, "release")
}

// ShipTx consumes every open allocation of an order: the units leave on hand
// and allocated together. It returns the products touched.
func ShipTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor string) ([]uuid.UUID, error) {
	return settleTx(tx, tenantID, orderID, actor, "", "shipment")
}

func settleTx(tx *gorm.DB, tenantID, orderID uuid.UUID, actor, reason, kind string) ([]uuid.UUID, error) {
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
	products := make([]uuid.UUID, 0, len(byProduct))
	for p := range byProduct {
		products = append(products, p)
	}
	sort.Slice(products, func(i, j int) bool { return products[i].String() < products[j].String() })
	for _, p := range products {
		qty := 0
		for _, l := range byProduct[p] {
			qty += l.Quantity
		}
		var after stockFigures
		err := tx.Raw(`UPDATE stock_levels
			SET allocated = allocated - ?, on_hand = on_hand + ?, version = version + 1, updated_at = now()
			WHERE tenant_id = ? AND product_id = ?
			RETURNING on_hand, allocated, version`, qty, onHandSign*qty, tenantID, p).Scan(&after).Error
		if err != nil {
			return nil, fmt.Errorf("inventory: %s: %w", kind, err)
		}
		if err := ledgerLines(tx, tenantID, kind, actor, reason, after, byProduct[p], onHandSign, -1); err != nil {
			return nil, err
		}
	}
	return products, nil
}
