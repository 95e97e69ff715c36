package walmart_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

// client speaks to the simulator as a careful integrator would, and lets a
// test break one rule at a time.
type client struct {
	t     *testing.T
	base  string
	s     *wmsim.Server
	token string
}

func newClient(t *testing.T, opts wmsim.Options) *client {
	t.Helper()
	s := wmsim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := &client{t: t, base: srv.URL, s: s}
	status, _, body := c.tokenRequest("grant_type=client_credentials", s.Credentials()["client_id"], s.Credentials()["client_secret"])
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if status != 200 || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token: %d %s", status, body)
	}
	c.token = tok.AccessToken
	return c
}

func (c *client) tokenRequest(form, id, secret string) (int, http.Header, []byte) {
	return c.raw(http.MethodPost, "/v3/token", []byte(form), func(h http.Header) {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		h.Del("WM_SEC.ACCESS_TOKEN")
	})
}

// raw sends a request with every required header, then lets edit change them.
func (c *client) raw(method, pathQuery string, body []byte, edit func(http.Header)) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+pathQuery, strings.NewReader(string(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("WM_SVC.NAME", "Walmart Marketplace")
	req.Header.Set("WM_QOS.CORRELATION_ID", "8d1c7c4e-1f0b-4d4c-9c51-2f7e0c2b9a10")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("WM_SEC.ACCESS_TOKEN", c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if edit != nil {
		edit(req.Header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

func (c *client) get(pathQuery string) (int, []byte) {
	status, _, body := c.raw(http.MethodGet, pathQuery, nil, nil)
	return status, body
}

// errorCode reads the first code of Walmart's error envelope.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Errors []struct {
			Code        string `json:"code"`
			Description string `json:"description"`
			Severity    string `json:"severity"`
			Category    string `json:"category"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) == 0 || env.Errors[0].Severity != "ERROR" || env.Errors[0].Category == "" {
		t.Fatalf("not Walmart's error envelope: %s", body)
	}
	return env.Errors[0].Code
}

type list struct {
	List struct {
		Meta struct {
			TotalCount int    `json:"totalCount"`
			Limit      int    `json:"limit"`
			NextCursor string `json:"nextCursor"`
		} `json:"meta"`
		Elements struct {
			Order []struct {
				PurchaseOrderID string `json:"purchaseOrderId"`
				OrderDate       any    `json:"orderDate"`
			} `json:"order"`
		} `json:"elements"`
	} `json:"list"`
}

func decodeList(t *testing.T, body []byte) list {
	t.Helper()
	var l list
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("list: %v: %s", err, body)
	}
	return l
}

func order(n int) sim.Order {
	return sim.Order{BuyerName: "Buyer " + strconv.Itoa(n), BuyerEmail: "b@example.com",
		Address: sim.Address{Name: "Buyer", Line1: "1 Main St", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US"},
		Lines:   []sim.Line{{SKU: "SKU-1", Title: "Thing", Quantity: 2, UnitPrice: "12.50"}}, ServiceLevel: "SecondDay"}
}

func TestMarketplaceMethods(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	s := c.s
	var m sim.Marketplace = s
	if m.Kind() != "walmart" || m.Credentials()["client_id"] != wmsim.DefaultClientID {
		t.Fatalf("kind %q credentials %v", m.Kind(), m.Credentials())
	}
	m.AddListing("SKU-1", 10)
	if q, ok := m.Quantity("SKU-1"); !ok || q != 10 {
		t.Fatalf("quantity %d %v", q, ok)
	}
	if _, ok := m.Quantity("NOPE"); ok {
		t.Fatal("an unknown SKU has a quantity")
	}
	po := m.CreateOrder(order(1))
	if q, _ := m.Quantity("SKU-1"); q != 8 {
		t.Fatalf("an order of 2 left the listing at %d", q)
	}
	status, body := c.get("/v3/orders/" + po)
	var one struct {
		Order struct {
			PurchaseOrderID string `json:"purchaseOrderId"`
			OrderDate       json.Number
			ShippingInfo    struct {
				MethodCode    string `json:"methodCode"`
				PostalAddress struct {
					Country string `json:"country"`
				} `json:"postalAddress"`
			} `json:"shippingInfo"`
			OrderLines struct {
				OrderLine []struct {
					Charges struct {
						Charge []struct {
							ChargeAmount struct {
								Amount json.RawMessage `json:"amount"`
							} `json:"chargeAmount"`
						} `json:"charge"`
					} `json:"charges"`
					OrderLineQuantity struct {
						Amount json.RawMessage `json:"amount"`
					} `json:"orderLineQuantity"`
				} `json:"orderLine"`
			} `json:"orderLines"`
		} `json:"order"`
	}
	if status != 200 || json.Unmarshal(body, &one) != nil {
		t.Fatalf("get order: %d %s", status, body)
	}
	l := one.Order.OrderLines.OrderLine[0]
	if one.Order.PurchaseOrderID != po || one.Order.ShippingInfo.MethodCode != "Express" ||
		one.Order.ShippingInfo.PostalAddress.Country != "USA" || string(l.Charges.Charge[0].ChargeAmount.Amount) != "25.00" ||
		string(l.OrderLineQuantity.Amount) != `"2"` {
		t.Fatalf("order as Walmart renders it: %s", body)
	}
	if _, err := one.Order.OrderDate.Int64(); err != nil {
		t.Fatalf("orderDate is not epoch milliseconds: %s", body)
	}
	if err := m.CancelOrder(po); err != nil {
		t.Fatal(err)
	}
	if err := m.CancelOrder(po); err == nil {
		t.Fatal("cancelling a cancelled order succeeded")
	}
	if err := m.CancelOrder("404"); err == nil {
		t.Fatal("cancelling an unknown order succeeded")
	}
	if len(m.Shipments()) != 0 {
		t.Fatal("shipments before any shipping")
	}

	po2 := m.CreateOrder(order(2))
	ship := `{"orderShipment":{"orderLines":{"orderLine":[{"lineNumber":"1","sellerOrderId":"OMS-1","orderLineStatuses":{"orderLineStatus":[
		{"status":"Shipped","statusQuantity":{"unitOfMeasurement":"EACH","amount":"2"},
		 "trackingInfo":{"shipDateTime":1773606600000,"carrierName":{"carrier":"UPS"},"methodCode":"Express","trackingNumber":"1Z1"}}]}}]}}}`
	if status, _, body := c.raw(http.MethodPost, "/v3/orders/"+po2+"/shipping", []byte(ship), nil); status != 200 {
		t.Fatalf("shipping: %d %s", status, body)
	}
	sh := m.Shipments()
	if len(sh) != 1 || sh[0].ExternalOrderID != po2 || sh[0].Carrier != "UPS" || sh[0].TrackingNumber != "1Z1" || sh[0].Lines["1"] != 2 {
		t.Fatalf("shipments %+v", sh)
	}
}

func TestGatewayRules(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	cases := []struct {
		name   string
		edit   func(http.Header)
		status int
		code   string
	}{
		{"no service name", func(h http.Header) { h.Del("WM_SVC.NAME") }, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"},
		{"no correlation id", func(h http.Header) { h.Del("WM_QOS.CORRELATION_ID") }, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"},
		{"malformed correlation id", func(h http.Header) { h.Set("WM_QOS.CORRELATION_ID", "a b") }, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"},
		{"xml", func(h http.Header) { h.Set("Accept", "application/xml") }, 400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"},
		{"bearer instead", func(h http.Header) {
			h.Set("Authorization", "Bearer "+h.Get("WM_SEC.ACCESS_TOKEN"))
			h.Del("WM_SEC.ACCESS_TOKEN")
		}, 401, "UNAUTHORIZED.GMP_GATEWAY_API"},
		{"unknown token", func(h http.Header) { h.Set("WM_SEC.ACCESS_TOKEN", "eyJforged") }, 401, "UNAUTHORIZED.GMP_GATEWAY_API"},
	}
	for _, tc := range cases {
		status, _, body := c.raw(http.MethodGet, "/v3/orders", nil, tc.edit)
		if status != tc.status || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	if status, _, body := c.tokenRequest("grant_type=client_credentials", "who", "me"); status != 401 || errorCode(t, body) != "UNAUTHORIZED.GMP_GATEWAY_API" {
		t.Errorf("bad client secret: %d %s", status, body)
	}
	if status, _, body := c.tokenRequest("grant_type=password", wmsim.DefaultClientID, wmsim.DefaultClientSecret); status != 400 {
		t.Errorf("wrong grant: %d %s", status, body)
	}
	if status, body := c.get("/v3/orders?lastModifiedStart=2026-01-01"); status != 400 || errorCode(t, body) != "INVALID_REQUEST_PARAM.GMP_ORDER_API" {
		t.Errorf("misspelt parameter: %d %s", status, body)
	}
	if status, body := c.get("/v3/orders?limit=201"); status != 400 {
		t.Errorf("limit over 200: %d %s", status, body)
	}
	if status, body := c.get("/v3/nothing"); status != 404 || errorCode(t, body) != "CONTENT_NOT_FOUND.GMP_GATEWAY_API" {
		t.Errorf("unknown path: %d %s", status, body)
	}
}

func TestTokensExpire(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newClient(t, wmsim.Options{Clock: clock})
	_, _, body := c.tokenRequest("grant_type=client_credentials", wmsim.DefaultClientID, wmsim.DefaultClientSecret)
	if !strings.Contains(string(body), `"expires_in":900`) {
		t.Fatalf("token answer %s", body)
	}
	if status, _ := c.get("/v3/orders"); status != 200 {
		t.Fatalf("fresh token: %d", status)
	}
	mu.Lock()
	now = now.Add(900 * time.Second)
	mu.Unlock()
	if status, body := c.get("/v3/orders"); status != 401 || errorCode(t, body) != "UNAUTHORIZED.GMP_GATEWAY_API" {
		t.Fatalf("token after 900 s: %d %s", status, body)
	}
}

func TestCursorPagingMustBeVerbatim(t *testing.T) {
	c := newClient(t, wmsim.Options{PageSize: 2})
	var pos []string
	for i := range 5 {
		pos = append(pos, c.s.CreateOrder(order(i)))
	}
	status, body := c.get("/v3/orders?limit=50")
	l := decodeList(t, body)
	if status != 200 || l.List.Meta.TotalCount != 5 || l.List.Meta.Limit != 2 || len(l.List.Elements.Order) != 2 || !strings.HasPrefix(l.List.Meta.NextCursor, "?limit=2&hasMoreElements=true&") {
		t.Fatalf("page 1: %d %s", status, body)
	}
	cursor := l.List.Meta.NextCursor

	// Re-encoding the cursor, or adding to it, is refused.
	reencoded, _ := url.ParseQuery(strings.TrimPrefix(cursor, "?"))
	if status, body := c.get("/v3/orders?" + reencoded.Encode()); status != 400 || errorCode(t, body) != "INVALID_REQUEST_PARAM.GMP_ORDER_API" {
		t.Fatalf("re-encoded cursor: %d %s", status, body)
	}
	if status, _ := c.get("/v3/orders" + cursor + "&limit=2"); status != 400 {
		t.Fatalf("cursor with an extra parameter: %d", status)
	}

	var seen []string
	for _, o := range l.List.Elements.Order {
		seen = append(seen, o.PurchaseOrderID)
	}
	for cursor != "" {
		status, body := c.get("/v3/orders" + cursor)
		if status != 200 {
			t.Fatalf("cursor page: %d %s", status, body)
		}
		l := decodeList(t, body)
		for _, o := range l.List.Elements.Order {
			seen = append(seen, o.PurchaseOrderID)
		}
		cursor = l.List.Meta.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %v", seen)
	}
	for i, po := range seen {
		if po != pos[4-i] {
			t.Fatalf("order %d is %s: want newest first %v", i, po, pos)
		}
	}
}

func TestReleasedExcludesAcknowledgedOrders(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	a, b := c.s.CreateOrder(order(1)), c.s.CreateOrder(order(2))
	for range 2 {
		if status, _, body := c.raw(http.MethodPost, "/v3/orders/"+a+"/acknowledge", nil, nil); status != 200 || !strings.Contains(string(body), `"status":"Acknowledged"`) {
			t.Fatalf("acknowledge: %d %s", status, body)
		}
	}
	_, body := c.get("/v3/orders/released")
	l := decodeList(t, body)
	if len(l.List.Elements.Order) != 1 || l.List.Elements.Order[0].PurchaseOrderID != b {
		t.Fatalf("released: %s", body)
	}
	if status, _ := c.get("/v3/orders/released?lastModifiedStartDate=2026-01-01"); status != 400 {
		t.Fatalf("released with lastModifiedStartDate: %d", status)
	}
	if acks := c.s.Acknowledgements(); len(acks) != 2 || acks[0].Lines != 1 || acks[1].Lines != 0 {
		t.Fatalf("acknowledgements %+v", acks)
	}
}

func TestRateLimitHeadersAndThrottling(t *testing.T) {
	c := newClient(t, wmsim.Options{RateLimit: 2})
	for want := 1; want >= 0; want-- {
		status, h, _ := c.raw(http.MethodGet, "/v3/orders", nil, nil)
		if status != 200 || h.Get("x-current-token-count") != strconv.Itoa(want) || h.Get("x-next-replenishment-time") == "" {
			t.Fatalf("status %d, token count %q", status, h.Get("x-current-token-count"))
		}
	}
	status, h, body := c.raw(http.MethodGet, "/v3/orders", nil, nil)
	if status != 429 || h.Get("x-current-token-count") != "0" || errorCode(t, body) != "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API" {
		t.Fatalf("over the limit: %d %v %s", status, h, body)
	}
	// Buckets are per API.
	if status, _, _ := c.raw(http.MethodGet, "/v3/orders/released", nil, nil); status != 200 {
		t.Fatalf("another API throttled: %d", status)
	}
}

func TestShippingIsStrict(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	po := c.s.CreateOrder(order(1))
	body := func(edit func(string) string) []byte {
		b := `{"orderShipment":{"orderLines":{"orderLine":[{"lineNumber":"1","sellerOrderId":"OMS-1","orderLineStatuses":{"orderLineStatus":[
			{"status":"Shipped","statusQuantity":{"unitOfMeasurement":"EACH","amount":"1"},
			 "trackingInfo":{"shipDateTime":1773606600000,"carrierName":{"carrier":"FedEx"},"methodCode":"Standard","trackingNumber":"F1"}}]}}]}}}`
		return []byte(edit(b))
	}
	cases := map[string]func(string) string{
		"number quantity":   func(b string) string { return strings.Replace(b, `"amount":"1"`, `"amount":1`, 1) },
		"carrier case":      func(b string) string { return strings.Replace(b, `"FedEx"`, `"Fedex"`, 1) },
		"no seller id":      func(b string) string { return strings.Replace(b, `"sellerOrderId":"OMS-1",`, ``, 1) },
		"method code":       func(b string) string { return strings.Replace(b, `"Standard"`, `"Ground"`, 1) },
		"iso ship date":     func(b string) string { return strings.Replace(b, `1773606600000`, `"2026-03-15T20:30:00Z"`, 1) },
		"other without url": func(b string) string { return strings.Replace(b, `{"carrier":"FedEx"}`, `{"otherCarrier":"Acme"}`, 1) },
		"unknown field":     func(b string) string { return strings.Replace(b, `"lineNumber"`, `"lineNo":"1","lineNumber"`, 1) },
	}
	for name, edit := range cases {
		status, _, resp := c.raw(http.MethodPost, "/v3/orders/"+po+"/shipping", body(edit), nil)
		if status != 400 || !strings.HasPrefix(errorCode(t, resp), "INVALID_REQUEST_CONTENT") {
			t.Errorf("%s: %d %s", name, status, resp)
		}
	}
	if len(c.s.Shipments()) != 0 {
		t.Fatal("a refused shipment was recorded")
	}
	if status, _, resp := c.raw(http.MethodPost, "/v3/orders/"+po+"/shipping", body(func(b string) string { return b }), nil); status != 200 {
		t.Fatalf("valid shipment: %d %s", status, resp)
	}
}

func TestInventoryAndSellerCancel(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	c.s.AddListing("TENT 2P", 4)
	put := func(sku, body string) (int, []byte) {
		status, _, resp := c.raw(http.MethodPut, "/v3/inventory?sku="+strings.ReplaceAll(url.QueryEscape(sku), "+", "%20"), []byte(body), nil)
		return status, resp
	}
	if status, resp := put("TENT 2P", `{"sku":"TENT 2P","quantity":{"unit":"EACH","amount":9}}`); status != 200 || !strings.Contains(string(resp), `"amount":9`) {
		t.Fatalf("put: %d %s", status, resp)
	}
	if q, _ := c.s.Quantity("TENT 2P"); q != 9 {
		t.Fatalf("quantity %d", q)
	}
	if status, resp := put("NOPE", `{"sku":"NOPE","quantity":{"unit":"EACH","amount":1}}`); status != 404 || errorCode(t, resp) != "CONTENT_NOT_FOUND.GMP_INVENTORY_API" {
		t.Fatalf("unknown sku: %d %s", status, resp)
	}
	if status, _ := put("TENT 2P", `{"sku":"TENT 2P","quantity":{"unit":"EACH","amount":"9"}}`); status != 400 {
		t.Fatalf("string amount: %d", status)
	}
	if status, body := c.get("/v3/inventory?sku=TENT%202P"); status != 200 || !strings.Contains(string(body), `"amount":9`) {
		t.Fatalf("get inventory: %d %s", status, body)
	}

	po := c.s.CreateOrder(order(1))
	cancel := `{"orderCancellation":{"orderLines":{"orderLine":[{"lineNumber":"1","orderLineStatuses":{"orderLineStatus":[
		{"status":"Cancelled","cancellationReason":"SELLER_CANCEL_OUT_OF_STOCK","statusQuantity":{"unitOfMeasurement":"EACH","amount":"1"}}]}}]}}}`
	status, _, resp := c.raw(http.MethodPost, "/v3/orders/"+po+"/cancel", []byte(cancel), nil)
	if status != 200 || !strings.Contains(string(resp), `"cancellationReason":"SELLER_CANCEL_OUT_OF_STOCK"`) || !strings.Contains(string(resp), `"status":"Created"`) {
		t.Fatalf("partial seller cancel: %d %s", status, resp)
	}
}

func TestControlAPI(t *testing.T) {
	c := newClient(t, wmsim.Options{})
	call := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}
	status, body := call("POST", "/_sim/orders", `{"purchaseOrderId":"5550001","address":{"Name":"A","Line1":"1 St","City":"X","Region":"TX","PostalCode":"1"},
		"methodCode":"OneDay","lines":[{"sku":"S","quantity":1,"unitPrice":"3.00"}]}`)
	if status != 201 || !strings.Contains(string(body), `"5550001"`) {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, body := call("POST", "/_sim/orders", `{"lines":[]}`); status != 400 {
		t.Fatalf("empty order: %d %s", status, body)
	}
	if status, body := call("GET", "/_sim/orders", ""); status != 200 || !strings.Contains(string(body), `"methodCode":"OneDay"`) {
		t.Fatalf("list: %d %s", status, body)
	}
	if status, body := call("POST", "/_sim/listings", `{"sku":"S","quantity":7}`); status != 201 {
		t.Fatalf("add listing: %d %s", status, body)
	}
	if status, body := call("GET", "/_sim/listings?sku=S", ""); status != 200 || !strings.Contains(string(body), `"quantity":7`) {
		t.Fatalf("listing: %d %s", status, body)
	}
	if status, body := call("POST", "/_sim/orders/5550001/cancel", `{"lines":["1"]}`); status != 200 || !strings.Contains(string(body), `"Cancelled"`) {
		t.Fatalf("cancel: %d %s", status, body)
	}
	if status, body := call("GET", "/_sim/acknowledgements", ""); status != 200 || string(body) != `{"acknowledgements":[]}` {
		t.Fatalf("acknowledgements: %d %s", status, body)
	}
	if status, body := call("GET", "/_sim/shipments", ""); status != 200 || !strings.Contains(string(body), `"shipments"`) {
		t.Fatalf("shipments: %d %s", status, body)
	}
	for _, f := range []string{"429", "500", "401", "malformed"} {
		if status, body := call("POST", "/_sim/faults", `{"fault":"`+f+`","count":1}`); status != 204 {
			t.Fatalf("fault %s: %d %s", f, status, body)
		}
	}
	for _, want := range []int{429, 500, 401, 200} {
		status, body := c.get("/v3/orders/5550001")
		if status != want || (want == 200) == json.Valid(body) {
			t.Fatalf("faulted request: %d %s, want %d", status, body, want)
		}
	}
	if status, body := c.get("/v3/orders/5550001"); status != 200 || !json.Valid(body) {
		t.Fatalf("after the faults: %d %s", status, body)
	}
	if status, _ := call("POST", "/_sim/faults", `{"fault":"token_expiry"}`); status != 204 {
		t.Fatal("token expiry")
	}
	if status, _ := c.get("/v3/orders"); status != 401 {
		t.Fatalf("after token expiry: %d", status)
	}
	if status, _ := call("POST", "/_sim/faults", `{"fault":"teapot"}`); status != 400 {
		t.Fatal("unknown fault accepted")
	}
	if status, _ := call("PUT", "/_sim/webhook", `{"url":"http://127.0.0.1:1/x","secret":"s","mode":"sideways"}`); status != 400 {
		t.Fatal("unknown webhook mode accepted")
	}
	if status, body := call("GET", "/_sim/credentials", ""); status != 200 || !strings.Contains(string(body), wmsim.DefaultClientSecret) {
		t.Fatalf("credentials: %d %s", status, body)
	}
	if status, _ := call("GET", "/_sim/nothing", ""); status != 404 {
		t.Fatal("unknown control path")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := newClient(t, wmsim.Options{PageSize: 3})
	c.s.AddListing("SKU-1", 1000)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			po := c.s.CreateOrder(order(i))
			c.s.Orders()
			_ = c.s.CancelLines(po, []string{"1"}, "SELLER_CANCEL_OUT_OF_STOCK")
			c.s.Quantity("SKU-1")
		}()
	}
	wg.Wait()
	if n := len(c.s.Orders()); n != 8 {
		t.Fatalf("%d orders", n)
	}
}
