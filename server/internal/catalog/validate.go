package catalog

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Limits of a product's fields; the products table checks the same.
const (
	maxNameLength        = 300
	maxBinLocationLength = 64
	maxBarcodes          = 50
	maxWeightOz          = 99999999.99 // numeric(10, 2)
	maxDimensionIn       = 999999.99   // numeric(8, 2)
	maxReorderPoint      = math.MaxInt32
)

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

// draft is a product as requested, trimmed and checked: what gets written.
type draft struct {
	SKU          string
	Name         string
	BinLocation  string
	Barcodes     []api.Barcode
	WeightOz     *float64
	LengthIn     *float64
	WidthIn      *float64
	HeightIn     *float64
	ReorderPoint int
}

// fieldError names what is wrong with one field. Field is the JSON field and
// CSV column name.
type fieldError struct {
	Field   string
	Message string
}

// newDraft normalizes req and reports every field that is not acceptable.
func newDraft(req api.CreateProductRequest) (draft, []fieldError) {
	d := draft{
		SKU:          strings.TrimSpace(req.SKU),
		Name:         strings.TrimSpace(req.Name),
		BinLocation:  strings.TrimSpace(req.BinLocation),
		ReorderPoint: req.ReorderPoint,
	}
	var errs []fieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	switch {
	case d.SKU == "":
		add("sku", "sku is required")
	case !skuPattern.MatchString(d.SKU):
		add("sku", "sku %q is not valid: use 1-64 letters, digits, '.', '_', '/' or '-', starting with a letter or digit", d.SKU)
	}
	if msg := checkText("name", d.Name, maxNameLength); msg != "" {
		add("name", "%s", msg)
	} else if d.Name == "" {
		add("name", "name is required")
	}
	if msg := checkText("bin_location", d.BinLocation, maxBinLocationLength); msg != "" {
		add("bin_location", "%s", msg)
	}
	d.WeightOz = checkMeasure("weight_oz", req.WeightOz, maxWeightOz, add)
	d.LengthIn = checkMeasure("length_in", req.LengthIn, maxDimensionIn, add)
	d.WidthIn = checkMeasure("width_in", req.WidthIn, maxDimensionIn, add)
	d.HeightIn = checkMeasure("height_in", req.HeightIn, maxDimensionIn, add)
	if d.ReorderPoint < 0 {
		add("reorder_point", "reorder_point must be 0 or more, not %d", d.ReorderPoint)
	} else if d.ReorderPoint > maxReorderPoint {
		add("reorder_point", "reorder_point must be at most %d", maxReorderPoint)
	}

	if len(req.Barcodes) > maxBarcodes {
		add("barcodes", "a product can have at most %d barcodes, not %d", maxBarcodes, len(req.Barcodes))
	} else {
		seen := map[string]string{} // comparison key -> code as given
		for _, raw := range req.Barcodes {
			code := strings.TrimSpace(raw)
			kind, err := domain.ClassifyBarcode(code)
			if err != nil {
				add("barcodes", "%v", err)
				continue
			}
			if strings.Contains(code, "|") {
				add("barcodes", "barcode %q must not contain '|', which separates barcodes in CSV files", code)
				continue
			}
			key := barcodeKey(code)
			if first, dup := seen[key]; dup {
				if first == code {
					add("barcodes", "barcode %s is listed twice", code)
				} else {
					add("barcodes", "barcodes %s and %s are the same GTIN", first, code)
				}
				continue
			}
			seen[key] = code
			d.Barcodes = append(d.Barcodes, api.Barcode{Code: code, Kind: kind})
		}
	}
	return d, errs
}

// barcodeKey is the form under which two codes are the same barcode: the
// 14-digit form of a GTIN, a custom code as it is.
func barcodeKey(code string) string {
	if key, ok := domain.GTINKey(code); ok {
		return key
	}
	return code
}

// checkText checks a free-text field and returns what is wrong with it, or "".
func checkText(field, s string, max int) string {
	if !utf8.ValidString(s) {
		return field + " is not valid UTF-8 text"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%s is %d characters long; at most %d are allowed", field, n, max)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return field + " must not contain control characters such as tabs or line breaks"
	}
	return ""
}

// checkMeasure checks an optional positive quantity stored with two decimal
// places and returns it rounded to them (nil when absent or not acceptable).
func checkMeasure(field string, v *float64, max float64, add func(field, format string, args ...any)) *float64 {
	if v == nil {
		return nil
	}
	x := *v
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		add(field, "%s must be a number", field)
		return nil
	case x <= 0:
		add(field, "%s must be greater than 0, not %s", field, formatNumber(x))
		return nil
	case x > max:
		add(field, "%s must be at most %s, not %s", field, formatNumber(max), formatNumber(x))
		return nil
	}
	cents := x * 100
	if math.Abs(cents-math.Round(cents)) > 1e-9*math.Max(1, cents) {
		add(field, "%s %s has more than 2 decimal places", field, formatNumber(x))
		return nil
	}
	rounded := math.Round(cents) / 100
	return &rounded
}

// formatNumber renders a quantity the way a person typed it: 12.5, not 1.25e+01.
func formatNumber(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// invalid turns field errors into one domain error naming every field.
func invalid(errs []fieldError) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
	}
	return apperr.Invalid("%s", strings.Join(msgs, "; "))
}
