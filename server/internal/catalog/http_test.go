package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

// serve runs the catalog handlers on loopback for tenant tid, with the error
// envelope the web package answers, and returns the base URL.
func serve(t *testing.T, f fixture, tid uuid.UUID) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: envelope})
	app.Use(func(c *fiber.Ctx) error {
		identity.SetPrincipal(c, identity.Principal{UserID: uuid.New(), TenantID: tid, Method: identity.MethodToken})
		return c.Next()
	})
	h := catalog.NewHandlers(f.svc)
	v := api.Version
	app.Post(v+"/products", h.CreateProduct)
	app.Get(v+"/products", h.ListProducts)
	app.Get(v+"/products/export", h.Export) // before /products/:id, which would take "export" as an id
	app.Post(v+"/products/import", h.Import)
	app.Get(v+"/products/:id", h.GetProduct)
	app.Put(v+"/products/:id", h.UpdateProduct)
	app.Get(v+"/barcodes/:code", h.ByBarcode)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// envelope maps errors to statuses as the web package does.
func envelope(c *fiber.Ctx, err error) error {
	status, code := fiber.StatusInternalServerError, api.CodeInternal
	switch apperr.KindOf(err) {
	case apperr.KindInvalid:
		status, code = fiber.StatusBadRequest, api.CodeValidation
	case apperr.KindNotFound:
		status, code = fiber.StatusNotFound, api.CodeNotFound
	case apperr.KindConflict:
		status, code = fiber.StatusConflict, api.CodeConflict
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, code = fe.Code, api.CodeBadRequest
	}
	msg := err.Error()
	if e, ok := apperr.As(err); ok {
		msg = e.Message
	}
	return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg}})
}

