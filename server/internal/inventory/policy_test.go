package inventory

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/shared/api"
)

func TestChannelQuantities(t *testing.T) {
	amz, woo, ebay := uuid.New(), uuid.New(), uuid.New()
	chans := func(used ...int) []ChannelInput {
		ids := []uuid.UUID{amz, woo, ebay}
		out := make([]ChannelInput, len(used))
		for i, u := range used {
			out[i] = ChannelInput{AccountID: ids[i], Used: u}
		}
		return out
	}
	units := func(n int) *int { return &n }
	pct := func(f float64) *float64 { return &f }
	cases := []struct {
		name              string
		policy            api.AllocationPolicy
		onHand, allocated int
		channels          []ChannelInput
		want              []int // amz, woo, ebay
		reason            string
	}{
		{"shared pool, no safety", api.AllocationPolicy{Strategy: api.StrategySharedPool}, 12, 2, chans(0, 0, 0), []int{10, 10, 10}, "available 10 − safety 0 = 10"},
		{"shared pool, safety units", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 3}, 12, 2, chans(0, 0), []int{7, 7}, "safety 3"},
		{"shared pool, safety percent rounds up", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyPercent: 15}, 12, 2, chans(0), []int{8}, "safety 2"},
		{"shared pool, channel buffer", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 1,
			Channels: map[string]api.ChannelRule{woo.String(): {BufferUnits: 4}}}, 12, 2, chans(0, 0), []int{9, 5}, ""},
		{"shared pool never negative", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 5}, 4, 1, chans(0), []int{0}, "shown as 0"},
		{"shared pool, sold out", api.AllocationPolicy{Strategy: api.StrategySharedPool}, 10, 10, chans(0, 0), []int{0, 0}, ""},
		// amz is ring-fenced: it shows what is left of its share, and the
		// others see the available stock less that remainder.
		{"shared pool, ring-fenced channel", api.AllocationPolicy{Strategy: api.StrategySharedPool,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentPercent: pct(25)}}},
			50, 5, chans(3, 2, 0), []int{9, 36, 36}, "ring-fenced 25% of on hand 50 = 12 − used by open orders 3 = 9"},
		{"shared pool, ring-fence shown to others", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 2,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(10)}, ebay.String(): {BufferUnits: 1}}},
			50, 0, chans(0, 0, 0), []int{10, 38, 37}, "available 50 − safety 2 − ring-fenced for other channels 10 − channel buffer 1 = 37"},
		{"shared pool, ring-fence used up", api.AllocationPolicy{Strategy: api.StrategySharedPool,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(10)}}},
			50, 12, chans(12, 0), []int{0, 38}, "used by open orders 12 = 0"},
		{"shared pool, ring-fence capped by the stock left", api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 1,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(10)}}},
			8, 4, chans(0, 0), []int{3, 0}, "capped at the 3 units"},
		{"allotments in units", api.AllocationPolicy{Strategy: api.StrategyAllotments, ReserveUnits: 10,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(30)}, woo.String(): {AllotmentUnits: units(20)}}},
			100, 12, chans(12, 0, 0), []int{18, 20, 0}, ""},
		{"allotment used up shows 0 while stock remains", api.AllocationPolicy{Strategy: api.StrategyAllotments,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(5)}, woo.String(): {AllotmentUnits: units(50)}}},
			100, 5, chans(5, 0), []int{0, 50}, "allotment used up"},
		{"allotments as shares of the pool", api.AllocationPolicy{Strategy: api.StrategyAllotments, ReservePercent: 10,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentPercent: pct(50)}, woo.String(): {AllotmentPercent: pct(25)}, ebay.String(): {AllotmentPercent: pct(25)}}},
			100, 0, chans(0, 0, 0), []int{45, 22, 22}, "50% of (on hand 100 − reserve 10) = 45"},
		{"allotment capped by what is really available", api.AllocationPolicy{Strategy: api.StrategyAllotments, ReserveUnits: 2,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(40)}}},
			10, 5, chans(0), []int{3}, "capped at available 5 − reserve 2 = 3"},
		{"channel without allotment shows 0", api.AllocationPolicy{Strategy: api.StrategyAllotments,
			Channels: map[string]api.ChannelRule{amz.String(): {AllotmentUnits: units(5)}}},
			100, 0, chans(0, 0), []int{5, 0}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ChannelQuantities(c.policy, c.onHand, c.allocated, c.channels)
			var reasons []string
			for i, ch := range c.channels {
				if got[ch.AccountID].Quantity != c.want[i] {
					t.Errorf("channel %d shows %d, want %d (%s)", i, got[ch.AccountID].Quantity, c.want[i], got[ch.AccountID].Reason)
				}
				if got[ch.AccountID].Quantity < 0 || got[ch.AccountID].Quantity > max(c.onHand-c.allocated, 0) {
					t.Errorf("channel %d shows %d, outside 0..available", i, got[ch.AccountID].Quantity)
				}
				reasons = append(reasons, got[ch.AccountID].Reason)
			}
			if c.reason != "" && !strings.Contains(strings.Join(reasons, " | "), c.reason) {
				t.Errorf("reasons %q do not explain %q", reasons, c.reason)
			}
		})
	}
}

