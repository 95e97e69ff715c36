// Package sim holds faithful simulators of the marketplace and carrier APIs
// Manifold talks to. Each lives in its own package (sim/<kind>), speaks the
// real wire protocol over real HTTP — paths, authentication with expiring
// tokens, pagination, rate limits answered the way the real API answers,
// error bodies, signed webhooks — and adds a small control API under
// /_sim/ to create orders, read what connectors pushed and inject faults.
// The real connectors are tested against them, and `manifold sim` and the
// demo run them.
package sim

import (
	"net/http"
	"time"
)

// Marketplace is a simulated sales channel.
type Marketplace interface {
	http.Handler
	// Kind is the channel kind it simulates: amazon, walmart, woocommerce, ebay.
	Kind() string
	// Credentials returns credentials the simulator accepts, by the field
	// names the connector reads.
	Credentials() map[string]string
	// AddListing makes a SKU known with a starting quantity.
	AddListing(sku string, quantity int)
	// Quantity is what the channel currently shows for a SKU.
	Quantity(sku string) (int, bool)
	// CreateOrder places an order as a buyer would and returns its channel id.
	// When a webhook target is set, the channel notifies it.
	CreateOrder(o Order) string
	// CancelOrder cancels an order as the buyer or the channel would.
	CancelOrder(externalID string) error
	// Shipments lists the shipment confirmations the channel accepted.
	Shipments() []Shipment
	// SetWebhookTarget makes the channel deliver order events to url, signed
	// as the real channel signs them. Channels without webhooks ignore it.
	SetWebhookTarget(url, secret string)
}

// Order is an order a simulated buyer places.
type Order struct {
	BuyerName    string
	BuyerEmail   string
	Address      Address
	Lines        []Line
	ServiceLevel string // the channel's own name, e.g. "SecondDay"
	PlacedAt     time.Time
}

// Line is a line of a simulated order; UnitPrice is a decimal string.
type Line struct {
	SKU       string
	Title     string
	Quantity  int
	UnitPrice string
}

// Address is a simulated buyer's address.
type Address struct {
	Name, Line1, Line2, City, Region, PostalCode, Country, Phone string
}

// Shipment is a shipment confirmation a simulated channel recorded.
type Shipment struct {
	ExternalOrderID string
	Carrier         string // as the channel names it
	TrackingNumber  string
	Lines           map[string]int // channel line id → quantity
	At              time.Time
}
