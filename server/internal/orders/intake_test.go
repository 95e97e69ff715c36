package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/shared/api"
)

// asStored fails the test unless o is exactly what reading the order back
// returns, and returns that as JSON.
func (f *fixture) asStored(t *testing.T, o api.Order, what string) string {
	t.Helper()
	stored, err := f.orders.Get(context.Background(), f.tenant, uuid.MustParse(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(o)
	want, _ := json.Marshal(stored)
	if string(got) != string(want) {
		t.Fatalf("%s returned\n%s\nstored is\n%s", what, got, want)
	}
	return string(want)
}

// Intake builds the order it returns from what its own statements wrote
// instead of reading it again; it must be exactly what a later read shows.
func TestIntakeReturnsTheOrderAsStored(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.product("SKU-A", "A-01", 10)
	f.product("SKU-B", "B-02", 1)
	woo := f.account("woocommerce")
	manual := f.account(orders.ManualKind)
	f.mapSKU(woo, "w-a", "SKU-A")
	f.mapSKU(woo, "w-b", "SKU-B")

	withNotes := intake(woo, "notes", line("w-a", 1))
	withNotes.Notes, withNotes.CustomerEmail, withNotes.Currency = "Leave at the back door", "dana@example.com", "cad"
	cases := map[string]orders.Intake{
		"allocated":       intake(woo, "alloc", line("w-a", 2), line("w-b", 1), line("w-a", 3)),
		"held short":      intake(woo, "short", line("w-a", 1), line("w-b", 5)),
		"held unmapped":   intake(woo, "unmapped", line("w-a", 1), line("w-zzz", 1)),
		"manual":          intake(manual, "phone-1", line("SKU-A", 1)),
		"optional fields": withNotes,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := f.orders.Intake(ctx, f.tenant, "channel:test", in)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Created {
				t.Fatal("not created")
			}
			want := f.asStored(t, res.Order, "intake")
			again, err := f.orders.Intake(ctx, f.tenant, "channel:test", in)
			if err != nil || again.Created {
				t.Fatalf("second intake: created=%v err=%v", again.Created, err)
			}
			if second, _ := json.Marshal(again.Order); string(second) != want {
				t.Fatalf("second intake returned\n%s\nstored is\n%s", second, want)
			}
		})
	}
}

// Several lines of one product are allocated by one update; each ledger
// entry still shows the figures right after its own line, and the
// stock.changed event carries the figures the transaction committed.
func TestLinesOfOneProductLedgerEachStep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.product("SKU-L", "L-01", 10)
	woo := f.account("woocommerce")
	f.mapSKU(woo, "w-l", "SKU-L")
	if _, err := f.orders.Intake(ctx, f.tenant, "c", intake(woo, "two-lines", line("w-l", 2), line("w-l", 3))); err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		AllocatedDelta, AllocatedAfter, OnHandAfter int
		Version                                     int64
	}
	var events []struct{ Data string }
	err := f.db.Tenant(ctx, f.tenant, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT allocated_delta, allocated_after, on_hand_after, version FROM stock_ledger
			WHERE tenant_id = ? AND product_id = ? AND kind = 'allocation' ORDER BY id`, f.tenant, a).Scan(&entries).Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT data::text AS data FROM events WHERE tenant_id = ? AND type = 'stock.changed' ORDER BY seq`, f.tenant).Scan(&events).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].AllocatedDelta != 2 || entries[0].AllocatedAfter != 2 ||
		entries[1].AllocatedDelta != 3 || entries[1].AllocatedAfter != 5 || entries[1].OnHandAfter != 10 ||
		entries[0].Version != entries[1].Version {
		t.Fatalf("ledger %+v, want allocated after 2 then 5 at one version", entries)
	}
	f.checkLedger(a)
	var last inventory.StockEvent
	if len(events) == 0 || json.Unmarshal([]byte(events[len(events)-1].Data), &last) != nil {
		t.Fatalf("stock events %+v", events)
	}
	if last.SKU != "SKU-L" || last.OnHand != 10 || last.Allocated != 5 || last.Available != 5 || last.Version != entries[1].Version {
		t.Fatalf("last stock.changed %+v, want SKU-L 10 on hand, 5 allocated at version %d", last, entries[1].Version)
	}
}