func newClient(t *testing.T, base string) *client.Client {
	t.Helper()
	c, err := client.New(base, client.WithToken("test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantStatus(t *testing.T, err error, status int, parts ...string) {
	t.Helper()
	if got := client.StatusOf(err); got != status {
		t.Fatalf("status %d (%v); want %d", got, err, status)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func TestHTTPProducts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	base := serve(t, f, tid)
	c := newClient(t, base)

	resp, err := http.Post(base+api.Version+"/products", "application/json", strings.NewReader(`{"sku":"H-1","name":"Over HTTP","barcodes":["BIN/7 A"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var p api.Product
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || p.SKU != "H-1" {
		t.Fatalf("POST /products: %d %+v", resp.StatusCode, p)
	}

	got, err := c.GetProduct(ctx, p.ID)
	if err != nil || got.SKU != "H-1" {
		t.Fatalf("GetProduct = %+v, %v", got, err)
	}
	_, err = c.GetProduct(ctx, "nope")
	wantStatus(t, err, 400, "id")
	_, err = c.GetProduct(ctx, uuid.NewString())
	wantStatus(t, err, 404)

	_, err = c.CreateProduct(ctx, api.CreateProductRequest{SKU: "H-1", Name: "Again"})
	wantStatus(t, err, 409, "SKU H-1 already exists")
	_, err = c.CreateProduct(ctx, api.CreateProductRequest{SKU: "H-2", Name: "Bad", Barcodes: []string{"96385075"}})
	wantStatus(t, err, 400, "the check digit should be 4")

	upd, err := c.UpdateProduct(ctx, p.ID, api.CreateProductRequest{SKU: "H-1", Name: "Renamed", Barcodes: []string{"BIN/7 A", "96385074"}})
	if err != nil || upd.Name != "Renamed" || len(upd.Barcodes) != 2 {
		t.Fatalf("UpdateProduct = %+v, %v", upd, err)
	}

	for _, scan := range []string{"BIN/7 A", "]E496385074", "000096385074"} {
		if got, err := c.ProductByBarcode(ctx, scan); err != nil || got.ID != p.ID {
			t.Fatalf("ProductByBarcode(%q) = %+v, %v", scan, got, err)
		}
	}
	_, err = c.ProductByBarcode(ctx, "NOT-THERE")
	wantStatus(t, err, 404, "no product has barcode NOT-THERE")

	for i := 0; i < 4; i++ {
		if _, err := c.CreateProduct(ctx, api.CreateProductRequest{SKU: "L-" + string(rune('a'+i)), Name: "Listed"}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.ListProducts(ctx, "", 2)
	if err != nil || len(page.Products) != 2 || page.NextCursor == "" || page.Products[0].SKU != "H-1" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	all, err := c.ListProducts(ctx, "", 0)
	if err != nil || len(all.Products) != 5 || all.NextCursor != "" {
		t.Fatalf("default page = %d products, cursor %q, %v", len(all.Products), all.NextCursor, err)
	}
	_, err = c.ListProducts(ctx, "", 501)
	wantStatus(t, err, 400, `limit "501" must be a whole number from 1 to 500`)
	for _, q := range []string{"?limit=0", "?limit=abc", "?cursor=%25%25"} {
		err := c.Do(ctx, http.MethodGet, api.Version+"/products"+q, nil, nil)
		wantStatus(t, err, 400)
	}
}

func TestHTTPImportAndExport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tid := f.tenant(t)
	base := serve(t, f, tid)
	c := newClient(t, base)

	res, err := c.ImportProducts(ctx, strings.NewReader("sku,name,barcodes\nIM-1,One,4006381333931\nIM-2,Two,\n"))
	if err != nil || res.Created != 2 || len(res.Errors) != 0 {
		t.Fatalf("ImportProducts = %+v, %v", res, err)
	}

	// Rows with errors: 422, the envelope and the rows in one body.
	bad := "sku,name,weight_oz\nIM-3,Three,x\nIM-4,,1\nIM-5,Five,2\n"
	res, err = c.ImportProducts(ctx, strings.NewReader(bad))
	wantStatus(t, err, 422, "validation_failed", "2 rows have errors; nothing was imported")
	if len(res.Errors) != 2 || res.Errors[0].Row != 2 || res.Errors[0].Column != "weight_oz" || res.Errors[1].Row != 3 || res.Errors[1].Column != "name" {
		t.Fatalf("rows of a refused import = %+v", res.Errors)
	}
	resp, err := http.Post(base+api.Version+"/products/import", "text/csv; charset=utf-8", strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 422 || body["error"] == nil || body["errors"] == nil {
		t.Fatalf("422 body has keys %v", keys(body))
	}
	if n := f.countRows(t, tid, "products"); n != 2 {
		t.Fatalf("%d products after a refused import; want 2", n)
	}

	// A multipart upload, as a browser form sends it.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "products.csv")
	_, _ = io.WriteString(fw, "sku,name\nIM-6,Six\n")
	_ = mw.Close()
	var out api.ImportResult
	if err := c.DoRaw(ctx, http.MethodPost, api.Version+"/products/import", mw.FormDataContentType(), &form, &out); err != nil || out.Created != 1 {
		t.Fatalf("multipart import = %+v, %v", out, err)
	}
	var empty bytes.Buffer
	mw = multipart.NewWriter(&empty)
	_ = mw.WriteField("other", "x")
	_ = mw.Close()
	err = c.DoRaw(ctx, http.MethodPost, api.Version+"/products/import", mw.FormDataContentType(), &empty, nil)
	wantStatus(t, err, 400, `no "file" field`)
	err = c.DoRaw(ctx, http.MethodPost, api.Version+"/products/import", "application/json", strings.NewReader(`{}`), nil)
	wantStatus(t, err, 415, "text/csv")

	var exported bytes.Buffer
	if err := c.ExportProducts(ctx, &exported); err != nil {
		t.Fatal(err)
	}
	var direct bytes.Buffer
	if err := f.svc.Export(ctx, tid, &direct); err != nil {
		t.Fatal(err)
	}
	if exported.String() != direct.String() || !strings.Contains(exported.String(), "IM-1,One,4006381333931,") {
		t.Fatalf("exported over HTTP:\n%s\nwant:\n%s", exported.String(), direct.String())
	}
	resp, err = http.Get(base + api.Version + "/products/export")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.HasPrefix(cd, `attachment; filename="products-`) {
		t.Fatalf("export headers: Content-Type %q, Content-Disposition %q", ct, cd)
	}
	res, err = c.ImportProducts(ctx, &exported)
	if err != nil || res.Updated != 3 || res.Created != 0 {
		t.Fatalf("re-import of the export = %+v, %v", res, err)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
