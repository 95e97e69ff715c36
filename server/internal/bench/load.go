package bench

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// op is one unit of work of a closed-loop run: worker w's n-th call.
type op func(ctx context.Context, w, n int, rng *rand.Rand) error

// load is what a timed closed-loop run did.
type load struct {
	workers  int
	ok       int
	failed   int
	firstErr error
	elapsed  time.Duration
	// lat holds the duration of every successful call.
	lat latencies
	// cpu is this process's CPU time (user + system) during the run.
	cpu time.Duration
}

// rate is successful calls per second.
func (l load) rate() float64 {
	if l.elapsed <= 0 {
		return 0
	}
	return float64(l.ok) / l.elapsed.Seconds()
}

// cores is the share of the machine's CPUs this process used, in cores.
func (l load) cores() float64 {
	if l.elapsed <= 0 {
		return 0
	}
	return l.cpu.Seconds() / l.elapsed.Seconds()
}

// drive runs fn in a closed loop on workers goroutines until d has passed or
// ctx ends, timing every call. Calls in flight at the deadline finish and
// count; elapsed runs until the last of them returns.
func drive(ctx context.Context, workers int, d time.Duration, seed uint64, fn op) load {
	type part struct {
		ok, failed int
		err        error
		lat        latencies
	}
	parts := make([]part, workers)
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			p := &parts[w]
			for n := 0; ctx.Err() == nil && time.Now().Before(deadline); n++ {
				t0 := time.Now()
				if err := fn(ctx, w, n, rng); err != nil {
					p.failed++
					if p.err == nil {
						p.err = err
					}
					continue
				}
				p.ok++
				p.lat = append(p.lat, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	out := load{workers: workers, elapsed: time.Since(start), cpu: processCPU() - cpu0}
	for _, p := range parts {
		out.ok += p.ok
		out.failed += p.failed
		if out.firstErr == nil {
			out.firstErr = p.err
		}
		out.lat = append(out.lat, p.lat...)
	}
	slices.Sort(out.lat)
	return out
}

// warmUp runs fn briefly so connections are open and caches warm before a
// measured run.
func warmUp(ctx context.Context, workers int, d time.Duration, fn op) {
	drive(ctx, workers, min(time.Second, max(d/10, 200*time.Millisecond)), 1, fn)
}

// latencies are call durations, sorted ascending.
type latencies []time.Duration

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100).
func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(l))))
	return l[min(max(rank, 1), len(l))-1]
}

func (l latencies) max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}

// pace calls fn at a fixed rate for d, open loop: each call starts on its own
// goroutine when it is due, whether or not earlier calls have returned, and
// is timed from when it was due. A system that falls behind therefore shows
// it in the latencies instead of quietly slowing the arrivals, as a closed
// loop would. workers in the result is the most calls that were in flight
// at once.
func pace(ctx context.Context, rate float64, d time.Duration, seed uint64, fn op) load {
	interval := time.Duration(float64(time.Second) / rate)
	calls := int(d.Seconds() * rate)
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		out      load
		inFlight int
	)
	cpu0 := processCPU()
	start := time.Now()
	for i := 0; i < calls && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		mu.Lock()
		inFlight++
		out.workers = max(out.workers, inFlight)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			err := fn(ctx, 0, i, rng)
			took := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			inFlight--
			if err != nil {
				out.failed++
				if out.firstErr == nil {
					out.firstErr = err
				}
				return
			}
			out.ok++
			out.lat = append(out.lat, took)
		}()
	}
	wg.Wait()
	out.elapsed, out.cpu = time.Since(start), processCPU()-cpu0
	slices.Sort(out.lat)
	return out
}
