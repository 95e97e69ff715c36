package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// TestOrderIntakePublishesLiveEvents: an order reaches every connected
// client of its tenant — the order, the stock change and the pick queue —
// and a client that reconnects resumes after the last event it saw.
func TestOrderIntakePublishesLiveEvents(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	admin := h.newTenant(domain.RoleAdmin)
	other := h.newTenant(domain.RoleAdmin)
	h.seedProduct(admin, "LIVE-1", 5)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	got := make(chan api.Event, 100)
	go func() {
		_ = admin.Client.Events(ctx, 0, func(e api.Event) error { got <- e; return nil })
	}()
	leaked := make(chan api.Event, 100)
	go func() {
		_ = other.Client.Events(ctx, 0, func(e api.Event) error { leaked <- e; return nil })
	}()

	order, err := admin.Client.CreateOrder(ctx, api.CreateOrderRequest{CustomerName: "Live", ShipTo: api.Address{Name: "Live",
		Line1: "1 Main St", City: "Boise", PostalCode: "83702", Country: "US"}, Lines: []api.OrderLineInput{{SKU: "LIVE-1", Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"order.created": false, "pickqueue.changed": false}
	var lastSeq int64
	var sawAllocation bool
	for !(want["order.created"] && want["pickqueue.changed"] && sawAllocation) {
		select {
		case e := <-got:
			if e.Seq <= lastSeq {
				t.Fatalf("event seq %d after %d", e.Seq, lastSeq)
			}
			lastSeq = e.Seq
			want[e.Type] = true
			if e.Type == "stock.changed" && strings.Contains(string(e.Data), `"allocated":2`) {
				sawAllocation = true
			}
		case <-ctx.Done():
			t.Fatalf("events seen %v (allocation %v) for order %s before the deadline", want, sawAllocation, order.ID)
		}
	}
	// Resuming after the last seq seen delivers only what came later.
	if _, err := admin.Client.CancelOrder(ctx, order.ID, "test"); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	var resumed []api.Event
	err = admin.Client.Events(rctx, lastSeq, func(e api.Event) error {
		resumed = append(resumed, e)
		if e.Type == "order.updated" {
			return errDone
		}
		return nil
	})
	if !errors.Is(err, errDone) || len(resumed) == 0 || resumed[0].Seq <= lastSeq {
		t.Fatalf("resume after %d: %v, events %+v", lastSeq, err, resumed)
	}
	select {
	case e := <-leaked:
		t.Fatalf("another tenant received %s", e.Type)
	default:
	}
}

var errDone = errors.New("done")
