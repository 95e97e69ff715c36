// Package usps simulates the USPS v3 APIs Manifold uses, over real HTTP:
// OAuth 2.0 client credentials (POST /oauth2/v3/token) with expiring
// bearer tokens, Shipping Options (price and delivery commitment in one
// call), Payments (payment authorization tokens), Domestic Labels (JSON with
// Accept: application/vnd.usps.labels+json, multipart otherwise; idempotency
// keys; cancellation), Tracking (events that progress with the simulator's
// clock) and SCAN Forms (PS 5630). Errors use the USPS envelope
// {apiVersion, error{code, message, errors[{status, code, title, detail,
// source}]}}. Dimensional weight applies above 1,728 cubic inches (divisor
// 166). A carrierscript.Provider fixes latency, failure mode and quotes of
// the rating call; without one, prices and commitments are computed from
// the zone and the billable weight.
//
// A control API under /_sim/ sets the script, injects faults, expires
// tokens, advances a parcel's tracking and lists labels and SCAN forms.
package usps

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Defaults of the simulated USPS business account.
const (
	DefaultClientID      = "usps-sim-consumer-key"
	DefaultClientSecret  = "usps-sim-consumer-secret"
	DefaultCRID          = "56982563"
	DefaultMID           = "902047123"
	DefaultManifestMID   = "902047124"
	DefaultAccountNumber = "1000012345"
	// DefaultRejectZIP is a ZIP Code the simulator treats as undeliverable.
	DefaultRejectZIP = "00000"
)

// Options configure a simulator. The zero value is a working account.
type Options struct {
	// Clock is the simulator's time (token expiry, mailing dates, tracking
	// progress); time.Now when nil.
	Clock func() time.Time
	// Account credentials; the Default* constants when empty.
	ClientID, ClientSecret          string
	CRID, MID, ManifestMID, Account string
	// TokenLifetime is the OAuth access token lifetime (default 8 h, which
	// USPS reports as expires_in 28799).
	TokenLifetime time.Duration
	// RevokeOnReissue makes a new token revoke the client's older ones, as
	// one report says USPS does.
	RevokeOnReissue bool
	// PaymentTokenLifetime is the payment authorization token lifetime
	// (default 8 h).
	PaymentTokenLifetime time.Duration
	// Script fixes the rating call's latency, failure mode and quotes.
	Script *carrierscript.Provider
	// AcceptanceDelay is how long after a label is created its acceptance
	// scan happens (default 4 h of simulator time).
	AcceptanceDelay time.Duration
	// RejectZIP is a destination ZIP Code answered as an address error
	// (default "00000").
	RejectZIP string
	// RetryAfter is the Retry-After of throttled answers (default 30 s).
	RetryAfter time.Duration
}

// Server is a simulated USPS API. Safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	gate *carrierscript.Gate

	mu            sync.Mutex
	tokens        map[string]time.Time // access token → expiry
	paymentTokens map[string]time.Time
	labels        []*label
	byTracking    map[string]*label
	idempotent    map[string]*label
	forms         []*scanForm
	seq           int
}

// New returns a simulator with no labels.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.ClientID, DefaultClientID)
	def(&opts.ClientSecret, DefaultClientSecret)
	def(&opts.CRID, DefaultCRID)
	def(&opts.MID, DefaultMID)
	def(&opts.ManifestMID, DefaultManifestMID)
	def(&opts.Account, DefaultAccountNumber)
	def(&opts.RejectZIP, DefaultRejectZIP)
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = 8 * time.Hour
	}
	if opts.PaymentTokenLifetime <= 0 {
		opts.PaymentTokenLifetime = 8 * time.Hour
	}
	if opts.AcceptanceDelay <= 0 {
		opts.AcceptanceDelay = 4 * time.Hour
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 30 * time.Second
	}
	s := &Server{
		opts: opts, gate: carrierscript.NewGate("usps_direct", ""),
		tokens: map[string]time.Time{}, paymentTokens: map[string]time.Time{},
		byTracking: map[string]*label{}, idempotent: map[string]*label{},
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
	OpToken    = "token"
	OpOptions  = "shippingOptions"
	OpPayment  = "paymentAuthorization"
	OpLabel    = "createLabel"
	OpCancel   = "cancelLabel"
	OpTracking = "tracking"
	OpSCANForm = "scanForm"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth2/v3/token", s.handleToken)
	m.HandleFunc("POST /shipments/v3/options/search", s.api(OpOptions, s.handleOptions))
	m.HandleFunc("POST /payments/v3/payment-authorization", s.api(OpPayment, s.handlePayment))
	m.HandleFunc("POST /labels/v3/label", s.api(OpLabel, s.handleLabel))
	m.HandleFunc("DELETE /labels/v3/label/{trackingNumber}", s.api(OpCancel, s.handleCancel))
	m.HandleFunc("GET /tracking/v3/tracking/{trackingNumber}", s.api(OpTracking, s.handleTracking))
	m.HandleFunc("POST /scan-forms/v3/scan-form", s.api(OpSCANForm, s.handleSCANForm))
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "404", "Resource not found.",
			apiErr("404", "NOT_FOUND", "Not Found", "No API operation matches "+r.Method+" "+r.URL.Path+".", ""))
	})
	return m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Credentials returns the credentials the simulator accepts, by the field
// names the usps adapter reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{
		"client_id":      s.opts.ClientID,
		"client_secret":  s.opts.ClientSecret,
		"crid":           s.opts.CRID,
		"mid":            s.opts.MID,
		"manifest_mid":   s.opts.ManifestMID,
		"account_number": s.opts.Account,
		"account_type":   "EPS",
	}
}

// Calls returns how many requests an operation (Op*) received, refused
// ones included.
func (s *Server) Calls(op string) int { return s.gate.Calls(op) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
