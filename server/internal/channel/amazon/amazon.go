// Package amazon is the connector for the Amazon Selling Partner API
// (Orders v0, Tokens 2021-03-01 and Listings Items 2021-08-01), for
// merchant-fulfilled (MFN) orders.
//
// Authentication is Login with Amazon: the account's refresh token is
// exchanged for an hour-long access token sent as x-amz-access-token.
// Buyer names and shipping addresses are restricted data: each sweep asks
// for one restricted data token (RDT) covering getOrders and getOrder and
// reads orders with it. Amazon pushes no webhooks (ORDER_CHANGE goes to an
// SQS queue or EventBridge bus), so the connector is polled and does not
// implement channel.WebhookVerifier.
package amazon

import (
	"context"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Credential fields the connector reads from channel.Conn.Credentials.
const (
	// CredClientID is the LWA client id of the application (amzn1.application-oa2-client.…).
	CredClientID = "client_id"
	// CredClientSecret is the LWA client secret.
	CredClientSecret = "client_secret"
	// CredRefreshToken is the seller's long-lived LWA refresh token (Atzr|…).
	CredRefreshToken = "refresh_token"
	// CredSellerID is the merchant token (e.g. A3TH9S8BH6GOGM); needed for listings.
	CredSellerID = "seller_id"
	// CredMarketplaceID is optional; DefaultMarketplaceID (US) when empty.
	CredMarketplaceID = "marketplace_id"
	// CredLWAEndpoint optionally overrides the LWA token endpoint URL.
	CredLWAEndpoint = "lwa_endpoint"
)

// Production defaults.
const (
	DefaultBaseURL       = "https://sellingpartnerapi-na.amazon.com"
	DefaultLWAEndpoint   = "https://api.amazon.com/auth/o2/token"
	DefaultMarketplaceID = "ATVPDKIKX0DER"
	// LWAPath is the token endpoint's path, also used on a non-Amazon BaseURL.
	LWAPath = "/auth/o2/token"
)

// Connector talks to the Selling Partner API. Safe for concurrent use.
type Connector struct {
	now             func() time.Time
	lwaEndpoint     string
	pageSize        int
	maxBatch        int
	productType     string
	pollInterval    time.Duration
	maxThrottleWait time.Duration
	userAgent       string
}

var _ channel.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*Connector)

// WithClock sets the clock used for the getOrders window, token expiry and
// default ship dates.
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.now = now } }

// WithLWAEndpoint sets the LWA token endpoint for every account. Without
// it (and without the lwa_endpoint credential) the endpoint is Amazon's
// when BaseURL is empty or an amazon.com host, and BaseURL's host under
// /auth/o2/token otherwise (a simulator).
func WithLWAEndpoint(url string) Option { return func(c *Connector) { c.lwaEndpoint = url } }

// WithPageSize sets getOrders' MaxResultsPerPage (1–100, default 100).
func WithPageSize(n int) Option {
	return func(c *Connector) {
		if n >= 1 && n <= 100 {
			c.pageSize = n
		}
	}
}

// WithMaxBatch sets how many listings one PushQuantities call may patch
// (default 5, the burst of the Listings Items PATCH operation).
func WithMaxBatch(n int) Option {
	return func(c *Connector) {
		if n > 0 {
			c.maxBatch = n
		}
	}
}

// WithProductType sets the productType sent with quantity patches
// (default "PRODUCT", accepted for offer-only patches).
func WithProductType(t string) Option {
	return func(c *Connector) {
		if t != "" {
			c.productType = t
		}
	}
}

// WithPollInterval overrides PollInterval.
func WithPollInterval(d time.Duration) Option {
	return func(c *Connector) {
		if d > 0 {
			c.pollInterval = d
		}
	}
}

// WithMaxThrottleWait sets the longest wait the connector takes by itself
// after a 429 before retrying (default 2 s: getOrderItems' 0.5 rps). A
// longer requested wait is returned as *channel.Throttled. Zero never waits.
func WithMaxThrottleWait(d time.Duration) Option {
	return func(c *Connector) {
		if d >= 0 {
			c.maxThrottleWait = d
		}
	}
}

// WithUserAgent sets the user-agent Amazon expects to describe the caller.
func WithUserAgent(ua string) Option {
	return func(c *Connector) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// New returns a connector with production defaults.
func New(opts ...Option) *Connector {
	c := &Connector{
		now: time.Now, pageSize: 100, maxBatch: 5, productType: "PRODUCT",
		pollInterval: 2 * time.Minute, maxThrottleWait: 2 * time.Second,
		userAgent: "Manifold/1.0 (Language=Go)",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// MaxBatch implements channel.Channel. Listings Items patches one SKU per
// request; a batch is that many requests in a row, within the operation's
// burst of 5.
func (c *Connector) MaxBatch() int { return c.maxBatch }

// PollInterval implements channel.Connector. getOrders refills one request
// a minute (burst 20) and its window must end two minutes before now, so a
// poll every two minutes can always afford a two-page sweep.
func (c *Connector) PollInterval() time.Duration { return c.pollInterval }

// Acknowledge implements channel.Connector: SP-API has no acknowledgement
// step for merchant-fulfilled orders.
func (c *Connector) Acknowledge(context.Context, channel.Conn, channel.Order) error { return nil }

// Test implements channel.Connector: one token exchange and one getOrders
// page of at most one order, without restricted data.
func (c *Connector) Test(ctx context.Context, conn channel.Conn) error {
	s, err := c.open(conn)
	if err != nil {
		return err
	}
	q := s.ordersQuery()
	q.Set("LastUpdatedAfter", iso(c.now().Add(-time.Hour)))
	q.Set("MaxResultsPerPage", "1")
	var out ordersResponse
	return s.do(ctx, request{op: opGetOrders, method: "GET", path: ordersPath, query: q, token: tokenLWA}, &out)
}
