// Package shippo simulates the Shippo API Manifold uses, over real HTTP:
// "Authorization: ShippoToken <key>", shipments rated synchronously across
// the account's carrier accounts (strings with mass_unit and distance_unit,
// per-carrier failures in messages[], address validation results),
// transactions that buy a rate and serve the label at a URL on the
// simulator (ZPLII, PDF_4x6, PNG), refunds, tracking by carrier and number
// that progresses with the simulator's clock and is announced by
// track_updated webhooks (delivered once, twice, or out of order), and
// manifests made asynchronously. Errors are Shippo's {title, detail} bodies (401 and 429
// {detail}). A carrierscript.Provider fixes the rating call's latency,
// failure mode and quotes.
//
// A control API under /_sim/ sets the script, injects faults, makes a
// carrier fail, advances a parcel's tracking, points and tunes webhooks
// and lists transactions, manifests and webhooks sent.
package shippo

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	"github.com/manifold-oms/manifold/server/sim/outbox"
)

// Defaults of the simulated account.
const (
	DefaultAPIToken = "shippo_test_sim0000000000000000000000000000"
	// DefaultRejectZIP is a ZIP Code no carrier delivers to and address
	// validation refuses.
	DefaultRejectZIP = "00000"
)

// CarrierAccount is one of the account's carrier accounts.
type CarrierAccount struct {
	ID      string `json:"object_id"`
	Carrier string `json:"carrier"` // usps, ups or fedex
}

// DefaultCarrierAccounts are the accounts a new Shippo account rates with.
func DefaultCarrierAccounts() []CarrierAccount {
	return []CarrierAccount{
		{ID: "b741b99f95e841639b54272834bc478c", Carrier: "usps"},
		{ID: "c5f1a0f0e7d44fdb9d2f6b1b7b0e3a21", Carrier: "ups"},
		{ID: "d0c3b2a1f9e84c7d8b6a5f4e3d2c1b0a", Carrier: "fedex"},
	}
}

// Options configure a simulator. The zero value is a working account.
type Options struct {
	// Clock is the simulator's time (shipment dates, tracking progress,
	// manifests); time.Now when nil.
	Clock func() time.Time
	// APIToken is the token accepted (DefaultAPIToken when empty).
	APIToken string
	// Script fixes the rating call's latency, failure mode and quotes.
	Script *carrierscript.Provider
	// CarrierAccounts default to DefaultCarrierAccounts.
	CarrierAccounts []CarrierAccount
	// FailingCarriers (usps, ups, fedex) answer rating with a
	// carrier_timeout message instead of rates.
	FailingCarriers []string
	// AcceptanceDelay is how long after purchase the carrier's acceptance
	// scan happens (default 4 h of simulator time).
	AcceptanceDelay time.Duration
	// RejectZIP is a destination ZIP Code that fails address validation and
	// that no carrier rates (default "00000").
	RejectZIP string
	// RetryAfter is the Retry-After of throttled answers (default 60 s).
	RetryAfter time.Duration
	// WebhookURL receives track_updated events when Tick or Advance moves
	// a parcel; the receiver's token goes in its query string.
	WebhookURL string
	// WebhookClient sends webhooks (a 5-second client when nil).
	WebhookClient *http.Client
}

// Server is a simulated Shippo API. Safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	gate *carrierscript.Gate

	mu            sync.Mutex
	accounts      []CarrierAccount
	failing       map[string]bool
	shipments     map[string]*shipment
	rates         map[string]*rate
	transactions  map[string]*transaction
	txOrder       []*transaction
	byTracking    map[string]*transaction
	refunds       map[string]*refund
	manifests     map[string]*manifest
	manifestOrder []*manifest
	files         map[string]file
	webhookURL    string
	hooks         *outbox.Outbox
	seq           int
}

// New returns a simulator with no shipments.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.APIToken == "" {
		opts.APIToken = DefaultAPIToken
	}
	if opts.RejectZIP == "" {
		opts.RejectZIP = DefaultRejectZIP
	}
	if len(opts.CarrierAccounts) == 0 {
		opts.CarrierAccounts = DefaultCarrierAccounts()
	}
	if opts.AcceptanceDelay <= 0 {
		opts.AcceptanceDelay = 4 * time.Hour
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 5 * time.Second}
	}
	s := &Server{
		opts: opts, accounts: append([]CarrierAccount(nil), opts.CarrierAccounts...),
		failing: map[string]bool{}, shipments: map[string]*shipment{}, rates: map[string]*rate{},
		transactions: map[string]*transaction{}, byTracking: map[string]*transaction{}, refunds: map[string]*refund{},
		manifests: map[string]*manifest{}, files: map[string]file{}, webhookURL: opts.WebhookURL,
	}
	s.gate = carrierscript.NewGate("shippo", "", OpCreateTransaction).Allow(string(FaultLabelError))
	if opts.Script != nil {
		// A script given at start has been parsed with the others.
		_ = s.gate.SetScript(opts.Script)
	}
	s.hooks = outbox.New(opts.WebhookClient, s.now)
	for _, c := range opts.FailingCarriers {
		s.failing[token(c)] = true
	}
	s.mux = s.routes()
	return s
}

// API operation names; they key Calls.
const (
	OpCreateShipment    = "createShipment"
	OpGetShipment       = "getShipment"
	OpGetRate           = "getRate"
	OpCreateTransaction = "createTransaction"
	OpGetTransaction    = "getTransaction"
	OpCreateRefund      = "createRefund"
	OpTrack             = "track"
	OpCreateManifest    = "createManifest"
	OpGetManifest       = "getManifest"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	handle := func(pattern, op string, h http.HandlerFunc) {
		// Shippo documents its paths with a trailing slash and accepts them
		// without one.
		m.HandleFunc(pattern, s.api(op, h))
		if pattern[len(pattern)-1] == '/' {
			m.HandleFunc(pattern[:len(pattern)-1], s.api(op, h))
		}
	}
	handle("POST /shipments/", OpCreateShipment, s.handleCreateShipment)
	handle("GET /shipments/{id}", OpGetShipment, s.handleGetShipment)
	handle("GET /rates/{id}", OpGetRate, s.handleGetRate)
	handle("POST /transactions/", OpCreateTransaction, s.handleCreateTransaction)
	handle("GET /transactions/{id}", OpGetTransaction, s.handleGetTransaction)
	handle("POST /refunds/", OpCreateRefund, s.handleCreateRefund)
	handle("GET /tracks/{carrier}/{number}", OpTrack, s.handleTrack)
	handle("POST /manifests/", OpCreateManifest, s.handleCreateManifest)
	handle("GET /manifests/{id}", OpGetManifest, s.handleGetManifest)
	m.HandleFunc("GET /files/{kind}/{name}", s.handleFile)
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
	})
	return m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Credentials returns the credentials the simulator accepts, by the field
// names the shippo adapter reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{"api_token": s.opts.APIToken}
}

// Calls returns how many requests an operation (Op*) received, refused
// ones included.
func (s *Server) Calls(op string) int { return s.gate.Calls(op) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

// newID returns a Shippo object id: 32 hex digits.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
