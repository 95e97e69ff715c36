package ebay

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"time"
)

// OAuth scopes.
const (
	scopeApp         = "https://api.ebay.com/oauth/api_scope"
	scopeFulfillment = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
	scopeInventory   = "https://api.ebay.com/oauth/api_scope/sell.inventory"
)

// userScopes are the scopes the seller consented to; a refresh may ask for
// any subset.
func userScopes() []string {
	return []string{scopeFulfillment, scopeFulfillment + ".readonly", scopeInventory, scopeInventory + ".readonly"}
}

type token struct {
	app      bool
	clientID string
	scopes   []string
	expires  time.Time
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// handleToken answers POST /identity/v1/oauth2/token (refresh_token and
// client_credentials grants).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "request is missing a required parameter or malformed.")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "request is missing a required parameter or malformed.")
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	var t token
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if rt == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "request is missing a required parameter or malformed.")
			return
		}
		if rt != s.opts.RefreshToken {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the provided authorization refresh token is invalid or was issued to another client")
			return
		}
		if len(scopes) == 0 {
			scopes = userScopes()
		}
		for _, sc := range scopes {
			if !slices.Contains(userScopes(), sc) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client")
				return
			}
		}
		t = token{clientID: id, scopes: scopes}
	case "client_credentials":
		if len(scopes) == 0 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "request is missing a required parameter or malformed.")
			return
		}
		for _, sc := range scopes {
			if sc != scopeApp {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client")
				return
			}
		}
		t = token{app: true, clientID: id, scopes: scopes}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type in request is not supported by the authorization server")
		return
	}
	t.expires = s.now().Add(s.opts.AccessTokenTTL)
	value := newAccessToken()
	s.mu.Lock()
	s.tokens[value] = t
	s.mu.Unlock()
	kind := "User Access Token"
	if t.app {
		kind = "Application Access Token"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": value,
		"expires_in":   int(s.opts.AccessTokenTTL / time.Second),
		"token_type":   kind,
	})
}

func newAccessToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return "v^1.1#i^1#p^3#r^0#I^3#f^0#t^H4sI" + base64.StdEncoding.EncodeToString(b)
}

// api wraps an API handler with what every eBay call goes through: the
// bearer token and its scopes, injected faults, and the daily quota of the
// API family.
func (s *Server) api(family string, scopes []string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			writeErrors(w, http.StatusUnauthorized, errMissingToken())
			return
		}
		value, isBearer := strings.CutPrefix(auth, "Bearer ")
		now := s.now()
		s.mu.Lock()
		t, found := s.tokens[value]
		if found && !now.Before(t.expires) {
			delete(s.tokens, value)
			found = false
		}
		if !isBearer || !found {
			s.mu.Unlock()
			writeErrors(w, http.StatusUnauthorized, errInvalidToken())
			return
		}
		if !slices.ContainsFunc(scopes, func(sc string) bool { return slices.Contains(t.scopes, sc) }) {
			s.mu.Unlock()
			writeErrors(w, http.StatusForbidden, errInsufficientScope())
			return
		}
		var fault Fault
		if len(s.faults) > 0 {
			fault, s.faults = s.faults[0], s.faults[1:]
		}
		overQuota := false
		if fault == "" {
			overQuota = !s.countCallLocked(family, t.clientID, now)
		}
		s.mu.Unlock()

		switch {
		case fault == Fault429 || overQuota:
			writeErrors(w, http.StatusTooManyRequests, errTooManyRequests())
		case fault == Fault500:
			writeErrors(w, http.StatusInternalServerError, systemError(family))
		case fault == FaultMalformed:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"href":"` + r.URL.Path + `","total":1,"orders":[{"orderId":"12-`))
		default:
			h(w, r)
		}
	})
}

// countCallLocked counts one call against the daily quota; false when the
// quota is spent.
func (s *Server) countCallLocked(family, clientID string, now time.Time) bool {
	day := now.Format(time.DateOnly)
	if day != s.usageDay {
		s.usageDay = day
		clear(s.usage)
	}
	limit := s.opts.Quotas.Fulfillment
	switch family {
	case apiInventory:
		limit = s.opts.Quotas.Inventory
	case apiNotification:
		limit = s.opts.Quotas.Notification
	}
	key := family + " " + clientID
	if s.usage[key] >= limit {
		return false
	}
	s.usage[key]++
	return true
}

// ExpireTokens makes every access token issued so far expire now, as if two
// hours had passed.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// Usage returns today's call counts per API family ("sell.fulfillment",
// "sell.inventory", "commerce.notification").
func (s *Server) Usage() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	if s.usageDay != s.now().Format(time.DateOnly) {
		return out
	}
	for k, n := range s.usage {
		family, _, _ := strings.Cut(k, " ")
		out[family] += n
	}
	return out
}
