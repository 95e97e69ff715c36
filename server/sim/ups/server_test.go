package ups

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/gif"
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
	s     *Server
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
	h := &harness{t: t, s: s, url: srv.URL, clock: clk}
	status, body := h.tokenRequest(DefaultClientID, DefaultClientSecret)
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok map[string]any
	_ = json.Unmarshal(body, &tok)
	h.token, _ = tok["access_token"].(string)
	return h
}

func (h *harness) tokenRequest(id, secret string) (int, []byte) {
	req, _ := http.NewRequest("POST", h.url+"/security/v1/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.SetBasicAuth(id, secret)
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

// api calls an API path with the harness's token and UPS's headers.
func (h *harness) api(method, path, body string) (int, []byte) {
	req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("transId", "0123456789abcdef0123456789abcdef")
	req.Header.Set("transactionSrc", "test")
	req.Header.Set("Content-Type", "application/json")
	return h.send(req)
}

// errorCode reads the first code of UPS's error envelope.
func errorCode(t *testing.T, body []byte) (string, string) {
	t.Helper()
	var e struct {
		Response struct {
			Errors []apiErr `json:"errors"`
		} `json:"response"`
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Response.Errors) == 0 {
		t.Fatalf("not a UPS error body: %s", body)
	}
	return e.Response.Errors[0].Code, e.Response.Errors[0].Message
}

const shipmentJSON = `"Shipper":{"Name":"Acme","ShipperNumber":"A1B2C3","Address":{"AddressLine":["1 Factory Rd"],"City":"Dayton","StateProvinceCode":"OH","PostalCode":"45402","CountryCode":"US"}},
"ShipTo":{"Name":"Jane","Address":{"AddressLine":["77 Elm St"],"City":"Atlanta","StateProvinceCode":"GA","PostalCode":"30301","CountryCode":"US"}}`

func rateBody(extra, pkg string) string {
	if pkg == "" {
		pkg = `{"PackagingType":{"Code":"02"},"Dimensions":{"UnitOfMeasurement":{"Code":"IN"},"Length":"12","Width":"10","Height":"8"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":"2.25"}}`
	}
	return `{"RateRequest":{"Request":{},"Shipment":{` + shipmentJSON + extra + `,"Package":[` + pkg + `]}}}`
}

func TestTokenEndpoint(t *testing.T) {
	h := newHarness(t, Options{TokenLifetime: time.Minute})
	status, body := h.tokenRequest(DefaultClientID, DefaultClientSecret)
	var tok map[string]any
	if err := json.Unmarshal(body, &tok); err != nil || status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if tok["expires_in"] != "60" || tok["token_type"] != "Bearer" || tok["status"] != "approved" {
		t.Errorf("token answer %v: expires_in must be the string \"60\"", tok)
	}
	if status, body := h.tokenRequest(DefaultClientID, "wrong"); status != 401 {
		t.Errorf("wrong secret: %d", status)
	} else if code, msg := errorCode(t, body); code != "10401" || msg != "ClientId is Invalid" {
		t.Errorf("wrong secret: %s %s", code, msg)
	}

	if status, _ := h.api("POST", "/api/rating/v2409/Shop", rateBody("", "")); status != 200 {
		t.Fatalf("fresh token refused: %d", status)
	}
	h.clock.add(61 * time.Second)
	status, body = h.api("POST", "/api/rating/v2409/Shop", rateBody("", ""))
	if status != 401 || strings.TrimSpace(string(body)) != `{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}` {
		t.Errorf("expired token: %d %s", status, body)
	}
}

func TestRatingValidation(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, path, body, code string
	}{
		{"time in transit needs DeliveryTimeInformation", "/api/rating/v2409/Shoptimeintransit", rateBody("", ""), "111549"},
		{"additionalinfo asks for time in transit too", "/api/rating/v2409/Shop?additionalinfo=timeintransit", rateBody("", ""), "111549"},
		{"Rate needs a service", "/api/rating/v2409/Rate", rateBody("", ""), "111100"},
		{"unknown option", "/api/rating/v2409/Everything", rateBody("", ""), "111001"},
		{"Shipping's Packaging is not Rating's PackagingType", "/api/rating/v2409/Shop",
			rateBody("", `{"Packaging":{"Code":"02"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":"2"}}`), "111065"},
		{"weights are strings", "/api/rating/v2409/Shop",
			rateBody("", `{"PackagingType":{"Code":"02"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":2}}`), "10002"},
		{"metric from the US", "/api/rating/v2409/Shop",
			rateBody("", `{"PackagingType":{"Code":"02"},"Dimensions":{"UnitOfMeasurement":{"Code":"CM"},"Length":"30","Width":"20","Height":"10"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":"2"}}`), "111057"},
		{"negotiated rates need the shipper number", "/api/rating/v2409/Shop",
			strings.Replace(rateBody(`,"ShipmentRatingOptions":{"NegotiatedRatesIndicator":""}`, ""), `"ShipperNumber":"A1B2C3"`, `"ShipperNumber":"ZZZ"`, 1), "111030"},
		{"ZIP 00000", "/api/rating/v2409/Shop", strings.Replace(rateBody("", ""), `"30301"`, `"00000"`, 1), "111285"},
	}
	for _, tc := range tests {
		status, body := h.api("POST", tc.path, tc.body)
		if status != 400 {
			t.Errorf("%s: HTTP %d %s", tc.name, status, body)
			continue
		}
		if code, _ := errorCode(t, body); code != tc.code {
			t.Errorf("%s: code %s, want %s", tc.name, code, tc.code)
		}
	}
}

func TestRatingAnswer(t *testing.T) {
	h := newHarness(t, Options{})
	// One service asked for still comes back as an array, since v2403.
	status, body := h.api("POST", "/api/rating/v2409/Rate", rateBody(`,"Service":{"Code":"03"}`, ""))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var out struct {
		RateResponse struct {
			RatedShipment []struct {
				BillingWeight struct{ Weight string }
				TotalCharges  money
				TimeInTransit *json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.RateResponse.RatedShipment) != 1 {
		t.Fatalf("%v: %s", err, body)
	}
	rs := out.RateResponse.RatedShipment[0]
	// 12×10×8 in = 960 in³ / 139 = 6.9 → 7 lb, above the actual 2.25 lb.
	if rs.BillingWeight.Weight != "7.0" || rs.TotalCharges.MonetaryValue != "18.14" || rs.TimeInTransit != nil {
		t.Errorf("rated %+v", rs)
	}
	// A heavy small box bills its actual weight, rounded up.
	heavy := `{"PackagingType":{"Code":"02"},"Dimensions":{"UnitOfMeasurement":{"Code":"IN"},"Length":"6","Width":"6","Height":"6"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":"19.2"}}`
	_, body = h.api("POST", "/api/rating/v2409/Rate", rateBody(`,"Service":{"Code":"03"}`, heavy))
	_ = json.Unmarshal(body, &out)
	if w := out.RateResponse.RatedShipment[0].BillingWeight.Weight; w != "20.0" {
		t.Errorf("heavy box billed at %s", w)
	}
}

func TestCheckDigit(t *testing.T) {
	if !ValidTrackingNumber("1Z999AA10123456784") {
		t.Error("UPS's published example is valid")
	}
	for _, n := range []string{"1Z999AA10123456785", "1Z999AA1012345678", "2Z999AA10123456784", "1Z999aa10123456784"} {
		if ValidTrackingNumber(n) {
			t.Errorf("%s accepted", n)
		}
	}
}

func TestShipVoidAndControl(t *testing.T) {
	h := newHarness(t, Options{})
	ship := `{"ShipmentRequest":{"Request":{},"Shipment":{` + shipmentJSON + `,
"PaymentInformation":{"ShipmentCharge":[{"Type":"01","BillShipper":{"AccountNumber":"A1B2C3"}}]},"Service":{"Code":"02"},
"Package":[{"Packaging":{"Code":"02"},"PackageWeight":{"UnitOfMeasurement":{"Code":"LBS"},"Weight":"3"}}]},
"LabelSpecification":{"LabelImageFormat":{"Code":"GIF"},"LabelStockSize":{"Height":"6","Width":"4"}}}}`
	status, body := h.api("POST", "/api/shipments/v2409/ship", ship)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var out struct {
		ShipmentResponse struct {
			ShipmentResults struct {
				ShipmentIdentificationNumber string
				PackageResults               []struct {
					TrackingNumber string
					ShippingLabel  struct{ GraphicImage string }
				}
			}
		}
	}
	_ = json.Unmarshal(body, &out)
	res := out.ShipmentResponse.ShipmentResults
	if len(res.PackageResults) != 1 || !ValidTrackingNumber(res.PackageResults[0].TrackingNumber) || !strings.HasPrefix(res.PackageResults[0].TrackingNumber, "1ZA1B2C302") {
		t.Fatalf("package results %+v", res)
	}
	img, _ := base64.StdEncoding.DecodeString(res.PackageResults[0].ShippingLabel.GraphicImage)
	g, err := gif.Decode(bytes.NewReader(img))
	if err != nil || g.Bounds().Dx() != 1200 || g.Bounds().Dy() != 800 {
		t.Errorf("GIF label: %v", err)
	}
	if status, body := h.api("POST", "/api/shipments/v2409/ship", strings.Replace(ship, `"PaymentInformation"`, `"PaymentDetails"`, 1)); status != 400 {
		t.Errorf("Rating's PaymentDetails accepted by ship: %d", status)
	} else if code, _ := errorCode(t, body); code != "120412" {
		t.Errorf("code %s", code)
	}

	if status, body := h.api("DELETE", "/api/shipments/v2409/void/cancel/"+res.ShipmentIdentificationNumber, ""); status != 200 || !strings.Contains(string(body), `"Voided"`) {
		t.Errorf("void: %d %s", status, body)
	}
	if status, body := h.api("DELETE", "/api/shipments/v2409/void/cancel/1Z999AA10123456784", ""); status != 400 {
		t.Errorf("void of an unknown shipment: %d", status)
	} else if code, _ := errorCode(t, body); code != "190102" {
		t.Errorf("code %s", code)
	}

	req, _ := http.NewRequest("PUT", h.url+"/_sim/script", strings.NewReader(`{"quotes":[{"carrier":"ups","service":"03","amount":"8.5.0","currency":"USD"}]}`))
	if status, body := h.send(req); status != 400 || !strings.Contains(string(body), "amount") {
		t.Errorf("bad script accepted: %d %s", status, body)
	}
	req, _ = http.NewRequest("POST", h.url+"/_sim/faults", strings.NewReader(`{"fault":"429","op":"track"}`))
	if status, _ := h.send(req); status != 204 {
		t.Errorf("fault: %d", status)
	}
	req, _ = http.NewRequest("GET", h.url+"/api/track/v1/details/"+res.ShipmentIdentificationNumber, nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("429: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	req, _ = http.NewRequest("GET", h.url+"/_sim/labels", nil)
	_, body = h.send(req)
	var labels []LabelRecord
	if err := json.Unmarshal(body, &labels); err != nil || len(labels) != 1 || !labels[0].Voided || labels[0].Service != "02" {
		t.Errorf("labels %s", body)
	}
}
