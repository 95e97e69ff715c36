package orders_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
)

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
			stored, err := f.orders.Get(ctx, f.tenant, uuid.MustParse(res.Order.ID))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(res.Order)
			want, _ := json.Marshal(stored)
			if string(got) != string(want) {
				t.Fatalf("intake returned\n%s\nstored is\n%s", got, want)
			}
			again, err := f.orders.Intake(ctx, f.tenant, "channel:test", in)
			if err != nil || again.Created {
				t.Fatalf("second intake: created=%v err=%v", again.Created, err)
			}
			if second, _ := json.Marshal(again.Order); string(second) != string(want) {
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
