package flows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/fedex"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/shippo"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/ups"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/usps"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	simeasypost "github.com/manifold-oms/manifold/server/sim/easypost"
	simfedex "github.com/manifold-oms/manifold/server/sim/fedex"
	simshippo "github.com/manifold-oms/manifold/server/sim/shippo"
	simups "github.com/manifold-oms/manifold/server/sim/ups"
	simusps "github.com/manifold-oms/manifold/server/sim/usps"
)

// hangSlack is how far past the budget a decision with a hanging provider
// may end; fanOutSlack is how much longer than its slowest provider's answer
// a healthy decision may take.
const (
	hangSlack   = 100 * time.Millisecond
	fanOutSlack = 20 * time.Millisecond
)

// RateShop measures rate-shopping decisions: the five carrier simulators on
// loopback, scripted to answer after cfg.Latencies, reached through the real
// adapters, asked at once by rateshop.Shop within cfg.PerProvider each and
// cfg.Budget in all, and decided by rateshop.Decide. A first phase has every
// provider healthy; a second has cfg.Hanging accept and never answer. One
// decision of each phase warms the adapters' token caches and is not counted.
func RateShop(ctx context.Context, out io.Writer, cfg RateShopConfig) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	healthy, err := ratePhase(ctx, cfg, "")
	if err != nil {
		return err
	}
	hanging, err := ratePhase(ctx, cfg, cfg.Hanging)
	if err != nil {
		return err
	}

	slowest, sum := time.Duration(0), time.Duration(0)
	slowestName := ""
	keys := providerKeys()
	for _, k := range keys {
		d := cfg.Latencies[k]
		sum += d
		if d > slowest {
			slowest, slowestName = d, k
		}
	}
	fmt.Fprintf(out, "\nrateshop — one decision over the five carrier providers (simulators on loopback through the real adapters)\n")
	fmt.Fprintf(out, "  %d decisions per phase, %d at once; budget %s, per provider %s; scripted latencies:", cfg.Decisions, cfg.Concurrency, cfg.Budget, cfg.PerProvider)
	for _, k := range keys {
		fmt.Fprintf(out, " %s %s", k, cfg.Latencies[k])
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "  %-28s %9s %9s %9s %22s %22s  %s\n", "", "p50 ms", "p99 ms", "max ms", "slowest answer p50 ms", "slowest answer p99 ms", "decided")
	for _, p := range []ratePhaseResult{healthy, hanging} {
		fmt.Fprintf(out, "  %-28s %9s %9s %9s %22s %22s  %s\n", p.name, ms(p.decisions.quantile(0.5)), ms(p.decisions.quantile(0.99)),
			ms(p.decisions.max()), ms(p.slowest.quantile(0.5)), ms(p.slowest.quantile(0.99)), p.outcome())
	}
	// The slowest provider's latency as Shop sees it includes its HTTP round
	// trip; the decision should add next to nothing to it.
	hp99, sp99 := healthy.decisions.quantile(0.99), healthy.slowest.quantile(0.99)
	fmt.Fprintf(out, "  target, all healthy: p99 ≈ the slowest provider's answer, not the sum of all (scripted: slowest %s %s, sum %s) — %s (p99 %s ms; slowest answer p99 %s ms)\n",
		slowestName, slowest, sum, verdict(hp99 <= sp99+fanOutSlack && hp99 < sum), ms(hp99), ms(sp99))
	gp99 := hanging.decisions.quantile(0.99)
	fmt.Fprintf(out, "  target, %s hanging: p99 ≤ budget + %s (%s) — %s (p99 %s ms)\n",
		cfg.Hanging, hangSlack, cfg.Budget+hangSlack, verdict(gp99 <= cfg.Budget+hangSlack), ms(gp99))
	return nil
}

// ratePhaseResult is one phase's measurements.
type ratePhaseResult struct {
	name string
	// decisions are the decision times (Shop and Decide).
	decisions sample
	// slowest is, per decision, the longest call of a provider that answered.
	slowest sample
	// winners counts the winning provider/service; review counts decisions
	// that need a person.
	winners map[string]int
	review  int
	// timedOut counts provider calls recorded as timed out.
	timedOut int
}

