package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// raw sends a request and returns the status and decoded error envelope.
func raw(t *testing.T, method, url, token, contentType string, body []byte) (int, api.ErrorBody, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := http.DefaultClient
	if len(body) > 32<<10 {
		// A server refusing an oversized body answers 413 and closes at
		// once; with 100-continue the client waits for that answer instead
		// of writing into a closed connection.
		req.Header.Set("Expect", "100-continue")
		hc = &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var env api.ErrorBody
	_ = json.Unmarshal(data, &env)
	return resp.StatusCode, env, resp.Header
}

// fillPath replaces every :param with value.
func fillPath(path, value string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = value
		}
	}
	return strings.Join(parts, "/")
}

func TestEveryProtectedRouteNeedsACredential(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	checked := 0
	for _, r := range h.srv.Routes() {
		if r.Public {
			continue
		}
		status, env, _ := raw(t, r.Method, h.URL+fillPath(r.Path, uuid.NewString()), "", "application/json", []byte("{}"))
		if status != http.StatusUnauthorized || env.Error.Code != api.CodeUnauthenticated || env.Error.Message == "" {
			t.Errorf("%s %s without credential: %d %+v, want 401 in the error envelope", r.Method, r.Path, status, env)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d protected routes found", checked)
	}
	// A malformed or unknown bearer token is refused the same way.
	for _, tok := range []string{"garbage", identity.TokenPrefix + "unknown"} {
		if status, _, _ := raw(t, "GET", h.URL+"/api/v1/me", tok, "", nil); status != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, status)
		}
	}
}

func TestRoleWithoutPermissionIsForbidden(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	viewer := h.newUser(admin.TenantID, domain.RoleViewer)
	warehouse := h.newUser(admin.TenantID, domain.RoleWarehouse)

	_, err := viewer.Client.CreateUser(ctx, api.CreateUserRequest{Email: "x@example.com", Password: "long enough pw", Role: "viewer"})
	if client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("viewer creating a user: %v, want 403", err)
	}
	if _, err := warehouse.Client.ListTokens(ctx); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("warehouse listing tokens: %v, want 403", err)
	}
	if _, err := viewer.Client.ListUsers(ctx); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("viewer listing users: %v, want 403", err)
	}
	if _, err := admin.Client.ListUsers(ctx); err != nil {
		t.Fatalf("admin listing users: %v", err)
	}
	if me, err := viewer.Client.Me(ctx); err != nil || me.Role != "viewer" {
		t.Fatalf("viewer's own profile: %+v %v", me, err)
	}
	// Tenant users cannot reach platform endpoints, and operators cannot reach tenant data.
	if err := admin.Client.Do(ctx, "GET", "/api/v1/platform/jobs", nil, nil); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("tenant admin on platform jobs: %v, want 403", err)
	}
	op := h.newUser(uuid.Nil, domain.RoleOperator)
	if _, err := op.Client.ListUsers(ctx); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("operator listing tenant users: %v, want 403", err)
	}
	var jobs api.JobOverview
	if err := op.Client.Do(ctx, "GET", "/api/v1/platform/jobs", nil, &jobs); err != nil {
		t.Fatalf("operator on platform jobs: %v", err)
	}
	if len(jobs.Queues) < 3 {
		t.Fatalf("jobs overview lists %d queues, want critical, default and low", len(jobs.Queues))
	}
	// An admin cannot promote anyone to owner; only an owner can.
	ownerRole := "owner"
	if _, err := admin.Client.UpdateUser(ctx, viewer.UserID.String(), api.UpdateUserRequest{Role: &ownerRole}); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("admin promoting to owner: %v, want 403", err)
	}
}

