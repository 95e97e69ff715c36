package woocommerce

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// batchLimit is woocommerce_rest_batch_items_limit's default.
const batchLimit = 100

// listProducts serves GET /products. Like WooCommerce, a sku filter (a
// comma list, exact match) searches variations too; without it only
// products are listed.
func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, _ []int64, _ *Request) {
	q := r.URL.Query()
	pg, apiErr := pagingOf(q, s.opts.PerPage)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	include, ok := idsParam(q, "include")
	if !ok {
		writeError(w, invalidParams(map[string]string{"include": "include[0] is not of type integer."}))
		return
	}
	var skus map[string]bool
	if v := q.Get("sku"); v != "" {
		skus = map[string]bool{v: true}
		for _, part := range strings.Split(v, ",") {
			skus[part] = true
		}
	}
	typ := q.Get("type")
	switch typ {
	case "", "simple", "grouped", "external", "variable":
	default:
		writeError(w, invalidParams(map[string]string{"type": "type is not one of simple, grouped, external, and variable."}))
		return
	}
	s.mu.Lock()
	var picked []*product
	for _, id := range s.prodIDs {
		p := s.products[id]
		switch {
		case p.typ == "variation" && skus == nil,
			skus != nil && (p.sku == "" || !skus[p.sku]),
			include != nil && !containsID(include, p.id),
			typ != "" && p.typ != typ:
			continue
		}
		picked = append(picked, p)
	}
	s.mu.Unlock()
	s.writeProducts(w, r, pg, picked)
}

func (s *Server) writeProducts(w http.ResponseWriter, r *http.Request, pg paging, picked []*product) {
	s.mu.Lock()
	sort.SliceStable(picked, func(i, j int) bool {
		if !picked[i].created.Equal(picked[j].created) {
			return picked[i].created.After(picked[j].created)
		}
		return picked[i].id > picked[j].id
	})
	from, to := pg.window(len(picked))
	out := make([]productJSON, 0, to-from)
	for _, p := range picked[from:to] {
		out = append(out, s.productJSON(p))
	}
	s.mu.Unlock()
	setPageHeaders(w, r, s.https(r), pg, len(picked))
	writeJSON(w, http.StatusOK, out)
}

func errProductID(status int) *apiError {
	return newError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
}

func errVariationID(status int) *apiError {
	return newError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
}

