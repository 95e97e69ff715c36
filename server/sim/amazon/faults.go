package amazon

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is a failure injected into the next SP-API requests (the LWA token
// endpoint and /_sim/ are never affected).
type Fault string

// Faults a test can inject.
const (
	// FaultThrottle answers 429 QuotaExceeded, as an empty token bucket does.
	FaultThrottle Fault = "429"
	// FaultServerError answers 500 InternalFailure.
	FaultServerError Fault = "500"
	// FaultUnavailable answers 503 ServiceUnavailable.
	FaultUnavailable Fault = "503"
	// FaultUnauthorized answers 403 Unauthorized whatever the token.
	FaultUnauthorized Fault = "403"
	// FaultMalformed answers 200 with a truncated JSON body.
	FaultMalformed Fault = "malformed"
	// FaultExpireTokens is not queued: it expires every issued token at once.
	FaultExpireTokens Fault = "expire_tokens"
)

// InjectFault makes the next n SP-API requests fail with f, after any
// faults already queued. FaultExpireTokens acts at once and ignores n.
func (s *Server) InjectFault(f Fault, n int) error {
	switch f {
	case FaultExpireTokens:
		s.ExpireTokens()
		return nil
	case FaultThrottle, FaultServerError, FaultUnavailable, FaultUnauthorized, FaultMalformed:
	default:
		return fmt.Errorf("unknown fault %q", f)
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

// popFault takes the next queued fault, if any. Callers hold s.mu.
func (s *Server) popFault() Fault {
	if len(s.faults) == 0 {
		return ""
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

func (s *Server) writeFault(w http.ResponseWriter, op string, f Fault) {
	switch f {
	case FaultThrottle:
		s.writeThrottled(w, s.limits[op])
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.", "")
	case FaultUnavailable:
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service temporarily unavailable. Please try again.", "")
	case FaultUnauthorized:
		writeError(w, http.StatusForbidden, "Unauthorized", denied, "")
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"payload":{"Orders":[{"AmazonOrderId":"113-`))
	}
}

func (s *Server) writeThrottled(w http.ResponseWriter, limit RateLimit) {
	if !s.opts.OmitRateLimitHeaderOn429 && limit.Rate > 0 {
		w.Header().Set("x-amzn-RateLimit-Limit", formatRate(limit.Rate))
	}
	writeError(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
}

// bucket is one operation's token bucket, refilled by the simulator's clock.
type bucket struct {
	tokens float64
	last   time.Time
}

// take spends one request from op's bucket. Callers hold s.mu.
func (s *Server) take(op string) bool {
	l, ok := s.limits[op]
	if !ok || l.Burst <= 0 {
		return true
	}
	now := s.now()
	b := s.buckets[op]
	if b == nil {
		b = &bucket{tokens: float64(l.Burst), last: now}
		s.buckets[op] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(float64(l.Burst), b.tokens+el*l.Rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
