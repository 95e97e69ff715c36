package rateshop

import (
	"testing"
	"time"

	"github.com/rickar/cal/v2/us"
)

func TestCalendarBusinessDays(t *testing.T) {
	c := NewCalendar()
	cases := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"Friday plus two is Tuesday", "2026-03-06", 2, "2026-03-10"},
		{"Thanksgiving is skipped", "2026-11-25", 1, "2026-11-27"},
		{"day after Thanksgiving is a business day", "2026-11-25", 2, "2026-11-30"},
		{"Christmas on a Friday", "2026-12-24", 1, "2026-12-28"},
		{"Independence Day on Saturday observed Friday", "2026-07-02", 1, "2026-07-06"},
		{"New Year on Saturday observed the Friday before", "2027-12-30", 1, "2028-01-03"},
		{"Christmas on Saturday observed Friday", "2027-12-23", 1, "2027-12-27"},
		{"Memorial Day", "2026-05-22", 1, "2026-05-26"},
		{"zero days", "2026-03-07", 0, "2026-03-07"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.AddBusinessDays(d(t, tc.from), tc.n); got != d(t, tc.want) {
				t.Fatalf("AddBusinessDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
	for _, s := range []string{"2026-07-03", "2027-12-31", "2027-12-24", "2026-11-26", "2026-01-19", "2026-03-07", "2026-03-08"} {
		if c.IsBusinessDay(d(t, s)) {
			t.Errorf("%s counted as a business day", s)
		}
	}
	for _, s := range []string{"2026-07-06", "2026-11-27", "2026-12-24", "2026-03-02"} {
		if !c.IsBusinessDay(d(t, s)) {
			t.Errorf("%s not counted as a business day", s)
		}
	}
	if name, ok := c.Holiday(d(t, "2026-07-03")); !ok || name != "Independence Day" {
		t.Errorf("2026-07-03 holiday = %q, %v", name, ok)
	}
	if !NewCalendar(us.DayAfterThanksgivingDay).AddBusinessDays(d(t, "2026-11-25"), 1).After(d(t, "2026-11-27")) {
		t.Error("extra closure not honoured")
	}
}

func TestTenderDate(t *testing.T) {
	c := NewCalendar()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := func(s string, hh, mm int) time.Time {
		x := d(t, s)
		return time.Date(x.Year, x.Month, x.Day, hh, mm, 0, 0, chicago)
	}
	cutoff := &ClockTime{Hour: 15}
	cases := []struct {
		name   string
		ship   string
		now    time.Time
		cutoff *ClockTime
		want   string
	}{
		{"business day", "2026-03-02", time.Time{}, nil, "2026-03-02"},
		{"Saturday goes to Monday", "2026-03-07", time.Time{}, nil, "2026-03-09"},
		{"observed holiday goes to next business day", "2026-07-03", time.Time{}, nil, "2026-07-06"},
		{"before cut-off ships today", "2026-03-02", at("2026-03-02", 14, 59), cutoff, "2026-03-02"},
		{"at cut-off ships next business day", "2026-03-02", at("2026-03-02", 15, 0), cutoff, "2026-03-03"},
		{"Friday after cut-off ships Monday", "2026-03-06", at("2026-03-06", 17, 0), cutoff, "2026-03-09"},
		{"after cut-off without cut-off configured", "2026-03-02", at("2026-03-02", 23, 0), nil, "2026-03-02"},
		{"cut-off does not apply to a future ship date", "2026-03-03", at("2026-03-02", 18, 0), cutoff, "2026-03-03"},
		{"past ship date counts as today", "2026-02-20", at("2026-03-02", 9, 0), cutoff, "2026-03-02"},
		{"cut-off read on the warehouse clock", "2026-03-02", at("2026-03-02", 14, 30), cutoff, "2026-03-02"},
		{"same instant on a UTC clock is past 15:00", "2026-03-02", at("2026-03-02", 14, 30).UTC(), cutoff, "2026-03-03"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.TenderDate(d(t, tc.ship), tc.now, tc.cutoff); got != d(t, tc.want) {
				t.Fatalf("TenderDate = %s, want %s", got, tc.want)
			}
		})
	}
}
