package ups

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
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// session is one adapter call's view of an account: its credentials and
// the token obtained so far.
type session struct {
	a        *Adapter
	conn     carrier.Conn
	base     string
	id       string
	secret   string
	account  string
	merchant string

	token string
	// skipCache is set once UPS refused a cached token: the next one is new.
	skipCache bool
}

// open checks the connection and credentials.
func (a *Adapter) open(conn carrier.Conn) (*session, error) {
	if conn.HTTP == nil {
		return nil, errors.New("ups: the connection has no HTTP client")
	}
	cr := conn.Credentials
	for _, k := range []string{CredClientID, CredClientSecret, CredAccountNumber} {
		if strings.TrimSpace(cr[k]) == "" {
			return nil, fmt.Errorf("ups: credential %q is missing", k)
		}
	}
	base := strings.TrimRight(conn.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("ups: base URL %q is not an absolute URL", conn.BaseURL)
	}
	return &session{a: a, conn: conn, base: base, id: cr[CredClientID], secret: cr[CredClientSecret],
		account: strings.TrimSpace(cr[CredAccountNumber]), merchant: cr[CredMerchantID]}, nil
}

// cacheKey names the account's token: the account id first, as the
// TokenCache asks, then a digest of what the token was issued for, so that
// changed credentials never reuse an old token.
func (s *session) cacheKey() string {
	h := sha256.Sum256([]byte(s.base + "\x00" + s.id + "\x00" + s.secret + "\x00" + s.merchant))
	return s.conn.AccountID + ":ups:oauth:" + hex.EncodeToString(h[:8])
}

// bearer returns the access token to send, fetching one when needed.
func (s *session) bearer(ctx context.Context) (string, error) {
	if s.token != "" {
		return s.token, nil
	}
	if s.conn.Tokens != nil && !s.skipCache {
		if t, ok := s.conn.Tokens.Get(s.cacheKey()); ok {
			s.token = t
			return t, nil
		}
	}
	if err := s.fetchToken(ctx); err != nil {
		return "", err
	}
	return s.token, nil
}

// invalidate drops a token UPS refused, so that the retry gets a new one.
func (s *session) invalidate() { s.token, s.skipCache = "", true }

// stringInt reads a JSON number that UPS sends as a string ("14399"),
// accepting a bare number too.
type stringInt int64

func (n *stringInt) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not a whole number", b)
	}
	*n = stringInt(v)
	return nil
}

type tokenResponse struct {
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	ExpiresIn   *stringInt `json:"expires_in"`
	Status      string     `json:"status"`
}

// fetchToken obtains a token with the client-credentials grant.
func (s *session) fetchToken(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("ups: token: %w", err)
	}
	req.SetBasicAuth(s.id, s.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if s.merchant != "" {
		req.Header.Set("x-merchant-id", s.merchant)
	}
	issued := s.a.now()
	resp, err := s.conn.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("ups: token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("ups: token: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		err := apiError("token", resp, body)
		var rej *carrier.Rejection
		if errors.As(err, &rej) && (rej.Status == http.StatusUnauthorized || rej.Status == http.StatusForbidden) {
			return fmt.Errorf("ups: token: %s: %w", rej.Error(), carrier.ErrUnauthorized)
		}
		return err
	}
	var t tokenResponse
	if err := json.Unmarshal(body, &t); err != nil {
		return fmt.Errorf("ups: token: malformed answer: %w", err)
	}
	if t.AccessToken == "" || t.ExpiresIn == nil || *t.ExpiresIn <= 0 {
		return errors.New("ups: token: malformed answer: access_token or expires_in is missing")
	}
	s.token = t.AccessToken
	if s.conn.Tokens != nil {
		life := time.Duration(*t.ExpiresIn) * time.Second
		// Renew five minutes early, or a tenth early for short lifetimes.
		s.conn.Tokens.Put(s.cacheKey(), t.AccessToken, issued.Add(life-min(5*time.Minute, life/10)))
	}
	return nil
}
