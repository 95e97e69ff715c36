package ebay

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"
)

// DeliveryMode says how notifications reach the target.
type DeliveryMode string

// Delivery modes.
const (
	// DeliverNormal sends each notification once, as it happens.
	DeliverNormal DeliveryMode = "normal"
	// DeliverDuplicate sends each notification twice, byte for byte.
	DeliverDuplicate DeliveryMode = "duplicate"
	// DeliverOutOfOrder holds notifications until FlushNotifications, then
	// sends them newest first.
	DeliverOutOfOrder DeliveryMode = "out_of_order"
)

// maxAttempts is how often eBay tries to deliver one notification.
const maxAttempts = 3

type notification struct {
	id        string
	orderID   string
	lineID    string
	eventDate time.Time
}

// Delivery is one attempt to deliver a notification.
type Delivery struct {
	NotificationID string    `json:"notificationId"`
	OrderID        string    `json:"orderId"`
	Attempt        int       `json:"publishAttemptCount"`
	Status         int       `json:"status"`
	Error          string    `json:"error,omitempty"`
	At             time.Time `json:"at"`
}

// SetWebhookTarget implements sim.Marketplace: notifications go to url.
// secret is the destination's verification token, used by the endpoint
// challenge (eBay signs messages with its own ECDSA key, not a shared
// secret). An empty url stops deliveries.
func (s *Server) SetWebhookTarget(url, secret string) {
	s.mu.Lock()
	s.target, s.verifyTok = url, secret
	s.mu.Unlock()
}

// SetDeliveryMode changes how notifications are delivered.
func (s *Server) SetDeliveryMode(m DeliveryMode) error {
	switch m {
	case DeliverNormal, DeliverDuplicate, DeliverOutOfOrder:
	default:
		return fmt.Errorf("ebay sim: unknown delivery mode %q", m)
	}
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
	return nil
}

// FlushNotifications delivers the notifications held in out-of-order mode,
// newest first, and returns how many there were.
func (s *Server) FlushNotifications() int {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	slices.Reverse(held)
	s.deliver(held)
	return len(held)
}

// Deliveries lists every delivery attempt so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// RotateKey starts signing with a new key under a new key id; earlier keys
// stay retrievable, as on eBay.
func (s *Server) RotateKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rotateKeyLocked()
}

func (s *Server) rotateKeyLocked() string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("ebay sim: generating a P-256 key: " + err.Error())
	}
	s.kid = uuid.NewString()
	s.keys[s.kid] = k
	return s.kid
}

// orderConfirmationsLocked makes the ORDER_CONFIRMATION notifications of o,
// one per line item as eBay sends them; nil without a target. In
// out-of-order mode they are held instead.
func (s *Server) orderConfirmationsLocked(o *order, now time.Time) []notification {
	if s.target == "" {
		return nil
	}
	var out []notification
	for _, l := range o.lines {
		out = append(out, notification{id: uuid.NewString(), orderID: o.id, lineID: l.id, eventDate: now})
	}
	if s.mode == DeliverOutOfOrder {
		s.held = append(s.held, out...)
		return nil
	}
	return out
}

type message struct {
	Metadata struct {
		Topic         string `json:"topic"`
		SchemaVersion string `json:"schemaVersion"`
		Deprecated    bool   `json:"deprecated"`
	} `json:"metadata"`
	Notification struct {
		NotificationID      string            `json:"notificationId"`
		EventDate           string            `json:"eventDate"`
		PublishDate         string            `json:"publishDate"`
		PublisherID         string            `json:"publisherId"`
		PublishAttemptCount int               `json:"publishAttemptCount"`
		Data                map[string]string `json:"data"`
	} `json:"notification"`
}

// sign returns the X-EBAY-SIGNATURE header for body: base64 of a JSON object
// naming the key and carrying an ASN.1 ECDSA signature over SHA-1 of the
// raw body.
func sign(kid string, key *ecdsa.PrivateKey, body []byte) (string, error) {
	digest := sha1.Sum(body)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return "", err
	}
	hdr, err := json.Marshal(map[string]string{
		"alg": "ecdsa", "kid": kid, "signature": base64.StdEncoding.EncodeToString(sig), "digest": "SHA1",
	})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(hdr), nil
}

