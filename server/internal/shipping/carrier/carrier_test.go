package carrier

import (
	"strings"
	"testing"
	"time"
)

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		" 7 ":                           7 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Tue, 01 Dec 2026 15:00:42 GMT": 42 * time.Second,
		"Tue, 01 Dec 2026 14:59:00 GMT": 0, // already past
	}
	for v, want := range cases {
		if got := RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestBoundedCutsLongAnswers(t *testing.T) {
	if got := string(Bounded([]byte("short"))); got != "short" {
		t.Fatalf("short answer changed: %q", got)
	}
	long := []byte(strings.Repeat("x", 1000))
	got := Bounded(long)
	if len(got) != 303 || !strings.HasSuffix(string(got), "...") || len(long) != 1000 || long[300] != 'x' {
		t.Fatalf("cut to %d bytes; the original is %d bytes with %q at 300", len(got), len(long), long[300])
	}
}
