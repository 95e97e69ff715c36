// Package amazon simulates the Amazon Selling Partner API (Orders v0,
// Tokens 2021-03-01, Listings Items 2021-08-01) and the Login with Amazon
// token endpoint, over real HTTP. It speaks the real paths, envelopes and
// error bodies: LWA refresh-token exchange with expiring "Atza|" tokens,
// 403 Unauthorized on expired or unknown tokens, restricted data tokens
// gating buyer and address data, NextToken pagination, per-operation token
// buckets answered with 429 QuotaExceeded, and strict validation of
// required parameters. A control API under /_sim/ creates and cancels
// orders, reads listing quantities and recorded shipments, and injects
// faults.
package amazon

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// Defaults of the simulated account.
const (
	DefaultClientID      = "amzn1.application-oa2-client.sim0000000000000000000000000001"
	DefaultClientSecret  = "amzn1.oa2-cs.v1.sim-secret"
	DefaultRefreshToken  = "Atzr|sim-refresh-token"
	DefaultSellerID      = "A3TH9S8BH6GOGM"
	DefaultMarketplaceID = "ATVPDKIKX0DER"
	// LWAPath is where the token endpoint is served, as on api.amazon.com.
	LWAPath = "/auth/o2/token"
)

// Operation names, as the SP-API models name them; they key RateLimits and Calls.
const (
	OpGetOrders     = "getOrders"
	OpGetOrder      = "getOrder"
	OpGetOrderItems = "getOrderItems"
	OpConfirmShip   = "confirmShipment"
	OpCreateRDT     = "createRestrictedDataToken"
	OpPatchListing  = "patchListingsItem"
	OpGetListing    = "getListingsItem"
	// OpLWA counts token requests; it is not rate limited.
	OpLWA = "lwaToken"
)

// RateLimit is an operation's token bucket: Rate requests per second
// sustained, Burst at once.
type RateLimit struct {
	Rate  float64
	Burst int
}

// DefaultRateLimits are the documented per-operation limits.
func DefaultRateLimits() map[string]RateLimit {
	return map[string]RateLimit{
		OpGetOrders:     {Rate: 0.0167, Burst: 20},
		OpGetOrder:      {Rate: 0.5, Burst: 30},
		OpGetOrderItems: {Rate: 0.5, Burst: 30},
		OpConfirmShip:   {Rate: 2, Burst: 10},
		OpCreateRDT:     {Rate: 1, Burst: 10},
		OpPatchListing:  {Rate: 5, Burst: 5},
		OpGetListing:    {Rate: 5, Burst: 10},
	}
}

// defaultCarriers is the carrierCode allow-list of confirmShipment.
var defaultCarriers = []string{"USPS", "UPS", "FedEx", "DHL", "OnTrac", "Amazon Shipping", "Other"}

// Options configure a simulator. The zero value is a faithful US account.
type Options struct {
	// Clock is the simulator's time (token expiry, rate buckets, order
	// dates, the 2-minute rule); time.Now when nil.
	Clock func() time.Time
	// PageSize caps getOrders pages below MaxResultsPerPage (default 100);
	// a small value makes short sweeps span several pages.
	PageSize int
	// ItemsPageSize is how many items one getOrderItems page holds (default 100).
	ItemsPageSize int
	// TokenLifetime is the LWA access token lifetime (default 3600 s).
	TokenLifetime time.Duration
	// RDTLifetime is the restricted data token lifetime (default 3600 s).
	RDTLifetime time.Duration
	// Account credentials; the Default* constants when empty.
	ClientID, ClientSecret, RefreshToken, SellerID, MarketplaceID string
	// Currency of orders (default USD).
	Currency string
	// RateLimits override DefaultRateLimits per operation.
	RateLimits map[string]RateLimit
	// NoRateLimits turns the token buckets off (injected 429s still apply).
	NoRateLimits bool
	// OmitRateLimitHeaderOn429 leaves x-amzn-RateLimit-Limit off throttled
	// answers, as the real API often does.
	OmitRateLimitHeaderOn429 bool
	// Carriers is the carrierCode allow-list (default USPS, UPS, FedEx,
	// DHL, OnTrac, Amazon Shipping, Other).
	Carriers []string
	// DenyRDT answers createRestrictedDataToken with 403, as for an
	// application without the restricted (direct-to-consumer shipping) role.
	DenyRDT bool
}

