package catalog_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/shared/api"
)

func (f fixture) importCSV(t *testing.T, tid uuid.UUID, file string) api.ImportResult {
	t.Helper()
	res, err := f.svc.Import(context.Background(), tid, strings.NewReader(file))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Errors == nil {
		t.Fatal("import result has nil errors; want an empty list")
	}
	return res
}

func (f fixture) bySKU(t *testing.T, tid uuid.UUID, sku string) api.Product {
	t.Helper()
	p, err := f.svc.BySKU(context.Background(), tid, sku)
	if err != nil {
		t.Fatalf("BySKU(%s): %v", sku, err)
	}
	return p
}

func TestImportCreatesAndUpdates(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	old := f.create(t, tid, api.CreateProductRequest{SKU: "EXIST-1", Name: "Old name", Barcodes: []string{"OLD-1"},
		BinLocation: "Z-9", WeightOz: ptr(5), LengthIn: ptr(7), ReorderPoint: 3})

	// Header names in any order and case; length_in, width_in and height_in absent.
	file := "Name,SKU,Barcodes,Bin_Location,WEIGHT_OZ,reorder_point\r\n" +
		"New one,NEW-1,4006381333931 | BOX-NEW-1,A-1,12.5,10\r\n" +
		"Renamed,EXIST-1,,B-2,,4\r\n" +
		"\"Quoted, with \"\"comma\"\"\",NEW-2,,,,\r\n"
	res := f.importCSV(t, tid, file)
	if len(res.Errors) != 0 || res.Created != 2 || res.Updated != 1 {
		t.Fatalf("result = %+v; want 2 created, 1 updated", res)
	}

	n1 := f.bySKU(t, tid, "NEW-1")
	if n1.Name != "New one" || n1.BinLocation != "A-1" || *n1.WeightOz != 12.5 || n1.ReorderPoint != 10 ||
		!slices.Equal(codes(n1), []string{"4006381333931", "BOX-NEW-1"}) || n1.Barcodes[0].Kind != "gtin13" {
		t.Fatalf("NEW-1 = %+v", n1)
	}
	if n2 := f.bySKU(t, tid, "NEW-2"); n2.Name != `Quoted, with "comma"` || len(n2.Barcodes) != 0 || n2.WeightOz != nil {
		t.Fatalf("NEW-2 = %+v", n2)
	}
	for _, sku := range []string{"NEW-1", "NEW-2"} {
		if onHand, _, ok := f.stockOf(t, tid, f.bySKU(t, tid, sku).ID); !ok || onHand != 0 {
			t.Fatalf("%s stock row: found %v, on hand %d", sku, ok, onHand)
		}
	}
	e := f.bySKU(t, tid, "EXIST-1")
	if e.ID != old.ID || e.Name != "Renamed" || e.BinLocation != "B-2" || e.WeightOz != nil || e.ReorderPoint != 4 || len(e.Barcodes) != 0 {
		t.Fatalf("EXIST-1 after import = %+v", e)
	}
	if e.LengthIn == nil || *e.LengthIn != 7 {
		t.Fatalf("length_in, absent from the file, changed to %v", e.LengthIn)
	}
	if n := f.countRows(t, tid, "stock_levels"); n != 3 {
		t.Fatalf("%d stock rows; want 3", n)
	}
}

