package easypost

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

type address struct {
	Name         string `json:"name,omitempty"`
	Street1      string `json:"street1"`
	Street2      string `json:"street2,omitempty"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	Residential  *bool  `json:"residential,omitempty"`
	VerifyStrict bool   `json:"verify_strict,omitempty"`
}

func toAddress(a rateshop.Address) address {
	out := address{Name: a.Name, Street1: a.Street1, Street2: a.Street2, City: a.City, State: a.State,
		Zip: strings.TrimSpace(a.PostalCode), Country: strings.ToUpper(strings.TrimSpace(a.Country))}
	if out.Country == "" {
		out.Country = "US"
	}
	if a.Residential {
		t := true
		out.Residential = &t
	}
	return out
}

// parcel is in inches and ounces, as EasyPost measures.
type parcel struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Weight float64 `json:"weight"`
}

type shipmentFields struct {
	ToAddress       address           `json:"to_address"`
	FromAddress     address           `json:"from_address"`
	Parcel          parcel            `json:"parcel"`
	Options         map[string]string `json:"options"`
	CarrierAccounts []string          `json:"carrier_accounts,omitempty"`
	Reference       string            `json:"reference,omitempty"`
}

type rate struct {
	ID                     string  `json:"id"`
	Service                string  `json:"service"`
	Carrier                string  `json:"carrier"`
	Rate                   string  `json:"rate"`
	Currency               string  `json:"currency"`
	DeliveryDays           *int    `json:"delivery_days"`
	DeliveryDate           *string `json:"delivery_date"`
	DeliveryDateGuaranteed bool    `json:"delivery_date_guaranteed"`
	EstDeliveryDays        *int    `json:"est_delivery_days"`
	CarrierAccountID       string  `json:"carrier_account_id"`
}

// Message is a carrier's rating failure, as EasyPost reports it.
type Message struct {
	Carrier          string `json:"carrier"`
	CarrierAccountID string `json:"carrier_account_id"`
	Type             string `json:"type"`
	Message          string `json:"message"`
}

type postageLabel struct {
	LabelURL      string `json:"label_url"`
	LabelFileType string `json:"label_file_type"`
	LabelPDFURL   string `json:"label_pdf_url"`
	LabelZPLURL   string `json:"label_zpl_url"`
}

type shipmentResp struct {
	ID           string        `json:"id"`
	Rates        []rate        `json:"rates"`
	Messages     []Message     `json:"messages"`
	SelectedRate *rate         `json:"selected_rate"`
	PostageLabel *postageLabel `json:"postage_label"`
	TrackingCode string        `json:"tracking_code"`
	RefundStatus string        `json:"refund_status"`
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
		parts[i] = m.Message
		if m.Carrier != "" && !strings.HasPrefix(m.Message, m.Carrier) {
			parts[i] = m.Carrier + ": " + m.Message
		}
	}
	return "easypost: carriers that did not rate: " + strings.Join(parts, "; ")
}

// createShipment creates (and so rates) a shipment.
func (s *session) createShipment(ctx context.Context, f shipmentFields) (shipmentResp, error) {
	r, err := s.call(ctx, http.MethodPost, "/v2/shipments", map[string]shipmentFields{"shipment": f})
	if err != nil {
		return shipmentResp{}, err
	}
	if !r.ok() {
		return shipmentResp{}, fail("create shipment", r)
	}
	var sh shipmentResp
	if err := json.Unmarshal(r.body, &sh); err != nil || sh.ID == "" {
		return shipmentResp{}, fmt.Errorf("easypost: create shipment: malformed answer: no shipment id")
	}
	return sh, nil
}

func (a *Adapter) shipmentFields(c carrier.Conn, from, to rateshop.Address, p carrier.Parcel, date rateshop.Date) shipmentFields {
	f := shipmentFields{ToAddress: toAddress(to), FromAddress: toAddress(from),
		Parcel:  parcel{Length: p.LengthIn, Width: p.WidthIn, Height: p.HeightIn, Weight: p.WeightOz},
		Options: map[string]string{"label_size": "4x6"}}
	f.ToAddress.VerifyStrict = a.verify
	if !date.IsZero() {
		f.Options["label_date"] = date.String() + "T12:00:00Z"
	}
	for _, id := range strings.Split(c.Credentials[CredCarrierAccounts], ",") {
		if id = strings.TrimSpace(id); id != "" {
			f.CarrierAccounts = append(f.CarrierAccounts, id)
		}
	}
	return f
}

// Rates implements carrier.Adapter: one shipment rated by every carrier
// account. Carriers that failed are returned as a *RatingErrors together
// with the others' quotes.
func (a *Adapter) Rates(ctx context.Context, c carrier.Conn, req rateshop.RateRequest) ([]rateshop.Quote, error) {
	s, err := a.session(c)
	if err != nil {
		return nil, err
	}
	sh, err := s.createShipment(ctx, a.shipmentFields(c, req.From, req.To,
		carrier.Parcel{WeightOz: req.WeightOz, LengthIn: req.LengthIn, WidthIn: req.WidthIn, HeightIn: req.HeightIn}, req.ShipDate))
	if err != nil {
		return nil, err
	}
	quotes := make([]rateshop.Quote, 0, len(sh.Rates))
	for _, r := range sh.Rates {
		quotes = append(quotes, quoteOf(sh.ID, r))
	}
	if len(sh.Messages) > 0 {
		return quotes, &RatingErrors{ShipmentID: sh.ID, Messages: sh.Messages}
	}
	return quotes, nil
}

func quoteOf(shipmentID string, r rate) rateshop.Quote {
	q := rateshop.Quote{Provider: carrier.EasyPost, Carrier: strings.ToLower(r.Carrier), Service: r.Service,
		ServiceName: r.Carrier + " " + r.Service, Amount: r.Rate, Currency: r.Currency,
		Guaranteed: r.DeliveryDateGuaranteed, RateID: shipmentID + "|" + r.ID}
	if r.DeliveryDate != nil {
		if d, ok := dateOf(*r.DeliveryDate); ok {
			q.DeliveryDate = &d
		}
	}
	switch {
	case r.DeliveryDays != nil:
		q.BusinessDays = r.DeliveryDays
	case r.EstDeliveryDays != nil:
		q.BusinessDays = r.EstDeliveryDays
	}
	return q
}

// dateOf reads the date of "2026-03-05" or "2026-03-05T…".
func dateOf(v string) (rateshop.Date, bool) {
	if len(v) < 10 {
		return rateshop.Date{}, false
	}
	d, err := rateshop.ParseDate(v[:10])
	return d, err == nil
}
