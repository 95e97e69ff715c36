package woocommerce

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// oauthWindow is how far an OAuth timestamp may be from the store's clock.
const oauthWindow = 15 * 60

type authResult struct {
	method string // basic, query, oauth or none
	ok     bool
}

// authenticate follows WC_REST_Authentication: over HTTPS the keys as HTTP
// Basic credentials (or the consumer_key and consumer_secret query
// parameters); otherwise, and when those are absent, an OAuth 1.0a
// one-legged signature. A request carrying no credentials at all is anonymous
// (the route's permission check answers it); wrong credentials are a 401.
//
// The signature check is written here independently of the connector's
// signing, so a mistake on either side shows up in tests.
func (s *Server) authenticate(r *http.Request) (authResult, *apiError) {
	key, secret := s.opts.ConsumerKey, s.opts.ConsumerSecret
	if s.https(r) {
		if user, pass, ok := r.BasicAuth(); ok {
			err := checkKeys(key, secret, user, pass)
			return authResult{"basic", err == nil}, err
		}
		q := r.URL.Query()
		if q.Has("consumer_key") && q.Has("consumer_secret") {
			err := checkKeys(key, secret, q.Get("consumer_key"), q.Get("consumer_secret"))
			return authResult{"query", err == nil}, err
		}
	}
	params := oauthParams(r)
	required := []string{"oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"}
	var missing []string
	for _, p := range required {
		if params[p] == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) == len(required) {
		return authResult{"none", false}, nil
	}
	res := authResult{"oauth", false}
	if len(missing) > 0 {
		msg := "Missing OAuth parameter " + missing[0]
		if len(missing) > 1 {
			msg = "Missing OAuth parameters " + strings.Join(missing, ", ")
		}
		return res, newError(http.StatusUnauthorized, "woocommerce_rest_authentication_missing_parameter", msg)
	}
	if subtle.ConstantTimeCompare([]byte(params["oauth_consumer_key"]), []byte(key)) != 1 {
		return res, authError("Consumer key is invalid.")
	}
	var mac func() hash.Hash
	switch params["oauth_signature_method"] {
	case "HMAC-SHA1":
		mac = sha1.New
	case "HMAC-SHA256":
		mac = sha256.New
	default:
		return res, authError("Invalid signature - signature method is invalid.")
	}
	given := strings.ReplaceAll(params["oauth_signature"], " ", "+")
	if u, err := url.PathUnescape(given); err == nil {
		given = u
	}
	h := hmac.New(mac, []byte(secret+"&"))
	h.Write([]byte(signatureBase(r, s.https(r), params)))
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(given)) {
		return res, authError("Invalid signature - provided signature does not match.")
	}
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	now := s.opts.Clock().Unix()
	if err != nil || ts < now-oauthWindow || ts > now+oauthWindow {
		return res, authError("Invalid timestamp.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, at := range s.nonces {
		if at < now-oauthWindow {
			delete(s.nonces, n)
		}
	}
	nonceKey := key + "\x00" + params["oauth_nonce"]
	if _, used := s.nonces[nonceKey]; used {
		return res, authError("Invalid nonce - nonce has already been used.")
	}
	s.nonces[nonceKey] = ts
	res.ok = true
	return res, nil
}

func (s *Server) https(r *http.Request) bool { return r.TLS != nil || s.opts.AssumeHTTPS }

func checkKeys(key, secret, givenKey, givenSecret string) *apiError {
	if subtle.ConstantTimeCompare([]byte(givenKey), []byte(key)) != 1 {
		return authError("Consumer key is invalid.")
	}
	if subtle.ConstantTimeCompare([]byte(givenSecret), []byte(secret)) != 1 {
		return authError("Consumer secret is invalid.")
	}
	return nil
}

// oauthParams merges the query string (PHP's $_GET: the last value of a
// repeated key wins) with the parameters of an "Authorization: OAuth …"
// header.
func oauthParams(r *http.Request) map[string]string {
	params := map[string]string{}
	for k, vs := range r.URL.Query() {
		params[k] = vs[len(vs)-1]
	}
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if rest, ok := strings.CutPrefix(h, "OAuth "); ok {
		for _, part := range strings.Split(rest, ",") {
			k, v, found := strings.Cut(strings.TrimSpace(part), "=")
			if !found {
				continue
			}
			v = strings.Trim(v, `"`)
			if d, err := url.QueryUnescape(v); err == nil {
				v = d
			}
			params[k] = v
		}
	}
	return params
}

// signatureBase is METHOD&pct(home URL + path)&pct(sorted, encoded params)
// without oauth_signature, as WC_REST_Authentication::check_oauth_signature
// builds it.
func signatureBase(r *http.Request, https bool, params map[string]string) string {
	scheme := "http"
	if https {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + r.URL.EscapedPath()
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "oauth_signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = pct(pct(k) + "=" + pct(params[k]))
	}
	return r.Method + "&" + pct(base) + "&" + strings.Join(pairs, "%26")
}

// pct is PHP's rawurlencode: RFC 3986, every byte but the unreserved ones.
func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
