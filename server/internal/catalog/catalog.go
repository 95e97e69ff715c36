// Package catalog owns the tenant's products: SKUs, their barcodes, bin
// locations, dimensions and reorder points, with CSV import and export. Every
// product is created together with its stock row, so stock and allocation
// never meet a product without one.
package catalog

import (
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

// Service manages the catalog.
type Service struct {
	db *db.DB
}

// NewService returns the catalog service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// productRow is a row of the products table.
type productRow struct {
	TenantID     uuid.UUID `gorm:"column:tenant_id"`
	ID           uuid.UUID `gorm:"column:id"`
	SKU          string    `gorm:"column:sku"`
	Name         string    `gorm:"column:name"`
	BinLocation  string    `gorm:"column:bin_location"`
	WeightOz     *float64  `gorm:"column:weight_oz"`
	LengthIn     *float64  `gorm:"column:length_in"`
	WidthIn      *float64  `gorm:"column:width_in"`
	HeightIn     *float64  `gorm:"column:height_in"`
	ReorderPoint int       `gorm:"column:reorder_point"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName maps productRow to its table.
func (productRow) TableName() string { return "products" }

// barcodeRow is a row of the product_barcodes table.
type barcodeRow struct {
	TenantID  uuid.UUID `gorm:"column:tenant_id"`
	Code      string    `gorm:"column:code"`
	Kind      string    `gorm:"column:kind"`
	ProductID uuid.UUID `gorm:"column:product_id"`
}

// TableName maps barcodeRow to its table.
func (barcodeRow) TableName() string { return "product_barcodes" }

func toAPI(p productRow, codes []barcodeRow) api.Product {
	out := api.Product{ID: p.ID.String(), SKU: p.SKU, Name: p.Name, Barcodes: make([]api.Barcode, 0, len(codes)),
		BinLocation: p.BinLocation, WeightOz: p.WeightOz, LengthIn: p.LengthIn, WidthIn: p.WidthIn,
		HeightIn: p.HeightIn, ReorderPoint: p.ReorderPoint, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for _, b := range codes {
		out.Barcodes = append(out.Barcodes, api.Barcode{Code: b.Code, Kind: b.Kind})
	}
	return out
}
