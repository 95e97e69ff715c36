package fedex

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// BuyLabel implements carrier.Adapter: one shipment of one package, paid
// by the sender, with a ZPLII or PDF label on 4×6 stock returned inline.
// FedEx Ship has no idempotency key: a purchase retried after a lost
// answer can buy twice, and the unused label must be cancelled.
func (a *Adapter) BuyLabel(ctx context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	s, err := a.open(c)
	if err != nil {
		return carrier.Label{}, err
	}
	if s.phone == "" {
		return carrier.Label{}, fmt.Errorf("fedex: credential %q is missing: FedEx needs the shipper's phone number to ship", CredPhoneNumber)
	}
	if strings.TrimSpace(req.Service) == "" {
		return carrier.Label{}, errors.New("fedex: the label request names no service")
	}
	imageType := map[string]string{"zpl": "ZPLII", "pdf": "PDF"}[req.Format]
	if imageType == "" {
		return carrier.Label{}, fmt.Errorf("fedex: label format %q is not zpl or pdf", req.Format)
	}
	wt, dims, err := measure(req.Parcel.WeightOz, req.Parcel.LengthIn, req.Parcel.WidthIn, req.Parcel.HeightIn)
	if err != nil {
		return carrier.Label{}, err
	}
	shipDate := req.ShipDate
	if shipDate.IsZero() {
		shipDate = rateshop.DateOf(a.now())
	}
	var body shipRequest
	body.LabelResponseOptions = "LABEL"
	body.AccountNumber.Value = s.account
	rs := &body.RequestedShipment
	rs.Shipper = party{Contact: &contact{PersonName: strings.TrimSpace(req.From.Name), PhoneNumber: s.phone}, Address: toAddress(req.From)}
	rs.Recipients = []party{{Contact: &contact{PersonName: strings.TrimSpace(req.To.Name), PhoneNumber: s.phone}, Address: toAddress(req.To)}}
	rs.ShipDatestamp = shipDate.String()
	rs.ServiceType = req.Service
	rs.PackagingType = "YOUR_PACKAGING"
	rs.PickupType = a.pickupType
	rs.ShippingChargesPayment.PaymentType = "SENDER"
	rs.LabelSpecification.ImageType = imageType
	rs.LabelSpecification.LabelStockType = "STOCK_4X6"
	item := lineItem{SequenceNumber: 1, Weight: wt, Dimensions: dims}
	if ref := strings.TrimSpace(req.Reference); ref != "" {
		item.CustomerReferences = []customerReference{{CustomerReferenceType: "CUSTOMER_REFERENCE", Value: ref}}
	}
	rs.RequestedPackageLineItems = []lineItem{item}

	var out shipResponse
	if err := s.do(ctx, call{op: "ship", method: "POST", path: "/ship/v1/shipments", body: body}, &out); err != nil {
		return carrier.Label{}, err
	}
	if len(out.Output.TransactionShipments) == 0 || len(out.Output.TransactionShipments[0].PieceResponses) == 0 {
		return carrier.Label{}, errors.New("fedex: ship: malformed answer: no piece response")
	}
	ts := out.Output.TransactionShipments[0]
	piece := ts.PieceResponses[0]
	if piece.TrackingNumber == "" {
		return carrier.Label{}, errors.New("fedex: ship: malformed answer: no tracking number")
	}
	l := carrier.Label{Provider: carrier.FedExDirect, Carrier: "fedex", Service: req.Service, TrackingNumber: piece.TrackingNumber,
		ProviderShipmentID: ts.MasterTrackingNumber, Format: req.Format, Currency: "USD"}
	charge := piece.NetChargeAmount
	if rd := ts.CompletedShipmentDetail.ShipmentRating.ShipmentRateDetails; len(rd) > 0 {
		charge, l.Currency = rd[0].TotalNetCharge, strings.ToUpper(rd[0].Currency)
	}
	if charge != "" {
		amount, err := Decimal(charge)
		if err != nil {
			return l, fmt.Errorf("fedex: ship: net charge: %w", err)
		}
		l.CostCents, _ = rateshop.ParseCents(amount)
	}
	// The label is bought: one that cannot be read is still reported with
	// its tracking number so that it can be cancelled.
	for _, doc := range piece.PackageDocuments {
		if doc.ContentType != "LABEL" || doc.EncodedLabel == "" {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(doc.EncodedLabel)
		if err != nil {
			return l, fmt.Errorf("fedex: ship: the label of %s is not base64: %w", l.TrackingNumber, err)
		}
		if err := checkLabel(req.Format, data); err != nil {
			return l, fmt.Errorf("fedex: ship: the label of %s: %w", l.TrackingNumber, err)
		}
		l.Data = data
		return l, nil
	}
	return l, fmt.Errorf("fedex: ship: no label document for %s", l.TrackingNumber)
}

// checkLabel makes sure the bytes are what the format promises.
func checkLabel(format string, data []byte) error {
	d := bytes.TrimSpace(data)
	switch format {
	case "zpl":
		if !bytes.HasPrefix(d, []byte("^XA")) || !bytes.HasSuffix(d, []byte("^XZ")) {
			return errors.New("not a ^XA…^XZ ZPL format")
		}
	case "pdf":
		if !bytes.HasPrefix(d, []byte("%PDF-")) || !bytes.HasSuffix(d, []byte("%%EOF")) {
			return errors.New("not a PDF file")
		}
	}
	return nil
}

// Void implements carrier.Adapter with Cancel Shipment, which FedEx allows
// until the parcel is tendered.
func (a *Adapter) Void(ctx context.Context, c carrier.Conn, l carrier.Label) error {
	s, err := a.open(c)
	if err != nil {
		return err
	}
	n := l.TrackingNumber
	if n == "" {
		n = l.ProviderShipmentID
	}
	if n == "" {
		return errors.New("fedex: cancel: the label has no tracking number")
	}
	body := cancelRequest{AccountNumber: accountNumber{Value: s.account}, SenderCountryCode: "US",
		DeletionControl: "DELETE_ALL_PACKAGES", TrackingNumber: n}
	var out cancelResponse
	if err := s.do(ctx, call{op: "cancel", method: "PUT", path: "/ship/v1/shipments/cancel", body: body}, &out); err != nil {
		return err
	}
	if !out.Output.CancelledShipment {
		rej := &carrier.Rejection{Status: 200, Message: "FedEx did not cancel the shipment"}
		if len(out.Output.Alerts) > 0 {
			rej.Code, rej.Message = out.Output.Alerts[0].Code, out.Output.Alerts[0].Message
		}
		return rej
	}
	return nil
}
