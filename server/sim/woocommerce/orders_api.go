package woocommerce

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

func errOrderID(status int) *apiError {
	return newError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

// listOrders serves GET /orders: a bare JSON array with the pagination
// headers. status "any" (the default) leaves out trashed orders; the date
// filters are exclusive, as WordPress date queries are.
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, _ []int64, _ *Request) {
	q := r.URL.Query()
	pg, apiErr := pagingOf(q, s.opts.PerPage)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	bad := map[string]string{}
	gmtDates, ok := boolParam(q.Get("dates_are_gmt"))
	if !ok {
		bad["dates_are_gmt"] = "dates_are_gmt is not of type boolean."
	}
	bounds := map[string]time.Time{}
	for _, name := range []string{"after", "before", "modified_after", "modified_before"} {
		if v := q.Get(name); v != "" {
			t, ok := dateParam(v, gmtDates, s.opts.Timezone)
			if !ok {
				bad[name] = "Invalid date."
				continue
			}
			bounds[name] = t
		}
	}
	statuses := listParam(q, "status")
	for _, st := range statuses {
		if st != "any" && !knownStatus(st) {
			bad["status"] = "status[0] is not one of any, pending, processing, on-hold, completed, cancelled, refunded, failed, checkout-draft, and trash."
		}
	}
	if len(statuses) == 0 {
		statuses = []string{"any"}
	}
	include, ok := idsParam(q, "include")
	if !ok {
		bad["include"] = "include[0] is not of type integer."
	}
	orderby := q.Get("orderby")
	if orderby == "" {
		orderby = "date"
	}
	switch orderby {
	case "date", "id", "include", "title", "slug", "modified":
	default:
		bad["orderby"] = "orderby is not one of date, id, include, title, slug, and modified."
	}
	desc := true
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		bad["order"] = "order is not one of asc and desc."
	}
	if len(bad) > 0 {
		writeError(w, invalidParams(bad))
		return
	}

	s.mu.Lock()
	var picked []*order
	for _, id := range s.orderIDs {
		o := s.orders[id]
		if !statusMatches(o.status, statuses) || (include != nil && !containsID(include, o.id)) {
			continue
		}
		if t, ok := bounds["after"]; ok && !o.created.After(t) {
			continue
		}
		if t, ok := bounds["before"]; ok && !o.created.Before(t) {
			continue
		}
		if t, ok := bounds["modified_after"]; ok && !o.modified.After(t) {
			continue
		}
		if t, ok := bounds["modified_before"]; ok && !o.modified.Before(t) {
			continue
		}
		picked = append(picked, o)
	}
	sort.SliceStable(picked, func(i, j int) bool {
		a, b := picked[i], picked[j]
		less := a.id < b.id
		switch orderby {
		case "date":
			if !a.created.Equal(b.created) {
				less = a.created.Before(b.created)
			}
		case "modified":
			if !a.modified.Equal(b.modified) {
				less = a.modified.Before(b.modified)
			}
		case "include":
			return indexOf(include, a.id) < indexOf(include, b.id)
		}
		if desc {
			return !less
		}
		return less
	})
	from, to := pg.window(len(picked))
	out := make([]orderJSON, 0, to-from)
	for _, o := range picked[from:to] {
		out = append(out, s.orderJSON(o))
	}
	total := len(picked)
	s.mu.Unlock()
	setPageHeaders(w, r, s.https(r), pg, total)
	writeJSON(w, http.StatusOK, out)
}

func statusMatches(status string, want []string) bool {
	for _, w := range want {
		if w == status || (w == "any" && status != StatusTrash) {
			return true
		}
	}
	return false
}

func containsID(ids []int64, id int64) bool { return indexOf(ids, id) >= 0 }

func indexOf(ids []int64, id int64) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return -1
}

