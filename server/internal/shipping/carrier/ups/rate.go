package ups

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Service names by UPS service code.
var serviceNames = map[string]string{
	"01": "UPS Next Day Air",
	"02": "UPS 2nd Day Air",
	"03": "UPS Ground",
	"07": "UPS Worldwide Express",
	"08": "UPS Worldwide Expedited",
	"11": "UPS Standard",
	"12": "UPS 3 Day Select",
	"13": "UPS Next Day Air Saver",
	"14": "UPS Next Day Air Early",
	"54": "UPS Worldwide Express Plus",
	"59": "UPS 2nd Day Air A.M.",
	"65": "UPS Worldwide Saver",
	"93": "UPS Ground Saver",
}

// ServiceName returns the name of a UPS service code ("03" → "UPS Ground").
func ServiceName(code string) string {
	if n, ok := serviceNames[code]; ok {
		return n
	}
	return "UPS service " + code
}

// measures are a parcel as UPS is told it: whole pounds and whole inches,
// each rounded up as UPS rounds when it bills (rateshop's UPS rule), so the
// declared weight is never below the billed one.
type measures struct {
	pounds, length, width, height string
}

func measure(weightOz, l, w, h float64) (measures, error) {
	rule := rateshop.DefaultDimRules()["ups"]
	oz, err := rateshop.BillableWeightOz(weightOz, 0, 0, 0, rule)
	if err != nil {
		return measures{}, fmt.Errorf("ups: %w", err)
	}
	if oz <= 0 {
		return measures{}, errors.New("ups: the parcel's weight must be positive")
	}
	if l <= 0 || w <= 0 || h <= 0 {
		return measures{}, errors.New("ups: the parcel's length, width and height must be positive")
	}
	in := func(v float64) string {
		if rule.RoundDimsUp {
			return strconv.FormatInt(int64(math.Ceil(v-1e-9)), 10)
		}
		return strconv.FormatInt(int64(math.Floor(v+0.5)), 10)
	}
	return measures{pounds: strconv.FormatInt(oz/16, 10), length: in(l), width: in(w), height: in(h)}, nil
}

func (m measures) weight() weight {
	return weight{UnitOfMeasurement: codeDesc{Code: "LBS", Description: "Pounds"}, Weight: m.pounds}
}

func (m measures) dimensions() dimensions {
	return dimensions{UnitOfMeasurement: codeDesc{Code: "IN", Description: "Inches"}, Length: m.length, Width: m.width, Height: m.height}
}

// cut shortens s to UPS's field length n.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func toAddress(a rateshop.Address) wireAddress {
	w := wireAddress{City: cut(a.City, 30), StateProvinceCode: strings.ToUpper(cut(a.State, 5)),
		PostalCode: strings.ReplaceAll(cut(a.PostalCode, 10), " ", ""), CountryCode: strings.ToUpper(strings.TrimSpace(a.Country))}
	if w.CountryCode == "" {
		w.CountryCode = "US"
	}
	for _, l := range []string{a.Street1, a.Street2} {
		if l = cut(l, 35); l != "" {
			w.AddressLine = append(w.AddressLine, l)
		}
	}
	if a.Residential {
		empty := ""
		w.ResidentialAddressIndicator = &empty
	}
	return w
}

func indicator() *string { y := "Y"; return &y }

// upsDate renders a date as UPS's YYYYMMDD.
func upsDate(d rateshop.Date) string { return d.Time().Format("20060102") }

// parseUPSDate reads YYYYMMDD.
func parseUPSDate(s string) (rateshop.Date, bool) {
	t, err := time.Parse("20060102", strings.TrimSpace(s))
	if err != nil {
		return rateshop.Date{}, false
	}
	return rateshop.DateOf(t), true
}

