// Package walmart simulates Walmart Marketplace (US) over real HTTP: the
// client-credentials token endpoint with 15-minute tokens, GET /v3/orders
// (lastModified and created filters, list.meta.nextCursor paging that must be
// replayed verbatim), /v3/orders/released, single orders, acknowledgement,
// cancellation and shipment confirmation with Walmart's carrier list,
// PUT/GET /v3/inventory, per-API token buckets reported in
// x-current-token-count and x-next-replenishment-time, Walmart's error
// envelope, and HMAC-signed webhooks. A control API under /_sim/ (see
// control.go) drives it.
package walmart

import (
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// Defaults of a simulated account.
const (
	DefaultClientID     = "sim-walmart-client-0001"
	DefaultClientSecret = "sim-walmart-secret-0001"
	DefaultPartnerID    = "10001234567"
	DefaultKeyID        = "sim-key-1"
)

// Options configure a simulator. The zero value is a faithful US account.
type Options struct {
	// Clock is the simulator's time (tokens, buckets, order and status
	// dates, webhook timestamps); time.Now when nil.
	Clock func() time.Time
	// Account credentials; the Default* constants when empty.
	ClientID, ClientSecret, PartnerID string
	// TokenLifetime is how long an access token lives (default 900 s, as
	// Walmart's); tests shorten it.
	TokenLifetime time.Duration
	// PageSize caps the orders page below the limit a request asks for
	// (default 200, Walmart's maximum); a small value makes tests page.
	PageSize int
	// RateLimit is how many requests each API's bucket holds per
	// RateWindow (defaults 1000 and one minute). Buckets refill whole at the
	// replenishment time they report.
	RateLimit  int
	RateWindow time.Duration
	// NoRateLimits turns the buckets off (injected 429s still apply).
	NoRateLimits bool
	// ReplenishmentISO reports x-next-replenishment-time as an ISO-8601
	// time instead of epoch milliseconds (Walmart has been seen doing both).
	ReplenishmentISO bool
	// EmptyListNotFound answers an orders search that matches nothing with
	// 404 CONTENT_NOT_FOUND instead of an empty list.
	EmptyListNotFound bool
	// WebhookClient delivers webhooks (a client with a 10 s timeout when nil).
	WebhookClient *http.Client
	// WebhookRetryDelay is the pause between the 3 delivery attempts
	// (default 1 s).
	WebhookRetryDelay time.Duration
	// WebhookKeyID is sent as WM_SEC.KEY_ID (DefaultKeyID when empty).
	WebhookKeyID string
}

// Server is a simulated Walmart Marketplace. Safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux
	hook *http.Client

	mu        sync.Mutex
	tokens    map[string]time.Time // access token → expiry
	issued    int
	orders    map[string]*order
	seq       int64
	listings  map[string]int
	acks      []Acknowledgement
	shipments []ShipmentRecord
	faults    []Fault
	buckets   map[string]*bucket
	cursors   map[string]bool
	requests  []Request
	target    webhookTarget
	held      []event
	delivered []Delivery
	outbox    []outgoing
	sending   bool
}

var _ sim.Marketplace = (*Server)(nil)

// New returns a simulator with no orders and no listings.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.PartnerID == "" {
		opts.PartnerID = DefaultPartnerID
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = 900 * time.Second
	}
	if opts.PageSize <= 0 || opts.PageSize > maxLimit {
		opts.PageSize = maxLimit
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 1000
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = time.Second
	}
	if opts.WebhookKeyID == "" {
		opts.WebhookKeyID = DefaultKeyID
	}
	s := &Server{opts: opts, hook: opts.WebhookClient, tokens: map[string]time.Time{}, orders: map[string]*order{},
		listings: map[string]int{}, buckets: map[string]*bucket{}, cursors: map[string]bool{}}
	if s.hook == nil {
		s.hook = &http.Client{Timeout: 10 * time.Second}
	}
	s.routes()
	return s
}

// API names: one token bucket each.
const (
	apiToken       = "token"
	apiOrders      = "getAllOrders"
	apiReleased    = "getAllReleasedOrders"
	apiOrder       = "getAnOrder"
	apiAcknowledge = "acknowledgeOrders"
	apiShipping    = "shippingUpdates"
	apiCancel      = "cancelOrderLines"
	apiGetInv      = "getInventory"
	apiPutInv      = "updateInventoryForAnItem"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v3/token", s.api(apiToken, false, s.handleToken))
	m.HandleFunc("GET /v3/orders", s.api(apiOrders, true, s.handleListOrders))
	m.HandleFunc("GET /v3/orders/released", s.api(apiReleased, true, s.handleListReleased))
	m.HandleFunc("GET /v3/orders/{po}", s.api(apiOrder, true, s.handleGetOrder))
	m.HandleFunc("POST /v3/orders/{po}/acknowledge", s.api(apiAcknowledge, true, s.handleAcknowledge))
	m.HandleFunc("POST /v3/orders/{po}/shipping", s.api(apiShipping, true, s.handleShipping))
	m.HandleFunc("POST /v3/orders/{po}/cancel", s.api(apiCancel, true, s.handleCancel))
	m.HandleFunc("GET /v3/inventory", s.api(apiGetInv, true, s.handleGetInventory))
	m.HandleFunc("PUT /v3/inventory", s.api(apiPutInv, true, s.handlePutInventory))
	m.HandleFunc("/v3/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, gwError{Code: "CONTENT_NOT_FOUND.GMP_GATEWAY_API", Field: "path",
			Description: "Resource not found", Info: r.Method + " " + r.URL.Path + " is not an API of this service",
			Category: catRequest})
	})
	s.controlRoutes(m)
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Kind implements sim.Marketplace.
func (s *Server) Kind() string { return "walmart" }

// Credentials implements sim.Marketplace, by the connector's field names.
func (s *Server) Credentials() map[string]string {
	return map[string]string{"client_id": s.opts.ClientID, "client_secret": s.opts.ClientSecret}
}

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }
