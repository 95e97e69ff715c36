package rateshop

import (
	"strings"
	"testing"
)

func TestParseCents(t *testing.T) {
	ok := map[string]int64{
		"12.35": 1235, "12.3": 1230, "12": 1200, "0.01": 1, ".5": 50, " 8.40 ": 840,
		"8.400": 840, "9.1000": 910, "0": 0, "+3.10": 310,
	}
	for in, want := range ok {
		got, err := ParseCents(in)
		if err != nil || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"12.345": "fractions of a cent", "12.3401": "fractions of a cent", "-3.50": "negative", "-0.00": "negative",
		"": "empty", "abc": "not a decimal", "1e3": "not a decimal", "1,234.00": "not a decimal", "12.": "decimal",
	}
	for in, want := range bad {
		if _, err := ParseCents(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCents(%q) error = %v; want one containing %q", in, err, want)
		}
	}
}
