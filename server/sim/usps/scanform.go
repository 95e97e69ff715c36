package usps

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

type scanFormShipment struct {
	TrackingNumbers []string `json:"trackingNumbers,omitempty"`
	MID             string   `json:"MID,omitempty"`
	ManifestMID     string   `json:"manifestMID,omitempty"`
}

type scanFormRequest struct {
	// Form and the ZIP Code are numbers in some USPS documents and strings
	// in others; both are accepted.
	Form                         json.Number       `json:"form"`
	ImageType                    string            `json:"imageType,omitempty"`
	LabelType                    string            `json:"labelType,omitempty"`
	MailingDate                  string            `json:"mailingDate"`
	OverwriteMailingDate         bool              `json:"overwriteMailingDate,omitempty"`
	EntryFacilityZIPCode         json.Number       `json:"entryFacilityZIPCode,omitempty"`
	DestinationEntryFacilityType string            `json:"destinationEntryFacilityType,omitempty"`
	Shipment                     *scanFormShipment `json:"shipment"`
	FromAddress                  address           `json:"fromAddress"`
}

// SCANForm is a PS Form 5630 the simulator produced.
type SCANForm struct {
	ManifestNumber  string    `json:"manifest_number"`
	TrackingNumbers []string  `json:"tracking_numbers"`
	MailingDate     string    `json:"mailing_date"`
	CreatedAt       time.Time `json:"created_at"`
}

type scanForm struct {
	SCANForm
	image []byte
}

// handleSCANForm is POST /scan-forms/v3/scan-form. The answer is multipart:
// a SCANFormMetadata JSON part and a SCANFormImage part (base64 PDF).
func (s *Server) handleSCANForm(w http.ResponseWriter, r *http.Request) {
	var req scanFormRequest
	if !decodeBody(w, r, &req) {
		return
	}
	fa := req.FromAddress
	switch {
	case req.Form.String() != "5630":
		badRequest(w, "form", "form %q is not supported; use 5630.", req.Form)
		return
	case req.ImageType != "" && req.ImageType != "PDF":
		badRequest(w, "imageType", "imageType %q must be PDF.", req.ImageType)
		return
	case req.LabelType != "" && req.LabelType != "8.5x11LABEL":
		badRequest(w, "labelType", "labelType %q must be 8.5x11LABEL.", req.LabelType)
		return
	case req.DestinationEntryFacilityType != "" && req.DestinationEntryFacilityType != "NONE":
		badRequest(w, "destinationEntryFacilityType", "destinationEntryFacilityType %q must be NONE.", req.DestinationEntryFacilityType)
		return
	case req.Shipment == nil || len(req.Shipment.TrackingNumbers) == 0:
		badRequest(w, "shipment.trackingNumbers", "shipment.trackingNumbers must list at least one label.")
		return
	case fa.StreetAddress == "" || fa.City == "" || !statePattern.MatchString(fa.State) || !zip5.MatchString(fa.ZIPCode):
		badRequest(w, "fromAddress", "fromAddress needs streetAddress, city, a two-letter state and a 5-digit ZIPCode.")
		return
	case req.EntryFacilityZIPCode != "" && !zip5.MatchString(req.EntryFacilityZIPCode.String()):
		badRequest(w, "entryFacilityZIPCode", "entryFacilityZIPCode %q must be a 5-digit ZIP Code.", req.EntryFacilityZIPCode)
		return
	}
	if _, problem := s.checkMailingDate(req.MailingDate); problem != "" {
		badRequest(w, "mailingDate", "%s", problem)
		return
	}
	tns := req.Shipment.TrackingNumbers
	s.mu.Lock()
	seen := map[string]bool{}
	for _, tn := range tns {
		l := s.byTracking[tn]
		var problem string
		switch {
		case seen[tn]:
			problem = "Tracking number " + tn + " is listed twice."
		case l == nil:
			problem = "Tracking number " + tn + " is not a label of this account."
		case l.Canceled:
			problem = "The label " + tn + " was canceled."
		case l.ManifestNumber != "":
			problem = "The label " + tn + " is already on SCAN form " + l.ManifestNumber + "."
		}
		if problem != "" {
			s.mu.Unlock()
			badRequest(w, "shipment.trackingNumbers", "%s", problem)
			return
		}
		seen[tn] = true
	}
	s.seq++
	f := &scanForm{SCANForm: SCANForm{ManifestNumber: fmt.Sprintf("92750%017d", 90200000000000+int64(s.seq)),
		TrackingNumbers: append([]string(nil), tns...), MailingDate: req.MailingDate, CreatedAt: s.now()}}
	for _, tn := range tns {
		s.byTracking[tn].ManifestNumber = f.ManifestNumber
	}
	lines := []string{"PS Form 5630 - Shipment Confirmation Acceptance Notice", "Electronic File Number: " + f.ManifestNumber,
		"Mailing date: " + req.MailingDate, "Mailer: " + fa.name(), fa.StreetAddress, fa.City + " " + fa.State + " " + fa.ZIPCode,
		fmt.Sprintf("Total packages: %d", len(tns)), ""}
	lines = append(lines, tns...)
	f.image = renderForm(lines)
	s.forms = append(s.forms, f)
	s.mu.Unlock()

	meta, _ := json.Marshal(map[string]any{
		"form": req.Form, "imageType": "PDF", "labelType": "8.5x11LABEL", "mailingDate": req.MailingDate,
		"overwriteMailingDate": req.OverwriteMailingDate, "entryFacilityZIPCode": req.EntryFacilityZIPCode,
		"destinationEntryFacilityType": "NONE", "manifestNumber": f.ManifestNumber,
		"trackingNumbers": f.TrackingNumbers, "fromAddress": fa,
	})
	writeMultipart(w, []part{
		{name: "SCANFormMetadata", contentType: "application/json", body: meta},
		{name: "SCANFormImage", filename: "SCANFormImage.pdf", contentType: "application/pdf",
			body: []byte(base64.StdEncoding.EncodeToString(f.image))},
	})
}

// SCANForms lists the forms produced, oldest first.
func (s *Server) SCANForms() []SCANForm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SCANForm, 0, len(s.forms))
	for _, f := range s.forms {
		c := f.SCANForm
		c.TrackingNumbers = append([]string(nil), f.TrackingNumbers...)
		out = append(out, c)
	}
	return out
}
