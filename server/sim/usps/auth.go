package usps

import (
	"net/http"
	"strings"
	"time"
)

// handleToken is POST /oauth2/v3/token: the client credentials grant, form
// encoded, answered with RFC 6749 bodies as USPS's OAuth server does.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.gate.Count(OpToken)
	oauthError := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthError(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		oauthError(http.StatusBadRequest, "invalid_request", "Missing grant_type.")
		return
	default:
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "Grant type "+gt+" is not supported.")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || secret == "" {
		oauthError(http.StatusBadRequest, "invalid_request", "Missing client_id or client_secret.")
		return
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		oauthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	now := s.now()
	tok := "usps." + randomHex(24)
	s.mu.Lock()
	if s.opts.RevokeOnReissue {
		clear(s.tokens)
	}
	s.tokens[tok] = now.Add(s.opts.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":     tok,
		"token_type":       "Bearer",
		"issued_at":        now.UnixMilli(),
		"expires_in":       int64(s.opts.TokenLifetime/time.Second) - 1,
		"status":           "approved",
		"scope":            r.PostForm.Get("scope"),
		"issuer":           "api.usps.com",
		"client_id":        id,
		"application_name": "Manifold",
		"api_products":     "[Shipping Options, Payments, Domestic Labels, Tracking, SCAN Forms]",
	})
}

// api wraps an operation: it counts the call, plays an injected fault, and
// checks the bearer token.
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		kind, _ := s.gate.Enter(op)
		f := Fault(kind)
		if s.playFault(w, r, f) {
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			writeUnauthorized(w, "The request has no bearer access token.")
			return
		}
		s.mu.Lock()
		exp, known := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case !known:
			writeUnauthorized(w, "The access token is invalid or has been revoked.")
			return
		case !s.now().Before(exp):
			writeUnauthorized(w, "The access token has expired.")
			return
		}
		h(w, r)
	}
}

// ExpireTokens makes every issued access token expired at once.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for t := range s.tokens {
		s.tokens[t] = now
	}
}
