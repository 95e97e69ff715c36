package amazon

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

	"github.com/manifold-oms/manifold/server/sim"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server
	clk *testClock
}

func newFixture(t *testing.T, opts Options) *fixture {
	clk := &testClock{t: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)}
	opts.Clock = clk.now
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, s: s, srv: srv, clk: clk}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(method, path, token, contentType, body string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (f *fixture) token() string {
	f.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.s.opts.RefreshToken},
		"client_id": {f.s.opts.ClientID}, "client_secret": {f.s.opts.ClientSecret}}
	a := f.do("POST", LWAPath, "", "application/x-www-form-urlencoded", form.Encode())
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if a.status != 200 || json.Unmarshal([]byte(a.body), &out) != nil {
		f.t.Fatalf("LWA: %d %s", a.status, a.body)
	}
	return out.AccessToken
}

func (f *fixture) expect(a answer, status int, contains ...string) {
	f.t.Helper()
	if a.status != status {
		f.t.Fatalf("status %d (%s), want %d", a.status, a.body, status)
	}
	for _, c := range contains {
		if !strings.Contains(a.body, c) {
			f.t.Errorf("body %s lacks %q", a.body, c)
		}
	}
}

const ordersQ = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T10:00:00Z"

func TestUnauthorizedBodies(t *testing.T) {
	f := newFixture(t, Options{})
	f.expect(f.do("GET", ordersQ, "", "", ""), 403,
		`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied."}]}`)
	f.expect(f.do("GET", ordersQ, "Atza|forged", "", ""), 403, "The access token you provided is revoked, malformed or invalid.")
	tok := f.token()
	a := f.do("GET", ordersQ, tok, "", "")
	f.expect(a, 200, `"Orders":[]`, `"LastUpdatedBefore":"2026-03-15T11:58:00Z"`)
	if a.header.Get("x-amzn-RequestId") == "" || a.header.Get("x-amzn-RateLimit-Limit") != "0.0167" {
		t.Errorf("headers %v", a.header)
	}
	f.clk.advance(time.Hour)
	f.expect(f.do("GET", ordersQ, tok, "", ""), 403, "The access token you provided has expired.")
	f.expect(f.do("GET", "/orders/v1/nothing", tok, "", ""), 404, `"code":"NotFound"`)
}

func TestLWAErrors(t *testing.T) {
	f := newFixture(t, Options{})
	o := f.s.opts
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	ct := "application/x-www-form-urlencoded"
	f.expect(f.do("POST", LWAPath, "", "application/json", `{}`), 400, `"error":"invalid_request"`)
	f.expect(f.do("POST", LWAPath, "", ct, form("grant_type", "password", "client_id", o.ClientID, "client_secret", o.ClientSecret)),
		400, `"error":"unsupported_grant_type"`)
	f.expect(f.do("POST", LWAPath, "", ct, form("grant_type", "refresh_token", "refresh_token", o.RefreshToken,
		"client_id", o.ClientID, "client_secret", "nope")), 401, `"error":"invalid_client"`)
	f.expect(f.do("POST", LWAPath, "", ct, form("grant_type", "refresh_token", "refresh_token", "Atzr|old",
		"client_id", o.ClientID, "client_secret", o.ClientSecret)), 400, `"error":"invalid_grant"`)
	a := f.do("POST", LWAPath, "", ct, form("grant_type", "client_credentials", "scope", "sellingpartnerapi::notifications",
		"client_id", o.ClientID, "client_secret", o.ClientSecret))
	f.expect(a, 200, `"expires_in":3600`)
	var g struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(a.body), &g)
	f.expect(f.do("GET", ordersQ, g.AccessToken, "", ""), 403, "Unauthorized") // grantless tokens read no orders
}

