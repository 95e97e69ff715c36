package ups

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// service is a UPS service as the simulator prices it: a base charge for
// the first pound and a charge per further pound, both in cents at zone 2,
// its transit days (zero: by zone, as Ground) and its guarantee.
type service struct {
	code, name  string
	base, perLb int64
	days        int
	guaranteed  bool
	byTime      string
}

var domesticServices = []service{
	{"14", "UPS Next Day Air Early", 9400, 520, 1, true, "8:00 A.M."},
	{"01", "UPS Next Day Air", 6100, 470, 1, true, "10:30 A.M."},
	{"13", "UPS Next Day Air Saver", 5400, 430, 1, true, "3:00 P.M."},
	{"59", "UPS 2nd Day Air A.M.", 3100, 280, 2, true, "10:30 A.M."},
	{"02", "UPS 2nd Day Air", 2700, 250, 2, true, "End of Day"},
	{"12", "UPS 3 Day Select", 2000, 175, 3, true, "End of Day"},
	{"03", "UPS Ground", 1050, 95, 0, false, ""},
}

var internationalServices = []service{
	{"07", "UPS Worldwide Express", 4500, 600, 2, true, "10:30 A.M."},
	{"65", "UPS Worldwide Saver", 3800, 500, 3, true, "End of Day"},
	{"08", "UPS Worldwide Expedited", 3000, 400, 5, false, ""},
}

func findService(list []service, code string) (service, bool) {
	for _, s := range list {
		if s.code == code {
			return s, true
		}
	}
	return service{}, false
}

// servicesFor lists the services between two countries.
func servicesFor(from, to string) []service {
	if from == "US" && to == "US" {
		return domesticServices
	}
	return internationalServices
}

var zip5 = regexp.MustCompile(`^\d{5}(-?\d{4})?$`)

// zone derives a UPS-like zone (2–8) from the distance between the ZIP
// codes' three-digit prefixes.
func zone(from, to string) int {
	a, errA := strconv.Atoi(leading3(from))
	b, errB := strconv.Atoi(leading3(to))
	if errA != nil || errB != nil {
		return 8
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return min(8, 2+d/150)
}

func leading3(zip string) string {
	if len(zip) < 3 {
		return zip
	}
	return zip[:3]
}

// transitDays is a service's business days in transit for a zone.
func transitDays(s service, z int) int {
	if s.days > 0 {
		return s.days
	}
	return [...]int{1, 2, 3, 3, 4, 4, 5}[z-2]
}

// price is the published charge in cents: zone 2 charges grow 12% a zone,
// and a residential delivery adds 5.95.
func price(s service, billLbs int64, z int, residential bool) int64 {
	c := (s.base + s.perLb*(billLbs-1)) * int64(100+(z-2)*12) / 100
	if residential {
		c += 595
	}
	return c
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// addBusinessDays moves d forward n weekdays.
func addBusinessDays(d time.Time, n int) time.Time {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// parcel is one package as measured from the request, in pounds and inches.
type parcel struct {
	lbs                   float64
	length, width, height float64
}

// billable is the weight UPS bills, in whole pounds: the greater of the
// actual and the dimensional weight.
func (p parcel) billable(divisor int64) int64 {
	oz, err := rateshop.BillableWeightOz(p.lbs*16, p.length, p.width, p.height,
		rateshop.DimRule{Divisor: divisor, RoundDimsUp: true, WholePounds: true})
	if err != nil {
		return int64(math.Ceil(p.lbs))
	}
	return oz / 16
}

// readParcel checks a package's weight and dimensions and their units:
// pounds or kilograms, inches or centimetres, and imperial units from the
// US. packaging names the element of the packaging code, which differs
// between Rating (PackagingType) and Shipping (Packaging).
func readParcel(p inPackage, packaging string, fromUS bool) (parcel, *apiErr) {
	pk := p.PackagingType
	if packaging == "Packaging" {
		pk = p.Packaging
	}
	if pk == nil || pk.Code == "" {
		return parcel{}, &apiErr{"111065", "Missing or invalid " + packaging + " code."}
	}
	w := p.PackageWeight
	if w == nil || w.UnitOfMeasurement == nil || strings.TrimSpace(w.Weight) == "" {
		return parcel{}, &apiErr{"111050", "Missing or invalid package weight."}
	}
	lbs, err := strconv.ParseFloat(w.Weight, 64)
	if err != nil || lbs <= 0 {
		return parcel{}, &apiErr{"111050", "Missing or invalid package weight."}
	}
	switch w.UnitOfMeasurement.Code {
	case "LBS":
	case "KGS":
		lbs *= 2.20462
	default:
		return parcel{}, &apiErr{"111053", "Invalid package weight unit of measurement; use LBS or KGS."}
	}
	if lbs > 150 {
		return parcel{}, &apiErr{"111055", "Package weight exceeds the maximum of 150 LBS."}
	}
	out := parcel{lbs: lbs}
	d := p.Dimensions
	if d == nil {
		return out, nil
	}
	if d.UnitOfMeasurement == nil || (d.UnitOfMeasurement.Code != "IN" && d.UnitOfMeasurement.Code != "CM") {
		return parcel{}, &apiErr{"111058", "Invalid dimensions unit of measurement; use IN or CM."}
	}
	if fromUS && (d.UnitOfMeasurement.Code != "IN" || w.UnitOfMeasurement.Code != "LBS") {
		return parcel{}, &apiErr{"111057", "This measurement system is not valid for the selected country."}
	}
	vals := make([]float64, 3)
	for i, s := range []string{d.Length, d.Width, d.Height} {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			return parcel{}, &apiErr{"111059", "Missing or invalid package dimensions."}
		}
		if d.UnitOfMeasurement.Code == "CM" {
			v /= 2.54
		}
		vals[i] = v
	}
	if vals[0] > 108 || vals[1] > 108 || vals[2] > 108 {
		return parcel{}, &apiErr{"111059", "Package length exceeds the maximum of 108 IN."}
	}
	out.length, out.width, out.height = vals[0], vals[1], vals[2]
	return out, nil
}

// checkAddress checks an address as UPS does before rating or shipping:
// a country, and for the US a five- or nine-digit ZIP code that exists
// (00000 does not) and a two-letter state when one is given.
func checkAddress(a *inAddress, who string, invalidZip string) *apiErr {
	if a == nil || a.CountryCode == "" {
		return &apiErr{"111035", "Missing or invalid " + who + " country code."}
	}
	if a.CountryCode != "US" {
		return nil
	}
	if !zip5.MatchString(a.PostalCode) || strings.HasPrefix(a.PostalCode, "00000") {
		return &apiErr{invalidZip, zipMessage(invalidZip, a, who)}
	}
	if st := a.StateProvinceCode; st != "" && (len(st) != 2 || strings.ToUpper(st) != st) {
		return &apiErr{"111286", st + " is not a valid state abbreviation for US."}
	}
	return nil
}

func zipMessage(code string, a *inAddress, who string) string {
	if code == "120802" {
		return "Address Validation Error on " + who + " address"
	}
	return fmt.Sprintf("The postal code %s is invalid for %s United States.", a.PostalCode, a.StateProvinceCode)
}
