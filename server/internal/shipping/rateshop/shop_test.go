package rateshop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type fakeProvider struct {
	name  string
	rates func(ctx context.Context, req RateRequest) ([]Quote, error)
}

func (f fakeProvider) Name() string { return f.name }

func (f fakeProvider) Rates(ctx context.Context, req RateRequest) ([]Quote, error) {
	return f.rates(ctx, req)
}

func answering(name string, qs ...Quote) fakeProvider {
	return fakeProvider{name: name, rates: func(context.Context, RateRequest) ([]Quote, error) { return qs, nil }}
}

// hanging ignores its context and answers only when release is closed.
func hanging(name string, release <-chan struct{}) fakeProvider {
	return fakeProvider{name: name, rates: func(context.Context, RateRequest) ([]Quote, error) {
		<-release
		return []Quote{quote("late", name, "X", "late", "1.00")}, nil
	}}
}

func releaseAtEnd(t testing.TB) chan struct{} {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return release
}

func testRequest(t testing.TB) RateRequest {
	return RateRequest{
		From:     Address{PostalCode: "60607", Country: "US"},
		To:       Address{PostalCode: "94107", Country: "US", Residential: true},
		WeightOz: 34, LengthIn: 12, WidthIn: 10, HeightIn: 6,
		ShipDate: NewDate(2026, 3, 2),
	}
}

func TestShopCollectsQuotesAndRecordsFailures(t *testing.T) {
	providers := []Provider{
		answering(ProviderUPS, quote("u1", "", "UPS", "03", "7.90"), quote("u2", "spoofed", "UPS", "02", "12.00")),
		fakeProvider{name: ProviderFedEx, rates: func(context.Context, RateRequest) ([]Quote, error) {
			return nil, errors.New(`fedex: 401 {"code":"NOT.AUTHORIZED.ERROR"}`)
		}},
		fakeProvider{name: ProviderEasyPost, rates: func(context.Context, RateRequest) ([]Quote, error) {
			return []Quote{quote("e1", ProviderEasyPost, "USPS", "Priority", "8.40")}, errors.New("easypost: UPS: carrier_timeout")
		}},
		fakeProvider{name: ProviderShippo, rates: func(context.Context, RateRequest) ([]Quote, error) { panic("boom") }},
	}
	qs, outs := Shop(context.Background(), providers, testRequest(t), 5*time.Second, 2*time.Second)

	var ids []string
	for _, q := range qs {
		ids = append(ids, q.RateID+"@"+q.Provider)
	}
	if got := strings.Join(ids, " "); got != "u1@ups_direct u2@ups_direct e1@easypost" {
		t.Fatalf("quotes %s", got)
	}
	want := []ProviderOutcome{
		{Provider: ProviderUPS, Quotes: 2},
		{Provider: ProviderFedEx, Err: `fedex: 401 {"code":"NOT.AUTHORIZED.ERROR"}`},
		{Provider: ProviderEasyPost, Quotes: 1, Err: "easypost: UPS: carrier_timeout"},
		{Provider: ProviderShippo, Err: "rateshop: provider panicked: boom"},
	}
	for i, w := range want {
		o := outs[i]
		o.Took = 0
		if o != w {
			t.Errorf("outcome %d = %+v, want %+v", i, o, w)
		}
	}

	dec := Decide(Input{Quotes: qs, Outcomes: outs, Currency: "USD", Promise: twoDay, ShipDate: NewDate(2026, 3, 2),
		ServiceTable: ServiceTable{{ProviderEasyPost, "Priority"}: 2}})
	if dec.Winner == nil || dec.Winner.Quote.RateID != "e1" || len(dec.ProviderErrors) != 3 {
		t.Fatalf("decision from the rest: winner %+v, errors %+v", dec.Winner, dec.ProviderErrors)
	}
}

