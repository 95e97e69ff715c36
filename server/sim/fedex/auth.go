package fedex

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiErr is one entry of FedEx's error envelope.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers in FedEx's error format.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"transactionId": newID(), "errors": []apiErr{{Code: code, Message: message}}})
}

// handleToken is the OAuth client-credentials endpoint: the credentials
// come in the form.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, OpOAuth) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED.MEDIATYPE.ERROR", "Content-Type must be application/x-www-form-urlencoded.")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "BAD.REQUEST.ERROR", "The given grant_type is not supported. Please modify your request and try again.")
		return
	}
	if r.PostForm.Get("client_id") != s.opts.ClientID || r.PostForm.Get("client_secret") != s.opts.ClientSecret {
		writeError(w, http.StatusUnauthorized, "NOT.AUTHORIZED.ERROR", "The given client credentials were not valid. Please modify your request and try again.")
		return
	}
	token := "eyJ" + newID() + newID()
	s.mu.Lock()
	s.tokens[token] = s.now().Add(s.opts.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "bearer",
		"expires_in": int64(s.opts.TokenLifetime.Seconds()), "scope": "CXS-TP",
	})
}

// authorized checks the bearer token; an unknown or expired one gets the
// 401 FedEx answers with.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[token]
	s.mu.Unlock()
	switch {
	case !ok || !known:
		writeError(w, http.StatusUnauthorized, "NOT.AUTHORIZED.ERROR", "We could not authorize your credentials. Please check your permissions and try again.")
		return false
	case !s.now().Before(exp):
		writeError(w, http.StatusUnauthorized, "NOT.AUTHORIZED.ERROR", "Access token expired. Please modify your request and try again.")
		return false
	}
	return true
}

// ExpireTokens makes every token issued so far expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = s.now()
	}
}

// Fault kinds.
const (
	FaultThrottle     = carrierscript.FaultThrottle     // 429 TOO.MANY.REQUESTS.ERROR with Retry-After
	FaultUnavailable  = carrierscript.FaultUnavailable  // 503 SERVICE.UNAVAILABLE.ERROR
	FaultHang         = carrierscript.FaultHang         // hold the request until the client gives up
	FaultUnauthorized = carrierscript.FaultUnauthorized // 401 as for an expired token
)

// Fault is an injected failure: the next Count requests of Op (every
// operation when empty) fail as Kind.
type Fault = carrierscript.Fault

// InjectFault queues f; a Count below one means one request.
func (s *Server) InjectFault(f Fault) error { return s.gate.Inject(f) }

// SetScript replaces the script entry (nil removes it), refusing one the
// script format would refuse.
func (s *Server) SetScript(p *carrierscript.Provider) error { return s.gate.SetScript(p) }

// enter counts a request and applies an injected fault, or, for rating, the
// script's failure mode and latency. It reports whether the request may
// proceed; when not, it has been answered (or abandoned by the client).
func (s *Server) enter(w http.ResponseWriter, r *http.Request, op string) bool {
	kind, latency := s.gate.Enter(op)
	switch kind {
	case FaultThrottle:
		w.Header().Set("Retry-After", strconv.Itoa(int((s.opts.RetryAfter+time.Second-1)/time.Second)))
		writeError(w, http.StatusTooManyRequests, "TOO.MANY.REQUESTS.ERROR", "We have received too many requests in a short duration. Please wait a while to try again.")
		return false
	case FaultUnavailable:
		writeError(w, http.StatusServiceUnavailable, "SERVICE.UNAVAILABLE.ERROR", "The service is currently unavailable and we are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.")
		return false
	case FaultUnauthorized:
		writeError(w, http.StatusUnauthorized, "NOT.AUTHORIZED.ERROR", "Access token expired. Please modify your request and try again.")
		return false
	case FaultHang:
		carrierscript.Hold(r.Context(), s.closed, -1)
		return false
	}
	return latency <= 0 || carrierscript.Hold(r.Context(), s.closed, latency)
}

// api wraps an API handler: faults first, then the bearer token, then the
// JSON content type.
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.enter(w, r, op) || !s.authorized(w, r) {
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED.MEDIATYPE.ERROR", "Content-Type must be application/json.")
			return
		}
		h(w, r)
	}
}