func TestGetOrdersIsStrict(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.token()
	for q, want := range map[string]string{
		"LastUpdatedAfter=2026-03-15T10:00:00Z":                                                                     "Missing required parameter MarketplaceIds",
		"MarketplaceIds=A1F83G8C2ARO7P&LastUpdatedAfter=2026-03-15T10:00:00Z":                                       "Invalid MarketplaceIds",
		"MarketplaceIds=ATVPDKIKX0DER":                                                                              "Either CreatedAfter or LastUpdatedAfter",
		"MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-03-15T10:00:00Z&LastUpdatedAfter=2026-03-15T10:00:00Z":      "cannot both",
		"MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-03-15T10:00:00Z&LastUpdatedBefore=2026-03-15T11:00:00Z":     "cannot be combined",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=03/14/2026":                                                  "ISO 8601",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T10:00:00Z&LastUpdatedBefore=2026-03-15T11:59:00Z": "two minutes",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T11:59:00Z":                                        "two minutes",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T10:00:00Z&LastUpdatedBefore=2026-03-15T09:00:00Z": "must be later",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T10:00:00Z&MaxResultsPerPage=101":                  "MaxResultsPerPage",
		"MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-03-15T10:00:00Z&OrderStatuses=Cancelled":                "Invalid OrderStatuses",
		"MarketplaceIds=ATVPDKIKX0DER&NextToken=garbage":                                                            "Invalid NextToken",
	} {
		f.expect(f.do("GET", "/orders/v0/orders?"+q, tok, "", ""), 400, `"code":"InvalidInput"`, want)
	}
}

func TestPaginationAndFilters(t *testing.T) {
	f := newFixture(t, Options{PageSize: 2})
	tok := f.token()
	base := f.clk.now().Add(-time.Hour)
	var ids []string
	for i := range 5 {
		ids = append(ids, f.s.CreateOrder(sim.Order{Lines: []sim.Line{{SKU: "A", Quantity: 1, UnitPrice: "1.00"}},
			PlacedAt: base.Add(time.Duration(i) * time.Minute)}))
	}
	if err := f.s.CancelOrder(ids[4]); err != nil { // now LastUpdateDate is 12:00, beyond the window
		t.Fatal(err)
	}
	var got []string
	q := ordersQ
	for page := 0; ; page++ {
		var out struct {
			Payload struct {
				Orders []struct {
					AmazonOrderID string `json:"AmazonOrderId"`
				}
				NextToken string
			}
		}
		a := f.do("GET", q, tok, "", "")
		f.expect(a, 200)
		_ = json.Unmarshal([]byte(a.body), &out)
		for _, o := range out.Payload.Orders {
			got = append(got, o.AmazonOrderID)
		}
		if out.Payload.NextToken == "" {
			break
		}
		if page > 3 {
			t.Fatal("pagination does not end")
		}
		q = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken=" + url.QueryEscape(out.Payload.NextToken)
	}
	if strings.Join(got, ",") != strings.Join(ids[:4], ",") {
		t.Errorf("pages gave %v, want %v", got, ids[:4])
	}
	a := f.do("GET", ordersQ+"&OrderStatuses=Canceled&MaxResultsPerPage=1", tok, "", "")
	f.expect(a, 200, `"Orders":[]`)
	f.clk.advance(3 * time.Minute)
	f.expect(f.do("GET", ordersQ+"&OrderStatuses=Canceled", tok, "", ""), 200, ids[4])
}

func TestRateLimitBucket(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.token()
	for i := range 20 {
		if a := f.do("GET", ordersQ, tok, "", ""); a.status != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, a.status)
		}
	}
	a := f.do("GET", ordersQ, tok, "", "")
	f.expect(a, 429, `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`)
	if a.header.Get("x-amzn-RateLimit-Limit") != "0.0167" {
		t.Errorf("429 headers %v", a.header)
	}
	f.clk.advance(30 * time.Second)
	f.expect(f.do("GET", ordersQ, tok, "", ""), 429)
	f.clk.advance(30 * time.Second)
	f.expect(f.do("GET", ordersQ, tok, "", ""), 200)
}

