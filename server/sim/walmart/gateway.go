package walmart

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error categories and severities of Walmart's GatewayError.
const (
	catApplication = "APPLICATION"
	catSystem      = "SYSTEM"
	catRequest     = "REQUEST"
	catData        = "DATA"
)

// gwError is one entry of Walmart's error envelope {"errors":[…]}.
type gwError struct {
	Code             string         `json:"code"`
	Field            string         `json:"field,omitempty"`
	Description      string         `json:"description,omitempty"`
	Info             string         `json:"info,omitempty"`
	Severity         string         `json:"severity"`
	Category         string         `json:"category"`
	Causes           []any          `json:"causes"`
	ErrorIdentifiers map[string]any `json:"errorIdentifiers"`
}

func writeError(w http.ResponseWriter, status int, e gwError) { writeJSON(w, status, e.envelope()) }

// envelope is the error as Walmart's body carries it.
func (e gwError) envelope() map[string][]gwError {
	if e.Severity == "" {
		e.Severity = "ERROR"
	}
	if e.Causes == nil {
		e.Causes = []any{}
	}
	if e.ErrorIdentifiers == nil {
		e.ErrorIdentifiers = map[string]any{}
	}
	return map[string][]gwError{"errors": {e}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// Walmart's words for the common refusals.
var (
	errUnauthorized = gwError{Code: "UNAUTHORIZED.GMP_GATEWAY_API", Field: "UNAUTHORIZED", Description: "Unauthorized",
		Info: "Unauthorized token or invalid token", Category: catData}
	errThrottled = gwError{Code: "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", Description: "Too many requests",
		Info: "Request threshold violated; wait until x-next-replenishment-time", Category: catRequest}
	errSystem = gwError{Code: "SYSTEM_ERROR.GMP_GATEWAY_API", Description: "System error",
		Info: "Something went wrong. Please try again later.", Category: catSystem}
)

func badHeader(name, why string) gwError {
	return gwError{Code: "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", Field: name, Description: "Invalid request header",
		Info: name + " " + why, Category: catRequest}
}

func badParam(api, field, why string) gwError {
	return gwError{Code: "INVALID_REQUEST_PARAM." + api, Field: field, Description: why,
		Info: "Request parameter is invalid.", Category: catData}
}

func badContent(api, why string) gwError {
	return gwError{Code: "INVALID_REQUEST_CONTENT." + api, Field: "data", Description: why,
		Info: "Request content is invalid.", Category: catData}
}

func notFound(api, why string) gwError {
	return gwError{Code: "CONTENT_NOT_FOUND." + api, Field: "data", Description: why,
		Info: "Requested content could not be found.", Category: catData}
}

// Error code suffixes by API family.
const (
	gmpOrders    = "GMP_ORDER_API"
	gmpInventory = "GMP_INVENTORY_API"
	gmpGateway   = "GMP_GATEWAY_API"
)

// Fault is a failure injected into the next API requests (the token
// endpoint and /_sim/ are never affected).
type Fault string

// Faults a test can inject.
const (
	// FaultThrottle answers 429 REQUEST_THRESHOLD_VIOLATED, as an empty bucket does.
	FaultThrottle Fault = "429"
	// FaultServerError answers 500 SYSTEM_ERROR.
	FaultServerError Fault = "500"
	// FaultUnauthorized answers 401 UNAUTHORIZED whatever the token.
	FaultUnauthorized Fault = "401"
	// FaultMalformed answers 200 with a truncated JSON body.
	FaultMalformed Fault = "malformed"
	// FaultExpireTokens is not queued: every issued token expires at once.
	FaultExpireTokens Fault = "token_expiry"
)

// InjectFault makes the next n API requests fail with f, after any faults
// already queued. FaultExpireTokens acts at once and ignores n.
func (s *Server) InjectFault(f Fault, n int) error {
	switch f {
	case FaultExpireTokens:
		s.ExpireTokens()
		return nil
	case FaultThrottle, FaultServerError, FaultUnauthorized, FaultMalformed:
	default:
		return fmt.Errorf("unknown fault %q (use 429, 500, 401, malformed or token_expiry)", f)
	}
	if n < 0 {
		return fmt.Errorf("fault count %d is negative", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
	return nil
}

// ExpireTokens makes every issued access token expired now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for t := range s.tokens {
		s.tokens[t] = now
	}
}

// TokensIssued is how many access tokens the token endpoint has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Request is one API request as the simulator saw it.
type Request struct {
	API      string `json:"api"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	RawQuery string `json:"raw_query,omitempty"`
	Status   int    `json:"status"`
}

// Requests lists the API requests received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// api wraps an endpoint with what Walmart's gateway does before it: injected
// faults, required headers, the access token and the API's token bucket.
func (s *Server) api(name string, auth bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{API: name, Method: r.Method, Path: r.URL.Path,
				RawQuery: r.URL.RawQuery, Status: max(rec.status, http.StatusOK)})
			s.mu.Unlock()
		}()
		s.mu.Lock()
		var f Fault
		if auth {
			f = s.popFault()
		}
		count, next, allowed := s.take(name)
		s.mu.Unlock()
		if !s.opts.NoRateLimits {
			rec.Header().Set("x-current-token-count", strconv.Itoa(count))
			rec.Header().Set("x-next-replenishment-time", s.formatReplenishment(next))
		}
		if f != "" {
			s.writeFault(rec, f, next)
			return
		}
		if !s.checkHeaders(rec, r) {
			return
		}
		if auth && !s.checkToken(rec, r) {
			return
		}
		if !allowed {
			writeError(rec, http.StatusTooManyRequests, errThrottled)
			return
		}
		h(rec, r)
	}
}

// popFault takes the next queued fault. Callers hold s.mu.
func (s *Server) popFault() Fault {
	if len(s.faults) == 0 {
		return ""
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

func (s *Server) writeFault(w http.ResponseWriter, f Fault, next time.Time) {
	switch f {
	case FaultThrottle:
		w.Header().Set("x-current-token-count", "0")
		w.Header().Set("x-next-replenishment-time", s.formatReplenishment(next))
		writeError(w, http.StatusTooManyRequests, errThrottled)
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, errSystem)
	case FaultUnauthorized:
		writeError(w, http.StatusUnauthorized, errUnauthorized)
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"list":{"meta":{"totalCount":3,"limit":100},"elements":{"order":[{"purchaseOrderId":"1088`))
	}
}

