package amazon

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"strings"
	"time"
)

// token is an issued LWA access token or restricted data token.
type token struct {
	expires   time.Time
	grantless bool
	rdt       bool
	resources []rdtResource
}

type rdtResource struct {
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements,omitempty"`
}

// access is what the token of a request grants on its path.
type access struct {
	rdt      bool
	elements map[string]bool
}

func (a access) has(element string) bool { return a.rdt && a.elements[element] }

func lwaError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// handleLWA is POST /auth/o2/token: refresh_token and client_credentials grants.
func (s *Server) handleLWA(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[OpLWA]++
	s.mu.Unlock()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		lwaError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		lwaError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form")
		return
	}
	f := r.PostForm
	grant := f.Get("grant_type")
	if grant == "" {
		lwaError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : grant_type")
		return
	}
	if grant != "refresh_token" && grant != "client_credentials" {
		lwaError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server")
		return
	}
	for _, p := range []string{"client_id", "client_secret"} {
		if f.Get(p) == "" {
			lwaError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : "+p)
			return
		}
	}
	if !eq(f.Get("client_id"), s.opts.ClientID) || !eq(f.Get("client_secret"), s.opts.ClientSecret) {
		lwaError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	t := &token{}
	if grant == "refresh_token" {
		rt := f.Get("refresh_token")
		if rt == "" {
			lwaError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : refresh_token")
			return
		}
		if !eq(rt, s.opts.RefreshToken) {
			lwaError(w, http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
			return
		}
	} else {
		if !strings.HasPrefix(f.Get("scope"), "sellingpartnerapi::") {
			lwaError(w, http.StatusBadRequest, "invalid_scope", "The request has an invalid parameter : scope")
			return
		}
		t.grantless = true
	}
	lifetime := s.opts.TokenLifetime
	s.mu.Lock()
	now := s.now()
	t.expires = now.Add(lifetime)
	issued := "Atza|" + newID(48)
	s.pruneTokens(now)
	s.tokens[issued] = t
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	body := map[string]any{"access_token": issued, "token_type": "bearer", "expires_in": int(lifetime / time.Second)}
	if grant == "refresh_token" {
		body["refresh_token"] = s.opts.RefreshToken
	}
	writeJSON(w, http.StatusOK, body)
}

// pruneTokens forgets tokens expired for over a day. Callers hold s.mu.
func (s *Server) pruneTokens(now time.Time) {
	for k, t := range s.tokens {
		if now.Sub(t.expires) > 24*time.Hour {
			delete(s.tokens, k)
		}
	}
}

// ExpireTokens makes every issued access token and RDT expire now, as if
// an hour had passed for them.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, t := range s.tokens {
		t.expires = past
	}
}

const denied = "Access to requested resource is denied."

// authorize checks x-amz-access-token for r and answers 403 Unauthorized
// as the real API does when it is missing, unknown, expired, grantless or
// an RDT that does not cover the request. Callers hold s.mu.
func (s *Server) authorize(r *http.Request, op string) (access, int, apiError) {
	raw := r.Header.Get("x-amz-access-token")
	if raw == "" {
		return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied}
	}
	t, ok := s.tokens[raw]
	if !ok {
		return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied,
			Details: "The access token you provided is revoked, malformed or invalid."}
	}
	if !s.now().Before(t.expires) {
		return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied,
			Details: "The access token you provided has expired."}
	}
	if t.grantless {
		return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied}
	}
	if !t.rdt {
		return access{}, 0, apiError{}
	}
	if op == OpCreateRDT {
		return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied}
	}
	for _, res := range t.resources {
		if res.Method == r.Method && pathCovers(res.Path, r.URL.Path) {
			a := access{rdt: true, elements: map[string]bool{}}
			for _, e := range res.DataElements {
				a.elements[e] = true
			}
			return a, 0, apiError{}
		}
	}
	return access{}, http.StatusForbidden, apiError{Code: "Unauthorized", Message: denied}
}

// pathCovers reports whether an RDT resource path (concrete, or a template
// with {placeholders}) covers a request path.
func pathCovers(tmpl, path string) bool {
	a, b := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.HasPrefix(a[i], "{") && strings.HasSuffix(a[i], "}") && b[i] != "" {
			continue
		}
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var restrictedElements = map[string]bool{"buyerInfo": true, "shippingAddress": true, "buyerTaxInformation": true}

// handleCreateRDT is POST /tokens/2021-03-01/restrictedDataToken.
func (s *Server) handleCreateRDT(w http.ResponseWriter, r *http.Request, _ access) {
	if s.opts.DenyRDT {
		writeError(w, http.StatusForbidden, "Unauthorized", denied,
			"The application is not authorized for the restricted role needed for this data.")
		return
	}
	var body struct {
		RestrictedResources []rdtResource `json:"restrictedResources"`
		TargetApplication   string        `json:"targetApplication,omitempty"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	n := len(body.RestrictedResources)
	if n == 0 || n > 50 {
		invalidInput(w, "restrictedResources must hold between 1 and 50 resources; got %d.", n)
		return
	}
	for i, res := range body.RestrictedResources {
		switch res.Method {
		case "GET", "PUT", "POST", "DELETE":
		default:
			invalidInput(w, "restrictedResources[%d].method %q is not one of GET, PUT, POST, DELETE.", i, res.Method)
			return
		}
		if !strings.HasPrefix(res.Path, "/") || strings.Contains(res.Path, "?") {
			invalidInput(w, "restrictedResources[%d].path %q must be an absolute path without a query string.", i, res.Path)
			return
		}
		for _, e := range res.DataElements {
			if !restrictedElements[e] {
				invalidInput(w, "restrictedResources[%d].dataElements: %q is not a valid data element.", i, e)
				return
			}
		}
	}
	s.mu.Lock()
	now := s.now()
	rdt := "Atz.sprdt|" + newID(48)
	s.tokens[rdt] = &token{expires: now.Add(s.opts.RDTLifetime), rdt: true, resources: body.RestrictedResources}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"restrictedDataToken": rdt, "expiresIn": int(s.opts.RDTLifetime / time.Second)})
}

// api wraps an SP-API operation: request id, injected faults, token
// check, then the operation's token bucket.
func (s *Server) api(op string, h func(http.ResponseWriter, *http.Request, access)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", newID(12))
		s.mu.Lock()
		s.calls[op]++
		fault := s.popFault()
		var a access
		var status int
		var aerr apiError
		allowed := true
		if fault == "" {
			a, status, aerr = s.authorize(r, op)
			if status == 0 && !s.opts.NoRateLimits {
				allowed = s.take(op)
			}
		}
		limit := s.limits[op]
		s.mu.Unlock()

		if fault != "" {
			s.writeFault(w, op, fault)
			return
		}
		if status != 0 {
			writeJSON(w, status, map[string][]apiError{"errors": {aerr}})
			return
		}
		if !allowed {
			s.writeThrottled(w, limit)
			return
		}
		w.Header().Set("x-amzn-RateLimit-Limit", formatRate(limit.Rate))
		h(w, r, a)
	}
}