// Orders taken together in one transaction each keep their own outcome: a
// refused order refuses only itself, a duplicate inside the batch is one
// order, a short order goes on hold while the others allocate, and the
// stock and ledger add up.
func TestOrdersTakenTogetherKeepTheirOwnOutcome(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hot := f.product("SKU-HOT", "H-01", 5)
	f.product("SKU-COLD", "C-01", 100)
	woo := f.account("woocommerce")
	manual := f.account(orders.ManualKind)
	f.mapSKU(woo, "w-hot", "SKU-HOT")
	f.mapSKU(woo, "w-cold", "SKU-COLD")

	ins := []orders.Intake{
		intake(woo, "b1", line("w-hot", 2), line("w-cold", 1)),
		intake(manual, "b2", line("NO-SUCH-SKU", 1)),           // refused: unknown SKU
		intake(woo, "b3", line("w-hot", 2)),                    // allocates: 4 of 5 used
		intake(woo, "b1", line("w-hot", 2), line("w-cold", 1)), // the same order again
		intake(uuid.New(), "b4", line("w-hot", 1)),             // refused: no such account
		intake(woo, "b5", line("w-hot", 2)),                    // short: 1 left
		intake(woo, "b6", line("w-hot", 1), line("w-zzz", 1)),  // unmapped
		intake(woo, "b7", line("w-hot", 1)),                    // allocates the last unit
	}
	res, errs := f.orders.IntakeTogether(ctx, f.tenant, "channel:test", ins)
	wantErr := map[int]string{1: "NO-SUCH-SKU", 4: "not found"}
	for i := range ins {
		if want, ok := wantErr[i]; ok {
			if errs[i] == nil || !strings.Contains(errs[i].Error(), want) {
				t.Fatalf("order %d: error %v, want one naming %q", i, errs[i], want)
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("order %d: %v", i, errs[i])
		}
	}
	status := func(i int) string { return res[i].Order.Status }
	if status(0) != api.StatusAllocated || status(2) != api.StatusAllocated || status(7) != api.StatusAllocated ||
		status(5) != api.StatusOnHold || res[5].Order.HoldReason != api.HoldShort ||
		status(6) != api.StatusOnHold || res[6].Order.HoldReason != api.HoldUnmapped {
		t.Fatalf("statuses %s %s %s %s %s %s", status(0), status(2), status(5), status(6), status(7), res[5].Order.HoldDetail)
	}
	if !res[0].Created || res[3].Created || res[3].Order.ID != res[0].Order.ID {
		t.Fatalf("the repeated order: first created=%v, second created=%v, ids %s %s",
			res[0].Created, res[3].Created, res[0].Order.ID, res[3].Order.ID)
	}
	if got := f.stock(hot); got != (stock{OnHand: 5, Allocated: 5}) {
		t.Fatalf("hot stock %+v, want all 5 allocated", got)
	}
	f.checkLedger(hot)
	for _, i := range []int{0, 2, 5, 6, 7} {
		f.asStored(t, res[i].Order, fmt.Sprint("order ", i))
	}
	// One batch appended its events once: every created order announced,
	// and the hot SKU's last figures.
	var types []string
	err := f.db.Tenant(ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT type FROM events WHERE tenant_id = ? AND seq > (SELECT max(seq) - 100 FROM events WHERE tenant_id = ?)
			AND type = 'order.created' ORDER BY seq`, f.tenant, f.tenant).Scan(&types).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 5 {
		t.Fatalf("%d order.created events, want 5 (b1, b3, b5, b6, b7)", len(types))
	}
}

// Many concurrent intakes of one tenant on the last units of a SKU: exactly
// as many allocate as there are units, however they are batched.
func TestConcurrentIntakesNeverOversell(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.product("SKU-LAST", "L-09", 30)
	woo := f.account("woocommerce")
	f.mapSKU(woo, "w-last", "SKU-LAST")
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[string]int{}
	for i := range 120 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every third order comes twice.
			r, err := f.orders.Intake(ctx, f.tenant, "c", intake(woo, fmt.Sprint("c-", i-i%3), line("w-last", 1)))
			if err != nil {
				t.Error(err)
				return
			}
			if r.Created {
				mu.Lock()
				count[r.Order.Status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if count[api.StatusAllocated] != 30 || count[api.StatusOnHold] != 10 {
		t.Fatalf("created orders by status %v, want 30 allocated and 10 on hold (40 distinct orders)", count)
	}
	if got := f.stock(p); got != (stock{OnHand: 30, Allocated: 30}) {
		t.Fatalf("stock %+v", got)
	}
	f.checkLedger(p)
}

// A batch whose orders the stock covers is one transaction: one stock
// update per product (one stock.changed event for the batch), each order
// allocated with its transitions, the ledger naming who took them in.
func TestABatchThatFitsMovesStockOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hot := f.product("SKU-HOT", "H-01", 100)
	woo := f.account("woocommerce")
	manual := f.account(orders.ManualKind)
	f.mapSKU(woo, "w-hot", "SKU-HOT")
	var before int64
	seqs := func() (n int64) {
		_ = f.db.Tenant(ctx, f.tenant, func(tx *gorm.DB) error {
			return tx.Raw(`SELECT count(*) FROM events WHERE tenant_id = ? AND type = 'stock.changed'`, f.tenant).Scan(&n).Error
		})
		return n
	}
	before = seqs()
	ins := []orders.Intake{
		intake(woo, "f1", line("w-hot", 2)),
		intake(woo, "f3", line("w-hot", 3), line("w-hot", 1)),
		intake(manual, "f4", line("SKU-HOT", 4)),
		intake(woo, "f5", line("w-hot", 1), line("w-nope", 1)), // unmapped: held, allocates nothing
		intake(woo, "f1", line("w-hot", 2)),                    // f1 again, in the same batch
	}
	res, errs := f.orders.IntakeTogether(ctx, f.tenant, "channel:test", ins)
	for i := range ins {
		if errs[i] != nil {
			t.Fatalf("order %d: %v", i, errs[i])
		}
		want := api.StatusAllocated
		if i == 3 {
			want = api.StatusOnHold
		}
		if res[i].Order.Status != want || res[i].Created != (i != 4) {
			t.Fatalf("order %d: created=%v %+v, want %s", i, res[i].Created, res[i].Order, want)
		}
		f.asStored(t, res[i].Order, fmt.Sprint("order ", i))
	}
	if res[4].Order.ID != res[0].Order.ID || res[3].Order.HoldReason != api.HoldUnmapped || !strings.Contains(res[3].Order.HoldDetail, "w-nope") {
		t.Fatalf("repeat %s vs %s; held %+v", res[4].Order.ID, res[0].Order.ID, res[3].Order)
	}
	if got := f.stock(hot); got != (stock{OnHand: 100, Allocated: 10}) {
		t.Fatalf("stock %+v, want 10 allocated", got)
	}
	f.checkLedger(hot)
	if n := seqs() - before; n != 1 {
		t.Fatalf("%d stock.changed events for the batch, want 1", n)
	}
	var actors []string
	err := f.db.Tenant(ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT DISTINCT actor FROM stock_ledger WHERE tenant_id = ? AND kind = 'allocation'`, f.tenant).Scan(&actors).Error
	})
	if err != nil || len(actors) != 1 || actors[0] != "channel:test" {
		t.Fatalf("ledger actors %v (%v)", actors, err)
	}
}
