package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// TestSeedScenarioThroughTheAPI: stock 12 of SKU-4412, a WooCommerce order
// for 2 × SKU-4412 and 1 × SKU-7801, and the API shows available 10, every
// listing's desired quantity by the tenant's strategy, and the order in the
// pick queue.
func TestSeedScenarioThroughTheAPI(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	c := admin.Client
	for _, p := range []api.CreateProductRequest{
		{SKU: "SKU-4412", Name: "Cleaning concentrate 16oz", BinLocation: "A-03-2", Barcodes: []string{"036000291452"}},
		{SKU: "SKU-7801", Name: "Spray bottle", BinLocation: "B-11-4"},
	} {
		if _, err := c.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for sku, qty := range map[string]int{"SKU-4412": 12, "SKU-7801": 30} {
		if _, err := c.AdjustStock(ctx, api.StockAdjustmentRequest{SKU: sku, Kind: api.AdjustReceipt, Quantity: qty, Reason: "opening stock"}); err != nil {
			t.Fatal(err)
		}
	}
	woo := h.seedChannel(admin, "woocommerce")
	amazon := h.seedChannel(admin, "amazon")
	for _, m := range []api.PutMappingRequest{
		{ChannelAccountID: woo.String(), ChannelSKU: "woo-4412", SKU: "SKU-4412"},
		{ChannelAccountID: woo.String(), ChannelSKU: "woo-7801", SKU: "SKU-7801"},
		{ChannelAccountID: amazon.String(), ChannelSKU: "B0-4412", SKU: "SKU-4412"},
	} {
		if _, err := c.PutMapping(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutAllocationPolicies(ctx, api.AllocationPolicies{Default: api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 1,
		Channels: map[string]api.ChannelRule{amazon.String(): {BufferUnits: 2}}}}); err != nil {
		t.Fatal(err)
	}
	// The WooCommerce connector hands the order to the same intake the API uses.
	res, err := h.app.orders.Intake(ctx, admin.TenantID, "channel:woocommerce", orders.Intake{ChannelAccountID: woo, ExternalID: "1042",
		CustomerName: "Dana Whitfield", ShipTo: api.Address{Name: "Dana Whitfield", Line1: "2301 N Akard St", City: "Dallas", Region: "TX", PostalCode: "75201", Country: "US"},
		ServiceLevel: "flat_rate", Lines: []orders.IntakeLine{{ChannelSKU: "woo-4412", Quantity: 2, UnitPriceCents: 1899}, {ChannelSKU: "woo-7801", Quantity: 1, UnitPriceCents: 349}}})
	if err != nil || res.Order.Status != api.StatusAllocated {
		t.Fatalf("intake: %+v %v", res.Order, err)
	}
	lvl, err := c.Stock(ctx, "SKU-4412")
	if err != nil {
		t.Fatal(err)
	}
	if lvl.OnHand != 12 || lvl.Allocated != 2 || lvl.Available != 10 || len(lvl.Channels) != 2 {
		t.Fatalf("stock %+v", lvl)
	}
	want := map[string]int{"woocommerce": 9, "amazon": 7} // 10 − safety 1, and − Amazon's buffer 2
	for _, ch := range lvl.Channels {
		if ch.Desired != want[ch.ChannelKind] || ch.Reason == "" {
			t.Errorf("%s desired %d (%s), want %d", ch.ChannelKind, ch.Desired, ch.Reason, want[ch.ChannelKind])
		}
	}
	q, err := c.PickQueue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Orders) != 1 || q.Orders[0].ID != res.Order.ID || len(q.Orders[0].Lines) != 2 || q.Orders[0].Lines[0].BinLocation == "" {
		t.Fatalf("pick queue %+v", q)
	}
	got, err := c.GetOrder(ctx, res.Order.ID)
	if err != nil || got.Total != "41.47" || got.ChannelKind != "woocommerce" {
		t.Fatalf("order %+v %v", got, err)
	}
}

func TestFiftyConcurrentOrdersForTheLastTenUnits(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	h.seedProduct(admin, "LAST-10", 10)
	var wg sync.WaitGroup
	statuses := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := admin.Client.CreateOrder(ctx, api.CreateOrderRequest{ExternalID: fmt.Sprint("phone-", i), CustomerName: "Caller",
				ShipTo: api.Address{Name: "Caller", Line1: "5 Elm St", City: "Chicago", PostalCode: "60601", Country: "US"},
				Lines:  []api.OrderLineInput{{SKU: "LAST-10", Quantity: 1, UnitPrice: "9.99"}}})
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- o.Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[string]int{}
	for s := range statuses {
		count[s]++
	}
	lvl, err := admin.Client.Stock(ctx, "LAST-10")
	if err != nil {
		t.Fatal(err)
	}
	if count[api.StatusAllocated] != 10 || count[api.StatusOnHold] != 40 || lvl.Allocated != 10 || lvl.Available != 0 {
		t.Fatalf("statuses %v, stock %+v; want exactly 10 allocated, 40 on hold, available 0", count, lvl)
	}
}

func TestInventoryBadInputIsRefusedWithoutWriting(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	admin := h.newTenant(domain.RoleAdmin)
	h.seedProduct(admin, "BAD-1", 5)
	tok := admin.Client.Token()
	cases := []struct {
		name, method, path, body string
		status                   int
		mention                  string
	}{
		{"zero receipt", "POST", "/api/v1/stock/adjustments", `{"sku":"BAD-1","kind":"receipt","quantity":0}`, 400, "positive"},
		{"fractional quantity", "POST", "/api/v1/stock/adjustments", `{"sku":"BAD-1","kind":"receipt","quantity":1.5}`, 400, `"quantity"`},
		{"quantity as text", "POST", "/api/v1/orders", `{"customer_name":"x","lines":[{"sku":"BAD-1","quantity":"2"}]}`, 400, `quantity`},
		{"unknown kind", "POST", "/api/v1/stock/adjustments", `{"sku":"BAD-1","kind":"gift","quantity":1}`, 400, "gift"},
		{"unknown SKU adjustment", "POST", "/api/v1/stock/adjustments", `{"sku":"NOPE","kind":"receipt","quantity":1}`, 404, "NOPE"},
		{"negative order quantity", "POST", "/api/v1/orders", `{"customer_name":"x","ship_to":{"name":"x","line1":"1","city":"c","postal_code":"1","country":"US"},"lines":[{"sku":"BAD-1","quantity":-1}]}`, 400, "positive"},
		{"unknown SKU order", "POST", "/api/v1/orders", `{"customer_name":"x","ship_to":{"name":"x","line1":"1","city":"c","postal_code":"1","country":"US"},"lines":[{"sku":"BAD-1","quantity":1},{"sku":"GHOST","quantity":1}]}`, 400, "GHOST"},
		{"bad status filter", "GET", "/api/v1/orders?status=LOST", "", 400, "LOST"},
		{"below allocated", "POST", "/api/v1/stock/adjustments", `{"sku":"BAD-1","kind":"count","quantity":1}`, 409, "allocated"},
		{"bad policy", "PUT", "/api/v1/allocation-policy", `{"default":{"strategy":"shared_pool","safety_percent":140}}`, 400, "safety_percent"},
	}
	// An allocated order so that the count below allocated is refused.
	if _, err := admin.Client.CreateOrder(ctx, api.CreateOrderRequest{CustomerName: "A", ShipTo: api.Address{Name: "A", Line1: "1", City: "c", PostalCode: "1", Country: "US"},
		Lines: []api.OrderLineInput{{SKU: "BAD-1", Quantity: 3}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := "application/json"
			if tc.body == "" {
				ct = ""
			}
			status, env, _ := raw(t, tc.method, h.URL+tc.path, tok, ct, []byte(tc.body))
			if status != tc.status || !strings.Contains(env.Error.Message, tc.mention) {
				t.Fatalf("got %d %q, want %d mentioning %q", status, env.Error.Message, tc.status, tc.mention)
			}
		})
	}
	// A duplicate SKU, and a CSV with one bad row among good ones: nothing written.
	if _, err := admin.Client.CreateProduct(ctx, api.CreateProductRequest{SKU: "BAD-1", Name: "again"}); client.StatusOf(err) != http.StatusConflict {
		t.Fatalf("duplicate SKU: %v, want 409", err)
	}
	res, err := admin.Client.ImportProducts(ctx, strings.NewReader("sku,name,barcodes\nNEW-1,Good,\nNEW-2,,\nNEW-3,Bad GTIN,4006381333932\n"))
	if client.StatusOf(err) != http.StatusUnprocessableEntity || len(res.Errors) != 2 || res.Errors[0].Row != 3 || res.Errors[1].Row != 4 {
		t.Fatalf("import with bad rows: %+v %v", res, err)
	}
	if list, err := admin.Client.ListProducts(ctx, "", 100); err != nil || len(list.Products) != 1 {
		t.Fatalf("products after a refused import: %+v %v", list, err)
	}
	lvl, _ := admin.Client.Stock(ctx, "BAD-1")
	list, _ := admin.Client.ListOrders(ctx, "", "", 100)
	if lvl.OnHand != 5 || lvl.Allocated != 3 || len(list.Orders) != 1 {
		t.Fatalf("after refused input: stock %+v, %d orders", lvl, len(list.Orders))
	}
	// Illegal transitions answer 409 and say what is allowed.
	o := list.Orders[0]
	_, err = admin.Client.TransitionOrder(ctx, o.ID, api.StatusShipped, "")
	var e *client.Error
	if !asAPI(err, &e) || e.Status != http.StatusConflict || !strings.Contains(e.Message, "ALLOCATED") {
		t.Fatalf("illegal transition: %v", err)
	}
}
