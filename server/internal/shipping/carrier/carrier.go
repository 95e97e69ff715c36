// Package carrier is the contract between Manifold's shipping core and the
// carrier adapters: each provider (UPS, USPS, FedEx direct; EasyPost and
// Shippo aggregators) is one small package under carrier/<name> with a
// faithful simulator in server/sim/<name>. The core never knows which
// provider it talks to.
package carrier

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Provider keys, as tenants configure them and as simulator scripts name them.
const (
	UPSDirect   = "ups_direct"
	USPSDirect  = "usps_direct"
	FedExDirect = "fedex_direct"
	EasyPost    = "easypost"
	Shippo      = "shippo"
)

// Conn is everything an adapter call needs to reach one carrier account.
type Conn struct {
	// AccountID identifies the tenant's carrier account; token cache keys
	// start with it.
	AccountID string
	// BaseURL is the API root: production, sandbox, or a simulator.
	BaseURL string
	// Credentials are the decrypted secrets by field name (each adapter
	// documents its fields as constants).
	Credentials map[string]string
	// HTTP carries timeouts; adapters must not build their own client.
	HTTP   *http.Client
	Tokens TokenCache
}

// TokenCache keeps OAuth tokens between calls; safe for concurrent use.
type TokenCache interface {
	Get(key string) (token string, ok bool)
	Put(key string, token string, expires time.Time)
}

// Adapter is one shipping provider.
type Adapter interface {
	// Name is the provider key (UPSDirect, EasyPost, ...).
	Name() string
	// Rates quotes every service for a parcel, normalized (amount as the
	// provider's decimal string, its currency, delivery date or transit
	// days, guarantee).
	Rates(ctx context.Context, c Conn, req rateshop.RateRequest) ([]rateshop.Quote, error)
	// BuyLabel buys the label of the quote chosen (by service, and RateID
	// for aggregators).
	BuyLabel(ctx context.Context, c Conn, req LabelRequest) (Label, error)
	// Void cancels an unused label.
	Void(ctx context.Context, c Conn, l Label) error
	// Track returns a parcel's events, oldest first.
	Track(ctx context.Context, c Conn, trackingNumber string) (Tracking, error)
	// Manifest closes out the day's parcels (USPS SCAN form, EasyPost scan
	// form, Shippo manifest). Providers without one return ErrNoManifest.
	Manifest(ctx context.Context, c Conn, req ManifestRequest) (Manifest, error)
}

// Parcel is one package's weight and size.
type Parcel struct {
	WeightOz float64
	LengthIn float64
	WidthIn  float64
	HeightIn float64
}

// LabelRequest asks for a label.
type LabelRequest struct {
	From, To rateshop.Address
	Parcel   Parcel
	Carrier  string // for aggregators: the underlying carrier of the quote
	Service  string // the quote's service code
	RateID   string // the quote's rate id, where the provider has one
	ShipDate rateshop.Date
	// Format is "zpl" or "pdf" (4×6).
	Format    string
	Reference string // the order number, printed on the label
	// IdempotencyKey lets a retried purchase not buy twice, where the API supports it.
	IdempotencyKey string
}

// Label is a bought label.
type Label struct {
	Provider           string
	Carrier            string // ups, usps, fedex, dhl ...
	Service            string
	TrackingNumber     string
	ProviderShipmentID string // aggregators' shipment/transaction id; UPS's shipment id
	CostCents          int64
	Currency           string
	// Format is "zpl" or "pdf"; Data the label itself.
	Format string
	Data   []byte
}

// Tracking statuses, normalized.
const (
	StatusPreTransit = "pre_transit" // label created, not yet with the carrier
	StatusAccepted   = "accepted"    // first acceptance or pickup scan
	StatusInTransit  = "in_transit"
	StatusOutForDel  = "out_for_delivery"
	StatusDelivered  = "delivered"
	StatusException  = "exception"
	StatusReturned   = "returned"
)

// Tracking is a parcel's state.
type Tracking struct {
	TrackingNumber    string
	Status            string
	EstimatedDelivery *rateshop.Date
	Events            []TrackingEvent
}

// TrackingEvent is one carrier scan.
type TrackingEvent struct {
	At          time.Time
	Status      string // normalized status this event implies
	Code        string // the carrier's own code
	Description string
	Location    string
}

// ManifestRequest closes out parcels shipped on a date.
type ManifestRequest struct {
	ShipDate        rateshop.Date
	From            rateshop.Address
	TrackingNumbers []string
	// ProviderShipmentIDs are the aggregators' shipment ids of the same parcels.
	ProviderShipmentIDs []string
}

// Manifest is a close-out form.
type Manifest struct {
	ID              string
	TrackingNumbers []string
	// Document is the printable form (PDF) when the provider returns one inline.
	Document    []byte
	DocumentURL string
}

// ErrNoManifest is returned by providers without a close-out form (UPS
// uploads shipments electronically).
var ErrNoManifest = errors.New("this provider has no manifest or scan form")

// Rejection is the provider's refusal in its own words (an address it
// cannot deliver to, a bad service, a refused account).
type Rejection struct {
	Status  int
	Code    string
	Message string
	// Address is true when the provider rejected an address.
	Address bool
}

func (r *Rejection) Error() string {
	if r.Code != "" {
		return r.Code + ": " + r.Message
	}
	return r.Message
}

// Throttled is a 429 (or equivalent); RetryAfter is the provider's wait.
type Throttled struct {
	RetryAfter time.Duration
	Message    string
}

func (t *Throttled) Error() string { return "throttled by the provider: " + t.Message }

// ErrUnauthorized means the provider refused the credentials even after a
// fresh token.
var ErrUnauthorized = errors.New("the provider refused the credentials")

// AsProvider adapts an adapter and an account to rate shopping.
func AsProvider(a Adapter, c Conn) rateshop.Provider { return provider{a: a, c: c} }

type provider struct {
	a Adapter
	c Conn
}

func (p provider) Name() string { return p.a.Name() }

func (p provider) Rates(ctx context.Context, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	return p.a.Rates(ctx, p.c, req)
}

// RetryAfter reads a Retry-After header value, seconds or an HTTP date, as
// the wait from now; zero when it is absent, unreadable or past.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Bounded cuts a provider's answer to what an error message can carry.
func Bounded(b []byte) []byte {
	if len(b) > 300 {
		return append(b[:300:300], "..."...)
	}
	return b
}
