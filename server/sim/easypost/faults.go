package easypost

import (
	"fmt"
	"net/http"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Fault is a failure injected into the next API requests (/_sim/ and label
// files are never affected).
type Fault string

// Faults a test can inject.
const (
	FaultThrottle     Fault = "429" // 429 RATE_LIMITED with Retry-After
	FaultUnavailable  Fault = "503"
	FaultHang         Fault = "hang" // never answer until the client gives up
	FaultUnauthorized Fault = "401"
)

// InjectFault makes the next n API requests fail with f, after any faults
// already queued.
func (s *Server) InjectFault(f Fault, n int) error {
	switch f {
	case FaultThrottle, FaultUnavailable, FaultHang, FaultUnauthorized:
	default:
		return fmt.Errorf("unknown fault %q (use 429, 503, hang or 401)", f)
	}
	if n < 0 {
		return fmt.Errorf("fault count %d is negative", n)
	}
	if n == 0 {
		return nil
	}
	return s.gate.Inject(carrierscript.Fault{Kind: string(f), Count: n})
}

func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case FaultThrottle:
		s.writeThrottled(w)
	case FaultUnavailable:
		writeUnavailable(w)
	case FaultHang:
		carrierscript.Hold(r.Context(), nil, -1)
	case FaultUnauthorized:
		writeUnauthorized(w)
	default:
		return false
	}
	return true
}

// SetScript replaces the rating script; nil returns to computed rates.
func (s *Server) SetScript(p *carrierscript.Provider) error { return s.gate.SetScript(p) }

// SetCarrierFailing makes a carrier's rating fail (or work again).
func (s *Server) SetCarrierFailing(carrier string, failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[carrierName(carrier)] = failing
}

// scripted plays the script's latency and failure mode before a rating
// answer; it reports whether it already answered.
func (s *Server) scripted(w http.ResponseWriter, r *http.Request, p *carrierscript.Provider) bool {
	if p == nil {
		return false
	}
	if d := p.Latency(); d > 0 && !carrierscript.Hold(r.Context(), nil, d) {
		return true
	}
	switch p.Failure {
	case carrierscript.FailHang:
		carrierscript.Hold(r.Context(), nil, -1)
	case carrierscript.Fail429:
		s.writeThrottled(w)
	case carrierscript.Fail503:
		writeUnavailable(w)
	default:
		return false
	}
	return true
}
