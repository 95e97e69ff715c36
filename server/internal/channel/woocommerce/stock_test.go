package woocommerce_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	wcsim "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

func update(sku, external string, qty int) channel.QuantityUpdate {
	return channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: sku, ExternalListingID: external}, Quantity: qty}
}

func TestPushAndReadProductAndVariationStock(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	tent := f.product(wcsim.ProductInput{Name: "Tent", SKU: "SKU-4412", Price: "44.99", StockQuantity: 10})
	jacket := f.product(wcsim.ProductInput{Name: "Jacket", Price: "60.00", Variations: []wcsim.VariationInput{
		{SKU: "JKT-GRN", StockQuantity: 5, Attributes: map[string]string{"Color": "Green"}},
		{SKU: "JKT-BLU", StockQuantity: 3, Attributes: map[string]string{"Color": "Blue"}},
	}})
	card := f.product(wcsim.ProductInput{Name: "Untracked", SKU: "UNTRACKED", Price: "5.00", Unmanaged: true})
	green, blue := jacket.VariationIDs[0], jacket.VariationIDs[1]

	ups := []channel.QuantityUpdate{
		update("SKU-4412", itoa(tent.ID), 7),                  // product by id
		update("JKT-GRN", itoa(jacket.ID)+":"+itoa(green), 2), // variation by id
		update("JKT-BLU", "", 9),                              // variation found by SKU
		update("UNTRACKED", "", 4),                            // product found by SKU; stock management turned on
		update("NOPE-1", "", 1),                               // unknown SKU
		update("SKU-4412", "12:x", 1),                         // unreadable external id
		update("JKT-GRN", itoa(tent.ID)+":"+itoa(green), 1),   // variation under the wrong parent
		update("wc:"+itoa(jacket.ID)+":"+itoa(green), "", 2),  // a SKU-less line's SKU
	}
	res, err := f.k.PushQuantities(ctx, f.conn, ups)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ups) {
		t.Fatalf("%d results for %d updates", len(res), len(ups))
	}
	for i, r := range res {
		if r.ListingID != ups[i].ListingID {
			t.Fatalf("result %d is for another listing", i)
		}
	}
	for _, i := range []int{0, 1, 2, 3, 7} {
		if !res[i].Accepted || res[i].Error != "" {
			t.Fatalf("update %d refused: %+v", i, res[i])
		}
	}
	wantErr := map[int]string{
		4: `no product or variation with SKU "NOPE-1" on the store`,
		5: `external listing id "12:x" is not <product_id> or <product_id>:<variation_id>`,
		6: "woocommerce_rest_product_variation_invalid_id: Invalid ID.",
	}
	for i, msg := range wantErr {
		if res[i].Accepted || res[i].Error != msg {
			t.Fatalf("update %d: %+v, want error %q", i, res[i], msg)
		}
	}
	for id, want := range map[int64]int{tent.ID: 7, green: 2, blue: 9, card.ID: 4} {
		if got, ok := f.store.Stock(id); !ok || got != want {
			t.Fatalf("product %d shows %d (%v), want %d", id, got, ok, want)
		}
	}
	if q, _ := f.store.Quantity("JKT-BLU"); q != 9 {
		t.Fatalf("JKT-BLU shows %d", q)
	}

	refs := []channel.ListingRef{ups[0].ListingRef, ups[1].ListingRef, ups[2].ListingRef, ups[4].ListingRef,
		{ListingID: uuid.New(), ExternalListingID: "999999"}}
	got, ok, err := f.k.ReadQuantities(ctx, f.conn, refs)
	if err != nil || !ok {
		t.Fatalf("read back: %v %v", ok, err)
	}
	shows := func(i, q int) channel.ListingQuantity {
		return channel.ListingQuantity{ListingID: refs[i].ListingID, Found: true, Quantity: q}
	}
	unknown := func(i int) channel.ListingQuantity { return channel.ListingQuantity{ListingID: refs[i].ListingID} }
	want := []channel.ListingQuantity{shows(0, 7), shows(1, 2), shows(2, 9), unknown(3), unknown(4)}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("read back %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A buyer's order moves the stock the store shows.
	f.place(wcsim.OrderInput{Billing: elena(), Lines: []wcsim.LineInput{{SKU: "JKT-BLU", Quantity: 4, UnitPrice: "60.00"}}})
	got, _, err = f.k.ReadQuantities(ctx, f.conn, refs[2:3])
	if err != nil || got[0].Quantity != 5 {
		t.Fatalf("after an order: %+v %v", got, err)
	}
}

func TestPushBatchesAtMostOneHundred(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	var ups []channel.QuantityUpdate
	for i := 0; i < 150; i++ {
		sku := fmt.Sprintf("BULK-%03d", i)
		ids := f.product(wcsim.ProductInput{SKU: sku, Price: "1.00", StockQuantity: 1})
		ups = append(ups, update(sku, itoa(ids.ID), 100+i))
	}
	res, err := f.k.PushQuantities(context.Background(), f.conn, ups)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !r.Accepted {
			t.Fatalf("update %d: %+v", i, r)
		}
	}
	batches := f.requests("/wc/v3/products/batch")
	if len(batches) != 2 || batches[0].Items != 100 || batches[1].Items != 50 {
		t.Fatalf("batches: %+v", batches)
	}
	if q, _ := f.store.Quantity("BULK-149"); q != 249 {
		t.Fatalf("BULK-149 shows %d", q)
	}
}

func TestPushCallFailures(t *testing.T) {
	f := newFixture(t, wcsim.Options{})
	ctx := context.Background()
	ids := f.product(wcsim.ProductInput{SKU: "SKU-1", Price: "1.00", StockQuantity: 1})
	ups := []channel.QuantityUpdate{update("SKU-1", itoa(ids.ID), 5)}

	_ = f.store.FailNext(wcsim.FaultThrottle, 1, 3*time.Second)
	_, err := f.k.PushQuantities(ctx, f.conn, ups)
	var th *channel.Throttled
	if !errors.As(err, &th) || th.RetryAfter != 3*time.Second {
		t.Fatalf("throttled push: %v", err)
	}
	bad := f.conn
	bad.Credentials = channel.Credentials{"consumer_key": "ck_nobody", "consumer_secret": "cs_nobody"}
	if _, err := f.k.PushQuantities(ctx, bad, ups); !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("wrong keys: %v", err)
	}
	if _, _, err := f.k.ReadQuantities(ctx, bad, []channel.ListingRef{ups[0].ListingRef}); !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("wrong keys reading: %v", err)
	}
	if q, _ := f.store.Quantity("SKU-1"); q != 1 {
		t.Fatalf("refused pushes changed the stock to %d", q)
	}
	// The store applies the batch but its answer is cut off: the call
	// fails, and nothing is claimed about the update.
	_ = f.store.FailNext(wcsim.FaultMalformed, 1, 0)
	if res, err := f.k.PushQuantities(ctx, f.conn, ups); err == nil {
		t.Fatalf("a malformed batch answer was taken as success: %+v", res)
	}
}
