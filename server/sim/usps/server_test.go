package usps

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type fixture struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server
}

func newFixture(t *testing.T, opts Options) *fixture {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	opts.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, s: s, srv: srv}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(method, path string, h map[string]string, body string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
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
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	a := f.do("POST", "/oauth2/v3/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if a.status != 200 || json.Unmarshal([]byte(a.body), &tok) != nil || tok.AccessToken == "" || tok.ExpiresIn != 28799 {
		f.t.Fatalf("token: %d %s", a.status, a.body)
	}
	return tok.AccessToken
}

func (f *fixture) api(method, path, token, body string, extra ...string) answer {
	h := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return f.do(method, path, h, body)
}

const optionsBody = `{"originZIPCode":"94107","destinationZIPCode":"10118","destinationEntryFacilityType":"NONE",
 "pricingOptions":[{"priceType":"COMMERCIAL"}],"packageDescription":{"weight":2,"length":10,"width":8,"height":4,"mailingDate":"2026-03-02"},
 "shippingFilter":"PRICE"}`

func TestTokenAndBearer(t *testing.T) {
	f := newFixture(t, Options{})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {"nope"}}
	a := f.do("POST", "/oauth2/v3/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	if a.status != 401 || !strings.Contains(a.body, `"error":"invalid_client"`) {
		t.Errorf("wrong secret: %d %s", a.status, a.body)
	}
	a = f.api("POST", "/shipments/v3/options/search", "", optionsBody)
	var e errorEnvelope
	if a.status != 401 || json.Unmarshal([]byte(a.body), &e) != nil || e.APIVersion == "" || e.Error.Code != "401" || len(e.Error.Errors) != 1 {
		t.Errorf("no token: %d %s", a.status, a.body)
	}
	tok := f.token()
	if a = f.api("POST", "/shipments/v3/options/search", tok, optionsBody); a.status != 200 {
		t.Fatalf("options: %d %s", a.status, a.body)
	}
	f.s.ExpireTokens()
	if a = f.api("POST", "/shipments/v3/options/search", tok, optionsBody); a.status != 401 || !strings.Contains(a.body, "expired") {
		t.Errorf("expired token: %d %s", a.status, a.body)
	}
}

func TestOptionsWire(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.token()
	a := f.api("POST", "/shipments/v3/options/search", tok, optionsBody)
	// Money is a JSON number, written as a serializer writes a double.
	if !strings.Contains(a.body, `"totalPrice":15.5,`) || !strings.Contains(a.body, `"scheduleDeliveryDate":"2026-03-04"`) {
		t.Errorf("options answer %s", a.body)
	}
	for _, c := range []struct{ body, param string }{
		{strings.Replace(optionsBody, `"weight":2`, `"weight":0`, 1), "packageDescription.weight"},
		{strings.Replace(optionsBody, `"2026-03-02"`, `"2026-03-20"`, 1), "packageDescription.mailingDate"},
		{strings.Replace(optionsBody, `"94107"`, `"9410"`, 1), "originZIPCode"},
		{strings.Replace(optionsBody, `"COMMERCIAL"`, `"CHEAP"`, 1), "pricingOptions.priceType"},
		{strings.Replace(optionsBody, `"shippingFilter"`, `"shippingFiltre"`, 1), "body"},
	} {
		a := f.api("POST", "/shipments/v3/options/search", tok, c.body)
		var e errorEnvelope
		if a.status != 400 || json.Unmarshal([]byte(a.body), &e) != nil || len(e.Error.Errors) == 0 ||
			e.Error.Errors[0].Source == nil || e.Error.Errors[0].Source.Parameter != c.param {
			t.Errorf("%s: %d %s", c.param, a.status, a.body)
		}
	}
}

