package usps

import (
	"fmt"
	"net/http"
	"time"

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
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
	return nil
}

// popFault takes the next queued fault. Callers hold s.mu.
func (s *Server) popFault() Fault {
	if len(s.faults) == 0 {
		return ""
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

// playFault answers with f, if there is one, and reports whether it did.
func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case FaultThrottle:
		s.writeThrottled(w)
	case FaultUnavailable:
		writeUnavailable(w)
	case FaultHang:
		<-r.Context().Done()
	case FaultUnauthorized:
		writeUnauthorized(w, "The access token is invalid or has been revoked.")
	default:
		return false
	}
	return true
}

// SetScript replaces the rating script; nil returns to computed quotes.
func (s *Server) SetScript(p *carrierscript.Provider) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil {
		s.script = nil
		return
	}
	c := *p
	c.Quotes = append([]carrierscript.Quote(nil), p.Quotes...)
	s.script = &c
}

// currentScript returns a copy of the script, or nil.
func (s *Server) currentScript() *carrierscript.Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.script == nil {
		return nil
	}
	c := *s.script
	return &c
}

// scripted plays the script's latency and failure mode before a rating
// answer; it reports whether it already answered.
func (s *Server) scripted(w http.ResponseWriter, r *http.Request, p *carrierscript.Provider) bool {
	if p == nil {
		return false
	}
	if d := p.Latency(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	switch p.Failure {
	case carrierscript.FailHang:
		<-r.Context().Done()
	case carrierscript.Fail429:
		s.writeThrottled(w)
	case carrierscript.Fail503:
		writeUnavailable(w)
	default:
		return false
	}
	return true
}