func TestValidatePolicy(t *testing.T) {
	acct := uuid.New().String()
	accounts := map[string]bool{acct: true}
	units := func(n int) *int { return &n }
	pct := func(f float64) *float64 { return &f }
	bad := map[string]api.AllocationPolicy{
		"no strategy":          {},
		"unknown strategy":     {Strategy: "fifo"},
		"negative safety":      {Strategy: api.StrategySharedPool, SafetyUnits: -1},
		"percent over 100":     {Strategy: api.StrategySharedPool, SafetyPercent: 120},
		"reserve on pool":      {Strategy: api.StrategySharedPool, ReserveUnits: 3},
		"unknown channel":      {Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{"nope": {BufferUnits: 1}}},
		"fence with a buffer":  {Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{acct: {AllotmentUnits: units(3), BufferUnits: 1}}},
		"fence of both kinds":  {Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{acct: {AllotmentUnits: units(3), AllotmentPercent: pct(5)}}},
		"negative fence":       {Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{acct: {AllotmentUnits: units(-1)}}},
		"fence over 100%":      {Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{acct: {AllotmentPercent: pct(150)}}},
		"both allotment kinds": {Strategy: api.StrategyAllotments, Channels: map[string]api.ChannelRule{acct: {AllotmentUnits: units(3), AllotmentPercent: pct(10)}}},
		"no allotment given":   {Strategy: api.StrategyAllotments, Channels: map[string]api.ChannelRule{acct: {}}},
		"shares over 100":      {Strategy: api.StrategyAllotments, Channels: map[string]api.ChannelRule{acct: {AllotmentPercent: pct(101)}}},
	}
	for name, p := range bad {
		if err := ValidatePolicy(p, accounts, "default"); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "default") {
			t.Errorf("%s: error %q does not say where", name, err)
		}
	}
	good := []api.AllocationPolicy{
		{Strategy: api.StrategySharedPool, SafetyPercent: 10, Channels: map[string]api.ChannelRule{acct: {BufferUnits: 2}}},
		{Strategy: api.StrategyAllotments, ReserveUnits: 5, Channels: map[string]api.ChannelRule{acct: {AllotmentPercent: pct(60)}}},
		{Strategy: api.StrategySharedPool, SafetyUnits: 1, Channels: map[string]api.ChannelRule{acct: {AllotmentPercent: pct(25)}}},
	}
	for i, p := range good {
		if err := ValidatePolicy(p, accounts, "default"); err != nil {
			t.Errorf("good policy %d refused: %v", i, err)
		}
	}
}

// Whatever the ring-fences, the fenced channels together plus any one other
// channel never show more than the available stock less safety: units a
// late-reporting fenced channel sells unseen were offered to no one else.
func TestRingFencesNeverOfferTheSameUnitsTwice(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 5000; i++ {
		onHand := rng.IntN(60)
		allocated := rng.IntN(onHand + 1)
		p := api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: rng.IntN(4), Channels: map[string]api.ChannelRule{}}
		var chans []ChannelInput
		fenced := map[uuid.UUID]bool{}
		for c := 0; c < 1+rng.IntN(5); c++ {
			id := uuid.New()
			chans = append(chans, ChannelInput{AccountID: id, Used: rng.IntN(allocated + 1)})
			switch rng.IntN(3) {
			case 0:
				n := rng.IntN(30)
				p.Channels[id.String()] = api.ChannelRule{AllotmentUnits: &n}
				fenced[id] = true
			case 1:
				f := float64(rng.IntN(40))
				p.Channels[id.String()] = api.ChannelRule{AllotmentPercent: &f}
				fenced[id] = true
			}
		}
		got := ChannelQuantities(p, onHand, allocated, chans)
		budget := max(onHand-allocated-p.SafetyUnits, 0)
		fencedSum, widest := 0, 0
		for _, c := range chans {
			q := got[c.AccountID].Quantity
			if q < 0 {
				t.Fatalf("negative quantity %d", q)
			}
			if fenced[c.AccountID] {
				fencedSum += q
			} else {
				widest = max(widest, q)
			}
		}
		if fencedSum+widest > budget {
			t.Fatalf("case %d: on hand %d, allocated %d, safety %d: fenced channels show %d and another %d, more than %d",
				i, onHand, allocated, p.SafetyUnits, fencedSum, widest, budget)
		}
	}
}
