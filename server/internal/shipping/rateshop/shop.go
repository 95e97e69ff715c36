package rateshop

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Provider is one carrier account able to rate a parcel: a direct carrier
// API or an aggregator. Rates may return quotes together with an error to
// report a partial failure (an aggregator whose UPS leg timed out); Shop
// keeps both.
type Provider interface {
	Name() string
	Rates(ctx context.Context, req RateRequest) ([]Quote, error)
}

// Shop asks every provider for rates at once. Each call gets a context
// bounded by perProvider and by what is left of budget, whichever ends first
// (perProvider <= 0 means only the budget; budget <= 0 means only ctx).
// Shop returns once every provider has answered or run out of time; one out
// of time is recorded as timed out. It never waits for a provider that
// ignores its context: that call is abandoned at its deadline and its late
// answer discarded.
//
// Quotes come back in provider order, each stamped with the provider's name;
// there is one outcome per provider, in the same order.
func Shop(ctx context.Context, providers []Provider, req RateRequest, budget, perProvider time.Duration) ([]Quote, []ProviderOutcome) {
	outcomes := make([]ProviderOutcome, len(providers))
	if len(providers) == 0 {
		return nil, outcomes
	}
	start := time.Now()
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}

	// Buffered so that a call finishing after Shop returned never blocks.
	results := make(chan callResult, len(providers))
	for i, p := range providers {
		outcomes[i].Provider = p.Name()
		go callProvider(ctx, i, p, req, perProvider, results)
	}

	quotes := make([][]Quote, len(providers))
	answered := make([]bool, len(providers))
	record := func(r callResult) {
		answered[r.index] = true
		name := outcomes[r.index].Provider
		// A copy: the provider may keep its slice, Shop stamps its own.
		qs := append([]Quote(nil), r.quotes...)
		for j := range qs {
			qs[j].Provider = name
		}
		quotes[r.index] = qs
		outcomes[r.index] = ProviderOutcome{Provider: name, Quotes: len(r.quotes), Err: r.err, TimedOut: r.timedOut, Took: r.took}
	}
wait:
	for pending := len(providers); pending > 0; pending-- {
		select {
		case r := <-results:
			record(r)
		case <-ctx.Done():
			drain(results, record)
			took := time.Since(start)
			for i := range outcomes {
				if !answered[i] {
					outcomes[i].Err, outcomes[i].TimedOut = deadlineText(ctx.Err(), took)
					outcomes[i].Took = took
				}
			}
			break wait
		}
	}

	var all []Quote
	for _, qs := range quotes {
		all = append(all, qs...)
	}
	return all, outcomes
}

type callResult struct {
	index    int
	quotes   []Quote
	err      string
	timedOut bool
	took     time.Duration
}

type ratesAnswer struct {
	quotes []Quote
	err    error
}

// callProvider runs one Rates call and reports by the call's deadline at the
// latest, even if the provider never returns.
func callProvider(ctx context.Context, i int, p Provider, req RateRequest, timeout time.Duration, out chan<- callResult) {
	start := time.Now()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	answer := make(chan ratesAnswer, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				answer <- ratesAnswer{err: fmt.Errorf("rateshop: provider panicked: %v", v)}
			}
		}()
		qs, err := p.Rates(ctx, req)
		answer <- ratesAnswer{quotes: qs, err: err}
	}()

	r := callResult{index: i}
	select {
	case a := <-answer:
		r.setAnswer(a, ctx)
	case <-ctx.Done():
		// An answer that arrived together with the deadline still counts.
		select {
		case a := <-answer:
			r.setAnswer(a, ctx)
		default:
			r.err, r.timedOut = deadlineText(ctx.Err(), time.Since(start))
		}
	}
	r.took = time.Since(start)
	out <- r
}

func (r *callResult) setAnswer(a ratesAnswer, ctx context.Context) {
	r.quotes = a.quotes
	if a.err != nil {
		r.err = a.err.Error()
		r.timedOut = errors.Is(a.err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
	}
}

func drain(results <-chan callResult, record func(callResult)) {
	for {
		select {
		case r := <-results:
			record(r)
		default:
			return
		}
	}
}

func deadlineText(err error, after time.Duration) (string, bool) {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", after.Round(time.Millisecond)), true
	}
	return fmt.Sprintf("canceled after %s: %v", after.Round(time.Millisecond), err), false
}