// getProduct serves GET /products/{id}; like wc_get_product, a variation
// id answers the variation.
func (s *Server) getProduct(w http.ResponseWriter, _ *http.Request, ids []int64, _ *Request) {
	s.mu.Lock()
	p, ok := s.products[ids[0]]
	var out productJSON
	if ok {
		out = s.productJSON(p)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, errProductID(http.StatusNotFound))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	fields, apiErr := readBody(r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	out, apiErr := s.applyStock(ids[0], 0, fields)
	s.mu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listVariations(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	q := r.URL.Query()
	pg, apiErr := pagingOf(q, s.opts.PerPage)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	include, ok := idsParam(q, "include")
	if !ok {
		writeError(w, invalidParams(map[string]string{"include": "include[0] is not of type integer."}))
		return
	}
	sku := q.Get("sku")
	s.mu.Lock()
	var picked []*product
	for _, id := range s.prodIDs {
		p := s.products[id]
		if p.typ != "variation" || p.parentID != ids[0] || (include != nil && !containsID(include, p.id)) ||
			(sku != "" && p.sku != sku) {
			continue
		}
		picked = append(picked, p)
	}
	s.mu.Unlock()
	s.writeProducts(w, r, pg, picked)
}

func (s *Server) getVariation(w http.ResponseWriter, _ *http.Request, ids []int64, _ *Request) {
	s.mu.Lock()
	p, ok := s.products[ids[1]]
	ok = ok && p.typ == "variation" && p.parentID == ids[0]
	var out productJSON
	if ok {
		out = s.productJSON(p)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, errVariationID(http.StatusNotFound))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateVariation(w http.ResponseWriter, r *http.Request, ids []int64, _ *Request) {
	fields, apiErr := readBody(r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	out, apiErr := s.applyStock(ids[1], ids[0], fields)
	s.mu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// applyStock updates one product (parent 0) or one variation of parent
// from an update body: manage_stock, then stock_quantity, which WooCommerce
// applies only to a product that manages stock. Other fields are ignored.
// Caller holds s.mu.
func (s *Server) applyStock(id, parent int64, fields map[string]json.RawMessage) (productJSON, *apiError) {
	p, ok := s.products[id]
	if parent != 0 && (!ok || p.typ != "variation" || p.parentID != parent) {
		return productJSON{}, errVariationID(http.StatusBadRequest)
	}
	if !ok {
		return productJSON{}, errProductID(http.StatusBadRequest)
	}
	manage := p.manageStock
	if raw, ok := fields["manage_stock"]; ok {
		b, valid := boolValue(raw)
		if !valid {
			return productJSON{}, invalidParams(map[string]string{"manage_stock": "manage_stock is not of type boolean."})
		}
		manage = b
	}
	var qty *int
	if raw, ok := fields["stock_quantity"]; ok && string(raw) != "null" {
		n, valid := intValue(raw)
		if !valid {
			return productJSON{}, invalidParams(map[string]string{"stock_quantity": "stock_quantity is not of type integer."})
		}
		qty = &n
	}
	if p.typ == "variable" && manage && !p.manageStock {
		p.stock = 0
	}
	p.manageStock = manage
	if qty != nil && p.manageStock {
		p.stock = *qty
	}
	p.modified = s.now()
	return s.productJSON(p), nil
}

func boolValue(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return boolParam(str)
	}
	return false, false
}

func intValue(raw json.RawMessage) (int, bool) {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(str)); err == nil {
			return v, true
		}
	}
	return 0, false
}

type batchBody struct {
	Create []json.RawMessage `json:"create"`
	Update []json.RawMessage `json:"update"`
	Delete []json.RawMessage `json:"delete"`
}

type batchItemError struct {
	ID    int64    `json:"id"`
	Error apiError `json:"error"`
}

func (s *Server) batchProducts(w http.ResponseWriter, r *http.Request, _ []int64, req *Request) {
	s.batch(w, r, 0, req)
}

func (s *Server) batchVariations(w http.ResponseWriter, r *http.Request, ids []int64, req *Request) {
	s.batch(w, r, ids[0], req)
}

// batch serves POST /products/batch (parent 0) and
// /products/{parent}/variations/batch: more than 100 objects in all is a
// 413; otherwise each object is answered in place, a failed one as
// {"id":…,"error":{…}} while the status stays 200. Creating and deleting
// are not simulated and fail per object.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, parent int64, req *Request) {
	fields, apiErr := readBody(r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	raw, _ := json.Marshal(fields)
	var body batchBody
	if err := json.Unmarshal(raw, &body); err != nil {
		writeError(w, invalidParams(map[string]string{"update": "update is not of type array."}))
		return
	}
	req.Items = len(body.Create) + len(body.Update) + len(body.Delete)
	if req.Items > batchLimit {
		writeError(w, newError(http.StatusRequestEntityTooLarge, "woocommerce_rest_request_entity_too_large",
			"Unable to accept more than "+strconv.Itoa(batchLimit)+" items for this request."))
		return
	}
	invalid := errProductID
	if parent != 0 {
		invalid = errVariationID
	}
	out := map[string][]any{}
	s.mu.Lock()
	for _, item := range body.Update {
		var f map[string]json.RawMessage
		var id int64
		if json.Unmarshal(item, &f) == nil {
			id, _ = int64Value(f["id"])
		}
		res, e := s.applyStock(id, parent, f)
		if e != nil {
			if strings.HasSuffix(e.Code, "_invalid_id") {
				e = invalid(http.StatusBadRequest)
			}
			out["update"] = append(out["update"], batchItemError{ID: id, Error: *e})
			continue
		}
		out["update"] = append(out["update"], res)
	}
	s.mu.Unlock()
	unsupported := newError(http.StatusBadRequest, "woocommerce_rest_simulator_unsupported",
		"The simulated store does not create or delete products.")
	for range body.Create {
		out["create"] = append(out["create"], batchItemError{Error: *unsupported})
	}
	for _, item := range body.Delete {
		id, _ := int64Value(item)
		out["delete"] = append(out["delete"], batchItemError{ID: id, Error: *unsupported})
	}
	writeJSON(w, http.StatusOK, out)
}

func int64Value(raw json.RawMessage) (int64, bool) {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if v, err := strconv.ParseInt(str, 10, 64); err == nil {
			return v, true
		}
	}
	return 0, false
}
