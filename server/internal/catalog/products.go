package catalog

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Page sizes of List.
const (
	DefaultPageSize = 100
	MaxPageSize     = 500
)

// Create adds a product with its barcodes and its stock row (on hand 0), all
// in one transaction. A SKU that exists, or a barcode another product of the
// tenant carries, is a conflict.
func (s *Service) Create(ctx context.Context, tenantID uuid.UUID, req api.CreateProductRequest) (api.Product, error) {
	d, errs := newDraft(req)
	if len(errs) > 0 {
		return api.Product{}, invalid(errs)
	}
	row := rowFromDraft(tenantID, uuid.New(), d)
	var out api.Product
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := lockCatalog(tx, tenantID); err != nil {
			return err
		}
		if err := checkBarcodes(tx, tenantID, uuid.Nil, d.SKU, d.Barcodes); err != nil {
			return err
		}
		if err := insertProducts(tx, tenantID, []productRow{row}); err != nil {
			return err
		}
		if err := replaceBarcodes(tx, tenantID, nil, barcodeRows(row.ID, d.Barcodes)); err != nil {
			return err
		}
		var err error
		out, err = getWhere(tx, tenantID, "id = ?", row.ID)
		return err
	})
	return out, wrap("create product", err)
}

// Update replaces every field of a product, barcodes included (PUT
// semantics), with the same rules as Create. The SKU may change.
func (s *Service) Update(ctx context.Context, tenantID, id uuid.UUID, req api.CreateProductRequest) (api.Product, error) {
	d, errs := newDraft(req)
	if len(errs) > 0 {
		return api.Product{}, invalid(errs)
	}
	row := rowFromDraft(tenantID, id, d)
	cols := make([]string, len(productColumns))
	for i, c := range productColumns {
		cols[i] = c.name
	}
	var out api.Product
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := lockCatalog(tx, tenantID); err != nil {
			return err
		}
		if err := checkBarcodes(tx, tenantID, id, d.SKU, d.Barcodes); err != nil {
			return err
		}
		n, err := updateProducts(tx, tenantID, cols, []productRow{row})
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFound("product %s not found", id)
		}
		if err := replaceBarcodes(tx, tenantID, []uuid.UUID{id}, barcodeRows(id, d.Barcodes)); err != nil {
			return err
		}
		out, err = getWhere(tx, tenantID, "id = ?", id)
		return err
	})
	return out, wrap("update product", err)
}

// Get returns one product of the tenant; another tenant's product is not found.
func (s *Service) Get(ctx context.Context, tenantID, id uuid.UUID) (api.Product, error) {
	var out api.Product
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		out, err = getWhere(tx, tenantID, "id = ?", id)
		return err
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return api.Product{}, apperr.NotFound("product %s not found", id)
	}
	return out, wrap("get product", err)
}

// BySKU returns the tenant's product with the given SKU.
func (s *Service) BySKU(ctx context.Context, tenantID uuid.UUID, sku string) (api.Product, error) {
	sku = strings.TrimSpace(sku)
	var out api.Product
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		out, err = getWhere(tx, tenantID, "sku = ?", sku)
		return err
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return api.Product{}, apperr.NotFound("no product has SKU %q", sku)
	}
	return out, wrap("product by SKU", err)
}

// ByBarcode returns the product a scanned code identifies. The scan is
// normalized first (see domain.NormalizeScan), and a GTIN also matches the
// product under its equivalent forms: a UPC-A stored as 036000291452 is found
// by a scanner that reports it as EAN-13 0036000291452.
func (s *Service) ByBarcode(ctx context.Context, tenantID uuid.UUID, scan string) (api.Product, error) {
	code := domain.NormalizeScan(scan)
	if _, err := domain.ClassifyBarcode(code); err != nil {
		return api.Product{}, apperr.Invalid("%v", err)
	}
	forms := domain.EquivalentCodes(code)
	var out api.Product
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var hits []barcodeRow
		if err := tx.Where("tenant_id = ? AND code IN ?", tenantID, forms).Find(&hits).Error; err != nil {
			return err
		}
		if len(hits) == 0 {
			return apperr.NotFound("no product has barcode %s", code)
		}
		hit := hits[0]
		for _, h := range hits {
			if h.Code == code {
				hit = h
			}
		}
		var err error
		out, err = getWhere(tx, tenantID, "id = ?", hit.ProductID)
		return err
	})
	return out, wrap("product by barcode", err)
}

// List returns a page of the tenant's products ordered by SKU. cursor is ""
// for the first page, then the NextCursor of the previous page; NextCursor is
// empty on the last page.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, cursor string, limit int) (api.ProductList, error) {
	if limit < 1 || limit > MaxPageSize {
		return api.ProductList{}, apperr.Invalid("limit must be from 1 to %d, not %d", MaxPageSize, limit)
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return api.ProductList{}, err
	}
	out := api.ProductList{Products: []api.Product{}}
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		rows, err := page(tx, tenantID, after, limit+1)
		if err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			out.NextCursor = encodeCursor(rows[limit-1].SKU)
		}
		out.Products, err = withBarcodes(tx, tenantID, rows)
		return err
	})
	return out, wrap("list products", err)
}

// page reads up to n products with a SKU after the given one, in SKU order.
func page(tx *gorm.DB, tenantID uuid.UUID, afterSKU string, n int) ([]productRow, error) {
	q := tx.Where("tenant_id = ?", tenantID)
	if afterSKU != "" {
		q = q.Where("sku > ?", afterSKU)
	}
	var rows []productRow
	return rows, q.Order("sku").Limit(n).Find(&rows).Error
}

// getWhere reads the one product matching cond within the tenant.
func getWhere(tx *gorm.DB, tenantID uuid.UUID, cond string, arg any) (api.Product, error) {
	var row productRow
	if err := tx.Where("tenant_id = ?", tenantID).Where(cond, arg).Take(&row).Error; err != nil {
		return api.Product{}, err
	}
	ps, err := withBarcodes(tx, tenantID, []productRow{row})
	if err != nil {
		return api.Product{}, err
	}
	return ps[0], nil
}

func barcodeRows(productID uuid.UUID, codes []api.Barcode) []barcodeRow {
	out := make([]barcodeRow, len(codes))
	for i, b := range codes {
		out[i] = barcodeRow{Code: b.Code, Kind: b.Kind, ProductID: productID}
	}
	return out
}

// The cursor is the last SKU of the previous page, versioned and encoded so
// clients treat it as opaque.
const cursorPrefix = "sku:"

func encodeCursor(sku string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + sku))
}

func decodeCursor(cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	sku, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if err != nil || !ok || !skuPattern.MatchString(sku) {
		return "", apperr.Invalid("cursor %q is not valid; pass the next_cursor of the previous page unchanged", cursor)
	}
	return sku, nil
}

// wrap passes domain errors through and adds the package prefix to others.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return fmt.Errorf("catalog: %s: %w", op, err)
}