func TestRestrictedDataTokens(t *testing.T) {
	f := newFixture(t, Options{RDTLifetime: time.Minute})
	id := f.s.CreateOrder(sim.Order{BuyerName: "Dana", BuyerEmail: "d@marketplace.amazon.com",
		Address: sim.Address{Name: "Dana", Line1: "218 Maple", City: "COLUMBUS", Region: "OH", PostalCode: "43215", Country: "US"},
		Lines:   []sim.Line{{SKU: "A", Quantity: 1}}, PlacedAt: f.clk.now().Add(-time.Hour)})
	tok := f.token()
	rdtPath := "/tokens/2021-03-01/restrictedDataToken"
	f.expect(f.do("POST", rdtPath, tok, "application/json", `{"restrictedResources":[]}`), 400, "between 1 and 50")
	f.expect(f.do("POST", rdtPath, tok, "application/json",
		`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders","dataElements":["creditCard"]}]}`), 400, "creditCard")
	f.expect(f.do("POST", rdtPath, tok, "text/plain", `{}`), 415)
	a := f.do("POST", rdtPath, tok, "application/json",
		`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/{orderId}","dataElements":["shippingAddress"]}]}`)
	f.expect(a, 200, `"expiresIn":60`)
	var r struct {
		Token string `json:"restrictedDataToken"`
	}
	_ = json.Unmarshal([]byte(a.body), &r)
	if !strings.HasPrefix(r.Token, "Atz.sprdt|") {
		t.Fatalf("rdt %q", r.Token)
	}
	// The template covers one order, with the address but not buyer info.
	f.expect(f.do("GET", "/orders/v0/orders/"+id, r.Token, "", ""), 200, "218 Maple")
	if a := f.do("GET", "/orders/v0/orders/"+id, r.Token, "", ""); strings.Contains(a.body, "BuyerInfo") {
		t.Errorf("buyer info without the buyerInfo element: %s", a.body)
	}
	f.expect(f.do("GET", ordersQ, r.Token, "", ""), 403, "Unauthorized")
	f.expect(f.do("POST", rdtPath, r.Token, "application/json", `{}`), 403)
	if a := f.do("GET", "/orders/v0/orders/"+id, tok, "", ""); strings.Contains(a.body, "218 Maple") || !strings.Contains(a.body, "COLUMBUS") {
		t.Errorf("LWA token sees %s", a.body)
	}
	f.clk.advance(time.Minute)
	f.expect(f.do("GET", "/orders/v0/orders/"+id, r.Token, "", ""), 403, "has expired")
}

