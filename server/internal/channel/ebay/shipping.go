package ebay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// CarrierCode translates Manifold's carrier code to eBay's
// shippingCarrierCode (the values of Trading GeteBayDetails
// ShippingCarrierDetails): ups → UPS, usps → USPS, fedex → FedEx,
// dhl → DHL, other → Other. Any other code is passed through as given, for
// eBay to accept or refuse.
func CarrierCode(carrier string) string {
	switch strings.ToLower(strings.TrimSpace(carrier)) {
	case "ups":
		return "UPS"
	case "usps":
		return "USPS"
	case "fedex":
		return "FedEx"
	case "dhl":
		return "DHL"
	case "other":
		return "Other"
	}
	return strings.TrimSpace(carrier)
}

type lineRef struct {
	LineItemID string `json:"lineItemId"`
	Quantity   int    `json:"quantity"`
}

type fulfillmentBody struct {
	LineItems           []lineRef `json:"lineItems"`
	ShippedDate         string    `json:"shippedDate,omitempty"`
	ShippingCarrierCode string    `json:"shippingCarrierCode,omitempty"`
	TrackingNumber      string    `json:"trackingNumber,omitempty"`
}

// ConfirmShipment implements channel.Connector with one shipping
// fulfillment per package. eBay takes carrier and tracking number together
// or neither, so a shipment without tracking is marked shipped without a
// carrier. With a tracking number it first lists the order's fulfillments:
// one already carrying that number means an earlier attempt went through
// (its answer lost), and nothing is sent again.
func (c *Connector) ConfirmShipment(ctx context.Context, conn channel.Conn, sh channel.Shipment) error {
	if sh.ExternalOrderID == "" {
		return errors.New("ebay: shipping fulfillment: no order id")
	}
	if len(sh.Lines) == 0 {
		return fmt.Errorf("ebay: shipping fulfillment of order %s: no lines", sh.ExternalOrderID)
	}
	body := fulfillmentBody{TrackingNumber: strings.TrimSpace(sh.TrackingNumber)}
	for _, l := range sh.Lines {
		if l.ChannelLineID == "" || l.Quantity < 1 {
			return fmt.Errorf("ebay: shipping fulfillment of order %s: line %q quantity %d: every line needs its lineItemId and a positive quantity",
				sh.ExternalOrderID, l.ChannelLineID, l.Quantity)
		}
		body.LineItems = append(body.LineItems, lineRef{LineItemID: l.ChannelLineID, Quantity: l.Quantity})
	}
	if body.TrackingNumber != "" {
		body.ShippingCarrierCode = CarrierCode(sh.Carrier)
		if body.ShippingCarrierCode == "" {
			return fmt.Errorf("ebay: shipping fulfillment of order %s: tracking number %s has no carrier", sh.ExternalOrderID, body.TrackingNumber)
		}
	}
	if !sh.ShippedAt.IsZero() {
		body.ShippedDate = sh.ShippedAt.UTC().Format(ebayTimeLayout)
	}
	s, err := c.session(conn)
	if err != nil {
		return err
	}
	path := s.apiURL(ordersPath + "/" + url.PathEscape(sh.ExternalOrderID) + "/shipping_fulfillment")
	if body.TrackingNumber != "" {
		var list struct {
			Fulfillments []struct {
				ShipmentTrackingNumber string `json:"shipmentTrackingNumber"`
			} `json:"fulfillments"`
		}
		if err := s.getJSON(ctx, "getShippingFulfillments "+sh.ExternalOrderID, path, &list); err != nil {
			return err
		}
		for _, f := range list.Fulfillments {
			if strings.EqualFold(f.ShipmentTrackingNumber, body.TrackingNumber) {
				return nil
			}
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("ebay: shipping fulfillment: %w", err)
	}
	op := "createShippingFulfillment " + sh.ExternalOrderID
	resp, err := s.do(ctx, request{op: op, method: http.MethodPost, url: path, body: data})
	if err != nil {
		return err
	}
	if resp.status != http.StatusCreated && resp.status != http.StatusOK {
		return apiError(op, resp)
	}
	return nil
}
