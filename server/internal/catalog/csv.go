package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
)

// Limits of one CSV import.
const (
	MaxImportRows  = 50_000
	MaxImportBytes = 32 << 20
	// maxReportedErrors bounds the errors listed for one file; a file that
	// bad is usually the wrong file, and the first ones say so.
	maxReportedErrors = 1000
	// exportPageSize is how many products Export reads per transaction.
	exportPageSize = 1000
)

// columns are the CSV columns of import and export, in export order.
var columns = []string{"sku", "name", "barcodes", "bin_location", "weight_oz", "length_in", "width_in", "height_in", "reorder_point"}

// barcodeSeparator separates the barcodes of one product in a CSV cell.
const barcodeSeparator = "|"

// importRow is one product row of an import file.
type importRow struct {
	line int
	d    draft
	id   uuid.UUID
	// exists says the SKU is in the catalog already: the row updates it.
	exists bool
}

// sheet is a parsed import file.
type sheet struct {
	has  map[string]bool // the columns the header names
	rows []importRow
}

// rowErrors collects the errors of an import, up to maxReportedErrors.
type rowErrors struct {
	list    []api.ImportRowError
	dropped int
}

func (e *rowErrors) add(line int, sku, column, format string, args ...any) {
	if len(e.list) >= maxReportedErrors {
		e.dropped++
		return
	}
	e.list = append(e.list, api.ImportRowError{Row: line, SKU: sku, Column: column, Message: fmt.Sprintf(format, args...)})
}

// result lists the errors by row, then by column in the order of columns.
func (e *rowErrors) result() []api.ImportRowError {
	colRank := func(c string) int { return slices.Index(columns, c) }
	sort.SliceStable(e.list, func(i, j int) bool {
		a, b := e.list[i], e.list[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return colRank(a.Column) < colRank(b.Column)
	})
	out := e.list
	if e.dropped > 0 {
		last := out[len(out)-1].Row
		out = append(out, api.ImportRowError{Row: last, Message: fmt.Sprintf(
			"%d more errors are not listed; fix the ones above and import the file again", e.dropped)})
	}
	return out
}

// Import creates or updates products from a CSV file (see columns; header
// names are case-insensitive and may come in any order; sku and name are
// required). A row whose SKU exists updates that product: the columns in the
// file replace its values (an empty cell clears an optional value), and
// columns missing from the file are left as they are. A new SKU is created
// with its stock row. Barcodes in one cell are separated by '|'.
//
// Every row is checked before anything is written, and the file is imported
// in one transaction: when any row has an error, nothing is written and the
// result lists each error with its line number (the header is line 1).
// Errors in the result are not returned as an error; err is reserved for a
// file that cannot be read at all and for failures of the server.
func (s *Service) Import(ctx context.Context, tenantID uuid.UUID, r io.Reader) (api.ImportResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return api.ImportResult{}, fmt.Errorf("catalog: read import: %w", err)
	}
	if len(data) > MaxImportBytes {
		return api.ImportResult{}, apperr.Invalid("the file is larger than %d MiB; split it into smaller files", MaxImportBytes>>20)
	}
	var errs rowErrors
	sh, err := parseSheet(data, &errs)
	if err != nil {
		return api.ImportResult{}, err
	}
	if sh.has == nil {
		return api.ImportResult{Errors: errs.result()}, nil
	}
	res := api.ImportResult{Errors: []api.ImportRowError{}}
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := lockCatalog(tx, tenantID); err != nil {
			return err
		}
		if err := checkAgainstCatalog(tx, tenantID, sh, &errs); err != nil {
			return err
		}
		if len(errs.list) > 0 {
			return nil // nothing has been written; the transaction ends empty
		}
		created, updated, err := writeSheet(tx, tenantID, sh)
		res.Created, res.Updated = created, updated
		return err
	})
	if err != nil {
		return api.ImportResult{}, wrap("import", err)
	}
	if len(errs.list) > 0 {
		return api.ImportResult{Errors: errs.result()}, nil
	}
	return res, nil
}

