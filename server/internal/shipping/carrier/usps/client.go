package usps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// maxBody bounds what is read of one answer.
const maxBody = 32 << 20

// session is one adapter call's view of an account.
type session struct {
	a     *Adapter
	c     carrier.Conn
	base  string
	token string
}

func (a *Adapter) session(c carrier.Conn) (*session, error) {
	if c.HTTP == nil {
		return nil, errors.New("usps: the connection has no HTTP client")
	}
	if c.Credentials[CredClientID] == "" || c.Credentials[CredClientSecret] == "" {
		return nil, fmt.Errorf("usps: the account needs the %q and %q credentials: %w",
			CredClientID, CredClientSecret, carrier.ErrUnauthorized)
	}
	base := strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if base == "" {
		base = ProductionURL
	}
	return &session{a: a, c: c, base: base}, nil
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// cacheKey names one of the account's tokens in the shared cache; it starts
// with the account id, as carrier.TokenCache requires.
func (s *session) cacheKey(kind string) string {
	return s.c.AccountID + ":usps:" + kind + ":" + s.base + ":" + s.c.Credentials[CredClientID]
}

// cached returns a cached token that is not the one just refused.
func (s *session) cached(key, refused string) (string, bool) {
	if s.c.Tokens == nil {
		return "", false
	}
	t, ok := s.c.Tokens.Get(key)
	return t, ok && t != "" && t != refused
}

// lock serializes the refreshes of one cache key, giving up with ctx.
func (a *Adapter) lock(ctx context.Context, key string) (func(), error) {
	v, _ := a.refresh.LoadOrStore(key, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("usps: waiting for a token refresh: %w", ctx.Err())
	}
}

// accessToken returns the session's token, the cached one, or a new one.
// refused is a token USPS just refused: it is never returned again.
func (s *session) accessToken(ctx context.Context, refused string) (string, error) {
	if refused == "" && s.token != "" {
		return s.token, nil
	}
	key := s.cacheKey("oauth")
	if t, ok := s.cached(key, refused); ok {
		s.token = t
		return t, nil
	}
	unlock, err := s.a.lock(ctx, key)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another call may have refreshed while this one waited.
	if t, ok := s.cached(key, refused); ok {
		s.token = t
		return t, nil
	}
	t, lifetime, err := s.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	s.token = t
	if s.c.Tokens != nil {
		// Stop using a token a little before USPS does.
		s.c.Tokens.Put(key, t, s.a.now().Add(lifetime-min(time.Minute, lifetime/5)))
	}
	return t, nil
}

// fetchToken exchanges the client credentials for an access token.
func (s *session) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.c.Credentials[CredClientID]},
		"client_secret": {s.c.Credentials[CredClientSecret]},
	}
	if s.a.scope != "" {
		form.Set("scope", s.a.scope)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	r, err := s.send(ctx, http.MethodPost, "/oauth2/v3/token", []byte(form.Encode()), h)
	if err != nil {
		return "", 0, err
	}
	switch {
	case r.status == http.StatusTooManyRequests:
		return "", 0, fmt.Errorf("usps: token: %w", s.throttled(r))
	case r.status == http.StatusBadRequest || r.status == http.StatusUnauthorized || r.status == http.StatusForbidden:
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(r.body, &e)
		return "", 0, fmt.Errorf("usps: token refused (%d %s: %s): %w", r.status, e.Error, e.Description, carrier.ErrUnauthorized)
	case !r.ok():
		return "", 0, fmt.Errorf("usps: token: %s", describe(r))
	}
	var tok struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(r.body, &tok); err != nil {
		return "", 0, fmt.Errorf("usps: token: malformed answer: %w", err)
	}
	secs, err := tok.ExpiresIn.Int64()
	if tok.AccessToken == "" || err != nil || secs <= 0 {
		return "", 0, fmt.Errorf("usps: token: malformed answer: no access_token or expires_in %q", tok.ExpiresIn)
	}
	return tok.AccessToken, time.Duration(secs) * time.Second, nil
}

