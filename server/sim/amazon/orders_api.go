package amazon

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// cursor is what a getOrders NextToken carries: the query's filters and
// the last order returned (keyset pagination, stable while orders change).
type cursor struct {
	ByCreated bool      `json:"c"`
	After     time.Time `json:"a"`
	Before    time.Time `json:"b"`
	Statuses  []string  `json:"s,omitempty"`
	Channels  []string  `json:"f,omitempty"`
	Size      int       `json:"n"`
	LastTime  time.Time `json:"lt"`
	LastID    string    `json:"li"`
}

func encodeToken(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil && json.Unmarshal(b, v) == nil
}

func parseISO(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err == nil
}

// checkMarketplaces validates the MarketplaceIds list of a query.
func (s *Server) checkMarketplaces(w http.ResponseWriter, v, param string) bool {
	ids := splitList(v)
	if len(ids) == 0 {
		invalidInput(w, "Missing required parameter %s.", param)
		return false
	}
	if len(ids) > 50 {
		invalidInput(w, "%s accepts at most 50 values.", param)
		return false
	}
	for _, id := range ids {
		if id != s.opts.MarketplaceID {
			invalidInput(w, "Invalid %s: %s is not a marketplace this seller participates in.", param, id)
			return false
		}
	}
	return true
}

// handleGetOrders is GET /orders/v0/orders.
func (s *Server) handleGetOrders(w http.ResponseWriter, r *http.Request, a access) {
	q := r.URL.Query()
	if !s.checkMarketplaces(w, q.Get("MarketplaceIds"), "MarketplaceIds") {
		return
	}
	now := s.now()
	latest := now.Add(-2 * time.Minute)
	var c cursor
	if nt := q.Get("NextToken"); nt != "" {
		if !decodeToken(nt, &c) || c.Size == 0 {
			invalidInput(w, "Invalid NextToken.")
			return
		}
	} else {
		ca, la := q.Get("CreatedAfter"), q.Get("LastUpdatedAfter")
		switch {
		case ca == "" && la == "":
			invalidInput(w, "Either CreatedAfter or LastUpdatedAfter must be specified.")
			return
		case ca != "" && la != "":
			invalidInput(w, "CreatedAfter and LastUpdatedAfter cannot both be specified.")
			return
		}
		c.ByCreated = ca != ""
		afterName, beforeName, wrongBefore := "LastUpdatedAfter", "LastUpdatedBefore", "CreatedBefore"
		if c.ByCreated {
			afterName, beforeName, wrongBefore = "CreatedAfter", "CreatedBefore", "LastUpdatedBefore"
		}
		if q.Get(wrongBefore) != "" {
			invalidInput(w, "%s cannot be combined with %s.", wrongBefore, afterName)
			return
		}
		var ok bool
		if c.After, ok = parseISO(q.Get(afterName)); !ok {
			invalidInput(w, "%s %q is not in ISO 8601 date time format.", afterName, q.Get(afterName))
			return
		}
		if c.After.After(latest) {
			invalidInput(w, "%s must be no later than two minutes before the time the request was submitted.", afterName)
			return
		}
		c.Before = latest.Truncate(time.Second)
		if v := q.Get(beforeName); v != "" {
			if c.Before, ok = parseISO(v); !ok {
				invalidInput(w, "%s %q is not in ISO 8601 date time format.", beforeName, v)
				return
			}
			if c.Before.After(latest) {
				invalidInput(w, "%s must be no later than two minutes before the time the request was submitted.", beforeName)
				return
			}
			if c.Before.Before(c.After) {
				invalidInput(w, "%s must be later than %s.", beforeName, afterName)
				return
			}
		}
		c.Statuses = splitList(q.Get("OrderStatuses"))
		for _, st := range c.Statuses {
			if !statuses[st] {
				invalidInput(w, "Invalid OrderStatuses value: %s.", st)
				return
			}
		}
		c.Channels = splitList(q.Get("FulfillmentChannels"))
		for _, fc := range c.Channels {
			if fc != "MFN" && fc != "AFN" {
				invalidInput(w, "Invalid FulfillmentChannels value: %s.", fc)
				return
			}
		}
		c.Size = 100
		if v := q.Get("MaxResultsPerPage"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				invalidInput(w, "MaxResultsPerPage must be an integer between 1 and 100; got %q.", v)
				return
			}
			c.Size = n
		}
	}
	size := min(c.Size, s.opts.PageSize)

	s.mu.Lock()
	var page []json.RawMessage
	var next string
	for _, o := range s.sortedOrders(c.ByCreated) {
		k := o.lastUpdate
		if c.ByCreated {
			k = o.purchase
		}
		if k.Before(c.After) || k.After(c.Before) || !c.matches(o) {
			continue
		}
		if c.LastID != "" && (k.Before(c.LastTime) || (k.Equal(c.LastTime) && o.id <= c.LastID)) {
			continue
		}
		if len(page) == size {
			next = encodeToken(c)
			break
		}
		page = append(page, s.render(o, a))
		c.LastTime, c.LastID = k, o.id
	}
	s.mu.Unlock()

	payload := map[string]any{"Orders": orEmpty(page)}
	if next != "" {
		payload["NextToken"] = next
	}
	if c.ByCreated {
		payload["CreatedBefore"] = isoTime(c.Before)
	} else {
		payload["LastUpdatedBefore"] = isoTime(c.Before)
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
}

func orEmpty(v []json.RawMessage) []json.RawMessage {
	if v == nil {
		return []json.RawMessage{}
	}
	return v
}

func (c cursor) matches(o *order) bool {
	if len(c.Channels) > 0 && !contains(c.Channels, "MFN") {
		return false
	}
	return len(c.Statuses) == 0 || contains(c.Statuses, o.status)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// handleGetOrder is GET /orders/v0/orders/{orderId}.
func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request, a access) {
	s.mu.Lock()
	o, ok := s.orders[r.PathValue("orderId")]
	var body json.RawMessage
	if ok {
		body = s.render(o, a)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Invalid AmazonOrderId: "+r.PathValue("orderId"), "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": body})
}

type itemsCursor struct {
	Order  string `json:"o"`
	Offset int    `json:"i"`
}

// handleGetOrderItems is GET /orders/v0/orders/{orderId}/orderItems.
func (s *Server) handleGetOrderItems(w http.ResponseWriter, r *http.Request, _ access) {
	id := r.PathValue("orderId")
	offset := 0
	if nt := r.URL.Query().Get("NextToken"); nt != "" {
		var c itemsCursor
		if !decodeToken(nt, &c) || c.Order != id || c.Offset <= 0 {
			invalidInput(w, "Invalid NextToken.")
			return
		}
		offset = c.Offset
	}
	s.mu.Lock()
	o, ok := s.orders[id]
	var items []wireItem
	next := ""
	if ok {
		end := min(len(o.items), offset+s.opts.ItemsPageSize)
		for _, it := range o.items[min(offset, end):end] {
			items = append(items, s.renderItem(o, it))
		}
		if end < len(o.items) {
			next = encodeToken(itemsCursor{Order: id, Offset: end})
		}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Invalid AmazonOrderId: "+id, "")
		return
	}
	payload := map[string]any{"AmazonOrderId": id, "OrderItems": items}
	if items == nil {
		payload["OrderItems"] = []wireItem{}
	}
	if next != "" {
		payload["NextToken"] = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
}
