package carrierscript

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := `{"ups_direct":{"latency_ms":120,"failure":"none","quotes":[{"carrier":"ups","service":"03","amount":"8.50","currency":"USD","business_days":3}]},
		"easypost":{"failure":"hang"}}`
	s, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if s["ups_direct"].Latency().Milliseconds() != 120 || *s["ups_direct"].Quotes[0].BusinessDays != 3 || s["easypost"].Failure != FailHang {
		t.Fatalf("parsed %+v", s)
	}
	bad := map[string]string{
		"unknown provider": `{"dhl_direct":{}}`,
		"bad failure":      `{"shippo":{"failure":"500"}}`,
		"float amount":     `{"shippo":{"quotes":[{"carrier":"usps","service":"Priority","amount":8.4,"currency":"USD"}]}}`,
		"three decimals":   `{"shippo":{"quotes":[{"carrier":"usps","service":"Priority","amount":"8.405","currency":"USD"}]}}`,
		"bad date":         `{"shippo":{"quotes":[{"carrier":"usps","service":"Priority","amount":"8.40","currency":"USD","delivery_date":"12/01/2026"}]}}`,
		"unknown field":    `{"shippo":{"quote":[]}}`,
	}
	for name, in := range bad {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
