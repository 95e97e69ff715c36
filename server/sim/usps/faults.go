package usps

import (
	"fmt"
	"net/http"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Fault is a failure injected into the next API requests (the token
// endpoint and /_sim/ are never affected).
type Fault string

// Faults a test can inject.
const (
	FaultThrottle     Fault = "429" // 429 with Retry-After
	FaultUnavailable  Fault = "503"
	FaultHang         Fault = "hang" // never answer until the client gives up
	FaultUnauthorized Fault = "401"  // 401 whatever the token
	// FaultExpireTokens is not queued: it expires every token at once.
	FaultExpireTokens Fault = "expire_tokens"
)

// InjectFault makes the next n API requests fail with f, after any faults
// already queued. FaultExpireTokens acts at once and ignores n.
func (s *Server) InjectFault(f Fault, n int) error {
	switch f {
	case FaultExpireTokens:
		s.ExpireTokens()
		return nil
	case FaultThrottle, FaultUnavailable, FaultHang, FaultUnauthorized:
	default:
		return fmt.Errorf("unknown fault %q (use 429, 503, hang, 401 or expire_tokens)", f)
	}
	if n < 0 {
		return fmt.Errorf("fault count %d is negative", n)
	}
	if n == 0 {
		return nil
	}
	return s.gate.Inject(carrierscript.Fault{Kind: string(f), Count: n})
}

// playFault answers with f, if there is one, and reports whether it did.
func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case FaultThrottle:
		s.writeThrottled(w)
	case FaultUnavailable:
		writeUnavailable(w)
	case FaultHang:
		carrierscript.Hold(r.Context(), nil, -1)
	case FaultUnauthorized:
		writeUnauthorized(w, "The access token is invalid or has been revoked.")
	default:
		return false
	}
	return true
}

// SetScript replaces the rating script; nil returns to computed quotes.
func (s *Server) SetScript(p *carrierscript.Provider) error { return s.gate.SetScript(p) }

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
