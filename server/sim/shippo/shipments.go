package shippo

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

type address struct {
	Name          string `json:"name,omitempty"`
	Company       string `json:"company,omitempty"`
	Street1       string `json:"street1"`
	Street2       string `json:"street2,omitempty"`
	Street3       string `json:"street3,omitempty"`
	City          string `json:"city"`
	State         string `json:"state"`
	Zip           string `json:"zip"`
	Country       string `json:"country"`
	Phone         string `json:"phone,omitempty"`
	Email         string `json:"email,omitempty"`
	IsResidential *bool  `json:"is_residential,omitempty"`
	Validate      bool   `json:"validate,omitempty"`
	Metadata      string `json:"metadata,omitempty"`
}

// parcelIn is a parcel as Shippo takes it: numbers as strings, with units.
type parcelIn struct {
	Length       string `json:"length"`
	Width        string `json:"width"`
	Height       string `json:"height"`
	DistanceUnit string `json:"distance_unit"`
	Weight       string `json:"weight"`
	MassUnit     string `json:"mass_unit"`
	Template     string `json:"template,omitempty"`
	Metadata     string `json:"metadata,omitempty"`
}

type shipmentIn struct {
	AddressFrom     *address                   `json:"address_from"`
	AddressTo       *address                   `json:"address_to"`
	AddressReturn   *address                   `json:"address_return,omitempty"`
	Parcels         []parcelIn                 `json:"parcels"`
	ShipmentDate    string                     `json:"shipment_date,omitempty"`
	CarrierAccounts []string                   `json:"carrier_accounts,omitempty"`
	Async           *bool                      `json:"async,omitempty"`
	Metadata        string                     `json:"metadata,omitempty"`
	Extra           map[string]json.RawMessage `json:"extra,omitempty"`
}

// message is a carrier's (or the validator's) note.
type message struct {
	Source string `json:"source"`
	Code   string `json:"code"`
	Text   string `json:"text"`
	Type   string `json:"type,omitempty"`
}

type servicelevel struct {
	Name          string `json:"name"`
	Token         string `json:"token"`
	Terms         string `json:"terms"`
	ExtendedToken string `json:"extended_token"`
}

// rate is Shippo's Rate object.
type rate struct {
	ObjectCreated  string       `json:"object_created"`
	ObjectID       string       `json:"object_id"`
	ObjectOwner    string       `json:"object_owner"`
	Shipment       string       `json:"shipment"`
	Attributes     []string     `json:"attributes"`
	Amount         string       `json:"amount"`
	Currency       string       `json:"currency"`
	AmountLocal    string       `json:"amount_local"`
	CurrencyLocal  string       `json:"currency_local"`
	Provider       string       `json:"provider"`
	ProviderImage  string       `json:"provider_image_75"`
	Servicelevel   servicelevel `json:"servicelevel"`
	EstimatedDays  *int         `json:"estimated_days"`
	ArrivesBy      *string      `json:"arrives_by"`
	DurationTerms  string       `json:"duration_terms"`
	Messages       []message    `json:"messages"`
	CarrierAccount string       `json:"carrier_account"`
	Test           bool         `json:"test"`
	Zone           string       `json:"zone"`
	carrier        string
	cents          int64
	shipment       *shipment
}

// shipment is a rated shipment the simulator holds.
type shipment struct {
	ID, parcelID       string
	Created            time.Time
	From, To           address
	Parcel             parcelIn
	weightOz           float64
	lengthIn, widthIn  float64
	heightIn           float64
	shipDate           rateshop.Date
	Metadata           string
	Rates              []*rate
	Messages           []message
	validationMessages []message
}

// service is one priced carrier service: cents = base + perLb×pounds +
// perZone×zone.
type service struct {
	carrier, token, name string
	base, perLb, perZone int64
	days                 func(zone int) int
	arrivesBy            string
}

var services = []service{
	{"usps", "usps_ground_advantage", "Ground Advantage", 470, 84, 37, func(z int) int { return 2 + z/3 }, ""},
	{"usps", "usps_priority", "Priority Mail", 755, 124, 64, func(z int) int { return 1 + z/4 }, ""},
	{"usps", "usps_priority_express", "Priority Mail Express", 2590, 268, 139, func(z int) int { return 1 + z/5 }, "18:00:00"},
	{"ups", "ups_ground", "Ground", 905, 111, 61, func(z int) int { return 1 + z/2 }, ""},
	{"ups", "ups_second_day_air", "2nd Day Air®", 2010, 201, 121, func(int) int { return 2 }, ""},
	{"ups", "ups_next_day_air", "Next Day Air®", 4210, 352, 221, func(int) int { return 1 }, "10:30:00"},
	{"fedex", "fedex_ground", "FedEx Ground®", 875, 104, 57, func(z int) int { return 1 + z/2 }, ""},
	{"fedex", "fedex_2_day", "FedEx 2Day®", 1940, 189, 114, func(int) int { return 2 }, ""},
	{"fedex", "fedex_standard_overnight", "FedEx Standard Overnight®", 3890, 329, 199, func(int) int { return 1 }, "15:00:00"},
}

