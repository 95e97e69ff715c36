package fedex

import (
	"bytes"
	"context"
	"crypto/rand"
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

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// maxBody bounds an answer; a PDF label is well under it.
const maxBody = 16 << 20

// session is one adapter call's view of an account.
type session struct {
	a       *Adapter
	conn    carrier.Conn
	base    string
	id      string
	secret  string
	account string
	phone   string

	token     string
	skipCache bool
}

func (a *Adapter) open(conn carrier.Conn) (*session, error) {
	if conn.HTTP == nil {
		return nil, errors.New("fedex: the connection has no HTTP client")
	}
	cr := conn.Credentials
	for _, k := range []string{CredClientID, CredClientSecret, CredAccountNumber} {
		if strings.TrimSpace(cr[k]) == "" {
			return nil, fmt.Errorf("fedex: credential %q is missing", k)
		}
	}
	base := strings.TrimRight(conn.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("fedex: base URL %q is not an absolute URL", conn.BaseURL)
	}
	return &session{a: a, conn: conn, base: base, id: cr[CredClientID], secret: cr[CredClientSecret],
		account: strings.TrimSpace(cr[CredAccountNumber]), phone: strings.TrimSpace(cr[CredPhoneNumber])}, nil
}

// cacheKey names the account's token: account id first, then a digest of
// the endpoint and credentials it was issued for.
func (s *session) cacheKey() string {
	h := sha256.Sum256([]byte(s.base + "\x00" + s.id + "\x00" + s.secret))
	return s.conn.AccountID + ":fedex:oauth:" + hex.EncodeToString(h[:8])
}

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

type tokenResponse struct {
	AccessToken string      `json:"access_token"`
	TokenType   string      `json:"token_type"`
	ExpiresIn   json.Number `json:"expires_in"`
	Scope       string      `json:"scope"`
}

// fetchToken obtains a token with the client-credentials grant, the
// credentials in the form.
func (s *session) fetchToken(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.id}, "client_secret": {s.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+TokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("fedex: token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	issued := s.a.now()
	resp, err := s.conn.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("fedex: token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("fedex: token: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		err := apiError("token", resp, body)
		var rej *carrier.Rejection
		if errors.As(err, &rej) && (rej.Status == http.StatusUnauthorized || rej.Status == http.StatusForbidden) {
			return fmt.Errorf("fedex: token: %s: %w", rej.Error(), carrier.ErrUnauthorized)
		}
		return err
	}
	var t tokenResponse
	if err := json.Unmarshal(body, &t); err != nil {
		return fmt.Errorf("fedex: token: malformed answer: %w", err)
	}
	secs, err := t.ExpiresIn.Int64()
	if t.AccessToken == "" || err != nil || secs <= 0 {
		return errors.New("fedex: token: malformed answer: access_token or expires_in is missing")
	}
	s.token = t.AccessToken
	if s.conn.Tokens != nil {
		life := time.Duration(secs) * time.Second
		// Renew five minutes early, or a tenth early for short lifetimes.
		s.conn.Tokens.Put(s.cacheKey(), t.AccessToken, issued.Add(life-min(5*time.Minute, life/10)))
	}
	return nil
}

// call is one API request.
type call struct {
	op, method, path string
	body             any
}

// do sends c and decodes a 200 answer into out. A 401 gets one fresh
// token and one retry; a second one is carrier.ErrUnauthorized.
func (s *session) do(ctx context.Context, c call, out any) error {
	payload, err := json.Marshal(c.body)
	if err != nil {
		return fmt.Errorf("fedex: %s: encoding the request: %w", c.op, err)
	}
	for attempt := 0; ; attempt++ {
		token, err := s.bearer(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, c.method, s.base+c.path, bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("fedex: %s: %w", c.op, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-locale", s.a.locale)
		req.Header.Set("x-customer-transaction-id", transactionID())
		resp, err := s.conn.HTTP.Do(req)
		if err != nil {
			return fmt.Errorf("fedex: %s: %w", c.op, err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("fedex: %s: reading the answer: %w", c.op, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(out); err != nil {
				return fmt.Errorf("fedex: %s: malformed answer: %w", c.op, err)
			}
			return nil
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			s.token, s.skipCache = "", true
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("fedex: %s: %v: %w", c.op, apiError(c.op, resp, raw), carrier.ErrUnauthorized)
		}
		return apiError(c.op, resp, raw)
	}
}

// apiErrorBody is FedEx's error envelope.
type apiErrorBody struct {
	TransactionID string     `json:"transactionId"`
	Errors        []apiIssue `json:"errors"`
}

type apiIssue struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError turns a refusal into a carrier error: 429 *carrier.Throttled,
// 5xx a plain error, any other status FedEx's own *carrier.Rejection.
func apiError(op string, resp *http.Response, raw []byte) error {
	var e apiErrorBody
	_ = json.Unmarshal(raw, &e)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		msg := "HTTP 429"
		if len(e.Errors) > 0 {
			msg = e.Errors[0].Code + ": " + e.Errors[0].Message
		}
		return &carrier.Throttled{RetryAfter: carrier.RetryAfter(resp.Header.Get("Retry-After"), time.Now()), Message: "fedex " + op + ": " + msg}
	case resp.StatusCode >= 500:
		if len(e.Errors) > 0 {
			return fmt.Errorf("fedex: %s: HTTP %d: %s: %s", op, resp.StatusCode, e.Errors[0].Code, e.Errors[0].Message)
		}
		return fmt.Errorf("fedex: %s: HTTP %d", op, resp.StatusCode)
	case len(e.Errors) == 0:
		return &carrier.Rejection{Status: resp.StatusCode, Message: fmt.Sprintf("fedex %s: HTTP %d: %s", op, resp.StatusCode, snippet(raw))}
	}
	pick := e.Errors[0]
	for _, x := range e.Errors {
		if addressCode(x.Code) {
			pick = x
			break
		}
	}
	return &carrier.Rejection{Status: resp.StatusCode, Code: pick.Code, Message: pick.Message, Address: addressCode(pick.Code)}
}

// addressCode reports whether a FedEx error code is about an address:
// FedEx codes name the element at fault (COUNTRY.POSTALCODE.INVALID,
// RECIPIENT.STATEORPROVINCECODE.INVALID, STANDARDIZED.ADDRESS.NOTFOUND).
func addressCode(code string) bool {
	for _, part := range strings.Split(strings.ToUpper(code), ".") {
		switch part {
		case "POSTALCODE", "ADDRESS", "STATEORPROVINCECODE", "STREETLINES", "CITY", "CITYNAME":
			return true
		}
	}
	return false
}

func transactionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
