package shippo

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Fault is a failure injected into the next API requests (/_sim/ and files
// are never affected).
type Fault string

// Faults a test can inject.
const (
	FaultThrottle     Fault = "429" // 429 with Retry-After
	FaultUnavailable  Fault = "503"
	FaultHang         Fault = "hang" // never answer until the client gives up
	FaultUnauthorized Fault = "401"
	// FaultLabelError makes the next transactions end in status ERROR: the
	// carrier refused the recipient address when making the label.
	FaultLabelError Fault = "label_error"
)

// InjectFault makes the next n API requests fail with f (for
// FaultLabelError, the next n purchases), after any faults already queued.
func (s *Server) InjectFault(f Fault, n int) error {
	switch f {
	case FaultThrottle, FaultUnavailable, FaultHang, FaultUnauthorized, FaultLabelError:
	default:
		return fmt.Errorf("unknown fault %q (use 429, 503, hang, 401 or label_error)", f)
	}
	if n < 0 {
		return fmt.Errorf("fault count %d is negative", n)
	}
	if n == 0 {
		return nil
	}
	// Label errors wait for a purchase; the others take the next requests.
	op := ""
	if f == FaultLabelError {
		op = OpCreateTransaction
	}
	return s.gate.Inject(carrierscript.Fault{Kind: string(f), Op: op, Count: n})
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
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
	default:
		return false
	}
	return true
}

type labelErrorKey struct{}

// withLabelError marks a purchase that must end in status ERROR.
func withLabelError(ctx context.Context) context.Context {
	return context.WithValue(ctx, labelErrorKey{}, true)
}

func labelErrorWanted(ctx context.Context) bool {
	v, _ := ctx.Value(labelErrorKey{}).(bool)
	return v
}

// SetScript replaces the rating script; nil returns to computed rates.
func (s *Server) SetScript(p *carrierscript.Provider) error { return s.gate.SetScript(p) }

// SetCarrierFailing makes a carrier's rating fail (or work again).
func (s *Server) SetCarrierFailing(carrier string, failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[token(carrier)] = failing
}

// token spells a carrier as Shippo's carrier tokens do.
func token(c string) string { return strings.ToLower(strings.TrimSpace(c)) }

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
