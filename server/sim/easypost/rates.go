package easypost

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// service is one priced carrier service: cents = base + perLb×pounds +
// perZone×zone.
type service struct {
	carrier, name        string
	base, perLb, perZone int64
	days                 func(zone int) int
	guaranteed           bool
	// noDate: the carrier gives transit days but no delivery date.
	noDate bool
}

var services = []service{
	{carrier: "USPS", name: "GroundAdvantage", base: 480, perLb: 85, perZone: 38, days: func(z int) int { return 2 + z/3 }},
	{carrier: "USPS", name: "Priority", base: 760, perLb: 125, perZone: 65, days: func(z int) int { return 1 + z/4 }},
	{carrier: "USPS", name: "Express", base: 2600, perLb: 270, perZone: 140, days: func(z int) int { return 1 + z/5 }, guaranteed: true},
	{carrier: "UPS", name: "Ground", base: 900, perLb: 110, perZone: 60, days: func(z int) int { return 1 + z/2 }, noDate: true},
	{carrier: "UPS", name: "2ndDayAir", base: 2000, perLb: 200, perZone: 120, days: func(int) int { return 2 }, guaranteed: true},
	{carrier: "UPS", name: "NextDayAir", base: 4200, perLb: 350, perZone: 220, days: func(int) int { return 1 }, guaranteed: true},
	{carrier: "FedEx", name: "FEDEX_GROUND", base: 880, perLb: 105, perZone: 58, days: func(z int) int { return 1 + z/2 }},
	{carrier: "FedEx", name: "FEDEX_2_DAY", base: 1950, perLb: 190, perZone: 115, days: func(int) int { return 2 }, guaranteed: true},
	{carrier: "FedEx", name: "STANDARD_OVERNIGHT", base: 3900, perLb: 330, perZone: 200, days: func(int) int { return 1 }, guaranteed: true},
}

// carrierName spells a carrier as EasyPost does.
func carrierName(c string) string {
	switch strings.ToLower(strings.TrimSpace(c)) {
	case "usps":
		return "USPS"
	case "ups":
		return "UPS"
	case "fedex":
		return "FedEx"
	case "dhl", "dhlexpress":
		return "DHLExpress"
	}
	return c
}

// rateJSON is EasyPost's Rate object.
type rateJSON struct {
	ID                     string  `json:"id"`
	Object                 string  `json:"object"`
	Mode                   string  `json:"mode"`
	CreatedAt              string  `json:"created_at"`
	UpdatedAt              string  `json:"updated_at"`
	Service                string  `json:"service"`
	Carrier                string  `json:"carrier"`
	Rate                   string  `json:"rate"`
	Currency               string  `json:"currency"`
	RetailRate             *string `json:"retail_rate"`
	RetailCurrency         *string `json:"retail_currency"`
	ListRate               *string `json:"list_rate"`
	ListCurrency           *string `json:"list_currency"`
	BillingType            string  `json:"billing_type"`
	DeliveryDays           *int    `json:"delivery_days"`
	DeliveryDate           *string `json:"delivery_date"`
	DeliveryDateGuaranteed bool    `json:"delivery_date_guaranteed"`
	EstDeliveryDays        *int    `json:"est_delivery_days"`
	ShipmentID             string  `json:"shipment_id"`
	CarrierAccountID       string  `json:"carrier_account_id"`
}

// message is one entry of a shipment's messages: a carrier that could not
// rate.
type message struct {
	Carrier          string `json:"carrier"`
	CarrierAccountID string `json:"carrier_account_id"`
	Type             string `json:"type"`
	Message          string `json:"message"`
}

func zone(origin, destination string) int {
	a, errA := strconv.Atoi(firstN(origin, 3))
	b, errB := strconv.Atoi(firstN(destination, 3))
	if errA != nil || errB != nil {
		return 5
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return 1 + min(d/125, 7)
}

func firstN(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// billableLb is the billed weight in whole pounds by the carrier's
// published dimensional rule.
func billableLb(carrier string, p parcel) int64 {
	rule, ok := rateshop.DefaultDimRules()[strings.ToLower(carrier)]
	if !ok {
		rule = rateshop.DefaultDimRules()["ups"]
	}
	oz, err := rateshop.BillableWeightOz(p.Weight, p.Length, p.Width, p.Height, rule)
	if err != nil {
		oz = int64(math.Ceil(p.Weight))
	}
	return max(1, (oz+15)/16)
}

// addDeliveryDays counts n delivery days after from: USPS delivers Monday
// to Saturday, the others Monday to Friday.
func addDeliveryDays(carrier string, from rateshop.Date, n int) rateshop.Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		wd := d.Weekday()
		if wd == time.Sunday || (wd == time.Saturday && carrier != "USPS") {
			continue
		}
		n--
	}
	return d
}

