package easypost

import (
	"fmt"
	"net/http"
	"time"
)

// scanForm is a USPS scan form of several shipments. It is "creating" when
// made and "created", with its form_url, once read again.
type scanForm struct {
	ID            string
	Status        string
	Created       time.Time
	ShipmentIDs   []string
	TrackingCodes []string
	from          address
	fromID        string
	formURL       string
	batchID       string
}

// formView renders a ScanForm object, or nil. Callers hold s.mu.
func (s *Server) formView(id string) any {
	f := s.forms[id]
	if f == nil {
		return nil
	}
	ts := f.Created.Format(time.RFC3339)
	var url, fileType any
	if f.Status == "created" {
		url, fileType = f.formURL, "application/pdf"
	}
	return map[string]any{
		"id": f.ID, "object": "ScanForm", "mode": "test", "status": f.Status, "message": nil,
		"address": map[string]any{"id": f.fromID, "object": "Address", "name": f.from.Name, "company": f.from.Company,
			"street1": f.from.Street1, "street2": f.from.Street2, "city": f.from.City, "state": f.from.State,
			"zip": f.from.Zip, "country": f.from.Country},
		"tracking_codes": f.TrackingCodes, "form_url": url, "form_file_type": fileType, "batch_id": f.batchID,
		"confirmation": nil, "created_at": ts, "updated_at": s.now().Format(time.RFC3339),
	}
}

// handleCreateScanForm is POST /v2/scan_forms {shipments:[{id}]}: bought,
// unrefunded USPS shipments from one address, on no other form.
func (s *Server) handleCreateScanForm(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Shipments []struct {
			ID string `json:"id"`
		} `json:"shipments"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if len(req.Shipments) == 0 {
		invalid(w, "PARAMETER.REQUIRED", "shipments", "must list at least one shipment")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &scanForm{ID: newID("sf"), Status: "creating", Created: s.now(), batchID: newID("batch")}
	for i, ref := range req.Shipments {
		sh := s.shipments[ref.ID]
		var problem string
		switch {
		case sh == nil:
			problem = "shipment " + ref.ID + " does not exist"
		case sh.Label == nil:
			problem = "shipment " + ref.ID + " has no postage"
		case sh.RefundStatus == "submitted" || sh.RefundStatus == "refunded":
			problem = "shipment " + ref.ID + " was refunded"
		case sh.Selected.Carrier != "USPS":
			problem = "shipment " + ref.ID + " is a " + sh.Selected.Carrier + " shipment; scan forms are for USPS shipments"
		case sh.FormID != "":
			problem = "shipment " + ref.ID + " is already on scan form " + sh.FormID
		case i > 0 && (sh.From.Street1 != f.from.Street1 || sh.From.Zip != f.from.Zip):
			problem = "shipment " + ref.ID + " has a different from_address; a scan form covers one origin"
		}
		if problem != "" {
			writeError(w, http.StatusUnprocessableEntity, "SCAN_FORM.VALIDATION.ERROR", "Unable to create the scan form.",
				fieldError{Field: fmt.Sprintf("shipments[%d]", i), Message: problem})
			return
		}
		if i == 0 {
			f.from, f.fromID = sh.From, sh.fromID
		}
		f.ShipmentIDs = append(f.ShipmentIDs, sh.ID)
		f.TrackingCodes = append(f.TrackingCodes, sh.TrackingCode)
	}
	for _, id := range f.ShipmentIDs {
		s.shipments[id].FormID = f.ID
	}
	lines := []string{"USPS PS Form 3877 / SCAN Form", "Scan form " + f.ID, "Date " + f.Created.Format(time.DateOnly),
		"From: " + f.from.Name, f.from.Street1, f.from.City + " " + f.from.State + " " + f.from.Zip,
		fmt.Sprintf("Packages: %d", len(f.TrackingCodes)), ""}
	lines = append(lines, f.TrackingCodes...)
	name := f.ID + ".pdf"
	s.files["scan_form/"+name] = file{contentType: "application/pdf", data: renderForm(lines)}
	f.formURL = baseURL(r) + "/files/scan_form/" + name
	s.forms[f.ID] = f
	s.formOrder = append(s.formOrder, f)
	writeJSON(w, http.StatusOK, s.formView(f.ID))
}

// handleGetScanForm is GET /v2/scan_forms/{id}.
func (s *Server) handleGetScanForm(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.forms[r.PathValue("id")]
	if f == nil {
		notFound(w)
		return
	}
	f.Status = "created"
	writeJSON(w, http.StatusOK, s.formView(f.ID))
}

// ScanForm is a scan form as the control API lists it.
type ScanForm struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	ShipmentIDs   []string  `json:"shipment_ids"`
	TrackingCodes []string  `json:"tracking_codes"`
	CreatedAt     time.Time `json:"created_at"`
}

// ScanForms lists the scan forms made, oldest first.
func (s *Server) ScanForms() []ScanForm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ScanForm, 0, len(s.formOrder))
	for _, f := range s.formOrder {
		out = append(out, ScanForm{ID: f.ID, Status: f.Status, ShipmentIDs: append([]string(nil), f.ShipmentIDs...),
			TrackingCodes: append([]string(nil), f.TrackingCodes...), CreatedAt: f.Created})
	}
	return out
}
