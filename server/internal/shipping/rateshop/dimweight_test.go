package rateshop

import (
	"math"
	"testing"
)

func TestBillableWeightOz(t *testing.T) {
	rules := DefaultDimRules()
	cases := []struct {
		name        string
		carrier     string
		oz, l, w, h float64
		want        int64
	}{
		{"UPS cube billed by size", "ups", 40, 12, 12, 12, 13 * 16},                // 1728/139 = 12.4 -> 13 lb
		{"UPS rounds every fractional inch up", "ups", 10, 11.1, 8.5, 6.2, 6 * 16}, // 12*9*7 = 756/139 = 5.4 -> 6 lb
		{"UPS dense parcel billed by actual weight in whole pounds", "ups", 35, 4, 4, 4, 3 * 16},
		{"UPS ignores float noise from unit conversion", "ups", 16.000000000001, 12.000000000000002, 10, 10, 9 * 16}, // 1200/139 = 8.6 -> 9
		{"FedEx uses 139 too", "fedex", 8, 20, 15, 10, 22 * 16},                                                      // 3000/139 = 21.6 -> 22 lb
		{"FedEx light small parcel is one pound", "fedex", 3, 6, 4, 2, 16},
		{"USPS one cubic foot exactly: actual weight", "usps", 20, 12, 12, 12, 20},
		{"USPS actual weight rounds to whole ounces only", "usps", 20.2, 6, 6, 6, 21},
		{"USPS over one cubic foot: divisor 166", "usps", 20, 14, 12, 12, 13 * 16}, // 2016/166 = 12.1 -> 13 lb
		{"USPS rounds dimensions to the nearest inch", "usps", 20, 12.4, 12.4, 12.4, 20},
		{"USPS rounds a half inch up", "usps", 20, 12.5, 12, 12, 12 * 16}, // 13*12*12 = 1872/166 = 11.3 -> 12 lb
		{"USPS heavy parcel over one cubic foot", "usps", 400, 14, 12, 12, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BillableWeightOz(tc.oz, tc.l, tc.w, tc.h, rules[tc.carrier])
			if err != nil || got != tc.want {
				t.Fatalf("BillableWeightOz = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	for _, bad := range [][5]float64{{-1, 1, 1, 1, 139}, {1, math.NaN(), 1, 1, 139}, {1, math.Inf(1), 1, 1, 139}, {1, 1, 1, 1, 0}} {
		if _, err := BillableWeightOz(bad[0], bad[1], bad[2], bad[3], DimRule{Divisor: int64(bad[4])}); err == nil {
			t.Errorf("BillableWeightOz%v accepted", bad)
		}
	}
}

func TestDimRuleFor(t *testing.T) {
	rules := DefaultDimRules()
	cases := []struct {
		provider, carrier string
		divisor           int64
		ok                bool
	}{
		{ProviderUPS, "", 139, true},
		{ProviderUSPS, "whatever", 166, true},
		{ProviderFedEx, "", 139, true},
		{ProviderEasyPost, "USPS", 166, true},
		{ProviderEasyPost, "FedEx", 139, true},
		{ProviderShippo, "ups", 139, true},
		{ProviderShippo, "dhl_express", 0, false},
	}
	for _, tc := range cases {
		r, ok := DimRuleFor(tc.provider, tc.carrier, rules)
		if ok != tc.ok || r.Divisor != tc.divisor {
			t.Errorf("DimRuleFor(%s, %s) = %+v, %v", tc.provider, tc.carrier, r, ok)
		}
	}
	rules["ups"] = DimRule{Divisor: 194, RoundDimsUp: true, WholePounds: true}
	if DefaultDimRules()["ups"].Divisor != 139 {
		t.Error("editing a tenant's copy changed the defaults")
	}
}
