package easypost

import (
	"fmt"
	"net/http"
	"time"

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

func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case FaultThrottle:
		s.writeThrottled(w)
	case FaultUnavailable:
		writeUnavailable(w)
	case FaultHang:
		<-r.Context().Done()
	case FaultUnauthorized:
		writeUnauthorized(w)
	default:
		return false
	}
	return true
}

// SetScript replaces the rating script; nil returns to computed rates.
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

func (s *Server) currentScript() *carrierscript.Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.script == nil {
		return nil
	}
	c := *s.script
	return &c
}

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
