package woocommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// TopicPing is the Topic of WooCommerce's webhook activation ping.
const TopicPing = "ping"

// isPing reports whether a body is an activation ping: webhook_id=<n>.
func isPing(body []byte) bool {
	id, ok := strings.CutPrefix(string(body), "webhook_id=")
	return ok && id != "" && strings.Trim(id, "0123456789") == ""
}

// VerifyWebhook implements channel.WebhookVerifier.
func (k *Connector) VerifyWebhook(c channel.Conn, header http.Header, rawBody []byte) (channel.WebhookEvent, error) {
	given := header.Get("X-WC-Webhook-Signature")
	if given == "" {
		// WooCommerce sends its activation ping unsigned; it names no order
		// and must be answered 200.
		if isPing(rawBody) {
			return channel.WebhookEvent{Topic: TopicPing}, nil
		}
		return channel.WebhookEvent{}, fmt.Errorf("woocommerce: webhook: no X-WC-Webhook-Signature: %w", channel.ErrBadSignature)
	}
	secret := c.Credentials[CredWebhookSecret]
	if secret == "" {
		return channel.WebhookEvent{}, fmt.Errorf("woocommerce: webhook: the account has no %s: %w",
			CredWebhookSecret, channel.ErrBadSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(given))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(rawBody)
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return channel.WebhookEvent{}, fmt.Errorf("woocommerce: webhook: %w", channel.ErrBadSignature)
	}
	sum := sha256.Sum256(rawBody)
	digest := hex.EncodeToString(sum[:8])
	ev := channel.WebhookEvent{Topic: header.Get("X-WC-Webhook-Topic"), DeliveryID: "sha256:" + digest}
	if id := header.Get("X-WC-Webhook-Delivery-ID"); id != "" {
		ev.DeliveryID = id + ":" + digest
	}
	if isPing(rawBody) {
		ev.Topic = TopicPing
		return ev, nil
	}
	if !strings.HasPrefix(ev.Topic, "order.") {
		return ev, nil
	}
	var body struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(rawBody, &body); err != nil {
		return channel.WebhookEvent{}, fmt.Errorf("woocommerce: webhook %s: malformed body: %w", ev.Topic, err)
	}
	n, err := strconv.ParseInt(body.ID.String(), 10, 64)
	if err != nil || n <= 0 {
		return channel.WebhookEvent{}, fmt.Errorf("woocommerce: webhook %s: the body has no order id", ev.Topic)
	}
	ev.ExternalOrderID = strconv.FormatInt(n, 10)
	return ev, nil
}
