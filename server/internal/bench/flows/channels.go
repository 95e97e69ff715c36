package flows

import (
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
	simwalmart "github.com/manifold-oms/manifold/server/sim/walmart"
	simwoocommerce "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

// productionChannels are the four connectors with their production
// defaults and simulators as `manifold sim` runs them.
func productionChannels() (channel.Registry, []sim.Marketplace) {
	reg := channel.Registry{
		"amazon":         amazon.New(),
		ebay.Kind:        ebay.New(),
		walmart.Kind:     walmart.New(),
		woocommerce.Kind: woocommerce.New(),
	}
	return reg, []sim.Marketplace{
		simamazon.New(simamazon.Options{}),
		simwalmart.New(simwalmart.Options{}),
		simwoocommerce.New(simwoocommerce.Options{}),
		simebay.New(simebay.Options{}),
	}
}

// compressedChannels are the four connectors and simulators with time
// running factor times faster: every poll interval is divided by factor,
// and Amazon — the one channel whose API rules are about time (orders are
// listed only two minutes after they change, getOrders refills once a
// minute) — runs on the compressed clock on both sides.
func compressedChannels(clock *simClock) (channel.Registry, []sim.Marketplace) {
	f := clock.factor
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / f) }
	reg := channel.Registry{
		"amazon": amazon.New(amazon.WithClock(clock.Now),
			amazon.WithPollInterval(scale(amazon.New().PollInterval()))),
		ebay.Kind:        ebay.New(ebay.WithPollInterval(scale(ebay.New().PollInterval()))),
		walmart.Kind:     walmart.New(walmart.WithPollInterval(scale(walmart.New().PollInterval()))),
		woocommerce.Kind: woocommerce.New(woocommerce.WithPollInterval(scale(woocommerce.New().PollInterval()))),
	}
	return reg, []sim.Marketplace{
		simamazon.New(simamazon.Options{Clock: clock.Now}),
		simwalmart.New(simwalmart.Options{}),
		simwoocommerce.New(simwoocommerce.Options{}),
		simebay.New(simebay.Options{}),
	}
}

// simClock is simulated time running factor times faster than real time.
// It starts well behind the real clock so that it never runs ahead of it
// during a run: nothing a channel dates may lie in Manifold's future.
type simClock struct {
	factor float64
	origin time.Time
	start  time.Time
}

func newSimClock(factor float64) *simClock {
	now := time.Now()
	return &simClock{factor: factor, origin: now, start: now.Add(-6 * time.Hour)}
}

// Now is the simulated time.
func (c *simClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.factor))
}
