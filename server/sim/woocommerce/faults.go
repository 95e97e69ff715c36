package woocommerce

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a failure the store can be told to answer with.
type FaultKind string

// Faults.
const (
	// FaultThrottle answers 429 with Retry-After, as a host or WAF in front
	// of the store does.
	FaultThrottle FaultKind = "429"
	// FaultServerError answers 500 with WordPress's critical-error body.
	FaultServerError FaultKind = "500"
	// FaultMalformed answers the real response cut in half: status and
	// headers intact, the JSON body truncated.
	FaultMalformed FaultKind = "malformed"
)

type fault struct {
	kind       FaultKind
	left       int
	retryAfter time.Duration
}

// FailNext makes the next n REST API requests fail with kind, before
// authentication, as a proxy in front of the store would. retryAfter is the
// Retry-After of a 429 (1 s when zero). Faults queue behind each other.
func (s *Server) FailNext(kind FaultKind, n int, retryAfter time.Duration) error {
	switch kind {
	case FaultThrottle, FaultServerError, FaultMalformed:
	default:
		return fmt.Errorf("unknown fault %q (429, 500 or malformed)", kind)
	}
	if n <= 0 {
		return nil
	}
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	s.mu.Lock()
	s.faults = append(s.faults, fault{kind: kind, left: n, retryAfter: retryAfter})
	s.mu.Unlock()
	return nil
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (s *Server) takeFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.faults) > 0 && s.faults[0].left <= 0 {
		s.faults = s.faults[1:]
	}
	if len(s.faults) == 0 {
		return fault{}, false
	}
	s.faults[0].left--
	return s.faults[0], true
}

func serveFault(w http.ResponseWriter, f fault) {
	switch f.kind {
	case FaultThrottle:
		secs := int((f.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, newError(http.StatusTooManyRequests, "rest_too_many_requests",
			"Too many requests. Retry after "+strconv.Itoa(secs)+" seconds."))
	default:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"code": "internal_server_error",
			"message": "<p>There has been a critical error on this website.</p><p><a href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">Learn more about troubleshooting WordPress.</a></p>",
			"data":    map[string]int{"status": http.StatusInternalServerError}, "additional_errors": []any{}})
	}
}

// serveMalformed writes a buffered response with half its body.
func serveMalformed(w http.ResponseWriter, b *bufferWriter) {
	for k, vs := range b.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body[:len(b.body)/2])
}
