package fedex

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

type inRate struct {
	AccountNumber *struct {
		Value string `json:"value"`
	} `json:"accountNumber"`
	RateRequestControlParameters *struct {
		ReturnTransitTimes bool `json:"returnTransitTimes"`
	} `json:"rateRequestControlParameters"`
	RequestedShipment *struct {
		Shipper                   *inParty     `json:"shipper"`
		Recipient                 *inParty     `json:"recipient"`
		ShipDateStamp             string       `json:"shipDateStamp"`
		PickupType                string       `json:"pickupType"`
		ServiceType               string       `json:"serviceType"`
		RateRequestType           []string     `json:"rateRequestType"`
		PackagingType             string       `json:"packagingType"`
		RequestedPackageLineItems []inLineItem `json:"requestedPackageLineItems"`
	} `json:"requestedShipment"`
}

// decode reads a JSON body with numbers kept as text, answering FedEx's
// malformed-input error. It returns the body's requestedShipment keys as
// sent: encoding/json matches names regardless of case, and FedEx spells
// the ship date shipDateStamp in Rate but shipDatestamp in Ship.
func decode(w http.ResponseWriter, r *http.Request, v any) (map[string]bool, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err = dec.Decode(v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID.INPUT.EXCEPTION", "Invalid field value in the input: "+err.Error())
		return nil, false
	}
	var top struct {
		RequestedShipment map[string]json.RawMessage `json:"requestedShipment"`
	}
	_ = json.Unmarshal(raw, &top)
	keys := map[string]bool{}
	for k := range top.RequestedShipment {
		keys[k] = true
	}
	return keys, true
}

var pickupTypes = map[string]bool{"DROPOFF_AT_FEDEX_LOCATION": true, "CONTACT_FEDEX_TO_SCHEDULE": true, "USE_SCHEDULED_PICKUP": true}

var rateTypes = map[string]bool{"LIST": true, "ACCOUNT": true, "PREFERRED": true, "INCENTIVE": true, "RETAIL": true}

// handleRate is Rate and Transit Times: every service (or the one named),
// each with the rate types asked for and, with returnTransitTimes, its
// transit time and delivery date.
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	var in inRate
	keys, ok := decode(w, r, &in)
	if !ok {
		return
	}
	fail := func(e *apiErr) { writeError(w, http.StatusBadRequest, e.Code, e.Message) }
	if keys["shipDatestamp"] {
		fail(invalid("requestedShipment.shipDatestamp", "is Ship's spelling; Rate takes shipDateStamp"))
		return
	}
	if in.AccountNumber == nil || in.AccountNumber.Value == "" {
		fail(&apiErr{"ACCOUNTNUMBER.REQUIRED", "The account number is required."})
		return
	}
	if in.AccountNumber.Value != s.opts.AccountNumber {
		fail(&apiErr{"ACCOUNT.NUMBER.MISMATCH", "The account number does not match the account of the credentials. Please modify your request and try again."})
		return
	}
	rs := in.RequestedShipment
	if rs == nil {
		fail(invalid("requestedShipment", "is required"))
		return
	}
	if e := checkAddress(rs.Shipper, "shipper", false); e != nil {
		fail(e)
		return
	}
	if e := checkAddress(rs.Recipient, "recipient", false); e != nil {
		fail(e)
		return
	}
	if !pickupTypes[rs.PickupType] {
		fail(invalid("requestedShipment.pickupType", "must be DROPOFF_AT_FEDEX_LOCATION, CONTACT_FEDEX_TO_SCHEDULE or USE_SCHEDULED_PICKUP"))
		return
	}
	if rs.PackagingType != "" && rs.PackagingType != "YOUR_PACKAGING" {
		fail(invalid("requestedShipment.packagingType", "is not rated by the simulator (use YOUR_PACKAGING)"))
		return
	}
	wantTypes := map[string]bool{}
	for _, t := range rs.RateRequestType {
		if !rateTypes[t] {
			fail(invalid("requestedShipment.rateRequestType", "must be LIST, ACCOUNT, PREFERRED, INCENTIVE or RETAIL"))
			return
		}
		wantTypes[t] = true
	}
	shipDate := s.now()
	if rs.ShipDateStamp != "" {
		d, err := time.Parse(time.DateOnly, rs.ShipDateStamp)
		if err != nil {
			fail(invalid("requestedShipment.shipDateStamp", "must be YYYY-MM-DD"))
			return
		}
		shipDate = d
	}
	p, e := readLineItems(rs.RequestedPackageLineItems)
	if e != nil {
		fail(e)
		return
	}
	from, to := rs.Shipper.Address, rs.Recipient.Address
	services := servicesFor(from.CountryCode, to.CountryCode, to.Residential)
	if rs.ServiceType != "" {
		svc, ok := findService(services, rs.ServiceType)
		if !ok {
			fail(&apiErr{"SERVICE.TYPE.INVALID", "The service type " + rs.ServiceType + " is not available between the origin and the destination."})
			return
		}
		services = []service{svc}
	}
	q := quoteInput{parcel: p, zone: zone(from.PostalCode, to.PostalCode), residential: to.Residential, shipDate: shipDate,
		transit: in.RateRequestControlParameters != nil && in.RateRequestControlParameters.ReturnTransitTimes,
		account: wantTypes["ACCOUNT"], list: wantTypes["LIST"] || len(wantTypes) == 0}

	script := s.gate.Script()
	details := []map[string]any{}
	if script != nil && len(script.Quotes) > 0 {
		for _, sq := range script.Quotes {
			if strings.EqualFold(sq.Carrier, "fedex") && (rs.ServiceType == "" || sq.Service == rs.ServiceType) {
				details = append(details, s.scripted(sq, q))
			}
		}
	} else {
		for _, svc := range services {
			details = append(details, s.computed(svc, q))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"transactionId": newID(),
		"output": map[string]any{
			"rateReplyDetails": details,
			"quoteDate":        s.now().Format(time.DateOnly),
			"encoded":          false,
		},
	})
}

