package walmart_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

func update(sku string, qty int) channel.QuantityUpdate {
	return channel.QuantityUpdate{ListingRef: channel.ListingRef{ListingID: uuid.New(), ChannelSKU: sku}, Quantity: qty}
}

func TestPushQuantitiesSetsWhatWalmartShows(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	f.sim.AddListing("MUG-16-SLT", 5)
	f.sim.AddListing("TENT 2P/GRN+1", 1) // reserved characters and a space
	ups := []channel.QuantityUpdate{update("MUG-16-SLT", 12), update("TENT 2P/GRN+1", 0), update("NOT-LISTED", 3), update("", 1)}
	res, err := f.wm.PushQuantities(f.ctx, f.conn, ups)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 || !res[0].Accepted || !res[1].Accepted || res[2].Accepted || res[3].Accepted {
		t.Fatalf("results %+v", res)
	}
	for i, r := range res {
		if r.ListingID != ups[i].ListingID {
			t.Fatalf("result %d is for listing %s, want %s", i, r.ListingID, ups[i].ListingID)
		}
	}
	if !strings.Contains(res[2].Error, "CONTENT_NOT_FOUND.GMP_INVENTORY_API") || !strings.Contains(res[2].Error, "NOT-LISTED") {
		t.Fatalf("rejection of an unknown SKU: %q", res[2].Error)
	}
	if q, _ := f.sim.Quantity("MUG-16-SLT"); q != 12 {
		t.Fatalf("MUG shows %d", q)
	}
	if q, _ := f.sim.Quantity("TENT 2P/GRN+1"); q != 0 {
		t.Fatalf("TENT shows %d", q)
	}
	for _, r := range f.sim.Requests() {
		if r.API == "updateInventoryForAnItem" && strings.Contains(r.RawQuery, "TENT") && r.RawQuery != "sku=TENT%202P%2FGRN%2B1" {
			t.Fatalf("sku sent as %q; Walmart wants a space as %%20", r.RawQuery)
		}
	}

	got, ok, err := f.wm.ReadQuantities(f.ctx, f.conn, []channel.ListingRef{ups[0].ListingRef, ups[1].ListingRef, ups[2].ListingRef})
	if err != nil || !ok || len(got) != 3 {
		t.Fatalf("read back: %+v %v %v", got, ok, err)
	}
	if !got[0].Found || got[0].Quantity != 12 || !got[1].Found || got[1].Quantity != 0 || got[2].Found {
		t.Fatalf("read back %+v", got)
	}
}

func TestPushQuantitiesFailsTheCallWhenThrottled(t *testing.T) {
	f := newFixture(t, wmsim.Options{RateLimit: 1, RateWindow: time.Minute}, walmart.WithMaxBatch(3))
	f.sim.AddListing("A", 1)
	f.sim.AddListing("B", 1)
	if f.wm.MaxBatch() != 3 {
		t.Fatalf("max batch %d", f.wm.MaxBatch())
	}
	if _, err := f.wm.PushQuantities(f.ctx, f.conn, []channel.QuantityUpdate{update("A", 1), update("A", 1), update("A", 1), update("A", 1)}); err == nil {
		t.Fatal("a call over MaxBatch was sent")
	}
	// The bucket holds one update a minute: the first goes through, the
	// second is throttled, and the call fails as a whole.
	_, err := f.wm.PushQuantities(f.ctx, f.conn, []channel.QuantityUpdate{update("A", 7), update("B", 9)})
	var th *channel.Throttled
	if !errors.As(err, &th) || th.RetryAfter != time.Minute {
		t.Fatalf("throttled push: %v", err)
	}
	if a, _ := f.sim.Quantity("A"); a != 7 {
		t.Fatalf("A shows %d", a)
	}
	if b, _ := f.sim.Quantity("B"); b != 1 {
		t.Fatalf("B shows %d after a throttled push", b)
	}
	f.clock.Advance(time.Minute)
	if err := f.sim.InjectFault(wmsim.FaultMalformed, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.wm.PushQuantities(f.ctx, f.conn, []channel.QuantityUpdate{update("B", 9)}); err == nil || !strings.Contains(err.Error(), "malformed response") {
		t.Fatalf("malformed answer to a push: %v", err)
	}
}