func TestShipmentAndListingValidation(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.token()
	f.s.AddListing("A", 5)
	id := f.s.CreateOrder(sim.Order{Lines: []sim.Line{{SKU: "A", Quantity: 2, UnitPrice: "4.00"}}, PlacedAt: f.clk.now().Add(-time.Hour)})
	var items struct {
		Payload struct {
			OrderItems []struct {
				OrderItemID string `json:"OrderItemId"`
			}
		}
	}
	_ = json.Unmarshal([]byte(f.do("GET", "/orders/v0/orders/"+id+"/orderItems", tok, "", "").body), &items)
	item := items.Payload.OrderItems[0].OrderItemID
	path := "/orders/v0/orders/" + id + "/shipmentConfirmation"
	body := func(detail string) string {
		return `{"marketplaceId":"ATVPDKIKX0DER","packageDetail":{` + detail + `}}`
	}
	ok := `"packageReferenceId":"1","carrierCode":"UPS","trackingNumber":"1Z","shipDate":"2026-03-15T11:00:00Z","orderItems":[{"orderItemId":"` + item + `","quantity":1}]`
	f.expect(f.do("POST", path, tok, "application/json", `{"packageDetail":{}}`), 400, "marketplaceId")
	f.expect(f.do("POST", path, tok, "application/json", body(strings.Replace(ok, `"packageReferenceId":"1",`, "", 1))), 400, "packageReferenceId")
	f.expect(f.do("POST", path, tok, "application/json", body(strings.Replace(ok, `"UPS"`, `"Other"`, 1))), 400, "carrierName is required")
	f.expect(f.do("POST", path, tok, "application/json", body(strings.Replace(ok, "2026-03-15T11:00:00Z", "02/21/2022", 1))), 400, "ISO 8601")
	f.expect(f.do("POST", path, tok, "application/json", body(strings.Replace(ok, `"1"`, `"-1"`, 1))), 400, "positive number")
	f.expect(f.do("POST", path, tok, "application/json", body(ok)), 204)
	f.expect(f.do("POST", path, tok, "application/json", body(ok)), 204) // same package: an edit
	if p := f.s.Packages(); len(p) != 1 || p[0].Items[item] != 1 {
		t.Errorf("packages %+v", p)
	}

	lp := "/listings/2021-08-01/items/" + DefaultSellerID + "/A?marketplaceIds=ATVPDKIKX0DER"
	patch := `{"productType":"PRODUCT","patches":[{"op":"merge","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":%s}]}]}`
	f.expect(f.do("PATCH", lp, tok, "application/json", `{"patches":[]}`), 400, "productType")
	f.expect(f.do("PATCH", lp, tok, "application/json", `{"productType":"PRODUCT","patches":[]}`), 400, "patches")
	f.expect(f.do("PATCH", strings.Replace(lp, "?marketplaceIds=ATVPDKIKX0DER", "", 1), tok, "application/json",
		strings.Replace(patch, "%s", "1", 1)), 400, "marketplaceIds")
	f.expect(f.do("PATCH", strings.Replace(lp, DefaultSellerID, "AOTHERSELLER", 1), tok, "application/json",
		strings.Replace(patch, "%s", "1", 1)), 403)
	f.expect(f.do("PATCH", lp, tok, "application/json", strings.Replace(patch, "%s", "-3", 1)), 200, `"status":"INVALID"`, "0 or greater")
	f.expect(f.do("PATCH", lp, tok, "application/json", strings.Replace(patch, "%s", "9", 1)), 429) // burst of 5 spent
	f.clk.advance(time.Second)
	f.expect(f.do("PATCH", lp+"&mode=VALIDATION_PREVIEW", tok, "application/json", strings.Replace(patch, "%s", "9", 1)), 200, `"status":"VALID"`)
	if q, _ := f.s.Quantity("A"); q != 3 {
		t.Errorf("after a sale of 2 and a preview: %d", q)
	}
	f.expect(f.do("PATCH", lp, tok, "application/json", strings.Replace(patch, "%s", "9", 1)), 200, `"status":"ACCEPTED"`)
	f.expect(f.do("GET", lp+"&includedData=fulfillmentAvailability", tok, "", ""), 200,
		`"fulfillmentAvailability":[{"fulfillmentChannelCode":"DEFAULT","quantity":9}]`)
}

func TestControlAPIAndConcurrency(t *testing.T) {
	f := newFixture(t, Options{NoRateLimits: true})
	f.expect(f.do("PUT", "/_sim/listings/SKU-1", "", "application/json", `{"quantity":4}`), 204)
	f.expect(f.do("PUT", "/_sim/listings/SKU-1", "", "application/json", `{"quantity":-1}`), 400)
	f.expect(f.do("GET", "/_sim/listings", "", "", ""), 200, `{"SKU-1":4}`)
	f.expect(f.do("GET", "/_sim/credentials", "", "", ""), 200, `"seller_id":"A3TH9S8BH6GOGM"`)
	f.expect(f.do("POST", "/_sim/faults", "", "application/json", `{"fault":"expire_tokens"}`), 204)
	f.expect(f.do("GET", "/_sim/shipments", "", "", ""), 200, `[]`)
	f.expect(f.do("POST", "/_sim/orders/nope/status", "", "application/json", `{"status":"Shipped"}`), 400)

	tok := f.token()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.s.CreateOrder(sim.Order{Lines: []sim.Line{{SKU: "SKU-1", Quantity: 1}}, PlacedAt: f.clk.now().Add(-time.Hour)})
			req, _ := http.NewRequest("GET", f.srv.URL+ordersQ, nil)
			req.Header.Set("x-amz-access-token", tok)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			_ = f.s.InjectFault(FaultServerError, i%2)
			f.s.Quantity("SKU-1")
		}()
	}
	wg.Wait()
	if q, _ := f.s.Quantity("SKU-1"); q != 0 {
		t.Errorf("8 sales of a listing of 4 left %d", q)
	}
}
