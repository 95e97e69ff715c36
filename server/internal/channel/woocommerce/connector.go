package woocommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Kind is the channel kind this connector serves.
const Kind = "woocommerce"

// Credential field names.
const (
	CredConsumerKey    = "consumer_key"
	CredConsumerSecret = "consumer_secret"
	CredWebhookSecret  = "webhook_secret"
	// CredHTTPSAuth is optional: "query" sends the keys in the query string
	// over HTTPS instead of HTTP Basic.
	CredHTTPSAuth = "https_auth"
)

// maxBatch is WooCommerce's default limit of objects per batch request.
const maxBatch = 100

// Connector talks to WooCommerce stores. It is safe for concurrent use.
// The zero value is not usable; call New.
type Connector struct {
	now     func() time.Time
	poll    time.Duration
	perPage int
	private bool

	mu   sync.Mutex
	skus map[string]map[string]target // account cache key → SKU → target
}

var (
	_ channel.Connector       = (*Connector)(nil)
	_ channel.WebhookVerifier = (*Connector)(nil)
)

// Option configures a Connector.
type Option func(*Connector)

// WithClock sets the clock used for OAuth timestamps, Retry-After dates and
// the poll watermark; time.Now by default.
func WithClock(now func() time.Time) Option { return func(k *Connector) { k.now = now } }

// WithPollInterval sets PollInterval; 60 s by default.
func WithPollInterval(d time.Duration) Option { return func(k *Connector) { k.poll = d } }

// WithPageSize sets per_page for list requests (1 to 100; 100 by default).
func WithPageSize(n int) Option {
	return func(k *Connector) {
		if n >= 1 && n <= 100 {
			k.perPage = n
		}
	}
}

// WithPrivateNotes makes shipment notes private (customer_note false), so
// the store does not email them to the buyer.
func WithPrivateNotes() Option { return func(k *Connector) { k.private = true } }

// New returns a connector.
func New(opts ...Option) *Connector {
	k := &Connector{now: time.Now, poll: 60 * time.Second, perPage: 100, skus: map[string]map[string]target{}}
	for _, o := range opts {
		o(k)
	}
	return k
}

// MaxBatch implements channel.Channel.
func (k *Connector) MaxBatch() int { return maxBatch }

// PollInterval implements channel.Connector: stores are often small hosts.
func (k *Connector) PollInterval() time.Duration { return k.poll }

// Acknowledge implements channel.Connector: WooCommerce has no
// acknowledgement.
func (k *Connector) Acknowledge(context.Context, channel.Conn, channel.Order) error { return nil }

// Test implements channel.Connector: one page of one order.
func (k *Connector) Test(ctx context.Context, c channel.Conn) error {
	r, err := k.do(ctx, c, "GET", "/orders", url.Values{"per_page": {"1"}}, nil)
	if err != nil {
		return err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(r.body, &items); err != nil {
		return fmt.Errorf("woocommerce: GET /orders did not answer a JSON array (is %s a WooCommerce REST API root?): %w",
			c.BaseURL, err)
	}
	return nil
}
