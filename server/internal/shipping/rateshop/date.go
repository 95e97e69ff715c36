package rateshop

import (
	"fmt"
	"time"
)

// Date is a civil calendar date with no time of day and no time zone, as
// carriers quote delivery dates. It marshals as "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date year-month-day, normalized like time.Date
// (February 30 becomes March 2).
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("rateshop: date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int { return d.Time().Compare(o.Time()) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// String renders d as "2006-01-02".
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

// MarshalText renders d as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ClockTime is a time of day in the warehouse's own time zone, such as a
// carrier pickup cut-off. It marshals as "15:04".
type ClockTime struct {
	Hour   int
	Minute int
}

// ParseClockTime parses "15:04".
func ParseClockTime(s string) (ClockTime, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return ClockTime{}, fmt.Errorf("rateshop: time of day %q is not HH:MM", s)
	}
	return ClockTime{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// reachedBy reports whether the wall clock of now is at or past c.
func (c ClockTime) reachedBy(now time.Time) bool {
	return now.Hour()*60+now.Minute() >= c.Hour*60+c.Minute
}

// String renders c as "15:04".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// MarshalText renders c as "15:04".
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses "15:04".
func (c *ClockTime) UnmarshalText(b []byte) error {
	p, err := ParseClockTime(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}
