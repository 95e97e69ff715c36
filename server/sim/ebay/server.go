// Package ebay simulates the eBay Sell APIs Manifold uses: the OAuth token
// endpoint, Fulfillment getOrders/getOrder and shipping fulfillments,
// Inventory bulk_update_price_quantity and bulk_get_inventory_item, and the
// Notification API public key endpoint with an ECDSA-signing
// ORDER_CONFIRMATION emitter. It serves the real paths with the real
// envelopes, token lifetimes, offset/limit pagination, daily quotas and error
// bodies, and adds a control API under /_sim/ (see control.go).
package ebay

import (
	"crypto/ecdsa"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// Default credentials the simulator accepts when Options leaves them empty.
const (
	DefaultClientID     = "ManifoldSim-PRD-0a1b2c3d4-5e6f7a8b"
	DefaultClientSecret = "PRD-0a1b2c3d4e5f-6a7b-8c9d-0e1f-2a3b"
	DefaultRefreshToken = "v^1.1#i^1#r^1#f^0#I^3#p^3#t^Ul4xMF8wOkE5QkQ2RDEzMjRDNTA4NTY1RTlCMzdGNUVGMEFDQTNGXzFfMSNFXjI2MA=="
)

// Credential field names, as the connector reads them.
const (
	credClientID     = "client_id"
	credClientSecret = "client_secret"
	credRefreshToken = "refresh_token"
)

// Quotas are daily call limits per API, counted per application (client id)
// and reset at midnight UTC of the simulator's clock. Zero means eBay's
// default.
type Quotas struct {
	Fulfillment  int // default 100,000
	Inventory    int // default 2,000,000
	Notification int // default 10,000
}

// Options configure a simulator. The zero value is usable.
type Options struct {
	// Clock is the simulator's time; time.Now when nil.
	Clock func() time.Time
	// ClientID, ClientSecret and RefreshToken are the credentials accepted;
	// the Default* constants when empty.
	ClientID, ClientSecret, RefreshToken string
	// AccessTokenTTL is the lifetime of issued access tokens; eBay's 7200 s
	// when zero. Tests shorten it.
	AccessTokenTTL time.Duration
	// PageSizeCap caps the page size getOrders returns, below eBay's maximum
	// of 200, so tests see several pages; the response's limit field and the
	// next link carry the effective size. Zero means no cap.
	PageSizeCap int
	// Quotas are the daily call limits.
	Quotas Quotas
	// CarrierCodes is the allow-list of shippingCarrierCode values, matched
	// case-insensitively; USPS, UPS, FedEx, DHL and Other when empty.
	CarrierCodes []string
	// SellerID is the seller's user id in orders; "acme_outdoor" when empty.
	SellerID string
	// HTTPClient delivers notifications; a client with a 10 s timeout when nil.
	HTTPClient *http.Client
}

// Server is a simulated eBay. It is safe for concurrent use. The zero value
// is not usable; call New.
type Server struct {
	opts  Options
	clock func() time.Time
	mux   *http.ServeMux

	// deliverMu serialises notification deliveries so they arrive in the
	// order they were produced (or the order the mode asks for).
	deliverMu sync.Mutex

	mu         sync.Mutex
	orders     map[string]*order
	orderList  []*order
	seq        int
	listings   map[string]*listing // by SKU
	offers     map[string]string   // offer id → SKU
	tokens     map[string]token
	faults     []Fault
	usage      map[string]int
	usageDay   string
	shipments  []sim.Shipment
	keys       map[string]*ecdsa.PrivateKey
	kid        string
	target     string
	verifyTok  string
	mode       DeliveryMode
	held       []notification
	deliveries []Delivery
}

var _ sim.Marketplace = (*Server)(nil)

// New returns a simulator with no orders and no listings.
func New(opts Options) *Server {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.RefreshToken == "" {
		opts.RefreshToken = DefaultRefreshToken
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = 7200 * time.Second
	}
	if opts.Quotas.Fulfillment <= 0 {
		opts.Quotas.Fulfillment = 100_000
	}
	if opts.Quotas.Inventory <= 0 {
		opts.Quotas.Inventory = 2_000_000
	}
	if opts.Quotas.Notification <= 0 {
		opts.Quotas.Notification = 10_000
	}
	if len(opts.CarrierCodes) == 0 {
		opts.CarrierCodes = []string{"USPS", "UPS", "FedEx", "DHL", "Other"}
	}
	if opts.SellerID == "" {
		opts.SellerID = "acme_outdoor"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{
		opts:     opts,
		clock:    opts.Clock,
		orders:   map[string]*order{},
		listings: map[string]*listing{},
		offers:   map[string]string{},
		tokens:   map[string]token{},
		usage:    map[string]int{},
		keys:     map[string]*ecdsa.PrivateKey{},
		mode:     DeliverNormal,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.rotateKeyLocked()
	s.mux = s.routes()
	return s
}

func (s *Server) now() time.Time { return s.clock().UTC() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /identity/v1/oauth2/token", s.handleToken)

	ful := []string{scopeFulfillment, scopeFulfillment + ".readonly"}
	fulWrite := []string{scopeFulfillment}
	inv := []string{scopeInventory, scopeInventory + ".readonly"}
	invWrite := []string{scopeInventory}
	m.Handle("GET /sell/fulfillment/v1/order", s.api(apiFulfillment, ful, s.handleGetOrders))
	m.Handle("GET /sell/fulfillment/v1/order/{orderId}", s.api(apiFulfillment, ful, s.handleGetOrder))
	m.Handle("POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment", s.api(apiFulfillment, fulWrite, s.handleCreateFulfillment))
	m.Handle("GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment", s.api(apiFulfillment, ful, s.handleListFulfillments))
	m.Handle("GET /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment/{fulfillmentId}", s.api(apiFulfillment, ful, s.handleGetFulfillment))
	m.Handle("POST /sell/inventory/v1/bulk_update_price_quantity", s.api(apiInventory, invWrite, s.handleBulkUpdate))
	m.Handle("POST /sell/inventory/v1/bulk_get_inventory_item", s.api(apiInventory, inv, s.handleBulkGet))
	m.Handle("GET /commerce/notification/v1/public_key/{public_key_id}", s.api(apiNotification, []string{scopeApp}, s.handlePublicKey))

	s.controlRoutes(m)
	return m
}

// Kind implements sim.Marketplace.
func (s *Server) Kind() string { return "ebay" }

// Credentials implements sim.Marketplace: the fields the connector reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{
		credClientID:     s.opts.ClientID,
		credClientSecret: s.opts.ClientSecret,
		credRefreshToken: s.opts.RefreshToken,
	}
}
