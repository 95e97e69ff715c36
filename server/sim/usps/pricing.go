package usps

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// Mail classes the simulator prices.
const (
	GroundAdvantage = "USPS_GROUND_ADVANTAGE"
	Priority        = "PRIORITY_MAIL"
	PriorityExpress = "PRIORITY_MAIL_EXPRESS"
)

// mailClass is one priced product: cents = base + perLb×pounds + perZone×zone.
type mailClass struct {
	product              string
	base, perLb, perZone int64
	// days returns the commitment in delivery days for a zone.
	days       func(zone int) int
	guaranteed bool
	// trackingPrefix starts the class's 22-digit IMpb tracking numbers.
	trackingPrefix string
	skuPrefix      string
}

var mailClasses = map[string]mailClass{
	GroundAdvantage: {product: "USPS Ground Advantage", base: 500, perLb: 90, perZone: 40,
		days: func(z int) int { return 2 + z/3 }, trackingPrefix: "9400111", skuPrefix: "DUXP0XXXXC"},
	Priority: {product: "Priority Mail", base: 800, perLb: 130, perZone: 70,
		days: func(z int) int { return 1 + z/4 }, trackingPrefix: "9405511", skuPrefix: "DPXX0XXXXC"},
	PriorityExpress: {product: "Priority Mail Express", base: 2700, perLb: 280, perZone: 150,
		days: func(z int) int { return 1 + z/5 }, guaranteed: true, trackingPrefix: "9270190", skuPrefix: "DEXX0XXXXC"},
}

// classOrder is the order in which classes are answered.
var classOrder = []string{GroundAdvantage, Priority, PriorityExpress}

// knownMailClasses are every mailClass the real API accepts; the simulator
// prices only mailClasses and answers the others with no options.
var knownMailClasses = map[string]bool{
	GroundAdvantage: true, Priority: true, PriorityExpress: true,
	"PARCEL_SELECT": true, "PARCEL_SELECT_LIGHTWEIGHT": true, "MEDIA_MAIL": true, "LIBRARY_MAIL": true,
	"BOUND_PRINTED_MATTER": true, "USPS_CONNECT_LOCAL": true, "USPS_CONNECT_REGIONAL": true, "ALL": true,
}

var zip5 = regexp.MustCompile(`^\d{5}$`)

// parcel is what pricing needs of a package.
type parcel struct {
	weightLb              float64
	length, width, height float64
	origin, destination   string // ZIP Codes
	mailingDate           rateshop.Date
}

// priced is one rate option the simulator offers.
type priced struct {
	mailClass     string
	product       string
	description   string
	rateIndicator string
	processing    string
	amount        string // decimal string, e.g. "8.40"
	sku           string
	zone          int
	weightLb      int64
	dimWeightLb   int64
	commitment    *commitment
}

type commitment struct {
	Name                 string `json:"name"`
	ScheduleDeliveryDate string `json:"scheduleDeliveryDate,omitempty"`
	GuaranteedDelivery   bool   `json:"guaranteedDelivery"`
}

// zone is a rough USPS zone (1–8) from the distance between 3-digit ZIP
// prefixes.
func zone(origin, destination string) int {
	a, _ := strconv.Atoi(origin[:3])
	b, _ := strconv.Atoi(destination[:3])
	d := a - b
	if d < 0 {
		d = -d
	}
	return 1 + min(d/125, 7)
}

// billable returns the billed weight in whole pounds and the dimensional
// weight (0 when the parcel is one cubic foot or less), by the USPS rule.
func billable(p parcel) (lb, dimLb int64) {
	rule := rateshop.DefaultDimRules()["usps"]
	oz, err := rateshop.BillableWeightOz(p.weightLb*16, p.length, p.width, p.height, rule)
	if err != nil {
		oz = int64(math.Ceil(p.weightLb * 16))
	}
	dimOz, _ := rateshop.BillableWeightOz(0, p.length, p.width, p.height, rule)
	return max(1, (oz+15)/16), dimOz / 16
}

// deliveryDate counts n delivery days (USPS delivers Monday to Saturday)
// after the mailing date.
func deliveryDate(from rateshop.Date, n int) rateshop.Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		if d.Weekday() != time.Sunday {
			n--
		}
	}
	return d
}

// deliveryDays counts the delivery days from one date to a later one.
func deliveryDays(from, to rateshop.Date) int {
	n := 0
	for d := from; d.Before(to); {
		d = d.AddDays(1)
		if d.Weekday() != time.Sunday {
			n++
		}
	}
	return n
}

func commitmentName(days int) string {
	if days == 1 {
		return "1 Day"
	}
	return fmt.Sprintf("%d Days", days)
}

