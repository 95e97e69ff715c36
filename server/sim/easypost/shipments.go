package easypost

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	lbl "github.com/manifold-oms/manifold/server/internal/shipping/label"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// address is an inline Address of a request.
type address struct {
	Name         string          `json:"name,omitempty"`
	Company      string          `json:"company,omitempty"`
	Street1      string          `json:"street1"`
	Street2      string          `json:"street2,omitempty"`
	City         string          `json:"city"`
	State        string          `json:"state"`
	Zip          string          `json:"zip"`
	Country      string          `json:"country"`
	Phone        string          `json:"phone,omitempty"`
	Email        string          `json:"email,omitempty"`
	Residential  *bool           `json:"residential,omitempty"`
	Verify       json.RawMessage `json:"verify,omitempty"`
	VerifyStrict json.RawMessage `json:"verify_strict,omitempty"`
}

type parcel struct {
	Length            float64 `json:"length,omitempty"`
	Width             float64 `json:"width,omitempty"`
	Height            float64 `json:"height,omitempty"`
	Weight            float64 `json:"weight"`
	PredefinedPackage string  `json:"predefined_package,omitempty"`
}

type shipmentFields struct {
	ToAddress       *address                   `json:"to_address"`
	FromAddress     *address                   `json:"from_address"`
	Parcel          *parcel                    `json:"parcel"`
	Options         map[string]json.RawMessage `json:"options,omitempty"`
	CarrierAccounts json.RawMessage            `json:"carrier_accounts,omitempty"`
	Reference       string                     `json:"reference,omitempty"`
	IsReturn        bool                       `json:"is_return,omitempty"`
}

// shipment is a shipment the simulator holds.
type shipment struct {
	ID, toID, fromID, parcelID string
	Created                    time.Time
	Reference                  string
	To, From                   address
	Parcel                     parcel
	Options                    map[string]json.RawMessage
	labelFormat                string
	shipDate                   rateshop.Date
	Rates                      []rateJSON
	Messages                   []message
	Selected                   *rateJSON
	Label                      *postageLabel
	labelView                  lbl.Label
	TrackingCode               string
	tracker                    *tracker
	RefundStatus               string
	FormID                     string
}

