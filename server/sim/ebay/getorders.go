package ebay

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const ebayTimeLayout = "2006-01-02T15:04:05.000Z"

// OrderPage is getOrders' OrderSearchPagedCollection.
type OrderPage struct {
	Href   string  `json:"href"`
	Total  int     `json:"total"`
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
	Next   string  `json:"next,omitempty"`
	Prev   string  `json:"prev,omitempty"`
	Orders []Order `json:"orders"`
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type dateRange struct{ start, end time.Time }

func (d dateRange) has(t time.Time) bool {
	return !t.Before(d.start) && (d.end.IsZero() || !t.After(d.end))
}

// parseRange parses "[start..end]" (end optional), answering eBay's error
// when it cannot.
func parseRange(val string, now time.Time) (dateRange, *apiError) {
	bad := func(id int, msg string) (dateRange, *apiError) {
		e := fulfillmentError(id, msg)
		return dateRange{}, &e
	}
	inner, ok := strings.CutPrefix(val, "[")
	if ok {
		inner, ok = strings.CutSuffix(inner, "]")
	}
	from, to, dots := strings.Cut(inner, "..")
	if !ok || !dots {
		return bad(30810, "Invalid date format")
	}
	if from == "" {
		return bad(30820, "Start date is missing")
	}
	var d dateRange
	var err error
	if d.start, err = time.Parse(ebayTimeLayout, from); err != nil {
		return bad(30810, "Invalid date format")
	}
	if to != "" {
		if d.end, err = time.Parse(ebayTimeLayout, to); err != nil {
			return bad(30810, "Invalid date format")
		}
	}
	end := d.end
	if end.IsZero() {
		end = now
	}
	switch {
	case d.start.After(now) || d.end.After(now):
		return bad(30850, "Start and end dates can't be in the future")
	case d.start.After(end):
		return bad(30840, "Start date should be before end date")
	case d.start.Before(end.AddDate(-2, 0, 0)):
		return bad(30830, "Time range between start date and end date must be within '2' years.")
	}
	return d, nil
}

// handleGetOrders answers GET /sell/fulfillment/v1/order.
func (s *Server) handleGetOrders(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	q := r.URL.Query()
	fail := func(status int, e apiError) { writeErrors(w, status, e) }

	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			fail(http.StatusBadRequest, fulfillmentError(31100, "Invalid limit: "+v))
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(http.StatusBadRequest, fulfillmentError(31000, "Invalid offset: "+v))
			return
		}
		offset = n
	}
	if v := q.Get("fieldGroups"); v != "" && v != "TAX_BREAKDOWN" {
		fail(http.StatusBadRequest, fulfillmentError(32800, "Invalid field group: "+v))
		return
	}

	var match func(*order) bool
	if ids := q.Get("orderIds"); ids != "" {
		list := strings.Split(ids, ",")
		if len(list) > 50 {
			fail(http.StatusBadRequest, fulfillmentError(30900, "Exceeded maximum number of order IDs (the current limit is 50)"))
			return
		}
		match = func(o *order) bool { return slices.Contains(list, o.id) }
	} else {
		var created, modified *dateRange
		var statuses []string
		for crit := range strings.SplitSeq(q.Get("filter"), ",") {
			if crit == "" {
				continue
			}
			name, val, _ := strings.Cut(crit, ":")
			// eBay requires [ ] { } | to arrive percent-encoded.
			if strings.ContainsAny(r.URL.RawQuery, "[]{}|") {
				fail(http.StatusBadRequest, fulfillmentError(30800, fmt.Sprintf("Invalid filter value %s for filter %s", val, name)))
				return
			}
			switch name {
			case "creationdate", "lastmodifieddate":
				d, e := parseRange(val, now)
				if e != nil {
					fail(http.StatusBadRequest, *e)
					return
				}
				if name == "creationdate" {
					created = &d
				} else {
					modified = &d
				}
			case "orderfulfillmentstatus":
				switch val {
				case "{NOT_STARTED|IN_PROGRESS}", "{IN_PROGRESS|NOT_STARTED}":
					statuses = []string{"NOT_STARTED", "IN_PROGRESS"}
				case "{FULFILLED|IN_PROGRESS}", "{IN_PROGRESS|FULFILLED}":
					statuses = []string{"FULFILLED", "IN_PROGRESS"}
				default:
					fail(http.StatusBadRequest, fulfillmentError(30800, fmt.Sprintf("Invalid filter value %s for filter %s", val, name)))
					return
				}
			default:
				fail(http.StatusBadRequest, fulfillmentError(30700, "Invalid filter name: "+name))
				return
			}
		}
		match = func(o *order) bool {
			switch {
			case statuses != nil && !slices.Contains(statuses, o.fulfillmentStatus()):
				return false
			case created != nil: // creationdate wins over lastmodifieddate
				return created.has(o.created)
			case modified != nil:
				return modified.has(o.modified)
			}
			return !o.created.Before(now.AddDate(0, 0, -90))
		}
	}

	size := limit
	if s.opts.PageSizeCap > 0 && size > s.opts.PageSizeCap {
		size = s.opts.PageSizeCap
	}
	base := baseURL(r)
	s.mu.Lock()
	var hits []*order
	for _, o := range s.orderList {
		if match(o) {
			hits = append(hits, o)
		}
	}
	// Newest first, stable.
	slices.SortStableFunc(hits, func(a, b *order) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	page := OrderPage{Total: len(hits), Limit: size, Offset: offset, Orders: []Order{}}
	for _, o := range hits[min(offset, len(hits)):min(offset+size, len(hits))] {
		page.Orders = append(page.Orders, s.renderLocked(o, now, false, base))
	}
	s.mu.Unlock()

	link := func(off int) string {
		v := url.Values{}
		for _, k := range []string{"filter", "orderIds", "fieldGroups"} {
			if q.Has(k) {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("limit", strconv.Itoa(size))
		v.Set("offset", strconv.Itoa(off))
		return base + "/sell/fulfillment/v1/order?" + v.Encode()
	}
	page.Href = link(offset)
	if offset+size < page.Total {
		page.Next = link(offset + size)
	}
	if offset > 0 {
		page.Prev = link(max(offset-size, 0))
	}
	writeJSON(w, http.StatusOK, page)
}

// handleGetOrder answers GET /sell/fulfillment/v1/order/{orderId}.
func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("orderId")
	s.mu.Lock()
	o, ok := s.orders[id]
	var out Order
	if ok {
		out = s.renderLocked(o, s.now(), true, baseURL(r))
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, fulfillmentError(32100, "Invalid order ID: "+id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}
