package walmart

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultLimit = 100
	maxLimit     = 200
	// searchable is how far back Walmart searches orders.
	searchable = 180 * 24 * time.Hour
	// defaultCreatedWindow is createdStartDate's default: now − 7 days.
	defaultCreatedWindow = 7 * 24 * time.Hour
)

// Query parameters of the list endpoints, in the order cursors carry them.
var (
	filterParams = []string{"createdStartDate", "createdEndDate", "lastModifiedStartDate", "lastModifiedEndDate",
		"status", "sku", "customerOrderId", "purchaseOrderId", "fromExpectedShipDate", "toExpectedShipDate",
		"productInfo", "shipNodeType", "replacementInfo"}
	cursorParams   = []string{"limit", "hasMoreElements", "soIndex", "poIndex", "partnerId", "sellerId"}
	releasedDenied = []string{"lastModifiedStartDate", "lastModifiedEndDate", "status", "sku", "customerOrderId", "purchaseOrderId"}
)

// listQuery is a parsed orders search.
type listQuery struct {
	limit, offset                  int
	createdStart, createdEnd       time.Time
	modifiedStart, modifiedEnd     *time.Time
	shipFrom, shipTo               *time.Time
	status, sku, customer, po      string
	passthrough                    url.Values // filters echoed into the cursor
	createdStartRaw, createdEndRaw string
}

func (s *Server) handleListOrders(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, "/v3/orders", false)
}

// handleListReleased is GET /v3/orders/released: only purchase orders with
// lines still in Created, which acknowledging removes.
func (s *Server) handleListReleased(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, "/v3/orders/released", true)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, path string, released bool) {
	vals := r.URL.Query()
	for name := range vals {
		if !slices.Contains(filterParams, name) && !slices.Contains(cursorParams, name) {
			writeError(w, http.StatusBadRequest, badParam(gmpOrders, name, "Unknown query parameter "+name))
			return
		}
		if released && slices.Contains(releasedDenied, name) {
			writeError(w, http.StatusBadRequest, badParam(gmpOrders, name, name+" is not supported on "+path))
			return
		}
	}
	cursor := vals.Has("hasMoreElements")
	s.mu.Lock()
	known := s.cursors[r.URL.RawQuery]
	s.mu.Unlock()
	if cursor && !known {
		writeError(w, http.StatusBadRequest, badParam(gmpOrders, "nextCursor",
			"nextCursor is invalid: send it verbatim, alone, as the query string"))
		return
	}
	q, bad := s.parseList(vals, cursor)
	if bad != nil {
		writeError(w, http.StatusBadRequest, *bad)
		return
	}

	s.mu.Lock()
	var match []*order
	for _, o := range s.sorted(true) {
		if q.matches(o, released) {
			match = append(match, o)
		}
	}
	total := len(match)
	page := match[min(q.offset, total):min(q.offset+q.limit, total)]
	elements := make([]wOrder, 0, len(page))
	for _, o := range page {
		elements = append(elements, o.wire())
	}
	next := ""
	if q.offset+len(page) < total {
		next = s.cursorFor(q, total, q.offset+len(page))
		s.cursors[strings.TrimPrefix(next, "?")] = true
	}
	s.mu.Unlock()

	if total == 0 && s.opts.EmptyListNotFound {
		writeError(w, http.StatusNotFound, notFound(gmpOrders, "No orders found for the given search criteria"))
		return
	}
	meta := map[string]any{"totalCount": total, "limit": q.limit}
	if next != "" {
		meta["nextCursor"] = next
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": map[string]any{"meta": meta,
		"elements": map[string]any{"order": elements}}})
}

