package carrierscript

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Injected failure kinds, the same in every carrier simulator; each answers
// them in its provider's own format.
const (
	FaultThrottle     = "429"  // 429 with Retry-After
	FaultUnavailable  = "503"  // 503
	FaultHang         = "hang" // hold the request until the client gives up
	FaultUnauthorized = "401"  // 401 as for an expired or revoked token
)

// Fault is an injected failure: the next Count requests of Op (every
// operation when Op is empty) fail as Kind.
type Fault struct {
	Kind  string `json:"fault"`
	Op    string `json:"op,omitempty"`
	Count int    `json:"count,omitempty"`
}

// Gate is what the carrier simulators share in front of their handlers: it
// counts requests by operation, holds the failures a test injected and the
// provider's script entry, and tells each request which failure to answer
// with or how long to wait first. Safe for concurrent use.
type Gate struct {
	key    string   // the provider's key in a script, such as "ups_direct"
	rateOp string   // the operation the script's latency and failure apply to
	ops    []string // the operations a fault may name
	extra  []string // fault kinds of the provider's own, besides the common ones

	mu     sync.Mutex
	calls  map[string]int
	faults []Fault
	script *Provider
}

// NewGate returns a gate for the provider key whose script applies to
// rateOp ("" for none: the simulator then plays the script itself) and whose
// faults may name ops.
func NewGate(key, rateOp string, ops ...string) *Gate {
	return &Gate{key: key, rateOp: rateOp, ops: ops, calls: map[string]int{}}
}

// Allow accepts fault kinds of the provider's own (a label refused at
// purchase, say), which Enter hands to the simulator like the others.
func (g *Gate) Allow(kinds ...string) *Gate {
	g.extra = append(g.extra, kinds...)
	return g
}

// Inject queues f after the faults already queued; a Count below one means
// one request.
func (g *Gate) Inject(f Fault) error {
	switch f.Kind {
	case FaultThrottle, FaultUnavailable, FaultHang, FaultUnauthorized:
	default:
		if !slices.Contains(g.extra, f.Kind) {
			return fmt.Errorf("fault %q is not %s", f.Kind, strings.Join(append([]string{"429", "503", "hang", "401"}, g.extra...), ", "))
		}
	}
	if f.Op != "" && !slices.Contains(g.ops, f.Op) {
		return fmt.Errorf("op %q is not %s", f.Op, strings.Join(g.ops, ", "))
	}
	f.Count = max(f.Count, 1)
	g.mu.Lock()
	g.faults = append(g.faults, f)
	g.mu.Unlock()
	return nil
}

// SetScript replaces the script entry (nil removes it), refusing one the
// script format would refuse.
func (g *Gate) SetScript(p *Provider) error {
	if p != nil {
		b, err := json.Marshal(Script{g.key: *p})
		if err != nil {
			return err
		}
		if _, err := Parse(bytes.NewReader(b)); err != nil {
			return err
		}
		p = p.clone()
	}
	g.mu.Lock()
	g.script = p
	g.mu.Unlock()
	return nil
}

// Script returns a copy of the script entry, or nil.
func (g *Gate) Script() *Provider {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.script == nil {
		return nil
	}
	return g.script.clone()
}

// Calls returns how many requests an operation received, refused ones
// included.
func (g *Gate) Calls(op string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[op]
}

// AllCalls returns the requests received by operation.
func (g *Gate) AllCalls() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.calls))
	for k, v := range g.calls {
		out[k] = v
	}
	return out
}

// Count counts a request of op that faults never apply to (a token
// endpoint).
func (g *Gate) Count(op string) {
	g.mu.Lock()
	g.calls[op]++
	g.mu.Unlock()
}

// Enter counts a request of op and returns the failure it must be answered
// with (the first queued fault for op, else, for the rating operation, the
// script's failure mode), or "" and the script's latency to wait before
// answering.
func (g *Gate) Enter(op string) (kind string, latency time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls[op]++
	for i := range g.faults {
		if f := &g.faults[i]; f.Op == "" || f.Op == op {
			kind = f.Kind
			if f.Count--; f.Count == 0 {
				g.faults = slices.Delete(g.faults, i, i+1)
			}
			break
		}
	}
	if op == g.rateOp && g.script != nil {
		latency = g.script.Latency()
		if kind == "" && g.script.Failure != FailNone && g.script.Failure != "" {
			kind = g.script.Failure
		}
	}
	return kind, latency
}

// Hold waits d, or until ctx or closed ends first, and reports whether the
// whole of d passed. A negative d waits for ctx or closed only: a hang.
func Hold(ctx context.Context, closed <-chan struct{}, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
	case <-closed:
	}
	return false
}

func (p *Provider) clone() *Provider {
	c := *p
	c.Quotes = append([]Quote(nil), p.Quotes...)
	return &c
}
