package fedex

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
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	url   string
	clock *fakeClock
	token string
}

func newHarness(t *testing.T, opts Options) *harness {
	clk := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opts.Clock = clk.now
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	h := &harness{t: t, url: srv.URL, clock: clk}
	status, body := h.tokenRequest(DefaultClientSecret)
	var tok struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	h.token = tok.AccessToken
	return h
}

func (h *harness) tokenRequest(secret string) (int, []byte) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {secret}}
	req, _ := http.NewRequest("POST", h.url+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.send(req)
}

func (h *harness) send(req *http.Request) (int, []byte) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (h *harness) api(method, path, body string) (int, []byte) {
	req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	return h.send(req)
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		TransactionID string   `json:"transactionId"`
		Errors        []apiErr `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 || e.TransactionID == "" {
		t.Fatalf("not a FedEx error body: %s", body)
	}
	return e.Errors[0].Code
}

const parties = `"shipper":{"address":{"postalCode":"45402","countryCode":"US"}},"recipient":{"address":{"postalCode":"30301","countryCode":"US"}}`

func rateBody(items string) string {
	if items == "" {
		items = `{"weight":{"units":"LB","value":3},"dimensions":{"length":12,"width":10,"height":8,"units":"IN"}}`
	}
	return `{"accountNumber":{"value":"740561073"},"rateRequestControlParameters":{"returnTransitTimes":true},
"requestedShipment":{` + parties + `,"pickupType":"DROPOFF_AT_FEDEX_LOCATION","rateRequestType":["LIST"],"requestedPackageLineItems":[` + items + `]}}`
}

func TestCheckDigit(t *testing.T) {
	// Numbers printed on real labels, and FedEx's sandbox test number.
	for _, n := range []string{"794615064919", "776094337676", "738488882438", "123456789012"} {
		if !ValidTrackingNumber(n) {
			t.Errorf("%s refused", n)
		}
	}
	for _, n := range []string{"794615064918", "77609433767", "12345678901a"} {
		if ValidTrackingNumber(n) {
			t.Errorf("%s accepted", n)
		}
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t, Options{TokenLifetime: time.Minute})
	_, body := h.tokenRequest(DefaultClientSecret)
	if !strings.Contains(string(body), `"expires_in":60,`) {
		t.Errorf("expires_in must be a number: %s", body)
	}
	if status, body := h.tokenRequest("nope"); status != 401 || errorCode(t, body) != "NOT.AUTHORIZED.ERROR" {
		t.Errorf("wrong secret: %d %s", status, body)
	}
	h.clock.add(2 * time.Minute)
	status, body := h.api("POST", "/rate/v1/rates/quotes", rateBody(""))
	if status != 401 || !strings.Contains(string(body), "Access token expired") {
		t.Errorf("expired token: %d %s", status, body)
	}
}

func TestRateValidationAndAnswer(t *testing.T) {
	h := newHarness(t, Options{})
	for _, tc := range []struct{ name, body, code string }{
		{"fractional dimensions", rateBody(`{"weight":{"units":"LB","value":3},"dimensions":{"length":12.5,"width":10,"height":8,"units":"IN"}}`), "INVALID.INPUT.EXCEPTION"},
		{"no weight", rateBody(`{"dimensions":{"length":12,"width":10,"height":8,"units":"IN"}}`), "WEIGHT.REQUIRED"},
		{"ounces", rateBody(`{"weight":{"units":"OZ","value":3}}`), "INVALID.INPUT.EXCEPTION"},
		{"other account", strings.Replace(rateBody(""), "740561073", "111111111", 1), "ACCOUNT.NUMBER.MISMATCH"},
		{"ZIP 00000", strings.Replace(rateBody(""), "30301", "00000", 1), "COUNTRY.POSTALCODE.INVALID"},
		{"Ship's spelling of the ship date", strings.Replace(rateBody(""), `"pickupType"`, `"shipDatestamp":"2026-03-02","pickupType"`, 1), "INVALID.INPUT.EXCEPTION"},
		{"no pickup type", strings.Replace(rateBody(""), `"pickupType":"DROPOFF_AT_FEDEX_LOCATION",`, "", 1), "INVALID.INPUT.EXCEPTION"},
	} {
		status, body := h.api("POST", "/rate/v1/rates/quotes", tc.body)
		if status != 400 || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	status, body := h.api("POST", "/rate/v1/rates/quotes", rateBody(""))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	// Money is a JSON number; 7 lb dimensional in zone 3 is 17.80 list.
	if !strings.Contains(string(body), `"totalNetCharge":17.8,`) || !strings.Contains(string(body), `"ratedWeightMethod":"DIM"`) ||
		!strings.Contains(string(body), `"totalBillingWeight":{"units":"LB","value":7}`) {
		t.Errorf("Ground answer: %s", body)
	}
	if strings.Contains(string(body), `"rateType":"ACCOUNT"`) {
		t.Error("ACCOUNT rates returned though only LIST was asked for")
	}
	req, _ := http.NewRequest("POST", h.url+"/rate/v1/rates/quotes", strings.NewReader(rateBody("")))
	req.Header.Set("Authorization", "Bearer "+h.token)
	if status, _ := h.send(req); status != 415 {
		t.Errorf("no content type: %d", status)
	}
}

func TestShipCancelTrack(t *testing.T) {
	h := newHarness(t, Options{})
	ship := `{"labelResponseOptions":"LABEL","accountNumber":{"value":"740561073"},"requestedShipment":{
"shipper":{"contact":{"personName":"Acme","phoneNumber":"9015551234"},"address":{"streetLines":["1 Factory Rd"],"city":"Dayton","stateOrProvinceCode":"OH","postalCode":"45402","countryCode":"US"}},
"recipients":[{"contact":{"personName":"Jane","phoneNumber":"9015551234"},"address":{"streetLines":["77 Elm St"],"city":"Atlanta","stateOrProvinceCode":"GA","postalCode":"30301","countryCode":"US"}}],
"shipDatestamp":"2026-03-02","serviceType":"FEDEX_2_DAY","packagingType":"YOUR_PACKAGING","pickupType":"DROPOFF_AT_FEDEX_LOCATION",
"shippingChargesPayment":{"paymentType":"SENDER"},"labelSpecification":{"imageType":"PDF","labelStockType":"STOCK_4X6"},
"requestedPackageLineItems":[{"weight":{"units":"LB","value":3}}]}}`
	if status, body := h.api("POST", "/ship/v1/shipments", strings.Replace(ship, `"shipDatestamp"`, `"shipDateStamp"`, 1)); status != 400 || errorCode(t, body) != "INVALID.INPUT.EXCEPTION" {
		t.Errorf("Rate's shipDateStamp accepted by Ship: %d %s", status, body)
	}
	if status, body := h.api("POST", "/ship/v1/shipments", strings.Replace(ship, `"phoneNumber":"9015551234"},"address":{"streetLines":["77`, `"phoneNumber":""},"address":{"streetLines":["77`, 1)); status != 400 || errorCode(t, body) != "RECIPIENTS.PHONENUMBER.INVALID" {
		t.Errorf("no recipient phone: %d %s", status, body)
	}
	status, body := h.api("POST", "/ship/v1/shipments", ship)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var out struct {
		Output struct {
			TransactionShipments []struct {
				PieceResponses []struct {
					TrackingNumber   string
					PackageDocuments []struct{ DocType, EncodedLabel string }
				}
			}
		}
	}
	_ = json.Unmarshal(body, &out)
	piece := out.Output.TransactionShipments[0].PieceResponses[0]
	if !ValidTrackingNumber(piece.TrackingNumber) || piece.PackageDocuments[0].DocType != "PDF" || !strings.HasPrefix(piece.PackageDocuments[0].EncodedLabel, "JVBERi0") {
		t.Fatalf("piece %+v", piece)
	}

	track := `{"includeDetailedScans":false,"trackingInfo":[{"trackingNumberInfo":{"trackingNumber":"` + piece.TrackingNumber + `"}},{"trackingNumberInfo":{"trackingNumber":"123456789012"}}]}`
	status, body = h.api("POST", "/track/v1/trackingnumbers", track)
	if status != 200 || strings.Contains(string(body), "scanEvents") || !strings.Contains(string(body), "TRACKING.TRACKINGNUMBER.NOTFOUND") ||
		!strings.Contains(string(body), `"derivedCode":"IN"`) {
		t.Errorf("track: %d %s", status, body)
	}
	if status, body := h.api("POST", "/track/v1/trackingnumbers", `{"trackingInfo":[]}`); status != 400 || errorCode(t, body) != "TRACKING.TRACKINGNUMBER.EMPTY" {
		t.Errorf("empty track: %d %s", status, body)
	}

	cancel := `{"accountNumber":{"value":"740561073"},"senderCountryCode":"US","deletionControl":"DELETE_ALL_PACKAGES","trackingNumber":"` + piece.TrackingNumber + `"}`
	if status, body := h.api("PUT", "/ship/v1/shipments/cancel", cancel); status != 200 || !strings.Contains(string(body), `"cancelledShipment":true`) {
		t.Errorf("cancel: %d %s", status, body)
	}
	if status, body := h.api("PUT", "/ship/v1/shipments/cancel", cancel); status != 200 || !strings.Contains(string(body), `"cancelledShipment":false`) || !strings.Contains(string(body), "SHIPMENT.ALREADY.CANCELLED") {
		t.Errorf("second cancel: %d %s", status, body)
	}
	req, _ := http.NewRequest("POST", h.url+"/_sim/labels/"+piece.TrackingNumber+"/advance", strings.NewReader(`{"status":"delivered"}`))
	if status, _ := h.send(req); status != 400 {
		t.Errorf("a cancelled label advanced: %d", status)
	}
}
