package amazon

import (
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

// client is one connector call's view of an account: its credentials and
// the tokens obtained so far.
type client struct {
	c           *Connector
	conn        channel.Conn
	base        string
	lwaURL      string
	clientID    string
	secret      string
	refresh     string
	sellerID    string
	marketplace string

	lwa string
	// skipCache is set once the API refused a cached token: the next one
	// comes from LWA.
	skipCache bool
	rdt       string
}

// open checks the credentials and resolves the account's endpoints.
func (c *Connector) open(conn channel.Conn) (*client, error) {
	if conn.HTTP == nil {
		return nil, errors.New("amazon: the connection has no HTTP client")
	}
	cr := conn.Credentials
	for _, k := range []string{CredClientID, CredClientSecret, CredRefreshToken} {
		if strings.TrimSpace(cr[k]) == "" {
			return nil, fmt.Errorf("amazon: credential %q is missing", k)
		}
	}
	s := &client{c: c, conn: conn, clientID: cr[CredClientID], secret: cr[CredClientSecret],
		refresh: cr[CredRefreshToken], sellerID: cr[CredSellerID], marketplace: cr[CredMarketplaceID]}
	if s.marketplace == "" {
		s.marketplace = DefaultMarketplaceID
	}
	s.base = strings.TrimRight(conn.BaseURL, "/")
	if s.base == "" {
		s.base = DefaultBaseURL
	}
	base, err := url.Parse(s.base)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("amazon: base URL %q is not an absolute URL", conn.BaseURL)
	}
	switch {
	case cr[CredLWAEndpoint] != "":
		s.lwaURL = cr[CredLWAEndpoint]
	case c.lwaEndpoint != "":
		s.lwaURL = c.lwaEndpoint
	case base.Hostname() == "amazon.com" || strings.HasSuffix(base.Hostname(), ".amazon.com"):
		s.lwaURL = DefaultLWAEndpoint
	default:
		s.lwaURL = base.Scheme + "://" + base.Host + LWAPath
	}
	return s, nil
}

// cacheKey names the account's access token in the TokenCache: the account
// id first (so a cache can forget an account by prefix), then a digest of
// what the token was issued for, so new credentials never reuse an old token.
func (s *client) cacheKey() string {
	h := sha256.Sum256([]byte(s.lwaURL + "\x00" + s.clientID + "\x00" + s.refresh))
	return s.conn.Account.ID.String() + ":amazon:lwa:" + hex.EncodeToString(h[:8])
}

type tokenKind int

const (
	tokenLWA tokenKind = iota
	tokenRDT
)

// token returns the access token to send for kind, fetching one when needed.
func (s *client) token(ctx context.Context, kind tokenKind) (string, error) {
	if kind == tokenRDT {
		if s.rdt == "" {
			if err := s.createRDT(ctx); err != nil {
				return "", err
			}
		}
		return s.rdt, nil
	}
	if s.lwa != "" {
		return s.lwa, nil
	}
	if s.conn.Tokens != nil && !s.skipCache {
		if t, ok := s.conn.Tokens.Get(s.cacheKey()); ok {
			s.lwa = t
			return t, nil
		}
	}
	if err := s.fetchLWA(ctx); err != nil {
		return "", err
	}
	return s.lwa, nil
}

// invalidate drops a token the API refused, so the retry gets a new one.
func (s *client) invalidate(kind tokenKind) {
	if kind == tokenRDT {
		s.rdt = ""
		return
	}
	s.lwa, s.skipCache = "", true
}

type lwaResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   *int64 `json:"expires_in"`
}

type lwaError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// fetchLWA exchanges the refresh token for an access token.
func (s *client) fetchLWA(ctx context.Context) error {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {s.refresh},
		"client_id":     {s.clientID},
		"client_secret": {s.secret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.lwaURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("amazon: LWA token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.c.userAgent)
	issued := s.c.now()
	resp, err := s.conn.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("amazon: LWA token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("amazon: LWA token: reading the answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests:
		return &channel.Throttled{RetryAfter: retryAfter(resp.Header, 0), Message: "LWA token endpoint answered 429"}
	case resp.StatusCode >= 500:
		return fmt.Errorf("amazon: LWA token: HTTP %d", resp.StatusCode)
	default:
		var e lwaError
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			return fmt.Errorf("amazon: LWA token: HTTP %d with an unreadable body", resp.StatusCode)
		}
		switch e.Error {
		case "invalid_grant", "invalid_client", "unauthorized_client":
			return fmt.Errorf("amazon: LWA token: %s: %s: %w", e.Error, e.Description, channel.ErrUnauthorized)
		}
		return &channel.Rejection{Status: resp.StatusCode, Code: e.Error, Message: e.Description}
	}
	var t lwaResponse
	if err := json.Unmarshal(body, &t); err != nil {
		return fmt.Errorf("amazon: LWA token: malformed answer: %w", err)
	}
	if t.AccessToken == "" {
		return errors.New("amazon: LWA token: malformed answer: access_token is missing")
	}
	if t.ExpiresIn == nil || *t.ExpiresIn <= 0 {
		return errors.New("amazon: LWA token: malformed answer: expires_in is missing or not positive")
	}
	s.lwa = t.AccessToken
	if s.conn.Tokens != nil {
		life := time.Duration(*t.ExpiresIn) * time.Second
		// Refresh five minutes early, or a tenth early for short lifetimes.
		early := min(5*time.Minute, life/10)
		s.conn.Tokens.Put(s.cacheKey(), t.AccessToken, issued.Add(life-early))
	}
	return nil
}

type rdtResource struct {
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements,omitempty"`
}

// piiResources are the restricted reads of a sweep: the order list and a
// single order, each with buyer info and shipping address.
var piiResources = []rdtResource{
	{Method: "GET", Path: ordersPath, DataElements: []string{"buyerInfo", "shippingAddress"}},
	{Method: "GET", Path: ordersPath + "/{orderId}", DataElements: []string{"buyerInfo", "shippingAddress"}},
}

type rdtResponse struct {
	RestrictedDataToken string `json:"restrictedDataToken"`
	ExpiresIn           *int64 `json:"expiresIn"`
}

// createRDT obtains the restricted data token the client reads PII with.
func (s *client) createRDT(ctx context.Context) error {
	var out rdtResponse
	err := s.do(ctx, request{op: opCreateRDT, method: "POST", path: "/tokens/2021-03-01/restrictedDataToken",
		body: map[string]any{"restrictedResources": piiResources}, token: tokenLWA}, &out)
	if err != nil {
		return err
	}
	if out.RestrictedDataToken == "" {
		return errors.New("amazon: createRestrictedDataToken: malformed answer: restrictedDataToken is missing")
	}
	s.rdt = out.RestrictedDataToken
	return nil
}
