package rateshop

import (
	"fmt"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/domain"
)

// Input is everything a rate decision depends on. Decide reads nothing else:
// no clock, no network, no database.
type Input struct {
	// Quotes are all quotes received, in the order received.
	Quotes []Quote
	// Outcomes are the per-provider results of Shop; failed ones are kept in
	// the decision.
	Outcomes []ProviderOutcome
	// Currency is the order's currency; quotes in any other are excluded.
	Currency string
	Promise  Promise
	ShipDate Date
	// Now is the current time on the warehouse's wall clock (its location
	// matters for the cut-off). Zero disables the past-date and cut-off rules.
	Now time.Time
	// Cutoff, when set, moves the tender date to the next business day once
	// Now reaches it on the ship date.
	Cutoff *ClockTime
	// Calendar counts business days; nil means NewCalendar().
	Calendar *Calendar
	// ServiceTable estimates transit for quotes that carry no estimate.
	ServiceTable ServiceTable
	// ProviderPreference breaks ties: earlier providers win; unlisted ones
	// come after all listed ones.
	ProviderPreference []string
	// Baselines names the tenant's default service per promise level, the
	// one the saving is measured against.
	Baselines map[string]ServiceKey
}

// Decide picks the cheapest quote that keeps the promise. Ties go to the
// earlier delivery, then to a guaranteed service, then to the preferred
// provider, then by name. When nothing is eligible the decision needs review
// and has no winner.
func Decide(in Input) Decision {
	c := in.Calendar
	if c == nil {
		c = NewCalendar()
	}
	currency := strings.ToUpper(strings.TrimSpace(in.Currency))
	blocked := ""
	switch {
	case currency == "":
		blocked = "the order has no currency"
	case in.Promise.MaxBusinessDays < 0:
		blocked = fmt.Sprintf("promise %q has a negative business-day limit", in.Promise.Level)
	case in.Promise.MaxBusinessDays > maxTransitDays:
		blocked = fmt.Sprintf("promise %q allows more than %d business days", in.Promise.Level, maxTransitDays)
	}

	tender := c.TenderDate(in.ShipDate, in.Now, in.Cutoff)
	ev := &evaluator{in: &in, cal: c, currency: currency, tender: tender, blocked: blocked, walk: []Date{tender}}
	ev.deadline = ev.tenderPlus(min(max(in.Promise.MaxBusinessDays, 0), maxTransitDays))
	d := Decision{
		Promise:    in.Promise,
		Currency:   currency,
		ShipDate:   in.ShipDate,
		TenderDate: tender,
		Deadline:   ev.deadline,
		Quotes:     make([]Evaluated, 0, len(in.Quotes)),
	}
	for _, o := range in.Outcomes {
		if o.Failed() {
			d.ProviderErrors = append(d.ProviderErrors, o)
		}
	}
	for _, q := range in.Quotes {
		d.Quotes = append(d.Quotes, ev.evaluate(q))
	}

	rank := preferenceRank(in.ProviderPreference)
	best, runnerUp := -1, -1
	for i := range d.Quotes {
		if !d.Quotes[i].Eligible {
			continue
		}
		switch {
		case best < 0:
			best = i
		case better(&d.Quotes[i], &d.Quotes[best], rank):
			best, runnerUp = i, best
		case runnerUp < 0 || better(&d.Quotes[i], &d.Quotes[runnerUp], rank):
			runnerUp = i
		}
	}
	if best < 0 {
		d.NeedsReview = true
		d.ReviewReason = reviewReason(&d, blocked)
		return d
	}
	w := d.Quotes[best]
	d.Winner = &w
	d.WinnerReason = winnerReason(&d.Quotes[best], runnerUpOf(d.Quotes, runnerUp), rank)
	d.Saving, d.SavingNote = saving(&in, &d)
	return d
}