// Rates implements carrier.Adapter with one Shoptimeintransit request:
// every service with its charges, estimated arrival and guarantee.
func (a *Adapter) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	s, err := a.open(c)
	if err != nil {
		return nil, err
	}
	m, err := measure(req.WeightOz, req.LengthIn, req.WidthIn, req.HeightIn)
	if err != nil {
		return nil, err
	}
	shipDate := req.ShipDate
	if shipDate.IsZero() {
		shipDate = rateshop.DateOf(a.now())
	}
	from := toAddress(req.From)
	body := rateEnvelope{RateRequest: rateRequest{
		Request: requestInfo{RequestOption: "Shoptimeintransit", SubVersion: strings.TrimPrefix(a.version, "v")},
		Shipment: rateShipment{
			Shipper:                 party{Name: cut(req.From.Name, 35), ShipperNumber: s.account, Address: from},
			ShipFrom:                party{Name: cut(req.From.Name, 35), Address: from},
			ShipTo:                  party{Name: cut(req.To.Name, 35), Address: toAddress(req.To)},
			PaymentDetails:          chargeList{ShipmentCharge: []shipmentCharge{billShipper(s.account)}},
			DeliveryTimeInformation: &deliveryTimeInformation{PackageBillType: "03"},
			ShipmentTotalWeight:     ptr(m.weight()),
			NumOfPieces:             "1",
			Package: []ratePackage{{PackagingType: codeDesc{Code: "02", Description: "Package"},
				Dimensions: m.dimensions(), PackageWeight: m.weight()}},
		},
	}}
	body.RateRequest.Shipment.DeliveryTimeInformation.Pickup.Date = upsDate(shipDate)
	if a.negotiated {
		body.RateRequest.Shipment.ShipmentRatingOptions = &ratingOptions{NegotiatedRatesIndicator: indicator()}
	}
	var out rateResponse
	if err := s.do(ctx, call{op: "rating", method: "POST", path: "/api/rating/" + a.version + "/Shoptimeintransit", body: body}, &out); err != nil {
		return nil, err
	}
	var quotes []rateshop.Quote
	var errs []error
	for _, r := range out.RateResponse.RatedShipment {
		q, err := quoteOf(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		quotes = append(quotes, q)
	}
	return quotes, errors.Join(errs...)
}

func billShipper(account string) shipmentCharge {
	c := shipmentCharge{Type: "01"}
	c.BillShipper.AccountNumber = account
	return c
}

func ptr[T any](v T) *T { return &v }

// quoteOf normalizes one RatedShipment: the negotiated total when UPS gave
// one, else the published total; the estimated arrival and business days
// from TimeInTransit (or GuaranteedDelivery); guaranteed when UPS flags it.
func quoteOf(r ratedShipment) (rateshop.Quote, error) {
	code := r.Service.Code
	charge := r.TotalCharges
	if n := r.NegotiatedRateCharges; n != nil && strings.TrimSpace(n.TotalCharge.MonetaryValue) != "" {
		charge = n.TotalCharge
	}
	if _, err := rateshop.ParseCents(charge.MonetaryValue); err != nil {
		return rateshop.Quote{}, fmt.Errorf("ups: service %s: %w", code, err)
	}
	if code == "" || len(charge.CurrencyCode) != 3 {
		return rateshop.Quote{}, fmt.Errorf("ups: a rated shipment lacks its service code or currency (%q, %q)", code, charge.CurrencyCode)
	}
	q := rateshop.Quote{Provider: carrier.UPSDirect, Carrier: "ups", Service: code, ServiceName: ServiceName(code),
		Amount: strings.TrimSpace(charge.MonetaryValue), Currency: strings.ToUpper(charge.CurrencyCode)}
	days := ""
	// UPS sends GuaranteedDelivery only for services it guarantees.
	if g := r.GuaranteedDelivery; g != nil {
		days = g.BusinessDaysInTransit
		q.Guaranteed = true
	}
	if t := r.TimeInTransit; t != nil {
		est := t.ServiceSummary.EstimatedArrival
		if d, ok := parseUPSDate(est.Arrival.Date); ok {
			q.DeliveryDate = &d
		}
		if est.BusinessDaysInTransit != "" {
			days = est.BusinessDaysInTransit
		}
		if g := t.ServiceSummary.GuaranteedIndicator; g != nil && !strings.EqualFold(*g, "N") {
			q.Guaranteed = true
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(days)); err == nil && n >= 0 {
		q.BusinessDays = &n
	}
	return q, nil
}
