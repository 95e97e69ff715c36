package inventory

import (
	"fmt"
	"math"
	"sort"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/shared/api"
)

// ChannelInput is one channel account's view of a product: the units its
// open orders hold.
type ChannelInput struct {
	AccountID uuid.UUID
	Used      int
}

// Quantity is what a channel should show, and why, in words.
type Quantity struct {
	Quantity int
	Reason   string
}

// DefaultPolicy is used when a tenant set none: every channel sees all
// available stock.
func DefaultPolicy() api.AllocationPolicy {
	return api.AllocationPolicy{Strategy: api.StrategySharedPool}
}

// ChannelQuantities is the allocation strategy: given a policy, a product's
// on-hand and allocated units and its channels, what each channel should
// show. It is a pure function; every figure in a reason is an input or a
// step of the computation, so the sum shown across channels can always be
// explained.
func ChannelQuantities(p api.AllocationPolicy, onHand, allocated int, channels []ChannelInput) map[uuid.UUID]Quantity {
	out := make(map[uuid.UUID]Quantity, len(channels))
	available := max(onHand-allocated, 0)
	switch p.Strategy {
	case api.StrategyAllotments:
		reserve := p.ReserveUnits + ceilPercent(onHand, p.ReservePercent)
		pool := max(onHand-reserve, 0)
		ceiling := max(available-reserve, 0)
		for _, c := range channels {
			rule, ok := p.Channels[c.AccountID.String()]
			var allot int
			var how string
			switch {
			case ok && rule.AllotmentUnits != nil:
				allot, how = *rule.AllotmentUnits, fmt.Sprintf("allotment %d units", *rule.AllotmentUnits)
			case ok && rule.AllotmentPercent != nil:
				allot = floorPercent(pool, *rule.AllotmentPercent)
				how = fmt.Sprintf("allotment %s%% of (on hand %d − reserve %d) = %d", trimFloat(*rule.AllotmentPercent), onHand, reserve, allot)
			default:
				out[c.AccountID] = Quantity{0, "no allotment for this channel"}
				continue
			}
			left := max(allot-c.Used, 0)
			q := min(left, ceiling)
			reason := fmt.Sprintf("%s − used by open orders %d = %d", how, c.Used, left)
			if q < left {
				reason += fmt.Sprintf(", capped at available %d − reserve %d = %d", available, reserve, ceiling)
			}
			if left == 0 {
				reason += "; allotment used up"
			}
			out[c.AccountID] = Quantity{q, reason}
		}
	default: // shared pool
		sharedPool(p, onHand, available, channels, out)
	}
	return out
}

// sharedPool fills out for the shared-pool strategy. Every channel sees the
// available stock less safety stock, except that a channel with an
// allotment has it ring-fenced: it shows what is left of its own share, and
// that remainder is taken out of what the other channels see. A channel
// that reports its orders late (Amazon lists an order two minutes after it
// is placed) can then only sell, unseen, units no other channel was offered.
func sharedPool(p api.AllocationPolicy, onHand, available int, channels []ChannelInput, out map[uuid.UUID]Quantity) {
	safety := p.SafetyUnits + ceilPercent(available, p.SafetyPercent)
	budget := max(available-safety, 0)
	// Ring-fenced channels are served first, in account id order, so that
	// together they never show more than the budget.
	fenced := make([]ChannelInput, 0, len(channels))
	for _, c := range channels {
		if rule, ok := p.Channels[c.AccountID.String()]; ok && (rule.AllotmentUnits != nil || rule.AllotmentPercent != nil) {
			fenced = append(fenced, c)
		}
	}
	sort.Slice(fenced, func(i, j int) bool { return fenced[i].AccountID.String() < fenced[j].AccountID.String() })
	fencedLeft := 0
	for _, c := range fenced {
		rule := p.Channels[c.AccountID.String()]
		var share int
		var how string
		if rule.AllotmentUnits != nil {
			share, how = *rule.AllotmentUnits, fmt.Sprintf("ring-fenced %d units", *rule.AllotmentUnits)
		} else {
			share = floorPercent(onHand, *rule.AllotmentPercent)
			how = fmt.Sprintf("ring-fenced %s%% of on hand %d = %d", trimFloat(*rule.AllotmentPercent), onHand, share)
		}
		left := max(share-c.Used, 0)
		q := min(left, budget)
		reason := fmt.Sprintf("%s − used by open orders %d = %d", how, c.Used, left)
		if q < left {
			reason += fmt.Sprintf(", capped at the %d units available − safety − other ring-fences", budget)
		}
		budget -= q
		fencedLeft += q
		out[c.AccountID] = Quantity{q, reason}
	}
	for _, c := range channels {
		if _, done := out[c.AccountID]; done {
			continue
		}
		buffer := 0
		if rule, ok := p.Channels[c.AccountID.String()]; ok {
			buffer = rule.BufferUnits
		}
		raw := available - safety - fencedLeft - buffer
		reason := fmt.Sprintf("available %d − safety %d", available, safety)
		if fencedLeft > 0 {
			reason += fmt.Sprintf(" − ring-fenced for other channels %d", fencedLeft)
		}
		if buffer > 0 {
			reason += fmt.Sprintf(" − channel buffer %d", buffer)
		}
		reason += fmt.Sprintf(" = %d", raw)
		if raw < 0 {
			reason += ", shown as 0"
		}
		out[c.AccountID] = Quantity{max(raw, 0), reason}
	}
}

