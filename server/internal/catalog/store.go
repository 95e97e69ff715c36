package catalog

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Set-wise statements take each column as one text[] parameter and unnest
// it, so one statement writes or looks up any number of rows with a plan that
// stays linear: a list of placeholders per value would hit PostgreSQL's
// parameter limit and, with the statistics of a freshly filled table, can be
// planned as a scan per value.

// textArray is a list passed as one PostgreSQL text[] parameter; nil
// elements are NULL.
type textArray []*string

// Value renders the array literal.
func (a textArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if s == nil {
			b.WriteString("NULL")
			continue
		}
		b.WriteByte('"')
		for _, r := range *s {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// column builds a textArray of n values.
func column(n int, value func(i int) *string) textArray {
	out := make(textArray, n)
	for i := range out {
		out[i] = value(i)
	}
	return out
}

func str(s string) *string { return &s }

func strs(list []string) textArray {
	return column(len(list), func(i int) *string { return &list[i] })
}

func ids(list []uuid.UUID) textArray {
	return column(len(list), func(i int) *string { return str(list[i].String()) })
}

// lockCatalog serializes the tenant's catalog writes for the rest of the
// transaction. Barcode uniqueness across equivalent GTIN forms (036000291452
// and 0036000291452) is checked by query, not by a constraint, so two writers
// must not check at the same time. Other tenants are not affected.
func lockCatalog(tx *gorm.DB, tenantID uuid.UUID) error {
	if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "manifold:catalog:"+tenantID.String()).Error; err != nil {
		return fmt.Errorf("catalog: lock: %w", err)
	}
	return nil
}

// productColumns are the writable columns of products, in CSV order, with
// the SQL type each is cast to from text.
var productColumns = []struct{ name, sqlType string }{
	{"sku", "text"}, {"name", "text"}, {"bin_location", "text"}, {"weight_oz", "numeric"},
	{"length_in", "numeric"}, {"width_in", "numeric"}, {"height_in", "numeric"}, {"reorder_point", "integer"},
}

// columnText is the value of col in p as text, nil for NULL.
func columnText(p productRow, col string) *string {
	num := func(v *float64) *string {
		if v == nil {
			return nil
		}
		return str(strconv.FormatFloat(*v, 'f', -1, 64))
	}
	switch col {
	case "sku":
		return str(p.SKU)
	case "name":
		return str(p.Name)
	case "bin_location":
		return str(p.BinLocation)
	case "weight_oz":
		return num(p.WeightOz)
	case "length_in":
		return num(p.LengthIn)
	case "width_in":
		return num(p.WidthIn)
	case "height_in":
		return num(p.HeightIn)
	case "reorder_point":
		return str(strconv.Itoa(p.ReorderPoint))
	}
	panic("catalog: unknown product column " + col)
}

// unnestRows renders "unnest(?::text[], ...) AS v(id, cols...)" and its
// arguments: one array per column of rows, ids first.
func unnestRows(rows []productRow, cols []string) (string, []any) {
	args := []any{column(len(rows), func(i int) *string { return str(rows[i].ID.String()) })}
	for _, c := range cols {
		args = append(args, column(len(rows), func(i int) *string { return columnText(rows[i], c) }))
	}
	sql := "unnest(?::text[]" + strings.Repeat(", ?::text[]", len(cols)) + ") AS v(id, " + strings.Join(cols, ", ") + ")"
	return sql, args
}

func sqlTypes() map[string]string {
	out := map[string]string{}
	for _, c := range productColumns {
		out[c.name] = c.sqlType
	}
	return out
}

func rowFromDraft(tenantID, id uuid.UUID, d draft) productRow {
	return productRow{TenantID: tenantID, ID: id, SKU: d.SKU, Name: d.Name, BinLocation: d.BinLocation,
		WeightOz: d.WeightOz, LengthIn: d.LengthIn, WidthIn: d.WidthIn, HeightIn: d.HeightIn, ReorderPoint: d.ReorderPoint}
}

// insertProducts adds products together with their stock rows (on hand 0).
// A SKU that exists already is a conflict.
func insertProducts(tx *gorm.DB, tenantID uuid.UUID, rows []productRow) error {
	if len(rows) == 0 {
		return nil
	}
	types := sqlTypes()
	cols := make([]string, len(productColumns))
	values := make([]string, len(productColumns))
	for i, c := range productColumns {
		cols[i] = c.name
		values[i] = "v." + c.name + "::" + types[c.name]
	}
	from, args := unnestRows(rows, cols)
	err := tx.Exec("INSERT INTO products (tenant_id, id, "+strings.Join(cols, ", ")+") SELECT ?, v.id::uuid, "+
		strings.Join(values, ", ")+" FROM "+from, append([]any{tenantID}, args...)...).Error
	if err != nil {
		if db.IsUniqueViolation(err, "products_tenant_id_sku_key") {
			return skuConflict(err, rows)
		}
		return fmt.Errorf("catalog: insert products: %w", err)
	}
	pids := make([]uuid.UUID, len(rows))
	for i, p := range rows {
		pids[i] = p.ID
	}
	if err := tx.Exec("INSERT INTO stock_levels (tenant_id, product_id) SELECT ?, unnest(?::text[])::uuid", tenantID, ids(pids)).Error; err != nil {
		return fmt.Errorf("catalog: insert stock rows: %w", err)
	}
	return nil
}

// updateProducts overwrites cols (names from productColumns) of existing
// products, matched by id, and returns how many rows matched.
func updateProducts(tx *gorm.DB, tenantID uuid.UUID, cols []string, rows []productRow) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	types := sqlTypes()
	var set strings.Builder
	set.WriteString("updated_at = now()")
	for _, c := range cols {
		set.WriteString(", " + c + " = v." + c + "::" + types[c])
	}
	from, args := unnestRows(rows, cols)
	res := tx.Exec("UPDATE products AS p SET "+set.String()+" FROM "+from+" WHERE p.tenant_id = ? AND p.id = v.id::uuid",
		append(args, tenantID)...)
	if res.Error != nil {
		if db.IsUniqueViolation(res.Error, "products_tenant_id_sku_key") {
			return 0, skuConflict(res.Error, rows)
		}
		return 0, fmt.Errorf("catalog: update products: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// skuConflict names the SKU of a unique violation on (tenant_id, sku).
func skuConflict(err error, rows []productRow) error {
	if len(rows) == 1 {
		return apperr.Conflict("SKU %s already exists", rows[0].SKU)
	}
	// The detail reads: Key (tenant_id, sku)=(<tenant>, <sku>) already exists.
	if pg, ok := db.PgError(err); ok {
		if _, key, ok := strings.Cut(pg.Detail, ")=("); ok {
			if _, sku, ok := strings.Cut(strings.TrimSuffix(key, ") already exists."), ", "); ok {
				return apperr.Conflict("SKU %s already exists", sku)
			}
		}
	}
	return apperr.Conflict("a SKU in the request already exists")
}

// replaceBarcodes sets the barcodes of the products in pids to codes: every
// old barcode of those products is removed first, so a code can move from one
// of them to another within the transaction.
func replaceBarcodes(tx *gorm.DB, tenantID uuid.UUID, pids []uuid.UUID, codes []barcodeRow) error {
	if len(pids) > 0 {
		err := tx.Exec("DELETE FROM product_barcodes AS b USING unnest(?::text[]) AS x(id) WHERE b.tenant_id = ? AND b.product_id = x.id::uuid",
			ids(pids), tenantID).Error
		if err != nil {
			return fmt.Errorf("catalog: remove barcodes: %w", err)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	err := tx.Exec(`INSERT INTO product_barcodes (tenant_id, code, kind, product_id)
		SELECT ?, v.code, v.kind, v.product_id::uuid FROM unnest(?::text[], ?::text[], ?::text[]) AS v(code, kind, product_id)`,
		tenantID,
		column(len(codes), func(i int) *string { return &codes[i].Code }),
		column(len(codes), func(i int) *string { return &codes[i].Kind }),
		column(len(codes), func(i int) *string { return str(codes[i].ProductID.String()) })).Error
	if err != nil {
		if db.IsUniqueViolation(err, "product_barcodes_pkey") {
			return apperr.Conflict("a barcode in the request is already used by another product")
		}
		return fmt.Errorf("catalog: insert barcodes: %w", err)
	}
	return nil
}

// owner is the product a stored barcode belongs to.
type owner struct {
	Code      string
	ProductID uuid.UUID
	SKU       string
}

// barcodeOwners finds the products that hold any of codes or of their
// equivalent GTIN forms, keyed by barcodeKey.
func barcodeOwners(tx *gorm.DB, tenantID uuid.UUID, codes []string) (map[string]owner, error) {
	var forms []string
	for _, c := range codes {
		forms = append(forms, domain.EquivalentCodes(c)...)
	}
	var found []owner
	err := tx.Raw(`SELECT b.code, b.product_id, p.sku
		FROM unnest(?::text[]) AS f(code)
		JOIN product_barcodes b ON b.tenant_id = ? AND b.code = f.code
		JOIN products p ON p.tenant_id = b.tenant_id AND p.id = b.product_id
		WHERE p.tenant_id = ?`, strs(forms), tenantID, tenantID).Scan(&found).Error
	if err != nil {
		return nil, fmt.Errorf("catalog: find barcode owners: %w", err)
	}
	out := make(map[string]owner, len(found))
	for _, o := range found {
		out[barcodeKey(o.Code)] = o
	}
	return out, nil
}

// checkBarcodes refuses barcodes that another product of the tenant already
// carries, in any equivalent form. productID is the product being written
// (uuid.Nil for a new one).
func checkBarcodes(tx *gorm.DB, tenantID, productID uuid.UUID, sku string, codes []api.Barcode) error {
	if len(codes) == 0 {
		return nil
	}
	list := make([]string, len(codes))
	for i, b := range codes {
		list[i] = b.Code
	}
	owners, err := barcodeOwners(tx, tenantID, list)
	if err != nil {
		return err
	}
	var msgs []string
	for _, b := range codes {
		if o, ok := owners[barcodeKey(b.Code)]; ok && o.ProductID != productID {
			msgs = append(msgs, usedBy(b.Code, o)+"; it cannot also identify SKU "+sku)
		}
	}
	if len(msgs) > 0 {
		return apperr.Conflict("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// usedBy says which product holds code, and in which form when it differs.
func usedBy(code string, o owner) string {
	if o.Code != code {
		return fmt.Sprintf("barcode %s is already used by SKU %s (as %s)", code, o.SKU, o.Code)
	}
	return fmt.Sprintf("barcode %s is already used by SKU %s", code, o.SKU)
}

// withBarcodes loads the barcodes of rows and returns the products, in the
// order of rows.
func withBarcodes(tx *gorm.DB, tenantID uuid.UUID, rows []productRow) ([]api.Product, error) {
	pids := make([]uuid.UUID, len(rows))
	for i, p := range rows {
		pids[i] = p.ID
	}
	var found []barcodeRow
	if len(rows) > 0 {
		err := tx.Raw(`SELECT b.tenant_id, b.code, b.kind, b.product_id FROM unnest(?::text[]) AS x(id)
			JOIN product_barcodes b ON b.tenant_id = ? AND b.product_id = x.id::uuid ORDER BY b.code`, ids(pids), tenantID).Scan(&found).Error
		if err != nil {
			return nil, fmt.Errorf("catalog: load barcodes: %w", err)
		}
	}
	byProduct := map[uuid.UUID][]barcodeRow{}
	for _, b := range found {
		byProduct[b.ProductID] = append(byProduct[b.ProductID], b)
	}
	out := make([]api.Product, len(rows))
	for i, p := range rows {
		out[i] = toAPI(p, byProduct[p.ID])
	}
	return out, nil
}

// productIDsBySKU returns the ids of the tenant's products with the given SKUs.
func productIDsBySKU(tx *gorm.DB, tenantID uuid.UUID, skus []string) (map[string]uuid.UUID, error) {
	var found []productRow
	err := tx.Raw(`SELECT p.id, p.sku FROM unnest(?::text[]) AS s(sku)
		JOIN products p ON p.tenant_id = ? AND p.sku = s.sku`, strs(skus), tenantID).Scan(&found).Error
	if err != nil {
		return nil, fmt.Errorf("catalog: find products by SKU: %w", err)
	}
	out := make(map[string]uuid.UUID, len(found))
	for _, p := range found {
		out[p.SKU] = p.ID
	}
	return out, nil
}
