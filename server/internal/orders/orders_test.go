package orders_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

func TestSeedScenarioAllocatesAndQueues(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	concentrate := f.product("SKU-4412", "A-03-2", 12)
	bottle := f.product("SKU-7801", "B-11-4", 40)
	woo := f.account("woocommerce")
	f.mapSKU(woo, "woo-4412", "SKU-4412")
	f.mapSKU(woo, "woo-7801", "SKU-7801")

	res, err := f.orders.Intake(ctx, f.tenant, "channel:woocommerce", intake(woo, "1042", line("woo-4412", 2), line("woo-7801", 1)))
	if err != nil {
		t.Fatal(err)
	}
	o := res.Order
	if !res.Created || o.Status != api.StatusAllocated || o.Number == 0 || len(o.Lines) != 2 {
		t.Fatalf("order: created=%v %+v", res.Created, o)
	}
	if got := f.stock(concentrate); got != (stock{OnHand: 12, Allocated: 2}) {
		t.Fatalf("SKU-4412 stock %+v, want 12 on hand, 2 allocated (available 10)", got)
	}
	if got := f.stock(bottle); got != (stock{OnHand: 40, Allocated: 1}) {
		t.Fatalf("SKU-7801 stock %+v", got)
	}
	if o.Total != "38.97" {
		t.Fatalf("total %s, want 38.97", o.Total)
	}
	if len(o.Transitions) != 2 || o.Transitions[0].To != "NEW" || o.Transitions[1].To != "ALLOCATED" {
		t.Fatalf("transitions %+v", o.Transitions)
	}
	q, err := f.orders.PickQueue(ctx, f.tenant, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Orders) != 1 || q.Orders[0].ID != o.ID || q.Orders[0].Lines[0].BinLocation != "A-03-2" || q.Orders[0].Lines[0].Quantity != 2 {
		t.Fatalf("pick queue %+v", q)
	}
	f.checkLedger(concentrate)
	f.checkLedger(bottle)
}

func TestSameOrderTwiceIsOneOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("SKU-1", "A1", 100)
	amz := f.account("amazon")
	f.mapSKU(amz, "AMZ-1", "SKU-1")
	var wg sync.WaitGroup
	results := make([]string, 10)
	created := make([]bool, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.orders.Intake(ctx, f.tenant, "channel:amazon", intake(amz, "113-555", line("AMZ-1", 3)))
			if err != nil {
				t.Error(err)
				return
			}
			results[i], created[i] = res.Order.ID, res.Created
		}()
	}
	wg.Wait()
	n := 0
	for i := range results {
		if results[i] != results[0] {
			t.Fatalf("concurrent intake produced two orders: %s and %s", results[0], results[i])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d calls report creating the order, want exactly 1", n)
	}
	if got := f.stock(p); got.Allocated != 3 {
		t.Fatalf("allocated %d, want 3 (one order)", got.Allocated)
	}
}

func TestLastTenUnitsFiftyConcurrentOrders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("HOT-1", "H1", 10)
	ebay := f.account("ebay")
	f.mapSKU(ebay, "E-HOT", "HOT-1")
	var wg sync.WaitGroup
	statuses := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.orders.Intake(ctx, f.tenant, "channel:ebay", intake(ebay, fmt.Sprint("E-", i), line("E-HOT", 1)))
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- res.Order.Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[string]int{}
	for s := range statuses {
		count[s]++
	}
	if count[api.StatusAllocated] != 10 || count[api.StatusOnHold] != 40 {
		t.Fatalf("statuses %v, want 10 ALLOCATED and 40 ON_HOLD", count)
	}
	if got := f.stock(p); got != (stock{OnHand: 10, Allocated: 10}) {
		t.Fatalf("stock %+v, want 10 on hand, all 10 allocated", got)
	}
	f.checkLedger(p)
}

