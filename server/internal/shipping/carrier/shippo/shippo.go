// Package shippo is the carrier adapter for Shippo (provider key shippo),
// an aggregator that rates and labels through the carrier accounts of the
// tenant's Shippo account: a shipment is rated synchronously, a rate is
// bought as a transaction whose label is fetched from its URL, refunds void
// labels, tracks follow parcels by carrier and number, and manifests close
// out a carrier account's day.
//
// A Shippo rate is an object of its own, bought by its object id: the
// RateID of a Shippo quote is that id. Shippo gives transit days but no
// delivery date and no guarantee.
//
// Carriers that fail to rate are reported in messages[] next to the other
// carriers' rates; Rates returns those rates together with a *RatingErrors,
// as rateshop.Provider allows for a partial failure.
package shippo

import (
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Credential fields of a Shippo account.
const (
	// CredAPIToken is the live or test API token (test tokens start
	// "shippo_test_"), sent as "Authorization: ShippoToken <token>".
	CredAPIToken = "api_token"
	// CredCarrierAccounts optionally restricts rating to some carrier
	// accounts: comma-separated Shippo object ids.
	CredCarrierAccounts = "carrier_accounts"
	// CredManifestAccount is the carrier account (object id) whose day
	// Manifest closes out. Optional: without it the account is read from
	// the first parcel's rate.
	CredManifestAccount = "manifest_carrier_account"
)

// ProductionURL is Shippo's API root; live and test tokens share it.
const ProductionURL = "https://api.goshippo.com"

// DefaultPollInterval is how often a purchase or manifest still being made
// is asked for again.
const DefaultPollInterval = time.Second

// Adapter is the Shippo adapter. It holds no per-account state. Safe for
// concurrent use.
type Adapter struct {
	now      func() time.Time
	poll     time.Duration
	validate bool
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

// WithAddressValidation sets whether the destination is validated when a
// shipment is rated (on by default): an invalid address is then a
// *carrier.Rejection with Address set, in the validator's words.
func WithAddressValidation(on bool) Option { return func(a *Adapter) { a.validate = on } }

// New returns a Shippo adapter.
func New(opts ...Option) *Adapter {
	a := &Adapter{now: time.Now, poll: DefaultPollInterval, validate: true}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name implements carrier.Adapter.
func (a *Adapter) Name() string { return carrier.Shippo }
