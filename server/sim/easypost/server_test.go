package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	opts.Clock = func() time.Time { return now }
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{t: t, s: s, srv: srv}
}

type answer struct {
	status int
	body   string
}

func (f *fixture) do(method, path, key, body string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

const shipmentBody = `{"shipment":{
 "to_address":{"name":"Dana","street1":"350 5th Ave","city":"New York","state":"NY","zip":"10118","country":"US"},
 "from_address":{"name":"Acme","street1":"500 Howard St","city":"San Francisco","state":"CA","zip":"94107","country":"US"},
 "parcel":{"length":10,"width":8,"height":4,"weight":32}}}`

func TestAuthAndValidation(t *testing.T) {
	f := newFixture(t, Options{})
	for _, key := range []string{"", "EZTKwrong"} {
		a := f.do("POST", "/v2/shipments", key, shipmentBody)
		if a.status != 401 || !strings.Contains(a.body, `"code":"APIKEY.REQUIRED"`) {
			t.Errorf("key %q: %d %s", key, a.status, a.body)
		}
	}
	for _, c := range []struct{ body, field string }{
		{strings.Replace(shipmentBody, `"weight":32`, `"weight":0`, 1), "shipment.parcel.weight"},
		{strings.Replace(shipmentBody, `"zip":"10118"`, `"zip":"1011"`, 1), "shipment.to_address.zip"},
		{strings.Replace(shipmentBody, `"parcel"`, `"parcle"`, 1), "parcle"},
		{strings.Replace(shipmentBody, `}}}`, `},"options":{"label_format":"GIF"}}}`, 1), "shipment.options.label_format"},
	} {
		a := f.do("POST", "/v2/shipments", DefaultAPIKey, c.body)
		var e struct {
			Error errorBody `json:"error"`
		}
		if a.status != 422 || json.Unmarshal([]byte(a.body), &e) != nil || len(e.Error.Errors) != 1 || e.Error.Errors[0].Field != c.field {
			t.Errorf("%s: %d %s", c.field, a.status, a.body)
		}
	}
}

func TestMessagesNextToRates(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.do("PUT", "/_sim/carriers/fedex/failing", "", `{"failing":true}`); a.status != 204 {
		t.Fatalf("control: %d %s", a.status, a.body)
	}
	a := f.do("POST", "/v2/shipments", DefaultAPIKey, shipmentBody)
	var sh struct {
		ID       string     `json:"id"`
		Rates    []rateJSON `json:"rates"`
		Messages []message  `json:"messages"`
	}
	if a.status != 201 || json.Unmarshal([]byte(a.body), &sh) != nil {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if len(sh.Rates) != 6 || len(sh.Messages) != 1 || sh.Messages[0].Carrier != "FedEx" || sh.Messages[0].Type != "rate_error" {
		t.Errorf("rates %d, messages %+v", len(sh.Rates), sh.Messages)
	}
	// Money is a string; weights are ounces (2 lb here) and dimensional
	// weight makes UPS bill 3 lb.
	if !strings.Contains(a.body, `"rate":"14.65"`) || !strings.Contains(a.body, `"rate":"16.50"`) {
		t.Errorf("rates %s", a.body)
	}
	buy := f.do("POST", "/v2/shipments/"+sh.ID+"/buy", DefaultAPIKey, fmt.Sprintf(`{"rate":{"id":%q}}`, sh.Rates[0].ID))
	var bought struct {
		PostageLabel postageLabel `json:"postage_label"`
	}
	if buy.status != 200 || json.Unmarshal([]byte(buy.body), &bought) != nil || bought.PostageLabel.LabelFileType != "image/png" {
		t.Fatalf("buy: %d %s", buy.status, buy.body)
	}
	// Label files are public, as on EasyPost's file store.
	file := f.do("GET", strings.TrimPrefix(bought.PostageLabel.LabelURL, f.srv.URL), "", "")
	if file.status != 200 || !strings.HasPrefix(file.body, "\x89PNG") {
		t.Errorf("label file: %d %.8q", file.status, file.body)
	}
	again := f.do("POST", "/v2/shipments/"+sh.ID+"/buy", DefaultAPIKey, fmt.Sprintf(`{"rate":{"id":%q}}`, sh.Rates[0].ID))
	if again.status != 422 || !strings.Contains(again.body, "SHIPMENT.POSTAGE.EXISTS") {
		t.Errorf("second buy: %d %s", again.status, again.body)
	}
}

func TestConcurrentPurchases(t *testing.T) {
	f := newFixture(t, Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := f.do("POST", "/v2/shipments", DefaultAPIKey, shipmentBody)
			var sh struct {
				ID    string     `json:"id"`
				Rates []rateJSON `json:"rates"`
			}
			if json.Unmarshal([]byte(a.body), &sh) != nil || len(sh.Rates) == 0 {
				t.Errorf("create: %d", a.status)
				return
			}
			if b := f.do("POST", "/v2/shipments/"+sh.ID+"/buy", DefaultAPIKey, fmt.Sprintf(`{"rate":{"id":%q}}`, sh.Rates[0].ID)); b.status != 200 {
				t.Errorf("buy: %d %s", b.status, b.body)
			}
		}()
	}
	wg.Wait()
	labels := f.s.Labels()
	seen := map[string]bool{}
	for _, l := range labels {
		seen[l.TrackingCode] = true
	}
	if len(labels) != 8 || len(seen) != 8 {
		t.Errorf("%d labels, %d distinct tracking codes", len(labels), len(seen))
	}
}

func TestControlScript(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.do("PUT", "/_sim/script", "", `{"failure":"sometimes"}`); a.status != 400 || !strings.Contains(a.body, "failure") {
		t.Errorf("bad script: %d %s", a.status, a.body)
	}
	if a := f.do("PUT", "/_sim/script", "", `{"quotes":[{"carrier":"usps","service":"Priority","amount":"7.77","currency":"USD"}]}`); a.status != 204 {
		t.Fatalf("script: %d %s", a.status, a.body)
	}
	a := f.do("POST", "/v2/shipments", DefaultAPIKey, shipmentBody)
	if !strings.Contains(a.body, `"rate":"7.77"`) || strings.Contains(a.body, `"carrier":"UPS"`) {
		t.Errorf("scripted shipment %s", a.body)
	}
}

// recorder is a webhook receiver that keeps what it was sent.
type recorder struct {
	mu         sync.Mutex
	bodies     []string
	signatures []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies, r.signatures = append(r.bodies, string(b)), append(r.signatures, req.Header.Get(SignatureHeader))
	r.mu.Unlock()
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// Webhooks through the control API: signed as EasyPost signs them,
// delivered twice, held and released newest first, redelivered.
func TestWebhooksThroughTheControlAPI(t *testing.T) {
	f := newFixture(t, Options{})
	rec := &recorder{}
	recv := httptest.NewServer(rec)
	t.Cleanup(recv.Close)
	const secret = "s\u00e9cret" // signed as "se" + U+0301 + "cret"
	if a := f.do("PUT", "/_sim/webhook", "", `{"url":"`+recv.URL+`","secret":"`+secret+`","mode":"duplicate"}`); a.status != 204 {
		t.Fatalf("webhook: %d %s", a.status, a.body)
	}
	a := f.do("POST", "/v2/shipments", DefaultAPIKey, shipmentBody)
	var sh struct {
		ID    string     `json:"id"`
		Rates []rateJSON `json:"rates"`
	}
	if json.Unmarshal([]byte(a.body), &sh) != nil || len(sh.Rates) == 0 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var bought struct {
		TrackingCode string `json:"tracking_code"`
	}
	if b := f.do("POST", "/v2/shipments/"+sh.ID+"/buy", DefaultAPIKey, fmt.Sprintf(`{"rate":{"id":%q}}`, sh.Rates[0].ID)); json.Unmarshal([]byte(b.body), &bought) != nil {
		t.Fatalf("buy: %d %s", b.status, b.body)
	}
	if a := f.do("POST", "/_sim/tracking/"+bought.TrackingCode+"/advance", "", `{"status":"accepted"}`); a.status != 204 {
		t.Fatalf("advance: %d %s", a.status, a.body)
	}
	got := rec.received()
	var ev struct {
		Object      string `json:"object"`
		ID          string `json:"id"`
		Description string `json:"description"`
		Result      struct {
			TrackingCode string `json:"tracking_code"`
			StatusDetail string `json:"status_detail"`
		} `json:"result"`
	}
	if len(got) != 2 || got[0] != got[1] || json.Unmarshal([]byte(got[0]), &ev) != nil || ev.Object != "Event" ||
		ev.Description != "tracker.updated" || ev.Result.TrackingCode != bought.TrackingCode || ev.Result.StatusDetail != "received_at_origin_facility" {
		t.Fatalf("duplicate mode sent %d: %q", len(got), got)
	}
	mac := hmac.New(sha256.New, []byte("se\u0301cret"))
	mac.Write([]byte(got[0]))
	if want := "hmac-sha256-hex=" + hex.EncodeToString(mac.Sum(nil)); rec.signatures[0] != want {
		t.Fatalf("signature %q, want %q", rec.signatures[0], want)
	}
	if a := f.do("POST", "/_sim/webhook/events/"+ev.ID+"/redeliver", "", ""); a.status != 204 || len(rec.received()) != 3 || rec.received()[2] != got[0] {
		t.Fatalf("redeliver: %d, %d webhooks", a.status, len(rec.received()))
	}

	if a := f.do("PUT", "/_sim/webhook", "", `{"url":"`+recv.URL+`","secret":"`+secret+`","mode":"out_of_order"}`); a.status != 204 {
		t.Fatalf("webhook: %d %s", a.status, a.body)
	}
	// A transit scan is a new detail with the same status: announced too.
	for _, st := range []string{"in_transit", "delivered"} {
		if a := f.do("POST", "/_sim/tracking/"+bought.TrackingCode+"/advance", "", `{"status":"`+st+`"}`); a.status != 204 {
			t.Fatalf("advance %s: %d %s", st, a.status, a.body)
		}
	}
	if n := len(rec.received()); n != 3 {
		t.Fatalf("out-of-order mode sent %d at once", n-3)
	}
	if a := f.do("POST", "/_sim/webhook/flush", "", ""); !strings.Contains(a.body, `"sent":2`) {
		t.Fatalf("flush: %d %s", a.status, a.body)
	}
	got = rec.received()
	if len(got) != 5 || !strings.Contains(got[3], `"status":"delivered"`) || !strings.Contains(got[4], `"status_detail":"departed_facility"`) {
		t.Fatalf("flushed, newest first: %q", got[3:])
	}
	var attempts []struct {
		ID       string `json:"id"`
		Response int    `json:"response"`
	}
	if a := f.do("GET", "/_sim/webhook/events", "", ""); json.Unmarshal([]byte(a.body), &attempts) != nil || len(attempts) != 5 || attempts[4].Response != 200 {
		t.Fatalf("events: %s", a.body)
	}
}
