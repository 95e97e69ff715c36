package flows

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// sample is a set of durations to summarize.
type sample []time.Duration

// quantile returns the q-quantile (nearest rank) of s; zero when empty.
func (s sample) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s sample) max() time.Duration { return s.quantile(1) }

// ms renders d in milliseconds with one decimal, the unit every table uses.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// verdict says whether a target was met.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT MET"
}

// failureLine lists failed task runs by type, or says there were none.
func failureLine(f map[string]int) string {
	if len(f) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(f))
	for k, v := range f {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