func TestLabelIsMultipartByDefault(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.token()
	pay := f.api("POST", "/payments/v3/payment-authorization", tok,
		`{"roles":[{"roleName":"PAYER","CRID":"56982563","accountType":"EPS","accountNumber":"1000012345"},
		  {"roleName":"LABEL_OWNER","CRID":"56982563","MID":"902047123"}]}`)
	var p struct {
		Token string `json:"paymentAuthorizationToken"`
	}
	if pay.status != 200 || json.Unmarshal([]byte(pay.body), &p) != nil || p.Token == "" {
		t.Fatalf("payment: %d %s", pay.status, pay.body)
	}
	body := `{"imageInfo":{"imageType":"PDF","labelType":"4X6LABEL"},
	 "toAddress":{"streetAddress":"350 5th Ave","city":"New York","state":"NY","ZIPCode":"10118","firstName":"Dana","lastName":"W"},
	 "fromAddress":{"streetAddress":"500 Howard St","city":"San Francisco","state":"CA","ZIPCode":"94107","firm":"Acme"},
	 "packageDescription":{"mailClass":"PRIORITY_MAIL","rateIndicator":"SP","weightUOM":"lb","weight":2,"dimensionsUOM":"in",
	  "length":10,"width":8,"height":4,"processingCategory":"MACHINABLE","mailingDate":"2026-03-02","destinationEntryFacilityType":"NONE"}}`
	a := f.api("POST", "/labels/v3/label", tok, body, "X-Payment-Authorization-Token", p.Token)
	mt, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	if a.status != 200 || mt != "multipart/form-data" || !strings.Contains(a.body, `name="labelMetadata"`) {
		t.Fatalf("label: %d %s %.200s", a.status, mt, a.body)
	}
	if a = f.api("POST", "/labels/v3/label", tok, body, "X-Payment-Authorization-Token", "pat.forged"); a.status != 401 ||
		!strings.Contains(a.body, "X-Payment-Authorization-Token") {
		t.Errorf("forged payment token: %d %s", a.status, a.body)
	}
	if a = f.api("POST", "/labels/v3/label", tok, body, "X-Payment-Authorization-Token", p.Token, "X-Idempotency-Key", "not-a-uuid"); a.status != 400 {
		t.Errorf("bad idempotency key: %d %s", a.status, a.body)
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.do("PUT", "/_sim/script", nil, `{"quotes":[{"carrier":"usps","service":"PRIORITY_MAIL","amount":"8.4","currency":"USD"}]}`); a.status != 204 {
		t.Fatalf("script: %d %s", a.status, a.body)
	}
	if a := f.do("PUT", "/_sim/script", nil, `{"quotes":[{"carrier":"usps","service":"PRIORITY_MAIL","amount":"8.404","currency":"USD"}]}`); a.status != 400 || !strings.Contains(a.body, "amount") {
		t.Errorf("bad script: %d %s", a.status, a.body)
	}
	tok := f.token()
	if a := f.api("POST", "/shipments/v3/options/search", tok, optionsBody); !strings.Contains(a.body, `"totalPrice":8.4,`) || strings.Contains(a.body, "GROUND") {
		t.Errorf("scripted options %s", a.body)
	}
	if a := f.do("POST", "/_sim/faults", nil, `{"fault":"503","count":1}`); a.status != 204 {
		t.Fatalf("fault: %d %s", a.status, a.body)
	}
	if a := f.api("POST", "/shipments/v3/options/search", tok, optionsBody); a.status != 503 {
		t.Errorf("after a 503 fault: %d", a.status)
	}
	if a := f.do("POST", "/_sim/faults", nil, `{"fault":"500"}`); a.status != 400 {
		t.Errorf("unknown fault: %d", a.status)
	}
	if a := f.do("POST", "/_sim/tracking/123/advance", nil, `{"status":"delivered"}`); a.status != 400 {
		t.Errorf("advance unknown parcel: %d", a.status)
	}
	if a := f.do("GET", "/_sim/labels", nil, ""); a.status != 200 || strings.TrimSpace(a.body) != "[]" {
		t.Errorf("labels: %d %s", a.status, a.body)
	}
}
