package fedex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/domain"
)

// serviceNames are FedEx's names of its domestic service types, for
// answers that leave serviceName out.
var serviceNames = map[string]string{
	"FEDEX_GROUND":           "FedEx Ground",
	"GROUND_HOME_DELIVERY":   "FedEx Home Delivery",
	"FEDEX_EXPRESS_SAVER":    "FedEx Express Saver",
	"FEDEX_2_DAY":            "FedEx 2Day",
	"FEDEX_2_DAY_AM":         "FedEx 2Day A.M.",
	"STANDARD_OVERNIGHT":     "FedEx Standard Overnight",
	"PRIORITY_OVERNIGHT":     "FedEx Priority Overnight",
	"FIRST_OVERNIGHT":        "FedEx First Overnight",
	"INTERNATIONAL_PRIORITY": "FedEx International Priority",
	"INTERNATIONAL_ECONOMY":  "FedEx International Economy",
}

// expressServices are the services FedEx backs with its money-back
// guarantee (unless operationalDetail says the shipment is ineligible);
// Ground and Home Delivery are not guaranteed.
var expressServices = map[string]bool{
	"FEDEX_EXPRESS_SAVER": true, "FEDEX_2_DAY": true, "FEDEX_2_DAY_AM": true, "STANDARD_OVERNIGHT": true,
	"PRIORITY_OVERNIGHT": true, "FIRST_OVERNIGHT": true, "INTERNATIONAL_PRIORITY": true,
}

// transitDays reads FedEx's transit time enum (ONE_DAY … TWENTY_DAYS).
var transitDays = func() map[string]int {
	words := []string{"ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN",
		"TWELVE", "THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"}
	m := map[string]int{}
	for i, w := range words {
		if i == 0 {
			m[w+"_DAY"] = 1
			continue
		}
		m[w+"_DAYS"] = i + 1
	}
	return m
}()

// ServiceName returns FedEx's name of a service type.
func ServiceName(serviceType string) string {
	if n, ok := serviceNames[serviceType]; ok {
		return n
	}
	return serviceType
}

// measures are a parcel in whole pounds and whole inches, each rounded up
// as FedEx rounds when it bills (rateshop's FedEx rule); FedEx takes
// integer dimensions only.
func measure(weightOz, l, w, h float64) (weight, dimensions, error) {
	rule := rateshop.DefaultDimRules()["fedex"]
	oz, err := rateshop.BillableWeightOz(weightOz, 0, 0, 0, rule)
	if err != nil {
		return weight{}, dimensions{}, fmt.Errorf("fedex: %w", err)
	}
	if oz <= 0 {
		return weight{}, dimensions{}, errors.New("fedex: the parcel's weight must be positive")
	}
	if l <= 0 || w <= 0 || h <= 0 {
		return weight{}, dimensions{}, errors.New("fedex: the parcel's length, width and height must be positive")
	}
	in := func(v float64) int64 {
		if rule.RoundDimsUp {
			return int64(math.Ceil(v - 1e-9))
		}
		return int64(math.Floor(v + 0.5))
	}
	return weight{Units: "LB", Value: oz / 16}, dimensions{Length: in(l), Width: in(w), Height: in(h), Units: "IN"}, nil
}

func toAddress(a rateshop.Address) wireAddress {
	w := wireAddress{City: strings.TrimSpace(a.City), StateOrProvinceCode: strings.ToUpper(strings.TrimSpace(a.State)),
		PostalCode: strings.TrimSpace(a.PostalCode), CountryCode: strings.ToUpper(strings.TrimSpace(a.Country)), Residential: a.Residential}
	if w.CountryCode == "" {
		w.CountryCode = "US"
	}
	for _, l := range []string{a.Street1, a.Street2} {
		if l = strings.TrimSpace(l); l != "" {
			w.StreetLines = append(w.StreetLines, l)
		}
	}
	return w
}

