package shippo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

type address struct {
	Name          string `json:"name,omitempty"`
	Street1       string `json:"street1"`
	Street2       string `json:"street2,omitempty"`
	City          string `json:"city"`
	State         string `json:"state"`
	Zip           string `json:"zip"`
	Country       string `json:"country"`
	IsResidential *bool  `json:"is_residential,omitempty"`
	Validate      bool   `json:"validate,omitempty"`
}

func toAddress(a rateshop.Address) address {
	out := address{Name: a.Name, Street1: a.Street1, Street2: a.Street2, City: a.City, State: a.State,
		Zip: strings.TrimSpace(a.PostalCode), Country: strings.ToUpper(strings.TrimSpace(a.Country))}
	if out.Country == "" {
		out.Country = "US"
	}
	if a.Residential {
		t := true
		out.IsResidential = &t
	}
	return out
}

// parcel is a parcel as Shippo takes it: numbers as strings, with units.
type parcel struct {
	Length       string `json:"length"`
	Width        string `json:"width"`
	Height       string `json:"height"`
	DistanceUnit string `json:"distance_unit"`
	Weight       string `json:"weight"`
	MassUnit     string `json:"mass_unit"`
}

type shipmentRequest struct {
	AddressFrom     address  `json:"address_from"`
	AddressTo       address  `json:"address_to"`
	Parcels         []parcel `json:"parcels"`
	ShipmentDate    string   `json:"shipment_date,omitempty"`
	CarrierAccounts []string `json:"carrier_accounts,omitempty"`
	Async           bool     `json:"async"`
}

// Message is a carrier's (or the address validator's) note.
type Message struct {
	Source string `json:"source"`
	Code   string `json:"code"`
	Text   string `json:"text"`
}

type rate struct {
	ObjectID     string `json:"object_id"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Provider     string `json:"provider"`
	Servicelevel struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	} `json:"servicelevel"`
	EstimatedDays  *int    `json:"estimated_days"`
	ArrivesBy      *string `json:"arrives_by"`
	DurationTerms  string  `json:"duration_terms"`
	CarrierAccount string  `json:"carrier_account"`
}

type shipmentResp struct {
	ObjectID  string `json:"object_id"`
	Status    string `json:"status"`
	AddressTo struct {
		ValidationResults struct {
			IsValid  *bool     `json:"is_valid"`
			Messages []Message `json:"messages"`
		} `json:"validation_results"`
	} `json:"address_to"`
	Rates    []rate    `json:"rates"`
	Messages []Message `json:"messages"`
}

// RatingErrors lists the carriers that could not rate a shipment. Rates
// returns it next to the other carriers' quotes.
type RatingErrors struct {
	ShipmentID string
	Messages   []Message
}

func (e *RatingErrors) Error() string {
	parts := make([]string, len(e.Messages))
	for i, m := range e.Messages {
		parts[i] = m.Text
		if m.Source != "" && !strings.HasPrefix(m.Text, m.Source) {
			parts[i] = m.Source + ": " + m.Text
		}
		if m.Code != "" {
			parts[i] += " (" + m.Code + ")"
		}
	}
	return "shippo: carriers that did not rate: " + strings.Join(parts, "; ")
}

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// createShipment rates a parcel synchronously. An address the validator
// refuses is a *carrier.Rejection with Address set.
func (a *Adapter) createShipment(ctx context.Context, s *session, from, to rateshop.Address, p carrier.Parcel, date rateshop.Date) (shipmentResp, error) {
	body := shipmentRequest{AddressFrom: toAddress(from), AddressTo: toAddress(to),
		Parcels: []parcel{{Length: number(p.LengthIn), Width: number(p.WidthIn), Height: number(p.HeightIn), DistanceUnit: "in",
			Weight: number(p.WeightOz), MassUnit: "oz"}}}
	body.AddressTo.Validate = a.validate
	if !date.IsZero() {
		body.ShipmentDate = date.String() + "T12:00:00Z"
	}
	for _, id := range strings.Split(s.c.Credentials[CredCarrierAccounts], ",") {
		if id = strings.TrimSpace(id); id != "" {
			body.CarrierAccounts = append(body.CarrierAccounts, id)
		}
	}
	r, err := s.call(ctx, http.MethodPost, "/shipments/", body)
	if err != nil {
		return shipmentResp{}, err
	}
	if !r.ok() {
		return shipmentResp{}, fail("create shipment", r)
	}
	var sh shipmentResp
	if err := json.Unmarshal(r.body, &sh); err != nil || sh.ObjectID == "" {
		return shipmentResp{}, fmt.Errorf("shippo: create shipment: malformed answer: no object_id")
	}
	if v := sh.AddressTo.ValidationResults; v.IsValid != nil && !*v.IsValid {
		rej := &carrier.Rejection{Status: r.status, Address: true, Message: "the destination address is not valid"}
		if len(v.Messages) > 0 {
			rej.Code, rej.Message = v.Messages[0].Code, v.Messages[0].Text
		}
		return shipmentResp{}, fmt.Errorf("shippo: create shipment: %w", rej)
	}
	if sh.Status == "ERROR" {
		return shipmentResp{}, fmt.Errorf("shippo: create shipment: status ERROR: %w", &RatingErrors{ShipmentID: sh.ObjectID, Messages: sh.Messages})
	}
	return sh, nil
}

// Rates implements carrier.Adapter: one shipment rated by every carrier
// account. Carriers that failed are returned as a *RatingErrors together
// with the others' quotes.
func (a *Adapter) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	s, err := a.session(c)
	if err != nil {
		return nil, err
	}
	sh, err := a.createShipment(ctx, s, req.From, req.To,
		carrier.Parcel{WeightOz: req.WeightOz, LengthIn: req.LengthIn, WidthIn: req.WidthIn, HeightIn: req.HeightIn}, req.ShipDate)
	if err != nil {
		return nil, err
	}
	quotes := make([]rateshop.Quote, 0, len(sh.Rates))
	for _, r := range sh.Rates {
		quotes = append(quotes, quoteOf(r))
	}
	if len(sh.Messages) > 0 {
		return quotes, &RatingErrors{ShipmentID: sh.ObjectID, Messages: sh.Messages}
	}
	return quotes, nil
}

func quoteOf(r rate) rateshop.Quote {
	return rateshop.Quote{Provider: carrier.Shippo, Carrier: carrierOf(r.Provider), Service: r.Servicelevel.Token,
		ServiceName: serviceName(r.Provider, r.Servicelevel.Name), Amount: r.Amount, Currency: r.Currency,
		BusinessDays: r.EstimatedDays, RateID: r.ObjectID}
}

// serviceName is the provider and the service level's name, once: "USPS
// Priority Mail", "FedEx 2Day®".
func serviceName(provider, name string) string {
	if strings.HasPrefix(name, provider) {
		return name
	}
	return strings.TrimSpace(provider + " " + name)
}

// carrierOf names a rate's provider as Manifold names carriers: "USPS" is
// usps, "FedEx" fedex, "DHL Express" dhl.
func carrierOf(provider string) string {
	p := strings.ToLower(strings.TrimSpace(provider))
	if strings.HasPrefix(p, "dhl") {
		return "dhl"
	}
	return strings.ReplaceAll(p, " ", "_")
}
