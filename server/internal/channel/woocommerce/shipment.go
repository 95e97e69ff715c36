package woocommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// carrierName is how a buyer reads Manifold's carrier code in a note; ""
// for "other", whose name the note leaves out.
func carrierName(code string) string {
	switch strings.ToLower(code) {
	case "ups":
		return "UPS"
	case "usps":
		return "USPS"
	case "fedex":
		return "FedEx"
	case "dhl":
		return "DHL"
	case "ontrac":
		return "OnTrac"
	case "canada_post":
		return "Canada Post"
	case "royal_mail":
		return "Royal Mail"
	case "other", "":
		return ""
	}
	return code
}

// shipmentNote is the order note for a shipment:
//
//	Shipped via UPS, tracking 1Z999AA10123456784
//	Track it: https://…
//	Items: Trailhead 2-Person Tent × 1
//
// The items line appears only when the shipment does not cover the order.
func shipmentNote(s channel.Shipment, lines []wcLine) (string, error) {
	var b strings.Builder
	b.WriteString("Shipped")
	if name := carrierName(s.Carrier); name != "" {
		b.WriteString(" via " + name)
	}
	if s.TrackingNumber != "" {
		b.WriteString(", tracking " + s.TrackingNumber)
	}
	if s.TrackingURL != "" {
		b.WriteString("\nTrack it: " + s.TrackingURL)
	}
	if len(s.Lines) == 0 {
		return b.String(), nil
	}
	ordered := map[string]wcLine{}
	for _, l := range lines {
		ordered[strconv.FormatInt(l.ID, 10)] = l
	}
	shipped := map[string]int{}
	var items []string
	for _, sl := range s.Lines {
		l, ok := ordered[sl.ChannelLineID]
		if !ok {
			return "", fmt.Errorf("woocommerce: order %s has no line %q", s.ExternalOrderID, sl.ChannelLineID)
		}
		shipped[sl.ChannelLineID] += sl.Quantity
		items = append(items, fmt.Sprintf("%s × %d", l.Name, sl.Quantity))
	}
	whole := true
	for id, l := range ordered {
		if shipped[id] < l.Quantity {
			whole = false
		}
	}
	if !whole {
		b.WriteString("\nItems: " + strings.Join(items, ", "))
	}
	return b.String(), nil
}

// ConfirmShipment implements channel.Connector: an order note with the
// carrier and tracking (not repeated when a note already names the
// tracking number, since the store does not deduplicate notes), then status
// completed. An order cancelled, refunded, failed or trashed on the store is
// left alone and the shipment refused (a *channel.Rejection, status 409,
// without a store code: the store itself would have accepted it).
func (k *Connector) ConfirmShipment(ctx context.Context, c channel.Conn, s channel.Shipment) error {
	id, err := orderID(s.ExternalOrderID)
	if err != nil {
		return err
	}
	path := "/orders/" + id
	r, err := k.do(ctx, c, "GET", path, nil, nil)
	if err != nil {
		return err
	}
	var o struct {
		Status    string   `json:"status"`
		LineItems []wcLine `json:"line_items"`
	}
	if err := json.Unmarshal(r.body, &o); err != nil || o.Status == "" {
		return fmt.Errorf("woocommerce: GET %s: malformed order: %v (%s)", path, err, snippet(r.body))
	}
	switch o.Status {
	case "cancelled", "refunded", "failed", "trash":
		// Not a retry's matter: a person decides what a shipped parcel of
		// a closed order means.
		return fmt.Errorf("woocommerce: %w", &channel.Rejection{Status: http.StatusConflict,
			Message: fmt.Sprintf("order %s is %s on the store; it was not marked completed", id, o.Status)})
	}
	text, err := shipmentNote(s, o.LineItems)
	if err != nil {
		return err
	}
	nr, err := k.do(ctx, c, "GET", path+"/notes", url.Values{"type": {"any"}}, nil)
	if err != nil {
		return err
	}
	var notes []struct {
		Note string `json:"note"`
	}
	if err := json.Unmarshal(nr.body, &notes); err != nil {
		return fmt.Errorf("woocommerce: GET %s/notes: malformed answer: %w (%s)", path, err, snippet(nr.body))
	}
	noted := false
	for _, n := range notes {
		if n.Note == text || (s.TrackingNumber != "" && strings.Contains(n.Note, s.TrackingNumber)) {
			noted = true
			break
		}
	}
	if !noted {
		body := map[string]any{"note": text, "customer_note": !k.private}
		if _, err := k.do(ctx, c, "POST", path+"/notes", nil, body); err != nil {
			return err
		}
	}
	if o.Status != "completed" {
		if _, err := k.do(ctx, c, "POST", path, nil, map[string]string{"status": "completed"}); err != nil {
			return err
		}
	}
	return nil
}