func TestImportWithBadRowsWritesNothing(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	f.create(t, tid, api.CreateProductRequest{SKU: "HOLD-1", Name: "Holder", Barcodes: []string{"5901234123457"}})
	f.create(t, tid, api.CreateProductRequest{SKU: "GOOD-3", Name: "Before import"})
	productsBefore, stockBefore, codesBefore := f.countRows(t, tid, "products"), f.countRows(t, tid, "stock_levels"), f.countRows(t, tid, "product_barcodes")

	lines := []string{
		"sku,name,barcodes,weight_oz,reorder_point", // 1
		"GOOD-1,Good,96385074,1.5,0",                // 2
		"BAD-W,Bad weight,,heavy,0",                 // 3
		"BAD-G,Bad gtin,4006381333932,,",            // 4
		"GOOD-2,\"Two",                              // 5: a quoted name over two lines
		"lines\",,,",                                // 6
		"GOOD-1,Again,,,",                           // 7
		"DUPCODE,Dup code,0000096385074,,",          // 8
		"TAKEN,Taken,5901234123457,,",               // 9
		"SHORT,Too few",                             // 10
		",No sku,,,",                                // 11
		"NONAME,,,,",                                // 12
		"UTF,Caf\xe9,,,",                            // 13
		"NEG,Negative,,-3,-1",                       // 14
		"GOOD-3,Fine,,2,5",                          // 15
		"TWO,Two bad codes,12345678|96385075,,",     // 16
	}
	res := f.importCSV(t, tid, strings.Join(lines, "\n")+"\n")

	want := []struct {
		row         int
		sku, column string
		message     string
	}{
		{3, "BAD-W", "weight_oz", `weight_oz "heavy" is not a number`},
		{4, "BAD-G", "barcodes", "GTIN-13 4006381333932 has a wrong check digit: it ends in 2, the check digit should be 1"},
		{5, "GOOD-2", "name", "name must not contain control characters"},
		{7, "GOOD-1", "sku", "SKU GOOD-1 is on rows 2 and 7"},
		{8, "DUPCODE", "barcodes", "barcode 0000096385074 is also on row 2 (as 96385074, the same GTIN) for SKU GOOD-1"},
		{9, "TAKEN", "barcodes", "barcode 5901234123457 is already used by SKU HOLD-1, which is not in this file"},
		{10, "SHORT", "", "the row has 2 columns but the header has 5"},
		{11, "", "sku", "sku is required"},
		{12, "NONAME", "name", "name is required"},
		{13, "UTF", "name", "name is not valid UTF-8 text"},
		{14, "NEG", "weight_oz", "weight_oz must be greater than 0, not -3"},
		{14, "NEG", "reorder_point", "reorder_point must be 0 or more"},
		{16, "TWO", "barcodes", "GTIN-8 12345678 has a wrong check digit: it ends in 8, the check digit should be 0"},
		{16, "TWO", "barcodes", "GTIN-8 96385075 has a wrong check digit: it ends in 5, the check digit should be 4"},
	}
	if len(res.Errors) != len(want) {
		t.Errorf("%d errors; want %d:", len(res.Errors), len(want))
		for _, e := range res.Errors {
			t.Errorf("  %+v", e)
		}
		t.FailNow()
	}
	for i, w := range want {
		got := res.Errors[i]
		if got.Row != w.row || got.SKU != w.sku || got.Column != w.column || !strings.Contains(got.Message, w.message) {
			t.Errorf("error %d = %+v; want row %d, sku %q, column %q, message containing %q", i, got, w.row, w.sku, w.column, w.message)
		}
	}
	if res.Created != 0 || res.Updated != 0 {
		t.Errorf("counts %d/%d reported for a refused file", res.Created, res.Updated)
	}
	if p, s, c := f.countRows(t, tid, "products"), f.countRows(t, tid, "stock_levels"), f.countRows(t, tid, "product_barcodes"); p != productsBefore || s != stockBefore || c != codesBefore {
		t.Fatalf("refused import wrote rows: products %d->%d, stock %d->%d, barcodes %d->%d", productsBefore, p, stockBefore, s, codesBefore, c)
	}
	if g := f.bySKU(t, tid, "GOOD-3"); g.Name != "Before import" {
		t.Fatalf("refused import updated GOOD-3: %+v", g)
	}
}

func TestImportFileProblems(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	tests := []struct {
		name, file string
		row        int
		parts      []string
	}{
		{"empty", "", 1, []string{"the file is empty", "sku,name,barcodes"}},
		{"unknown columns", "sku,name,Price,qty\nA,B,1,2\n", 1, []string{`unknown columns "Price", "qty"`, "the columns are sku, name"}},
		{"missing name", "sku,weight_oz\nA,1\n", 1, []string{"no name column"}},
		{"repeated column", "sku,name,SKU\nA,B,C\n", 1, []string{"column sku appears twice"}},
		{"bad quote", "sku,name\nA,\"unclosed\nB,ok\n", 2, []string{"quoted value is not closed"}},
		{"bare quote", "sku,name\nA,ok\nB,say \"hi\"\n", 3, []string{"contains a quote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.importCSV(t, tid, tt.file)
			if len(res.Errors) == 0 {
				t.Fatal("file accepted")
			}
			e := res.Errors[0]
			for _, p := range tt.parts {
				if e.Row != tt.row || !strings.Contains(e.Message, p) {
					t.Fatalf("first error %+v; want row %d containing %q (all: %+v)", e, tt.row, p, res.Errors)
				}
			}
		})
	}
	if n := f.countRows(t, tid, "products"); n != 0 {
		t.Fatalf("%d products written by bad files", n)
	}

	var big strings.Builder
	big.WriteString("sku,name\n")
	for i := 0; i <= catalog.MaxImportRows; i++ {
		fmt.Fprintf(&big, "S-%d,Item\n", i)
	}
	_, err := f.svc.Import(context.Background(), tid, strings.NewReader(big.String()))
	wantErr(t, err, apperr.KindInvalid, "more than 50000 product rows")
	huge := strings.NewReader("sku,name\n" + strings.Repeat("x", catalog.MaxImportBytes))
	_, err = f.svc.Import(context.Background(), tid, huge)
	wantErr(t, err, apperr.KindInvalid, "larger than 32 MiB")
}

