// Package fedex is the carrier adapter for FedEx's REST APIs (provider key
// fedex_direct): OAuth client credentials, Rate and Transit Times v1, Ship
// v1 (create and cancel) and Track v1.
//
// FedEx sends money as JSON numbers; the adapter decodes them as
// json.Number and turns them into exact two-place decimal strings, never
// through a float. Labels come from FedEx in the format asked for (ZPLII or
// PDF, on 4×6 stock).
//
// Manifest returns carrier.ErrNoManifest: FedEx's Ground End-of-Day Close
// is a separate API that is not in the vendored specifications (rate, ship,
// track), and FedEx Express needs no close-out.
package fedex

import (
	"context"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Credential fields the adapter reads from carrier.Conn.Credentials.
const (
	// CredClientID is the project's API key.
	CredClientID = "client_id"
	// CredClientSecret is the project's secret key.
	CredClientSecret = "client_secret"
	// CredAccountNumber is the nine-digit FedEx account shipments are
	// rated and billed to.
	CredAccountNumber = "account_number"
	// CredPhoneNumber is the shipper's contact phone, which FedEx requires
	// on every shipment; it stands in for the recipient's too, which
	// Manifold's label request does not carry.
	CredPhoneNumber = "phone_number"
)

// Endpoints.
const (
	DefaultBaseURL = "https://apis.fedex.com"
	SandboxBaseURL = "https://apis-sandbox.fedex.com"
	TokenPath      = "/oauth/token"
)

// Pickup types.
const (
	PickupDropoff   = "DROPOFF_AT_FEDEX_LOCATION"
	PickupScheduled = "USE_SCHEDULED_PICKUP"
)

// Adapter talks to FedEx. Safe for concurrent use; tokens live in
// carrier.Conn.Tokens.
type Adapter struct {
	now        func() time.Time
	pickupType string
	locale     string
}

var _ carrier.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithClock sets the clock for token expiry and default ship dates.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// WithPickupType sets how parcels reach FedEx: PickupDropoff (the default)
// or PickupScheduled. It changes which rates and transit times apply.
func WithPickupType(t string) Option {
	return func(a *Adapter) {
		if t != "" {
			a.pickupType = t
		}
	}
}

// WithLocale sets the X-locale header (default en_US), the language of
// FedEx's messages.
func WithLocale(l string) Option {
	return func(a *Adapter) {
		if l != "" {
			a.locale = l
		}
	}
}

// New returns an adapter with production defaults.
func New(opts ...Option) *Adapter {
	a := &Adapter{now: time.Now, pickupType: PickupDropoff, locale: "en_US"}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name implements carrier.Adapter.
func (a *Adapter) Name() string { return carrier.FedExDirect }

// Manifest implements carrier.Adapter: see the package comment.
func (a *Adapter) Manifest(context.Context, carrier.Conn, carrier.ManifestRequest) (carrier.Manifest, error) {
	return carrier.Manifest{}, carrier.ErrNoManifest
}
