package flows

import (
	"errors"
	"io"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Defaults of the Latency and Burst scenarios.
const (
	DefaultOrders          = 200
	DefaultOrderGap        = time.Second
	DefaultStock           = 50
	DefaultOrdersPerMinute = 60
	DefaultMinutes         = 5
	// DefaultSimMinute compresses one simulated minute of the burst into
	// four real seconds (15×).
	DefaultSimMinute  = 4 * time.Second
	DefaultBatchEvery = 15 * time.Minute
)

// Config configures the Latency and Burst scenarios.
type Config struct {
	// DatabaseURL is the schema owner's DATABASE_URL. The scenario creates,
	// migrates and drops a scratch database with it; real tenant data is
	// never touched.
	DatabaseURL string
	// AppURL, when set, is an already migrated database reached as the
	// runtime role, used instead of a scratch one (tests pass their own).
	AppURL string
	// RedisURL is REDIS_URL. Every queue and channel name the scenario uses
	// is unique to the run, so it never takes or leaves anyone else's work.
	RedisURL string
	// KeyPrefix starts those names ("flows:" when empty).
	KeyPrefix string
	// SecretKey is the 32-byte master key sealing channel credentials; a
	// random one when empty, as the scratch data is thrown away.
	SecretKey []byte
	// Keep leaves the scratch database in place for inspection.
	Keep bool
	// Seed seeds the buyers' random choices.
	Seed uint64
	// Progress receives a line per step; nil discards them.
	Progress io.Writer

	// Orders is how many orders Latency measures, one after another.
	Orders int
	// OrderGap is the longest random wait between one order showing
	// everywhere and the next order.
	OrderGap time.Duration

	// Stock is the units of the burst's SKU.
	Stock int
	// OrdersPerMinute is the buyers' rate in simulated minutes.
	OrdersPerMinute int
	// Minutes is how many simulated minutes the buyers keep coming.
	Minutes int
	// SimMinute is the real duration of one simulated minute of the burst.
	SimMinute time.Duration
	// BatchEvery is the baseline's sync interval, in simulated time.
	BatchEvery time.Duration

	// Pace is the least time between two push rounds to one account, in
	// real time for Latency and simulated time for Burst; zero keeps the
	// production default (500 ms).
	Pace time.Duration
	// TaskCheckInterval is how long an idle worker waits before looking for
	// new tasks; zero keeps production's (tasks.TaskCheckInterval).
	TaskCheckInterval time.Duration
}

// productionPace is the Pusher's default pace (channel.WithPace).
const productionPace = 500 * time.Millisecond

func (c Config) withDefaults() (Config, error) {
	if c.DatabaseURL == "" && c.AppURL == "" {
		return c, errors.New("flows: DATABASE_URL (the schema owner, allowed to create databases) is required")
	}
	if c.RedisURL == "" {
		return c, errors.New("flows: REDIS_URL is required: pushes and webhook intake run through the job queue")
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = "flows:"
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.Orders, DefaultOrders)
	def(&c.Stock, DefaultStock)
	def(&c.OrdersPerMinute, DefaultOrdersPerMinute)
	def(&c.Minutes, DefaultMinutes)
	if c.OrderGap <= 0 {
		c.OrderGap = DefaultOrderGap
	}
	if c.SimMinute <= 0 {
		c.SimMinute = DefaultSimMinute
	}
	if c.BatchEvery <= 0 {
		c.BatchEvery = DefaultBatchEvery
	}
	if c.Pace <= 0 {
		c.Pace = productionPace
	}
	return c, nil
}

// Defaults of the RateShop scenario.
const (
	DefaultDecisions   = 200
	DefaultBudget      = 2 * time.Second
	DefaultPerProvider = 1500 * time.Millisecond
	DefaultConcurrency = 8
	DefaultHanging     = carrier.USPSDirect
)

// DefaultLatencies are the providers' scripted answer times: 80 to 250 ms.
func DefaultLatencies() map[string]time.Duration {
	return map[string]time.Duration{
		carrier.UPSDirect:   120 * time.Millisecond,
		carrier.USPSDirect:  80 * time.Millisecond,
		carrier.FedExDirect: 250 * time.Millisecond,
		carrier.EasyPost:    180 * time.Millisecond,
		carrier.Shippo:      150 * time.Millisecond,
	}
}

// RateShopConfig configures the RateShop scenario. It needs no database.
type RateShopConfig struct {
	// Decisions is how many decisions each phase measures.
	Decisions int
	// Budget bounds a whole decision; PerProvider bounds each provider's call.
	Budget, PerProvider time.Duration
	// Latencies are the providers' scripted answer times by provider key;
	// DefaultLatencies fills the ones left out.
	Latencies map[string]time.Duration
	// Hanging is the provider that accepts and never answers in the second
	// phase.
	Hanging string
	// Concurrency is how many decisions run at once, as several packing
	// stations rating at the same time.
	Concurrency int
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

func (c RateShopConfig) withDefaults() (RateShopConfig, error) {
	if c.Decisions <= 0 {
		c.Decisions = DefaultDecisions
	}
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.PerProvider <= 0 {
		c.PerProvider = DefaultPerProvider
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Hanging == "" {
		c.Hanging = DefaultHanging
	}
	lat := DefaultLatencies()
	if _, ok := lat[c.Hanging]; !ok {
		return c, errors.New("flows: the hanging provider must be ups_direct, usps_direct, fedex_direct, easypost or shippo")
	}
	for k, v := range c.Latencies {
		if _, ok := lat[k]; !ok {
			return c, errors.New("flows: latencies name an unknown provider " + k)
		}
		lat[k] = v
	}
	c.Latencies = lat
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}
