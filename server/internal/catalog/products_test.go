package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestCreateGetAndStockRow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	p := f.create(t, tid, api.CreateProductRequest{SKU: " SKU-4412 ", Name: " Steel bracket, 4in ", Barcodes: []string{"4006381333931", "BOX-4412"},
		BinLocation: "A-01-3", WeightOz: ptr(12.5), LengthIn: ptr(4), WidthIn: ptr(1.25), HeightIn: ptr(0.5), ReorderPoint: 20})
	if p.SKU != "SKU-4412" || p.Name != "Steel bracket, 4in" || p.BinLocation != "A-01-3" || p.ReorderPoint != 20 ||
		*p.WeightOz != 12.5 || *p.LengthIn != 4 || *p.WidthIn != 1.25 || *p.HeightIn != 0.5 || p.CreatedAt.IsZero() {
		t.Fatalf("created product = %+v", p)
	}
	wantCodes := []api.Barcode{{Code: "4006381333931", Kind: "gtin13"}, {Code: "BOX-4412", Kind: "custom"}}
	if !slices.Equal(p.Barcodes, wantCodes) {
		t.Fatalf("barcodes = %+v; want %+v", p.Barcodes, wantCodes)
	}
	got, err := f.svc.Get(ctx, tid, uuid.MustParse(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, got), mustJSON(t, p); a != b {
		t.Fatalf("Get = %s\nCreate = %s", a, b)
	}
	bySKU, err := f.svc.BySKU(ctx, tid, "SKU-4412")
	if err != nil || bySKU.ID != p.ID {
		t.Fatalf("BySKU = %+v, %v", bySKU, err)
	}
	if onHand, allocated, ok := f.stockOf(t, tid, p.ID); !ok || onHand != 0 || allocated != 0 {
		t.Fatalf("stock row: found %v, on hand %d, allocated %d", ok, onHand, allocated)
	}

	bare := f.create(t, tid, api.CreateProductRequest{SKU: "BARE-1", Name: "No barcodes"})
	js := mustJSON(t, bare)
	if !strings.Contains(js, `"barcodes":[]`) || strings.Contains(js, "weight_oz") {
		t.Fatalf("product without barcodes or weight encodes as %s", js)
	}
	if _, _, ok := f.stockOf(t, tid, bare.ID); !ok {
		t.Fatal("product without barcodes has no stock row")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	ok := api.CreateProductRequest{SKU: "OK-1", Name: "Fine"}
	with := func(change func(r *api.CreateProductRequest)) api.CreateProductRequest {
		r := ok
		change(&r)
		return r
	}
	tests := []struct {
		name  string
		req   api.CreateProductRequest
		parts []string
	}{
		{"empty sku", with(func(r *api.CreateProductRequest) { r.SKU = "  " }), []string{"sku is required"}},
		{"sku with space", with(func(r *api.CreateProductRequest) { r.SKU = "SKU 1" }), []string{`sku "SKU 1" is not valid`}},
		{"sku leading dash", with(func(r *api.CreateProductRequest) { r.SKU = "-SKU" }), []string{"sku", "starting with a letter or digit"}},
		{"sku too long", with(func(r *api.CreateProductRequest) { r.SKU = strings.Repeat("A", 65) }), []string{"sku"}},
		{"empty name", with(func(r *api.CreateProductRequest) { r.Name = "" }), []string{"name is required"}},
		{"long name", with(func(r *api.CreateProductRequest) { r.Name = strings.Repeat("é", 301) }), []string{"name is 301 characters long; at most 300"}},
		{"name with newline", with(func(r *api.CreateProductRequest) { r.Name = "a\nb" }), []string{"name must not contain control characters"}},
		{"long bin", with(func(r *api.CreateProductRequest) { r.BinLocation = strings.Repeat("B", 65) }), []string{"bin_location is 65 characters"}},
		{"zero weight", with(func(r *api.CreateProductRequest) { r.WeightOz = ptr(0) }), []string{"weight_oz must be greater than 0"}},
		{"negative length", with(func(r *api.CreateProductRequest) { r.LengthIn = ptr(-2) }), []string{"length_in must be greater than 0, not -2"}},
		{"three decimals", with(func(r *api.CreateProductRequest) { r.WidthIn = ptr(1.005) }), []string{"width_in 1.005 has more than 2 decimal places"}},
		{"too tall", with(func(r *api.CreateProductRequest) { r.HeightIn = ptr(1e6) }), []string{"height_in must be at most 999999.99"}},
		{"negative reorder", with(func(r *api.CreateProductRequest) { r.ReorderPoint = -1 }), []string{"reorder_point must be 0 or more"}},
		{"bad check digit", with(func(r *api.CreateProductRequest) { r.Barcodes = []string{"4006381333932"} }),
			[]string{"GTIN-13 4006381333932 has a wrong check digit", "should be 1"}},
		{"barcode twice", with(func(r *api.CreateProductRequest) { r.Barcodes = []string{"BOX-1", "BOX-1"} }), []string{"barcode BOX-1 is listed twice"}},
		{"same GTIN twice", with(func(r *api.CreateProductRequest) { r.Barcodes = []string{"036000291452", "0036000291452"} }),
			[]string{"barcodes 036000291452 and 0036000291452 are the same GTIN"}},
		{"pipe in barcode", with(func(r *api.CreateProductRequest) { r.Barcodes = []string{"A|B"} }), []string{"must not contain '|'"}},
		{"every problem at once", api.CreateProductRequest{SKU: "", Name: "", WeightOz: ptr(-1)},
			[]string{"sku is required", "name is required", "weight_oz must be greater than 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Create(context.Background(), tid, tt.req)
			wantErr(t, err, apperr.KindInvalid, tt.parts...)
		})
	}
	if n := f.countRows(t, tid, "products"); n != 0 {
		t.Fatalf("%d products written by invalid requests", n)
	}
}

func TestDuplicateSKUConflict(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	f.create(t, tid, api.CreateProductRequest{SKU: "DUP-1", Name: "First"})
	_, err := f.svc.Create(context.Background(), tid, api.CreateProductRequest{SKU: "DUP-1", Name: "Second"})
	wantErr(t, err, apperr.KindConflict, "SKU DUP-1 already exists")
	if n := f.countRows(t, tid, "stock_levels"); n != 1 {
		t.Fatalf("%d stock rows after a refused duplicate; want 1", n)
	}
}

func TestBarcodeUsedByAnotherProduct(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	f.create(t, tid, api.CreateProductRequest{SKU: "UPC-A", Name: "Holder", Barcodes: []string{"036000291452"}})

	_, err := f.svc.Create(ctx, tid, api.CreateProductRequest{SKU: "UPC-B", Name: "Taker", Barcodes: []string{"036000291452"}})
	wantErr(t, err, apperr.KindConflict, "barcode 036000291452 is already used by SKU UPC-A", "SKU UPC-B")
	// The same GTIN written as EAN-13 is the same barcode.
	_, err = f.svc.Create(ctx, tid, api.CreateProductRequest{SKU: "UPC-B", Name: "Taker", Barcodes: []string{"0036000291452"}})
	wantErr(t, err, apperr.KindConflict, "barcode 0036000291452 is already used by SKU UPC-A (as 036000291452)")
	if _, err := f.svc.BySKU(ctx, tid, "UPC-B"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("refused product was written: %v", err)
	}
}

func TestConcurrentCreatesOfOneGTINInTwoForms(t *testing.T) {
	f := newFixture(t)
	tid := f.tenant(t)
	forms := []string{"036000291452", "0036000291452", "00036000291452", "036000291452"}
	errs := make([]error, len(forms))
	var wg sync.WaitGroup
	for i, code := range forms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.svc.Create(context.Background(), tid, api.CreateProductRequest{SKU: fmt.Sprintf("RACE-%d", i), Name: "Race", Barcodes: []string{code}})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch apperr.KindOf(err) {
		case apperr.KindConflict:
		default:
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			won++
		}
	}
	if won != 1 || f.countRows(t, tid, "product_barcodes") != 1 {
		t.Fatalf("%d creates succeeded, %d barcodes stored; want exactly 1", won, f.countRows(t, tid, "product_barcodes"))
	}
}

