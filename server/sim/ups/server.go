// Package ups simulates the UPS REST APIs Manifold uses, over real HTTP:
// OAuth client credentials (POST /security/v1/oauth/token, Basic auth,
// expires_in as a string) with expiring tokens answered by the real 401
// body; Rating (POST /api/rating/{version}/{requestoption}: Rate, Shop,
// Ratetimeintransit, Shoptimeintransit) with zone- and weight-based prices,
// dimensional weight (divisor 139), negotiated rates and time in transit;
// Shipping (ship with ZPL or GIF labels and 1Z tracking numbers with their
// check digit, void); and Track v1 with scans that progress over simulated
// time. Requests are validated strictly and refused in UPS's error format,
// {"response":{"errors":[{"code","message"}]}}; ship-to ZIP 00000 is an
// address UPS rejects.
//
// A carrierscript.Provider (the script's ups_direct entry) fixes rating
// latency, failure mode and quotes. A control API under /_sim/ sets the
// script, injects faults, expires tokens, lists labels and advances
// tracking (see control.go).
package ups

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Defaults of the simulated account.
const (
	DefaultClientID      = "sim-ups-client-id"
	DefaultClientSecret  = "sim-ups-client-secret"
	DefaultAccountNumber = "A1B2C3"
	// DefaultTokenLifetime is UPS's: expires_in "14399".
	DefaultTokenLifetime = 14399 * time.Second
	// DefaultDimDivisor is UPS's daily-rates divisor, in cubic inches per pound.
	DefaultDimDivisor = 139
)

// Operation names: they key faults and call counts.
const (
	OpOAuth = "oauth"
	OpRate  = "rate"
	OpShip  = "ship"
	OpVoid  = "void"
	OpTrack = "track"
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
	// Script is the ups_direct entry of a carrier script: rating latency,
	// failure mode and quotes. Nil computes quotes.
	Script *carrierscript.Provider
	// ClientID, ClientSecret and AccountNumber are the credentials
	// accepted; the Default* constants when empty.
	ClientID, ClientSecret, AccountNumber string
	// TokenLifetime is how long a token lives (default 14399 s); shorten
	// it to test expiry.
	TokenLifetime time.Duration
	// NegotiatedPercentOff is the account's negotiated discount on published
	// rates; zero means the account has no negotiated rates, so none are
	// returned even when asked for.
	NegotiatedPercentOff int
	// DimDivisor is the dimensional weight divisor (default 139).
	DimDivisor int64
	// RetryAfter is the Retry-After of a 429 (default 2 s).
	RetryAfter time.Duration
	// Schedule is when tracking scans happen (default DefaultSchedule).
	Schedule Schedule
}

// Server is a simulated UPS. Safe for concurrent use.
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
		shipments: map[string]*shipment{}, gate: carrierscript.NewGate("ups_direct", OpRate, OpOAuth, OpRate, OpShip, OpVoid, OpTrack)}
	if opts.Script != nil {
		// A script given at start has been parsed with the others.
		_ = s.gate.SetScript(opts.Script)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /security/v1/oauth/token", s.handleToken)
	m.HandleFunc("POST /api/rating/{version}/{option}", s.api(OpRate, s.handleRate))
	m.HandleFunc("POST /api/shipments/{version}/ship", s.api(OpShip, s.handleShip))
	m.HandleFunc("DELETE /api/shipments/{version}/void/cancel/{id}", s.api(OpVoid, s.handleVoid))
	m.HandleFunc("GET /api/track/v1/details/{number}", s.api(OpTrack, s.handleTrack))
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "10404", "The requested resource was not found.")
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
// names the ups adapter reads.
func (s *Server) Credentials() map[string]string {
	return map[string]string{
		"client_id":      s.opts.ClientID,
		"client_secret":  s.opts.ClientSecret,
		"account_number": s.opts.AccountNumber,
	}
}

// Calls returns how many requests an operation (Op*) received, refused
// ones included.
func (s *Server) Calls(op string) int { return s.gate.Calls(op) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
