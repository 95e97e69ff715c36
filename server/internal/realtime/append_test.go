package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestValidType(t *testing.T) {
	for typ, want := range map[string]bool{
		"order.created":        true,
		"stock.changed":        true,
		"order.line.allocated": true,
		"push_job.failed":      true,
		"order2.created":       true,
		"":                     false,
		"order":                false,
		"Order.created":        false,
		"order.Created":        false,
		"order..created":       false,
		"order.created.":       false,
		".order.created":       false,
		"order.created ":       false,
		"order-created.x":      false,
		"order.2created":       false,
		"order.created\nx":     false,
	} {
		if got := realtime.ValidType(typ); got != want {
			t.Errorf("ValidType(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestAppendAssignsConsecutiveSeqsPerTenant(t *testing.T) {
	d := env.DB(t)
	a, b := newTenant(t, d), newTenant(t, d)

	var got []api.Event
	for i := 1; i <= 3; i++ {
		got = append(got, appendEvents(t, d, a, "order.created", n(i))...)
	}
	got = append(got, appendEvents(t, d, a, "stock.changed", n(4), n(5))...)
	wantSeqs(t, got, 1, 5)
	if got[3].Type != "stock.changed" || dataN(t, got[4]) != 5 || got[3].CreatedAt.IsZero() {
		t.Fatalf("batch appended as %+v", got[3:])
	}
	if !got[3].CreatedAt.Equal(got[4].CreatedAt) {
		t.Fatalf("one transaction's events have different times: %v %v", got[3].CreatedAt, got[4].CreatedAt)
	}

	gotB := appendEvents(t, d, b, "order.created", nil)
	wantSeqs(t, gotB, 1, 1)
	if string(gotB[0].Data) != "{}" {
		t.Fatalf("nil data stored as %s, want {}", gotB[0].Data)
	}

	var count, maxSeq, eventSeq int64
	ownerScan(t, a, `SELECT count(*), max(seq) FROM events WHERE tenant_id = $1`, &count, &maxSeq)
	ownerScan(t, a, `SELECT coalesce((SELECT seq FROM tenant_event_seqs WHERE tenant_id = $1), 0)`, &eventSeq)
	if count != 5 || maxSeq != 5 || eventSeq != 5 {
		t.Fatalf("tenant a: %d events up to %d, event_seq %d; want 5, 5, 5", count, maxSeq, eventSeq)
	}
	var data string
	ownerScan(t, a, `SELECT data::text FROM events WHERE tenant_id = $1 AND seq = 2`, &data)
	var v struct{ N int }
	if err := json.Unmarshal([]byte(data), &v); err != nil || v.N != 2 {
		t.Fatalf("seq 2 stored %s", data)
	}
}

func TestAppendRolledBackLeavesNoEventAndNoHole(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	appendEvents(t, d, tenant, "order.created", n(1))

	boom := errors.New("boom")
	err := d.Tenant(context.Background(), tenant, func(tx *gorm.DB) error {
		evs, err := realtime.AppendAll(tx, tenant,
			realtime.NewEvent{Type: "order.created", Data: n(2)}, realtime.NewEvent{Type: "order.created", Data: n(3)})
		if err != nil {
			return err
		}
		wantSeqs(t, evs, 2, 3)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("transaction: %v", err)
	}

	var count, eventSeq int64
	ownerScan(t, tenant, `SELECT count(*) FROM events WHERE tenant_id = $1`, &count)
	ownerScan(t, tenant, `SELECT coalesce((SELECT seq FROM tenant_event_seqs WHERE tenant_id = $1), 0)`, &eventSeq)
	if count != 1 || eventSeq != 1 {
		t.Fatalf("after rollback: %d events, event_seq %d; want 1, 1", count, eventSeq)
	}
	next := appendEvents(t, d, tenant, "order.created", n(2))
	wantSeqs(t, next, 2, 2)
}

func TestAppendRejects(t *testing.T) {
	d := env.DB(t)
	a, b := newTenant(t, d), newTenant(t, d)
	cases := map[string]func(tx *gorm.DB) error{
		"bad type": func(tx *gorm.DB) error {
			_, err := realtime.Append(tx, a, "OrderCreated", n(1))
			return err
		},
		"unencodable data": func(tx *gorm.DB) error {
			_, err := realtime.Append(tx, a, "order.created", map[string]any{"c": make(chan int)})
			return err
		},
		"no events": func(tx *gorm.DB) error {
			_, err := realtime.AppendAll(tx, a)
			return err
		},
		// The transaction is scoped to a: b's row is invisible to it.
		"other tenant": func(tx *gorm.DB) error {
			_, err := realtime.Append(tx, b, "order.created", n(1))
			return err
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			err := d.Tenant(context.Background(), a, fn)
			if err == nil {
				t.Fatal("append succeeded")
			}
			t.Log(err)
		})
	}
	for _, tenant := range []uuid.UUID{a, b} {
		var count, eventSeq int64
		ownerScan(t, tenant, `SELECT count(*), coalesce((SELECT seq FROM tenant_event_seqs WHERE tenant_id = $1), 0) FROM events WHERE tenant_id = $1`, &count, &eventSeq)
		if count != 0 || eventSeq != 0 {
			t.Fatalf("rejected appends left %d events, event_seq %d", count, eventSeq)
		}
	}
}
