package rateshop

import (
	"fmt"
	"math"
	"strings"
)

// DimRule is how a carrier turns a parcel's size into the weight it bills.
type DimRule struct {
	// Divisor is cubic inches per pound of dimensional weight.
	Divisor int64 `json:"divisor"`
	// MinCubicInches: dimensional weight applies only to a larger volume;
	// zero means always.
	MinCubicInches int64 `json:"min_cubic_inches,omitempty"`
	// RoundDimsUp rounds every fractional inch up; otherwise each dimension is
	// rounded to the nearest inch (half up).
	RoundDimsUp bool `json:"round_dims_up"`
	// WholePounds bills the actual weight in whole pounds, rounded up;
	// otherwise in whole ounces, rounded up.
	WholePounds bool `json:"whole_pounds"`
}

// DefaultDimRules returns a fresh carrier → rule map with the published
// domestic rules for daily (non-negotiated) rates; a tenant with negotiated
// divisors edits its own copy.
//   - UPS and FedEx: divisor 139 for every package; since 18 August 2025 both
//     round each fractional inch up; weights bill in whole pounds, rounded up
//     (UPS and FedEx service guides).
//   - USPS: divisor 166, only for parcels over one cubic foot (1,728 cubic
//     inches); each dimension rounded off to the nearest inch, the dimensional
//     weight rounded up to the next pound (DMM 123 and Notice 123); actual
//     weight stays in ounces for the ounce-priced products.
func DefaultDimRules() map[string]DimRule {
	return map[string]DimRule{
		"ups":   {Divisor: 139, RoundDimsUp: true, WholePounds: true},
		"fedex": {Divisor: 139, RoundDimsUp: true, WholePounds: true},
		"usps":  {Divisor: 166, MinCubicInches: 1728},
	}
}

// DimRuleFor finds the rule for a quote's carrier: direct providers imply
// their carrier; aggregators (EasyPost, Shippo) are looked up by the
// underlying carrier's name, case-insensitively.
func DimRuleFor(provider, carrier string, rules map[string]DimRule) (DimRule, bool) {
	switch provider {
	case ProviderUPS:
		carrier = "ups"
	case ProviderFedEx:
		carrier = "fedex"
	case ProviderUSPS:
		carrier = "usps"
	}
	r, ok := rules[strings.ToLower(strings.TrimSpace(carrier))]
	return r, ok
}

// floatSlack absorbs binary noise such as 12.000000000000002 from a unit
// conversion, so that it does not round up to a whole extra inch or ounce.
const floatSlack = 1e-9

// maxMeasure bounds every input far above any parcel so that the volume
// cannot overflow.
const maxMeasure float64 = 100000

// BillableWeightOz returns the weight, in ounces, that the carrier bills for
// a parcel: the greater of its actual weight and its dimensional weight, each
// rounded as the rule says.
func BillableWeightOz(actualOz, lengthIn, widthIn, heightIn float64, rule DimRule) (int64, error) {
	for _, v := range []float64{actualOz, lengthIn, widthIn, heightIn} {
		if v < 0 || math.IsNaN(v) || v > maxMeasure {
			return 0, fmt.Errorf("rateshop: weight and dimensions must be between 0 and %g, got %g", maxMeasure, v)
		}
	}
	if rule.Divisor <= 0 {
		return 0, fmt.Errorf("rateshop: dimensional divisor must be positive, got %d", rule.Divisor)
	}
	oz := int64(math.Ceil(actualOz - floatSlack))
	if rule.WholePounds {
		oz = (oz + 15) / 16 * 16
	}
	round := func(in float64) int64 { return int64(math.Floor(in + 0.5)) }
	if rule.RoundDimsUp {
		round = func(in float64) int64 { return int64(math.Ceil(in - floatSlack)) }
	}
	volume := round(lengthIn) * round(widthIn) * round(heightIn)
	if volume <= rule.MinCubicInches {
		return oz, nil
	}
	dimOz := (volume + rule.Divisor - 1) / rule.Divisor * 16
	return max(oz, dimOz), nil
}
