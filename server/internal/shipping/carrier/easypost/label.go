package easypost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// BuyLabel implements carrier.Adapter. It buys the quote's rate (or, with
// no RateID, the requested carrier and service on a new shipment), then
// fetches the label in the requested format, converting it when EasyPost
// made another. A purchase retried after EasyPost already bought the same
// rate returns that label. The reference is printed only on labels bought
// without a RateID: a shipment made by Rates cannot be given one later.
func (a *Adapter) BuyLabel(ctx context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	s, err := a.session(c)
	if err != nil {
		return carrier.Label{}, err
	}
	format := strings.ToUpper(req.Format)
	switch format {
	case "":
		format = "ZPL"
	case "ZPL", "PDF":
	default:
		return carrier.Label{}, fmt.Errorf("easypost: label format %q is not zpl or pdf", req.Format)
	}
	shipmentID, rateID, ok := strings.Cut(req.RateID, "|")
	if !ok || shipmentID == "" || rateID == "" {
		if shipmentID, rateID, err = a.freshRate(ctx, s, req, format); err != nil {
			return carrier.Label{}, err
		}
	}
	sh, err := s.buy(ctx, shipmentID, rateID)
	if err != nil {
		return carrier.Label{}, err
	}
	if sh.SelectedRate == nil || sh.PostageLabel == nil || sh.TrackingCode == "" {
		return carrier.Label{}, fmt.Errorf("easypost: buy %s: the answer has no selected rate, postage label or tracking code", shipmentID)
	}
	fileURL := labelURL(sh.PostageLabel, format)
	if fileURL == "" {
		r, err := s.call(ctx, http.MethodGet, "/v2/shipments/"+url.PathEscape(shipmentID)+"/label?file_format="+format, nil)
		if err != nil {
			return carrier.Label{}, err
		}
		if !r.ok() {
			return carrier.Label{}, fail("convert label "+shipmentID, r)
		}
		var conv shipmentResp
		if err := json.Unmarshal(r.body, &conv); err != nil || conv.PostageLabel == nil {
			return carrier.Label{}, fmt.Errorf("easypost: convert label %s: malformed answer", shipmentID)
		}
		if fileURL = labelURL(conv.PostageLabel, format); fileURL == "" {
			return carrier.Label{}, fmt.Errorf("easypost: convert label %s: no %s label URL in the answer", shipmentID, format)
		}
	}
	data, err := s.download(ctx, fileURL)
	if err != nil {
		return carrier.Label{}, err
	}
	cents, err := rateshop.ParseCents(sh.SelectedRate.Rate)
	if err != nil {
		return carrier.Label{}, fmt.Errorf("easypost: buy %s: rate: %w", shipmentID, err)
	}
	return carrier.Label{Provider: carrier.EasyPost, Carrier: strings.ToLower(sh.SelectedRate.Carrier),
		Service: sh.SelectedRate.Service, TrackingNumber: sh.TrackingCode, ProviderShipmentID: sh.ID,
		CostCents: cents, Currency: sh.SelectedRate.Currency, Format: strings.ToLower(format), Data: data}, nil
}

// freshRate creates a shipment for the label request and finds the rate of
// its carrier and service.
func (a *Adapter) freshRate(ctx context.Context, s *session, req carrier.LabelRequest, format string) (string, string, error) {
	f := a.shipmentFields(s.c, req.From, req.To, req.Parcel, req.ShipDate)
	f.Options["label_format"] = format
	f.Reference = req.Reference
	if req.Reference != "" {
		f.Options["print_custom_1"] = req.Reference
	}
	sh, err := s.createShipment(ctx, f)
	if err != nil {
		return "", "", err
	}
	for _, r := range sh.Rates {
		if strings.EqualFold(r.Service, req.Service) && (req.Carrier == "" || strings.EqualFold(r.Carrier, req.Carrier)) {
			return sh.ID, r.ID, nil
		}
	}
	err = fmt.Errorf("easypost: no %s %s rate for this parcel", req.Carrier, req.Service)
	if len(sh.Messages) > 0 {
		err = fmt.Errorf("%w (%w)", err, &RatingErrors{ShipmentID: sh.ID, Messages: sh.Messages})
	}
	return "", "", err
}

// buy buys a rate of a shipment; if the shipment already has postage of
// that very rate (a retried purchase), it returns the shipment.
func (s *session) buy(ctx context.Context, shipmentID, rateID string) (shipmentResp, error) {
	path := "/v2/shipments/" + url.PathEscape(shipmentID)
	r, err := s.call(ctx, http.MethodPost, path+"/buy", map[string]map[string]string{"rate": {"id": rateID}})
	if err != nil {
		return shipmentResp{}, err
	}
	if !r.ok() {
		e, _ := parseError(r)
		if r.status != http.StatusUnprocessableEntity || e.Code != "SHIPMENT.POSTAGE.EXISTS" {
			return shipmentResp{}, fail("buy "+shipmentID, r)
		}
		prior, err := s.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return shipmentResp{}, err
		}
		var sh shipmentResp
		if !prior.ok() || json.Unmarshal(prior.body, &sh) != nil || sh.SelectedRate == nil || sh.SelectedRate.ID != rateID {
			return shipmentResp{}, fail("buy "+shipmentID, r)
		}
		return sh, nil
	}
	var sh shipmentResp
	if err := json.Unmarshal(r.body, &sh); err != nil {
		return shipmentResp{}, fmt.Errorf("easypost: buy %s: malformed answer: %w", shipmentID, err)
	}
	return sh, nil
}

// labelURL is the URL of the label in a format, if EasyPost has made it.
func labelURL(pl *postageLabel, format string) string {
	switch format {
	case "ZPL":
		if pl.LabelZPLURL != "" {
			return pl.LabelZPLURL
		}
		if strings.Contains(pl.LabelFileType, "zpl") {
			return pl.LabelURL
		}
	case "PDF":
		if pl.LabelPDFURL != "" {
			return pl.LabelPDFURL
		}
		if strings.Contains(pl.LabelFileType, "pdf") {
			return pl.LabelURL
		}
	}
	return ""
}

// Void implements carrier.Adapter with a refund request. EasyPost answers
// with the refund's status: submitted or refunded is done; rejected or not
// applicable is a *carrier.Rejection.
func (a *Adapter) Void(ctx context.Context, c carrier.Conn, l carrier.Label) error {
	if l.ProviderShipmentID == "" {
		return errors.New("easypost: void: the label has no EasyPost shipment id")
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	r, err := s.call(ctx, http.MethodPost, "/v2/shipments/"+url.PathEscape(l.ProviderShipmentID)+"/refund", nil)
	if err != nil {
		return err
	}
	if !r.ok() {
		return fail("refund "+l.ProviderShipmentID, r)
	}
	var sh shipmentResp
	if err := json.Unmarshal(r.body, &sh); err != nil {
		return fmt.Errorf("easypost: refund %s: malformed answer: %w", l.ProviderShipmentID, err)
	}
	switch sh.RefundStatus {
	case "submitted", "refunded":
		return nil
	}
	return fmt.Errorf("easypost: refund %s: %w", l.ProviderShipmentID, &carrier.Rejection{Status: r.status,
		Code: "REFUND." + strings.ToUpper(sh.RefundStatus), Message: "refund_status " + sh.RefundStatus})
}
