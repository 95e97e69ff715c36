package station

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
)

// fakeServer answers the endpoints the station uses in the API's real wire
// format: JSON bodies from shared/api and the {"error":{...}} envelope.
type fakeServer struct {
	*httptest.Server

	mu          sync.Mutex
	password    map[string]string // email -> password
	tokens      map[string]string // secret -> token id
	revoked     []string          // token ids revoked through the API
	devices     []string          // device names tokens were issued to
	ready       bool
	rateLimited bool
	logins      int
	nextID      int
}

const (
	testEmail    = "packer@acme.test"
	testPassword = "correct horse"
)

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{
		password: map[string]string{testEmail: testPassword},
		tokens:   map[string]string{},
		ready:    true,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/device", f.deviceLogin)
	mux.HandleFunc("GET /api/v1/me", f.me)
	mux.HandleFunc("POST /api/v1/auth/logout", f.revoke)
	mux.HandleFunc("GET /readyz", f.readyz)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// issue creates a token as if a device had signed in earlier.
func (f *fakeServer) issue(device string) (secret, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id = fmt.Sprintf("tok_%d", f.nextID)
	secret = "mfd_secret_" + id
	f.tokens[secret] = id
	f.devices = append(f.devices, device)
	return secret, id
}

func (f *fakeServer) setReady(ready bool) {
	f.mu.Lock()
	f.ready = ready
	f.mu.Unlock()
}

func (f *fakeServer) tokenCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokens)
}

func (f *fakeServer) deviceLogin(w http.ResponseWriter, r *http.Request) {
	var req api.DeviceLoginRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "body must be JSON")
		return
	}
	f.mu.Lock()
	f.logins++
	limited := f.rateLimited
	want, known := f.password[req.Email]
	f.mu.Unlock()
	switch {
	case limited:
		writeError(w, http.StatusTooManyRequests, api.CodeRateLimited, "too many sign-in attempts, retry in 60 seconds")
		return
	case !known || want != req.Password:
		writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated, "invalid email or password")
		return
	case req.DeviceName == "":
		writeError(w, http.StatusUnprocessableEntity, api.CodeValidation, "device_name is required")
		return
	}
	secret, id := f.issue(req.DeviceName)
	writeJSON(w, http.StatusCreated, api.CreatedToken{
		Token:  api.Token{ID: id, Name: req.DeviceName, Prefix: secret[:8], UserID: "usr_1", CreatedAt: time.Now().UTC()},
		Secret: secret,
	})
}

func (f *fakeServer) me(w http.ResponseWriter, r *http.Request) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	_, valid := f.tokens[secret]
	f.mu.Unlock()
	if !ok || !valid {
		writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated, "token is invalid or revoked")
		return
	}
	writeJSON(w, http.StatusOK, api.Me{
		User:        api.User{ID: "usr_1", TenantID: "ten_1", Email: testEmail, Name: "Pat Packer", Role: "packer", CreatedAt: time.Now().UTC()},
		Tenant:      &api.Tenant{ID: "ten_1", Slug: "acme", Name: "Acme Tools", CreatedAt: time.Now().UTC()},
		Role:        "packer",
		Permissions: []string{"packing:work"},
		AuthMethod:  "token",
	})
}

func (f *fakeServer) revoke(w http.ResponseWriter, r *http.Request) {
	secret, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, valid := f.tokens[secret]; !valid {
		writeError(w, http.StatusUnauthorized, api.CodeUnauthenticated, "token is invalid or revoked")
		return
	}
	// Logging out with a token revokes that token.
	f.revoked = append(f.revoked, f.tokens[secret])
	delete(f.tokens, secret)
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeServer) readyz(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	ready := f.ready
	f.mu.Unlock()
	if !ready {
		writeJSON(w, http.StatusServiceUnavailable, api.Health{Status: "unavailable", Checks: map[string]string{"postgres": "down", "redis": "ok"}})
		return
	}
	writeJSON(w, http.StatusOK, api.Health{Status: "ok", Checks: map[string]string{"postgres": "ok", "redis": "ok"}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg, RequestID: "req_test"}})
}

// recorder is an Emitter that keeps every event for the test to inspect.
type recorder struct {
	mu     sync.Mutex
	events []ConnectionState
	names  []string
}

func (r *recorder) Emit(event string, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, event)
	st, _ := data.(ConnectionState)
	r.events = append(r.events, st)
}

func (r *recorder) snapshot() ([]string, []ConnectionState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...), append([]ConnectionState(nil), r.events...)
}

// waitEvent waits until an event satisfying ok is recorded after the first
// skip events, and returns its index.
func (r *recorder) waitEvent(t *testing.T, skip int, what string, ok func(ConnectionState) bool) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, events := r.snapshot()
		for i := skip; i < len(events); i++ {
			if ok(events[i]) {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, events := r.snapshot()
	t.Fatalf("no %s event after #%d; events: %+v", what, skip, events)
	return -1
}
