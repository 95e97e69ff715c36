// Package easypost is the carrier adapter for EasyPost (provider key
// easypost), an aggregator that rates and labels through the carrier
// accounts of the tenant's EasyPost account: a shipment is created and rated
// in one call, one of its rates is bought, the label file is fetched from
// the URL EasyPost gives, refunds void labels, trackers follow parcels
// (polled by Track, or pushed as signed tracker.updated webhooks that
// ReadWebhook verifies and reads), and USPS scan forms close out the day.
//
// An EasyPost rate belongs to its shipment. The RateID of an EasyPost quote
// is therefore "<shipment id>|<rate id>" (e.g. "shp_…|rate_…"); BuyLabel
// buys exactly that rate. Without a RateID it creates a new shipment and
// buys the rate of the requested carrier and service.
//
// Carriers that fail to rate are reported by EasyPost in messages[] next to
// the other carriers' rates; Rates returns those rates together with a
// *RatingErrors, as rateshop.Provider allows for a partial failure.
package easypost

import (
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Credential fields of an EasyPost account.
const (
	// CredAPIKey is the production or test API key, sent as the HTTP Basic
	// username.
	CredAPIKey = "api_key"
	// CredCarrierAccounts optionally restricts rating to some carrier
	// accounts: comma-separated ids ("ca_…,ca_…").
	CredCarrierAccounts = "carrier_accounts"
	// CredWebhookSecret is the secret given to the account's EasyPost
	// webhook; ReadWebhook checks each delivery's signature with it. Needed
	// only to receive webhooks.
	CredWebhookSecret = "webhook_secret"
)

// ProductionURL is EasyPost's API root; test and production keys share it.
const ProductionURL = "https://api.easypost.com"

// DefaultPollInterval is how often a scan form still being created is
// asked for again.
const DefaultPollInterval = time.Second

// Adapter is the EasyPost adapter. It holds no per-account state. Safe for
// concurrent use.
type Adapter struct {
	now    func() time.Time
	poll   time.Duration
	verify bool
}

var _ carrier.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithClock sets the clock used for throttle waits.
func WithClock(now func() time.Time) Option { return func(a *Adapter) { a.now = now } }

// WithPollInterval overrides DefaultPollInterval.
func WithPollInterval(d time.Duration) Option {
	return func(a *Adapter) {
		if d > 0 {
			a.poll = d
		}
	}
}

// WithAddressVerification sets whether the destination is verified
// strictly when a shipment is created (on by default): an address EasyPost
// cannot verify is then refused with ADDRESS.VERIFY.FAILURE instead of
// being rated.
func WithAddressVerification(on bool) Option { return func(a *Adapter) { a.verify = on } }

// New returns an EasyPost adapter.
func New(opts ...Option) *Adapter {
	a := &Adapter{now: time.Now, poll: DefaultPollInterval, verify: true}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name implements carrier.Adapter.
func (a *Adapter) Name() string { return carrier.EasyPost }
