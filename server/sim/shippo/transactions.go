package shippo

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	lbl "github.com/manifold-oms/manifold/server/internal/shipping/label"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// labelFileTypes the simulator renders, with their content types.
var labelFileTypes = map[string]string{"PDF_4x6": "application/pdf", "PDF": "application/pdf", "ZPLII": "application/zpl"}

// transaction is a label purchase.
type transaction struct {
	ID             string
	Created        time.Time
	Status         string // SUCCESS, ERROR or REFUNDED
	rate           *rate
	TrackingNumber string
	LabelURL       string
	LabelFileType  string
	Metadata       string
	Messages       []message
	track          timeline
	// announcedStage is the tracking stage the last webhook (or the
	// purchase) reported.
	announcedStage int
	ManifestID     string
}

// trackingNumber makes a tracking number in the carrier's own format.
func trackingNumber(carrier string, seq int) string {
	switch carrier {
	case "usps":
		return fmt.Sprintf("9205590%015d", 164917000000000+int64(seq))
	case "ups":
		return fmt.Sprintf("1Z4W3F2%011d", seq)
	case "fedex":
		return fmt.Sprintf("78%010d", 6500000000+int64(seq))
	}
	return fmt.Sprintf("SHIPPO%010d", seq)
}

func trackingURL(carrier, n string) string {
	switch carrier {
	case "usps":
		return "https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum=" + n
	case "ups":
		return "https://www.ups.com/track?tracknum=" + n
	case "fedex":
		return "https://www.fedex.com/fedextrack/?trknbr=" + n
	}
	return ""
}

// transactionView renders a Transaction object. Callers hold s.mu.
func (s *Server) transactionView(t *transaction) map[string]any {
	ts := t.Created.Format(time.RFC3339)
	tracking := "UNKNOWN"
	var eta any
	if t.Status != "ERROR" {
		s.materialize(t)
		tracking = trackingStages[t.track.reached].status
		eta = t.track.due[stageDelivered].Format(time.RFC3339)
	}
	msgs := t.Messages
	if msgs == nil {
		msgs = []message{}
	}
	return map[string]any{
		"object_state": "VALID", "status": t.Status, "object_created": ts, "object_updated": s.now().Format(time.RFC3339),
		"object_id": t.ID, "object_owner": "sim@manifold.test", "test": true, "rate": t.rate.ObjectID,
		"tracking_number": t.TrackingNumber, "tracking_status": tracking, "eta": eta,
		"tracking_url_provider": trackingURL(t.rate.carrier, t.TrackingNumber), "label_url": t.LabelURL,
		"commercial_invoice_url": nil, "messages": msgs, "order": nil, "metadata": t.Metadata,
		"parcel": t.rate.shipment.parcelID, "billing": map[string]any{"payments": []any{}}, "qr_code_url": nil,
	}
}

