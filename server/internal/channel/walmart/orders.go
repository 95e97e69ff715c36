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
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/shared/api"
)

// FetchOrders implements channel.Connector with GET /v3/orders filtered by
// lastModifiedStartDate, following list.meta.nextCursor to the end.
//
// createdStartDate is sent too, reaching back as far as Walmart searches:
// left out, it defaults to seven days ago, and an older order cancelled or
// shipped today would never be seen.
func (c *Connector) FetchOrders(ctx context.Context, conn channel.Conn, since time.Time) ([]channel.Order, time.Time, error) {
	s, err := c.client(conn)
	if err != nil {
		return nil, time.Time{}, err
	}
	until := c.now().UTC()
	created := until.Add(-searchableDays * 24 * time.Hour)
	from := since.UTC().Truncate(time.Second) // truncating keeps the bound inclusive
	if from.Before(created) {
		from = created
	}
	q := url.Values{}
	q.Set("createdStartDate", formatDate(created))
	q.Set("lastModifiedStartDate", formatDate(from))
	q.Set("limit", strconv.Itoa(c.pageSize))
	next := "/v3/orders?" + q.Encode()

	var out []channel.Order
	index := map[string]int{} // purchase order id → position in out
	cursors := map[string]bool{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return nil, time.Time{}, err
		}
		l, err := s.listPage(ctx, next)
		if err != nil {
			return nil, time.Time{}, err
		}
		for i, raw := range l.orders {
			o, err := parseOrder(raw)
			if err != nil {
				return nil, time.Time{}, fmt.Errorf("walmart: GET /v3/orders page %d, order %d: %w", page, i+1, err)
			}
			// A set that changes between pages can repeat an order; keep
			// the latest copy.
			if at, seen := index[o.ExternalID]; seen {
				out[at] = o
				continue
			}
			index[o.ExternalID] = len(out)
			out = append(out, o)
		}
		cursor := l.nextCursor
		if cursor == "" {
			return out, until, nil
		}
		if !strings.HasPrefix(cursor, "?") {
			return nil, time.Time{}, fmt.Errorf("walmart: GET /v3/orders page %d: malformed response: nextCursor %q is not a query string", page, clip(cursor, 80))
		}
		if cursors[cursor] {
			return nil, time.Time{}, fmt.Errorf("walmart: GET /v3/orders page %d: nextCursor repeats an earlier page", page)
		}
		cursors[cursor] = true
		// The cursor is a complete query string: sent verbatim, alone.
		next = "/v3/orders" + cursor
	}
}

type listPage struct {
	orders     []json.RawMessage
	nextCursor string
}

// listPage fetches one page of an orders list. Walmart answers a search
// that matches nothing with 404 CONTENT_NOT_FOUND on some endpoints; that is
// an empty page.
func (s *client) listPage(ctx context.Context, pathQuery string) (listPage, error) {
	r, err := s.call(ctx, http.MethodGet, pathQuery, nil)
	if err != nil {
		return listPage{}, err
	}
	if isNotFound(r) {
		return listPage{}, nil
	}
	if !r.ok() {
		return listPage{}, failure(http.MethodGet, pathQuery, r)
	}
	var l wireList
	if err := json.Unmarshal(r.body, &l); err != nil {
		return listPage{}, fmt.Errorf("walmart: GET %s: malformed response: %w", pathOf(pathQuery), err)
	}
	if l.List == nil {
		return listPage{}, fmt.Errorf("walmart: GET %s: malformed response: no \"list\" envelope", pathOf(pathQuery))
	}
	return listPage{orders: l.List.Elements.Order, nextCursor: strings.TrimSpace(l.List.Meta.NextCursor)}, nil
}

// FetchOrder implements channel.Connector with GET /v3/orders/{purchaseOrderId}.
func (c *Connector) FetchOrder(ctx context.Context, conn channel.Conn, externalID string) (channel.Order, error) {
	s, err := c.client(conn)
	if err != nil {
		return channel.Order{}, err
	}
	raw, err := s.getOrder(ctx, externalID)
	if err != nil {
		return channel.Order{}, err
	}
	o, err := parseOrder(raw)
	if err != nil {
		return channel.Order{}, fmt.Errorf("walmart: GET /v3/orders/%s: %w", externalID, err)
	}
	if o.ExternalID != externalID {
		return channel.Order{}, fmt.Errorf("walmart: GET /v3/orders/%s: malformed response: it holds purchase order %s", externalID, o.ExternalID)
	}
	return o, nil
}

// getOrder returns the raw order of GET /v3/orders/{po}.
func (s *client) getOrder(ctx context.Context, po string) (json.RawMessage, error) {
	if strings.TrimSpace(po) == "" {
		return nil, errors.New("walmart: no purchase order id")
	}
	path := "/v3/orders/" + url.PathEscape(po)
	r, err := s.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if !r.ok() {
		return nil, failure(http.MethodGet, path, r)
	}
	return orderEnvelope(path, r.body)
}