func TestHeldOrdersAllocateOldestFirstWhenStockArrives(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("SKU-H", "H2", 1)
	w := f.account("walmart")
	f.mapSKU(w, "W-H", "SKU-H")
	first, _ := f.orders.Intake(ctx, f.tenant, "c", intake(w, "w1", line("W-H", 1)))
	second, _ := f.orders.Intake(ctx, f.tenant, "c", intake(w, "w2", line("W-H", 2)))
	third, _ := f.orders.Intake(ctx, f.tenant, "c", intake(w, "w3", line("W-H", 1)))
	if first.Order.Status != api.StatusAllocated || second.Order.Status != api.StatusOnHold || third.Order.Status != api.StatusOnHold {
		t.Fatalf("statuses %s %s %s", first.Order.Status, second.Order.Status, third.Order.Status)
	}
	if second.Order.HoldReason != api.HoldShort || !strings.Contains(second.Order.HoldDetail, "SKU-H: 2 wanted, 0 available") {
		t.Fatalf("hold reason %q detail %q must name the short line", second.Order.HoldReason, second.Order.HoldDetail)
	}
	f.receive("SKU-H", 2) // enough for the older order (2), not both
	o2, _ := f.orders.Get(ctx, f.tenant, uuid.MustParse(second.Order.ID))
	o3, _ := f.orders.Get(ctx, f.tenant, uuid.MustParse(third.Order.ID))
	if o2.Status != api.StatusAllocated || o3.Status != api.StatusOnHold {
		t.Fatalf("after receipt: older %s, newer %s; want the older allocated first", o2.Status, o3.Status)
	}
	// Cancelling releases stock, which lets the last held order allocate.
	if _, err := f.orders.Cancel(ctx, f.tenant, uuid.MustParse(first.Order.ID), "test", "customer changed mind"); err != nil {
		t.Fatal(err)
	}
	o3, _ = f.orders.Get(ctx, f.tenant, uuid.MustParse(third.Order.ID))
	if o3.Status != api.StatusAllocated {
		t.Fatalf("after cancel, held order is %s", o3.Status)
	}
	if got := f.stock(p); got != (stock{OnHand: 3, Allocated: 3}) {
		t.Fatalf("stock %+v", got)
	}
	f.checkLedger(p)
}

