package walmart

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// maxBody bounds what is read of one answer.
const maxBody = 32 << 20

// client is one connector call's view of an account: where to send
// requests and the access token in use.
type client struct {
	c     *Connector
	conn  channel.Conn
	base  string
	token string
}

func (c *Connector) client(conn channel.Conn) (*client, error) {
	if conn.HTTP == nil {
		return nil, errors.New("walmart: the connection has no HTTP client")
	}
	if conn.Credentials[CredClientID] == "" || conn.Credentials[CredClientSecret] == "" {
		return nil, fmt.Errorf("walmart: the account needs the %q and %q credentials: %w",
			CredClientID, CredClientSecret, channel.ErrUnauthorized)
	}
	base := strings.TrimRight(strings.TrimSpace(conn.BaseURL), "/")
	if base == "" {
		base = ProductionURL
	}
	return &client{c: c, conn: conn, base: base}, nil
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// tokenKey names the account's token in the shared cache; it starts with the
// account id, as channel.TokenCache requires.
func (s *client) tokenKey() string {
	return s.conn.Account.ID.String() + ":walmart:" + s.base + ":" + s.conn.Credentials[CredClientID]
}

// cached says whether tokens are shared through the cache: not for an
// account not yet saved, whose credentials are being tried out.
func (s *client) cached() bool { return s.conn.Tokens != nil && s.conn.Account.ID != uuid.Nil }

// accessToken returns a token: the one in use, the cached one, or a new one
// when fresh is set or there is none.
func (s *client) accessToken(ctx context.Context, fresh bool) (string, error) {
	if !fresh {
		if s.token != "" {
			return s.token, nil
		}
		if s.cached() {
			if t, ok := s.conn.Tokens.Get(s.tokenKey()); ok {
				s.token = t
				return t, nil
			}
		}
	}
	t, lifetime, err := s.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	s.token = t
	if s.cached() {
		// Stop using a token a little before Walmart does.
		margin := min(time.Minute, lifetime/5)
		s.conn.Tokens.Put(s.tokenKey(), t, s.c.now().Add(lifetime-margin))
	}
	return t, nil
}

// fetchToken exchanges the client credentials for an access token.
func (s *client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	creds := s.conn.Credentials[CredClientID] + ":" + s.conn.Credentials[CredClientSecret]
	h := wmHeader()
	h["Authorization"] = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(creds))}
	h["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	r, err := s.send(ctx, http.MethodPost, "/v3/token", []byte("grant_type=client_credentials"), h)
	if err != nil {
		return "", 0, err
	}
	switch {
	case r.status == http.StatusTooManyRequests:
		return "", 0, fmt.Errorf("walmart: token: %w", s.throttled(r))
	case r.status == http.StatusBadRequest || r.status == http.StatusUnauthorized || r.status == http.StatusForbidden:
		return "", 0, fmt.Errorf("walmart: token refused: %s: %w", describe(r), channel.ErrUnauthorized)
	case !r.ok():
		return "", 0, fmt.Errorf("walmart: token: %s", describe(r))
	}
	var tok struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(r.body, &tok); err != nil {
		return "", 0, fmt.Errorf("walmart: token: malformed response: %w", err)
	}
	secs, err := tok.ExpiresIn.Int64()
	if tok.AccessToken == "" || err != nil || secs <= 0 {
		return "", 0, fmt.Errorf("walmart: token: malformed response: access_token missing or expires_in %q not a positive number",
			tok.ExpiresIn)
	}
	return tok.AccessToken, time.Duration(secs) * time.Second, nil
}

// wmHeader returns the headers every Walmart request carries, with the
// exact spelling Walmart documents (Go would otherwise send "Wm_svc.name").
func wmHeader() http.Header {
	return http.Header{
		"WM_SVC.NAME":           {ServiceName},
		"WM_QOS.CORRELATION_ID": {uuid.NewString()},
		"Accept":                {"application/json"},
	}
}

// call sends an authenticated request. An expired or revoked token is
// replaced once; a second 401 is channel.ErrUnauthorized. 429 is a
// *channel.Throttled. Every other answer is returned for the caller to read.
func (s *client) call(ctx context.Context, method, pathQuery string, body []byte) (*response, error) {
	tok, err := s.accessToken(ctx, false)
	if err != nil {
		return nil, err
	}
	r, err := s.send(ctx, method, pathQuery, body, s.apiHeader(tok, body))
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusUnauthorized {
		if tok, err = s.accessToken(ctx, true); err != nil {
			return nil, err
		}
		if r, err = s.send(ctx, method, pathQuery, body, s.apiHeader(tok, body)); err != nil {
			return nil, err
		}
		if r.status == http.StatusUnauthorized {
			return nil, fmt.Errorf("walmart: %s %s: %s: %w", method, pathOf(pathQuery), describe(r), channel.ErrUnauthorized)
		}
	}
	if r.status == http.StatusTooManyRequests {
		return nil, fmt.Errorf("walmart: %s %s: %w", method, pathOf(pathQuery), s.throttled(r))
	}
	return r, nil
}