// providers spells carriers as rates[].provider does.
var providers = map[string]string{"usps": "USPS", "ups": "UPS", "fedex": "FedEx", "dhl_express": "DHL Express"}

var (
	massUnits     = map[string]float64{"oz": 1, "lb": 16, "g": 1 / 28.349523125, "kg": 35.27396195}
	distanceUnits = map[string]float64{"in": 1, "cm": 1 / 2.54, "mm": 1 / 25.4, "ft": 12, "m": 39.37007874, "yd": 36}
	usZIP         = regexp.MustCompile(`^\d{5}(-\d{4})?$`)
	statePattern  = regexp.MustCompile(`^[A-Za-z]{2}$`)
)

func checkAddress(w http.ResponseWriter, field string, a *address) bool {
	if a == nil {
		badRequest(w, "Invalid shipment", "%s: This field is required.", field)
		return false
	}
	a.Country = strings.ToUpper(a.Country)
	switch {
	case strings.TrimSpace(a.Street1) == "":
		badRequest(w, "Invalid address", "%s.street1: This field may not be blank.", field)
	case strings.TrimSpace(a.City) == "":
		badRequest(w, "Invalid address", "%s.city: This field may not be blank.", field)
	case len(a.Country) != 2:
		badRequest(w, "Invalid address", "%s.country: %q is not a two-letter ISO country code.", field, a.Country)
	case a.Country == "US" && !statePattern.MatchString(a.State):
		badRequest(w, "Invalid address", "%s.state: %q is not a two-letter state code.", field, a.State)
	case a.Country == "US" && !usZIP.MatchString(a.Zip):
		badRequest(w, "Invalid address", "%s.zip: %q is not a valid ZIP code.", field, a.Zip)
	default:
		return true
	}
	return false
}

// measure reads a string quantity in a unit, converted by factor.
func measure(v, unit string, units map[string]float64) (float64, bool) {
	f, ok := units[unit]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) {
		return 0, false
	}
	return n * f, true
}