// ceilPercent is pct% of n rounded up: safety and reserve never round in
// the channels' favour.
func ceilPercent(n int, pct float64) int {
	if pct <= 0 || n <= 0 {
		return 0
	}
	return int(math.Ceil(float64(n) * pct / 100 * (1 - 1e-12)))
}

// floorPercent is pct% of n rounded down: an allotment never rounds up.
func floorPercent(n int, pct float64) int {
	if pct <= 0 || n <= 0 {
		return 0
	}
	return int(math.Floor(float64(n)*pct/100 + 1e-9))
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// ValidatePolicy checks a policy against the tenant's channel accounts
// (ids of accounts that can show stock). The error names the field.
func ValidatePolicy(p api.AllocationPolicy, accounts map[string]bool, where string) error {
	switch p.Strategy {
	case api.StrategySharedPool, api.StrategyAllotments:
	case "":
		return fmt.Errorf("%s.strategy is required: shared_pool or allotments", where)
	default:
		return fmt.Errorf("%s.strategy %q is not shared_pool or allotments", where, p.Strategy)
	}
	if p.SafetyUnits < 0 || p.ReserveUnits < 0 {
		return fmt.Errorf("%s: safety_units and reserve_units cannot be negative", where)
	}
	for name, v := range map[string]float64{"safety_percent": p.SafetyPercent, "reserve_percent": p.ReservePercent} {
		if v < 0 || v > 100 || math.IsNaN(v) {
			return fmt.Errorf("%s.%s %v must be from 0 to 100", where, name, v)
		}
	}
	if p.Strategy == api.StrategySharedPool && (p.ReserveUnits != 0 || p.ReservePercent != 0) {
		return fmt.Errorf("%s: reserve applies to the allotments strategy; shared_pool uses safety_units or safety_percent", where)
	}
	if p.Strategy == api.StrategyAllotments && (p.SafetyUnits != 0 || p.SafetyPercent != 0) {
		return fmt.Errorf("%s: safety stock applies to the shared_pool strategy; allotments use reserve_units or reserve_percent", where)
	}
	ids := make([]string, 0, len(p.Channels))
	for id := range p.Channels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	totalPct := 0.0
	for _, id := range ids {
		rule := p.Channels[id]
		at := fmt.Sprintf("%s.channels[%s]", where, id)
		if !accounts[id] {
			return fmt.Errorf("%s: no channel account with this id", at)
		}
		if rule.BufferUnits < 0 {
			return fmt.Errorf("%s.buffer_units cannot be negative", at)
		}
		hasAllotment := rule.AllotmentUnits != nil || rule.AllotmentPercent != nil
		switch p.Strategy {
		case api.StrategySharedPool:
			// An allotment ring-fences a share for this channel.
			if !hasAllotment {
				continue
			}
			if rule.BufferUnits != 0 {
				return fmt.Errorf("%s: a ring-fenced channel (allotment_units or allotment_percent) takes no buffer_units", at)
			}
			if rule.AllotmentUnits != nil && rule.AllotmentPercent != nil {
				return fmt.Errorf("%s: give one of allotment_units or allotment_percent, not both", at)
			}
		case api.StrategyAllotments:
			if rule.BufferUnits != 0 {
				return fmt.Errorf("%s: buffer_units applies to shared_pool; allotments take allotment_units or allotment_percent", at)
			}
			if !hasAllotment || (rule.AllotmentUnits != nil && rule.AllotmentPercent != nil) {
				return fmt.Errorf("%s: give exactly one of allotment_units or allotment_percent", at)
			}
		}
		if rule.AllotmentUnits != nil && *rule.AllotmentUnits < 0 {
			return fmt.Errorf("%s.allotment_units cannot be negative", at)
		}
		if rule.AllotmentPercent != nil {
			if *rule.AllotmentPercent < 0 || *rule.AllotmentPercent > 100 || math.IsNaN(*rule.AllotmentPercent) {
				return fmt.Errorf("%s.allotment_percent must be from 0 to 100", at)
			}
			totalPct += *rule.AllotmentPercent
		}
	}
	if totalPct > 100+1e-9 {
		return fmt.Errorf("%s: allotment percentages add up to %s%%, more than 100%%", where, trimFloat(totalPct))
	}
	return nil
}
