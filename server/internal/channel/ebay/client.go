package ebay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// maxBody bounds what is read of any response.
const maxBody = 32 << 20

// session is one operation's view of an account: where to call, and the
// access tokens in use.
type session struct {
	c       *Connector
	conn    channel.Conn
	base    string
	userTok string
	appTok  string
	userKey string
	appKey  string
}

func (c *Connector) session(conn channel.Conn) (*session, error) {
	if conn.HTTP == nil {
		return nil, errors.New("ebay: the connection has no HTTP client")
	}
	// The refresh token is checked when a seller token is needed: verifying
	// notifications needs only the application's credentials.
	for _, f := range []string{CredClientID, CredClientSecret} {
		if strings.TrimSpace(conn.Credentials[f]) == "" {
			return nil, fmt.Errorf("ebay: credential %q is missing: %w", f, channel.ErrUnauthorized)
		}
	}
	base := strings.TrimRight(strings.TrimSpace(conn.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("ebay: base URL %q is not an http(s) URL", conn.BaseURL)
	}
	id := conn.Credentials[CredClientID]
	user := sha256.Sum256([]byte(base + "\x00" + id + "\x00" + conn.Credentials[CredRefreshToken] + "\x00" + strings.Join(c.scopes, " ")))
	app := sha256.Sum256([]byte(base + "\x00" + id))
	return &session{
		c: c, conn: conn, base: base,
		// Token cache keys start with the account id, as TokenCache asks.
		userKey: conn.Account.ID.String() + ":ebay-user:" + hex.EncodeToString(user[:8]),
		appKey:  conn.Account.ID.String() + ":ebay-app:" + hex.EncodeToString(app[:8]),
	}, nil
}

// request is one API call; body is kept so the call can be repeated after a
// token refresh.
type request struct {
	op      string // names the call in errors
	method  string
	url     string
	body    []byte
	headers map[string]string
	app     bool // use the application token, not the seller's
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends req with a bearer token. A 401 gets one retry with a freshly
// refreshed token; a second 401 is channel.ErrUnauthorized.
func (s *session) do(ctx context.Context, req request) (response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := s.token(ctx, req.app, attempt > 0)
		if err != nil {
			return response{}, err
		}
		resp, err := s.send(ctx, req, tok)
		if err != nil {
			return response{}, err
		}
		if resp.status != http.StatusUnauthorized {
			return resp, nil
		}
		if attempt > 0 {
			return response{}, fmt.Errorf("ebay: %s: %w (%s)", req.op, channel.ErrUnauthorized, describe(resp))
		}
	}
}

func (s *session) send(ctx context.Context, req request, tok string) (response, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return response{}, fmt.Errorf("ebay: %s: %w", req.op, err)
	}
	hr.Header.Set("Accept", "application/json")
	if tok != "" {
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.headers {
		hr.Header.Set(k, v)
	}
	resp, err := s.conn.HTTP.Do(hr)
	if err != nil {
		return response{}, fmt.Errorf("ebay: %s: %w", req.op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return response{}, fmt.Errorf("ebay: %s: reading the response: %w", req.op, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// token returns the seller's (or the application's) access token: the one
// this session holds, else the cached one, else a fresh one. fresh skips
// both, after a 401.
func (s *session) token(ctx context.Context, app, fresh bool) (string, error) {
	held, key := &s.userTok, s.userKey
	if app {
		held, key = &s.appTok, s.appKey
	}
	if !fresh {
		if *held != "" {
			return *held, nil
		}
		if s.conn.Tokens != nil {
			if t, ok := s.conn.Tokens.Get(key); ok && t != "" {
				*held = t
				return t, nil
			}
		}
	}
	if !app && strings.TrimSpace(s.conn.Credentials[CredRefreshToken]) == "" {
		return "", fmt.Errorf("ebay: credential %q is missing: %w", CredRefreshToken, channel.ErrUnauthorized)
	}
	form := url.Values{}
	if app {
		form.Set("grant_type", "client_credentials")
		form.Set("scope", scopeApp)
	} else {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", s.conn.Credentials[CredRefreshToken])
		form.Set("scope", strings.Join(s.c.scopes, " "))
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/identity/v1/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("ebay: token: %w", err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.Header.Set("Accept", "application/json")
	hr.SetBasicAuth(s.conn.Credentials[CredClientID], s.conn.Credentials[CredClientSecret])
	resp, err := s.conn.HTTP.Do(hr)
	if err != nil {
		return "", fmt.Errorf("ebay: token: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", fmt.Errorf("ebay: token: reading the response: %w", err)
	}
	var t struct {
		AccessToken      string `json:"access_token"`
		ExpiresIn        int    `json:"expires_in"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(data, &t)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", fmt.Errorf("ebay: token: %w", throttled(data))
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		msg := strings.TrimSpace(t.Error + ": " + t.ErrorDescription)
		if jsonErr != nil || t.Error == "" {
			msg = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return "", fmt.Errorf("ebay: token refused (%s): %w", msg, channel.ErrUnauthorized)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("ebay: token: HTTP %d: %s", resp.StatusCode, snippet(data))
	case jsonErr != nil:
		return "", fmt.Errorf("ebay: token: malformed JSON in the response: %v", jsonErr)
	case t.AccessToken == "":
		return "", errors.New("ebay: token: the response has no access_token")
	}
	*held = t.AccessToken
	if s.conn.Tokens != nil && t.ExpiresIn > 0 {
		// Keep a margin so a token is never used in its last minutes.
		life := time.Duration(t.ExpiresIn)*time.Second - min(5*time.Minute, time.Duration(t.ExpiresIn)*time.Second/10)
		s.conn.Tokens.Put(key, t.AccessToken, s.c.now().Add(life))
	}
	return t.AccessToken, nil
}

// apiURL joins the base URL and a path.
func (s *session) apiURL(path string) string { return s.base + path }

// getJSON GETs u and decodes a 200 answer into v.
func (s *session) getJSON(ctx context.Context, op, u string, v any) error {
	resp, err := s.do(ctx, request{op: op, method: http.MethodGet, url: u})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return apiError(op, resp)
	}
	return decode(op, resp.body, v)
}

func decode(op string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("ebay: %s: malformed JSON in the response: %v", op, err)
	}
	return nil
}

// sameOrigin resolves a link eBay returned (a next page) and refuses one
// pointing at another host, which would be handed the seller's token.
func (s *session) sameOrigin(link string) (string, error) {
	base, _ := url.Parse(s.base)
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("link %q is not a URL: %v", link, err)
	}
	u = base.ResolveReference(u)
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return "", fmt.Errorf("link %q points away from %s", link, s.base)
	}
	return u.String(), nil
}
