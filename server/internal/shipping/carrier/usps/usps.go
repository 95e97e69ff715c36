// Package usps is the carrier adapter for the USPS v3 APIs (provider key
// usps_direct): an OAuth client-credentials token per account, rating
// through Shipping Options (price and delivery commitment in one call),
// labels paid by a payment authorization token, cancellation, tracking and
// SCAN forms (PS 5630).
//
// USPS has no rate ids. The RateID of a USPS quote is the rate indicator
// and processing category that priced it ("SP:MACHINABLE"); BuyLabel sends
// them back so the label is priced as quoted.
package usps

import (
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Credential fields of a USPS account.
const (
	// CredClientID and CredClientSecret are the application's consumer key
	// and secret from the USPS developer portal.
	CredClientID     = "client_id"
	CredClientSecret = "client_secret"
	// CredCRID is the Customer Registration ID of the business account;
	// CredMID the Mailer ID printed on labels; CredManifestMID the Mailer
	// ID of SCAN forms (optional: labels then name no manifest MID).
	CredCRID        = "crid"
	CredMID         = "mid"
	CredManifestMID = "manifest_mid"
	// CredAccountNumber is the Enterprise Payment System account (or
	// permit number) that pays for labels; commercial prices are asked for
	// this account.
	CredAccountNumber = "account_number"
	// CredAccountType is EPS (the default) or PERMIT.
	CredAccountType = "account_type"
)

// USPS's hosts.
const (
	ProductionURL = "https://apis.usps.com"
	TestURL       = "https://apis-tem.usps.com"
)

// Mail classes quoted by default.
const (
	GroundAdvantage = "USPS_GROUND_ADVANTAGE"
	Priority        = "PRIORITY_MAIL"
	PriorityExpress = "PRIORITY_MAIL_EXPRESS"
)

// DefaultPaymentTokenTTL is how long a payment authorization token is
// reused. USPS does not say how long one lasts; a refused token is replaced
// at once whatever its age.
const DefaultPaymentTokenTTL = time.Hour

// Adapter is the USPS adapter. It keeps no per-account state besides locks
// that serialize token refreshes. Safe for concurrent use.
type Adapter struct {
	now        func() time.Time
	priceType  string
	classes    []string
	scope      string
	paymentTTL time.Duration
	// refresh holds one lock per token cache key, so that concurrent calls
	// of one account fetch one token (a new token may revoke the old one).
	refresh sync.Map
}

var _ carrier.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithClock sets the clock used for token expiry and throttle waits.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// WithPriceType sets the prices asked for: COMMERCIAL (the default), RETAIL
// or CONTRACT.
func WithPriceType(t string) Option {
	return func(a *Adapter) {
		if t != "" {
			a.priceType = t
		}
	}
}

// WithMailClasses sets the mail classes quoted (default Ground Advantage,
// Priority Mail and Priority Mail Express).
func WithMailClasses(classes ...string) Option {
	return func(a *Adapter) {
		if len(classes) > 0 {
			a.classes = append([]string(nil), classes...)
		}
	}
}

// WithScope sets the OAuth scope asked for (none by default: the
// application's products).
func WithScope(scope string) Option { return func(a *Adapter) { a.scope = scope } }

// WithPaymentTokenTTL overrides DefaultPaymentTokenTTL.
func WithPaymentTokenTTL(d time.Duration) Option {
	return func(a *Adapter) {
		if d > 0 {
			a.paymentTTL = d
		}
	}
}

// New returns a USPS adapter.
func New(opts ...Option) *Adapter {
	a := &Adapter{now: time.Now, priceType: "COMMERCIAL",
		classes: []string{GroundAdvantage, Priority, PriorityExpress}, paymentTTL: DefaultPaymentTokenTTL}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name implements carrier.Adapter.
func (a *Adapter) Name() string { return carrier.USPSDirect }
