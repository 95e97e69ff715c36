package shippo

import (
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

func (f *fixture) do(method, path, auth, body string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
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

const auth = "ShippoToken " + DefaultAPIToken

const shipmentBody = `{"address_from":{"name":"Acme","street1":"500 Howard St","city":"San Francisco","state":"CA","zip":"94107","country":"US"},
 "address_to":{"name":"Dana","street1":"350 5th Ave","city":"New York","state":"NY","zip":"10118","country":"US"},
 "parcels":[{"length":"10","width":"8","height":"4","distance_unit":"in","weight":"2","mass_unit":"lb"}],"async":false}`

func TestAuth(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.do("POST", "/shipments/", "", shipmentBody); a.status != 401 || !strings.Contains(a.body, "credentials were not provided") {
		t.Errorf("no token: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/shipments/", "ShippoToken shippo_test_nope", shipmentBody); a.status != 401 || a.body != `{"detail":"Invalid token."}` {
		t.Errorf("wrong token: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/shipments/", "Bearer "+DefaultAPIToken, shipmentBody); a.status != 401 {
		t.Errorf("bearer scheme: %d", a.status)
	}
}

func TestUnitsAndValidation(t *testing.T) {
	f := newFixture(t, Options{})
	// The same parcel in grams and centimetres rates the same.
	metric := strings.NewReplacer(`"length":"10","width":"8","height":"4","distance_unit":"in"`,
		`"length":"25.4","width":"20.32","height":"10.16","distance_unit":"cm"`,
		`"weight":"2","mass_unit":"lb"`, `"weight":"907.18474","mass_unit":"g"`).Replace(shipmentBody)
	a, b := f.do("POST", "/shipments/", auth, shipmentBody), f.do("POST", "/shipments/", auth, metric)
	if a.status != 201 || b.status != 201 || !strings.Contains(a.body, `"amount":"14.51"`) || !strings.Contains(b.body, `"amount":"14.51"`) {
		t.Errorf("imperial %d, metric %d: %.300s", a.status, b.status, b.body)
	}
	for _, c := range []struct{ body, want string }{
		{strings.Replace(shipmentBody, `"weight":"2"`, `"weight":2`, 1), "cannot unmarshal number"},
		{strings.Replace(shipmentBody, `"mass_unit":"lb"`, `"mass_unit":"stone"`, 1), "mass_unit"},
		{strings.Replace(shipmentBody, `"zip":"10118"`, `"zip":"1011"`, 1), "address_to.zip"},
		{strings.Replace(shipmentBody, `"async":false`, `"async":true`, 1), "async"},
	} {
		a := f.do("POST", "/shipments/", auth, c.body)
		var e struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if a.status != 400 || json.Unmarshal([]byte(a.body), &e) != nil || e.Title == "" || !strings.Contains(e.Detail, c.want) {
			t.Errorf("%s: %d %s", c.want, a.status, a.body)
		}
	}
}

func TestMessagesAndAttributes(t *testing.T) {
	f := newFixture(t, Options{FailingCarriers: []string{"UPS"}})
	a := f.do("POST", "/shipments/", auth, shipmentBody)
	var sh struct {
		Rates    []rate    `json:"rates"`
		Messages []message `json:"messages"`
	}
	if a.status != 201 || json.Unmarshal([]byte(a.body), &sh) != nil {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if len(sh.Rates) != 6 || len(sh.Messages) != 1 || sh.Messages[0].Code != "carrier_timeout" || sh.Messages[0].Source != "UPS" {
		t.Errorf("rates %d messages %+v", len(sh.Rates), sh.Messages)
	}
	var cheapest string
	for _, r := range sh.Rates {
		for _, at := range r.Attributes {
			if at == "CHEAPEST" {
				cheapest = r.Servicelevel.Token
			}
		}
	}
	if cheapest != "usps_ground_advantage" {
		t.Errorf("cheapest %q", cheapest)
	}
}

func TestConcurrentPurchases(t *testing.T) {
	f := newFixture(t, Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := f.do("POST", "/shipments/", auth, shipmentBody)
			var sh struct {
				Rates []rate `json:"rates"`
			}
			if json.Unmarshal([]byte(a.body), &sh) != nil || len(sh.Rates) == 0 {
				t.Errorf("create: %d", a.status)
				return
			}
			tx := f.do("POST", "/transactions/", auth, fmt.Sprintf(`{"rate":%q,"label_file_type":"ZPLII","async":false}`, sh.Rates[0].ObjectID))
			if tx.status != 201 || !strings.Contains(tx.body, `"status":"SUCCESS"`) {
				t.Errorf("buy: %d %s", tx.status, tx.body)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, l := range f.s.Labels() {
		seen[l.TrackingNumber] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct tracking numbers", len(seen))
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.do("PUT", "/_sim/script", "", `{"latency_ms":-1}`); a.status != 400 {
		t.Errorf("bad script: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/_sim/faults", "", `{"fault":"hang","count":1}`); a.status != 204 {
		t.Fatalf("fault: %d", a.status)
	}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("GET", f.srv.URL+"/rates/x", nil)
	req.Header.Set("Authorization", auth)
	if _, err := client.Do(req); err == nil {
		t.Error("a hanging request answered")
	}
	if a := f.do("GET", "/rates/x", auth, ""); a.status != 404 {
		t.Errorf("after the hang: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/_sim/tracking/9205590000000000000000/advance", "", `{"status":"delivered"}`); a.status != 400 {
		t.Errorf("advance unknown: %d", a.status)
	}
	if a := f.do("GET", "/_sim/carrier_accounts", "", ""); a.status != 200 || !strings.Contains(a.body, `"carrier":"usps"`) {
		t.Errorf("carrier accounts: %d %s", a.status, a.body)
	}
}

// recorder is a webhook receiver that keeps what it was sent.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	tokens []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies, r.tokens = append(r.bodies, string(b)), append(r.tokens, req.URL.Query().Get("token"))
	r.mu.Unlock()
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// Webhooks through the control API: pointed with the receiver's token in
// the URL, delivered twice, held and released newest first, redelivered.
func TestWebhooksThroughTheControlAPI(t *testing.T) {
	f := newFixture(t, Options{})
	rec := &recorder{}
	recv := httptest.NewServer(rec)
	t.Cleanup(recv.Close)
	if a := f.do("PUT", "/_sim/webhook", "", `{"url":"`+recv.URL+`/hook?token=t0k","mode":"sideways"}`); a.status != 400 || !strings.Contains(a.body, "sideways") {
		t.Errorf("bad mode: %d %s", a.status, a.body)
	}
	if a := f.do("PUT", "/_sim/webhook", "", `{"url":"`+recv.URL+`/hook?token=t0k","mode":"duplicate"}`); a.status != 204 {
		t.Fatalf("webhook: %d %s", a.status, a.body)
	}
	var sh struct {
		Rates []rate `json:"rates"`
	}
	if a := f.do("POST", "/shipments/", auth, shipmentBody); json.Unmarshal([]byte(a.body), &sh) != nil || len(sh.Rates) == 0 {
		t.Fatalf("shipment: %d %s", a.status, a.body)
	}
	var tx struct {
		TrackingNumber string `json:"tracking_number"`
	}
	if a := f.do("POST", "/transactions/", auth, fmt.Sprintf(`{"rate":%q,"label_file_type":"ZPLII","async":false}`, sh.Rates[0].ObjectID)); json.Unmarshal([]byte(a.body), &tx) != nil {
		t.Fatalf("transaction: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/_sim/tick", "", ""); a.status != 204 || len(rec.received()) != 0 {
		t.Fatalf("tick before any scan: %d, %d webhooks", a.status, len(rec.received()))
	}
	if a := f.do("POST", "/_sim/tracking/"+tx.TrackingNumber+"/advance", "", `{"status":"accepted"}`); a.status != 204 {
		t.Fatalf("advance: %d %s", a.status, a.body)
	}
	got := rec.received()
	var ev struct {
		Event string `json:"event"`
		Test  bool   `json:"test"`
		Data  struct {
			Carrier        string `json:"carrier"`
			TrackingNumber string `json:"tracking_number"`
			TrackingStatus struct {
				Status    string   `json:"status"`
				Substatus *substat `json:"substatus"`
			} `json:"tracking_status"`
			TrackingHistory []trackingStatus `json:"tracking_history"`
		} `json:"data"`
	}
	if len(got) != 2 || got[0] != got[1] || json.Unmarshal([]byte(got[0]), &ev) != nil {
		t.Fatalf("duplicate mode sent %d: %q", len(got), got)
	}
	if ev.Event != "track_updated" || !ev.Test || ev.Data.TrackingNumber != tx.TrackingNumber || ev.Data.Carrier != "usps" ||
		ev.Data.TrackingStatus.Status != "TRANSIT" || ev.Data.TrackingStatus.Substatus.Code != "package_accepted" ||
		len(ev.Data.TrackingHistory) != 2 || rec.tokens[0] != "t0k" {
		t.Fatalf("track_updated %s (token %q)", got[0], rec.tokens[0])
	}
	var attempts []struct {
		ID       string `json:"id"`
		Event    string `json:"event"`
		Subject  string `json:"subject"`
		Response int    `json:"response"`
	}
	if a := f.do("GET", "/_sim/webhook/events", "", ""); json.Unmarshal([]byte(a.body), &attempts) != nil || len(attempts) != 2 ||
		attempts[0].Response != 200 || attempts[0].Subject != tx.TrackingNumber || attempts[0].ID != attempts[1].ID {
		t.Fatalf("events: %s", a.body)
	}
	if a := f.do("POST", "/_sim/webhook/events/"+attempts[0].ID+"/redeliver", "", ""); a.status != 204 || len(rec.received()) != 3 || rec.received()[2] != got[0] {
		t.Fatalf("redeliver: %d, %d webhooks", a.status, len(rec.received()))
	}
	if a := f.do("POST", "/_sim/webhook/events/nope/redeliver", "", ""); a.status != 400 {
		t.Errorf("redeliver unknown: %d", a.status)
	}

	if a := f.do("PUT", "/_sim/webhook", "", `{"url":"`+recv.URL+`/hook?token=t0k","mode":"out_of_order"}`); a.status != 204 {
		t.Fatalf("webhook: %d %s", a.status, a.body)
	}
	for _, st := range []string{"in_transit", "delivered"} {
		if a := f.do("POST", "/_sim/tracking/"+tx.TrackingNumber+"/advance", "", `{"status":"`+st+`"}`); a.status != 204 {
			t.Fatalf("advance %s: %d %s", st, a.status, a.body)
		}
	}
	if n := len(rec.received()); n != 3 {
		t.Fatalf("out-of-order mode sent %d at once", n-3)
	}
	if a := f.do("POST", "/_sim/webhook/flush", "", ""); a.body != `{"sent":2}`+"\n" && a.body != `{"sent":2}` {
		t.Fatalf("flush: %d %s", a.status, a.body)
	}
	got = rec.received()
	if len(got) != 5 || !strings.Contains(got[3], `"status":"DELIVERED"`) || strings.Contains(got[4], `"status":"DELIVERED"`) {
		t.Fatalf("flushed, newest first: %q", got[3:])
	}
}
