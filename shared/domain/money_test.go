package domain

import "testing"

func TestParseCents(t *testing.T) {
	good := map[string]int64{"12.99": 1299, "12.9": 1290, "12": 1200, "0.01": 1, ".5": 50, "-3.50": -350, "+4": 400, " 7.00 ": 700}
	for in, want := range good {
		got, err := ParseCents(in)
		if err != nil || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.234", "1.", "1e3", "1,00", "--1", ".", "12.3.4", "9999999999999999"} {
		if _, err := ParseCents(bad); err == nil {
			t.Errorf("ParseCents(%q) accepted", bad)
		}
	}
}

func TestFormatCents(t *testing.T) {
	for c, want := range map[int64]string{0: "0.00", 1: "0.01", 1299: "12.99", -350: "-3.50", 100000: "1000.00"} {
		if got := FormatCents(c); got != want {
			t.Errorf("FormatCents(%d) = %q, want %q", c, got, want)
		}
	}
}
