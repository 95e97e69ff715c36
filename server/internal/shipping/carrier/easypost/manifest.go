package easypost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

type scanFormResp struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Message       *string  `json:"message"`
	TrackingCodes []string `json:"tracking_codes"`
	FormURL       *string  `json:"form_url"`
}

// Manifest implements carrier.Adapter with a scan form of the parcels'
// EasyPost shipments. EasyPost makes the form asynchronously: it is asked
// for again until it is created (or the context ends), then its PDF is
// fetched.
func (a *Adapter) Manifest(ctx context.Context, c carrier.Conn, req carrier.ManifestRequest) (carrier.Manifest, error) {
	var refs []map[string]string
	for _, id := range req.ProviderShipmentIDs {
		if id != "" {
			refs = append(refs, map[string]string{"id": id})
		}
	}
	if len(refs) == 0 {
		return carrier.Manifest{}, errors.New("easypost: scan form: no EasyPost shipment ids")
	}
	s, err := a.session(c)
	if err != nil {
		return carrier.Manifest{}, err
	}
	r, err := s.call(ctx, http.MethodPost, "/v2/scan_forms", map[string]any{"shipments": refs})
	if err != nil {
		return carrier.Manifest{}, err
	}
	if !r.ok() {
		return carrier.Manifest{}, fail("scan form", r)
	}
	var f scanFormResp
	if err := json.Unmarshal(r.body, &f); err != nil || f.ID == "" {
		return carrier.Manifest{}, errors.New("easypost: scan form: malformed answer: no id")
	}
	for f.Status != "created" || f.FormURL == nil || *f.FormURL == "" {
		if f.Status == "failed" {
			msg := "failed"
			if f.Message != nil {
				msg = *f.Message
			}
			return carrier.Manifest{}, fmt.Errorf("easypost: scan form %s: %w", f.ID, &carrier.Rejection{Code: "SCAN_FORM.FAILED", Message: msg})
		}
		t := time.NewTimer(a.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return carrier.Manifest{}, fmt.Errorf("easypost: scan form %s still %s: %w", f.ID, f.Status, ctx.Err())
		case <-t.C:
		}
		r, err := s.call(ctx, http.MethodGet, "/v2/scan_forms/"+url.PathEscape(f.ID), nil)
		if err != nil {
			return carrier.Manifest{}, err
		}
		if !r.ok() {
			return carrier.Manifest{}, fail("scan form "+f.ID, r)
		}
		if err := json.Unmarshal(r.body, &f); err != nil {
			return carrier.Manifest{}, fmt.Errorf("easypost: scan form: malformed answer: %w", err)
		}
	}
	doc, err := s.download(ctx, *f.FormURL)
	if err != nil {
		return carrier.Manifest{}, err
	}
	return carrier.Manifest{ID: f.ID, TrackingNumbers: f.TrackingCodes, Document: doc, DocumentURL: *f.FormURL}, nil
}
