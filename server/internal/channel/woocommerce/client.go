package woocommerce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// maxBody caps how much of an answer is read.
const maxBody = 32 << 20

type reply struct {
	status int
	header http.Header
	body   []byte
}

// apiRoot is the store's REST root without a trailing slash; a bare store
// URL gets /wp-json/wc/v3.
func apiRoot(base string) (*url.URL, error) {
	if strings.TrimSpace(base) == "" {
		return nil, errors.New("woocommerce: the account has no store URL (base URL)")
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("woocommerce: store URL %q is not an http(s) URL", base)
	}
	if !strings.HasSuffix(u.Path, "/wc/v3") {
		u.Path += "/wp-json/wc/v3"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// do sends one request to path under the store's API root and returns a
// 2xx answer; any other status becomes the error classify describes.
func (k *Connector) do(ctx context.Context, c channel.Conn, method, path string, query url.Values, body any) (*reply, error) {
	if c.HTTP == nil {
		return nil, errors.New("woocommerce: no HTTP client in the connection")
	}
	root, err := apiRoot(c.BaseURL)
	if err != nil {
		return nil, err
	}
	key, secret := c.Credentials[CredConsumerKey], c.Credentials[CredConsumerSecret]
	if key == "" || secret == "" {
		return nil, fmt.Errorf("woocommerce: the account's %s and %s are required", CredConsumerKey, CredConsumerSecret)
	}
	u := *root
	u.Path += path
	q := url.Values{}
	for name, vs := range query {
		q[name] = append([]string(nil), vs...)
	}
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("woocommerce: %s %s: %w", method, path, err)
		}
		payload = bytes.NewReader(data)
	}
	basic := false
	switch {
	case u.Scheme == "http":
		if err := k.sign(method, &u, q, key, secret); err != nil {
			return nil, err
		}
	case c.Credentials[CredHTTPSAuth] == "query":
		q.Set("consumer_key", key)
		q.Set("consumer_secret", secret)
	default:
		basic = true
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), payload)
	if err != nil {
		return nil, fmt.Errorf("woocommerce: %s %s: %w", method, path, err)
	}
	if basic {
		req.SetBasicAuth(key, secret)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Manifold-OMS")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("woocommerce: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("woocommerce: %s %s: reading the answer: %w", method, path, err)
	}
	r := &reply{status: resp.StatusCode, header: resp.Header, body: data}
	if err := k.classify(r); err != nil {
		return nil, fmt.Errorf("woocommerce: %s %s: %w", method, path, err)
	}
	return r, nil
}

// wpError is WordPress's error body.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// classify turns a non-2xx answer into an error: 401 is
// channel.ErrUnauthorized, 429 (and 503 with Retry-After) *channel.Throttled,
// another 4xx a *channel.Rejection with the store's code and message
// verbatim, 5xx a plain error that says what the store answered.
func (k *Connector) classify(r *reply) error {
	if r.status >= 200 && r.status < 300 {
		return nil
	}
	var e wpError
	isWP := json.Unmarshal(r.body, &e) == nil && e.Code != ""
	var words string
	if isWP {
		words = e.Code + ": " + e.Message
	} else {
		words = snippet(r.body)
		if words == "" {
			words = http.StatusText(r.status)
		}
	}
	switch {
	case r.status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w", words, channel.ErrUnauthorized)
	case r.status == http.StatusTooManyRequests, r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "":
		return &channel.Throttled{RetryAfter: retryAfter(r.header.Get("Retry-After"), k.now()), Message: words}
	case r.status >= 400 && r.status < 500:
		if isWP {
			return &channel.Rejection{Status: r.status, Code: e.Code, Message: e.Message}
		}
		return &channel.Rejection{Status: r.status, Message: words}
	}
	return fmt.Errorf("the store answered %d: %s", r.status, words)
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet is the start of a non-JSON body, on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// sign adds a one-legged OAuth 1.0a signature to q, as WooCommerce checks
// it over plain HTTP: the base string is METHOD & pct(scheme://host/path) &
// pct(the sorted, pct-encoded query parameters), the key consumer_secret&.
func (k *Connector) sign(method string, u *url.URL, q url.Values, key, secret string) error {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return fmt.Errorf("woocommerce: oauth nonce: %w", err)
	}
	q.Set("oauth_consumer_key", key)
	q.Set("oauth_timestamp", strconv.FormatInt(k.now().Unix(), 10))
	q.Set("oauth_nonce", hex.EncodeToString(n[:]))
	q.Set("oauth_signature_method", "HMAC-SHA256")
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, name := range names {
		pairs[i] = pct(name) + "=" + pct(q.Get(name))
	}
	base := strings.ToLower(u.Scheme) + "://" + u.Host + u.EscapedPath()
	text := strings.ToUpper(method) + "&" + pct(base) + "&" + pct(strings.Join(pairs, "&"))
	mac := hmac.New(sha256.New, []byte(secret+"&"))
	mac.Write([]byte(text))
	q.Set("oauth_signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return nil
}

// pct is RFC 3986 percent-encoding (PHP's rawurlencode).
func pct(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