// quoteInput is what pricing needs from a rate request.
type quoteInput struct {
	parcel        parcel
	zone          int
	residential   bool
	shipDate      time.Time
	transit       bool
	account, list bool
}

// rated is one ratedShipmentDetails entry.
func (s *Server) rated(rateType string, cents int64, q quoteInput) map[string]any {
	bill, byDim := q.parcel.billable(s.opts.DimDivisor)
	method := "ACTUAL"
	if byDim {
		method = "DIM"
	}
	return map[string]any{
		"rateType": rateType, "ratedWeightMethod": method,
		"totalBaseCharge": number(cents), "totalNetCharge": number(cents), "totalNetFedExCharge": number(cents),
		"totalDiscounts": number(0),
		"shipmentRateDetail": map[string]any{
			"rateZone": q.zone, "dimDivisor": s.opts.DimDivisor,
			"totalBillingWeight": map[string]any{"units": "LB", "value": bill},
			"currency":           "USD",
		},
		"currency": "USD",
	}
}

// charges are a service's ACCOUNT and LIST charges in cents.
func (s *Server) charges(svc service, q quoteInput) (account, list int64) {
	bill, _ := q.parcel.billable(s.opts.DimDivisor)
	list = listPrice(svc, bill, q.zone, q.residential)
	return list * int64(100-s.opts.AccountPercentOff) / 100, list
}

func (s *Server) computed(svc service, q quoteInput) map[string]any {
	account, list := s.charges(svc, q)
	d := map[string]any{"serviceType": svc.kind, "serviceName": svc.name, "packagingType": "YOUR_PACKAGING"}
	var rated []map[string]any
	if q.account {
		rated = append(rated, s.rated("ACCOUNT", account, q))
	}
	if q.list {
		rated = append(rated, s.rated("LIST", list, q))
	}
	d["ratedShipmentDetails"] = rated
	days := transitDays(svc, q.zone)
	op := map[string]any{"ineligibleForMoneyBackGuarantee": !svc.express, "astraDescription": svc.kind}
	if q.transit {
		op["transitTime"] = transitEnum(days)
		if svc.express {
			// Express commits to a date and time; Ground gives transit days only.
			due := addBusinessDays(q.shipDate, days).Format(time.DateOnly) + "T" + svc.by
			op["deliveryDate"], op["commitDate"] = due, due
			d["commit"] = map[string]any{"daysInTransit": transitEnum(days), "dateDetail": map[string]any{"dayFormat": due}}
		} else {
			d["commit"] = map[string]any{"daysInTransit": transitEnum(days), "label": "Deliverydate unavailable"}
		}
	}
	d["operationalDetail"] = op
	return d
}

// scripted answers a script quote as FedEx would: its amount as both the
// ACCOUNT and the LIST net charge, the guarantee through money-back
// eligibility, and with transit times its date or business days.
func (s *Server) scripted(sq carrierscript.Quote, q quoteInput) map[string]any {
	cents, _ := rateshop.ParseCents(sq.Amount)
	d := map[string]any{"serviceType": sq.Service, "serviceName": serviceName(sq.Service), "packagingType": "YOUR_PACKAGING"}
	var rated []map[string]any
	for _, t := range []struct {
		name string
		want bool
	}{{"ACCOUNT", q.account}, {"LIST", q.list}} {
		if t.want {
			r := s.rated(t.name, cents, q)
			r["currency"] = strings.ToUpper(sq.Currency)
			rated = append(rated, r)
		}
	}
	d["ratedShipmentDetails"] = rated
	op := map[string]any{"ineligibleForMoneyBackGuarantee": !sq.Guaranteed, "astraDescription": sq.Service}
	if q.transit {
		commit := map[string]any{}
		if sq.BusinessDays != nil {
			op["transitTime"] = transitEnum(*sq.BusinessDays)
			commit["daysInTransit"] = transitEnum(*sq.BusinessDays)
		}
		if sq.DeliveryDate != "" {
			op["deliveryDate"] = sq.DeliveryDate + "T20:00:00"
			commit["dateDetail"] = map[string]any{"dayFormat": sq.DeliveryDate + "T20:00:00"}
		} else {
			commit["label"] = "Deliverydate unavailable"
		}
		d["commit"] = commit
	}
	d["operationalDetail"] = op
	return d
}
