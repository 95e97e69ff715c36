// Package walmart connects Manifold to Walmart Marketplace (US): a
// client-credentials token per account, order pull by last-modified time
// with cursor paging, the acknowledgement Walmart requires for every new
// purchase order, per-SKU inventory updates, shipment confirmation and
// HMAC-signed webhooks.
//
// Walmart's purchase order id is the order's external id; its customer order
// id is the display number; line numbers are the channel line ids that
// shipment confirmations echo.
package walmart

import (
	"context"
	"net/url"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Kind is the channel account kind this connector serves.
const Kind = "walmart"

// Credential fields of a Walmart account.
const (
	// CredClientID and CredClientSecret are the API key pair from Walmart's
	// developer portal, exchanged for 15-minute access tokens.
	CredClientID     = "client_id"
	CredClientSecret = "client_secret"
	// CredWebhookSecret is the HMAC secret of the account's webhook
	// subscription (optional: without it webhooks are refused).
	CredWebhookSecret = "webhook_secret"
	// CredWebhookURL is the eventUrl registered with the subscription.
	// Walmart signs its path and query, which the receiving handler may not
	// see unchanged behind a proxy, so it is configured rather than guessed.
	CredWebhookURL = "webhook_url"
	// CredShipNode is an optional ship node id for inventory updates; the
	// seller's default node is used when it is empty.
	CredShipNode = "ship_node"
)

// Walmart's hosts.
const (
	ProductionURL = "https://marketplace.walmartapis.com"
	SandboxURL    = "https://sandbox.walmartapis.com"
)

// ServiceName is the WM_SVC.NAME every request carries.
const ServiceName = "Walmart Marketplace"

// Walmart's shipping method codes: shippingInfo.methodCode of an order,
// which is the order's ServiceLevel, and trackingInfo.methodCode of a
// shipment confirmation.
const (
	MethodStandard   = "Standard"
	MethodExpress    = "Express"
	MethodOneDay     = "OneDay"
	MethodFreight    = "Freight"
	MethodWhiteGlove = "WhiteGlove"
	MethodValue      = "Value"
)

var methodCodes = []string{MethodStandard, MethodExpress, MethodOneDay, MethodFreight, MethodWhiteGlove, MethodValue}

// Defaults.
const (
	// DefaultPageSize is the largest page GET /v3/orders serves.
	DefaultPageSize = 200
	// DefaultMaxBatch bounds one PushQuantities call. Each update is its own
	// PUT /v3/inventory request, so a batch is only the unit that fails
	// together; a small one wastes little when a throttle stops it midway.
	DefaultMaxBatch = 20
	// DefaultPollInterval: one sweep costs a token every 15 minutes and one
	// request per 200 changed orders, far inside Walmart's per-API buckets,
	// and new orders are picked up (and acknowledged) well within the
	// 4-hour expectation even when webhooks are not set up.
	DefaultPollInterval = 2 * time.Minute
	// DefaultWebhookSkew is how far a webhook's WM_SEC.TIMESTAMP may be from
	// the local clock.
	DefaultWebhookSkew = 5 * time.Minute
	// searchableDays bounds createdStartDate: Walmart searches only the last
	// 180 days; a day is left as margin for clock differences.
	searchableDays = 179
)

// Connector is the Walmart connector. It holds no per-account state; every
// call gets its account through the channel.Conn. Safe for concurrent use.
type Connector struct {
	now      func() time.Time
	pageSize int
	maxBatch int
	poll     time.Duration
	skew     time.Duration
}

var (
	_ channel.Connector       = (*Connector)(nil)
	_ channel.WebhookVerifier = (*Connector)(nil)
)

// Option configures a Connector.
type Option func(*Connector)

// WithClock sets the clock used for watermarks, token expiry, throttle
// waits and webhook timestamps (time.Now by default).
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.now = now } }

// WithPageSize sets the orders page size (1–200; default 200).
func WithPageSize(n int) Option {
	return func(c *Connector) {
		if n > 0 && n <= DefaultPageSize {
			c.pageSize = n
		}
	}
}

// WithMaxBatch sets how many quantity updates one PushQuantities call takes.
func WithMaxBatch(n int) Option {
	return func(c *Connector) {
		if n > 0 {
			c.maxBatch = n
		}
	}
}

// WithPollInterval overrides DefaultPollInterval.
func WithPollInterval(d time.Duration) Option {
	return func(c *Connector) {
		if d > 0 {
			c.poll = d
		}
	}
}

// WithWebhookSkew overrides DefaultWebhookSkew.
func WithWebhookSkew(d time.Duration) Option {
	return func(c *Connector) {
		if d > 0 {
			c.skew = d
		}
	}
}

// New returns a Walmart connector.
func New(opts ...Option) *Connector {
	c := &Connector{now: time.Now, pageSize: DefaultPageSize, maxBatch: DefaultMaxBatch,
		poll: DefaultPollInterval, skew: DefaultWebhookSkew}
	for _, o := range opts {
		o(c)
	}
	return c
}

// MaxBatch implements channel.Channel.
func (c *Connector) MaxBatch() int { return c.maxBatch }

// PollInterval implements channel.Connector.
func (c *Connector) PollInterval() time.Duration { return c.poll }

// Test implements channel.Connector: it fetches a new token, so the
// credentials themselves are checked, and asks for one order of the last day.
func (c *Connector) Test(ctx context.Context, conn channel.Conn) error {
	s, err := c.client(conn)
	if err != nil {
		return err
	}
	if _, err := s.accessToken(ctx, true); err != nil {
		return err
	}
	q := url.Values{}
	q.Set("createdStartDate", formatDate(c.now().Add(-24*time.Hour)))
	q.Set("limit", "1")
	_, err = s.listPage(ctx, "/v3/orders?"+q.Encode())
	return err
}

// formatDate renders a time the way Walmart's date filters take it.
func formatDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