type evaluator struct {
	in               *Input
	cal              *Calendar
	currency         string
	tender, deadline Date
	blocked          string
	// walk[n] is tender + n business days, extended as needed: every
	// estimate counts from the same tender date, and the holiday library
	// recomputes each holiday for every day it checks.
	walk []Date
}

func (ev *evaluator) tenderPlus(n int) Date {
	for len(ev.walk) <= n {
		ev.walk = append(ev.walk, ev.cal.NextBusinessDay(ev.walk[len(ev.walk)-1]))
	}
	return ev.walk[n]
}

func (ev *evaluator) evaluate(q Quote) Evaluated {
	e := Evaluated{Quote: q, EstimateSource: EstimateNone}
	var why []string
	if ev.blocked != "" {
		why = append(why, ev.blocked)
	}
	switch cur := strings.ToUpper(strings.TrimSpace(q.Currency)); {
	case cur == "":
		why = append(why, "quote has no currency")
	case ev.currency != "" && cur != ev.currency:
		why = append(why, fmt.Sprintf("currency %s is not the order's %s", cur, ev.currency))
	}
	if cents, err := ParseCents(q.Amount); err != nil {
		why = append(why, "unusable amount: "+strings.TrimPrefix(err.Error(), "rateshop: "))
	} else {
		e.Cents = &cents
	}
	if date, src := ev.estimate(q); src != EstimateNone {
		e.EstimatedDelivery, e.EstimateSource = &date, src
	} else {
		why = append(why, "no delivery estimate")
	}
	p := ev.in.Promise
	if p.GuaranteedOnly && !q.Guaranteed {
		why = append(why, fmt.Sprintf("not guaranteed, and promise %q accepts guaranteed services only", p.Level))
	}
	if e.EstimatedDelivery != nil && e.EstimatedDelivery.After(ev.deadline) {
		why = append(why, fmt.Sprintf("estimated delivery %s (%s) is after the deadline %s",
			e.EstimatedDelivery, e.EstimateSource, ev.deadline))
	}
	e.Eligible = len(why) == 0
	e.Excluded = strings.Join(why, "; ")
	return e
}

// maxTransitDays bounds every business-day count: a year of transit is no
// estimate, and the count is walked day by day.
const maxTransitDays = 260

// estimate prefers the carrier's date, then the carrier's transit days, then
// the tenant's service table.
func (ev *evaluator) estimate(q Quote) (Date, EstimateSource) {
	if q.DeliveryDate != nil && !q.DeliveryDate.IsZero() {
		return *q.DeliveryDate, EstimateCarrierDate
	}
	if q.BusinessDays != nil && *q.BusinessDays >= 0 && *q.BusinessDays <= maxTransitDays {
		return ev.tenderPlus(*q.BusinessDays), EstimateCarrierDays
	}
	if n, ok := ev.in.ServiceTable[q.Key()]; ok && n >= 0 && n <= maxTransitDays {
		return ev.tenderPlus(n), EstimateServiceTable
	}
	return Date{}, EstimateNone
}

func preferenceRank(order []string) map[string]int {
	rank := make(map[string]int, len(order))
	for i, p := range order {
		if _, seen := rank[p]; !seen {
			rank[p] = i
		}
	}
	return rank
}

// Tie-break criteria, in the order they apply.
const (
	byPrice      = "price"
	byDate       = "earlier delivery"
	byGuarantee  = "guaranteed delivery"
	byPreference = "provider preference"
	byName       = "name"
)