// parseSheet reads the header and every row, checking each row on its own
// and against the other rows of the file.
func parseSheet(data []byte, errs *rowErrors) (sheet, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // spreadsheets often start UTF-8 files with a BOM
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.Comma = separator(data)

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		errs.add(1, "", "", "the file is empty; its first line must name the columns, for example: %s", strings.Join(columns, ","))
		return sheet{}, nil
	}
	if err != nil {
		errs.add(1, "", "", "%s", csvProblem(err))
		return sheet{}, nil
	}
	cols, ok := parseHeader(header, errs)
	if !ok {
		return sheet{}, nil
	}
	sh := sheet{has: map[string]bool{}}
	for _, c := range cols {
		sh.has[c] = true
	}

	skuLine := map[string]int{}
	type seenCode struct {
		line      int
		sku, code string
	}
	codeSeen := map[string]seenCode{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs.add(pe.StartLine, "", "", "%s", csvProblem(err))
			continue
		}
		if err != nil {
			return sheet{}, fmt.Errorf("catalog: read import: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // spreadsheets leave rows of empty cells at the end
		}
		if len(sh.rows)+1 > MaxImportRows {
			return sheet{}, apperr.Invalid("the file has more than %d product rows; split it into smaller files", MaxImportRows)
		}
		row := parseRow(line, cols, rec, errs)
		if first, dup := skuLine[row.d.SKU]; dup && row.d.SKU != "" {
			errs.add(line, row.d.SKU, "sku", "SKU %s is on rows %d and %d; each SKU may appear only once", row.d.SKU, first, line)
		} else {
			skuLine[row.d.SKU] = line
		}
		for _, b := range row.d.Barcodes {
			key := barcodeKey(b.Code)
			if first, dup := codeSeen[key]; dup {
				same := ""
				if first.code != b.Code {
					same = " (as " + first.code + ", the same GTIN)"
				}
				errs.add(line, row.d.SKU, "barcodes", "barcode %s is also on row %d%s for SKU %s; a barcode may identify only one product",
					b.Code, first.line, same, first.sku)
				continue
			}
			codeSeen[key] = seenCode{line: line, sku: row.d.SKU, code: b.Code}
		}
		sh.rows = append(sh.rows, row)
	}
	return sh, nil
}

// parseHeader maps the header to column names, reporting unknown, repeated
// and missing columns.
func parseHeader(header []string, errs *rowErrors) ([]string, bool) {
	cols := make([]string, len(header))
	var unknown []string
	ok := true
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		cols[i] = name
		switch {
		case !utf8.ValidString(name):
			errs.add(1, "", "", "column %d of the header is not valid UTF-8 text; save the file as UTF-8", i+1)
			ok = false
		case name == "":
			errs.add(1, "", "", "column %d of the header has no name", i+1)
			ok = false
		case !slices.Contains(columns, name):
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		case slices.Index(cols, name) < i:
			errs.add(1, "", name, "column %s appears twice in the header", name)
			ok = false
		}
	}
	if len(unknown) > 0 {
		noun := "column"
		if len(unknown) > 1 {
			noun = "columns"
		}
		errs.add(1, "", "", "unknown %s %s; the columns are %s", noun, strings.Join(unknown, ", "), strings.Join(columns, ", "))
		ok = false
	}
	for _, required := range []string{"sku", "name"} {
		if !slices.Contains(cols, required) {
			errs.add(1, "", required, "the header has no %s column; it is required", required)
			ok = false
		}
	}
	return cols, ok
}

// parseRow turns one record into a checked draft, reporting every error of
// the row. The draft keeps what was acceptable, so the row can still be
// checked against the others.
func parseRow(line int, cols, rec []string, errs *rowErrors) importRow {
	row := importRow{line: line}
	sku := ""
	if i := slices.Index(cols, "sku"); i < len(rec) {
		sku = strings.TrimSpace(rec[i])
		if !utf8.ValidString(sku) {
			sku = strings.ToValidUTF8(sku, "\uFFFD")
		}
	}
	if len(rec) != len(cols) {
		errs.add(line, sku, "", "the row has %d columns but the header has %d", len(rec), len(cols))
		return row
	}
	unread := map[string]bool{} // columns that could not be read, so newDraft saw no value
	bad := func(col, format string, args ...any) {
		errs.add(line, sku, col, format, args...)
		unread[col] = true
	}
	var req api.CreateProductRequest
	for i, col := range cols {
		v := strings.TrimSpace(rec[i])
		if !utf8.ValidString(v) {
			bad(col, "%s is not valid UTF-8 text; save the file as UTF-8", col)
			continue
		}
		var err error
		switch col {
		case "sku":
			req.SKU = v
		case "name":
			req.Name = v
		case "bin_location":
			req.BinLocation = v
		case "barcodes":
			for _, code := range strings.Split(v, barcodeSeparator) {
				if code = strings.TrimSpace(code); code != "" {
					req.Barcodes = append(req.Barcodes, code)
				}
			}
		case "weight_oz":
			req.WeightOz, err = parseDecimal(col, v)
		case "length_in":
			req.LengthIn, err = parseDecimal(col, v)
		case "width_in":
			req.WidthIn, err = parseDecimal(col, v)
		case "height_in":
			req.HeightIn, err = parseDecimal(col, v)
		case "reorder_point":
			req.ReorderPoint, err = parseCount(col, v)
		}
		if err != nil {
			bad(col, "%v", err)
		}
	}
	d, fieldErrs := newDraft(req)
	for _, fe := range fieldErrs {
		if !unread[fe.Field] {
			errs.add(line, sku, fe.Field, "%s", fe.Message)
		}
	}
	row.d = d
	return row
}

var decimalPattern = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// parseDecimal reads an optional plain decimal number: "12", "12.5", ".75".
func parseDecimal(col, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	if !decimalPattern.MatchString(v) {
		return nil, fmt.Errorf("%s %q is not a number; write it like 12.5, without units", col, v)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a number", col, v)
	}
	return &f, nil
}

