package usps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

type optionsRequest struct {
	OriginZIPCode                string          `json:"originZIPCode"`
	DestinationZIPCode           string          `json:"destinationZIPCode"`
	DestinationEntryFacilityType string          `json:"destinationEntryFacilityType"`
	PricingOptions               []pricingOption `json:"pricingOptions"`
	PackageDescription           packageQuery    `json:"packageDescription"`
	ShippingFilter               string          `json:"shippingFilter"`
}

type pricingOption struct {
	PriceType      string          `json:"priceType"`
	PaymentAccount *paymentAccount `json:"paymentAccount,omitempty"`
}

type paymentAccount struct {
	AccountType   string `json:"accountType"`
	AccountNumber string `json:"accountNumber"`
}

type packageQuery struct {
	Weight      float64 `json:"weight"`
	Length      float64 `json:"length"`
	Width       float64 `json:"width"`
	Height      float64 `json:"height"`
	MailClass   string  `json:"mailClass,omitempty"`
	MailingDate string  `json:"mailingDate"`
}

type commitment struct {
	Name                 string `json:"name"`
	ScheduleDeliveryDate string `json:"scheduleDeliveryDate"`
	GuaranteedDelivery   bool   `json:"guaranteedDelivery"`
}

type optionsResponse struct {
	PricingOptions []struct {
		PriceType       string `json:"priceType"`
		ShippingOptions []struct {
			MailClass   string `json:"mailClass"`
			RateOptions []struct {
				Commitment *commitment `json:"commitment"`
				TotalPrice json.Number `json:"totalPrice"`
				Rates      []struct {
					Description        string `json:"description"`
					MailClass          string `json:"mailClass"`
					ProductName        string `json:"productName"`
					RateIndicator      string `json:"rateIndicator"`
					ProcessingCategory string `json:"processingCategory"`
				} `json:"rates"`
			} `json:"rateOptions"`
		} `json:"shippingOptions"`
	} `json:"pricingOptions"`
}

// parcelIndicators are the rate indicators of a parcel in the shipper's own
// packaging: single-piece and the dimensional ones. Flat rate and other
// container prices need USPS packaging and are never quoted.
var parcelIndicators = []string{"SP", "DR", "DN"}

// Rates implements carrier.Adapter with one Shipping Options search for
// every mail class.
func (a *Adapter) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	if !domestic(req.From) || !domestic(req.To) {
		return nil, fmt.Errorf("usps: rates: only domestic parcels are rated (from %q to %q)", req.From.Country, req.To.Country)
	}
	s, err := a.session(c)
	if err != nil {
		return nil, err
	}
	po := pricingOption{PriceType: a.priceType}
	if n := c.Credentials[CredAccountNumber]; n != "" && a.priceType != "RETAIL" {
		po.PaymentAccount = &paymentAccount{AccountType: accountType(c), AccountNumber: n}
	}
	body := optionsRequest{
		OriginZIPCode:                zip5(req.From.PostalCode),
		DestinationZIPCode:           zip5(req.To.PostalCode),
		DestinationEntryFacilityType: "NONE",
		PricingOptions:               []pricingOption{po},
		PackageDescription: packageQuery{Weight: req.WeightOz / 16, Length: req.LengthIn, Width: req.WidthIn,
			Height: req.HeightIn, MailingDate: req.ShipDate.String()},
		ShippingFilter: "PRICE",
	}
	if len(a.classes) == 1 {
		body.PackageDescription.MailClass = a.classes[0]
	}
	r, err := s.call(ctx, http.MethodPost, "/shipments/v3/options/search", body, nil)
	if err != nil {
		return nil, err
	}
	if !r.ok() {
		return nil, fail("rates", r)
	}
	var resp optionsResponse
	if err := json.Unmarshal(r.body, &resp); err != nil {
		return nil, fmt.Errorf("usps: rates: malformed answer: %w", err)
	}
	var quotes []rateshop.Quote
	for _, p := range resp.PricingOptions {
		if p.PriceType != "" && p.PriceType != a.priceType {
			continue
		}
		for _, so := range p.ShippingOptions {
			if !slices.Contains(a.classes, so.MailClass) {
				continue
			}
			var best *rateshop.Quote
			var bestCents int64
			for _, ro := range so.RateOptions {
				if len(ro.Rates) == 0 || !slices.Contains(parcelIndicators, ro.Rates[0].RateIndicator) {
					continue
				}
				amount, err := decimal(ro.TotalPrice)
				if err != nil {
					return nil, fmt.Errorf("usps: rates: %s totalPrice: %w", so.MailClass, err)
				}
				cents, err := rateshop.ParseCents(amount)
				if err != nil {
					return nil, fmt.Errorf("usps: rates: %s totalPrice: %w", so.MailClass, err)
				}
				if best != nil && cents >= bestCents {
					continue
				}
				rate := ro.Rates[0]
				q := rateshop.Quote{Provider: carrier.USPSDirect, Carrier: "usps", Service: so.MailClass,
					ServiceName: rate.ProductName, Amount: amount, Currency: "USD",
					RateID: rate.RateIndicator + ":" + rate.ProcessingCategory}
				if q.ServiceName == "" {
					q.ServiceName = so.MailClass
				}
				if cm := ro.Commitment; cm != nil {
					q.Guaranteed = cm.GuaranteedDelivery
					if d, ok := dateOf(cm.ScheduleDeliveryDate); ok {
						q.DeliveryDate = &d
					}
					if n, ok := leadingInt(cm.Name); ok {
						q.BusinessDays = &n
					}
				}
				best, bestCents = &q, cents
			}
			if best != nil {
				quotes = append(quotes, *best)
			}
		}
	}
	return quotes, nil
}

var numberPattern = regexp.MustCompile(`^\d+(\.\d+)?$`)

// decimal renders a JSON number as a decimal string with at least two
// places, from its digits: "8.4" is "8.40", never through a float.
func decimal(n json.Number) (string, error) {
	s := n.String()
	if !numberPattern.MatchString(s) {
		return "", fmt.Errorf("%q is not a plain decimal amount", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac, nil
}

// dateOf reads the date of "2026-03-05" or "2026-03-05T…".
func dateOf(v string) (rateshop.Date, bool) {
	if len(v) < 10 {
		return rateshop.Date{}, false
	}
	d, err := rateshop.ParseDate(v[:10])
	return d, err == nil
}

// leadingInt reads the days of a commitment name such as "2 Days" or "1-Day".
func leadingInt(v string) (int, bool) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(v[:i])
	return n, err == nil
}

func domestic(a rateshop.Address) bool {
	c := strings.ToUpper(strings.TrimSpace(a.Country))
	return c == "" || c == "US" || c == "USA"
}

// zip5 is the 5-digit ZIP Code of a postal code such as "94107-1234".
func zip5(pc string) string {
	z, _, _ := strings.Cut(strings.TrimSpace(pc), "-")
	return z
}

func accountType(c carrier.Conn) string {
	if t := c.Credentials[CredAccountType]; t != "" {
		return t
	}
	return "EPS"
}