// handleCreateShipment is POST /shipments/: the shipment is rated at once
// (async:false).
func (s *Server) handleCreateShipment(w http.ResponseWriter, r *http.Request) {
	var in shipmentIn
	if !decodeBody(w, r, &in) {
		return
	}
	if !checkAddress(w, "address_from", in.AddressFrom) || !checkAddress(w, "address_to", in.AddressTo) {
		return
	}
	if in.Async != nil && *in.Async {
		badRequest(w, "Invalid shipment", "async: asynchronous rating is not simulated; send async:false.")
		return
	}
	if len(in.Parcels) != 1 {
		badRequest(w, "Invalid shipment", "parcels: exactly one parcel is required (multi-piece shipments are not simulated).")
		return
	}
	p := in.Parcels[0]
	sh := &shipment{ID: newID(), parcelID: newID(), Created: s.now(), From: *in.AddressFrom, To: *in.AddressTo,
		Parcel: p, Metadata: in.Metadata, shipDate: rateshop.DateOf(s.now())}
	var ok bool
	if sh.weightOz, ok = measure(p.Weight, p.MassUnit, massUnits); !ok {
		badRequest(w, "Invalid parcel", "parcels[0]: weight %q with mass_unit %q must be a positive number as a string in lb, oz, g or kg.", p.Weight, p.MassUnit)
		return
	}
	dims := []*float64{&sh.lengthIn, &sh.widthIn, &sh.heightIn}
	for i, v := range []string{p.Length, p.Width, p.Height} {
		if *dims[i], ok = measure(v, p.DistanceUnit, distanceUnits); !ok {
			badRequest(w, "Invalid parcel", "parcels[0]: length, width and height must be positive numbers as strings with a distance_unit of in, cm, mm, ft, m or yd; got %q %q.", v, p.DistanceUnit)
			return
		}
	}
	if in.ShipmentDate != "" {
		t, err := time.Parse(time.RFC3339, in.ShipmentDate)
		if err != nil {
			badRequest(w, "Invalid shipment", "shipment_date: %q is not an ISO 8601 date-time.", in.ShipmentDate)
			return
		}
		sh.shipDate = rateshop.DateOf(t.UTC())
	}
	accounts, ok := s.pickAccounts(w, in.CarrierAccounts)
	if !ok {
		return
	}
	sc := s.gate.Script()
	if s.scripted(w, r, sc) {
		return
	}
	s.rate(sh, accounts, sc)
	s.mu.Lock()
	s.shipments[sh.ID] = sh
	for _, rt := range sh.Rates {
		s.rates[rt.ObjectID] = rt
	}
	view := s.shipmentView(sh)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

func (s *Server) pickAccounts(w http.ResponseWriter, ids []string) ([]CarrierAccount, bool) {
	s.mu.Lock()
	all := append([]CarrierAccount(nil), s.accounts...)
	s.mu.Unlock()
	if len(ids) == 0 {
		return all, true
	}
	var out []CarrierAccount
	for _, id := range ids {
		found := false
		for _, a := range all {
			if a.ID == id {
				out, found = append(out, a), true
			}
		}
		if !found {
			badRequest(w, "Invalid shipment", "carrier_accounts: %q is not a carrier account of this Shippo account.", id)
			return nil, false
		}
	}
	return out, true
}

func zone(origin, destination string) int {
	if len(origin) < 3 || len(destination) < 3 {
		return 5
	}
	a, errA := strconv.Atoi(origin[:3])
	b, errB := strconv.Atoi(destination[:3])
	if errA != nil || errB != nil {
		return 5
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return 1 + min(d/125, 7)
}

func billableLb(carrier string, sh *shipment) int64 {
	rule, ok := rateshop.DefaultDimRules()[carrier]
	if !ok {
		rule = rateshop.DefaultDimRules()["ups"]
	}
	oz, err := rateshop.BillableWeightOz(sh.weightOz, sh.lengthIn, sh.widthIn, sh.heightIn, rule)
	if err != nil {
		oz = int64(math.Ceil(sh.weightOz))
	}
	return max(1, (oz+15)/16)
}

// businessDays counts weekdays from one date to a later one.
func businessDays(from, to rateshop.Date) int {
	n := 0
	for d := from; d.Before(to); {
		d = d.AddDays(1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// rate prices a shipment across its carrier accounts: the script's quotes
// when there is one (only for carriers the account has), computed ones
// otherwise. A failing carrier, or an address no carrier serves, gives a
// message instead of rates.
func (s *Server) rate(sh *shipment, accounts []CarrierAccount, sc *carrierscript.Provider) {
	s.mu.Lock()
	failing := map[string]bool{}
	for c, f := range s.failing {
		failing[c] = f
	}
	s.mu.Unlock()
	sh.Rates, sh.Messages = []*rate{}, []message{}
	zip := sh.To.Zip
	if len(zip) > 5 {
		zip = zip[:5]
	}
	if zip == s.opts.RejectZIP && sh.To.Validate {
		sh.validationMessages = []message{{Source: "Shippo Address Validator", Code: "Invalid Postal Code", Type: "address_error",
			Text: "The postal code " + zip + " does not exist."}}
	}
	z := zone(sh.From.Zip, zip)
	now := s.now().Format(time.RFC3339)
	add := func(acct CarrierAccount, tok, name string, cents int64, amount, currency string, days *int, arrivesBy string) {
		rt := &rate{ObjectCreated: now, ObjectID: newID(), ObjectOwner: "sim@manifold.test", Shipment: sh.ID,
			Attributes: []string{}, Amount: amount, Currency: currency, AmountLocal: amount, CurrencyLocal: currency,
			Provider: providers[acct.Carrier], ProviderImage: "https://shippo-static.s3.amazonaws.com/providers/75/" + strings.ToUpper(acct.Carrier) + ".png",
			Servicelevel: servicelevel{Name: name, Token: tok, ExtendedToken: tok}, EstimatedDays: days,
			Messages: []message{}, CarrierAccount: acct.ID, Test: true, Zone: strconv.Itoa(z),
			carrier: acct.Carrier, cents: cents, shipment: sh}
		if rt.Provider == "" {
			rt.Provider = acct.Carrier
		}
		if days != nil {
			rt.DurationTerms = fmt.Sprintf("Delivery in %d business days.", *days)
			if *days == 1 {
				rt.DurationTerms = "Delivery in 1 business day."
			}
		}
		if arrivesBy != "" {
			rt.ArrivesBy = &arrivesBy
		}
		sh.Rates = append(sh.Rates, rt)
	}
	for _, acct := range accounts {
		src := providers[acct.Carrier]
		switch {
		case failing[acct.Carrier]:
			sh.Messages = append(sh.Messages, message{Source: src, Code: "carrier_timeout",
				Text: src + " could not be reached in time to rate this shipment. Please try again."})
			continue
		case zip == s.opts.RejectZIP:
			sh.Messages = append(sh.Messages, message{Source: src, Code: "",
				Text: src + ": The destination ZIP code " + zip + " is invalid."})
			continue
		}
		if sc != nil && len(sc.Quotes) > 0 {
			for _, q := range sc.Quotes {
				if token(q.Carrier) != acct.Carrier {
					continue
				}
				name := q.Service
				for _, svc := range services {
					if svc.token == q.Service {
						name = svc.name
					}
				}
				days := q.BusinessDays
				if days == nil && q.DeliveryDate != "" {
					if d, err := rateshop.ParseDate(q.DeliveryDate); err == nil {
						n := businessDays(sh.shipDate, d)
						days = &n
					}
				}
				cents, _ := rateshop.ParseCents(q.Amount)
				add(acct, q.Service, name, cents, q.Amount, q.Currency, days, "")
			}
			continue
		}
		lb := billableLb(acct.Carrier, sh)
		for _, svc := range services {
			if svc.carrier != acct.Carrier {
				continue
			}
			days := svc.days(z)
			cents := svc.base + svc.perLb*lb + svc.perZone*int64(z)
			add(acct, svc.token, svc.name, cents, fmt.Sprintf("%d.%02d", cents/100, cents%100), "USD", &days, svc.arrivesBy)
		}
	}
	tagRates(sh.Rates)
}

// tagRates marks the cheapest and the fastest rates, as Shippo does.
func tagRates(rs []*rate) {
	var cheapest, fastest *rate
	for _, r := range rs {
		if cheapest == nil || r.cents < cheapest.cents {
			cheapest = r
		}
		if r.EstimatedDays != nil && (fastest == nil || *r.EstimatedDays < *fastest.EstimatedDays) {
			fastest = r
		}
	}
	if cheapest != nil {
		cheapest.Attributes = append(cheapest.Attributes, "CHEAPEST")
	}
	if fastest != nil {
		fastest.Attributes = append(fastest.Attributes, "FASTEST")
	}
}

// addressView renders an Address object with its validation results.
func addressView(a address, validation []message) map[string]any {
	v := map[string]any{"object_id": newID(), "is_complete": true, "name": a.Name, "company": a.Company,
		"street1": a.Street1, "street2": a.Street2, "street3": a.Street3, "city": a.City, "state": a.State,
		"zip": a.Zip, "country": a.Country, "phone": a.Phone, "email": a.Email, "is_residential": a.IsResidential,
		"metadata": a.Metadata, "test": true, "validation_results": map[string]any{}}
	if a.Validate {
		msgs := validation
		if msgs == nil {
			msgs = []message{}
		}
		v["validation_results"] = map[string]any{"is_valid": len(validation) == 0, "messages": msgs}
	}
	return v
}

// shipmentView renders a Shipment object. Callers hold s.mu.
func (s *Server) shipmentView(sh *shipment) map[string]any {
	ts := sh.Created.Format(time.RFC3339)
	return map[string]any{
		"object_created": ts, "object_updated": ts, "object_id": sh.ID, "object_owner": "sim@manifold.test",
		"status": "SUCCESS", "address_from": addressView(sh.From, nil), "address_to": addressView(sh.To, sh.validationMessages),
		"address_return": addressView(sh.From, nil),
		"parcels": []map[string]any{{"object_id": sh.parcelID, "object_state": "VALID", "length": sh.Parcel.Length,
			"width": sh.Parcel.Width, "height": sh.Parcel.Height, "distance_unit": sh.Parcel.DistanceUnit,
			"weight": sh.Parcel.Weight, "mass_unit": sh.Parcel.MassUnit, "template": nil, "test": true}},
		"shipment_date": sh.shipDate.String() + "T12:00:00Z", "customs_declaration": nil, "carrier_accounts": []string{},
		"metadata": sh.Metadata, "extra": map[string]any{}, "rates": sh.Rates, "messages": sh.Messages, "test": true,
	}
}

// handleGetShipment is GET /shipments/{id}.
func (s *Server) handleGetShipment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shipments[r.PathValue("id")]
	if sh == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.shipmentView(sh))
}

// handleGetRate is GET /rates/{id}.
func (s *Server) handleGetRate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.rates[r.PathValue("id")]
	if rt == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, rt)
}
