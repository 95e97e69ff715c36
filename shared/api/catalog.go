package api

import "time"

// Barcode is a scannable code of a product: a GTIN (8, 12, 13 or 14 digits
// with a valid check digit) or a custom code.
type Barcode struct {
	Code string `json:"code"`
	Kind string `json:"kind"` // gtin8, gtin12, gtin13, gtin14 or custom
}

// Product is a catalog SKU.
type Product struct {
	ID           string    `json:"id"`
	SKU          string    `json:"sku"`
	Name         string    `json:"name"`
	Barcodes     []Barcode `json:"barcodes"`
	BinLocation  string    `json:"bin_location"`
	WeightOz     *float64  `json:"weight_oz,omitempty"`
	LengthIn     *float64  `json:"length_in,omitempty"`
	WidthIn      *float64  `json:"width_in,omitempty"`
	HeightIn     *float64  `json:"height_in,omitempty"`
	ReorderPoint int       `json:"reorder_point"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// CreateProductRequest adds a product. Barcodes are codes; their kind is
// detected (digits of a GTIN length must carry a valid check digit, anything
// else is kept as a custom code).
type CreateProductRequest struct {
	SKU          string   `json:"sku"`
	Name         string   `json:"name"`
	Barcodes     []string `json:"barcodes,omitempty"`
	BinLocation  string   `json:"bin_location,omitempty"`
	WeightOz     *float64 `json:"weight_oz,omitempty"`
	LengthIn     *float64 `json:"length_in,omitempty"`
	WidthIn      *float64 `json:"width_in,omitempty"`
	HeightIn     *float64 `json:"height_in,omitempty"`
	ReorderPoint int      `json:"reorder_point,omitempty"`
}

// ProductList is a page of products ordered by SKU.
type ProductList struct {
	Products   []Product `json:"products"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// ImportRowError names what is wrong with one row of an imported CSV file.
type ImportRowError struct {
	Row     int    `json:"row"` // 1-based line number in the file, the header being row 1
	SKU     string `json:"sku,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// ImportResult reports a CSV import. When Errors is not empty nothing was imported.
type ImportResult struct {
	Created int              `json:"created"`
	Updated int              `json:"updated"`
	Errors  []ImportRowError `json:"errors"`
}