// Server is a simulated Selling Partner API. Safe for concurrent use.
type Server struct {
	opts     Options
	limits   map[string]RateLimit
	carriers map[string]bool
	mux      *http.ServeMux

	mu        sync.Mutex
	orders    map[string]*order
	seq       int
	itemSeq   int
	listings  map[string]int
	tokens    map[string]*token
	buckets   map[string]*bucket
	faults    []Fault
	calls     map[string]int
	shipments []*recorded
}

var _ sim.Marketplace = (*Server)(nil)

// New returns a simulator with no orders and no listings.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PageSize <= 0 || opts.PageSize > 100 {
		opts.PageSize = 100
	}
	if opts.ItemsPageSize <= 0 {
		opts.ItemsPageSize = 100
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.RDTLifetime <= 0 {
		opts.RDTLifetime = time.Hour
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.ClientID, DefaultClientID)
	def(&opts.ClientSecret, DefaultClientSecret)
	def(&opts.RefreshToken, DefaultRefreshToken)
	def(&opts.SellerID, DefaultSellerID)
	def(&opts.MarketplaceID, DefaultMarketplaceID)
	def(&opts.Currency, "USD")
	limits := DefaultRateLimits()
	for op, l := range opts.RateLimits {
		limits[op] = l
	}
	if len(opts.Carriers) == 0 {
		opts.Carriers = defaultCarriers
	}
	carriers := map[string]bool{}
	for _, c := range opts.Carriers {
		carriers[c] = true
	}
	s := &Server{
		opts: opts, limits: limits, carriers: carriers,
		orders: map[string]*order{}, listings: map[string]int{}, tokens: map[string]*token{},
		buckets: map[string]*bucket{}, calls: map[string]int{},
	}
	s.mux = s.routes()
	return s
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST "+LWAPath, s.handleLWA)
	m.HandleFunc("GET /orders/v0/orders", s.api(OpGetOrders, s.handleGetOrders))
	m.HandleFunc("GET /orders/v0/orders/{orderId}", s.api(OpGetOrder, s.handleGetOrder))
	m.HandleFunc("GET /orders/v0/orders/{orderId}/orderItems", s.api(OpGetOrderItems, s.handleGetOrderItems))
	m.HandleFunc("POST /orders/v0/orders/{orderId}/shipmentConfirmation", s.api(OpConfirmShip, s.handleConfirmShipment))
	m.HandleFunc("POST /tokens/2021-03-01/restrictedDataToken", s.api(OpCreateRDT, s.handleCreateRDT))
	m.HandleFunc("PATCH /listings/2021-08-01/items/{sellerId}/{sku}", s.api(OpPatchListing, s.handlePatchListing))
	m.HandleFunc("GET /listings/2021-08-01/items/{sellerId}/{sku}", s.api(OpGetListing, s.handleGetListing))
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", newID(12))
		writeError(w, http.StatusNotFound, "NotFound", "Resource not found.", "")
	})
	return m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Kind implements sim.Marketplace.
func (s *Server) Kind() string { return "amazon" }

// Credentials implements sim.Marketplace: the fields the amazon connector reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{
		"client_id":      s.opts.ClientID,
		"client_secret":  s.opts.ClientSecret,
		"refresh_token":  s.opts.RefreshToken,
		"seller_id":      s.opts.SellerID,
		"marketplace_id": s.opts.MarketplaceID,
	}
}

// SetWebhookTarget implements sim.Marketplace and does nothing: Amazon has
// no webhooks. ORDER_CHANGE notifications go to an SQS queue or EventBridge
// bus the seller owns, authenticated by IAM policy, so Manifold polls
// getOrders instead.
func (s *Server) SetWebhookTarget(url, secret string) {}

// Calls returns how many requests an operation (Op*) received, including
// refused ones.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
