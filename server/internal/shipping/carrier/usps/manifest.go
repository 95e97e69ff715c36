package usps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

type scanFormRequest struct {
	Form                         string           `json:"form"`
	ImageType                    string           `json:"imageType"`
	LabelType                    string           `json:"labelType"`
	MailingDate                  string           `json:"mailingDate"`
	EntryFacilityZIPCode         string           `json:"entryFacilityZIPCode,omitempty"`
	DestinationEntryFacilityType string           `json:"destinationEntryFacilityType"`
	Shipment                     scanFormShipment `json:"shipment"`
	FromAddress                  address          `json:"fromAddress"`
}

type scanFormShipment struct {
	TrackingNumbers []string `json:"trackingNumbers"`
}

// Manifest implements carrier.Adapter with a PS Form 5630 SCAN form over
// the given labels; its acceptance scan at drop-off accepts them all.
func (a *Adapter) Manifest(ctx context.Context, c carrier.Conn, req carrier.ManifestRequest) (carrier.Manifest, error) {
	if len(req.TrackingNumbers) == 0 {
		return carrier.Manifest{}, errors.New("usps: scan form: no tracking numbers")
	}
	s, err := a.session(c)
	if err != nil {
		return carrier.Manifest{}, err
	}
	from := toAddress(req.From)
	body := scanFormRequest{
		Form: "5630", ImageType: "PDF", LabelType: "8.5x11LABEL", MailingDate: req.ShipDate.String(),
		EntryFacilityZIPCode: from.ZIPCode, DestinationEntryFacilityType: "NONE",
		Shipment: scanFormShipment{TrackingNumbers: req.TrackingNumbers}, FromAddress: from,
	}
	r, err := s.call(ctx, http.MethodPost, "/scan-forms/v3/scan-form", body,
		http.Header{"Accept": {"multipart/form-data, application/json"}})
	if err != nil {
		return carrier.Manifest{}, err
	}
	if !r.ok() {
		return carrier.Manifest{}, fail("scan form", r)
	}
	metaJSON, image, err := parts(r, "SCANFormMetadata", "SCANFormImage")
	if err != nil {
		return carrier.Manifest{}, fmt.Errorf("usps: scan form: %w", err)
	}
	var meta struct {
		ManifestNumber  string   `json:"manifestNumber"`
		TrackingNumbers []string `json:"trackingNumbers"`
	}
	if err := json.Unmarshal(metaJSON, &meta); err != nil || meta.ManifestNumber == "" {
		return carrier.Manifest{}, errors.New("usps: scan form: malformed answer: no manifestNumber")
	}
	if len(meta.TrackingNumbers) == 0 {
		meta.TrackingNumbers = append([]string(nil), req.TrackingNumbers...)
	}
	return carrier.Manifest{ID: meta.ManifestNumber, TrackingNumbers: meta.TrackingNumbers, Document: image}, nil
}
