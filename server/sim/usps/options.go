package usps

import (
	"fmt"
	"net/http"
)

type optionsRequest struct {
	OriginZIPCode                string          `json:"originZIPCode"`
	DestinationZIPCode           string          `json:"destinationZIPCode"`
	DestinationEntryFacilityType string          `json:"destinationEntryFacilityType,omitempty"`
	PricingOptions               []pricingOption `json:"pricingOptions"`
	PackageDescription           packageQuery    `json:"packageDescription"`
	ShippingFilter               string          `json:"shippingFilter,omitempty"`
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
	Weight             float64 `json:"weight"`
	Length             float64 `json:"length"`
	Width              float64 `json:"width"`
	Height             float64 `json:"height"`
	MailClass          string  `json:"mailClass,omitempty"`
	MailingDate        string  `json:"mailingDate"`
	ProcessingCategory string  `json:"processingCategory,omitempty"`
	RateIndicator      string  `json:"rateIndicator,omitempty"`
	PackageValue       float64 `json:"packageValue,omitempty"`
	ExtraServices      []int   `json:"extraServices,omitempty"`
}

// price is a decimal string that marshals as a JSON number, as USPS sends
// money.
type price string

// MarshalJSON writes p as a bare JSON number.
func (p price) MarshalJSON() ([]byte, error) { return jsonNumber(string(p)), nil }

type rateJSON struct {
	SKU                          string  `json:"SKU"`
	Description                  string  `json:"description"`
	PriceType                    string  `json:"priceType"`
	Price                        price   `json:"price"`
	Weight                       int64   `json:"weight"`
	DimWeight                    int64   `json:"dimWeight"`
	Fees                         []any   `json:"fees"`
	StartDate                    string  `json:"startDate"`
	EndDate                      string  `json:"endDate"`
	MailClass                    string  `json:"mailClass"`
	Zone                         string  `json:"zone"`
	ProductName                  string  `json:"productName"`
	ProcessingCategory           string  `json:"processingCategory"`
	RateIndicator                string  `json:"rateIndicator"`
	DestinationEntryFacilityType string  `json:"destinationEntryFacilityType"`
	PackageValue                 float64 `json:"packageValue,omitempty"`
}

type rateOptionJSON struct {
	Commitment     *commitment `json:"commitment,omitempty"`
	TotalPrice     price       `json:"totalPrice"`
	TotalBasePrice price       `json:"totalBasePrice"`
	Rates          []rateJSON  `json:"rates"`
	ExtraServices  []any       `json:"extraServices"`
}

type shippingOptionJSON struct {
	MailClass   string           `json:"mailClass"`
	RateOptions []rateOptionJSON `json:"rateOptions"`
}

type pricingOptionJSON struct {
	PriceType       string               `json:"priceType"`
	ShippingOptions []shippingOptionJSON `json:"shippingOptions"`
}

var priceTypes = map[string]bool{"RETAIL": true, "COMMERCIAL": true, "CONTRACT": true}

// handleOptions is POST /shipments/v3/options/search.
func (s *Server) handleOptions(w http.ResponseWriter, r *http.Request) {
	var req optionsRequest
	if !decodeBody(w, r, &req) {
		return
	}
	p, ok := s.checkOptions(w, req)
	if !ok {
		return
	}
	sc := s.gate.Script()
	if s.scripted(w, r, sc) {
		return
	}
	if req.DestinationZIPCode == s.opts.RejectZIP {
		addressError(w, "destinationZIPCode", fmt.Sprintf("The destination ZIP Code %s is not a valid ZIP Code.", req.DestinationZIPCode))
		return
	}
	offers := s.offers(p, req.PackageDescription.MailClass)
	var out []pricingOptionJSON
	for _, po := range req.PricingOptions {
		opt := pricingOptionJSON{PriceType: po.PriceType, ShippingOptions: []shippingOptionJSON{}}
		byClass := map[string]int{}
		for _, o := range offers {
			i, seen := byClass[o.mailClass]
			if !seen {
				i = len(opt.ShippingOptions)
				byClass[o.mailClass] = i
				opt.ShippingOptions = append(opt.ShippingOptions, shippingOptionJSON{MailClass: o.mailClass})
			}
			opt.ShippingOptions[i].RateOptions = append(opt.ShippingOptions[i].RateOptions, rateOptionJSON{
				Commitment: o.commitment, TotalPrice: price(o.amount), TotalBasePrice: price(o.amount),
				Rates: []rateJSON{{
					SKU: o.sku, Description: o.description, PriceType: po.PriceType, Price: price(o.amount),
					Weight: o.weightLb, DimWeight: o.dimWeightLb, Fees: []any{},
					StartDate: "2026-01-18", EndDate: "", MailClass: o.mailClass, Zone: fmt.Sprintf("%02d", o.zone),
					ProductName: o.product, ProcessingCategory: o.processing, RateIndicator: o.rateIndicator,
					DestinationEntryFacilityType: "NONE",
				}},
				ExtraServices: []any{},
			})
		}
		out = append(out, opt)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"originZIPCode":      req.OriginZIPCode,
		"destinationZIPCode": req.DestinationZIPCode,
		"pricingOptions":     out,
	})
}

