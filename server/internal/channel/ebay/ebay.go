// Package ebay is Manifold's connector to eBay's Sell APIs: orders from the
// Fulfillment API (getOrders by last-modified date, offset/limit pages),
// quantities through the Inventory API (bulk_update_price_quantity, 25 per
// call; read back with bulk_get_inventory_item), shipments as shipping
// fulfillments, and Notification API messages verified by their ECDSA
// signature. Its simulator is server/sim/ebay.
//
// Credentials (channel.Conn.Credentials): CredClientID and CredClientSecret
// of the eBay application, and CredRefreshToken, the seller's refresh token
// from the one-time consent. CredVerificationToken, the notification
// destination's verification token, is needed only to answer eBay's
// endpoint challenge (see ChallengeResponse), with CredWebhookURL.
//
// Channel SKUs: a line's ChannelSKU is its eBay sku. Listings created
// without a SKU sell lines that carry only legacyItemId (and
// legacyVariationId for a variation); their ChannelSKU is then
// LegacySKU(legacyItemId, legacyVariationId), "legacy:<itemId>" or
// "legacy:<itemId>:<variationId>". Such listings are outside the Inventory
// API: their quantity can be pushed only through an offer id in the
// listing's ExternalListingID.
package ebay

import (
	"context"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Kind is the channel kind this connector serves.
const Kind = "ebay"

// Credential field names.
const (
	// CredClientID and CredClientSecret are the eBay application's keys
	// (App ID and Cert ID), sent as HTTP Basic to the token endpoint.
	CredClientID     = "client_id"
	CredClientSecret = "client_secret"
	// CredRefreshToken is the seller's refresh token (about 18 months),
	// exchanged for 2-hour access tokens.
	CredRefreshToken = "refresh_token"
	// CredVerificationToken and CredWebhookURL are the notification
	// destination's verification token and endpoint exactly as registered
	// with eBay; both are needed only to answer the endpoint challenge.
	CredVerificationToken = "verification_token"
	CredWebhookURL        = "webhook_url"
)

// DefaultBaseURL is eBay's production API host.
const DefaultBaseURL = "https://api.ebay.com"

// OAuth scopes the connector asks for by default.
const (
	ScopeFulfillment = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
	ScopeInventory   = "https://api.ebay.com/oauth/api_scope/sell.inventory"
	// scopeApp is the application-token scope getPublicKey needs.
	scopeApp = "https://api.ebay.com/oauth/api_scope"
)

// maxBatch is bulk_update_price_quantity's limit of requests per call.
const maxBatch = 25

// maxPageLimit is getOrders' largest page; larger limits fail.
const maxPageLimit = 200

// Connector talks to eBay. It is safe for concurrent use; build it once with
// New and share it across accounts.
type Connector struct {
	clock    func() time.Time
	pageSize int
	scopes   []string
	poll     time.Duration
	keyTTL   time.Duration
	lang     string
	keys     *keyCache
}

var (
	_ channel.Connector       = (*Connector)(nil)
	_ channel.WebhookVerifier = (*Connector)(nil)
)

// Option configures a Connector.
type Option func(*Connector)

// WithClock sets the connector's clock (time.Now by default).
func WithClock(now func() time.Time) Option { return func(c *Connector) { c.clock = now } }

// WithPageSize sets getOrders' page size, 1 to 200 (200 by default: the
// fewest calls against the daily quota).
func WithPageSize(n int) Option {
	return func(c *Connector) { c.pageSize = min(max(n, 1), maxPageLimit) }
}

// WithScopes replaces the scopes asked for when refreshing the user token;
// they must be a subset of those the seller consented to.
func WithScopes(scopes ...string) Option {
	return func(c *Connector) { c.scopes = append([]string(nil), scopes...) }
}

// WithPollInterval overrides PollInterval.
func WithPollInterval(d time.Duration) Option { return func(c *Connector) { c.poll = d } }

// WithKeyTTL sets how long fetched notification public keys are trusted
// before being fetched again (an hour by default).
func WithKeyTTL(d time.Duration) Option { return func(c *Connector) { c.keyTTL = d } }

// WithContentLanguage sets the Content-Language of Inventory API writes
// ("en-US" by default).
func WithContentLanguage(lang string) Option { return func(c *Connector) { c.lang = lang } }

// New returns an eBay connector.
func New(opts ...Option) *Connector {
	c := &Connector{
		clock:    time.Now,
		pageSize: maxPageLimit,
		scopes:   []string{ScopeFulfillment, ScopeInventory},
		poll:     5 * time.Minute,
		keyTTL:   time.Hour,
		lang:     "en-US",
	}
	for _, o := range opts {
		o(c)
	}
	c.keys = newKeyCache()
	return c
}

// MaxBatch implements channel.Channel: bulk_update_price_quantity takes 25
// requests per call.
func (c *Connector) MaxBatch() int { return maxBatch }

// PollInterval implements channel.Connector. Five minutes is 288 polls a day
// per account, one getOrders call each when little changed; against the
// Fulfillment API's default 100,000 calls per application per day that
// leaves room for a few hundred accounts on one application, and
// ORDER_CONFIRMATION notifications bring new orders in sooner.
func (c *Connector) PollInterval() time.Duration { return c.poll }

// Acknowledge implements channel.Connector: eBay's REST APIs have no order
// acknowledgement.
func (c *Connector) Acknowledge(context.Context, channel.Conn, channel.Order) error { return nil }

func (c *Connector) now() time.Time { return c.clock().UTC() }