// TestShopCallsProvidersConcurrently proves concurrency without timing: every
// provider waits until all of them are inside Rates at the same time, which
// a sequential caller could never arrange.
func TestShopCallsProvidersConcurrently(t *testing.T) {
	const n = 5
	var inside atomic.Int32
	all := make(chan struct{})
	req := testRequest(t)
	providers := make([]Provider, n)
	for i := range providers {
		name := string(rune('a' + i))
		providers[i] = fakeProvider{name: name, rates: func(ctx context.Context, got RateRequest) ([]Quote, error) {
			if got != req {
				return nil, errors.New("request changed on the way")
			}
			if inside.Add(1) == n {
				close(all)
			}
			select {
			case <-all:
				return []Quote{quote(name, "", "C", "S", "1.00")}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}}
	}
	qs, outs := Shop(context.Background(), providers, req, 30*time.Second, 30*time.Second)
	for _, o := range outs {
		if o.Failed() {
			t.Fatalf("provider %s: %s (calls were not concurrent)", o.Provider, o.Err)
		}
	}
	if len(qs) != n {
		t.Fatalf("%d quotes", len(qs))
	}
}

func TestShopReturnsAtBudgetWhenProviderIgnoresContext(t *testing.T) {
	release := releaseAtEnd(t)
	providers := []Provider{
		answering(ProviderUPS, quote("u1", "", "UPS", "03", "7.90")),
		hanging(ProviderFedEx, release),
	}
	const budget = 150 * time.Millisecond
	start := time.Now()
	qs, outs := Shop(context.Background(), providers, testRequest(t), budget, 10*time.Second)
	elapsed := time.Since(start)

	// Generous slack: only a grossly late return (waiting for the provider) fails.
	if elapsed > budget+2*time.Second {
		t.Fatalf("Shop took %s with a %s budget", elapsed, budget)
	}
	if len(qs) != 1 || qs[0].RateID != "u1" {
		t.Fatalf("quotes %+v", qs)
	}
	if outs[0].Failed() {
		t.Fatalf("healthy provider failed: %+v", outs[0])
	}
	if o := outs[1]; !o.TimedOut || !strings.HasPrefix(o.Err, "no answer within") || o.Took < budget {
		t.Fatalf("hanging provider outcome %+v", o)
	}
}

func TestShopPerProviderTimeoutInsideBudget(t *testing.T) {
	release := releaseAtEnd(t)
	const per = 50 * time.Millisecond
	providers := []Provider{
		hanging("ignores-ctx", release),
		fakeProvider{name: "honours-ctx", rates: func(ctx context.Context, _ RateRequest) ([]Quote, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}},
		answering("quick", quote("q", "", "C", "S", "1.00")),
	}
	start := time.Now()
	_, outs := Shop(context.Background(), providers, testRequest(t), time.Minute, per)
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Fatalf("Shop waited for the budget (%s) instead of the per-provider timeout", elapsed)
	}
	if o := outs[0]; !o.TimedOut || o.Took < per {
		t.Errorf("ignoring provider %+v", o)
	}
	// Its own error and Shop's deadline race; either way it timed out.
	if o := outs[1]; !o.TimedOut || (o.Err != context.DeadlineExceeded.Error() && !strings.HasPrefix(o.Err, "no answer within")) {
		t.Errorf("honouring provider %+v", o)
	}
	if outs[2].Failed() {
		t.Errorf("quick provider %+v", outs[2])
	}
}

func TestShopKeepsProviderTimeoutErrorVerbatim(t *testing.T) {
	providers := []Provider{fakeProvider{name: ProviderUPS, rates: func(context.Context, RateRequest) ([]Quote, error) {
		return nil, fmt.Errorf("ups: rating: %w", context.DeadlineExceeded)
	}}}
	_, outs := Shop(context.Background(), providers, testRequest(t), time.Minute, time.Minute)
	if o := outs[0]; !o.TimedOut || o.Err != "ups: rating: context deadline exceeded" {
		t.Fatalf("outcome %+v", o)
	}
}

func TestShopGivesEachCallTheSmallerOfTimeoutAndBudget(t *testing.T) {
	deadlines := make(chan time.Duration, 2)
	probe := func(name string) Provider {
		return fakeProvider{name: name, rates: func(ctx context.Context, _ RateRequest) ([]Quote, error) {
			dl, ok := ctx.Deadline()
			if !ok {
				return nil, errors.New("no deadline")
			}
			deadlines <- time.Until(dl)
			return nil, nil
		}}
	}
	Shop(context.Background(), []Provider{probe("a")}, testRequest(t), time.Hour, time.Minute)
	Shop(context.Background(), []Provider{probe("b")}, testRequest(t), time.Minute, time.Hour)
	for _, name := range []string{"per-provider", "budget"} {
		if left := <-deadlines; left > time.Minute || left < 30*time.Second {
			t.Errorf("%s bound: call had %s left, want just under a minute", name, left)
		}
	}
}

func TestShopCanceledByCaller(t *testing.T) {
	release := releaseAtEnd(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	providers := []Provider{
		fakeProvider{name: "a", rates: func(context.Context, RateRequest) ([]Quote, error) {
			close(started)
			<-release
			return nil, nil
		}},
	}
	go func() { <-started; cancel() }()
	_, outs := Shop(ctx, providers, testRequest(t), time.Minute, time.Minute)
	if o := outs[0]; o.TimedOut || !strings.HasPrefix(o.Err, "canceled after") {
		t.Fatalf("outcome %+v", o)
	}
}

func TestShopWithoutProviders(t *testing.T) {
	qs, outs := Shop(context.Background(), nil, testRequest(t), time.Second, time.Second)
	if len(qs) != 0 || len(outs) != 0 {
		t.Fatalf("%v %v", qs, outs)
	}
	dec := Decide(Input{Currency: "USD", Promise: twoDay, ShipDate: NewDate(2026, 3, 2), Quotes: qs, Outcomes: outs})
	if !dec.NeedsReview || !strings.Contains(dec.ReviewReason, "no quotes received") {
		t.Fatalf("decision %+v", dec)
	}
}