// deliver sends notes in order, each up to three times until the target
// answers 2xx, twice over in duplicate mode.
func (s *Server) deliver(notes []notification) {
	if len(notes) == 0 {
		return
	}
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	for _, n := range notes {
		for attempt := 1; attempt <= maxAttempts; attempt++ {
			s.mu.Lock()
			target, mode, kid, key := s.target, s.mode, s.kid, s.keys[s.kid]
			s.mu.Unlock()
			if target == "" {
				return
			}
			var m message
			m.Metadata.Topic, m.Metadata.SchemaVersion = "ORDER_CONFIRMATION", "1.0"
			m.Notification.NotificationID = n.id
			m.Notification.EventDate = ebayTime(n.eventDate)
			m.Notification.PublishDate = ebayTime(s.now())
			m.Notification.PublisherID = "6a7d2c4e-ebay-notification-publisher"
			m.Notification.PublishAttemptCount = attempt
			m.Notification.Data = map[string]string{"orderId": n.orderID, "lineItemId": n.lineID}
			body, _ := json.Marshal(m)
			sig, err := sign(kid, key, body)
			if err != nil {
				s.record(Delivery{NotificationID: n.id, OrderID: n.orderID, Attempt: attempt, Error: err.Error()})
				return
			}
			ok := s.post(target, body, sig, n, attempt)
			if ok && mode == DeliverDuplicate {
				s.post(target, body, sig, n, attempt)
			}
			if ok {
				break
			}
		}
	}
}

func (s *Server) post(target string, body []byte, sig string, n notification, attempt int) bool {
	d := Delivery{NotificationID: n.id, OrderID: n.orderID, Attempt: attempt, At: s.now()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-EBAY-SIGNATURE", sig)
		var resp *http.Response
		resp, err = s.opts.HTTPClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	s.record(d)
	return err == nil && d.Status/100 == 2
}

func (s *Server) record(d Delivery) {
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
}

// handlePublicKey answers GET /commerce/notification/v1/public_key/{public_key_id}.
func (s *Server) handlePublicKey(w http.ResponseWriter, r *http.Request) {
	kid := r.PathValue("public_key_id")
	s.mu.Lock()
	k, ok := s.keys[kid]
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, requestError("API_NOTIFICATION", 195001, "The specified key id is invalid."))
		return
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, systemError(apiNotification))
		return
	}
	// eBay sends the PEM on one line, without the usual line breaks.
	pem := "-----BEGIN PUBLIC KEY-----" + base64.StdEncoding.EncodeToString(der) + "-----END PUBLIC KEY-----"
	writeJSON(w, http.StatusOK, map[string]string{"algorithm": "ECDSA", "digest": "SHA1", "key": pem})
}

// Challenge validates the target endpoint as eBay does when a destination
// is created: GET <endpoint>?challenge_code=…, expecting 200 and
// {"challengeResponse": hex(sha256(challengeCode + verificationToken + endpoint))}.
func (s *Server) Challenge(ctx context.Context) error {
	s.mu.Lock()
	target, tok := s.target, s.verifyTok
	s.mu.Unlock()
	if target == "" {
		return fmt.Errorf("ebay sim: no notification target set")
	}
	code := uuid.NewString()
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("ebay sim: target %q: %w", target, err)
	}
	q := u.Query()
	q.Set("challenge_code", code)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("ebay sim: challenge: %w", err)
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("ebay sim: challenge: %w", err)
	}
	defer resp.Body.Close()
	var got struct {
		ChallengeResponse string `json:"challengeResponse"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ebay sim: challenge answered HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&got); err != nil {
		return fmt.Errorf("ebay sim: challenge answer is not JSON: %w", err)
	}
	sum := sha256.Sum256([]byte(code + tok + target))
	if got.ChallengeResponse != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("ebay sim: challenge response %q is wrong", got.ChallengeResponse)
	}
	return nil
}
