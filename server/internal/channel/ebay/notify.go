package ebay

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// SignatureHeader carries the signature of eBay Notification API messages.
const SignatureHeader = "X-EBAY-SIGNATURE"

const publicKeyPath = "/commerce/notification/v1/public_key/"

// keyFetchTimeout bounds fetching a public key: VerifyWebhook has no
// context of its own.
const keyFetchTimeout = 30 * time.Second

// ChallengeResponse answers eBay's endpoint validation: eBay calls
// GET <endpoint>?challenge_code=… and expects 200 with
// {"challengeResponse": ChallengeResponse(code, verificationToken, endpoint)},
// the hex SHA-256 of the three concatenated in that order. endpointURL is
// the endpoint exactly as registered with eBay.
func ChallengeResponse(challengeCode, verificationToken, endpointURL string) string {
	sum := sha256.Sum256([]byte(challengeCode + verificationToken + endpointURL))
	return hex.EncodeToString(sum[:])
}

type signature struct {
	Alg       string `json:"alg"`
	Kid       string `json:"kid"`
	Signature string `json:"signature"`
	Digest    string `json:"digest"`
}

func decodeB64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

func badSignature(format string, args ...any) error {
	return fmt.Errorf("ebay: %w: %s", channel.ErrBadSignature, fmt.Sprintf(format, args...))
}

// VerifyWebhook implements channel.WebhookVerifier for Notification API
// messages. The X-EBAY-SIGNATURE header is base64 of
// {"alg":"ecdsa","kid","signature","digest":"SHA1"}; the public key of kid
// is fetched from getPublicKey with an application token (through c.HTTP,
// cached by kid for an hour), and the ASN.1 ECDSA signature is checked over
// SHA-1 of the raw body. A missing or malformed header, an unknown kid or a
// signature that does not verify is channel.ErrBadSignature; failing to
// reach eBay for the key is another error, so the delivery can be retried.
// The event names the message's notificationId, topic and data.orderId.
func (c *Connector) VerifyWebhook(conn channel.Conn, header http.Header, rawBody []byte) (channel.WebhookEvent, error) {
	var none channel.WebhookEvent
	raw := header.Get(SignatureHeader)
	if raw == "" {
		return none, badSignature("no %s header", SignatureHeader)
	}
	hdr, err := decodeB64(raw)
	if err != nil {
		return none, badSignature("%s is not base64", SignatureHeader)
	}
	var sig signature
	if err := json.Unmarshal(hdr, &sig); err != nil {
		return none, badSignature("%s does not hold a JSON object", SignatureHeader)
	}
	if !strings.EqualFold(sig.Alg, "ecdsa") || !strings.EqualFold(sig.Digest, "SHA1") {
		return none, badSignature("unsupported algorithm %q with digest %q", sig.Alg, sig.Digest)
	}
	if sig.Kid == "" || sig.Signature == "" {
		return none, badSignature("the signature names no key or carries no signature")
	}
	der, err := decodeB64(sig.Signature)
	if err != nil {
		return none, badSignature("the signature is not base64")
	}
	key, err := c.publicKey(conn, sig.Kid)
	if err != nil {
		return none, err
	}
	digest := sha1.Sum(rawBody)
	if !ecdsa.VerifyASN1(key, digest[:], der) {
		return none, badSignature("the signature does not match the body")
	}

	var msg struct {
		Metadata struct {
			Topic string `json:"topic"`
		} `json:"metadata"`
		Notification *struct {
			NotificationID string `json:"notificationId"`
			Data           struct {
				OrderID string `json:"orderId"`
			} `json:"data"`
		} `json:"notification"`
	}
	if err := json.Unmarshal(rawBody, &msg); err != nil {
		return none, fmt.Errorf("ebay: notification: malformed JSON: %v", err)
	}
	if msg.Notification == nil || msg.Notification.NotificationID == "" {
		return none, errors.New("ebay: notification: notification.notificationId is missing")
	}
	if msg.Metadata.Topic == "" {
		return none, errors.New("ebay: notification: metadata.topic is missing")
	}
	return channel.WebhookEvent{
		DeliveryID:      msg.Notification.NotificationID,
		ExternalOrderID: msg.Notification.Data.OrderID,
		Topic:           msg.Metadata.Topic,
	}, nil
}

// publicKey returns the key of kid, from the cache or from getPublicKey.
func (c *Connector) publicKey(conn channel.Conn, kid string) (*ecdsa.PublicKey, error) {
	s, err := c.session(conn)
	if err != nil {
		return nil, err
	}
	cacheKey := s.base + "\x00" + kid
	now := c.now()
	if k, missing, ok := c.keys.get(cacheKey, now); ok {
		if missing {
			return nil, badSignature("eBay does not know key %q", kid)
		}
		return k, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), keyFetchTimeout)
	defer cancel()
	op := "getPublicKey " + kid
	resp, err := s.do(ctx, request{op: op, method: http.MethodGet, url: s.apiURL(publicKeyPath + url.PathEscape(kid)), app: true})
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNotFound {
		c.keys.put(cacheKey, nil, now.Add(time.Minute))
		return nil, badSignature("eBay does not know key %q", kid)
	}
	if resp.status != http.StatusOK {
		return nil, apiError(op, resp)
	}
	var pk struct {
		Algorithm string `json:"algorithm"`
		Digest    string `json:"digest"`
		Key       string `json:"key"`
	}
	if err := decode(op, resp.body, &pk); err != nil {
		return nil, err
	}
	key, err := parsePublicKey(pk.Key)
	if err != nil {
		return nil, fmt.Errorf("ebay: %s: %w", op, err)
	}
	c.keys.put(cacheKey, key, now.Add(c.keyTTL))
	return key, nil
}

// parsePublicKey reads the key getPublicKey returns: a PEM public key that
// eBay sends on one line, without its line breaks (proper PEM and bare
// base64 DER are accepted too).
func parsePublicKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if blk, _ := pem.Decode([]byte(s)); blk != nil {
		der = blk.Bytes
	} else {
		body := strings.TrimPrefix(s, "-----BEGIN PUBLIC KEY-----")
		body = strings.TrimSuffix(body, "-----END PUBLIC KEY-----")
		var err error
		if der, err = decodeB64(strings.Join(strings.Fields(body), "")); err != nil {
			return nil, errors.New("the public key is neither PEM nor base64")
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("the public key does not parse: %v", err)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the public key is a %T, not ECDSA", pub)
	}
	return k, nil
}

// keyCacheSize bounds the key cache; kids that eBay does not know are
// remembered briefly too, so forged kids cannot make every message a call.
const keyCacheSize = 256

type keyEntry struct {
	key     *ecdsa.PublicKey // nil: eBay does not know the kid
	expires time.Time
}

// keyCache holds fetched public keys by base URL and kid.
type keyCache struct {
	mu      sync.Mutex
	entries map[string]keyEntry
}

func newKeyCache() *keyCache { return &keyCache{entries: map[string]keyEntry{}} }

func (kc *keyCache) get(k string, now time.Time) (key *ecdsa.PublicKey, missing, ok bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	e, found := kc.entries[k]
	if !found || !now.Before(e.expires) {
		return nil, false, false
	}
	return e.key, e.key == nil, true
}

func (kc *keyCache) put(k string, key *ecdsa.PublicKey, expires time.Time) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.entries) >= keyCacheSize {
		var oldest string
		for name, e := range kc.entries {
			if oldest == "" || e.expires.Before(kc.entries[oldest].expires) {
				oldest = name
			}
		}
		delete(kc.entries, oldest)
	}
	kc.entries[k] = keyEntry{key: key, expires: expires}
}
