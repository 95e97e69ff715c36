// Package easypost simulates the EasyPost v2 API Manifold uses, over real
// HTTP: HTTP Basic authentication with the API key as username, shipments
// rated across the account's carrier accounts (USPS, UPS, FedEx) with
// per-carrier rating failures reported in messages[] next to the other
// carriers' rates, purchase of a rate, label files served at URLs on the
// simulator (PNG, PDF or ZPL, converted on request), refunds, trackers
// whose tracking_details progress with the simulator's clock and are
// announced by tracker.updated webhooks signed as EasyPost signs them
// (delivered once, twice, or out of order), and USPS scan forms.
// Errors use EasyPost's {"error":{"code","message","errors":[{field,
// message}]}} envelope. A carrierscript.Provider fixes the rating call's
// latency, failure mode and quotes.
//
// A control API under /_sim/ sets the script, injects faults, makes a
// carrier fail, advances a parcel's tracking, points and tunes webhooks
// and lists shipments, labels, refunds, scan forms and webhooks sent.
package easypost

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
	DefaultAPIKey = "EZTKsim0000000000000000000000000"
	// DefaultRejectZIP is a ZIP Code no carrier delivers to.
	DefaultRejectZIP = "00000"
)

// CarrierAccount is one of the account's carrier accounts.
type CarrierAccount struct {
	ID      string `json:"id"`
	Carrier string `json:"carrier"` // USPS, UPS or FedEx
}

// DefaultCarrierAccounts are the accounts a new EasyPost account rates with.
func DefaultCarrierAccounts() []CarrierAccount {
	return []CarrierAccount{
		{ID: "ca_usps0000000000000000000000000001", Carrier: "USPS"},
		{ID: "ca_ups00000000000000000000000000002", Carrier: "UPS"},
		{ID: "ca_fedex000000000000000000000000003", Carrier: "FedEx"},
	}
}

// Options configure a simulator. The zero value is a working account.
type Options struct {
	// Clock is the simulator's time (label dates, tracking progress);
	// time.Now when nil.
	Clock func() time.Time
	// APIKey is the key accepted (DefaultAPIKey when empty).
	APIKey string
	// Script fixes the rating call's latency, failure mode and quotes.
	Script *carrierscript.Provider
	// CarrierAccounts default to DefaultCarrierAccounts.
	CarrierAccounts []CarrierAccount
	// FailingCarriers are carriers (USPS, UPS, FedEx) whose rating fails:
	// their rates are replaced by a messages[] entry.
	FailingCarriers []string
	// AcceptanceDelay is how long after purchase the carrier's acceptance
	// scan happens (default 4 h of simulator time).
	AcceptanceDelay time.Duration
	// RejectZIP is a destination ZIP Code that fails address verification
	// and that no carrier rates (default "00000").
	RejectZIP string
	// RetryAfter is the Retry-After of throttled answers (default 5 s).
	RetryAfter time.Duration
	// WebhookURL receives tracker.updated events, signed with
	// WebhookSecret, when Tick or Advance moves a tracker.
	WebhookURL, WebhookSecret string
	// WebhookClient sends webhooks (a 5-second client when nil).
	WebhookClient *http.Client
}

// Server is a simulated EasyPost API. Safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	gate *carrierscript.Gate

	mu        sync.Mutex
	accounts  []CarrierAccount
	failing   map[string]bool
	shipments map[string]*shipment
	order     []*shipment
	trackers  map[string]*tracker // by id
	byCode    map[string]*tracker
	forms     map[string]*scanForm
	formOrder []*scanForm
	files     map[string]file
	webhook   webhookTarget
	hooks     *outbox.Outbox
	seq       int
}

// New returns a simulator with no shipments.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
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
		opts.RetryAfter = 5 * time.Second
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 5 * time.Second}
	}
	s := &Server{
		opts: opts, gate: carrierscript.NewGate("easypost", ""), accounts: append([]CarrierAccount(nil), opts.CarrierAccounts...),
		failing: map[string]bool{}, shipments: map[string]*shipment{}, trackers: map[string]*tracker{},
		byCode: map[string]*tracker{}, forms: map[string]*scanForm{}, files: map[string]file{},
		webhook: webhookTarget{url: opts.WebhookURL, secret: opts.WebhookSecret},
	}
	s.hooks = outbox.New(opts.WebhookClient, s.now)
	for _, c := range opts.FailingCarriers {
		s.failing[carrierName(c)] = true
	}
	if opts.Script != nil {
		// A script given at start has been parsed with the others.
		_ = s.gate.SetScript(opts.Script)
	}
	s.mux = s.routes()
	return s
}

// API operation names; they key Calls.
const (
	OpCreateShipment = "createShipment"
	OpGetShipment    = "getShipment"
	OpBuy            = "buyShipment"
	OpConvertLabel   = "convertLabel"
	OpRefund         = "refundShipment"
	OpCreateTracker  = "createTracker"
	OpListTrackers   = "listTrackers"
	OpGetTracker     = "getTracker"
	OpCreateScanForm = "createScanForm"
	OpGetScanForm    = "getScanForm"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /v2/shipments", s.api(OpCreateShipment, s.handleCreateShipment))
	m.HandleFunc("GET /v2/shipments/{id}", s.api(OpGetShipment, s.handleGetShipment))
	m.HandleFunc("POST /v2/shipments/{id}/buy", s.api(OpBuy, s.handleBuy))
	m.HandleFunc("GET /v2/shipments/{id}/label", s.api(OpConvertLabel, s.handleConvertLabel))
	m.HandleFunc("POST /v2/shipments/{id}/refund", s.api(OpRefund, s.handleRefund))
	m.HandleFunc("POST /v2/trackers", s.api(OpCreateTracker, s.handleCreateTracker))
	m.HandleFunc("GET /v2/trackers", s.api(OpListTrackers, s.handleListTrackers))
	m.HandleFunc("GET /v2/trackers/{id}", s.api(OpGetTracker, s.handleGetTracker))
	m.HandleFunc("POST /v2/scan_forms", s.api(OpCreateScanForm, s.handleCreateScanForm))
	m.HandleFunc("GET /v2/scan_forms/{id}", s.api(OpGetScanForm, s.handleGetScanForm))
	m.HandleFunc("GET /files/{kind}/{name}", s.handleFile)
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource could not be found.")
	})
	return m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Credentials returns the credentials the simulator accepts, by the field
// names the easypost adapter reads.
func (s *Server) Credentials() map[string]string {
	c := map[string]string{"api_key": s.opts.APIKey}
	if s.opts.WebhookSecret != "" {
		c["webhook_secret"] = s.opts.WebhookSecret
	}
	return c
}

// Calls returns how many requests an operation (Op*) received, refused
// ones included.
func (s *Server) Calls(op string) int { return s.gate.Calls(op) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

// newID returns an EasyPost object id such as "shp_3f2a…".
func newID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// baseURL is the simulator's own address as the client reached it, for the
// URLs of label files and forms.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
