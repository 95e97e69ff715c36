package ups

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

var versionPattern = regexp.MustCompile(`^v\d+$`)

// decode reads a JSON body, answering UPS's malformed-request error.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "10002", "The request is not well formed: "+err.Error())
		return false
	}
	return true
}

// handleRate is Rating: Rate and Ratetimeintransit price one service,
// Shop and Shoptimeintransit every one; the time-in-transit options (or
// ?additionalinfo=timeintransit) add the estimated arrival and require
// DeliveryTimeInformation and ShipmentTotalWeight.
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	if !versionPattern.MatchString(r.PathValue("version")) {
		writeError(w, http.StatusNotFound, "10404", "The requested resource was not found.")
		return
	}
	option := r.PathValue("option")
	var shop, tit bool
	switch option {
	case "Rate":
	case "Shop":
		shop = true
	case "Ratetimeintransit":
		tit = true
	case "Shoptimeintransit":
		shop, tit = true, true
	default:
		writeError(w, http.StatusBadRequest, "111001", "Invalid request option "+option+"; use Rate, Shop, Ratetimeintransit or Shoptimeintransit.")
		return
	}
	if r.URL.Query().Get("additionalinfo") == "timeintransit" {
		tit = true
	}
	var in inRate
	if !decode(w, r, &in) {
		return
	}
	if in.RateRequest == nil || in.RateRequest.Shipment == nil {
		writeError(w, http.StatusBadRequest, "111100", "Missing RateRequest/Shipment.")
		return
	}
	sh := in.RateRequest.Shipment
	if sh.Shipper == nil {
		writeError(w, http.StatusBadRequest, "111030", "Missing or invalid shipper.")
		return
	}
	if e := checkAddress(sh.Shipper.Address, "shipper", "111285"); e != nil {
		writeError(w, http.StatusBadRequest, e.Code, e.Message)
		return
	}
	if sh.ShipTo == nil {
		writeError(w, http.StatusBadRequest, "111035", "Missing or invalid ship to country code.")
		return
	}
	if e := checkAddress(sh.ShipTo.Address, "ship to", "111285"); e != nil {
		writeError(w, http.StatusBadRequest, e.Code, e.Message)
		return
	}
	from, to := sh.Shipper.Address, sh.ShipTo.Address
	if sh.ShipFrom != nil && sh.ShipFrom.Address != nil {
		if e := checkAddress(sh.ShipFrom.Address, "ship from", "111285"); e != nil {
			writeError(w, http.StatusBadRequest, e.Code, e.Message)
			return
		}
		from = sh.ShipFrom.Address
	}
	negotiated := sh.ShipmentRatingOptions != nil && sh.ShipmentRatingOptions.NegotiatedRatesIndicator != nil
	if negotiated && sh.Shipper.ShipperNumber != s.opts.AccountNumber {
		writeError(w, http.StatusBadRequest, "111030", "Missing or invalid shipper number.")
		return
	}
	if len(sh.Package) == 0 {
		writeError(w, http.StatusBadRequest, "111050", "Missing or invalid package weight.")
		return
	}
	if len(sh.Package) > 1 {
		writeError(w, http.StatusBadRequest, "111004", "The simulator rates one package per shipment.")
		return
	}
	p, e := readParcel(sh.Package[0], "PackagingType", from.CountryCode == "US")
	if e != nil {
		writeError(w, http.StatusBadRequest, e.Code, e.Message)
		return
	}
	pickup := s.now()
	if tit {
		dti := sh.DeliveryTimeInformation
		if dti == nil || sh.ShipmentTotalWeight == nil || sh.ShipmentTotalWeight.Weight == "" || sh.ShipmentTotalWeight.UnitOfMeasurement == nil {
			writeError(w, http.StatusBadRequest, "111549", "DeliveryTimeInformation and ShipmentTotalWeight are required for a time in transit request.")
			return
		}
		if dti.Pickup != nil && dti.Pickup.Date != "" {
			d, err := time.Parse("20060102", dti.Pickup.Date)
			if err != nil {
				writeError(w, http.StatusBadRequest, "111548", "Invalid pickup date "+dti.Pickup.Date+"; use YYYYMMDD.")
				return
			}
			pickup = d
		}
	}
	services := servicesFor(from.CountryCode, to.CountryCode)
	var only string
	if !shop {
		if sh.Service == nil || sh.Service.Code == "" {
			writeError(w, http.StatusBadRequest, "111100", "Missing or invalid service code.")
			return
		}
		only = sh.Service.Code
		if _, ok := findService(services, only); !ok {
			writeError(w, http.StatusBadRequest, "111100", "The requested service is invalid from the selected origin.")
			return
		}
	}

	q := quoteInput{parcel: p, zone: zone(from.PostalCode, to.PostalCode), residential: to.ResidentialAddressIndicator != nil,
		pickup: pickup, tit: tit, negotiated: negotiated && s.opts.NegotiatedPercentOff > 0}
	script := s.gate.Script()
	var rated []map[string]any
	if script != nil && len(script.Quotes) > 0 {
		for _, sq := range script.Quotes {
			if strings.EqualFold(sq.Carrier, "ups") && (only == "" || sq.Service == only) {
				rated = append(rated, s.scripted(sq, q))
			}
		}
	} else {
		for _, svc := range services {
			if only == "" || svc.code == only {
				rated = append(rated, s.computed(svc, q))
			}
		}
	}
	resp := map[string]any{"ResponseStatus": codeDesc{Code: "1", Description: "Success"},
		"Alert": []codeDesc{{Code: "110971", Description: "Your invoice may vary from the displayed reference rates"}}}
	if tr := in.RateRequest.Request.TransactionReference; tr != nil {
		resp["TransactionReference"] = map[string]string{"CustomerContext": tr.CustomerContext}
	}
	if rated == nil {
		rated = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"RateResponse": map[string]any{"Response": resp, "RatedShipment": rated}})
}

