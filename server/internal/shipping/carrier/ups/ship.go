package ups

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/gif"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/label"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// BuyLabel implements carrier.Adapter: one Ship request for one package,
// billed to the account, with a 4×6 label (see the package comment for
// PDF).
func (a *Adapter) BuyLabel(ctx context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	s, err := a.open(c)
	if err != nil {
		return carrier.Label{}, err
	}
	if strings.TrimSpace(req.Service) == "" {
		return carrier.Label{}, errors.New("ups: the label request names no service")
	}
	imageFormat := "ZPL"
	switch req.Format {
	case "zpl":
	case "pdf":
		imageFormat = "GIF"
	default:
		return carrier.Label{}, fmt.Errorf("ups: label format %q is not zpl or pdf", req.Format)
	}
	m, err := measure(req.Parcel.WeightOz, req.Parcel.LengthIn, req.Parcel.WidthIn, req.Parcel.HeightIn)
	if err != nil {
		return carrier.Label{}, err
	}
	from := toAddress(req.From)
	pkg := shipPackage{Packaging: codeDesc{Code: "02", Description: "Package"}, Dimensions: m.dimensions(), PackageWeight: m.weight()}
	if ref := cut(req.Reference, 35); ref != "" {
		pkg.ReferenceNumber = []referenceItem{{Value: ref}}
	}
	body := shipEnvelope{ShipmentRequest: shipRequest{
		Request: requestInfo{RequestOption: "nonvalidate", SubVersion: strings.TrimPrefix(a.version, "v"),
			TransactionReference: &transactionReference{CustomerContext: cut(req.Reference, 512)}},
		Shipment: shipShipment{
			Description: cut(req.Reference, 50),
			Shipper: party{Name: cut(req.From.Name, 35), AttentionName: cut(req.From.Name, 35),
				ShipperNumber: s.account, Address: from},
			ShipFrom:           party{Name: cut(req.From.Name, 35), AttentionName: cut(req.From.Name, 35), Address: from},
			ShipTo:             party{Name: cut(req.To.Name, 35), AttentionName: cut(req.To.Name, 35), Address: toAddress(req.To)},
			PaymentInformation: chargeList{ShipmentCharge: []shipmentCharge{billShipper(s.account)}},
			Service:            codeDesc{Code: req.Service, Description: ServiceName(req.Service)},
			Package:            []shipPackage{pkg},
		},
	}}
	body.ShipmentRequest.LabelSpecification.LabelImageFormat = codeDesc{Code: imageFormat}
	body.ShipmentRequest.LabelSpecification.LabelStockSize.Height = "6"
	body.ShipmentRequest.LabelSpecification.LabelStockSize.Width = "4"
	if a.negotiated {
		body.ShipmentRequest.Shipment.ShipmentRatingOptions = &ratingOptions{NegotiatedRatesIndicator: indicator()}
	}
	var out shipResponse
	if err := s.do(ctx, call{op: "ship", method: "POST", path: "/api/shipments/" + a.version + "/ship", body: body}, &out); err != nil {
		return carrier.Label{}, err
	}
	res := out.ShipmentResponse.ShipmentResults
	if len(res.PackageResults) == 0 || res.PackageResults[0].TrackingNumber == "" {
		return carrier.Label{}, errors.New("ups: ship: malformed answer: no package result with a tracking number")
	}
	pr := res.PackageResults[0]
	charge := res.ShipmentCharges.TotalCharges
	if n := res.NegotiatedRateCharges; n != nil && strings.TrimSpace(n.TotalCharge.MonetaryValue) != "" {
		charge = n.TotalCharge
	}
	cents, err := rateshop.ParseCents(charge.MonetaryValue)
	if err != nil {
		return carrier.Label{}, fmt.Errorf("ups: ship: shipment charges: %w", err)
	}
	img, err := base64.StdEncoding.DecodeString(pr.ShippingLabel.GraphicImage)
	if err != nil || len(img) == 0 {
		return carrier.Label{}, fmt.Errorf("ups: ship: the label image of %s is not base64 (%v)", pr.TrackingNumber, err)
	}
	l := carrier.Label{Provider: carrier.UPSDirect, Carrier: "ups", Service: req.Service, TrackingNumber: pr.TrackingNumber,
		ProviderShipmentID: res.ShipmentIdentificationNumber, CostCents: cents, Currency: strings.ToUpper(charge.CurrencyCode),
		Format: req.Format}
	if l.ProviderShipmentID == "" {
		l.ProviderShipmentID = pr.TrackingNumber
	}
	// The label is bought: a label that cannot be read is still reported
	// with its tracking number so that it can be voided.
	switch imageFormat {
	case "ZPL":
		if z := bytes.TrimSpace(img); !bytes.HasPrefix(z, []byte("^XA")) || !bytes.HasSuffix(z, []byte("^XZ")) {
			return l, fmt.Errorf("ups: ship: the ZPL label of %s is not a ^XA…^XZ format", l.TrackingNumber)
		}
		l.Data = img
	case "GIF":
		g, err := gif.Decode(bytes.NewReader(img))
		if err != nil {
			return l, fmt.Errorf("ups: ship: the GIF label of %s: %w", l.TrackingNumber, err)
		}
		if l.Data, err = label.ImagePDF(g); err != nil {
			return l, fmt.Errorf("ups: ship: %w", err)
		}
	}
	return l, nil
}

// Void implements carrier.Adapter: it cancels the whole shipment by its
// shipment identification number (the tracking number for one package).
func (a *Adapter) Void(ctx context.Context, c carrier.Conn, l carrier.Label) error {
	s, err := a.open(c)
	if err != nil {
		return err
	}
	id := l.ProviderShipmentID
	if id == "" {
		id = l.TrackingNumber
	}
	if id == "" {
		return errors.New("ups: void: the label has no shipment id or tracking number")
	}
	var out voidResponse
	if err := s.do(ctx, call{op: "void", method: "DELETE", path: "/api/shipments/" + a.version + "/void/cancel/" + url.PathEscape(id)}, &out); err != nil {
		return err
	}
	if st := out.VoidShipmentResponse.SummaryResult.Status; st.Code != "1" {
		return &carrier.Rejection{Status: 200, Code: st.Code, Message: st.Description}
	}
	return nil
}