func TestImportSpreadsheetQuirks(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	// A BOM, semicolons as separators, decimal values with a trailing dot and
	// rows of empty cells at the end, as spreadsheets write them.
	file := "\uFEFFsku;name;weight_oz\nQ-1;Semi;3.\n;;\n;;\n"
	res := f.importCSV(t, tid, file)
	if len(res.Errors) != 0 || res.Created != 1 {
		t.Fatalf("result = %+v", res)
	}
	if p := f.bySKU(t, tid, "Q-1"); *p.WeightOz != 3 {
		t.Fatalf("Q-1 = %+v", p)
	}
}

func TestImportMovesBarcodesBetweenProductsInTheFile(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	f.create(t, tid, api.CreateProductRequest{SKU: "SWAP-A", Name: "A", Barcodes: []string{"036000291452"}})
	f.create(t, tid, api.CreateProductRequest{SKU: "SWAP-B", Name: "B", Barcodes: []string{"CODE-B"}})
	res := f.importCSV(t, tid, "sku,name,barcodes\nSWAP-A,A,CODE-B\nSWAP-B,B,0036000291452\n")
	if len(res.Errors) != 0 || res.Updated != 2 {
		t.Fatalf("result = %+v", res)
	}
	if got, err := f.svc.ByBarcode(context.Background(), tid, "036000291452"); err != nil || got.SKU != "SWAP-B" {
		t.Fatalf("036000291452 scans as %s, %v; want SWAP-B", got.SKU, err)
	}
	if got, err := f.svc.ByBarcode(context.Background(), tid, "CODE-B"); err != nil || got.SKU != "SWAP-A" {
		t.Fatalf("CODE-B scans as %s, %v; want SWAP-A", got.SKU, err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	reqs := []api.CreateProductRequest{
		{SKU: "RT-1", Name: `Bracket, "heavy" 4in`, Barcodes: []string{"4006381333931", "RT 1/A"}, BinLocation: "A-01",
			WeightOz: ptr(12.25), LengthIn: ptr(4), WidthIn: ptr(0.01), HeightIn: ptr(999999.99), ReorderPoint: 12},
		{SKU: "RT-2", Name: `Ünïcödé ✓ — Grüße \ back\slash {brace}`, BinLocation: "NULL"},
		{SKU: "rt.3_x/y", Name: "=SUM(A1) not a formula", Barcodes: []string{"10012345678902"}, WeightOz: ptr(99999999.99)},
	}
	before := map[string]api.Product{}
	for _, r := range reqs {
		p := f.create(t, tid, r)
		before[p.SKU] = p
	}
	var first bytes.Buffer
	if err := f.svc.Export(ctx, tid, &first); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first.String(), "sku,name,barcodes,bin_location,weight_oz,length_in,width_in,height_in,reorder_point\n") ||
		!strings.Contains(first.String(), `RT-1,"Bracket, ""heavy"" 4in",4006381333931|RT 1/A,A-01,12.25,4,0.01,999999.99,12`) {
		t.Fatalf("export:\n%s", first.String())
	}
	res := f.importCSV(t, tid, first.String())
	if len(res.Errors) != 0 || res.Created != 0 || res.Updated != len(reqs) {
		t.Fatalf("re-import of the export = %+v", res)
	}
	var second bytes.Buffer
	if err := f.svc.Export(ctx, tid, &second); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("export changed by a round trip:\n%s\n---\n%s", first.String(), second.String())
	}
	for sku, b := range before {
		a := f.bySKU(t, tid, sku)
		a.UpdatedAt = b.UpdatedAt // the import rewrote the row; its content must be the same
		if mustJSON(t, a) != mustJSON(t, b) {
			t.Fatalf("%s changed by a round trip:\n%s\n%s", sku, mustJSON(t, b), mustJSON(t, a))
		}
	}
}

// TestImportLargeFile crosses the write batches on both the create and the
// update path.
func TestImportLargeFile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	const n = 2500
	var file strings.Builder
	file.WriteString("sku,name,barcodes,weight_oz\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&file, "BULK-%05d,Item %d,CODE-%05d|ALT-%05d,%d.5\n", i, i, i, i, i%50+1)
	}
	res := f.importCSV(t, tid, file.String())
	if len(res.Errors) != 0 || res.Created != n {
		t.Fatalf("first import: created %d, errors %v", res.Created, res.Errors[:min(3, len(res.Errors))])
	}
	res = f.importCSV(t, tid, strings.ReplaceAll(file.String(), "Item ", "Renamed "))
	if len(res.Errors) != 0 || res.Updated != n || res.Created != 0 {
		t.Fatalf("second import: %d created, %d updated", res.Created, res.Updated)
	}
	if p, s, c := f.countRows(t, tid, "products"), f.countRows(t, tid, "stock_levels"), f.countRows(t, tid, "product_barcodes"); p != n || s != n || c != 2*n {
		t.Fatalf("rows after import: %d products, %d stock, %d barcodes", p, s, c)
	}
	if got, err := f.svc.ByBarcode(ctx, tid, "ALT-02222"); err != nil || got.Name != "Renamed 2222" {
		t.Fatalf("ALT-02222 scans as %+v, %v", got, err)
	}
}