type postageLabel struct {
	ID              string  `json:"id"`
	Object          string  `json:"object"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	DateAdvance     int     `json:"date_advance"`
	IntegratedForm  string  `json:"integrated_form"`
	LabelDate       string  `json:"label_date"`
	LabelResolution int     `json:"label_resolution"`
	LabelSize       string  `json:"label_size"`
	LabelType       string  `json:"label_type"`
	LabelFileType   string  `json:"label_file_type"`
	LabelURL        string  `json:"label_url"`
	LabelPDFURL     *string `json:"label_pdf_url"`
	LabelZPLURL     *string `json:"label_zpl_url"`
	LabelEPL2URL    *string `json:"label_epl2_url"`
}

var (
	statePattern = regexp.MustCompile(`^[A-Za-z]{2}$`)
	usZIP        = regexp.MustCompile(`^\d{5}(-?\d{4})?$`)
	labelFormats = map[string]string{"PNG": "image/png", "PDF": "application/pdf", "ZPL": "application/zpl"}
	optionKeys   = map[string]bool{"label_format": true, "label_size": true, "label_date": true, "print_custom_1": true,
		"print_custom_2": true, "print_custom_3": true, "invoice_number": true, "currency": true,
		"delivery_confirmation": true, "saturday_delivery": true, "residential_to_address": true}
)

// truthy reads verify / verify_strict: true, or a non-empty list of checks.
func truthy(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var list []string
	return json.Unmarshal(raw, &list) == nil && len(list) > 0
}

// checkAddress validates an inline address, answering 422 when it fails.
func checkAddress(w http.ResponseWriter, field string, a *address) bool {
	if a == nil {
		invalid(w, "PARAMETER.REQUIRED", "shipment."+field, "is required")
		return false
	}
	if a.Country == "" {
		a.Country = "US"
	}
	a.Country = strings.ToUpper(a.Country)
	switch {
	case strings.TrimSpace(a.Street1) == "":
		invalid(w, "PARAMETER.REQUIRED", "shipment."+field+".street1", "cannot be blank")
	case strings.TrimSpace(a.City) == "":
		invalid(w, "PARAMETER.REQUIRED", "shipment."+field+".city", "cannot be blank")
	case len(a.Country) != 2:
		invalid(w, "PARAMETER.INVALID", "shipment."+field+".country", "must be a two-letter ISO country code")
	case a.Country == "US" && !statePattern.MatchString(a.State):
		invalid(w, "PARAMETER.INVALID", "shipment."+field+".state", "must be a two-letter state code")
	case a.Country == "US" && !usZIP.MatchString(a.Zip):
		invalid(w, "PARAMETER.INVALID", "shipment."+field+".zip", "must be a 5 or 9 digit ZIP code")
	default:
		a.Zip = firstN(a.Zip, 5)
		return true
	}
	return false
}

// handleCreateShipment is POST /v2/shipments: the shipment is rated at once.
func (s *Server) handleCreateShipment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Shipment *shipmentFields `json:"shipment"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	in := req.Shipment
	if in == nil {
		invalid(w, "PARAMETER.REQUIRED", "shipment", "is required")
		return
	}
	if !checkAddress(w, "to_address", in.ToAddress) || !checkAddress(w, "from_address", in.FromAddress) {
		return
	}
	p := in.Parcel
	switch {
	case p == nil:
		invalid(w, "PARAMETER.REQUIRED", "shipment.parcel", "is required")
		return
	case p.Weight <= 0 || p.Weight > 2400:
		invalid(w, "PARAMETER.INVALID", "shipment.parcel.weight", "must be greater than 0 and at most 2400 ounces")
		return
	case p.PredefinedPackage == "" && (p.Length <= 0 || p.Width <= 0 || p.Height <= 0):
		invalid(w, "PARAMETER.INVALID", "shipment.parcel", "length, width and height (inches) are required without a predefined_package")
		return
	}
	sh := &shipment{ID: newID("shp"), toID: newID("adr"), fromID: newID("adr"), parcelID: newID("prcl"),
		Created: s.now(), Reference: in.Reference, To: *in.ToAddress, From: *in.FromAddress, Parcel: *p,
		Options: in.Options, labelFormat: "PNG", shipDate: rateshop.DateOf(s.now())}
	if sh.Options == nil {
		sh.Options = map[string]json.RawMessage{}
	}
	if !s.checkOptions(w, sh) {
		return
	}
	accounts, ok := s.pickAccounts(w, in.CarrierAccounts)
	if !ok {
		return
	}
	if (truthy(in.ToAddress.VerifyStrict)) && in.ToAddress.Zip == s.opts.RejectZIP {
		writeError(w, http.StatusUnprocessableEntity, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.",
			fieldError{Field: "address", Message: "Address not found", Code: "E.ADDRESS.NOT_FOUND"})
		return
	}
	sc := s.gate.Script()
	if s.scripted(w, r, sc) {
		return
	}
	s.rate(sh, accounts, sc)
	s.mu.Lock()
	s.shipments[sh.ID] = sh
	s.order = append(s.order, sh)
	view := s.view(sh)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

func (s *Server) checkOptions(w http.ResponseWriter, sh *shipment) bool {
	for k, raw := range sh.Options {
		if !optionKeys[k] {
			invalid(w, "PARAMETER.INVALID", "shipment.options."+k, "is not a supported option")
			return false
		}
		var v string
		switch k {
		case "label_format":
			if json.Unmarshal(raw, &v) != nil || labelFormats[strings.ToUpper(v)] == "" {
				invalid(w, "PARAMETER.INVALID", "shipment.options.label_format", "must be PNG, PDF or ZPL")
				return false
			}
			sh.labelFormat = strings.ToUpper(v)
		case "label_size":
			if json.Unmarshal(raw, &v) != nil || !strings.EqualFold(v, "4x6") {
				invalid(w, "PARAMETER.INVALID", "shipment.options.label_size", "must be 4x6")
				return false
			}
		case "label_date":
			var d rateshop.Date
			var err error
			if json.Unmarshal(raw, &v) == nil && len(v) >= 10 {
				d, err = rateshop.ParseDate(v[:10])
			} else {
				err = fmt.Errorf("not a date")
			}
			today := rateshop.DateOf(s.now())
			if err != nil || d.Before(today.AddDays(-1)) || d.After(today.AddDays(30)) {
				invalid(w, "PARAMETER.INVALID", "shipment.options.label_date", "must be an ISO 8601 date within the next 30 days")
				return false
			}
			sh.shipDate = d
		}
	}
	return true
}

// pickAccounts reads carrier_accounts: ids, or objects with an id; all the
// account's carrier accounts when absent.
func (s *Server) pickAccounts(w http.ResponseWriter, raw json.RawMessage) ([]CarrierAccount, bool) {
	s.mu.Lock()
	all := append([]CarrierAccount(nil), s.accounts...)
	s.mu.Unlock()
	if len(raw) == 0 || string(raw) == "null" {
		return all, true
	}
	var ids []string
	if json.Unmarshal(raw, &ids) != nil {
		var objs []struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &objs) != nil {
			invalid(w, "PARAMETER.INVALID", "shipment.carrier_accounts", "must be a list of carrier account ids")
			return nil, false
		}
		for _, o := range objs {
			ids = append(ids, o.ID)
		}
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
			invalid(w, "PARAMETER.INVALID", "shipment.carrier_accounts", "carrier account "+id+" does not exist")
			return nil, false
		}
	}
	return out, true
}

