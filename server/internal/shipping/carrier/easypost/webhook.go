package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// SignatureHeader is where EasyPost puts a webhook's signature:
// "hmac-sha256-hex=" and the hex HMAC-SHA256 of the body, keyed by the
// webhook secret.
const SignatureHeader = "X-Hmac-Signature"

// ErrBadSignature means a webhook's signature is missing or does not match
// the secret.
var ErrBadSignature = errors.New("easypost: webhook signature missing or wrong")

// VerifyWebhook checks a webhook's signature against the account's secret
// and, for tracker.created and tracker.updated events, returns the tracking
// they carry (ok is false for other events, which callers ignore).
//
// EasyPost normalizes the secret to Unicode NFKD before keying the HMAC;
// secrets are used as given here, which is the same for the ASCII secrets
// its dashboard generates.
func VerifyWebhook(body []byte, h http.Header, secret string) (t carrier.Tracking, ok bool, err error) {
	if secret == "" {
		return carrier.Tracking{}, false, fmt.Errorf("%w: the account has no %q", ErrBadSignature, CredWebhookSecret)
	}
	got, found := strings.CutPrefix(strings.TrimSpace(h.Get(SignatureHeader)), "hmac-sha256-hex=")
	sig, err := hex.DecodeString(got)
	if !found || err != nil {
		return carrier.Tracking{}, false, ErrBadSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(sig, m.Sum(nil)) {
		return carrier.Tracking{}, false, ErrBadSignature
	}
	var ev struct {
		Description string          `json:"description"`
		Result      json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return carrier.Tracking{}, false, fmt.Errorf("easypost: webhook: malformed event: %w", err)
	}
	if ev.Description != "tracker.updated" && ev.Description != "tracker.created" {
		return carrier.Tracking{}, false, nil
	}
	var tr trackerResp
	if err := json.Unmarshal(ev.Result, &tr); err != nil || tr.TrackingCode == "" {
		return carrier.Tracking{}, false, errors.New("easypost: webhook: malformed tracker")
	}
	return normalize(tr), true, nil
}
