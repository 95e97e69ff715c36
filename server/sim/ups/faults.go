package ups

import (
	"net/http"
	"strconv"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Fault kinds.
const (
	FaultThrottle     = carrierscript.FaultThrottle     // 429 code 10429 with Retry-After
	FaultUnavailable  = carrierscript.FaultUnavailable  // 503 in UPS's error format
	FaultHang         = carrierscript.FaultHang         // hold the request until the client gives up
	FaultUnauthorized = carrierscript.FaultUnauthorized // 401 as for an expired token
)

// Fault is an injected failure: the next Count requests of Op (every
// operation when empty) fail as Kind.
type Fault = carrierscript.Fault

// InjectFault queues f; a Count below one means one request.
func (s *Server) InjectFault(f Fault) error { return s.gate.Inject(f) }

// SetScript replaces the script entry (nil removes it), refusing one the
// script format would refuse.
func (s *Server) SetScript(p *carrierscript.Provider) error { return s.gate.SetScript(p) }

// enter counts a request and applies an injected fault, or, for rating, the
// script's failure mode and latency. It reports whether the request may
// proceed; when not, it has been answered (or abandoned by the client).
func (s *Server) enter(w http.ResponseWriter, r *http.Request, op string) bool {
	kind, latency := s.gate.Enter(op)
	switch kind {
	case FaultThrottle:
		w.Header().Set("Retry-After", strconv.Itoa(int((s.opts.RetryAfter+time.Second-1)/time.Second)))
		writeError(w, http.StatusTooManyRequests, "10429", "Too Many Requests")
		return false
	case FaultUnavailable:
		writeError(w, http.StatusServiceUnavailable, "10503", "The service is temporarily unavailable. Please try again later.")
		return false
	case FaultUnauthorized:
		writeError(w, http.StatusUnauthorized, "250002", "Invalid Authentication Information.")
		return false
	case FaultHang:
		carrierscript.Hold(r.Context(), s.closed, -1)
		return false
	}
	return latency <= 0 || carrierscript.Hold(r.Context(), s.closed, latency)
}

// api wraps an API handler: faults first, then the bearer token, then the
// transaction headers UPS requires.
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.enter(w, r, op) || !s.authorized(w, r) {
			return
		}
		if id := r.Header.Get("transId"); id == "" || len(id) > 32 || r.Header.Get("transactionSrc") == "" {
			writeError(w, http.StatusBadRequest, "10002", "Missing or invalid transId or transactionSrc header")
			return
		}
		h(w, r)
	}
}