// call sends an authenticated JSON request (body may be nil). A refused
// token is replaced once; a second 401 is carrier.ErrUnauthorized; 429 is a
// *carrier.Throttled. Every other answer is returned for the caller.
func (s *session) call(ctx context.Context, method, path string, body any, h http.Header) (*response, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("usps: %s %s: %w", method, path, err)
		}
	}
	tok, err := s.accessToken(ctx, "")
	if err != nil {
		return nil, err
	}
	r, err := s.send(ctx, method, path, data, s.header(tok, data != nil, h))
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusUnauthorized && !namesPaymentToken(r) {
		if tok, err = s.accessToken(ctx, tok); err != nil {
			return nil, err
		}
		if r, err = s.send(ctx, method, path, data, s.header(tok, data != nil, h)); err != nil {
			return nil, err
		}
		if r.status == http.StatusUnauthorized && !namesPaymentToken(r) {
			return nil, fmt.Errorf("usps: %s %s: %s: %w", method, path, describe(r), carrier.ErrUnauthorized)
		}
	}
	if r.status == http.StatusTooManyRequests {
		return nil, fmt.Errorf("usps: %s %s: %w", method, path, s.throttled(r))
	}
	return r, nil
}

func (s *session) header(token string, hasBody bool, extra http.Header) http.Header {
	h := http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/json"}}
	if hasBody {
		h.Set("Content-Type", "application/json")
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func (s *session) send(ctx context.Context, method, path string, body []byte, h http.Header) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("usps: %s %s: %w", method, path, err)
	}
	req.Header = h
	resp, err := s.c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("usps: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("usps: %s %s: reading the answer: %w", method, path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// apiError is the USPS v3 error envelope.
type apiError struct {
	APIVersion string `json:"apiVersion"`
	Error      struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Errors  []struct {
			Status string `json:"status"`
			Code   string `json:"code"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
			Source struct {
				Parameter string `json:"parameter"`
				Example   string `json:"example"`
			} `json:"source"`
		} `json:"errors"`
	} `json:"error"`
}

func parseError(r *response) (apiError, bool) {
	var e apiError
	if json.Unmarshal(r.body, &e) != nil || (e.Error.Message == "" && len(e.Error.Errors) == 0) {
		return e, false
	}
	return e, true
}

// namesPaymentToken reports whether an answer is a 401 about the payment
// authorization token rather than the access token.
func namesPaymentToken(r *response) bool {
	if r.status != http.StatusUnauthorized {
		return false
	}
	e, ok := parseError(r)
	if !ok {
		return false
	}
	for _, x := range e.Error.Errors {
		if strings.EqualFold(x.Source.Parameter, "X-Payment-Authorization-Token") {
			return true
		}
	}
	return false
}

// fail turns an unsuccessful answer into an error: a *carrier.Rejection for
// a client error, with USPS's own message; a plain error otherwise.
func fail(op string, r *response) error {
	if r.status >= 400 && r.status < 500 {
		rej := &carrier.Rejection{Status: r.status}
		if e, ok := parseError(r); ok {
			rej.Code, rej.Message = e.Error.Code, e.Error.Message
			for _, x := range e.Error.Errors {
				if rej.Message == "" {
					rej.Message = x.Detail
				}
				if x.Code != "" && (rej.Code == "" || rej.Code == strconv.Itoa(r.status)) {
					rej.Code = x.Code
				}
				p := strings.ToLower(x.Source.Parameter)
				if strings.Contains(p, "address") || strings.Contains(p, "zipcode") || strings.Contains(strings.ToUpper(x.Code), "ADDRESS") {
					rej.Address = true
				}
			}
		} else {
			rej.Message = strings.TrimSpace(string(carrier.Bounded(r.body)))
		}
		return fmt.Errorf("usps: %s: %w", op, rej)
	}
	return fmt.Errorf("usps: %s: %s", op, describe(r))
}

// describe renders an answer for an error message.
func describe(r *response) string {
	if e, ok := parseError(r); ok {
		msg := e.Error.Message
		for _, x := range e.Error.Errors {
			if x.Detail != "" && x.Detail != msg {
				msg += "; " + x.Detail
			}
		}
		return fmt.Sprintf("%d %s", r.status, msg)
	}
	return fmt.Sprintf("%d %s", r.status, strings.TrimSpace(string(carrier.Bounded(r.body))))
}

func (s *session) throttled(r *response) *carrier.Throttled {
	msg := "429 Too Many Requests"
	if e, ok := parseError(r); ok {
		msg = e.Error.Message
		for _, x := range e.Error.Errors {
			if x.Detail != "" {
				msg = x.Detail
			}
		}
	}
	return &carrier.Throttled{RetryAfter: carrier.RetryAfter(r.header.Get("Retry-After"), s.a.now()), Message: msg}
}
