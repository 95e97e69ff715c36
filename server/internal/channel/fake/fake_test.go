package fake_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/fake"
)

func TestFakeRecordsRejectsAndFails(t *testing.T) {
	ctx := context.Background()
	f := fake.New()
	f.SetMaxBatch(2)
	acct := channel.Conn{Account: channel.Account{ID: uuid.New(), Kind: "fake"}}
	ok, bad := uuid.New(), uuid.New()
	ups := []channel.QuantityUpdate{
		{ListingRef: channel.ListingRef{ListingID: ok, ChannelSKU: "OK"}, Quantity: 5},
		{ListingRef: channel.ListingRef{ListingID: bad, ChannelSKU: "BAD"}, Quantity: 3},
	}
	f.Reject("BAD", "unknown SKU")
	res, err := f.PushQuantities(ctx, acct, ups)
	if err != nil || len(res) != 2 || !res[0].Accepted || res[1].Accepted || res[1].Error != "unknown SKU" {
		t.Fatalf("push: %+v, %v", res, err)
	}
	if q, shown := f.Shown(acct.ID, ok); !shown || q != 5 {
		t.Fatalf("shows %d (%v)", q, shown)
	}
	if _, shown := f.Shown(acct.ID, bad); shown {
		t.Fatal("a rejected update shows")
	}
	f.FailNext(1, nil)
	if _, err := f.PushQuantities(ctx, acct, ups[:1]); !errors.Is(err, fake.ErrUnavailable) {
		t.Fatalf("injected failure: %v", err)
	}
	if _, err := f.PushQuantities(ctx, acct, append(ups, ups...)); err == nil {
		t.Fatal("a call over the batch limit was accepted")
	}
	if n := f.PushCount(acct.ID); n != 2 {
		t.Fatalf("%d calls recorded, want 2 (the oversized one is refused unrecorded)", n)
	}
	got, supported, err := f.ReadQuantities(ctx, acct, []channel.ListingRef{{ListingID: ok}, {ListingID: bad}})
	if err != nil || !supported || !got[0].Found || got[0].Quantity != 5 || got[1].Found {
		t.Fatalf("read back: %+v %v %v", got, supported, err)
	}
}