// view renders a shipment as EasyPost's Shipment object. Callers hold s.mu.
func (s *Server) view(sh *shipment) map[string]any {
	ts := sh.Created.Format(time.RFC3339)
	addr := func(id string, a address) map[string]any {
		return map[string]any{"id": id, "object": "Address", "mode": "test", "name": a.Name, "company": a.Company,
			"street1": a.Street1, "street2": a.Street2, "city": a.City, "state": a.State, "zip": a.Zip,
			"country": a.Country, "phone": a.Phone, "email": a.Email, "residential": a.Residential,
			"created_at": ts, "updated_at": ts}
	}
	status := "unknown"
	var tracker any
	if sh.tracker != nil {
		s.materialize(sh.tracker)
		tracker = s.trackerView(sh.tracker)
		status = sh.tracker.status()
	}
	var refund any
	if sh.RefundStatus != "" {
		refund = sh.RefundStatus
	}
	var tracking any
	if sh.TrackingCode != "" {
		tracking = sh.TrackingCode
	}
	return map[string]any{
		"id": sh.ID, "object": "Shipment", "mode": "test", "reference": sh.Reference, "status": status,
		"created_at": ts, "updated_at": s.now().Format(time.RFC3339),
		"to_address": addr(sh.toID, sh.To), "from_address": addr(sh.fromID, sh.From),
		"return_address": addr(sh.fromID, sh.From), "buyer_address": addr(sh.toID, sh.To),
		"parcel": map[string]any{"id": sh.parcelID, "object": "Parcel", "mode": "test", "length": sh.Parcel.Length,
			"width": sh.Parcel.Width, "height": sh.Parcel.Height, "weight": sh.Parcel.Weight,
			"predefined_package": nilIfEmpty(sh.Parcel.PredefinedPackage), "created_at": ts, "updated_at": ts},
		"options": sh.Options, "rates": sh.Rates, "messages": sh.Messages, "selected_rate": sh.Selected,
		"postage_label": sh.Label, "tracking_code": tracking, "tracker": tracker, "refund_status": refund,
		"usps_zone": zone(sh.From.Zip, sh.To.Zip), "fees": []any{}, "forms": []any{}, "is_return": false,
		"batch_id": nil, "insurance": nil, "customs_info": nil, "scan_form": s.formView(sh.FormID),
	}
}

func nilIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource could not be found.")
}

// handleGetShipment is GET /v2/shipments/{id}. A submitted refund is
// refunded by the time the shipment is read again.
func (s *Server) handleGetShipment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shipments[r.PathValue("id")]
	if sh == nil {
		notFound(w)
		return
	}
	view := s.view(sh)
	if sh.RefundStatus == "submitted" {
		sh.RefundStatus = "refunded"
	}
	writeJSON(w, http.StatusOK, view)
}

// trackingCode makes a tracking number in the carrier's own format.
func trackingCode(carrier string, seq int) string {
	switch carrier {
	case "USPS":
		return fmt.Sprintf("9400100%015d", 208000000000000+int64(seq))
	case "UPS":
		return fmt.Sprintf("1Z999AA1%010d", seq)
	case "FedEx":
		return fmt.Sprintf("7%011d", 94000000000+int64(seq))
	}
	return fmt.Sprintf("EZ%010d", seq)
}

