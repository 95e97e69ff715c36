package ups

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiErr is one entry of UPS's error envelope.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers in UPS's error format.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"response": map[string]any{"errors": []apiErr{{Code: code, Message: message}}}})
}

// handleToken is the OAuth client-credentials endpoint.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, OpOAuth) {
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		writeError(w, http.StatusUnauthorized, "10400", "Invalid/Missing Authorization Header")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, "10400", "Invalid Content-Type; expected application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "10400", "Invalid/Missing grant_type")
		return
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		writeError(w, http.StatusUnauthorized, "10401", "ClientId is Invalid")
		return
	}
	now := s.now()
	token := "eyJ" + randomToken(48)
	s.mu.Lock()
	s.tokens[token] = now.Add(s.opts.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"token_type":    "Bearer",
		"issued_at":     strconv.FormatInt(now.UnixMilli(), 10),
		"client_id":     id,
		"access_token":  token,
		"expires_in":    strconv.FormatInt(int64(s.opts.TokenLifetime.Seconds()), 10),
		"refresh_count": "0",
		"status":        "approved",
	})
}

// authorized checks the bearer token; an unknown or expired one gets the
// 401 UPS answers with.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[token]
	s.mu.Unlock()
	if !ok || !known || !s.now().Before(exp) {
		writeError(w, http.StatusUnauthorized, "250002", "Invalid Authentication Information.")
		return false
	}
	return true
}

// ExpireTokens makes every token issued so far expired, as if its
// lifetime had passed.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = s.now()
	}
}