// TestOtherTenantsIDsAreNotFound visits every route with an id in its path,
// as tenant B, using ids that exist in tenant A: each must answer 404, exactly
// as for an id that exists nowhere.
func TestOtherTenantsIDsAreNotFound(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	a := h.newTenant(domain.RoleOwner)
	b := h.newTenant(domain.RoleOwner)
	tokA, err := a.Client.CreateToken(ctx, api.CreateTokenRequest{Name: "a's token"})
	if err != nil {
		t.Fatal(err)
	}
	h.seedProduct(a, "A-SECRET-1", 5)
	prodA, err := a.Client.CreateProduct(ctx, api.CreateProductRequest{SKU: "A-SECRET-2", Name: "Secret", Barcodes: []string{"4006381333931"}})
	if err != nil {
		t.Fatal(err)
	}
	orderA, err := a.Client.CreateOrder(ctx, api.CreateOrderRequest{CustomerName: "Ann", ShipTo: api.Address{Name: "Ann",
		Line1: "1 Main St", City: "Austin", PostalCode: "78701", Country: "US"},
		Lines: []api.OrderLineInput{{SKU: "A-SECRET-1", Quantity: 1, UnitPrice: "5.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	chanA, err := a.Client.CreateChannelAccount(ctx, api.CreateChannelAccountRequest{Kind: "woocommerce", Name: "A's store",
		BaseURL: "https://a.example/wp-json/wc/v3", Credentials: map[string]string{"consumer_key": "ck_a", "consumer_secret": "cs_a"}})
	if err != nil {
		t.Fatal(err)
	}
	carrierA, err := a.Client.CreateCarrierAccount(ctx, api.CreateCarrierAccountRequest{Provider: "ups_direct", Name: "A's UPS",
		BaseURL: "http://127.0.0.1:9", Credentials: map[string]string{"client_id": "a", "client_secret": "b", "account_number": "A1B2C3"}})
	if err != nil {
		t.Fatal(err)
	}
	dallas := api.Address{Name: "Dock", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"}
	shipA, err := a.Client.QuickRate(ctx, api.QuickRateRequest{From: &dallas, To: api.Address{Name: "Ann", Line1: "233 S Wacker Dr",
		City: "Chicago", Region: "IL", PostalCode: "60606", Country: "US"}, Parcel: api.Parcel{WeightOz: 20, LengthIn: 8, WidthIn: 6, HeightIn: 4},
		Promise: &api.PromiseLevel{Level: "ground", MaxBusinessDays: 5}})
	if err != nil {
		t.Fatal(err)
	}
	handoffA, err := a.Client.StartHandoff(ctx, api.StartHandoffRequest{Carrier: "ups"})
	if err != nil {
		t.Fatal(err)
	}
	// A close-out needs labeled parcels; the form itself is all this test needs.
	manifestA := uuid.New()
	if err := h.app.db.Tenant(ctx, a.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO manifests (tenant_id, id, provider, ship_date, document) VALUES (?, ?, 'usps_direct', current_date, '%PDF-')`,
			a.TenantID, manifestA).Error
	}); err != nil {
		t.Fatal(err)
	}
	// ids of tenant A's resources, by route path parameter.
	idsOfA := map[string]string{
		"/api/v1/users/:id":                         a.UserID.String(),
		"/api/v1/tokens/:id":                        tokA.Token.ID,
		"/api/v1/stock/:sku":                        "A-SECRET-1",
		"/api/v1/stock/:sku/ledger":                 "A-SECRET-1",
		"/api/v1/orders/:id":                        orderA.ID,
		"/api/v1/orders/:id/cancel":                 orderA.ID,
		"/api/v1/orders/:id/transitions":            orderA.ID,
		"/api/v1/pick-queue/:id/claim":              orderA.ID,
		"/api/v1/products/:id":                      prodA.ID,
		"/api/v1/barcodes/:code":                    "4006381333931",
		"/api/v1/channel-accounts/:id":              chanA.ID,
		"/api/v1/channel-accounts/:id/test":         chanA.ID,
		"/api/v1/channel-accounts/:id/poll":         chanA.ID,
		"/api/v1/orders/:id/shipment-confirmations": orderA.ID,
		"/api/v1/orders/:id/rates":                  orderA.ID,
		"/api/v1/orders/:id/label":                  orderA.ID,
		"/api/v1/shipments/:id":                     shipA.ID,
		"/api/v1/shipments/:id/label":               shipA.ID,
		"/api/v1/shipments/:id/void":                shipA.ID,
		"/api/v1/manifests/:id/document":            manifestA.String(),
		"/api/v1/handoffs/:id/scans":                handoffA.ID,
		"/api/v1/handoffs/:id":                      handoffA.ID,
		"/api/v1/handoffs/:id/close":                handoffA.ID,
		"/api/v1/carrier-accounts/:id":              carrierA.ID,
	}
	bodies := map[string]string{
		"PATCH /api/v1/users/:id":             `{"disabled": true}`,
		"POST /api/v1/orders/:id/transitions": `{"status": "PICKING"}`,
		"PUT /api/v1/products/:id":            `{"sku": "B-TAKEOVER", "name": "Taken over"}`,
		"PATCH /api/v1/channel-accounts/:id":  `{"enabled": false}`,
		"PATCH /api/v1/carrier-accounts/:id":  `{"enabled": false}`,
		"POST /api/v1/handoffs/:id/scans":     `{"code": "1Z999AA10123456784"}`,
	}
	for _, r := range h.srv.Routes() {
		if !strings.Contains(r.Path, "/:") || strings.HasPrefix(r.Path, "/api/v1/platform/") || r.Public {
			continue
		}
		id, ok := idsOfA[r.Path]
		if !ok {
			t.Errorf("%s %s has an id in its path but no cross-tenant case here; add one", r.Method, r.Path)
			continue
		}
		body := bodies[r.Method+" "+r.Path]
		if body == "" {
			body = "{}"
		}
		status, env, _ := raw(t, r.Method, h.URL+fillPath(r.Path, id), b.Client.Token(), "application/json", []byte(body))
		if status != http.StatusNotFound || env.Error.Code != api.CodeNotFound {
			t.Errorf("%s %s with tenant A's id as tenant B: %d %+v, want 404", r.Method, r.Path, status, env)
		}
		missing, envMissing, _ := raw(t, r.Method, h.URL+fillPath(r.Path, uuid.NewString()), b.Client.Token(), "application/json", []byte(body))
		if missing != status || strings.Contains(env.Error.Message, "tenant") != strings.Contains(envMissing.Error.Message, "tenant") {
			t.Errorf("%s %s: another tenant's id (%d %q) is distinguishable from a missing one (%d %q)",
				r.Method, r.Path, status, env.Error.Message, missing, envMissing.Error.Message)
		}
	}
	// Tenant A's resources are untouched by B's attempts.
	u, err := a.Client.GetUser(ctx, a.UserID.String())
	if err != nil || u.Disabled {
		t.Fatalf("tenant A's user after B's attempts: %+v %v", u, err)
	}
	if _, err := client.New(h.URL, client.WithToken(tokA.Secret)); err != nil {
		t.Fatal(err)
	}
	ca, _ := client.New(h.URL, client.WithToken(tokA.Secret))
	if _, err := ca.Me(ctx); err != nil {
		t.Fatalf("tenant A's token after B tried to revoke it: %v", err)
	}
	if acct, err := a.Client.GetChannelAccount(ctx, chanA.ID); err != nil || !acct.Enabled {
		t.Fatalf("tenant A's channel account after B's attempts: %+v %v", acct, err)
	}
	if p, err := a.Client.GetProduct(ctx, prodA.ID); err != nil || p.SKU != "A-SECRET-2" {
		t.Fatalf("tenant A's product after B's attempts: %+v %v", p, err)
	}
	if o, err := a.Client.GetOrder(ctx, orderA.ID); err != nil || o.Status != api.StatusAllocated {
		t.Fatalf("tenant A's order after B's attempts: %+v %v", o, err)
	}
}

func TestRevokedTokenStopsAtOnce(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	tok, err := admin.Client.CreateToken(ctx, api.CreateTokenRequest{Name: "integration"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := client.New(h.URL, client.WithToken(tok.Secret))
	me, err := c.Me(ctx)
	if err != nil || me.User.ID != admin.UserID.String() || me.Tenant == nil || me.Tenant.ID != admin.TenantID.String() || me.Role != "admin" {
		t.Fatalf("me with new token: %+v %v", me, err)
	}
	if err := admin.Client.RevokeToken(ctx, tok.Token.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(ctx); client.StatusOf(err) != http.StatusUnauthorized {
		t.Fatalf("revoked token: %v, want 401", err)
	}
	// A device signs in with a password and signs out by logging out with its token.
	station := h.anonymous()
	dev, err := station.DeviceLogin(ctx, admin.Email, admin.Password, "station 1")
	if err != nil || dev.Secret == "" {
		t.Fatalf("device login: %+v %v", dev, err)
	}
	if _, err := station.Me(ctx); err != nil {
		t.Fatalf("device token: %v", err)
	}
	if err := station.Logout(ctx); err != nil {
		t.Fatalf("device logout: %v", err)
	}
	if _, err := station.Me(ctx); client.StatusOf(err) != http.StatusUnauthorized {
		t.Fatalf("device token after logout: %v, want 401", err)
	}
	list, err := admin.Client.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range list.Tokens {
		if tk.ID == tok.Token.ID && tk.RevokedAt == nil {
			t.Fatal("listed token shows no revocation time")
		}
	}
}

func TestBadInputAnswersNameTheProblem(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	admin := h.newTenant(domain.RoleAdmin)
	tok := admin.Client.Token()
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code, mention                   string
	}{
		{"malformed JSON", "POST", "/api/v1/users", "application/json", `{"email": "a@b.c",`, 400, api.CodeValidation, "not valid JSON"},
		{"wrong type", "POST", "/api/v1/users", "application/json", `{"email": 5}`, 400, api.CodeValidation, `"email"`},
		{"unknown field", "POST", "/api/v1/users", "application/json", `{"emial": "a@b.c"}`, 400, api.CodeValidation, `"emial"`},
		{"two values", "POST", "/api/v1/tokens", "application/json", `{"name":"a"} {"name":"b"}`, 400, api.CodeValidation, "after the JSON value"},
		{"not JSON", "POST", "/api/v1/tokens", "text/plain", `name=a`, 415, api.CodeUnsupportedType, "application/json"},
		{"bad role", "POST", "/api/v1/users", "application/json", `{"email":"a@example.com","password":"long enough pw","role":"boss"}`, 400, api.CodeValidation, "boss"},
		{"short password", "POST", "/api/v1/users", "application/json", `{"email":"a@example.com","password":"short","role":"viewer"}`, 400, api.CodeValidation, "at least 10"},
		{"bad id", "GET", "/api/v1/users/not-a-uuid", "", "", 400, api.CodeValidation, "not-a-uuid"},
		{"unknown route", "GET", "/api/v1/nothing-here", "", "", 404, api.CodeNotFound, "/api/v1/nothing-here"},
		{"oversized body", "POST", "/api/v1/tokens", "application/json", `{"name":"` + strings.Repeat("x", 70000) + `"}`, 413, api.CodeTooLarge, "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, env, _ := raw(t, c.method, h.URL+c.path, tok, c.ctype, []byte(c.body))
			if status != c.status || env.Error.Code != c.code || !strings.Contains(env.Error.Message, c.mention) {
				t.Fatalf("got %d %+v, want %d %s mentioning %q", status, env.Error, c.status, c.code, c.mention)
			}
		})
	}
	// Nothing was half-written: the tenant still has exactly its one user.
	users, err := admin.Client.ListUsers(context.Background())
	if err != nil || len(users.Users) != 1 {
		t.Fatalf("users after bad input: %+v %v", users, err)
	}
}

func TestConsoleSessionLoginCSRFAndLogout(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	c := h.anonymous()

	_, errWrong := c.Login(ctx, admin.Email, "not the password")
	_, errUnknown := c.Login(ctx, "nobody-"+admin.Email, "not the password")
	var ew, eu *client.Error
	if !asAPI(errWrong, &ew) || !asAPI(errUnknown, &eu) || ew.Status != 401 || eu.Status != 401 ||
		ew.Code != eu.Code || ew.Message != eu.Message {
		t.Fatalf("wrong password (%v) and unknown user (%v) must look the same", errWrong, errUnknown)
	}

	login, err := c.Login(ctx, admin.Email, admin.Password)
	if err != nil || login.CSRFToken == "" || login.Me.Tenant == nil || login.Me.Tenant.ID != admin.TenantID.String() {
		t.Fatalf("login: %+v %v", login, err)
	}
	if me, err := c.Me(ctx); err != nil || me.AuthMethod != "session" {
		t.Fatalf("me by session: %+v %v", me, err)
	}
	// The session cookie alone does not authorize an unsafe request.
	req, _ := http.NewRequest("POST", h.URL+"/api/v1/tokens", strings.NewReader(`{"name":"csrf"}`))
	req.Header.Set("Content-Type", "application/json")
	for _, ck := range clientCookies(t, c, h.URL) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsafe request without CSRF token: %d, want 403", resp.StatusCode)
	}
	if _, err := c.CreateToken(ctx, api.CreateTokenRequest{Name: "with csrf"}); err != nil {
		t.Fatalf("unsafe request with CSRF token: %v", err)
	}
	cookies := clientCookies(t, c, h.URL)
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	// The old cookie is dead on the server, not merely forgotten by the client.
	req, _ = http.NewRequest("GET", h.URL+"/api/v1/me", nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old session cookie after logout: %d, want 401", resp.StatusCode)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	h := startServer(t, identity.LoginLimits{PerIP: 5, PerIPWindow: 60e9, FailuresPerUser: 100, UserWindow: 60e9})
	ctx := context.Background()
	c := h.anonymous()
	var last error
	for i := 0; i < 6; i++ {
		_, last = c.Login(ctx, "someone@example.com", "wrong password")
	}
	var e *client.Error
	if !asAPI(last, &e) || e.Status != http.StatusTooManyRequests || e.Code != api.CodeRateLimited {
		t.Fatalf("sixth attempt: %v, want 429", last)
	}
	status, _, hdr := raw(t, "POST", h.URL+"/api/v1/auth/login", "", "application/json", []byte(`{"email":"x@example.com","password":"y"}`))
	if status != 429 || hdr.Get("Retry-After") == "" {
		t.Fatalf("rate-limited answer: %d Retry-After=%q", status, hdr.Get("Retry-After"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ready, err := h.anonymous().Ready(context.Background())
	if err != nil || ready.Checks["postgres"] != "ok" || ready.Checks["redis"] != "ok" {
		t.Fatalf("readyz: %+v %v", ready, err)
	}
}

func asAPI(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

func clientCookies(t *testing.T, c *client.Client, base string) []*http.Cookie {
	t.Helper()
	return c.Cookies(base)
}