// compare orders two eligible quotes, best first, and names the criterion
// that separated them (empty when they are identical).
func compare(a, b *Evaluated, rank map[string]int) (int, string) {
	if c := cmpInt(*a.Cents, *b.Cents); c != 0 {
		return c, byPrice
	}
	if c := a.EstimatedDelivery.Compare(*b.EstimatedDelivery); c != 0 {
		return c, byDate
	}
	if a.Quote.Guaranteed != b.Quote.Guaranteed {
		if a.Quote.Guaranteed {
			return -1, byGuarantee
		}
		return 1, byGuarantee
	}
	if c := cmpInt(rankOf(rank, a.Quote.Provider), rankOf(rank, b.Quote.Provider)); c != 0 {
		return c, byPreference
	}
	for _, f := range [][2]string{
		{a.Quote.Provider, b.Quote.Provider},
		{a.Quote.Carrier, b.Quote.Carrier},
		{a.Quote.Service, b.Quote.Service},
		{a.Quote.ServiceName, b.Quote.ServiceName},
		{a.Quote.RateID, b.Quote.RateID},
	} {
		if c := strings.Compare(f[0], f[1]); c != 0 {
			return c, byName
		}
	}
	return 0, ""
}

func better(a, b *Evaluated, rank map[string]int) bool {
	c, _ := compare(a, b, rank)
	return c < 0
}

func rankOf(rank map[string]int, provider string) int {
	if r, ok := rank[provider]; ok {
		return r
	}
	return len(rank)
}

func cmpInt[T int | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func runnerUpOf(qs []Evaluated, i int) *Evaluated {
	if i < 0 {
		return nil
	}
	return &qs[i]
}

func winnerReason(w, next *Evaluated, rank map[string]int) string {
	if next == nil {
		return "only eligible quote"
	}
	_, by := compare(w, next, rank)
	switch by {
	case byPrice:
		return fmt.Sprintf("cheapest eligible quote; next cheapest %s at %s", next.Quote.label(), domain.FormatCents(*next.Cents))
	case "":
		return fmt.Sprintf("identical to %s; first received", next.Quote.label())
	}
	return fmt.Sprintf("tied on price with %s; won on %s", next.Quote.label(), by)
}

func reviewReason(d *Decision, blocked string) string {
	var b strings.Builder
	if blocked != "" {
		fmt.Fprintf(&b, "cannot shop: %s", blocked)
	} else {
		fmt.Fprintf(&b, "no quote keeps promise %q (deliver by %s", d.Promise.Level, d.Deadline)
		if d.Promise.GuaranteedOnly {
			b.WriteString(", guaranteed only")
		}
		b.WriteString(")")
	}
	if n := len(d.Quotes); n == 0 {
		b.WriteString("; no quotes received")
	} else {
		fmt.Fprintf(&b, "; all %d quotes excluded", n)
	}
	if n := len(d.ProviderErrors); n > 0 {
		names := make([]string, n)
		for i, o := range d.ProviderErrors {
			names[i] = o.Provider
			if o.TimedOut {
				names[i] += " timed out"
			} else {
				names[i] += " failed"
			}
		}
		fmt.Fprintf(&b, "; %s", strings.Join(names, ", "))
	}
	return b.String()
}

// saving measures the winner against the cheapest quote of the level's
// default service in the order's currency, eligible or not: what the tenant
// would have paid without rate shopping.
func saving(in *Input, d *Decision) (*Saving, string) {
	key, ok := in.Baselines[d.Promise.Level]
	if !ok {
		return nil, fmt.Sprintf("no default service is set for promise %q", d.Promise.Level)
	}
	var base *Evaluated
	for i := range d.Quotes {
		e := &d.Quotes[i]
		if e.Quote.Key() != key || e.Cents == nil || !strings.EqualFold(strings.TrimSpace(e.Quote.Currency), d.Currency) {
			continue
		}
		if base == nil || *e.Cents < *base.Cents || (*e.Cents == *base.Cents && e.Eligible && !base.Eligible) {
			base = e
		}
	}
	if base == nil {
		return nil, fmt.Sprintf("default service %s was not quoted in %s", key, d.Currency)
	}
	return &Saving{
		BaselineService:  key,
		BaselineCents:    *base.Cents,
		BaselineEligible: base.Eligible,
		WinnerCents:      *d.Winner.Cents,
		SavedCents:       *base.Cents - *d.Winner.Cents,
	}, ""
}
