package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// target is where a listing's stock lives: a product, or a variation of one.
type target struct{ product, variation int64 }

// parseTarget reads "<product_id>" or "<product_id>:<variation_id>".
func parseTarget(s string) (target, bool) {
	p, v, isVariation := strings.Cut(s, ":")
	var t target
	var err error
	if t.product, err = strconv.ParseInt(p, 10, 64); err != nil || t.product <= 0 {
		return target{}, false
	}
	if isVariation {
		if t.variation, err = strconv.ParseInt(v, 10, 64); err != nil || t.variation <= 0 {
			return target{}, false
		}
	}
	return t, true
}

// cacheKey names an account's SKU cache: the same account on another store
// URL or with other keys does not share it.
func cacheKey(c channel.Conn) string {
	return c.Account.ID.String() + " " + strings.TrimRight(c.BaseURL, "/") + " " + c.Credentials[CredConsumerKey]
}

func (k *Connector) cached(key, sku string) (target, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.skus[key][sku]
	return t, ok
}

func (k *Connector) remember(key, sku string, t target) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.skus[key] == nil {
		k.skus[key] = map[string]target{}
	}
	k.skus[key][sku] = t
}

func (k *Connector) forget(key, sku string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.skus[key], sku)
}

// resolve finds each listing's target: from its ExternalListingID, from a
// "wc:" ChannelSKU, or by looking its SKU up on the store. problems holds,
// per listing, why it has none; looked marks targets found by SKU (cached,
// to be forgotten if the store no longer knows them).
func (k *Connector) resolve(ctx context.Context, c channel.Conn, refs []channel.ListingRef) (targets []target, problems []string, looked []bool, err error) {
	targets, problems, looked = make([]target, len(refs)), make([]string, len(refs)), make([]bool, len(refs))
	key := cacheKey(c)
	need := map[string][]int{}
	var order []string
	for i, r := range refs {
		switch {
		case r.ExternalListingID != "":
			t, ok := parseTarget(r.ExternalListingID)
			if !ok {
				problems[i] = fmt.Sprintf("external listing id %q is not <product_id> or <product_id>:<variation_id>", r.ExternalListingID)
			}
			targets[i] = t
		case strings.HasPrefix(r.ChannelSKU, "wc:"):
			t, ok := parseTarget(strings.TrimPrefix(r.ChannelSKU, "wc:"))
			if !ok {
				problems[i] = fmt.Sprintf("SKU %q names no WooCommerce product", r.ChannelSKU)
			}
			targets[i] = t
		case r.ChannelSKU == "":
			problems[i] = "the listing has neither an external listing id nor a SKU"
		default:
			looked[i] = true
			if t, ok := k.cached(key, r.ChannelSKU); ok {
				targets[i] = t
				continue
			}
			if need[r.ChannelSKU] == nil {
				order = append(order, r.ChannelSKU)
			}
			need[r.ChannelSKU] = append(need[r.ChannelSKU], i)
		}
	}
	if len(order) == 0 {
		return targets, problems, looked, nil
	}
	found, refused, err := k.lookupSKUs(ctx, c, order)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, sku := range order {
		t, ok := found[sku]
		if ok {
			k.remember(key, sku, t)
		}
		for _, i := range need[sku] {
			switch {
			case ok:
				targets[i] = t
			case refused[sku] != "":
				problems[i] = refused[sku]
			default:
				problems[i] = fmt.Sprintf("no product or variation with SKU %q on the store", sku)
			}
		}
	}
	return targets, problems, looked, nil
}

// wcStock is the part of a product or variation the stock calls read.
type wcStock struct {
	ID            int64           `json:"id"`
	SKU           flexString      `json:"sku"`
	Type          string          `json:"type"`
	ParentID      int64           `json:"parent_id"`
	ManageStock   json.RawMessage `json:"manage_stock"`
	StockQuantity *json.Number    `json:"stock_quantity"`
}

// shows is the quantity a product shows, when it manages stock (itself, or
// through its parent: manage_stock "parent").
func (p wcStock) shows() (int, bool, error) {
	managed := strings.TrimSpace(string(p.ManageStock))
	if (managed != "true" && managed != `"parent"`) || p.StockQuantity == nil {
		return 0, false, nil
	}
	if n, err := p.StockQuantity.Int64(); err == nil {
		return int(n), true, nil
	}
	f, err := p.StockQuantity.Float64()
	if err != nil {
		return 0, false, fmt.Errorf("product %d: stock_quantity %q is not a number", p.ID, p.StockQuantity.String())
	}
	return int(math.Floor(f)), true, nil
}