func countDeliveryDays(carrier string, from, to rateshop.Date) int {
	n := 0
	for d := from; d.Before(to); n++ {
		next := addDeliveryDays(carrier, d, 1)
		if next.After(to) {
			break
		}
		d = next
	}
	return n
}

func formatCents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func intp(n int) *int { return &n }

func strp(s string) *string { return &s }

// rateFor builds one rate.
func (s *Server) rateFor(sh *shipment, acct CarrierAccount, svc, amount string, days *int, date rateshop.Date, guaranteed bool) rateJSON {
	now := s.now().Format(time.RFC3339)
	r := rateJSON{ID: newID("rate"), Object: "Rate", Mode: "test", CreatedAt: now, UpdatedAt: now,
		Service: svc, Carrier: acct.Carrier, Rate: amount, Currency: "USD",
		RetailRate: strp(amount), RetailCurrency: strp("USD"), ListRate: strp(amount), ListCurrency: strp("USD"),
		BillingType: "easypost", DeliveryDays: days, DeliveryDateGuaranteed: guaranteed, EstDeliveryDays: days,
		ShipmentID: sh.ID, CarrierAccountID: acct.ID}
	if !date.IsZero() {
		r.DeliveryDate = strp(date.String() + "T00:00:00Z")
	}
	return r
}

// rate prices a shipment across its carrier accounts: the script's quotes
// when there is a script (quotes of a carrier the account has no carrier
// account for are not rated, as on EasyPost), computed ones otherwise; a
// failing carrier, or a destination no carrier serves, gives a message
// instead of rates.
func (s *Server) rate(sh *shipment, accounts []CarrierAccount, sc *carrierscript.Provider) {
	s.mu.Lock()
	failing := map[string]bool{}
	for c, f := range s.failing {
		failing[c] = f
	}
	s.mu.Unlock()
	sh.Rates, sh.Messages = []rateJSON{}, []message{}
	z := zone(sh.From.Zip, sh.To.Zip)
	for _, acct := range accounts {
		switch {
		case failing[acct.Carrier]:
			sh.Messages = append(sh.Messages, message{Carrier: acct.Carrier, CarrierAccountID: acct.ID, Type: "rate_error",
				Message: acct.Carrier + ": Unable to retrieve rates at this time: the carrier's rating service did not respond."})
			continue
		case sh.To.Zip == s.opts.RejectZIP:
			sh.Messages = append(sh.Messages, message{Carrier: acct.Carrier, CarrierAccountID: acct.ID, Type: "rate_error",
				Message: acct.Carrier + ": Invalid destination ZIP code " + sh.To.Zip + "."})
			continue
		}
		if sc != nil && len(sc.Quotes) > 0 {
			for _, q := range sc.Quotes {
				if carrierName(q.Carrier) != acct.Carrier {
					continue
				}
				var date rateshop.Date
				days := q.BusinessDays
				if q.DeliveryDate != "" {
					date, _ = rateshop.ParseDate(q.DeliveryDate)
					if days == nil {
						days = intp(countDeliveryDays(acct.Carrier, sh.shipDate, date))
					}
				}
				r := s.rateFor(sh, acct, q.Service, q.Amount, days, date, q.Guaranteed)
				r.Currency = q.Currency
				r.RetailCurrency, r.ListCurrency = strp(q.Currency), strp(q.Currency)
				sh.Rates = append(sh.Rates, r)
			}
			continue
		}
		lb := billableLb(acct.Carrier, sh.Parcel)
		for _, svc := range services {
			if svc.carrier != acct.Carrier {
				continue
			}
			days := svc.days(z)
			var date rateshop.Date
			if !svc.noDate {
				date = addDeliveryDays(acct.Carrier, sh.shipDate, days)
			}
			cents := svc.base + svc.perLb*lb + svc.perZone*int64(z)
			sh.Rates = append(sh.Rates, s.rateFor(sh, acct, svc.name, formatCents(cents), intp(days), date, svc.guaranteed))
		}
	}
}
