package channel

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
)

// A marketplace connector is one small package (server/internal/channel/<kind>)
// whose value implements Connector, with a faithful simulator of the
// marketplace's API beside it (server/sim/<kind>). The core reaches every
// marketplace only through these interfaces.

// Credentials are an account's decrypted secrets, by field name. Each
// connector documents the fields it needs (e.g. Walmart "client_id" and
// "client_secret"). They never leave the process: not in logs, not in API answers.
type Credentials map[string]string

// Conn is everything a connector call needs to reach one channel account.
type Conn struct {
	Account
	// BaseURL is the API's root: the production host, a sandbox, a region,
	// or a simulator on loopback. Connectors have a production default.
	BaseURL     string
	Credentials Credentials
	// HTTP is the client to use; it carries timeouts. Connectors must not
	// build their own.
	HTTP *http.Client
	// Tokens caches access tokens across calls (LWA, Walmart, eBay); nil
	// means no caching.
	Tokens TokenCache
}

// TokenCache keeps short-lived access tokens per account, so a poll does not
// fetch a new token for every call. Keys must start with the account id
// (e.g. "<account id>:lwa"), so changing an account's credentials drops its
// tokens. Implementations are safe for concurrent use.
type TokenCache interface {
	Get(key string) (token string, ok bool)
	Put(key string, token string, expires time.Time)
}

// Connector is everything Manifold does with a marketplace.
type Connector interface {
	Channel

	// Test checks the account's credentials and base URL with one cheap call
	// (e.g. fetching a token and one page of one order).
	Test(ctx context.Context, c Conn) error

	// FetchOrders returns every order created or modified since the given
	// time (inclusive), following all pages, with line items and the
	// shipping address filled in (extra calls where the API needs them, as
	// Amazon's getOrderItems and restricted data token). Until is the
	// watermark to store for the next poll: the end of the window the
	// channel answered for, never later than the moment of the call.
	FetchOrders(ctx context.Context, c Conn, since time.Time) (orders []Order, until time.Time, err error)

	// FetchOrder returns one order by its channel id, to act on a webhook.
	FetchOrder(ctx context.Context, c Conn, externalID string) (Order, error)

	// Acknowledge tells the channel the order was received, where the
	// channel requires it (Walmart); others return nil. Acknowledging twice
	// is harmless.
	Acknowledge(ctx context.Context, c Conn, o Order) error

	// ConfirmShipment sends carrier and tracking for shipped lines. A
	// refusal by the channel is a *Rejection carrying its words verbatim.
	ConfirmShipment(ctx context.Context, c Conn, s Shipment) error

	// PollInterval is how often to poll this channel within its rate limits.
	PollInterval() time.Duration
}

// WebhookVerifier is implemented by connectors of channels that push order
// events. Verify checks the signature over the raw body before anything is
// parsed, and returns the order the event is about.
type WebhookVerifier interface {
	VerifyWebhook(c Conn, header http.Header, rawBody []byte) (WebhookEvent, error)
}

// WebhookEvent is a verified notification: which order to fetch again.
type WebhookEvent struct {
	// DeliveryID identifies the delivery, to drop duplicates.
	DeliveryID string
	// ExternalOrderID is the order to re-fetch; empty for events that
	// concern no order (a ping).
	ExternalOrderID string
	Topic           string
}

// ErrBadSignature is returned by VerifyWebhook for a missing or forged signature.
var ErrBadSignature = errors.New("webhook signature missing or invalid")

// Order statuses, normalized from each channel's own.
const (
	OrderPending   = "pending"   // not yet payable or releasable: do not import yet
	OrderReady     = "ready"     // ready to ship
	OrderShipped   = "shipped"   // shipped outside Manifold or already confirmed
	OrderCancelled = "cancelled" // cancelled on the channel
)

// Order is a channel's order, normalized: money in integer cents, times in
// UTC, identifiers as the strings the channel uses.
type Order struct {
	ExternalID    string
	DisplayNumber string
	Status        string
	CustomerName  string
	CustomerEmail string
	ShipTo        api.Address
	Lines         []Line
	// ServiceLevel is the channel's requested shipping as it names it
	// (Amazon "SecondDay", Walmart "TWO_DAY", a WooCommerce method id ...).
	ServiceLevel string
	ShipBy       *time.Time
	PlacedAt     time.Time
	ModifiedAt   time.Time
	Currency     string
	Notes        string
}

// Line is one order line. UnitPriceCents is per unit, derived from the
// channel's line total where the channel gives totals.
type Line struct {
	ChannelLineID  string
	ChannelSKU     string
	Title          string
	Quantity       int
	UnitPriceCents int64
	// Cancelled is true for a line the channel cancelled.
	Cancelled bool
}

// Shipment is what ConfirmShipment reports to the channel.
type Shipment struct {
	ExternalOrderID string
	Lines           []ShippedLine
	// Carrier is Manifold's carrier code: ups, usps, fedex, dhl ...;
	// connectors translate it to the channel's carrier names.
	Carrier        string
	Service        string
	TrackingNumber string
	TrackingURL    string
	ShippedAt      time.Time
}

// ShippedLine is a line and quantity in a shipment.
type ShippedLine struct {
	ChannelLineID string
	ChannelSKU    string
	Quantity      int
}

// Rejection is a channel's refusal of a request, in its own words.
type Rejection struct {
	Status  int
	Code    string
	Message string
}

func (r *Rejection) Error() string {
	if r.Code != "" {
		return r.Code + ": " + r.Message
	}
	return r.Message
}

// Throttled is returned when the channel answered 429 (or its equivalent);
// RetryAfter is how long it asked to wait (0 when it did not say).
type Throttled struct {
	RetryAfter time.Duration
	Message    string
}

func (t *Throttled) Error() string { return "throttled by the channel: " + t.Message }

// ErrUnauthorized is returned when the channel refuses the credentials even
// after a fresh token.
var ErrUnauthorized = errors.New("the channel refused the credentials")