// orderEnvelope reads the {"order":{…}} answer of the single-order calls.
func orderEnvelope(path string, body []byte) (json.RawMessage, error) {
	var env struct {
		Order json.RawMessage `json:"order"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("walmart: %s: malformed response: %w", path, err)
	}
	if len(env.Order) == 0 || string(env.Order) == "null" {
		return nil, fmt.Errorf("walmart: %s: malformed response: no \"order\"", path)
	}
	return env.Order, nil
}

// Acknowledge implements channel.Connector: POST
// /v3/orders/{purchaseOrderId}/acknowledge, which Walmart requires for every
// new purchase order. Acknowledging again is harmless; orders with nothing
// left to ship are not acknowledged.
func (c *Connector) Acknowledge(ctx context.Context, conn channel.Conn, o channel.Order) error {
	if o.Status == channel.OrderCancelled || o.Status == channel.OrderShipped {
		return nil
	}
	s, err := c.client(conn)
	if err != nil {
		return err
	}
	if strings.TrimSpace(o.ExternalID) == "" {
		return errors.New("walmart: acknowledge: no purchase order id")
	}
	path := "/v3/orders/" + url.PathEscape(o.ExternalID) + "/acknowledge"
	r, err := s.call(ctx, http.MethodPost, path, nil)
	if err != nil {
		return err
	}
	if !r.ok() {
		return failure(http.MethodPost, path, r)
	}
	_, err = orderEnvelope(path, r.body)
	return err
}

// Walmart line statuses.
const (
	statusCreated      = "Created"
	statusAcknowledged = "Acknowledged"
	statusShipped      = "Shipped"
	statusDelivered    = "Delivered"
	statusCancelled    = "Cancelled"
	statusRefund       = "Refund"
)

var lineStatuses = []string{statusCreated, statusAcknowledged, statusShipped, statusDelivered, statusCancelled, statusRefund}

func canonicalStatus(s string) (string, bool) {
	for _, k := range lineStatuses {
		if strings.EqualFold(strings.TrimSpace(s), k) {
			return k, true
		}
	}
	return "", false
}

// parseOrder normalizes one purchase order. Every field Manifold relies on is
// checked; an order that cannot be read whole is an error naming the field.
func parseOrder(raw json.RawMessage) (channel.Order, error) {
	var w wireOrder
	if err := json.Unmarshal(raw, &w); err != nil {
		return channel.Order{}, fmt.Errorf("malformed order: %w", err)
	}
	po := w.PurchaseOrderID.String()
	if po == "" {
		return channel.Order{}, errors.New("malformed order: purchaseOrderId is missing")
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("malformed purchase order %s: "+format, append([]any{po}, args...)...)
	}
	placed, ok, err := w.OrderDate.millis("orderDate")
	if err != nil {
		return channel.Order{}, bad("%w", err)
	}
	if !ok {
		return channel.Order{}, bad("orderDate is missing")
	}
	if w.ShippingInfo == nil || w.ShippingInfo.PostalAddress == nil {
		return channel.Order{}, bad("shippingInfo.postalAddress is missing")
	}
	si, addr := w.ShippingInfo, w.ShippingInfo.PostalAddress
	if w.OrderLines == nil || len(w.OrderLines.OrderLine) == 0 {
		return channel.Order{}, bad("orderLines.orderLine is empty")
	}
	o := channel.Order{
		ExternalID:    po,
		DisplayNumber: w.CustomerOrderID.String(),
		CustomerName:  strings.TrimSpace(addr.Name),
		CustomerEmail: strings.TrimSpace(w.CustomerEmailID),
		ShipTo: api.Address{
			Name:       strings.TrimSpace(addr.Name),
			Line1:      strings.TrimSpace(addr.Address1),
			Line2:      strings.TrimSpace(addr.Address2),
			City:       strings.TrimSpace(addr.City),
			Region:     strings.TrimSpace(addr.State),
			PostalCode: strings.TrimSpace(addr.PostalCode),
			Country:    countryCode(addr.Country),
			Phone:      strings.TrimSpace(si.Phone),
		},
		ServiceLevel: strings.TrimSpace(si.MethodCode),
		PlacedAt:     placed,
		ModifiedAt:   placed,
	}
	if o.DisplayNumber == "" {
		o.DisplayNumber = po
	}
	shipBy, ok, err := si.EstimatedShipDate.millis("shippingInfo.estimatedShipDate")
	if err != nil {
		return channel.Order{}, bad("%w", err)
	}
	if ok {
		o.ShipBy = &shipBy
	}
	if _, _, err := si.EstimatedDeliveryDate.millis("shippingInfo.estimatedDeliveryDate"); err != nil {
		return channel.Order{}, bad("%w", err)
	}

	var open, shipped, cancelled int // lines by state
	numbers := map[string]bool{}
	for i, wl := range w.OrderLines.OrderLine {
		l, st, err := parseLine(wl, &o)
		if err != nil {
			return channel.Order{}, bad("orderLine %d: %w", i+1, err)
		}
		if numbers[l.ChannelLineID] {
			return channel.Order{}, bad("lineNumber %q appears twice", l.ChannelLineID)
		}
		numbers[l.ChannelLineID] = true
		switch {
		case l.Cancelled:
			cancelled++
		case st.open > 0:
			open++
		default:
			shipped++
		}
		o.Lines = append(o.Lines, l)
	}
	switch {
	case open > 0:
		o.Status = channel.OrderReady
	case shipped > 0:
		o.Status = channel.OrderShipped
	default:
		o.Status = channel.OrderCancelled
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	return o, nil
}

// lineState counts a line's units by status.
type lineState struct{ open, shipped, cancelled int }

// parseLine normalizes one order line. A line whose every unit is cancelled
// is Cancelled with its ordered quantity; a partly cancelled line keeps only
// the units still to ship. The PRODUCT charge is the line's extended price,
// so the unit price is it divided by the ordered quantity (rounded to the
// cent when it does not divide).
func parseLine(wl wireLine, o *channel.Order) (channel.Line, lineState, error) {
	var st lineState
	num := wl.LineNumber.String()
	if num == "" {
		return channel.Line{}, st, errors.New("lineNumber is missing")
	}
	fail := func(format string, args ...any) (channel.Line, lineState, error) {
		return channel.Line{}, st, fmt.Errorf("line %s: "+format, append([]any{num}, args...)...)
	}
	if wl.Item == nil || strings.TrimSpace(wl.Item.Sku) == "" {
		return fail("item.sku is missing")
	}
	if wl.OrderLineQuantity == nil {
		return fail("orderLineQuantity is missing")
	}
	qty, err := wl.OrderLineQuantity.Amount.count("orderLineQuantity.amount")
	if err != nil {
		return fail("%w", err)
	}
	if qty == 0 {
		return fail("orderLineQuantity.amount is 0")
	}
	var total int64
	for j, ch := range wl.Charges.Charge {
		field := fmt.Sprintf("charges.charge[%d]", j)
		if ch.ChargeAmount == nil {
			return fail("%s.chargeAmount is missing", field)
		}
		amount, err := ch.ChargeAmount.Amount.cents(field + ".chargeAmount.amount")
		if err != nil {
			return fail("%w", err)
		}
		if ch.Tax != nil && ch.Tax.TaxAmount != nil {
			if _, err := ch.Tax.TaxAmount.Amount.cents(field + ".tax.taxAmount.amount"); err != nil {
				return fail("%w", err)
			}
		}
		if !strings.EqualFold(ch.ChargeType, "PRODUCT") {
			continue
		}
		total += amount
		if cur := strings.TrimSpace(ch.ChargeAmount.Currency); cur != "" {
			if o.Currency != "" && o.Currency != cur {
				return fail("%s is in %s, other charges in %s", field, cur, o.Currency)
			}
			o.Currency = cur
		}
	}
	statuses := wl.OrderLineStatuses.OrderLineStatus
	if len(statuses) == 0 {
		return fail("orderLineStatuses.orderLineStatus is empty")
	}
	allCancelled := true
	for j, ls := range statuses {
		status, ok := canonicalStatus(ls.Status)
		if !ok {
			return fail("orderLineStatus[%d].status %q is not a Walmart line status", j, ls.Status)
		}
		n := qty
		if ls.StatusQuantity != nil && ls.StatusQuantity.Amount.String() != "" {
			if n, err = ls.StatusQuantity.Amount.count(fmt.Sprintf("orderLineStatus[%d].statusQuantity.amount", j)); err != nil {
				return fail("%w", err)
			}
		}
		switch status {
		case statusCreated, statusAcknowledged:
			st.open += n
		case statusShipped, statusDelivered, statusRefund:
			st.shipped += n
		case statusCancelled:
			st.cancelled += n
		}
		allCancelled = allCancelled && status == statusCancelled
	}
	if at, ok, err := wl.StatusDate.millis("statusDate"); err != nil {
		return fail("%w", err)
	} else if ok && at.After(o.ModifiedAt) {
		o.ModifiedAt = at
	}
	l := channel.Line{
		ChannelLineID:  num,
		ChannelSKU:     wl.Item.Sku,
		Title:          strings.TrimSpace(wl.Item.ProductName),
		Quantity:       qty,
		UnitPriceCents: (total + int64(qty)/2) / int64(qty),
		Cancelled:      allCancelled || st.cancelled >= qty,
	}
	if !l.Cancelled && st.cancelled > 0 {
		l.Quantity = qty - st.cancelled
	}
	return l, st, nil
}

// countryCode turns Walmart's "USA" into the ISO alpha-2 code Manifold keeps.
func countryCode(c string) string {
	switch c = strings.ToUpper(strings.TrimSpace(c)); c {
	case "", "USA", "US":
		return "US"
	case "PRI":
		return "PR"
	case "VIR":
		return "VI"
	case "GUM":
		return "GU"
	}
	return c
}
