package ups

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Fault kinds.
const (
	FaultThrottle     = "429"  // 429 code 10429 with Retry-After
	FaultUnavailable  = "503"  // 503 in UPS's error format
	FaultHang         = "hang" // hold the request until the client gives up
	FaultUnauthorized = "401"  // 401 as for an expired token
)

// Fault is an injected failure: the next Count requests of Op (every
// operation when empty) fail as Kind.
type Fault struct {
	Kind  string `json:"fault"`
	Op    string `json:"op,omitempty"`
	Count int    `json:"count,omitempty"`
}

// InjectFault queues f; a Count below one means one request.
func (s *Server) InjectFault(f Fault) error {
	switch f.Kind {
	case FaultThrottle, FaultUnavailable, FaultHang, FaultUnauthorized:
	default:
		return fmt.Errorf("fault %q is not 429, 503, hang or 401", f.Kind)
	}
	switch f.Op {
	case "", OpOAuth, OpRate, OpShip, OpVoid, OpTrack:
	default:
		return fmt.Errorf("op %q is not oauth, rate, ship, void or track", f.Op)
	}
	if f.Count < 1 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
	return nil
}

// SetScript replaces the script entry (nil removes it), refusing one the
// script format would refuse.
func (s *Server) SetScript(p *carrierscript.Provider) error {
	if p != nil {
		b, err := json.Marshal(carrierscript.Script{"ups_direct": *p})
		if err != nil {
			return err
		}
		if _, err := carrierscript.Parse(bytes.NewReader(b)); err != nil {
			return err
		}
		cp := *p
		cp.Quotes = append([]carrierscript.Quote(nil), p.Quotes...)
		p = &cp
	}
	s.mu.Lock()
	s.script = p
	s.mu.Unlock()
	return nil
}

// gate counts a request and applies an injected fault, or, for rating, the
// script's failure mode and latency. It reports whether the request may
// proceed; when not, it has been answered (or abandoned by the client).
func (s *Server) gate(w http.ResponseWriter, r *http.Request, op string) bool {
	s.mu.Lock()
	s.calls[op]++
	kind := ""
	for i := range s.faults {
		if f := &s.faults[i]; f.Op == "" || f.Op == op {
			kind = f.Kind
			if f.Count--; f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	var latency time.Duration
	if op == OpRate && s.script != nil {
		latency = s.script.Latency()
		if kind == "" && s.script.Failure != carrierscript.FailNone {
			kind = s.script.Failure
		}
	}
	s.mu.Unlock()

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
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return false
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		case <-s.closed:
			return false
		}
	}
	return true
}

// api wraps an API handler: faults first, then the bearer token, then the
// transaction headers UPS requires.
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.gate(w, r, op) || !s.authorized(w, r) {
			return
		}
		if id := r.Header.Get("transId"); id == "" || len(id) > 32 || r.Header.Get("transactionSrc") == "" {
			writeError(w, http.StatusBadRequest, "10002", "Missing or invalid transId or transactionSrc header")
			return
		}
		h(w, r)
	}
}