// lookupSKUs finds products and variations by exact SKU with GET
// /products?sku=a,b,… (WooCommerce's SKU filter searches variations too).
// A SKU holding a comma is asked alone: the store splits the list on commas
// but also matches the whole string. refused holds the store's refusal for
// SKUs it would not look up.
func (k *Connector) lookupSKUs(ctx context.Context, c channel.Conn, skus []string) (found map[string]target, refused map[string]string, err error) {
	found, refused = map[string]target{}, map[string]string{}
	var groups [][]string
	var plain []string
	for _, s := range skus {
		if strings.Contains(s, ",") {
			groups = append(groups, []string{s})
		} else {
			plain = append(plain, s)
		}
	}
	for start := 0; start < len(plain); start += 20 {
		groups = append(groups, plain[start:min(start+20, len(plain))])
	}
	for _, g := range groups {
		want := map[string]bool{}
		for _, s := range g {
			want[s] = true
		}
		err := k.eachPage(ctx, c, "/products", url.Values{"sku": {strings.Join(g, ",")}}, func(page int, items []json.RawMessage) error {
			for i, raw := range items {
				var p wcStock
				if err := json.Unmarshal(raw, &p); err != nil || p.ID <= 0 {
					return fmt.Errorf("woocommerce: GET /products page %d: malformed product %d of the page: %v (%s)", page, i+1, err, snippet(raw))
				}
				if !want[string(p.SKU)] {
					continue // the store matches SKUs case-insensitively; Manifold does not
				}
				if p.Type == "variation" && p.ParentID > 0 {
					found[string(p.SKU)] = target{product: p.ParentID, variation: p.ID}
				} else {
					found[string(p.SKU)] = target{product: p.ID}
				}
			}
			return nil
		})
		var rej *channel.Rejection
		if errors.As(err, &rej) {
			for _, s := range g {
				refused[s] = rej.Error()
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return found, refused, nil
}

// PushQuantities implements channel.Channel: simple products through
// POST /products/batch, variations through POST
// /products/{id}/variations/batch, at most 100 objects a request. The store
// answers each object; a refused request refuses each of its listings.
func (k *Connector) PushQuantities(ctx context.Context, c channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	refs := make([]channel.ListingRef, len(updates))
	for i, u := range updates {
		refs[i] = u.ListingRef
	}
	targets, problems, looked, err := k.resolve(ctx, c, refs)
	if err != nil {
		return nil, err
	}
	results := make([]channel.PushResult, len(updates))
	var products []int
	variations := map[int64][]int{}
	var parents []int64
	for i, u := range updates {
		results[i] = channel.PushResult{ListingID: u.ListingID, Error: problems[i]}
		switch t := targets[i]; {
		case problems[i] != "":
		case t.variation == 0:
			products = append(products, i)
		default:
			if variations[t.product] == nil {
				parents = append(parents, t.product)
			}
			variations[t.product] = append(variations[t.product], i)
		}
	}
	p := pushing{k: k, c: c, updates: updates, targets: targets, looked: looked, results: results}
	for start := 0; start < len(products); start += maxBatch {
		if err := p.batch(ctx, "/products/batch", products[start:min(start+maxBatch, len(products))]); err != nil {
			return nil, err
		}
	}
	for _, parent := range parents {
		idx := variations[parent]
		path := "/products/" + strconv.FormatInt(parent, 10) + "/variations/batch"
		for start := 0; start < len(idx); start += maxBatch {
			if err := p.batch(ctx, path, idx[start:min(start+maxBatch, len(idx))]); err != nil {
				return nil, err
			}
		}
	}
	return results, nil
}

// pushing is one PushQuantities call in progress.
type pushing struct {
	k       *Connector
	c       channel.Conn
	updates []channel.QuantityUpdate
	targets []target
	looked  []bool
	results []channel.PushResult
}

type batchItem struct {
	ID    int64    `json:"id"`
	Error *wpError `json:"error"`
}

// objectID is the id a listing's object has in its batch request.
func (p *pushing) objectID(i int) int64 {
	if t := p.targets[i]; t.variation != 0 {
		return t.variation
	}
	return p.targets[i].product
}

func (p *pushing) batch(ctx context.Context, path string, idx []int) error {
	type update struct {
		ID            int64 `json:"id"`
		ManageStock   bool  `json:"manage_stock"`
		StockQuantity int   `json:"stock_quantity"`
	}
	items := make([]update, len(idx))
	for n, i := range idx {
		items[n] = update{ID: p.objectID(i), ManageStock: true, StockQuantity: p.updates[i].Quantity}
	}
	r, err := p.k.do(ctx, p.c, "POST", path, nil, map[string][]update{"update": items})
	var rej *channel.Rejection
	if errors.As(err, &rej) {
		for _, i := range idx {
			p.results[i].Error = rej.Error()
		}
		return nil
	}
	if err != nil {
		return err
	}
	var answer struct {
		Update []batchItem `json:"update"`
	}
	if err := json.Unmarshal(r.body, &answer); err != nil {
		return fmt.Errorf("woocommerce: POST %s: malformed answer: %w (%s)", path, err, snippet(r.body))
	}
	key := cacheKey(p.c)
	for n, i := range idx {
		id := p.objectID(i)
		var item *batchItem
		if len(answer.Update) == len(idx) && answer.Update[n].ID == id {
			item = &answer.Update[n]
		} else {
			for m := range answer.Update {
				if answer.Update[m].ID == id {
					item = &answer.Update[m]
					break
				}
			}
		}
		switch {
		case item == nil:
			p.results[i].Error = fmt.Sprintf("the store did not answer for id %d", id)
		case item.Error != nil:
			p.results[i].Error = item.Error.Code + ": " + item.Error.Message
			if p.looked[i] && strings.HasSuffix(item.Error.Code, "_invalid_id") {
				p.k.forget(key, p.updates[i].ChannelSKU)
			}
		default:
			p.results[i].Accepted = true
		}
	}
	return nil
}

// ReadQuantities implements channel.Channel: stock_quantity of products
// (GET /products?include=…) and variations (GET
// /products/{id}/variations?include=…). A listing the store does not know,
// or whose product does not manage stock, is not Found.
func (k *Connector) ReadQuantities(ctx context.Context, c channel.Conn, listings []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	targets, problems, _, err := k.resolve(ctx, c, listings)
	if err != nil {
		return nil, true, err
	}
	products := map[int64]bool{}
	variations := map[int64]map[int64]bool{}
	for i, t := range targets {
		switch {
		case problems[i] != "":
		case t.variation == 0:
			products[t.product] = true
		default:
			if variations[t.product] == nil {
				variations[t.product] = map[int64]bool{}
			}
			variations[t.product][t.variation] = true
		}
	}
	shown := map[target]int{}
	if err := k.readStock(ctx, c, "/products", keys(products), func(p wcStock, q int) {
		shown[target{product: p.ID}] = q
	}); err != nil {
		return nil, true, err
	}
	for parent, ids := range variations {
		path := "/products/" + strconv.FormatInt(parent, 10) + "/variations"
		if err := k.readStock(ctx, c, path, keys(ids), func(p wcStock, q int) {
			shown[target{product: parent, variation: p.ID}] = q
		}); err != nil {
			return nil, true, err
		}
	}
	out := make([]channel.ListingQuantity, len(listings))
	for i, l := range listings {
		out[i].ListingID = l.ListingID
		if problems[i] == "" {
			out[i].Quantity, out[i].Found = shown[targets[i]]
		}
	}
	return out, true, nil
}

// readStock lists the given ids under path, 100 at a time, and hands fn
// each one that shows a quantity. A refused request shows nothing.
func (k *Connector) readStock(ctx context.Context, c channel.Conn, path string, ids []int64, fn func(wcStock, int)) error {
	for start := 0; start < len(ids); start += maxBatch {
		chunk := ids[start:min(start+maxBatch, len(ids))]
		list := make([]string, len(chunk))
		for i, id := range chunk {
			list[i] = strconv.FormatInt(id, 10)
		}
		err := k.eachPage(ctx, c, path, url.Values{"include": {strings.Join(list, ",")}}, func(page int, items []json.RawMessage) error {
			for i, raw := range items {
				var p wcStock
				if err := json.Unmarshal(raw, &p); err != nil || p.ID <= 0 {
					return fmt.Errorf("woocommerce: GET %s page %d: malformed product %d of the page: %v (%s)", path, page, i+1, err, snippet(raw))
				}
				q, ok, err := p.shows()
				if err != nil {
					return fmt.Errorf("woocommerce: GET %s: %w", path, err)
				}
				if ok {
					fn(p, q)
				}
			}
			return nil
		})
		var rej *channel.Rejection
		if err != nil && !errors.As(err, &rej) {
			return err
		}
	}
	return nil
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