func TestByBarcode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	p := f.create(t, tid, api.CreateProductRequest{SKU: "SCAN-1", Name: "Scanned", Barcodes: []string{"036000291452", "BIN/7 A"}})
	other := f.create(t, tid, api.CreateProductRequest{SKU: "SCAN-2", Name: "Other", Barcodes: []string{"10012345678902"}})
	for _, scan := range []string{"036000291452", "  036000291452\r\n", "]E00036000291452", "00036000291452", "BIN/7 A", "]A0BIN/7 A"} {
		got, err := f.svc.ByBarcode(ctx, tid, scan)
		if err != nil || got.ID != p.ID {
			t.Errorf("ByBarcode(%q) = %s, %v; want SCAN-1", scan, got.SKU, err)
		}
	}
	if got, err := f.svc.ByBarcode(ctx, tid, "]C10110012345678902"); err != nil || got.ID != other.ID {
		t.Errorf("GS1-128 scan = %s, %v; want SCAN-2", got.SKU, err)
	}
	_, err := f.svc.ByBarcode(ctx, tid, "4006381333931")
	wantErr(t, err, apperr.KindNotFound, "no product has barcode 4006381333931")
	_, err = f.svc.ByBarcode(ctx, tid, "036000291453")
	wantErr(t, err, apperr.KindInvalid, "should be 2")
	_, err = f.svc.ByBarcode(ctx, tid, "  ")
	wantErr(t, err, apperr.KindInvalid, "empty")
}