// handleCreateTransaction is POST /transactions/ {rate, label_file_type,
// async:false}: the label is bought at once. A carrier's refusal is a 201
// with status ERROR and messages, as Shippo answers.
func (s *Server) handleCreateTransaction(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rate          string `json:"rate"`
		LabelFileType string `json:"label_file_type,omitempty"`
		Async         *bool  `json:"async,omitempty"`
		Metadata      string `json:"metadata,omitempty"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Async != nil && *req.Async {
		badRequest(w, "Invalid transaction", "async: asynchronous purchases are not simulated; send async:false.")
		return
	}
	if req.LabelFileType == "" {
		req.LabelFileType = "PDF_4x6"
	}
	if labelFileTypes[req.LabelFileType] == "" {
		badRequest(w, "Invalid transaction", "label_file_type: %q is not supported here; use PDF_4x6, PDF or ZPLII.", req.LabelFileType)
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.rates[req.Rate]
	if rt == nil {
		badRequest(w, "Invalid transaction", "rate: %q is not a valid rate object_id.", req.Rate)
		return
	}
	for _, t := range s.txOrder {
		if t.rate == rt && t.Status != "ERROR" {
			badRequest(w, "Invalid transaction", "rate: %s has already been purchased in transaction %s.", rt.ObjectID, t.ID)
			return
		}
	}
	sh := rt.shipment
	t := &transaction{ID: newID(), Created: now, rate: rt, Metadata: req.Metadata, LabelFileType: req.LabelFileType}
	if labelErrorWanted(r.Context()) {
		t.Status = "ERROR"
		t.Messages = []message{{Source: rt.Provider, Code: "address_error",
			Text: fmt.Sprintf("%s could not validate the recipient address %s, %s %s %s: address not found.",
				rt.Provider, sh.To.Street1, sh.To.City, sh.To.State, sh.To.Zip)}}
	} else {
		s.seq++
		t.Status = "SUCCESS"
		t.TrackingNumber = trackingNumber(rt.carrier, s.seq)
		days := 3
		if rt.EstimatedDays != nil {
			days = *rt.EstimatedDays
		}
		t.track = newTimeline(now, s.opts.AcceptanceDelay, days)
		data, err := renderLabel(lbl.Label{Carrier: rt.Provider, Service: strings.ToUpper(rt.Provider + " " + rt.Servicelevel.Name),
			TrackingNumber: t.TrackingNumber, From: sh.From.rateshop(), To: sh.To.rateshop(), Reference: req.Metadata,
			WeightOz: sh.weightOz, ShipDate: sh.shipDate}, req.LabelFileType)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "The label could not be rendered: " + err.Error()})
			return
		}
		name := t.ID + ".pdf"
		if req.LabelFileType == "ZPLII" {
			name = t.ID + ".zpl"
		}
		s.files["labels/"+name] = file{contentType: labelFileTypes[req.LabelFileType], data: data}
		t.LabelURL = baseURL(r) + "/files/labels/" + name
		s.byTracking[t.TrackingNumber] = t
	}
	s.transactions[t.ID] = t
	s.txOrder = append(s.txOrder, t)
	writeJSON(w, http.StatusCreated, s.transactionView(t))
}

// handleGetTransaction is GET /transactions/{id}.
func (s *Server) handleGetTransaction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.transactions[r.PathValue("id")]
	if t == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.transactionView(t))
}

// refund is a refund request.
type refund struct {
	ID, Transaction, Status string
	Created                 time.Time
}

// handleCreateRefund is POST /refunds/ {transaction, async}: a label the
// carrier has not scanned is refunded at once; a scanned one is refused
// with status ERROR.
func (s *Server) handleCreateRefund(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Transaction string `json:"transaction"`
		Async       *bool  `json:"async,omitempty"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.transactions[req.Transaction]
	switch {
	case t == nil:
		badRequest(w, "Invalid refund", "transaction: %q is not a valid transaction object_id.", req.Transaction)
		return
	case t.Status == "ERROR":
		badRequest(w, "Invalid refund", "transaction: %s has no label to refund.", t.ID)
		return
	case t.Status == "REFUNDED":
		badRequest(w, "Invalid refund", "transaction: a refund for %s already exists.", t.ID)
		return
	}
	s.materialize(t)
	rf := &refund{ID: newID(), Transaction: t.ID, Status: "SUCCESS", Created: s.now()}
	if t.track.reached > stageCreated {
		rf.Status = "ERROR"
	} else {
		t.Status = "REFUNDED"
	}
	s.refunds[rf.ID] = rf
	ts := rf.Created.Format(time.RFC3339)
	writeJSON(w, http.StatusCreated, map[string]any{"object_created": ts, "object_updated": ts, "object_id": rf.ID,
		"object_owner": "sim@manifold.test", "status": rf.Status, "transaction": t.ID, "test": true})
}

func (a address) rateshop() rateshop.Address {
	name := a.Name
	if a.Company != "" {
		name = strings.TrimSpace(name + " " + a.Company)
	}
	return rateshop.Address{Name: name, Street1: a.Street1, Street2: a.Street2, City: a.City, State: a.State,
		PostalCode: a.Zip, Country: a.Country}
}
