package ebay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/sim/ebay"
)

type harness struct {
	t   *testing.T
	s   *ebay.Server
	srv *httptest.Server
	mu  sync.Mutex
	now time.Time
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func newHarness(t *testing.T, opts ebay.Options) *harness {
	h := &harness{t: t, now: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	opts.Clock = func() time.Time {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.now
	}
	h.s = ebay.New(opts)
	h.srv = httptest.NewServer(h.s)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) token(grant, scope string) (int, map[string]any) {
	h.t.Helper()
	form := url.Values{"grant_type": {grant}, "scope": {scope}}
	if grant == "refresh_token" {
		form.Set("refresh_token", ebay.DefaultRefreshToken)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/identity/v1/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ebay.DefaultClientID, ebay.DefaultClientSecret)
	return h.send(req)
}

func (h *harness) send(req *http.Request) (int, map[string]any) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func (h *harness) bearer(scope string) string {
	h.t.Helper()
	grant := "refresh_token"
	if scope == "https://api.ebay.com/oauth/api_scope" {
		grant = "client_credentials"
	}
	status, body := h.token(grant, scope)
	if status != http.StatusOK {
		h.t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

func (h *harness) call(method, pathQuery, tok, contentType, body string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+pathQuery, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return h.send(req)
}

func firstError(body map[string]any) (float64, string) {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return 0, ""
	}
	e := errs[0].(map[string]any)
	id, _ := e["errorId"].(float64)
	msg, _ := e["message"].(string)
	return id, msg
}

const fulfillment = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"

func TestTokenEndpoint(t *testing.T) {
	h := newHarness(t, ebay.Options{})
	status, body := h.token("refresh_token", fulfillment)
	if status != 200 || body["expires_in"] != float64(7200) || body["token_type"] != "User Access Token" {
		t.Fatalf("refresh: %d %v", status, body)
	}
	if status, body = h.token("refresh_token", "https://api.ebay.com/oauth/api_scope/sell.finances"); status != 400 || body["error"] != "invalid_scope" {
		t.Fatalf("scope beyond consent: %d %v", status, body)
	}
	if status, body = h.token("client_credentials", "https://api.ebay.com/oauth/api_scope"); status != 200 || body["token_type"] != "Application Access Token" {
		t.Fatalf("client credentials: %d %v", status, body)
	}
	if status, body = h.token("password", ""); status != 400 || body["error"] != "unsupported_grant_type" {
		t.Fatalf("grant: %d %v", status, body)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/identity/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ebay.DefaultClientID, "nope")
	if status, body = h.send(req); status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("bad secret: %d %v", status, body)
	}
}

func TestGetOrdersIsStrict(t *testing.T) {
	h := newHarness(t, ebay.Options{PageSizeCap: 1})
	for range 3 {
		if _, err := h.s.PlaceOrder(ebay.OrderSpec{Lines: []ebay.LineSpec{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}}}); err != nil {
			t.Fatal(err)
		}
	}
	tok := h.bearer(fulfillment)
	const path = "/sell/fulfillment/v1/order?filter=lastmodifieddate:%5B2026-03-14T00:00:00.000Z..%5D"
	for _, c := range []struct {
		name, query string
		tok         string
		status      int
		id          float64
	}{
		{"no token", path, "", 401, 1002},
		{"unknown token", path, "v^1.1#forged", 401, 1001},
		{"limit over 200", path + "&limit=201", tok, 400, 31100},
		{"negative offset", path + "&offset=-1", tok, 400, 31000},
		{"raw brackets", "/sell/fulfillment/v1/order?filter=lastmodifieddate:[2026-03-14T00:00:00.000Z..]", tok, 400, 30800},
		{"bad date", "/sell/fulfillment/v1/order?filter=lastmodifieddate:%5B2026-03-14..%5D", tok, 400, 30810},
		{"future", "/sell/fulfillment/v1/order?filter=lastmodifieddate:%5B2027-03-14T00:00:00.000Z..%5D", tok, 400, 30850},
		{"too far back", "/sell/fulfillment/v1/order?filter=lastmodifieddate:%5B2023-03-14T00:00:00.000Z..%5D", tok, 400, 30830},
		{"unknown filter", "/sell/fulfillment/v1/order?filter=color:red", tok, 400, 30700},
		{"51 order ids", "/sell/fulfillment/v1/order?orderIds=" + strings.Repeat("1,", 50) + "1", tok, 400, 30900},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := h.call("GET", c.query, c.tok, "", "")
			if id, _ := firstError(body); status != c.status || id != c.id {
				t.Fatalf("%d %v, want %d with errorId %v", status, body, c.status, c.id)
			}
		})
	}
	status, body := h.call("GET", path+"&limit=50", tok, "", "")
	next, _ := body["next"].(string)
	if status != 200 || body["total"] != float64(3) || body["limit"] != float64(1) || !strings.Contains(next, "offset=1") || !strings.Contains(next, "%5B") {
		t.Fatalf("first page: %d %v", status, body)
	}
	status, body = h.call("GET", strings.TrimPrefix(next, h.srv.URL), tok, "", "")
	if status != 200 || body["offset"] != float64(1) || body["prev"] == nil {
		t.Fatalf("second page: %d %v", status, body)
	}
	status, body = h.call("GET", path+"&offset=2", tok, "", "")
	if status != 200 || body["next"] != nil || len(body["orders"].([]any)) != 1 {
		t.Fatalf("last page: %d %v", status, body)
	}
	// Absent optionals are omitted, never null; getOrders leaves out cancelRequests.
	o := body["orders"].([]any)[0].(map[string]any)
	if _, has := o["buyerCheckoutNotes"]; has {
		t.Error("empty buyerCheckoutNotes was sent")
	}
	if _, has := o["cancelStatus"].(map[string]any)["cancelRequests"]; has {
		t.Error("getOrders returned cancelRequests")
	}
}