// Rates implements carrier.Adapter with one Rate and Transit Times request
// for every service, account and list rates.
func (a *Adapter) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	s, err := a.open(c)
	if err != nil {
		return nil, err
	}
	wt, dims, err := measure(req.WeightOz, req.LengthIn, req.WidthIn, req.HeightIn)
	if err != nil {
		return nil, err
	}
	shipDate := req.ShipDate
	if shipDate.IsZero() {
		shipDate = rateshop.DateOf(a.now())
	}
	var body rateRequest
	body.AccountNumber.Value = s.account
	body.RateRequestControlParameters.ReturnTransitTimes = true
	rs := &body.RequestedShipment
	rs.Shipper = party{Address: toAddress(req.From)}
	rs.Recipient = party{Address: toAddress(req.To)}
	rs.ShipDateStamp = shipDate.String()
	rs.PickupType = a.pickupType
	rs.RateRequestType = []string{"ACCOUNT", "LIST"}
	rs.PackagingType = "YOUR_PACKAGING"
	rs.TotalPackageCount = 1
	rs.RequestedPackageLineItems = []lineItem{{Weight: wt, Dimensions: dims}}
	body.CarrierCodes = []string{"FDXE", "FDXG"}

	var out rateResponse
	if err := s.do(ctx, call{op: "rate", method: "POST", path: "/rate/v1/rates/quotes", body: body}, &out); err != nil {
		return nil, err
	}
	var quotes []rateshop.Quote
	var errs []error
	for _, d := range out.Output.RateReplyDetails {
		q, err := quoteOf(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		quotes = append(quotes, q)
	}
	return quotes, errors.Join(errs...)
}

// quoteOf normalizes one rate reply: the ACCOUNT rate (the account's own
// discounts) when present, else LIST, else the first; the delivery date
// from operationalDetail, else the commit; transit days from the enum.
func quoteOf(d rateReplyDetail) (rateshop.Quote, error) {
	if d.ServiceType == "" || len(d.RatedShipmentDetail) == 0 {
		return rateshop.Quote{}, fmt.Errorf("fedex: a rate reply lacks its service type or rated shipment details (%q)", d.ServiceType)
	}
	pick := 0
	for _, want := range []string{"ACCOUNT", "LIST"} {
		found := false
		for i, r := range d.RatedShipmentDetail {
			if r.RateType == want {
				pick, found = i, true
				break
			}
		}
		if found {
			break
		}
	}
	r := d.RatedShipmentDetail[pick]
	amount, err := Decimal(r.TotalNetCharge)
	if err != nil {
		return rateshop.Quote{}, fmt.Errorf("fedex: %s: %w", d.ServiceType, err)
	}
	currency := r.Currency
	if currency == "" {
		currency = r.ShipmentRateDetail.Currency
	}
	if len(currency) != 3 {
		return rateshop.Quote{}, fmt.Errorf("fedex: %s: currency %q", d.ServiceType, currency)
	}
	name := d.ServiceName
	if name == "" {
		name = ServiceName(d.ServiceType)
	}
	q := rateshop.Quote{Provider: carrier.FedExDirect, Carrier: "fedex", Service: d.ServiceType, ServiceName: name,
		Amount: amount, Currency: strings.ToUpper(currency),
		Guaranteed: expressServices[d.ServiceType] && !d.OperationalDetail.IneligibleForMoneyBackGuarantee}
	for _, s := range []string{d.OperationalDetail.DeliveryDate, d.Commit.DateDetail.DayFormat, d.Commit.DateDetail.DayCxsFormat, d.OperationalDetail.CommitDate} {
		if day, ok := isoDate(s); ok {
			q.DeliveryDate = &day
			break
		}
	}
	for _, s := range []string{d.OperationalDetail.TransitTime, d.Commit.DaysInTransit} {
		if n, ok := transitDays[strings.ToUpper(strings.TrimSpace(s))]; ok {
			q.BusinessDays = &n
			break
		}
	}
	return q, nil
}

// isoDate reads the date of "2026-03-04" or "2026-03-04T10:30:00".
func isoDate(s string) (rateshop.Date, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return rateshop.Date{}, false
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return rateshop.Date{}, false
	}
	return rateshop.DateOf(t), true
}

// Decimal turns a FedEx amount (a JSON number such as 30.5, 445.54 or
// 1.2E1) into an exact decimal string with two places ("30.50"). An
// amount with a fraction of a cent is an error, never rounded.
func Decimal(n json.Number) (string, error) {
	s := strings.TrimSpace(n.String())
	if s == "" {
		return "", errors.New("amount is missing")
	}
	if strings.ContainsAny(s, "eE") {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return "", fmt.Errorf("amount %q is not a number", s)
		}
		if !new(big.Rat).Mul(r, big.NewRat(100, 1)).IsInt() {
			return "", fmt.Errorf("amount %q has fractions of a cent", s)
		}
		s = r.FloatString(2)
	}
	c, err := rateshop.ParseCents(s)
	if err != nil {
		return "", err
	}
	return domain.FormatCents(c), nil
}