func TestUnmappedSKUHoldsUntilMapped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.product("SKU-M", "M1", 5)
	f.product("SKU-N", "N1", 5)
	amz := f.account("amazon")
	f.mapSKU(amz, "A-N", "SKU-N")
	res, err := f.orders.Intake(ctx, f.tenant, "c", intake(amz, "m1", line("A-M", 2), line("A-N", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Order.Status != api.StatusOnHold || res.Order.HoldReason != api.HoldUnmapped || !strings.Contains(res.Order.HoldDetail, "A-M") {
		t.Fatalf("order %+v", res.Order)
	}
	m, err := f.orders.Mappings(ctx, f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Unmapped) != 1 || m.Unmapped[0].ChannelSKU != "A-M" || m.Unmapped[0].HeldOrders != 1 {
		t.Fatalf("review queue %+v", m.Unmapped)
	}
	put := f.mapSKU(amz, "A-M", "SKU-M")
	if len(put.OrdersAllocated) != 1 || put.OrdersAllocated[0] != res.Order.ID {
		t.Fatalf("mapping released %+v", put)
	}
	o, _ := f.orders.Get(ctx, f.tenant, uuid.MustParse(res.Order.ID))
	if o.Status != api.StatusAllocated || o.Lines[0].SKU != "SKU-M" {
		t.Fatalf("after mapping: %+v", o)
	}
	if m, _ := f.orders.Mappings(ctx, f.tenant); len(m.Unmapped) != 0 {
		t.Fatalf("review queue after mapping: %+v", m.Unmapped)
	}
}

func TestLifecycleRefusesIllegalTransitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("SKU-L", "L1", 5)
	manual, err := f.orders.ManualAccount(ctx, f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.orders.Intake(ctx, f.tenant, "user", intake(manual, "phone-1", line("SKU-L", 2)))
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.MustParse(res.Order.ID)
	if _, err := f.orders.Transition(ctx, f.tenant, id, domain.StatusShipped, "u", ""); apperr.KindOf(err) != apperr.KindConflict {
		t.Fatalf("ALLOCATED → SHIPPED: %v, want conflict", err)
	}
	user := uuid.New()
	if _, err := f.orders.Claim(ctx, f.tenant, id, user); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.Claim(ctx, f.tenant, id, uuid.New()); apperr.KindOf(err) != apperr.KindConflict {
		t.Fatalf("second packer claiming: %v, want conflict", err)
	}
	for _, to := range []domain.OrderStatus{domain.StatusPacked, domain.StatusLabeled, domain.StatusShipped} {
		if _, err := f.orders.Transition(ctx, f.tenant, id, to, "u", ""); err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
	}
	if got := f.stock(p); got != (stock{OnHand: 3, Allocated: 0}) {
		t.Fatalf("after shipping: %+v, want 3 on hand, none allocated", got)
	}
	if _, err := f.orders.Cancel(ctx, f.tenant, id, "u", ""); apperr.KindOf(err) != apperr.KindConflict {
		t.Fatalf("cancelling a shipped order: %v, want conflict", err)
	}
	o, _ := f.orders.Get(ctx, f.tenant, id)
	if o.Status != api.StatusShipped || len(o.Transitions) != 6 {
		t.Fatalf("order %s with %d transitions", o.Status, len(o.Transitions))
	}
	f.checkLedger(p)
}

func TestIntakeRejectsBadInputWritingNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.product("SKU-B", "B1", 5)
	manual, _ := f.orders.ManualAccount(ctx, f.tenant)
	cases := map[string]api.CreateOrderRequest{
		"zero quantity":     {CustomerName: "x", ShipTo: address(), Lines: []api.OrderLineInput{{SKU: "SKU-B", Quantity: 0}}},
		"negative quantity": {CustomerName: "x", ShipTo: address(), Lines: []api.OrderLineInput{{SKU: "SKU-B", Quantity: -2}}},
		"unknown SKU":       {CustomerName: "x", ShipTo: address(), Lines: []api.OrderLineInput{{SKU: "SKU-B", Quantity: 1}, {SKU: "NOPE", Quantity: 1}}},
		"bad price":         {CustomerName: "x", ShipTo: address(), Lines: []api.OrderLineInput{{SKU: "SKU-B", Quantity: 1, UnitPrice: "1.999"}}},
		"no lines":          {CustomerName: "x", ShipTo: address()},
		"no address":        {CustomerName: "x", Lines: []api.OrderLineInput{{SKU: "SKU-B", Quantity: 1}}},
	}
	for name, req := range cases {
		if _, err := f.orders.CreateManual(ctx, f.tenant, "u", req); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	list, err := f.orders.List(ctx, f.tenant, "", "", 100)
	if err != nil || len(list.Orders) != 0 {
		t.Fatalf("orders after rejected input: %d %v", len(list.Orders), err)
	}
	_ = manual
}

func TestPeriodicPassAllocatesOrdersAStoppedProcessLeftHeld(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("SKU-P", "P1", 0)
	manual, _ := f.orders.ManualAccount(ctx, f.tenant)
	res, err := f.orders.Intake(ctx, f.tenant, "u", intake(manual, "held-1", line("SKU-P", 2)))
	if err != nil || res.Order.Status != api.StatusOnHold {
		t.Fatalf("%+v %v", res.Order, err)
	}
	// Stock arrives but the process stops before it allocates held orders.
	if err := f.db.Tenant(ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE stock_levels SET on_hand = 5 WHERE tenant_id = ? AND product_id = ?`, f.tenant, p).Error
	}); err != nil {
		t.Fatal(err)
	}
	if err := orders.AllocateHeldHandler(f.orders, slog.New(slog.DiscardHandler)).ProcessTask(ctx, asynq.NewTask(orders.TaskAllocateHeld, nil)); err != nil {
		t.Fatal(err)
	}
	o, _ := f.orders.Get(ctx, f.tenant, uuid.MustParse(res.Order.ID))
	if o.Status != api.StatusAllocated {
		t.Fatalf("after the periodic pass the order is %s", o.Status)
	}
}