// parseCount reads an optional whole number; empty means 0.
func parseCount(col, v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%s %s is too large", col, v)
		}
		return 0, fmt.Errorf("%s %q is not a whole number", col, v)
	}
	if n > maxReorderPoint {
		return 0, fmt.Errorf("%s must be at most %d", col, maxReorderPoint)
	}
	return int(n), nil
}

// separator is ',' unless the header has no comma but semicolons or tabs,
// as spreadsheets write in locales where the comma is the decimal mark.
func separator(data []byte) rune {
	header, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(header, ',') >= 0 {
		return ','
	}
	for _, r := range []rune{';', '\t'} {
		if bytes.ContainsRune(header, r) {
			return r
		}
	}
	return ','
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvProblem describes a CSV syntax error without repeating its position,
// which the row number already gives.
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			return "a quoted value is not closed, or a quote inside it is not doubled"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return "a value that is not quoted contains a quote; quote the value and double the quote"
		}
		return "the line is not valid CSV: " + pe.Err.Error()
	}
	return "the line is not valid CSV: " + err.Error()
}

// checkAgainstCatalog finds which SKUs exist and refuses barcodes that
// products outside the file carry. A barcode may move between products that
// are both in the file, since their barcodes are replaced together.
func checkAgainstCatalog(tx *gorm.DB, tenantID uuid.UUID, sh sheet, errs *rowErrors) error {
	if len(sh.rows) == 0 {
		return nil
	}
	skus := make([]string, 0, len(sh.rows))
	var codes []string
	for _, r := range sh.rows {
		if r.d.SKU != "" {
			skus = append(skus, r.d.SKU)
		}
		for _, b := range r.d.Barcodes {
			codes = append(codes, b.Code)
		}
	}
	ids, err := productIDsBySKU(tx, tenantID, skus)
	if err != nil {
		return err
	}
	for i := range sh.rows {
		r := &sh.rows[i]
		r.id, r.exists = ids[r.d.SKU]
	}
	if len(codes) == 0 {
		return nil
	}
	owners, err := barcodeOwners(tx, tenantID, codes)
	if err != nil {
		return err
	}
	for _, r := range sh.rows {
		for _, b := range r.d.Barcodes {
			o, ok := owners[barcodeKey(b.Code)]
			if !ok || (r.exists && o.ProductID == r.id) {
				continue
			}
			if _, inFile := ids[o.SKU]; inFile {
				continue
			}
			errs.add(r.line, r.d.SKU, "barcodes", "%s, which is not in this file", usedBy(b.Code, o))
		}
	}
	return nil
}

// writeSheet writes a checked file: new products with their stock rows,
// updates of existing ones, then barcodes.
func writeSheet(tx *gorm.DB, tenantID uuid.UUID, sh sheet) (created, updated int, err error) {
	var fresh, existing []productRow
	var ids []uuid.UUID
	var codes []barcodeRow
	for i := range sh.rows {
		r := &sh.rows[i]
		if !r.exists {
			r.id = uuid.New()
		}
		row := rowFromDraft(tenantID, r.id, r.d)
		if r.exists {
			existing = append(existing, row)
		} else {
			fresh = append(fresh, row)
		}
		ids = append(ids, r.id)
		codes = append(codes, barcodeRows(r.id, r.d.Barcodes)...)
	}
	if err := insertProducts(tx, tenantID, fresh); err != nil {
		return 0, 0, err
	}
	var cols []string
	for _, c := range productColumns {
		if c.name != "sku" && sh.has[c.name] {
			cols = append(cols, c.name)
		}
	}
	if _, err := updateProducts(tx, tenantID, cols, existing); err != nil {
		return 0, 0, err
	}
	if sh.has["barcodes"] {
		if err := replaceBarcodes(tx, tenantID, ids, codes); err != nil {
			return 0, 0, err
		}
	}
	return len(fresh), len(existing), nil
}

// Export writes every product of the tenant as CSV, ordered by SKU, in the
// columns Import reads, so an exported file imports back unchanged.
func (s *Service) Export(ctx context.Context, tenantID uuid.UUID, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return fmt.Errorf("catalog: export: %w", err)
	}
	after := ""
	for {
		var products []api.Product
		err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
			rows, err := page(tx, tenantID, after, exportPageSize)
			if err != nil {
				return err
			}
			products, err = withBarcodes(tx, tenantID, rows)
			return err
		})
		if err != nil {
			return wrap("export", err)
		}
		for _, p := range products {
			if err := cw.Write(exportRecord(p)); err != nil {
				return fmt.Errorf("catalog: export: %w", err)
			}
		}
		if len(products) < exportPageSize {
			break
		}
		after = products[len(products)-1].SKU
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("catalog: export: %w", err)
	}
	return nil
}

func exportRecord(p api.Product) []string {
	codes := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		codes[i] = b.Code
	}
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return formatNumber(*v)
	}
	return []string{p.SKU, p.Name, strings.Join(codes, barcodeSeparator), p.BinLocation,
		num(p.WeightOz), num(p.LengthIn), num(p.WidthIn), num(p.HeightIn), strconv.Itoa(p.ReorderPoint)}
}