func (s *Server) formatReplenishment(t time.Time) string {
	if s.opts.ReplenishmentISO {
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// bucket is one API's token bucket: it refills whole at next.
type bucket struct {
	tokens int
	next   time.Time
}

// take spends one token of the API's bucket. Callers hold s.mu.
func (s *Server) take(name string) (count int, next time.Time, ok bool) {
	now := s.now()
	b := s.buckets[name]
	if b == nil || !now.Before(b.next) {
		b = &bucket{tokens: s.opts.RateLimit, next: now.Add(s.opts.RateWindow)}
		s.buckets[name] = b
	}
	if s.opts.NoRateLimits {
		return b.tokens, b.next, true
	}
	if b.tokens == 0 {
		return 0, b.next, false
	}
	b.tokens--
	return b.tokens, b.next, true
}

// checkHeaders enforces WM_SVC.NAME, WM_QOS.CORRELATION_ID and a JSON Accept.
func (s *Server) checkHeaders(w http.ResponseWriter, r *http.Request) bool {
	if strings.TrimSpace(r.Header.Get("WM_SVC.NAME")) == "" {
		writeError(w, http.StatusBadRequest, badHeader("WM_SVC.NAME", "is missing"))
		return false
	}
	cid := strings.TrimSpace(r.Header.Get("WM_QOS.CORRELATION_ID"))
	if cid == "" || len(cid) > 64 || strings.ContainsAny(cid, " \t") {
		writeError(w, http.StatusBadRequest, badHeader("WM_QOS.CORRELATION_ID", "is missing or malformed"))
		return false
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeError(w, http.StatusBadRequest, badHeader("Accept", "must be application/json"))
		return false
	}
	return true
}

// checkToken enforces WM_SEC.ACCESS_TOKEN.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := strings.TrimSpace(r.Header.Get("WM_SEC.ACCESS_TOKEN"))
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	valid := ok && s.now().Before(exp)
	s.mu.Unlock()
	if !valid {
		writeError(w, http.StatusUnauthorized, errUnauthorized)
		return false
	}
	return true
}

// handleToken is POST /v3/token for grant_type=client_credentials.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeError(w, http.StatusBadRequest, badHeader("Content-Type", "must be application/x-www-form-urlencoded"))
		return
	}
	id, secret, ok := basicAuth(r.Header.Get("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) != 1 {
		e := errUnauthorized
		e.Info = `Unauthorized token or incorrect authorization header. Please verify correct format: "Authorization: Basic Base64Encode(clientId:clientSecret)"`
		writeError(w, http.StatusUnauthorized, e)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, badParam(gmpGateway, "grant_type", "request body is not a form"))
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		writeError(w, http.StatusBadRequest, badParam(gmpGateway, "grant_type",
			fmt.Sprintf("grant_type %q is not supported for this application; use client_credentials", g)))
		return
	}
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	tok := "eyJraWQiOiJzaW0ifQ." + hex.EncodeToString(raw)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.opts.TokenLifetime)
	s.issued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.opts.TokenLifetime / time.Second)})
}

func basicAuth(h string) (id, secret string, ok bool) {
	const prefix = "Basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}
