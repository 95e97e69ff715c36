package walmart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// carriers is Walmart's published carrier list (trackingInfo.carrierName.carrier).
// Spelling and case matter.
var carriers = []string{"UPS", "USPS", "FedEx", "Airborne", "OnTrac", "DHL Ecommerce - US", "DHL", "LS", "UDS",
	"UPSMI", "FDX", "PILOT", "ESTES", "SAIA", "FDS Express", "Seko Worldwide", "HIT Delivery", "FEDEXSP",
	"RL Carriers", "Metropolitan Warehouse & Delivery", "China Post", "YunExpress", "Yellow Freight Sys",
	"AIT Worldwide Logistics", "Chukou1", "Sendle", "Landmark Global", "Sunyou", "Yanwen", "4PX", "GLS",
	"OSM Worldwide", "FIRST MILE", "AM Trucking", "CEVA", "India Post", "SF Express", "CNE", "TForce Freight",
	"AxleHire", "LSO", "Royal Mail", "ABF Freight System", "WanB", "Roadrunner Freight", "Meyer Distribution",
	"AAA Cooper", "Canada Post", "Southeastern Freight Lines", "Japan Post", "Correos de Mexico", "XPO Logistics",
	"JD Logistics", "YDH", "JCEX", "Flyt", "Deutsche Post"}

// carrierAliases maps Manifold's carrier codes to Walmart's names.
var carrierAliases = map[string]string{
	"ups":           "UPS",
	"usps":          "USPS",
	"fedex":         "FedEx",
	"dhl":           "DHL",
	"dhl_ecommerce": "DHL Ecommerce - US",
	"ontrac":        "OnTrac",
	"lso":           "LSO",
	"tforce":        "TForce Freight",
}

// CarrierName returns what a shipment confirmation says for a Manifold
// carrier code: one of Walmart's carrier names, or (other=true) a free-text
// name sent as otherCarrier, for which Walmart requires a tracking URL.
func CarrierName(code string) (name string, other bool) {
	code = strings.TrimSpace(code)
	if v, ok := carrierAliases[strings.ToLower(code)]; ok {
		return v, false
	}
	for _, c := range carriers {
		if strings.EqualFold(c, code) {
			return c, false
		}
	}
	if code == "" || strings.EqualFold(code, "other") {
		return "Other", true
	}
	return code, true
}

// methodCode returns Walmart's spelling of a method code, or "".
func methodCode(s string) string {
	for _, m := range methodCodes {
		if strings.EqualFold(strings.TrimSpace(s), m) {
			return m
		}
	}
	return ""
}

// ConfirmShipment implements channel.Connector with POST
// /v3/orders/{purchaseOrderId}/shipping.
//
// The purchase order is read first: its shippingInfo.methodCode is the
// trackingInfo.methodCode unless the shipment's service names one, and lines
// already shipped under the same tracking number are left out, so confirming
// again after a lost answer does not ask Walmart to ship them twice.
func (c *Connector) ConfirmShipment(ctx context.Context, conn channel.Conn, sh channel.Shipment) error {
	po := strings.TrimSpace(sh.ExternalOrderID)
	switch {
	case po == "":
		return errors.New("walmart: shipment: no purchase order id")
	case len(sh.Lines) == 0:
		return fmt.Errorf("walmart: shipment of %s: no lines", po)
	case strings.TrimSpace(sh.TrackingNumber) == "":
		return fmt.Errorf("walmart: shipment of %s: no tracking number", po)
	}
	carrier, other := CarrierName(sh.Carrier)
	var cn carrierName
	if other {
		if strings.TrimSpace(sh.TrackingURL) == "" {
			return fmt.Errorf("walmart: shipment of %s: carrier %q is not one Walmart names, and then a tracking URL is required", po, sh.Carrier)
		}
		cn.OtherCarrier = carrier
	} else {
		cn.Carrier = carrier
	}
	for _, l := range sh.Lines {
		if strings.TrimSpace(l.ChannelLineID) == "" || l.Quantity <= 0 {
			return fmt.Errorf("walmart: shipment of %s: line %q with quantity %d", po, l.ChannelLineID, l.Quantity)
		}
	}
	s, err := c.client(conn)
	if err != nil {
		return err
	}
	raw, err := s.getOrder(ctx, po)
	if err != nil {
		return err
	}
	var cur wireOrder
	if err := json.Unmarshal(raw, &cur); err != nil {
		return fmt.Errorf("walmart: GET /v3/orders/%s: malformed response: %w", po, err)
	}
	method := methodCode(sh.Service)
	if method == "" && cur.ShippingInfo != nil {
		method = methodCode(cur.ShippingInfo.MethodCode)
	}
	if method == "" {
		method = MethodStandard
	}
	done := shippedWith(cur, sh.TrackingNumber)
	shipped := sh.ShippedAt
	if shipped.IsZero() {
		shipped = c.now()
	}
	var req shipRequest
	for _, l := range sh.Lines {
		if done[l.ChannelLineID] {
			continue
		}
		sl := shipLine{LineNumber: l.ChannelLineID, SellerOrderID: clipRunes(po, 30)}
		sl.OrderLineStatuses.OrderLineStatus = []shipStatus{{
			Status:         statusShipped,
			StatusQuantity: shipQuantity{UnitOfMeasurement: "EACH", Amount: strconv.Itoa(l.Quantity)},
			TrackingInfo: trackingInfo{ShipDateTime: shipped.UnixMilli(), CarrierName: cn, MethodCode: method,
				TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL},
		}}
		req.OrderShipment.OrderLines.OrderLine = append(req.OrderShipment.OrderLines.OrderLine, sl)
	}
	if len(req.OrderShipment.OrderLines.OrderLine) == 0 {
		return nil
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("walmart: shipment body: %w", err)
	}
	path := "/v3/orders/" + url.PathEscape(po) + "/shipping"
	r, err := s.call(ctx, http.MethodPost, path, body)
	if err != nil {
		return err
	}
	if !r.ok() {
		return failure(http.MethodPost, path, r)
	}
	_, err = orderEnvelope(path, r.body)
	return err
}

// shippedWith returns the lines that already carry a Shipped status with
// this tracking number.
func shippedWith(o wireOrder, tracking string) map[string]bool {
	done := map[string]bool{}
	if o.OrderLines == nil {
		return done
	}
	for _, l := range o.OrderLines.OrderLine {
		for _, st := range l.OrderLineStatuses.OrderLineStatus {
			if s, _ := canonicalStatus(st.Status); (s == statusShipped || s == statusDelivered) &&
				st.TrackingInfo != nil && st.TrackingInfo.TrackingNumber == tracking {
				done[l.LineNumber.String()] = true
			}
		}
	}
	return done
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
