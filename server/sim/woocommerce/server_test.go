package woocommerce_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

var at = time.Date(2026, 3, 14, 14, 12, 44, 0, time.UTC)

type store struct {
	t   *testing.T
	s   *wcsim.Server
	srv *httptest.Server
}

func newStore(t *testing.T, o wcsim.Options) *store {
	if o.Clock == nil {
		o.Clock = func() time.Time { return at }
	}
	s := wcsim.New(o)
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	return &store{t: t, s: s, srv: srv}
}

// call sends an HTTP Basic request (the store is on HTTPS) and decodes a
// JSON answer into out.
func (st *store) call(method, path string, body any, out any) *http.Response {
	st.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, st.srv.URL+path, rd)
	req.SetBasicAuth(wcsim.DefaultConsumerKey, wcsim.DefaultConsumerSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := st.srv.Client().Do(req)
	if err != nil {
		st.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			st.t.Fatalf("%s %s: %v (%s)", method, path, err, data)
		}
	}
	return resp
}

type wpErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status int `json:"status"`
	} `json:"data"`
}

func TestBasicOnlyOverHTTPS(t *testing.T) {
	s := wcsim.New(wcsim.Options{})
	plain := httptest.NewServer(s)
	defer plain.Close()
	req, _ := http.NewRequest("GET", plain.URL+"/wp-json/wc/v3/orders", nil)
	req.SetBasicAuth(wcsim.DefaultConsumerKey, wcsim.DefaultConsumerSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e wpErr
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 401 || e.Code != "woocommerce_rest_cannot_view" || e.Data.Status != 401 {
		t.Fatalf("Basic over plain HTTP: %d %+v", resp.StatusCode, e)
	}
	st := newStore(t, wcsim.Options{})
	var orders []any
	if resp := st.call("GET", "/wp-json/wc/v3/orders", nil, &orders); resp.StatusCode != 200 {
		t.Fatalf("Basic over HTTPS: %d", resp.StatusCode)
	}
}

func TestPaginationHeadersAndLimits(t *testing.T) {
	st := newStore(t, wcsim.Options{PerPage: 2})
	st.s.AddListing("SKU-1", 100)
	for i := 0; i < 5; i++ {
		if _, err := st.s.PlaceOrder(wcsim.OrderInput{Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "2.50"}}}); err != nil {
			t.Fatal(err)
		}
	}
	var page []map[string]any
	resp := st.call("GET", "/wp-json/wc/v3/orders?page=2&orderby=id&order=asc", nil, &page)
	if resp.Header.Get("X-WP-Total") != "5" || resp.Header.Get("X-WP-TotalPages") != "3" || len(page) != 2 {
		t.Fatalf("headers %v, %d orders", resp.Header, len(page))
	}
	link := resp.Header.Get("Link")
	for _, rel := range []string{`page=1>; rel="prev"`, `page=3>; rel="next"`, `rel="first"`, `page=3>; rel="last"`} {
		if !strings.Contains(link, rel) {
			t.Fatalf("Link %q lacks %s", link, rel)
		}
	}
	var e wpErr
	if resp := st.call("GET", "/wp-json/wc/v3/orders?per_page=101", nil, &e); resp.StatusCode != 400 || e.Code != "rest_invalid_param" {
		t.Fatalf("per_page 101: %d %+v", resp.StatusCode, e)
	}
	resp = st.call("GET", "/wp-json/wc/v3/orders?page=9", nil, &page)
	if resp.StatusCode != 200 || len(page) != 0 {
		t.Fatalf("past the last page: %d, %d orders", resp.StatusCode, len(page))
	}
	if resp := st.call("GET", "/wp-json/wc/v3/nothing", nil, &e); resp.StatusCode != 404 || e.Code != "rest_no_route" {
		t.Fatalf("unknown route: %d %+v", resp.StatusCode, e)
	}
	if resp := st.call("GET", "/?rest_route=/wc/v3/orders", nil, &page); resp.StatusCode != 200 || len(page) != 2 {
		t.Fatalf("rest_route: %d", resp.StatusCode)
	}
}

func TestOrderJSONBlanksNullsAndDateTwins(t *testing.T) {
	st := newStore(t, wcsim.Options{Timezone: time.FixedZone("AEST", 10*3600)})
	st.s.AddListing("SKU-1", 3)
	id, err := st.s.PlaceOrder(wcsim.OrderInput{Status: "on-hold", Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 3, UnitPrice: "14.99", Total: "39.97"}}})
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	st.call("GET", fmt.Sprintf("/wp-json/wc/v3/orders/%d", id), nil, &o)
	if o["date_created"] != "2026-03-15T00:12:44" || o["date_created_gmt"] != "2026-03-14T14:12:44" {
		t.Fatalf("dates %v / %v", o["date_created"], o["date_created_gmt"])
	}
	if o["date_paid"] != nil || o["date_completed_gmt"] != nil {
		t.Fatalf("an unpaid order has paid %v completed %v", o["date_paid"], o["date_completed_gmt"])
	}
	ship := o["shipping"].(map[string]any)
	if ship["address_1"] != "" || ship["company"] != "" {
		t.Fatalf("blank shipping: %v", ship)
	}
	line := o["line_items"].([]any)[0].(map[string]any)
	if line["total"] != "39.97" || line["price"].(float64) < 13.3233 || line["price"].(float64) > 13.3234 || line["parent_name"] != nil {
		t.Fatalf("line: %v", line)
	}
	if o["total"] != "39.97" || len(o["shipping_lines"].([]any)) != 0 {
		t.Fatalf("order: total %v shipping lines %v", o["total"], o["shipping_lines"])
	}
	if q, _ := st.s.Quantity("SKU-1"); q != 0 {
		t.Fatalf("an on-hold order left %d in stock", q)
	}
}