// handleBuy is POST /v2/shipments/{id}/buy {rate:{id}}.
func (s *Server) handleBuy(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rate *struct {
			ID string `json:"id"`
		} `json:"rate"`
		Insurance    json.RawMessage `json:"insurance,omitempty"`
		EndShipperID string          `json:"end_shipper_id,omitempty"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Rate == nil || req.Rate.ID == "" {
		invalid(w, "PARAMETER.REQUIRED", "rate.id", "is required")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shipments[r.PathValue("id")]
	if sh == nil {
		notFound(w)
		return
	}
	if sh.Label != nil {
		writeError(w, http.StatusUnprocessableEntity, "SHIPMENT.POSTAGE.EXISTS",
			"This shipment already has postage; create a new shipment to buy another label.")
		return
	}
	var rate *rateJSON
	for i := range sh.Rates {
		if sh.Rates[i].ID == req.Rate.ID {
			rate = &sh.Rates[i]
		}
	}
	if rate == nil {
		invalid(w, "PARAMETER.INVALID", "rate.id", "rate "+req.Rate.ID+" is not a rate of shipment "+sh.ID)
		return
	}
	s.seq++
	sel := *rate
	sh.Selected = &sel
	sh.TrackingCode = trackingCode(rate.Carrier, s.seq)
	var custom string
	if raw, ok := sh.Options["print_custom_1"]; ok {
		_ = json.Unmarshal(raw, &custom)
	}
	if custom == "" {
		custom = sh.Reference
	}
	sh.labelView = lbl.Label{Carrier: rate.Carrier, Service: strings.ToUpper(rate.Carrier + " " + rate.Service),
		TrackingNumber: sh.TrackingCode, From: sh.From.rateshop(), To: sh.To.rateshop(), Reference: custom,
		WeightOz: sh.Parcel.Weight, ShipDate: sh.shipDate}
	ts := now.Format(time.RFC3339)
	pl := &postageLabel{ID: newID("pl"), Object: "PostageLabel", CreatedAt: ts, UpdatedAt: ts, IntegratedForm: "none",
		LabelDate: sh.shipDate.String() + "T00:00:00Z", LabelResolution: 300, LabelSize: "4x6", LabelType: "default"}
	url, err := s.storeLabel(r, sh, pl, sh.labelFormat)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "The label could not be rendered: "+err.Error())
		return
	}
	sh.Label = pl
	pl.LabelURL, pl.LabelFileType = url, labelFormats[sh.labelFormat]
	if sh.labelFormat == "ZPL" {
		pl.LabelResolution = 203
	}
	days := 3
	if rate.DeliveryDays != nil {
		days = *rate.DeliveryDays
	}
	t := &tracker{ID: newID("trk"), Code: sh.TrackingCode, Carrier: rate.Carrier, ShipmentID: sh.ID, Created: now,
		track: newTimeline(now, s.opts.AcceptanceDelay, days), from: sh.From, to: sh.To, known: true}
	t.announced = t.status()
	sh.tracker = t
	s.trackers[t.ID] = t
	s.byCode[t.Code] = t
	writeJSON(w, http.StatusOK, s.view(sh))
}

// storeLabel renders the shipment's label in a format, keeps the file and
// returns its URL. Callers hold s.mu.
func (s *Server) storeLabel(r *http.Request, sh *shipment, pl *postageLabel, format string) (string, error) {
	data, err := renderLabel(sh.labelView, format)
	if err != nil {
		return "", err
	}
	name := pl.ID + "." + strings.ToLower(format)
	s.files["postage_label/"+name] = file{contentType: labelFormats[format], data: data}
	url := baseURL(r) + "/files/postage_label/" + name
	switch format {
	case "ZPL":
		pl.LabelZPLURL = &url
	case "PDF":
		pl.LabelPDFURL = &url
	}
	return url, nil
}

// handleConvertLabel is GET /v2/shipments/{id}/label?file_format=ZPL|PDF|PNG:
// the label in another format, its URL added to postage_label.
func (s *Server) handleConvertLabel(w http.ResponseWriter, r *http.Request) {
	format := strings.ToUpper(r.URL.Query().Get("file_format"))
	if labelFormats[format] == "" {
		invalid(w, "PARAMETER.INVALID", "file_format", "must be PNG, PDF or ZPL")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shipments[r.PathValue("id")]
	switch {
	case sh == nil:
		notFound(w)
		return
	case sh.Label == nil:
		writeError(w, http.StatusUnprocessableEntity, "SHIPMENT.POSTAGE.REQUIRED", "This shipment has no postage label yet.")
		return
	}
	if _, err := s.storeLabel(r, sh, sh.Label, format); err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "The label could not be rendered: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.view(sh))
}

// handleRefund is POST /v2/shipments/{id}/refund. A parcel the carrier has
// scanned is rejected; a second request changes nothing.
func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shipments[r.PathValue("id")]
	switch {
	case sh == nil:
		notFound(w)
		return
	case sh.Label == nil:
		writeError(w, http.StatusUnprocessableEntity, "SHIPMENT.REFUND.UNAVAILABLE", "This shipment has no postage to refund.")
		return
	case sh.RefundStatus == "":
		s.materialize(sh.tracker)
		if sh.tracker.track.reached > stageCreated {
			sh.RefundStatus = "rejected"
		} else {
			sh.RefundStatus = "submitted"
			sh.tracker.refunded = true
		}
	}
	writeJSON(w, http.StatusOK, s.view(sh))
}