func (s *client) apiHeader(token string, body []byte) http.Header {
	h := wmHeader()
	h["WM_SEC.ACCESS_TOKEN"] = []string{token}
	if body != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	return h
}

func (s *client) send(ctx context.Context, method, pathQuery string, body []byte, h http.Header) (*response, error) {
	// pathQuery is used as given: Walmart's nextCursor must reach it verbatim.
	u, err := url.Parse(s.base + pathQuery)
	if err != nil {
		return nil, fmt.Errorf("walmart: bad request URL %q: %w", s.base+pathQuery, err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("walmart: %s %s: %w", method, pathOf(pathQuery), err)
	}
	req.Header = h
	resp, err := s.conn.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("walmart: %s %s: %w", method, pathOf(pathQuery), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("walmart: %s %s: reading the answer: %w", method, pathOf(pathQuery), err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// wmError is one entry of Walmart's error envelope. Some documents name the
// text "message" rather than "description".
type wmError struct {
	Code        string `json:"code"`
	Field       string `json:"field"`
	Description string `json:"description"`
	Message     string `json:"message"`
	Info        string `json:"info"`
}

func (e wmError) text() string {
	switch {
	case e.Description != "":
		return e.Description
	case e.Message != "":
		return e.Message
	}
	return e.Info
}

// parseErrors reads Walmart's error envelope in the shapes it is seen in:
// {"errors":[…]} (the published GatewayError), {"errors":{"error":[…]}} and
// {"error":[…]}.
func parseErrors(body []byte) []wmError {
	var env struct {
		Errors json.RawMessage `json:"errors"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	for _, raw := range []json.RawMessage{env.Errors, env.Error} {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var list []wmError
		if raw[0] == '[' && json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return list
		}
		var nested struct {
			Error []wmError `json:"error"`
		}
		if raw[0] == '{' && json.Unmarshal(raw, &nested) == nil && len(nested.Error) > 0 {
			return nested.Error
		}
	}
	return nil
}

// describe summarises an answer for an error message.
func describe(r *response) string {
	if errs := parseErrors(r.body); len(errs) > 0 {
		return fmt.Sprintf("HTTP %d %s: %s", r.status, errs[0].Code, errs[0].text())
	}
	return fmt.Sprintf("HTTP %d: %s", r.status, clip(strings.TrimSpace(string(r.body)), 200))
}

// failure turns an answer that is neither success, 401 nor 429 into an
// error: a *channel.Rejection carrying Walmart's first error verbatim for a
// 4xx, a plain error for anything else.
func failure(method, pathQuery string, r *response) error {
	if r.status >= 400 && r.status < 500 {
		rej := &channel.Rejection{Status: r.status}
		if errs := parseErrors(r.body); len(errs) > 0 {
			rej.Code, rej.Message = errs[0].Code, errs[0].text()
		} else {
			rej.Message = fmt.Sprintf("HTTP %d: %s", r.status, clip(strings.TrimSpace(string(r.body)), 500))
		}
		return fmt.Errorf("walmart: %s %s: %w", method, pathOf(pathQuery), rej)
	}
	return fmt.Errorf("walmart: %s %s: %s", method, pathOf(pathQuery), describe(r))
}

// isNotFound says whether an answer is an API's "no such content" (an
// unknown SKU, a search that matched nothing). A 404 from the gateway or
// without Walmart's envelope means the URL is wrong, and is not one.
func isNotFound(r *response) bool {
	if r.status != http.StatusNotFound {
		return false
	}
	errs := parseErrors(r.body)
	return len(errs) > 0 && strings.HasPrefix(errs[0].Code, "CONTENT_NOT_FOUND") &&
		!strings.HasSuffix(errs[0].Code, "GMP_GATEWAY_API")
}

// throttled reads how long Walmart asks to wait from x-next-replenishment-time
// (epoch milliseconds or seconds, or an ISO-8601 time) or Retry-After.
func (s *client) throttled(r *response) *channel.Throttled {
	t := &channel.Throttled{Message: "HTTP 429"}
	if errs := parseErrors(r.body); len(errs) > 0 {
		t.Message = strings.TrimSpace(errs[0].Code + ": " + errs[0].text())
	}
	now := s.c.now()
	if at, ok := parseInstant(r.header.Get("x-next-replenishment-time")); ok {
		t.RetryAfter = max(at.Sub(now), 0)
		return t
	}
	if ra := strings.TrimSpace(r.header.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			t.RetryAfter = time.Duration(secs) * time.Second
		} else if at, err := http.ParseTime(ra); err == nil {
			t.RetryAfter = max(at.Sub(now), 0)
		}
	}
	return t
}

func parseInstant(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if len(strings.TrimLeft(v, "-")) >= 12 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05", "2006-01-02 15:04:05", time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// pathOf drops the query, which may hold a long cursor, for messages.
func pathOf(pathQuery string) string {
	p, _, _ := strings.Cut(pathQuery, "?")
	return p
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