func TestBatchLimitAndItemErrors(t *testing.T) {
	st := newStore(t, wcsim.Options{})
	ids, err := st.s.AddProduct(wcsim.ProductInput{Name: "Tee", Variations: []wcsim.VariationInput{{SKU: "TEE-S", StockQuantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	for i := 0; i < 101; i++ {
		items = append(items, map[string]any{"id": ids.ID, "stock_quantity": 1})
	}
	var e wpErr
	resp := st.call("POST", "/wp-json/wc/v3/products/batch", map[string]any{"update": items}, &e)
	if resp.StatusCode != 413 || e.Code != "woocommerce_rest_request_entity_too_large" || e.Message != "Unable to accept more than 100 items for this request." {
		t.Fatalf("101 items: %d %+v", resp.StatusCode, e)
	}
	var out struct {
		Update []struct {
			ID            int64  `json:"id"`
			StockQuantity *int   `json:"stock_quantity"`
			Error         *wpErr `json:"error"`
		} `json:"update"`
	}
	body := map[string]any{"update": []map[string]any{
		{"id": ids.VariationIDs[0], "manage_stock": true, "stock_quantity": 8},
		{"id": 999999, "stock_quantity": 1},
	}}
	resp = st.call("POST", fmt.Sprintf("/wp-json/wc/v3/products/%d/variations/batch", ids.ID), body, &out)
	if resp.StatusCode != 200 || len(out.Update) != 2 || *out.Update[0].StockQuantity != 8 ||
		out.Update[1].Error == nil || out.Update[1].Error.Code != "woocommerce_rest_product_variation_invalid_id" || out.Update[1].ID != 999999 {
		t.Fatalf("batch: %d %+v", resp.StatusCode, out)
	}
	// stock_quantity is ignored while the product does not manage stock.
	plain, _ := st.s.AddProduct(wcsim.ProductInput{Name: "Card", SKU: "CARD", Unmanaged: true})
	var p map[string]any
	st.call("PUT", fmt.Sprintf("/wp-json/wc/v3/products/%d", plain.ID), map[string]any{"stock_quantity": 5}, &p)
	if p["stock_quantity"] != nil || p["manage_stock"] != false {
		t.Fatalf("unmanaged product: %v %v", p["manage_stock"], p["stock_quantity"])
	}
	// A SKU search finds variations too.
	var found []map[string]any
	st.call("GET", "/wp-json/wc/v3/products?sku=TEE-S,CARD", nil, &found)
	if len(found) != 2 {
		t.Fatalf("sku search: %v", found)
	}
}

func TestNotesAndStatusUpdates(t *testing.T) {
	st := newStore(t, wcsim.Options{})
	st.s.AddListing("SKU-1", 3)
	id, _ := st.s.PlaceOrder(wcsim.OrderInput{Lines: []wcsim.LineInput{{SKU: "SKU-1", Quantity: 1, UnitPrice: "1.00"}}})
	var e wpErr
	if resp := st.call("POST", fmt.Sprintf("/wp-json/wc/v3/orders/%d/notes", id), map[string]any{}, &e); resp.StatusCode != 400 || e.Code != "rest_missing_callback_param" {
		t.Fatalf("note without text: %d %+v", resp.StatusCode, e)
	}
	if resp := st.call("POST", "/wp-json/wc/v3/orders/1/notes", map[string]any{"note": "x"}, &e); resp.StatusCode != 404 || e.Code != "woocommerce_rest_order_invalid_id" {
		t.Fatalf("note on an unknown order: %d %+v", resp.StatusCode, e)
	}
	if resp := st.call("POST", fmt.Sprintf("/wp-json/wc/v3/orders/%d", id), map[string]any{"status": "shipped"}, &e); resp.StatusCode != 400 || e.Code != "rest_invalid_param" {
		t.Fatalf("unknown status: %d %+v", resp.StatusCode, e)
	}
	var o map[string]any
	if resp := st.call("POST", fmt.Sprintf("/wp-json/wc/v3/orders/%d?_method=PUT", id), map[string]any{"status": "completed"}, &o); resp.StatusCode != 200 || o["status"] != "completed" || o["date_completed_gmt"] == nil {
		t.Fatalf("complete: %d %v", resp.StatusCode, o["status"])
	}
}