// parseList reads and checks a search's parameters.
func (s *Server) parseList(vals url.Values, cursor bool) (listQuery, *gwError) {
	now := s.now()
	q := listQuery{limit: defaultLimit, passthrough: url.Values{}}
	fail := func(field, why string) (listQuery, *gwError) {
		e := badParam(gmpOrders, field, why)
		return q, &e
	}
	if v := vals.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return fail("limit", fmt.Sprintf("limit %q must be a whole number from 1 to %d", v, maxLimit))
		}
		q.limit = n
	}
	q.limit = min(q.limit, s.opts.PageSize)
	if cursor {
		n, err := strconv.Atoi(vals.Get("poIndex"))
		if err != nil || n < 0 {
			return fail("poIndex", "poIndex is invalid")
		}
		q.offset = n
	}
	dates := map[string]**time.Time{"lastModifiedStartDate": &q.modifiedStart, "lastModifiedEndDate": &q.modifiedEnd,
		"fromExpectedShipDate": &q.shipFrom, "toExpectedShipDate": &q.shipTo}
	for name, dst := range dates {
		if v := vals.Get(name); v != "" {
			t, ok := parseDate(v)
			if !ok {
				return fail(name, name+" "+strconv.Quote(v)+" must be yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ")
			}
			*dst = &t
			q.passthrough.Set(name, v)
		}
	}
	q.createdStart, q.createdEnd = now.Add(-defaultCreatedWindow), now
	if v := vals.Get("createdStartDate"); v != "" {
		t, ok := parseDate(v)
		if !ok {
			return fail("createdStartDate", "createdStartDate "+strconv.Quote(v)+" must be yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ")
		}
		q.createdStart = t
	}
	if v := vals.Get("createdEndDate"); v != "" {
		t, ok := parseDate(v)
		if !ok {
			return fail("createdEndDate", "createdEndDate "+strconv.Quote(v)+" must be yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ")
		}
		q.createdEnd = t
	}
	if oldest := now.Add(-searchable); q.createdStart.Before(oldest) {
		return fail("createdStartDate", "createdStartDate must be within the last 180 days")
	}
	q.createdStartRaw = vals.Get("createdStartDate")
	if q.createdStartRaw == "" {
		q.createdStartRaw = q.createdStart.Format(cursorDate)
	}
	q.createdEndRaw = vals.Get("createdEndDate")
	if q.createdEndRaw == "" {
		q.createdEndRaw = q.createdEnd.Format(cursorDate)
	}
	if v := vals.Get("status"); v != "" {
		if !slices.Contains([]string{StatusCreated, StatusAcknowledged, StatusShipped, StatusDelivered, StatusCancelled}, v) {
			return fail("status", "status "+strconv.Quote(v)+" must be Created, Acknowledged, Shipped, Delivered or Cancelled")
		}
		q.status = v
	}
	if v := vals.Get("shipNodeType"); v != "" && v != "SellerFulfilled" && v != "WFSFulfilled" && v != "3PLFulfilled" {
		return fail("shipNodeType", "shipNodeType "+strconv.Quote(v)+" must be SellerFulfilled, WFSFulfilled or 3PLFulfilled")
	}
	q.sku, q.customer, q.po = vals.Get("sku"), vals.Get("customerOrderId"), vals.Get("purchaseOrderId")
	for _, name := range []string{"status", "sku", "customerOrderId", "purchaseOrderId", "productInfo", "shipNodeType", "replacementInfo"} {
		if v := vals.Get(name); v != "" {
			q.passthrough.Set(name, v)
		}
	}
	return q, nil
}

// cursorDate is how cursors carry dates: colons left bare, as Walmart's do,
// so a client that re-encodes the cursor is caught.
const cursorDate = "2006-01-02T15:04:05.000Z"

func parseDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, cursorDate, "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// cursorFor builds the nextCursor of a page. Callers hold s.mu.
func (s *Server) cursorFor(q listQuery, total, next int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "?limit=%d&hasMoreElements=true&soIndex=%d&poIndex=%d&partnerId=%s&sellerId=%s&createdStartDate=%s&createdEndDate=%s",
		q.limit, total, next, s.opts.PartnerID, s.opts.PartnerID, bareColons(q.createdStartRaw), bareColons(q.createdEndRaw))
	for _, name := range filterParams {
		if v := q.passthrough.Get(name); v != "" {
			b.WriteString("&" + name + "=" + bareColons(v))
		}
	}
	return b.String()
}

func bareColons(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "%3A", ":") }

// matches says whether an order answers the search. Callers hold s.mu.
func (q listQuery) matches(o *order, released bool) bool {
	if o.placed.Before(q.createdStart) || o.placed.After(q.createdEnd) {
		return false
	}
	mod := o.modified()
	if q.modifiedStart != nil && mod.Before(*q.modifiedStart) || q.modifiedEnd != nil && mod.After(*q.modifiedEnd) {
		return false
	}
	if q.shipFrom != nil && (o.shipBy == nil || o.shipBy.Before(*q.shipFrom)) ||
		q.shipTo != nil && (o.shipBy == nil || o.shipBy.After(*q.shipTo)) {
		return false
	}
	if q.po != "" && o.po != q.po || q.customer != "" && o.customerOrderID != q.customer {
		return false
	}
	hasStatus := func(status string) bool {
		for _, l := range o.lines {
			if l.count(status) > 0 {
				return true
			}
		}
		return false
	}
	if released && !hasStatus(StatusCreated) || q.status != "" && !hasStatus(q.status) {
		return false
	}
	if q.sku != "" && !slices.ContainsFunc(o.lines, func(l *line) bool { return l.sku == q.sku }) {
		return false
	}
	return true
}