// checkOptions validates a shipping options search, answering 400 for the
// first problem.
func (s *Server) checkOptions(w http.ResponseWriter, req optionsRequest) (parcel, bool) {
	pd := req.PackageDescription
	switch {
	case !zip5.MatchString(req.OriginZIPCode):
		badRequest(w, "originZIPCode", "originZIPCode %q must be a 5-digit ZIP Code.", req.OriginZIPCode)
	case !zip5.MatchString(req.DestinationZIPCode):
		badRequest(w, "destinationZIPCode", "destinationZIPCode %q must be a 5-digit ZIP Code.", req.DestinationZIPCode)
	case req.DestinationEntryFacilityType != "" && req.DestinationEntryFacilityType != "NONE":
		badRequest(w, "destinationEntryFacilityType", "destinationEntryFacilityType %q is not supported for these mail classes; use NONE.", req.DestinationEntryFacilityType)
	case len(req.PricingOptions) == 0:
		badRequest(w, "pricingOptions", "pricingOptions must name at least one priceType.")
	case req.ShippingFilter != "" && req.ShippingFilter != "PRICE" && req.ShippingFilter != "SERVICE_STANDARDS":
		badRequest(w, "shippingFilter", "shippingFilter %q must be PRICE or SERVICE_STANDARDS.", req.ShippingFilter)
	case pd.Weight <= 0 || pd.Weight > 70:
		badRequest(w, "packageDescription.weight", "packageDescription.weight %g must be more than 0 and at most 70 pounds.", pd.Weight)
	case pd.Length <= 0 || pd.Width <= 0 || pd.Height <= 0:
		badRequest(w, "packageDescription.length", "packageDescription.length, width and height are required, in inches.")
	case pd.Length+2*(pd.Width+pd.Height) > 130:
		badRequest(w, "packageDescription.length", "The package exceeds 130 inches in combined length and girth.")
	case pd.MailClass != "" && !knownMailClasses[pd.MailClass]:
		badRequest(w, "packageDescription.mailClass", "packageDescription.mailClass %q is not a valid mail class.", pd.MailClass)
	default:
		for _, po := range req.PricingOptions {
			if !priceTypes[po.PriceType] {
				badRequest(w, "pricingOptions.priceType", "priceType %q must be RETAIL, COMMERCIAL or CONTRACT.", po.PriceType)
				return parcel{}, false
			}
			if po.PaymentAccount != nil && po.PaymentAccount.AccountNumber != s.opts.Account {
				badRequest(w, "pricingOptions.paymentAccount.accountNumber", "The payment account %s is not linked to this application.", po.PaymentAccount.AccountNumber)
				return parcel{}, false
			}
		}
		d, problem := s.checkMailingDate(pd.MailingDate)
		if problem != "" {
			badRequest(w, "packageDescription.mailingDate", "%s", problem)
			return parcel{}, false
		}
		return parcel{weightLb: pd.Weight, length: pd.Length, width: pd.Width, height: pd.Height,
			origin: req.OriginZIPCode, destination: req.DestinationZIPCode, mailingDate: d}, true
	}
	return parcel{}, false
}