// quoteInput is what pricing needs from a rate request.
type quoteInput struct {
	parcel      parcel
	zone        int
	residential bool
	pickup      time.Time
	tit         bool
	negotiated  bool
}

func (s *Server) billingWeight(p parcel) map[string]any {
	return map[string]any{"UnitOfMeasurement": codeDesc{Code: "LBS", Description: "Pounds"},
		"Weight": strconv.FormatInt(p.billable(s.opts.DimDivisor), 10) + ".0"}
}

// computed prices a service from the zone and billable weight.
func (s *Server) computed(svc service, q quoteInput) map[string]any {
	c := price(svc, q.parcel.billable(s.opts.DimDivisor), q.zone, q.residential)
	days := transitDays(svc, q.zone)
	rs := map[string]any{
		"Service":               codeDesc{Code: svc.code, Description: ""},
		"Zone":                  strconv.Itoa(q.zone),
		"RatingMethod":          "01",
		"BillingWeight":         s.billingWeight(q.parcel),
		"TransportationCharges": money{"USD", cents(c)},
		"ServiceOptionsCharges": money{"USD", "0.00"},
		"TotalCharges":          money{"USD", cents(c)},
	}
	if q.negotiated {
		n := c * int64(100-s.opts.NegotiatedPercentOff) / 100
		rs["NegotiatedRateCharges"] = map[string]any{"TotalCharge": money{"USD", cents(n)}}
	}
	if svc.guaranteed {
		rs["GuaranteedDelivery"] = map[string]string{"BusinessDaysInTransit": strconv.Itoa(days), "DeliveryByTime": svc.byTime}
	}
	if q.tit {
		rs["TimeInTransit"] = timeInTransit(svc.name, q.pickup, addBusinessDays(q.pickup, days), days, svc.guaranteed)
	}
	return rs
}

// scripted answers a script quote as UPS would: its amount as the total,
// its guarantee, and with time in transit its date (or one counted from
// its business days).
func (s *Server) scripted(sq carrierscript.Quote, q quoteInput) map[string]any {
	amount, _ := rateshop.ParseCents(sq.Amount)
	name := sq.Service
	if svc, ok := findService(domesticServices, sq.Service); ok {
		name = svc.name
	} else if svc, ok := findService(internationalServices, sq.Service); ok {
		name = svc.name
	}
	rs := map[string]any{
		"Service":       codeDesc{Code: sq.Service, Description: ""},
		"BillingWeight": s.billingWeight(q.parcel),
		"TotalCharges":  money{strings.ToUpper(sq.Currency), cents(amount)},
	}
	days := -1
	if sq.BusinessDays != nil {
		days = *sq.BusinessDays
	}
	if sq.Guaranteed {
		gd := map[string]string{"BusinessDaysInTransit": ""}
		if days >= 0 {
			gd["BusinessDaysInTransit"] = strconv.Itoa(days)
		}
		rs["GuaranteedDelivery"] = gd
	}
	if !q.tit {
		return rs
	}
	var arrival time.Time
	switch {
	case sq.DeliveryDate != "":
		arrival, _ = time.Parse(time.DateOnly, sq.DeliveryDate)
	case days >= 0:
		arrival = addBusinessDays(q.pickup, days)
	default:
		return rs
	}
	rs["TimeInTransit"] = timeInTransit(name, q.pickup, arrival, days, sq.Guaranteed)
	return rs
}

// timeInTransit is the TimeInTransit element of a rated shipment; days
// below zero are left out.
func timeInTransit(name string, pickup, arrival time.Time, days int, guaranteed bool) map[string]any {
	est := map[string]any{
		"Arrival":   map[string]string{"Date": arrival.Format("20060102"), "Time": "233000"},
		"Pickup":    map[string]string{"Date": pickup.Format("20060102"), "Time": "180000"},
		"DayOfWeek": strings.ToUpper(arrival.Weekday().String()[:3]),
	}
	if days >= 0 {
		est["BusinessDaysInTransit"] = strconv.Itoa(days)
	}
	summary := map[string]any{"Service": map[string]string{"Description": name}, "EstimatedArrival": est, "SaturdayDelivery": "0"}
	if guaranteed {
		summary["GuaranteedIndicator"] = ""
	}
	return map[string]any{"PickupDate": pickup.Format("20060102"), "PackageBillType": "03", "ServiceSummary": summary}
}
