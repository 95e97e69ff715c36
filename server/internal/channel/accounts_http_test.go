package channel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// testErrors maps domain errors to statuses as the web layer does, and
// answers with the message only, as it does.
func testErrors(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	msg := "internal error"
	var media *httpx.UnsupportedMediaType
	if errors.As(err, &media) {
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: "unsupported", Message: media.Error()}})
	}
	if e, ok := apperr.As(err); ok {
		msg = e.Message
		switch e.Kind {
		case apperr.KindInvalid:
			status = fiber.StatusBadRequest
		case apperr.KindUnauthenticated:
			status = fiber.StatusUnauthorized
		case apperr.KindNotFound:
			status = fiber.StatusNotFound
		case apperr.KindConflict:
			status = fiber.StatusConflict
		case apperr.KindRateLimited:
			status = fiber.StatusTooManyRequests
		case apperr.KindUnavailable:
			status = fiber.StatusServiceUnavailable
		}
	}
	return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: "test", Message: msg}})
}

// serveAPI runs the channel account and shipment confirmation handlers for
// a signed-in admin of tenant and returns a client of them and the address.
func (x *intakeFixture) serveAPI(tenant uuid.UUID) (*client.Client, string) {
	x.t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: testErrors})
	app.Use(func(c *fiber.Ctx) error {
		identity.SetPrincipal(c, identity.Principal{UserID: uuid.New(), TenantID: tenant, Role: domain.RoleAdmin})
		return c.Next()
	})
	h := channel.NewAccountHandlers(x.accounts, x.poller)
	v := api.Version
	app.Post(v+"/channel-accounts", h.Create)
	app.Get(v+"/channel-accounts", h.List)
	app.Get(v+"/channel-accounts/:id", h.Get)
	app.Patch(v+"/channel-accounts/:id", h.Update)
	app.Post(v+"/channel-accounts/:id/test", h.Test)
	app.Post(v+"/channel-accounts/:id/poll", h.Poll)
	app.Get(v+"/orders/:id/shipment-confirmations", channel.NewShipmentHandlers(x.sync).List)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		x.t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	x.t.Cleanup(func() { _ = app.Shutdown() })
	base := "http://" + ln.Addr().String()
	c, err := client.New(base, client.WithToken("test"))
	if err != nil {
		x.t.Fatal(err)
	}
	return c, base
}