func TestQuotaAndErrorBodies(t *testing.T) {
	h := newHarness(t, ebay.Options{Quotas: ebay.Quotas{Inventory: 1}})
	inv := h.bearer("https://api.ebay.com/oauth/api_scope/sell.inventory")
	body := `{"requests":[{"sku":"A","shipToLocationAvailability":{"quantity":1}}]}`
	status, resp := h.call("POST", "/sell/inventory/v1/bulk_update_price_quantity", inv, "application/json", body)
	if id, _ := firstError(resp); status != 400 || id != 25709 {
		t.Fatalf("no Content-Language: %d %v", status, resp)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/sell/inventory/v1/bulk_update_price_quantity", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+inv)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Language", "en-US")
	if status, resp = h.send(req); status != 429 {
		t.Fatalf("over the daily quota of 1: %d %v", status, resp)
	}
	raw, _ := json.Marshal(resp)
	want := `{"errors":[{"category":"REQUEST","domain":"ACCESS","errorId":2001,"longMessage":"The request limit has been reached for the resource.","message":"Too many requests."}]}`
	if string(raw) != want {
		t.Fatalf("429 body %s\nwant %s", raw, want)
	}
	// A user token cannot fetch notification keys; a fulfillment token cannot touch inventory.
	if status, resp = h.call("GET", "/commerce/notification/v1/public_key/x", h.bearer(fulfillment), "", ""); status != 403 {
		t.Fatalf("public key with a user token: %d %v", status, resp)
	}
	if status, resp = h.call("GET", "/commerce/notification/v1/public_key/x", h.bearer("https://api.ebay.com/oauth/api_scope"), "", ""); status != 404 {
		t.Fatalf("unknown kid: %d %v", status, resp)
	} else if id, _ := firstError(resp); id != 195001 {
		t.Fatalf("unknown kid body %v", resp)
	}
}

func TestTokensExpire(t *testing.T) {
	h := newHarness(t, ebay.Options{AccessTokenTTL: time.Minute})
	tok := h.bearer(fulfillment)
	if status, _ := h.call("GET", "/sell/fulfillment/v1/order", tok, "", ""); status != 200 {
		t.Fatalf("fresh token refused: %d", status)
	}
	h.advance(time.Minute)
	status, body := h.call("GET", "/sell/fulfillment/v1/order", tok, "", "")
	if id, msg := firstError(body); status != 401 || id != 1001 || msg != "Invalid access token" {
		t.Fatalf("expired token: %d %v", status, body)
	}
}
