package carrierscript

import (
	"context"
	"testing"
	"time"
)

func TestGateAnswersFaultsInOrderThenTheScript(t *testing.T) {
	g := NewGate("ups_direct", "rate", "rate", "ship")
	if err := g.Inject(Fault{Kind: "418"}); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if err := g.Inject(Fault{Kind: FaultThrottle, Op: "void"}); err == nil {
		t.Fatal("unknown op accepted")
	}
	if err := g.SetScript(&Provider{Failure: "sometimes"}); err == nil {
		t.Fatal("a script the format refuses was accepted")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(g.Inject(Fault{Kind: FaultUnavailable, Op: "ship", Count: 2}))
	must(g.Inject(Fault{Kind: FaultThrottle}))
	must(g.SetScript(&Provider{LatencyMS: 40, Failure: FailNone, Quotes: []Quote{{Carrier: "ups", Service: "03", Amount: "8.50", Currency: "USD"}}}))

	steps := []struct {
		op      string
		kind    string
		latency time.Duration
	}{
		{"rate", FaultThrottle, 40 * time.Millisecond}, // the fault for every op, though queued second
		{"ship", FaultUnavailable, 0},
		{"rate", "", 40 * time.Millisecond}, // the script's latency only
		{"ship", FaultUnavailable, 0},
		{"ship", "", 0},
	}
	for i, s := range steps {
		kind, latency := g.Enter(s.op)
		if kind != s.kind || latency != s.latency {
			t.Fatalf("step %d (%s): %q after %s, want %q after %s", i, s.op, kind, latency, s.kind, s.latency)
		}
	}
	if g.Calls("rate") != 2 || g.Calls("ship") != 3 || g.AllCalls()["ship"] != 3 {
		t.Fatalf("calls %v", g.AllCalls())
	}
	must(g.SetScript(&Provider{Failure: FailHang}))
	if kind, _ := g.Enter("rate"); kind != FailHang {
		t.Fatalf("scripted failure %q, want hang", kind)
	}
	p := g.Script()
	p.Failure = FailNone
	if g.Script().Failure != FailHang {
		t.Fatal("Script returned the gate's own entry, not a copy")
	}
	must(g.SetScript(nil))
	if kind, latency := g.Enter("rate"); kind != "" || latency != 0 || g.Script() != nil {
		t.Fatalf("without a script: %q %s", kind, latency)
	}
}

func TestHoldEndsWithTheTimeTheClientOrTheServer(t *testing.T) {
	if !Hold(context.Background(), nil, time.Millisecond) {
		t.Fatal("a short wait did not pass")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Hold(ctx, nil, time.Hour) {
		t.Fatal("a canceled client did not end the wait")
	}
	closed := make(chan struct{})
	close(closed)
	if Hold(context.Background(), closed, -1) {
		t.Fatal("a closed server did not end a hang")
	}
}

func TestGateTakesAProvidersOwnFaultKinds(t *testing.T) {
	g := NewGate("shippo", "", "buy")
	if err := g.Inject(Fault{Kind: "label_error", Op: "buy"}); err == nil {
		t.Fatal("a kind the provider did not allow was accepted")
	}
	g.Allow("label_error")
	if err := g.Inject(Fault{Kind: "label_error", Op: "buy"}); err != nil {
		t.Fatal(err)
	}
	if kind, _ := g.Enter("rate"); kind != "" {
		t.Fatalf("a purchase's fault answered a rating: %q", kind)
	}
	if kind, _ := g.Enter("buy"); kind != "label_error" {
		t.Fatalf("purchase got %q, want label_error", kind)
	}
}