func rawCall(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestChannelAccountsAPI(t *testing.T) {
	x := newIntakeFixture(t)
	c, base := x.serveAPI(x.tenant)
	ctx := context.Background()
	const secret = "sk-live-DO-NOT-SHOW"

	body, _ := json.Marshal(api.CreateChannelAccountRequest{Kind: scriptedKind, Name: "Main store", BaseURL: "http://127.0.0.1:9/sim",
		Credentials: map[string]string{"api_key": secret, "webhook_secret": "whsec-" + secret}})
	status, answer := rawCall(t, "POST", base+api.Version+"/channel-accounts", string(body))
	if status != 201 || strings.Contains(answer, secret) {
		t.Fatalf("create: %d %s", status, answer)
	}
	var created api.ChannelAccount
	if err := json.Unmarshal([]byte(answer), &created); err != nil {
		t.Fatal(err)
	}
	if created.Kind != scriptedKind || created.Name != "Main store" || !created.Enabled ||
		strings.Join(created.CredentialFields, ",") != "api_key,webhook_secret" || !strings.HasPrefix(created.WebhookPath, "/webhooks/scripted/"+created.ID+"/") {
		t.Fatalf("created: %+v", created)
	}
	if _, err := c.CreateChannelAccount(ctx, api.CreateChannelAccountRequest{Kind: "myspace", Name: "x", Credentials: map[string]string{"k": "v"}}); client.StatusOf(err) != 400 {
		t.Fatalf("create of an unknown kind: %v, want 400", err)
	}

	list, err := c.ListChannelAccounts(ctx)
	if err != nil || len(list) != 1 || list[0].ID != created.ID {
		t.Fatalf("list: %+v (%v)", list, err)
	}
	for _, path := range []string{"/channel-accounts", "/channel-accounts/" + created.ID} {
		if status, answer := rawCall(t, "GET", base+api.Version+path, ""); status != 200 || strings.Contains(answer, secret) {
			t.Fatalf("GET %s: %d %s", path, status, answer)
		}
	}
	got, err := c.GetChannelAccount(ctx, created.ID)
	if err != nil || got.BaseURL != "http://127.0.0.1:9/sim" {
		t.Fatalf("get: %+v (%v)", got, err)
	}

	test, err := c.TestChannelAccount(ctx, created.ID)
	if err != nil || !test.OK {
		t.Fatalf("test: %+v (%v)", test, err)
	}
	x.cx.testErr = errors.New("401 Unauthorized: the client secret is invalid")
	test, err = c.TestChannelAccount(ctx, created.ID)
	if err != nil || test.OK || test.Message != "401 Unauthorized: the client secret is invalid" {
		t.Fatalf("test of refused credentials: %+v (%v), want ok false with the channel's words", test, err)
	}
	x.cx.testErr = nil
	if test, err = c.TestChannelAccount(ctx, created.ID); err != nil || !test.OK {
		t.Fatalf("test: %+v (%v)", test, err)
	}

	x.cx.put(uuid.MustParse(created.ID), channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	res, err := c.PollChannelAccount(ctx, created.ID)
	if err != nil || res.Fetched != 1 || res.Created != 1 || res.Watermark.IsZero() {
		t.Fatalf("poll now: %+v (%v)", res, err)
	}
	x.cx.failFetch(&channel.Throttled{RetryAfter: 30 * time.Second, Message: "QuotaExceeded"})
	if _, err := c.PollChannelAccount(ctx, created.ID); client.StatusOf(err) != 429 {
		t.Fatalf("throttled poll: %v, want 429", err)
	}
	x.cx.failFetch(errors.New("GET /orders: 500 Internal Server Error: database is down"))
	_, err = c.PollChannelAccount(ctx, created.ID)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 503 || !strings.Contains(ce.Message, "database is down") {
		t.Fatalf("failed poll: %v, want 503 with the channel's words", err)
	}

	off := false
	name := "Renamed store"
	upd, err := c.UpdateChannelAccount(ctx, created.ID, api.UpdateChannelAccountRequest{Enabled: &off, Name: &name,
		Credentials: map[string]string{"api_key": "sk-rotated"}})
	if err != nil || upd.Enabled || upd.Name != name || strings.Join(upd.CredentialFields, ",") != "api_key" {
		t.Fatalf("update: %+v (%v)", upd, err)
	}
	if _, err := c.PollChannelAccount(ctx, created.ID); client.StatusOf(err) != 409 {
		t.Fatalf("poll of a disabled account: %v, want 409", err)
	}
	if test, err := c.TestChannelAccount(ctx, created.ID); err != nil || !test.OK {
		t.Fatalf("a disabled account can still be tested: %+v (%v)", test, err)
	}
	on := true
	if upd, err = c.UpdateChannelAccount(ctx, created.ID, api.UpdateChannelAccountRequest{Enabled: &on}); err != nil || !upd.Enabled {
		t.Fatalf("enable: %+v (%v)", upd, err)
	}

	stock := x.connectKind(x.tenant, shop)
	if test, err := c.TestChannelAccount(ctx, stock.ID); err != nil || test.OK {
		t.Fatalf("test of a stock-only channel: %+v (%v)", test, err)
	}
	if _, err := c.PollChannelAccount(ctx, stock.ID); client.StatusOf(err) != 409 {
		t.Fatalf("poll of a stock-only channel: %v, want 409", err)
	}

	for _, tc := range []struct {
		id     string
		status int
	}{{"nope", 400}, {uuid.NewString(), 404}} {
		if _, err := c.GetChannelAccount(ctx, tc.id); client.StatusOf(err) != tc.status {
			t.Errorf("get %s: %v, want %d", tc.id, err, tc.status)
		}
		if _, err := c.TestChannelAccount(ctx, tc.id); client.StatusOf(err) != tc.status {
			t.Errorf("test %s: %v, want %d", tc.id, err, tc.status)
		}
		if _, err := c.PollChannelAccount(ctx, tc.id); client.StatusOf(err) != tc.status {
			t.Errorf("poll %s: %v, want %d", tc.id, err, tc.status)
		}
	}

	// Another tenant cannot see, test, poll or change the account.
	other, _ := x.serveAPI(x.newTenant())
	if list, err := other.ListChannelAccounts(ctx); err != nil || len(list) != 0 {
		t.Fatalf("another tenant lists %+v (%v)", list, err)
	}
	if _, err := other.GetChannelAccount(ctx, created.ID); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant's get: %v", err)
	}
	if _, err := other.TestChannelAccount(ctx, created.ID); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant's test: %v", err)
	}
	if _, err := other.PollChannelAccount(ctx, created.ID); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant's poll: %v", err)
	}
	if _, err := other.UpdateChannelAccount(ctx, created.ID, api.UpdateChannelAccountRequest{Enabled: &off}); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant's update: %v", err)
	}
	if got, _ := c.GetChannelAccount(ctx, created.ID); !got.Enabled {
		t.Fatal("another tenant disabled the account")
	}
}
