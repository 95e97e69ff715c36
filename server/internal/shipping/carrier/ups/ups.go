// Package ups is the carrier adapter for UPS's REST APIs (provider key
// ups_direct): OAuth client credentials, Rating v2409 with time in transit
// (Shoptimeintransit), Shipping v2409 (ship and void) and Track v1.
//
// Labels: UPS renders labels as GIF, ZPL, EPL or SPL only. A "zpl" label is
// UPS's own ZPL, unchanged. A "pdf" label is UPS's own GIF put on a 4×6 in
// PDF page (turned to portrait) by the label package: the carrier's label,
// with its MaxiCode and routing barcode, rather than one redrawn from the
// shipment's fields, which UPS would not certify.
//
// UPS has no close-out form (shipments are uploaded electronically and
// picked up daily), so Manifest returns carrier.ErrNoManifest. UPS has no
// idempotency key on ship requests either: a purchase retried after a lost
// answer can buy twice, and the unused label must be voided.
package ups

import (
	"context"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Credential fields the adapter reads from carrier.Conn.Credentials.
const (
	// CredClientID is the OAuth client id of the UPS developer application.
	CredClientID = "client_id"
	// CredClientSecret is the application's client secret.
	CredClientSecret = "client_secret"
	// CredAccountNumber is the six-character UPS shipper number the
	// shipments are billed to (and negotiated rates are looked up by).
	CredAccountNumber = "account_number"
	// CredMerchantID is optional: sent as x-merchant-id when obtaining a
	// token on behalf of another UPS account.
	CredMerchantID = "merchant_id"
)

// Endpoints and versions.
const (
	// DefaultBaseURL is production; SandboxBaseURL is UPS's customer
	// integration environment.
	DefaultBaseURL = "https://onlinetools.ups.com"
	SandboxBaseURL = "https://wwwcie.ups.com"
	// TokenPath is the OAuth client-credentials endpoint.
	TokenPath = "/security/v1/oauth/token"
	// DefaultVersion is the Rating and Shipping API version.
	DefaultVersion = "v2409"
)

// Adapter talks to UPS. Safe for concurrent use; it keeps no state of its
// own (tokens live in carrier.Conn.Tokens).
type Adapter struct {
	now            func() time.Time
	version        string
	transactionSrc string
	negotiated     bool
}

var _ carrier.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithClock sets the clock for token expiry and default ship dates.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// WithVersion sets the Rating and Shipping API version (default v2409).
func WithVersion(v string) Option {
	return func(a *Adapter) {
		if v != "" {
			a.version = v
		}
	}
}

// WithTransactionSrc sets the transactionSrc header naming the caller
// (default "manifold").
func WithTransactionSrc(src string) Option {
	return func(a *Adapter) {
		if src != "" {
			a.transactionSrc = src
		}
	}
}

// WithNegotiatedRates sets whether rates and labels ask for the account's
// negotiated rates (default true). Negotiated charges are preferred over
// published ones whenever UPS returns them.
func WithNegotiatedRates(on bool) Option { return func(a *Adapter) { a.negotiated = on } }

// New returns an adapter with production defaults.
func New(opts ...Option) *Adapter {
	a := &Adapter{now: time.Now, version: DefaultVersion, transactionSrc: "manifold", negotiated: true}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name implements carrier.Adapter.
func (a *Adapter) Name() string { return carrier.UPSDirect }

// Manifest implements carrier.Adapter: UPS has no manifest or scan form.
func (a *Adapter) Manifest(context.Context, carrier.Conn, carrier.ManifestRequest) (carrier.Manifest, error) {
	return carrier.Manifest{}, carrier.ErrNoManifest
}