func TestListPagination(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	var want []string
	for _, sku := range []string{"P-07", "P-01", "P-05", "P-03", "P-02", "P-06", "P-04"} {
		f.create(t, tid, api.CreateProductRequest{SKU: sku, Name: "Item " + sku, Barcodes: []string{"C-" + sku}})
		want = append(want, sku)
	}
	slices.Sort(want)
	var got []string
	cursor, pages := "", 0
	for {
		page, err := f.svc.List(ctx, tid, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range page.Products {
			got = append(got, p.SKU)
			if len(p.Barcodes) != 1 || p.Barcodes[0].Code != "C-"+p.SKU {
				t.Fatalf("listed %s with barcodes %+v", p.SKU, p.Barcodes)
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("pages %d listed %v; want 3 pages of %v", pages, got, want)
	}
	exact, err := f.svc.List(ctx, tid, "", 7)
	if err != nil || len(exact.Products) != 7 || exact.NextCursor != "" {
		t.Fatalf("a page holding everything: %d products, cursor %q, %v", len(exact.Products), exact.NextCursor, err)
	}
	empty, err := f.svc.List(ctx, f.tenant(t), "", 10)
	if err != nil || empty.Products == nil || len(empty.Products) != 0 {
		t.Fatalf("empty catalog lists %#v, %v", empty.Products, err)
	}
	_, err = f.svc.List(ctx, tid, "not-a-cursor!", 3)
	wantErr(t, err, apperr.KindInvalid, "cursor")
	_, err = f.svc.List(ctx, tid, "", 0)
	wantErr(t, err, apperr.KindInvalid, "limit")
	_, err = f.svc.List(ctx, tid, "", 501)
	wantErr(t, err, apperr.KindInvalid, "limit")
}

func TestUpdateReplacesEverything(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	p := f.create(t, tid, api.CreateProductRequest{SKU: "UPD-1", Name: "Before", Barcodes: []string{"96385074", "OLD-CODE"},
		BinLocation: "A-1", WeightOz: ptr(3), LengthIn: ptr(2), ReorderPoint: 5})
	f.create(t, tid, api.CreateProductRequest{SKU: "UPD-2", Name: "Neighbour", Barcodes: []string{"4006381333931"}})
	id := uuid.MustParse(p.ID)

	got, err := f.svc.Update(ctx, tid, id, api.CreateProductRequest{SKU: "UPD-1B", Name: "After", Barcodes: []string{"96385074", "NEW-CODE"}, HeightIn: ptr(9.99)})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.SKU != "UPD-1B" || got.Name != "After" || got.BinLocation != "" || got.WeightOz != nil ||
		got.LengthIn != nil || *got.HeightIn != 9.99 || got.ReorderPoint != 0 || !got.UpdatedAt.After(p.UpdatedAt) {
		t.Fatalf("updated product = %+v", got)
	}
	if c := codes(got); !slices.Equal(c, []string{"96385074", "NEW-CODE"}) && !slices.Equal(c, []string{"NEW-CODE", "96385074"}) {
		t.Fatalf("barcodes after update = %v", c)
	}
	if _, err := f.svc.ByBarcode(ctx, tid, "OLD-CODE"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("removed barcode still scans: %v", err)
	}

	_, err = f.svc.Update(ctx, tid, id, api.CreateProductRequest{SKU: "UPD-2", Name: "Clash"})
	wantErr(t, err, apperr.KindConflict, "SKU UPD-2 already exists")
	_, err = f.svc.Update(ctx, tid, id, api.CreateProductRequest{SKU: "UPD-1B", Name: "Clash", Barcodes: []string{"04006381333931"}})
	wantErr(t, err, apperr.KindConflict, "already used by SKU UPD-2", "SKU UPD-1B")
	_, err = f.svc.Update(ctx, tid, uuid.New(), api.CreateProductRequest{SKU: "GHOST", Name: "Ghost"})
	wantErr(t, err, apperr.KindNotFound, "not found")
	_, err = f.svc.Update(ctx, tid, id, api.CreateProductRequest{SKU: "UPD-1B", Name: ""})
	wantErr(t, err, apperr.KindInvalid, "name is required")

	after, err := f.svc.Get(ctx, tid, id)
	if err != nil || after.Name != "After" || after.SKU != "UPD-1B" {
		t.Fatalf("refused updates changed the product: %+v, %v", after, err)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.tenant(t), f.tenant(t)
	pa := f.create(t, a, api.CreateProductRequest{SKU: "SHARED-1", Name: "A's", Barcodes: []string{"5901234123457"}})

	_, err := f.svc.Get(ctx, b, uuid.MustParse(pa.ID))
	wantErr(t, err, apperr.KindNotFound, "not found")
	_, err = f.svc.ByBarcode(ctx, b, "5901234123457")
	wantErr(t, err, apperr.KindNotFound)
	_, err = f.svc.Update(ctx, b, uuid.MustParse(pa.ID), api.CreateProductRequest{SKU: "STOLEN", Name: "B's"})
	wantErr(t, err, apperr.KindNotFound)
	list, err := f.svc.List(ctx, b, "", 100)
	if err != nil || len(list.Products) != 0 {
		t.Fatalf("tenant B lists %d products, %v", len(list.Products), err)
	}
	// SKUs and barcodes are per tenant: B may use the same ones.
	pb := f.create(t, b, api.CreateProductRequest{SKU: "SHARED-1", Name: "B's", Barcodes: []string{"5901234123457"}})
	if got, err := f.svc.ByBarcode(ctx, a, "5901234123457"); err != nil || got.ID != pa.ID {
		t.Fatalf("tenant A's scan found %s, %v", got.ID, err)
	}
	if got, err := f.svc.ByBarcode(ctx, b, "5901234123457"); err != nil || got.ID != pb.ID {
		t.Fatalf("tenant B's scan found %s, %v", got.ID, err)
	}
	var sb strings.Builder
	if err := f.svc.Export(ctx, b, &sb); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sb.String(), "A's") || !strings.Contains(sb.String(), "B's") {
		t.Fatalf("tenant B's export:\n%s", sb.String())
	}
}
