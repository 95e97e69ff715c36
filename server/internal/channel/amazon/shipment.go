package amazon

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// carrierCodes maps Manifold's carrier codes to Amazon's CarrierCode values.
var carrierCodes = map[string]string{
	"ups":    "UPS",
	"usps":   "USPS",
	"fedex":  "FedEx",
	"dhl":    "DHL",
	"ontrac": "OnTrac",
	"amazon": "Amazon Shipping",
}

// CarrierCode returns Amazon's carrierCode and carrierName for a Manifold
// carrier code. Carriers Amazon does not list go as "Other" with the
// carrier's own name, which Amazon then requires.
func CarrierCode(carrier string) (code, name string) {
	if c, ok := carrierCodes[strings.ToLower(strings.TrimSpace(carrier))]; ok {
		return c, c
	}
	name = strings.TrimSpace(carrier)
	if name == "" || strings.EqualFold(name, "other") {
		name = "Other"
	}
	return "Other", name
}

// packageReference is the packageReferenceId of a shipment: a positive
// number derived from the tracking number, so re-sending the same shipment
// edits its package instead of adding one.
func packageReference(tracking string) string {
	h := fnv.New32a()
	h.Write([]byte(tracking))
	n := h.Sum32() & 0x7fffffff
	if n == 0 {
		n = 1
	}
	return strconv.FormatUint(uint64(n), 10)
}

// ConfirmShipment implements channel.Connector with confirmShipment: one
// package per call, its lines by OrderItemId. Amazon's refusal (400
// InvalidInput …) is a *channel.Rejection with its code and message verbatim.
func (c *Connector) ConfirmShipment(ctx context.Context, conn channel.Conn, sh channel.Shipment) error {
	if sh.ExternalOrderID == "" {
		return errors.New("amazon: confirmShipment: the order id is empty")
	}
	if strings.TrimSpace(sh.TrackingNumber) == "" {
		return errors.New("amazon: confirmShipment: the tracking number is empty")
	}
	if len(sh.Lines) == 0 {
		return errors.New("amazon: confirmShipment: the shipment has no lines")
	}
	items := make([]map[string]any, 0, len(sh.Lines))
	for i, l := range sh.Lines {
		if l.ChannelLineID == "" || l.Quantity <= 0 {
			return fmt.Errorf("amazon: confirmShipment: line %d needs an OrderItemId and a positive quantity", i+1)
		}
		items = append(items, map[string]any{"orderItemId": l.ChannelLineID, "quantity": l.Quantity})
	}
	s, err := c.open(conn)
	if err != nil {
		return err
	}
	code, name := CarrierCode(sh.Carrier)
	shipped := sh.ShippedAt
	if shipped.IsZero() {
		shipped = c.now()
	}
	detail := map[string]any{
		"packageReferenceId": packageReference(sh.TrackingNumber),
		"carrierCode":        code,
		"carrierName":        name,
		"trackingNumber":     sh.TrackingNumber,
		"shipDate":           iso(shipped),
		"orderItems":         items,
	}
	if sh.Service != "" {
		detail["shippingMethod"] = sh.Service
	}
	body := map[string]any{"marketplaceId": s.marketplace, "packageDetail": detail}
	path := ordersPath + "/" + url.PathEscape(sh.ExternalOrderID) + "/shipmentConfirmation"
	return s.do(ctx, request{op: opConfirmShip, method: "POST", path: path, body: body, token: tokenLWA}, nil)
}
