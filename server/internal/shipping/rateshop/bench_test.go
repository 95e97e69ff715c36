package rateshop

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// sleepy answers after a fixed latency, or gives up when its context ends.
func sleepy(name string, latency time.Duration, qs ...Quote) fakeProvider {
	return fakeProvider{name: name, rates: func(ctx context.Context, _ RateRequest) ([]Quote, error) {
		select {
		case <-time.After(latency):
			return qs, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
}

// BenchmarkShop measures one full rate shop, five providers with one that
// hangs ignoring its context, and reports the fan-out wall time and the pure
// decision time separately.
func BenchmarkShop(b *testing.B) {
	release := make(chan struct{})
	defer close(release)
	const budget, per = 60 * time.Millisecond, 25 * time.Millisecond
	providers := []Provider{
		sleepy(ProviderUPS, 3*time.Millisecond,
			quote("u03", "", "UPS", "03", "7.90").inDays(3), quote("u02", "", "UPS", "02", "14.20").inDays(2).guaranteed(),
			quote("u01", "", "UPS", "01", "31.05").inDays(1).guaranteed()),
		sleepy(ProviderFedEx, 5*time.Millisecond,
			quote("f2", "", "FedEx", "FEDEX_2_DAY", "9.10").on("2026-03-04").guaranteed(), quote("fg", "", "FedEx", "FEDEX_GROUND", "7.70")),
		sleepy(ProviderEasyPost, 8*time.Millisecond,
			quote("ep", "", "USPS", "Priority", "8.40").inDays(2), quote("eg", "", "USPS", "GroundAdvantage", "6.10").inDays(5)),
		sleepy(ProviderShippo, 2*time.Millisecond, quote("sp", "", "USPS", "usps_priority", "8.45").inDays(2)),
		hanging(ProviderUSPS, release),
	}
	in := Input{
		Currency: "USD", Promise: twoDay, ShipDate: NewDate(2026, 3, 2),
		Calendar:           NewCalendar(),
		ServiceTable:       ServiceTable{{ProviderFedEx, "FEDEX_GROUND"}: 3},
		ProviderPreference: []string{ProviderEasyPost, ProviderUPS},
		Baselines:          map[string]ServiceKey{"2day": {ProviderUPS, "02"}},
	}
	req := testRequest(b)
	var shopTime, decideTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		qs, outs := Shop(context.Background(), providers, req, budget, per)
		t1 := time.Now()
		in.Quotes, in.Outcomes = qs, outs
		dec := Decide(in)
		decideTime += time.Since(t1)
		shopTime += t1.Sub(t0)
		if dec.Winner == nil || dec.Winner.Quote.RateID != "ep" || len(dec.ProviderErrors) != 1 {
			b.Fatal(fmt.Sprintf("unexpected decision: %+v", dec))
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(shopTime.Microseconds())/1000/n, "shop-ms/op")
	b.ReportMetric(float64(decideTime.Nanoseconds())/n, "decide-ns/op")
}

// BenchmarkDecide measures the pure decision over twenty quotes.
func BenchmarkDecide(b *testing.B) {
	var qs []Quote
	for i := range 20 {
		qs = append(qs, quote(fmt.Sprint(i), ProviderEasyPost, "USPS", fmt.Sprint("svc", i), fmt.Sprintf("%d.%02d", 5+i%7, i)).inDays(1+i%4))
	}
	in := Input{Currency: "USD", Promise: twoDay, ShipDate: NewDate(2026, 11, 25), Calendar: NewCalendar(), Quotes: qs,
		Baselines: map[string]ServiceKey{"2day": {ProviderEasyPost, "svc3"}}}
	for b.Loop() {
		if Decide(in).Winner == nil {
			b.Fatal("no winner")
		}
	}
}