func (s *Server) getOrder(w http.ResponseWriter, _ *http.Request, ids []int64, _ *Request) {
	s.mu.Lock()
	o, ok := s.orders[ids[0]]
	var out orderJSON
	if ok {
		out = s.orderJSON(o)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, errOrderID(http.StatusNotFound))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// readBody decodes a JSON object body, or a form body as WordPress also
// accepts, into raw fields.
func readBody(r *http.Request) (map[string]json.RawMessage, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, errInvalidJSON()
	}
	fields := map[string]json.RawMessage{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, errInvalidJSON()
		}
		for k := range form {
			v, _ := json.Marshal(form.Get(k))
			fields[k] = v
		}
		return fields, nil
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return fields, nil
	}
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, errInvalidJSON()
	}
	return fields, nil
}

// updateOrder serves POST/PUT/PATCH /orders/{id}. Only status is acted on;
// a change fires order.updated.
func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	fields, apiErr := readBody(r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	status := ""
	if raw, ok := fields["status"]; ok {
		if err := json.Unmarshal(raw, &status); err != nil || !editable(status) {
			all := editableStatuses()
			writeError(w, invalidParams(map[string]string{"status": "status is not one of " +
				strings.Join(all[:len(all)-1], ", ") + ", and " + all[len(all)-1] + "."}))
			return
		}
	}
	s.mu.Lock()
	o, ok := s.orders[ids[0]]
	if !ok {
		s.mu.Unlock()
		writeError(w, errOrderID(http.StatusBadRequest))
		return
	}
	var sends []delivery
	if status != "" && s.setStatus(o, status, s.now()) {
		sends = s.orderEvent(o, topicUpdated)
	}
	out := s.orderJSON(o)
	s.mu.Unlock()
	s.deliver(sends)
	writeJSON(w, http.StatusOK, out)
}

// listNotes serves GET /orders/{id}/notes: every note, newest first;
// type is any (default), customer or internal.
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	typ := r.URL.Query().Get("type")
	switch typ {
	case "", "any", "customer", "internal":
	default:
		writeError(w, invalidParams(map[string]string{"type": "type is not one of any, customer, and internal."}))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[ids[0]]; !ok {
		writeError(w, newError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID."))
		return
	}
	out := []noteJSON{}
	for i := len(s.notes) - 1; i >= 0; i-- {
		n := s.notes[i]
		if n.orderID != ids[0] || (typ == "customer" && !n.customer) || (typ == "internal" && n.customer) {
			continue
		}
		out = append(out, s.noteJSON(n))
	}
	writeJSON(w, http.StatusOK, out)
}

// createNote serves POST /orders/{id}/notes; the store keeps every note,
// duplicates included.
func (s *Server) createNote(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	fields, apiErr := readBody(r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	var text string
	if raw, ok := fields["note"]; ok {
		_ = json.Unmarshal(raw, &text)
	}
	if text == "" {
		writeError(w, errMissing("note"))
		return
	}
	customer, byUser := false, false
	for name, dst := range map[string]*bool{"customer_note": &customer, "added_by_user": &byUser} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			var str string
			if json.Unmarshal(raw, &str) != nil {
				writeError(w, invalidParams(map[string]string{name: name + " is not of type boolean."}))
				return
			}
			if b, ok = boolParam(str); !ok {
				writeError(w, invalidParams(map[string]string{name: name + " is not of type boolean."}))
				return
			}
		}
		*dst = b
	}
	s.mu.Lock()
	if _, ok := s.orders[ids[0]]; !ok {
		s.mu.Unlock()
		writeError(w, newError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID."))
		return
	}
	s.nextNote++
	n := &note{id: s.nextNote, orderID: ids[0], text: text, customer: customer, byUser: byUser, created: s.now()}
	s.notes = append(s.notes, n)
	out := s.noteJSON(n)
	s.mu.Unlock()
	w.Header().Set("Location", out.Links.Self[0].Href)
	writeJSON(w, http.StatusCreated, out)
}