func (r ratePhaseResult) outcome() string {
	best, n := "", 0
	for k, v := range r.winners {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	s := fmt.Sprintf("%s ×%d", best, n)
	if r.review > 0 {
		s += fmt.Sprintf(", needs review ×%d", r.review)
	}
	if r.timedOut > 0 {
		s += fmt.Sprintf(", provider calls timed out ×%d", r.timedOut)
	}
	return s
}

func providerKeys() []string {
	keys := []string{carrier.UPSDirect, carrier.USPSDirect, carrier.FedExDirect, carrier.EasyPost, carrier.Shippo}
	sort.Strings(keys)
	return keys
}

// carrierSim is a simulated shipping provider.
type carrierSim interface {
	http.Handler
	Credentials() map[string]string
}

// script fixes each provider's latency and quotes; hang names the one that
// never answers, if any.
func script(cfg RateShopConfig, hang string) carrierscript.Script {
	days := func(n int) *int { return &n }
	q := func(c, svc, amount string, d int, guaranteed bool) carrierscript.Quote {
		return carrierscript.Quote{Carrier: c, Service: svc, Amount: amount, Currency: "USD", BusinessDays: days(d), Guaranteed: guaranteed}
	}
	s := carrierscript.Script{
		carrier.UPSDirect:   {Quotes: []carrierscript.Quote{q("ups", "03", "8.50", 3, false), q("ups", "02", "14.10", 2, true)}},
		carrier.USPSDirect:  {Quotes: []carrierscript.Quote{q("usps", "PRIORITY_MAIL", "8.70", 2, false), q("usps", "USPS_GROUND_ADVANTAGE", "6.20", 5, false)}},
		carrier.FedExDirect: {Quotes: []carrierscript.Quote{q("fedex", "FEDEX_2_DAY", "9.10", 2, true), q("fedex", "FEDEX_GROUND", "7.80", 4, false)}},
		carrier.EasyPost:    {Quotes: []carrierscript.Quote{q("usps", "Priority", "8.40", 2, false), q("ups", "Ground", "8.90", 4, false)}},
		carrier.Shippo:      {Quotes: []carrierscript.Quote{q("usps", "usps_priority", "8.45", 2, false)}},
	}
	for k, p := range s {
		p.LatencyMS = int(cfg.Latencies[k] / time.Millisecond)
		p.Failure = carrierscript.FailNone
		if k == hang {
			p.Failure = carrierscript.FailHang
		}
		s[k] = p
	}
	return s
}

// ratePhase serves the five simulators with the phase's script and runs
// the decisions.
func ratePhase(ctx context.Context, cfg RateShopConfig, hang string) (ratePhaseResult, error) {
	res := ratePhaseResult{name: "all healthy", winners: map[string]int{}}
	if hang != "" {
		res.name = hang + " hanging"
	}
	sc := script(cfg, hang)
	entry := func(k string) *carrierscript.Provider { p := sc[k]; return &p }
	upsSim := simups.New(simups.Options{Script: entry(carrier.UPSDirect)})
	fedexSim := simfedex.New(simfedex.Options{Script: entry(carrier.FedExDirect)})
	sims := map[string]carrierSim{
		carrier.UPSDirect:   upsSim,
		carrier.USPSDirect:  simusps.New(simusps.Options{Script: entry(carrier.USPSDirect)}),
		carrier.FedExDirect: fedexSim,
		carrier.EasyPost:    simeasypost.New(simeasypost.Options{Script: entry(carrier.EasyPost)}),
		carrier.Shippo:      simshippo.New(simshippo.Options{Script: entry(carrier.Shippo)}),
	}
	adapters := shipping.Adapters{
		carrier.UPSDirect:   ups.New(),
		carrier.FedExDirect: fedex.New(),
		carrier.USPSDirect:  usps.New(),
		carrier.EasyPost:    easypost.New(),
		carrier.Shippo:      shippo.New(),
	}
	// As main builds the shipping service's client; a transport of its own
	// so closing it leaves the process's shared one alone.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	client := &http.Client{Timeout: 60 * time.Second, Transport: transport}
	defer transport.CloseIdleConnections()
	tokens := channel.NewMemoryTokens()

	var servers []*http.Server
	defer func() {
		upsSim.Close()
		fedexSim.Close()
		for _, srv := range servers {
			_ = srv.Close()
		}
	}()
	var providers []rateshop.Provider
	var preference []string
	for _, k := range providerKeys() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return res, fmt.Errorf("flows: %s simulator: %w", k, err)
		}
		srv := &http.Server{Handler: sims[k], ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
		conn := carrier.Conn{AccountID: "flows-" + k, BaseURL: "http://" + ln.Addr().String(), Credentials: sims[k].Credentials(),
			HTTP: client, Tokens: tokens}
		providers = append(providers, carrier.AsProvider(adapters[k], conn))
		preference = append(preference, k)
	}

	from := rateshop.Address{Name: "Acme Cleaning Supply", Street1: "1200 Commerce St", City: "Dallas", State: "TX", PostalCode: "75202", Country: "US"}
	to := rateshop.Address{Name: "Grace Kim", Street1: "100 Federal St", City: "Boston", State: "MA", PostalCode: "02110", Country: "US", Residential: true}
	cal := rateshop.NewCalendar()
	decide := func() (time.Duration, time.Duration, rateshop.Decision) {
		now := time.Now()
		ship := cal.TenderDate(rateshop.DateOf(now), now, nil)
		req := rateshop.RateRequest{From: from, To: to, WeightOz: 18, LengthIn: 7, WidthIn: 3, HeightIn: 3, ShipDate: ship}
		start := time.Now()
		quotes, outcomes := rateshop.Shop(ctx, providers, req, cfg.Budget, cfg.PerProvider)
		d := rateshop.Decide(rateshop.Input{Quotes: quotes, Outcomes: outcomes, Currency: "USD",
			Promise:  rateshop.Promise{Level: "standard", MaxBusinessDays: 5},
			ShipDate: ship, Now: now, Calendar: cal, ProviderPreference: preference})
		took := time.Since(start)
		var slowest time.Duration
		for _, o := range outcomes {
			if !o.Failed() {
				slowest = max(slowest, o.Took)
			}
		}
		return took, slowest, d
	}
	_, _, warm := decide()
	if hang == "" && len(warm.ProviderErrors) > 0 {
		return res, fmt.Errorf("flows: a healthy provider failed: %s: %s", warm.ProviderErrors[0].Provider, warm.ProviderErrors[0].Err)
	}
	if hang != "" && (len(warm.ProviderErrors) != 1 || warm.ProviderErrors[0].Provider != hang) {
		return res, fmt.Errorf("flows: with %s hanging, the providers failing were %v", hang, warm.ProviderErrors)
	}

	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= cfg.Decisions || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				took, slowest, d := decide()
				mu.Lock()
				res.decisions = append(res.decisions, took)
				res.slowest = append(res.slowest, slowest)
				if d.Winner != nil {
					res.winners[d.Winner.Quote.Provider+"/"+d.Winner.Quote.Service]++
				} else {
					res.review++
				}
				for _, o := range d.ProviderErrors {
					if o.TimedOut {
						res.timedOut++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(res.decisions) == 0 {
		return res, errors.New("flows: no decision was made")
	}
	return res, nil
}
