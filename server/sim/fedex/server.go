// Package fedex simulates the FedEx REST APIs Manifold uses, over real
// HTTP: OAuth client credentials (POST /oauth/token, expires_in 3599) with
// expiring tokens answered by the real 401 body; Rate and Transit Times
// (POST /rate/v1/rates/quotes) with ACCOUNT and LIST rates priced by zone
// and billable weight (dimensional divisor 139), money as JSON numbers,
// transit times and commit dates; Ship (POST /ship/v1/shipments, ZPLII or
// PDF labels base64-encoded, 12-digit tracking numbers with their check
// digit) and Cancel (PUT /ship/v1/shipments/cancel); and Track (POST
// /track/v1/trackingnumbers) with scans that progress over simulated time.
// Requests are validated strictly and refused in FedEx's format,
// {"transactionId","errors":[{"code","message"}]}; an unknown tracking
// number and a refused cancellation are answered inside a 200, as FedEx
// does; recipient ZIP 00000 is an address FedEx rejects.
//
// A carrierscript.Provider (the script's fedex_direct entry) fixes rating
// latency, failure mode and quotes. A control API under /_sim/ sets the
// script, injects faults, expires tokens, lists labels and advances
// tracking (see control.go).
package fedex

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Defaults of the simulated account.
const (
	DefaultClientID      = "l7sim0fedex0client0id"
	DefaultClientSecret  = "sim-fedex-secret"
	DefaultAccountNumber = "740561073"
	DefaultPhoneNumber   = "9015551234"
	// DefaultTokenLifetime is FedEx's: expires_in 3599.
	DefaultTokenLifetime = 3599 * time.Second
	// DefaultDimDivisor is FedEx's daily-rates divisor, in cubic inches per pound.
	DefaultDimDivisor = 139
)

// Operation names: they key faults and call counts.
const (
	OpOAuth  = "oauth"
	OpRate   = "rate"
	OpShip   = "ship"
	OpCancel = "cancel"
	OpTrack  = "track"
)

// Schedule is when a parcel's scans happen, measured from label creation:
// the pickup scan, the first in-transit scan, out for delivery, delivered.
type Schedule struct {
	Pickup, InTransit, OutForDelivery, Delivered time.Duration
}

// DefaultSchedule picks up the same afternoon and delivers two days later.
func DefaultSchedule() Schedule {
	return Schedule{Pickup: 4 * time.Hour, InTransit: 8 * time.Hour, OutForDelivery: 44 * time.Hour, Delivered: 50 * time.Hour}
}

// Options configure a simulator; the zero value is a valid account.
type Options struct {
	// Clock is the simulated time (token expiry, tracking scans, dates);
	// time.Now when nil.
	Clock func() time.Time
	// Script is the fedex_direct entry of a carrier script: rating
	// latency, failure mode and quotes. Nil computes quotes.
	Script *carrierscript.Provider
	// ClientID, ClientSecret and AccountNumber are the credentials
	// accepted; the Default* constants when empty.
	ClientID, ClientSecret, AccountNumber string
	// TokenLifetime is how long a token lives (default 3599 s); shorten it
	// to test expiry.
	TokenLifetime time.Duration
	// AccountPercentOff is the account's discount on LIST rates, giving its
	// ACCOUNT rates (default none: both are equal).
	AccountPercentOff int
	// DimDivisor is the dimensional weight divisor (default 139).
	DimDivisor int64
	// RetryAfter is the Retry-After of a 429 (default 2 s).
	RetryAfter time.Duration
	// Schedule is when tracking scans happen (default DefaultSchedule).
	Schedule Schedule
}

// Server is a simulated FedEx. Safe for concurrent use.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	closed chan struct{}
	once   sync.Once

	gate *carrierscript.Gate

	mu        sync.Mutex
	tokens    map[string]time.Time
	shipments map[string]*shipment
	order     []string
	seq       int
}

// New returns a simulator with no shipments.
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
	def(&opts.AccountNumber, DefaultAccountNumber)
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = DefaultTokenLifetime
	}
	if opts.DimDivisor <= 0 {
		opts.DimDivisor = DefaultDimDivisor
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 2 * time.Second
	}
	if opts.Schedule == (Schedule{}) {
		opts.Schedule = DefaultSchedule()
	}
	s := &Server{opts: opts, closed: make(chan struct{}), tokens: map[string]time.Time{},
		shipments: map[string]*shipment{}, gate: carrierscript.NewGate("fedex_direct", OpRate, OpOAuth, OpRate, OpShip, OpCancel, OpTrack)}
	if opts.Script != nil {
		// A script given at start has been parsed with the others.
		_ = s.gate.SetScript(opts.Script)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /oauth/token", s.handleToken)
	m.HandleFunc("POST /rate/v1/rates/quotes", s.api(OpRate, s.handleRate))
	m.HandleFunc("POST /ship/v1/shipments", s.api(OpShip, s.handleShip))
	m.HandleFunc("PUT /ship/v1/shipments/cancel", s.api(OpCancel, s.handleCancel))
	m.HandleFunc("POST /track/v1/trackingnumbers", s.api(OpTrack, s.handleTrack))
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT.FOUND.ERROR", "The resource you requested is no longer available. Please modify your request and try again.")
	})
	s.mux = m
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases requests held by a hang; call it before closing the
// listener so that the listener's Close does not wait for them.
func (s *Server) Close() { s.once.Do(func() { close(s.closed) }) }

// Credentials returns the credentials the simulator accepts, by the field
// names the fedex adapter reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{
		"client_id":      s.opts.ClientID,
		"client_secret":  s.opts.ClientSecret,
		"account_number": s.opts.AccountNumber,
		"phone_number":   DefaultPhoneNumber,
	}
}

// Calls returns how many requests an operation (Op*) received, refused
// ones included.
func (s *Server) Calls(op string) int { return s.gate.Calls(op) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

// newID is a transaction id in FedEx's UUID form.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
