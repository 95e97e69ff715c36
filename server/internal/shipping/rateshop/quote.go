package rateshop

import (
	"fmt"
	"strings"
)

// Provider names: the carrier accounts a tenant can rate through.
const (
	ProviderUPS      = "ups_direct"
	ProviderUSPS     = "usps_direct"
	ProviderFedEx    = "fedex_direct"
	ProviderEasyPost = "easypost"
	ProviderShippo   = "shippo"
)

// Quote is one rate offered by a provider, normalized but otherwise as the
// provider gave it: the amount stays the provider's decimal string so that
// the stored decision shows exactly what was quoted.
type Quote struct {
	Provider    string `json:"provider"`
	Carrier     string `json:"carrier"`
	Service     string `json:"service"`
	ServiceName string `json:"service_name,omitempty"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	// DeliveryDate is the carrier's own delivery date, when it gave one.
	DeliveryDate *Date `json:"delivery_date,omitempty"`
	// BusinessDays is the carrier's transit time, when it gave one.
	BusinessDays *int   `json:"business_days,omitempty"`
	Guaranteed   bool   `json:"guaranteed"`
	RateID       string `json:"rate_id,omitempty"`
}

// Key returns the provider+service pair of q.
func (q Quote) Key() ServiceKey { return ServiceKey{Provider: q.Provider, Service: q.Service} }

// label names q in explanations, e.g. "easypost/USPS Priority".
func (q Quote) label() string {
	name := q.Service
	if q.Carrier != "" && !strings.EqualFold(q.Carrier, q.Service) {
		name = q.Carrier + " " + q.Service
	}
	return q.Provider + "/" + name
}

// Promise is the delivery promised to the buyer: delivered within
// MaxBusinessDays business days of the tender date, and, when GuaranteedOnly,
// only by a service the carrier guarantees.
type Promise struct {
	Level           string `json:"level"`
	MaxBusinessDays int    `json:"max_business_days"`
	GuaranteedOnly  bool   `json:"guaranteed_only"`
}

// ServiceKey names a service of a provider. It marshals as
// "provider/service", so it can key a JSON object.
type ServiceKey struct {
	Provider string
	Service  string
}

// String renders k as "provider/service".
func (k ServiceKey) String() string { return k.Provider + "/" + k.Service }

// MarshalText renders k as "provider/service".
func (k ServiceKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses "provider/service"; the service may itself contain
// slashes, provider names never do.
func (k *ServiceKey) UnmarshalText(b []byte) error {
	p, s, ok := strings.Cut(string(b), "/")
	if !ok || p == "" || s == "" {
		return fmt.Errorf("rateshop: service key %q is not provider/service", b)
	}
	*k = ServiceKey{Provider: p, Service: s}
	return nil
}

// ServiceTable is the tenant's fallback transit time, in business days, of
// services whose quotes come without an estimate.
type ServiceTable map[ServiceKey]int

// Address is a ship-from or ship-to address as rating needs it.
type Address struct {
	Name        string `json:"name,omitempty"`
	Street1     string `json:"street1,omitempty"`
	Street2     string `json:"street2,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	PostalCode  string `json:"postal_code"`
	Country     string `json:"country"`
	Residential bool   `json:"residential,omitempty"`
}

// RateRequest is what every provider is asked to rate: one parcel, weight
// in ounces and dimensions in inches as measured (providers convert and
// round to their own units).
type RateRequest struct {
	From     Address `json:"from"`
	To       Address `json:"to"`
	WeightOz float64 `json:"weight_oz"`
	LengthIn float64 `json:"length_in"`
	WidthIn  float64 `json:"width_in"`
	HeightIn float64 `json:"height_in"`
	ShipDate Date    `json:"ship_date"`
}
