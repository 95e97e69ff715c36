package rateshop

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// Calendar counts business days: Monday to Friday, minus US federal holidays
// on the dates they are observed (a holiday on a Saturday is observed the
// Friday before, one on a Sunday the Monday after). It is safe for concurrent
// use: the library's holiday cache, which writes to a map, stays off.
type Calendar struct {
	bc *cal.BusinessCalendar
}

// NewCalendar returns the US federal business calendar, plus any extra
// closures a tenant observes (for example us.DayAfterThanksgivingDay).
func NewCalendar(extra ...*cal.Holiday) *Calendar {
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(us.Holidays...)
	bc.AddHoliday(extra...)
	return &Calendar{bc: bc}
}

// IsBusinessDay reports whether d is a weekday that is not an observed holiday.
func (c *Calendar) IsBusinessDay(d Date) bool { return c.bc.IsWorkday(d.Time()) }

// Holiday returns the name of the holiday observed on d, if any.
func (c *Calendar) Holiday(d Date) (string, bool) {
	_, observed, h := c.bc.IsHoliday(d.Time())
	if !observed || h == nil {
		return "", false
	}
	return h.Name, true
}

// NextBusinessDay returns the first business day strictly after d.
func (c *Calendar) NextBusinessDay(d Date) Date { return c.AddBusinessDays(d, 1) }

// AddBusinessDays returns the date n business days after d; d itself is not
// counted, so Friday plus two is Tuesday. n <= 0 returns d unchanged.
func (c *Calendar) AddBusinessDays(d Date, n int) Date {
	if n <= 0 {
		return d
	}
	return DateOf(c.bc.WorkdaysFrom(d.Time(), n))
}

// TenderDate returns the day the parcel is handed to the carrier: the ship
// date if it is a business day, otherwise the next business day. A ship date
// in the past counts as today, because a parcel cannot be tendered
// yesterday. When cutoff is set and the parcel would be tendered today, a now
// at or past the cut-off (on now's own wall clock, which is the warehouse's)
// moves it to the next business day. A zero now disables both rules that need
// a clock.
func (c *Calendar) TenderDate(ship Date, now time.Time, cutoff *ClockTime) Date {
	d := ship
	if !now.IsZero() {
		today := DateOf(now)
		if d.Before(today) {
			d = today
		}
		if cutoff != nil && d == today && cutoff.reachedBy(now) {
			return c.NextBusinessDay(d)
		}
	}
	if !c.IsBusinessDay(d) {
		return c.NextBusinessDay(d)
	}
	return d
}
