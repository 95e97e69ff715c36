package fedex

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Request shapes as the simulator reads them (decoded with UseNumber, so
// that a fractional dimension can be told from an integer one).

type inAddress struct {
	StreetLines         []string `json:"streetLines"`
	City                string   `json:"city"`
	StateOrProvinceCode string   `json:"stateOrProvinceCode"`
	PostalCode          string   `json:"postalCode"`
	CountryCode         string   `json:"countryCode"`
	Residential         bool     `json:"residential"`
}

type inParty struct {
	Contact *struct {
		PersonName  string `json:"personName"`
		CompanyName string `json:"companyName"`
		PhoneNumber string `json:"phoneNumber"`
	} `json:"contact"`
	Address *inAddress `json:"address"`
}

type inLineItem struct {
	Weight *struct {
		Units string      `json:"units"`
		Value json.Number `json:"value"`
	} `json:"weight"`
	Dimensions *struct {
		Length json.Number `json:"length"`
		Width  json.Number `json:"width"`
		Height json.Number `json:"height"`
		Units  string      `json:"units"`
	} `json:"dimensions"`
	CustomerReferences []struct {
		CustomerReferenceType string `json:"customerReferenceType"`
		Value                 string `json:"value"`
	} `json:"customerReferences"`
}

// service is a FedEx service as the simulator prices it: a base charge for
// the first pound and a charge per further pound, in cents at zone 2, its
// transit days (zero: by zone, as Ground), and whether it is Express.
type service struct {
	kind, name  string
	base, perLb int64
	days        int
	express     bool
	by          string // delivery time of day
}

var domesticServices = []service{
	{"FIRST_OVERNIGHT", "FedEx First Overnight", 10500, 520, 1, true, "08:00:00"},
	{"PRIORITY_OVERNIGHT", "FedEx Priority Overnight", 6200, 480, 1, true, "10:30:00"},
	{"STANDARD_OVERNIGHT", "FedEx Standard Overnight", 5500, 440, 1, true, "17:00:00"},
	{"FEDEX_2_DAY_AM", "FedEx 2Day A.M.", 3200, 290, 2, true, "10:30:00"},
	{"FEDEX_2_DAY", "FedEx 2Day", 2750, 255, 2, true, "17:00:00"},
	{"FEDEX_EXPRESS_SAVER", "FedEx Express Saver", 2150, 180, 3, true, "17:00:00"},
	{"FEDEX_GROUND", "FedEx Ground", 1040, 94, 0, false, ""},
}

var homeDelivery = service{"GROUND_HOME_DELIVERY", "FedEx Home Delivery", 1040, 94, 0, false, ""}

var internationalServices = []service{
	{"INTERNATIONAL_PRIORITY", "FedEx International Priority", 4700, 610, 2, true, "12:00:00"},
	{"INTERNATIONAL_ECONOMY", "FedEx International Economy", 3900, 480, 5, false, ""},
}

// servicesFor lists the services between two countries; Ground becomes
// Home Delivery for a residence.
func servicesFor(from, to string, residential bool) []service {
	if from != "US" || to != "US" {
		return internationalServices
	}
	if !residential {
		return domesticServices
	}
	out := append([]service(nil), domesticServices...)
	out[len(out)-1] = homeDelivery
	return out
}

func findService(list []service, kind string) (service, bool) {
	for _, s := range list {
		if s.kind == kind {
			return s, true
		}
	}
	return service{}, false
}

// serviceName names any known service type.
func serviceName(kind string) string {
	for _, l := range [][]service{domesticServices, internationalServices, {homeDelivery}} {
		if s, ok := findService(l, kind); ok {
			return s.name
		}
	}
	return kind
}

var zip5 = regexp.MustCompile(`^\d{5}(-?\d{4})?$`)

// zone derives a zone (2–8) from the distance between the ZIP codes'
// three-digit prefixes.
func zone(from, to string) int {
	a, errA := strconv.Atoi(prefix3(from))
	b, errB := strconv.Atoi(prefix3(to))
	if errA != nil || errB != nil {
		return 8
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return min(8, 2+d/150)
}

func prefix3(zip string) string {
	if len(zip) < 3 {
		return zip
	}
	return zip[:3]
}

func transitDays(s service, z int) int {
	if s.days > 0 {
		return s.days
	}
	return [...]int{1, 2, 3, 3, 4, 4, 5}[z-2]
}

// listPrice is the published charge in cents: zone 2 charges grow 11% a
// zone, and a residential delivery adds 5.80.
func listPrice(s service, billLbs int64, z int, residential bool) int64 {
	c := (s.base + s.perLb*(billLbs-1)) * int64(100+(z-2)*11) / 100
	if residential {
		c += 580
	}
	return c
}

// number renders cents as FedEx's JSON number, which prints like a
// double: 16.3, 18.14, 16.0.
func number(cents int64) json.Number {
	s := fmt.Sprintf("%d.%02d", cents/100, cents%100)
	if strings.HasSuffix(s, "0") {
		s = s[:len(s)-1]
	}
	return json.Number(s)
}

var enumWords = []string{"ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN",
	"TWELVE", "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"}

// transitEnum is FedEx's transit time enum for n days (ONE_DAY, TWO_DAYS …).
func transitEnum(n int) string {
	switch {
	case n == 1:
		return "ONE_DAY"
	case n >= 2 && n <= 20:
		return enumWords[n-1] + "_DAYS"
	}
	return "UNKNOWN"
}

func addBusinessDays(d time.Time, n int) time.Time {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// parcel is one package as measured from a request, in pounds and inches.
type parcel struct {
	lbs                   float64
	length, width, height float64
	dims                  bool
}

// billable is the weight FedEx bills, in whole pounds, and whether the
// dimensional weight decided it.
func (p parcel) billable(divisor int64) (int64, bool) {
	rule := rateshop.DimRule{Divisor: divisor, RoundDimsUp: true, WholePounds: true}
	oz, err := rateshop.BillableWeightOz(p.lbs*16, p.length, p.width, p.height, rule)
	if err != nil {
		return int64(math.Ceil(p.lbs)), false
	}
	actual, _ := rateshop.BillableWeightOz(p.lbs*16, 0, 0, 0, rule)
	return oz / 16, oz > actual
}

// invalid is FedEx's answer to a field it cannot accept.
func invalid(field, why string) *apiErr {
	return &apiErr{"INVALID.INPUT.EXCEPTION", "Invalid field value in the input: " + field + " " + why + "."}
}

// readLineItems checks the package line items: one package, its weight in
// LB or KG, its dimensions whole numbers in IN or CM.
func readLineItems(items []inLineItem) (parcel, *apiErr) {
	if len(items) == 0 {
		return parcel{}, &apiErr{"PACKAGE.LINEITEMS.REQUIRED", "At least one requestedPackageLineItems entry is required."}
	}
	if len(items) > 1 {
		return parcel{}, invalid("requestedPackageLineItems", "has more than the one package the simulator rates")
	}
	it := items[0]
	if it.Weight == nil {
		return parcel{}, &apiErr{"WEIGHT.REQUIRED", "Weight is required for each package."}
	}
	lbs, err := strconv.ParseFloat(it.Weight.Value.String(), 64)
	if err != nil || lbs <= 0 {
		return parcel{}, invalid("requestedPackageLineItems[0].weight.value", "must be a positive number")
	}
	switch it.Weight.Units {
	case "LB":
	case "KG":
		lbs *= 2.20462
	default:
		return parcel{}, invalid("requestedPackageLineItems[0].weight.units", "must be LB or KG")
	}
	if lbs > 150 {
		return parcel{}, &apiErr{"PACKAGE.WEIGHT.EXCEEDED", "The package weight exceeds the maximum of 150 LB."}
	}
	p := parcel{lbs: lbs}
	d := it.Dimensions
	if d == nil {
		return p, nil
	}
	if d.Units != "IN" && d.Units != "CM" {
		return parcel{}, invalid("requestedPackageLineItems[0].dimensions.units", "must be IN or CM")
	}
	vals := make([]float64, 3)
	for i, v := range []struct {
		name string
		n    json.Number
	}{{"length", d.Length}, {"width", d.Width}, {"height", d.Height}} {
		n, err := v.n.Int64()
		if err != nil || n <= 0 {
			return parcel{}, invalid("requestedPackageLineItems[0].dimensions."+v.name, "must be a positive integer")
		}
		vals[i] = float64(n)
		if d.Units == "CM" {
			vals[i] /= 2.54
		}
	}
	if vals[0] > 119 || vals[1] > 119 || vals[2] > 119 {
		return parcel{}, &apiErr{"PACKAGE.DIMENSIONS.EXCEEDED", "A package dimension exceeds the maximum of 119 IN."}
	}
	p.length, p.width, p.height, p.dims = vals[0], vals[1], vals[2], true
	return p, nil
}

// checkAddress checks a party's address: a country, and for the US a ZIP
// code that exists (00000 does not) and a two-letter state when given.
func checkAddress(p *inParty, who string, street bool) *apiErr {
	if p == nil || p.Address == nil || p.Address.CountryCode == "" {
		return &apiErr{strings.ToUpper(who) + ".COUNTRYCODE.REQUIRED", "The " + who + " country code is required."}
	}
	a := p.Address
	if street && (len(a.StreetLines) == 0 || strings.TrimSpace(a.StreetLines[0]) == "") {
		return &apiErr{strings.ToUpper(who) + ".STREETLINES.REQUIRED", "The " + who + " street address is required."}
	}
	if a.CountryCode != "US" {
		return nil
	}
	if !zip5.MatchString(a.PostalCode) || strings.HasPrefix(a.PostalCode, "00000") {
		return &apiErr{"COUNTRY.POSTALCODE.INVALID", "Invalid postal code/country combination for the " + who + ": " + a.PostalCode + " is not a postal code of US. Please update and try again."}
	}
	if st := a.StateOrProvinceCode; st != "" && (len(st) != 2 || strings.ToUpper(st) != st) {
		return &apiErr{strings.ToUpper(who) + ".STATEORPROVINCECODE.INVALID", "The " + who + " state or province code " + st + " is invalid."}
	}
	return nil
}