// compute prices every class (or the one asked for) for a parcel.
func compute(p parcel, only string) []priced {
	z := zone(p.origin, p.destination)
	lb, dimLb := billable(p)
	var out []priced
	for _, mc := range classOrder {
		if only != "" && only != "ALL" && only != mc {
			continue
		}
		c := mailClasses[mc]
		days := c.days(z)
		cents := c.base + c.perLb*lb + c.perZone*int64(z)
		out = append(out, priced{
			mailClass: mc, product: c.product, description: c.product + " Machinable Single-piece",
			rateIndicator: "SP", processing: "MACHINABLE", amount: formatCents(cents),
			sku: fmt.Sprintf("%s%02d%03dX", c.skuPrefix, z, lb), zone: z, weightLb: lb, dimWeightLb: dimLb,
			commitment: &commitment{Name: commitmentName(days),
				ScheduleDeliveryDate: deliveryDate(p.mailingDate, days).String(), GuaranteedDelivery: c.guaranteed},
		})
		// A flat rate envelope is offered for parcels that fit one; it
		// needs the envelope, so a client rating its own box must not buy it.
		if mc == Priority && fitsEnvelope(p) {
			out = append(out, priced{
				mailClass: mc, product: c.product, description: "Priority Mail Flat Rate Envelope",
				rateIndicator: "FE", processing: "FLATS", amount: "9.85", sku: "DPXF0XXXXC00000",
				zone: z, weightLb: lb, commitment: &commitment{Name: commitmentName(days),
					ScheduleDeliveryDate: deliveryDate(p.mailingDate, days).String()},
			})
		}
	}
	return out
}

func fitsEnvelope(p parcel) bool {
	d := []float64{p.length, p.width, p.height}
	for i := range d {
		for j := i + 1; j < len(d); j++ {
			if d[j] > d[i] {
				d[i], d[j] = d[j], d[i]
			}
		}
	}
	return d[0] <= 12.5 && d[1] <= 9.5 && d[2] <= 0.75
}

// fromScript turns the script's USPS quotes into rate options.
func fromScript(sc *carrierscript.Provider, p parcel, only string) []priced {
	z := zone(p.origin, p.destination)
	lb, dimLb := billable(p)
	var out []priced
	for _, q := range sc.Quotes {
		if !strings.EqualFold(q.Carrier, "usps") || (only != "" && only != "ALL" && only != q.Service) {
			continue
		}
		product := q.Service
		if c, ok := mailClasses[q.Service]; ok {
			product = c.product
		}
		pr := priced{mailClass: q.Service, product: product, description: product + " Machinable Single-piece",
			rateIndicator: "SP", processing: "MACHINABLE", amount: q.Amount, sku: "DXXX0XXXXC00000",
			zone: z, weightLb: lb, dimWeightLb: dimLb}
		var date rateshop.Date
		days := -1
		if q.DeliveryDate != "" {
			date, _ = rateshop.ParseDate(q.DeliveryDate)
			days = deliveryDays(p.mailingDate, date)
		}
		if q.BusinessDays != nil {
			days = *q.BusinessDays
			if date.IsZero() {
				date = deliveryDate(p.mailingDate, days)
			}
		}
		if days >= 0 {
			pr.commitment = &commitment{Name: commitmentName(days), ScheduleDeliveryDate: date.String(), GuaranteedDelivery: q.Guaranteed}
		}
		out = append(out, pr)
	}
	return out
}

// offers returns the rate options for a parcel: the script's when there is
// one, computed otherwise.
func (s *Server) offers(p parcel, only string) []priced {
	if sc := s.gate.Script(); sc != nil && len(sc.Quotes) > 0 {
		return fromScript(sc, p, only)
	}
	return compute(p, only)
}

func formatCents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// jsonNumber renders a decimal string the way a JSON serializer writes a
// double: without trailing zeros ("8.40" → 8.4, "9.00" → 9).
func jsonNumber(amount string) []byte {
	if whole, frac, ok := strings.Cut(amount, "."); ok {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			return []byte(whole)
		}
		return []byte(whole + "." + frac)
	}
	return []byte(amount)
}

// checkMailingDate accepts today through today+7 in any US time zone.
func (s *Server) checkMailingDate(v string) (rateshop.Date, string) {
	d, err := rateshop.ParseDate(v)
	if err != nil {
		return rateshop.Date{}, fmt.Sprintf("mailingDate %q must be a date in the format YYYY-MM-DD.", v)
	}
	today := rateshop.DateOf(s.now())
	if d.Before(today.AddDays(-1)) || d.After(today.AddDays(7)) {
		return rateshop.Date{}, fmt.Sprintf("mailingDate %s must be from today through 7 days from today.", v)
	}
	return d, ""
}
