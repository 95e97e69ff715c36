package realtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/realtime"
)

func TestConcurrentAppendersDeliverEveryEventOnceInOrder(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never})
	sub := subscribe(t, hub.Hub, tenant, 0)

	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				evs, err := commitEvents(d, tenant, "order.created", n(w*each+i))
				if err == nil {
					err = hub.Announce(context.Background(), tenant, evs...)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	got := receive(t, sub, writers*each)
	wantSeqs(t, got, 1, writers*each)
	seen := map[int]bool{}
	for _, ev := range got {
		seen[dataN(t, ev)] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct payloads among %d events", len(seen), len(got))
	}
	expectNothing(t, sub, 200*time.Millisecond)

	var count, maxSeq int64
	ownerScan(t, tenant, `SELECT count(*), max(seq) FROM events WHERE tenant_id = $1`, &count, &maxSeq)
	if count != writers*each || maxSeq != writers*each {
		t.Fatalf("stored %d events up to seq %d", count, maxSeq)
	}
}

func TestFanOutAcrossReplicas(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	prefix := channelPrefix()
	a := startHub(t, d, realtime.Options{ChannelPrefix: prefix, CheckInterval: never})
	b := startHub(t, env.DB(t), realtime.Options{ChannelPrefix: prefix, CheckInterval: never})

	appendEvents(t, d, tenant, "order.created", n(1))
	sub := subscribe(t, b.Hub, tenant, 0)
	// Seq 1 comes from the replay; once it is here, the replay is over and
	// B can learn of seq 2 only through Redis.
	wantSeqs(t, receive(t, sub, 1), 1, 1)

	evs := appendEvents(t, d, tenant, "order.created", n(2))
	must(t, a.Announce(context.Background(), tenant, evs...))
	got := receive(t, sub, 1)
	wantSeqs(t, got, 2, 2)
	if dataN(t, got[0]) != 2 {
		t.Fatalf("got %s", got[0].Data)
	}
}

func TestResumeReplaysAfterThenContinuesLive(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never, PageSize: 2})
	for i := 1; i <= 5; i++ {
		appendEvents(t, d, tenant, "order.created", n(i))
	}

	sub := subscribe(t, hub.Hub, tenant, 2)
	got := receive(t, sub, 3)
	wantSeqs(t, got, 3, 5)
	if dataN(t, got[0]) != 3 {
		t.Fatalf("seq 3 carries %s", got[0].Data)
	}

	evs := appendEvents(t, d, tenant, "stock.changed", n(6))
	must(t, hub.Announce(context.Background(), tenant, evs...))
	got = receive(t, sub, 1)
	wantSeqs(t, got, 6, 6)
	if got[0].Type != "stock.changed" {
		t.Fatalf("seq 6 is %s", got[0].Type)
	}
	expectNothing(t, sub, 200*time.Millisecond)

	// Resuming at the end delivers only what comes next.
	tail := subscribe(t, hub.Hub, tenant, 6)
	expectNothing(t, tail, 100*time.Millisecond)
	evs = appendEvents(t, d, tenant, "order.created", n(7))
	must(t, hub.Announce(context.Background(), tenant, evs...))
	wantSeqs(t, receive(t, tail, 1), 7, 7)
}

func TestGapIsFilledFromPostgres(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never})
	sub := subscribe(t, hub.Hub, tenant, 0)
	ctx := context.Background()

	for i := 1; i <= 3; i++ {
		must(t, hub.Announce(ctx, tenant, appendEvents(t, d, tenant, "order.created", n(i))...))
	}
	wantSeqs(t, receive(t, sub, 3), 1, 3)

	appendEvents(t, d, tenant, "order.created", n(4)) // committed, never announced
	expectNothing(t, sub, 100*time.Millisecond)
	must(t, hub.Announce(ctx, tenant, appendEvents(t, d, tenant, "order.created", n(5))...))
	got := receive(t, sub, 2)
	wantSeqs(t, got, 4, 5)
	if dataN(t, got[0]) != 4 {
		t.Fatalf("seq 4 carries %s", got[0].Data)
	}
}

func TestPeriodicCheckDeliversUnannouncedEvents(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	checked := startHub(t, d, realtime.Options{CheckInterval: 50 * time.Millisecond})
	unchecked := startHub(t, d, realtime.Options{CheckInterval: never})
	appendEvents(t, d, tenant, "order.created", n(1))
	sub := subscribe(t, checked.Hub, tenant, 0)
	control := subscribe(t, unchecked.Hub, tenant, 0)
	// Once seq 1 is here, the replays are over.
	wantSeqs(t, receive(t, sub, 1), 1, 1)
	wantSeqs(t, receive(t, control, 1), 1, 1)

	appendEvents(t, d, tenant, "order.created", n(2), n(3))
	wantSeqs(t, receive(t, sub, 2), 2, 3)
	// Without the check, nothing tells a subscriber about them.
	expectNothing(t, control, 300*time.Millisecond)
}

func TestSlowSubscriberDoesNotBlockTheHub(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never, Backlog: 4})
	appendEvents(t, d, tenant, "order.created", n(1))
	slow := subscribe(t, hub.Hub, tenant, 0)
	fast := subscribe(t, hub.Hub, tenant, 0)
	// Both replays are over once seq 1 is out; the slow one then stops reading.
	wantSeqs(t, receive(t, slow, 1), 1, 1)
	wantSeqs(t, receive(t, fast, 1), 1, 1)

	const total = 300
	data := make([]any, total-1)
	for i := range data {
		data[i] = n(i + 2)
	}
	evs := appendEvents(t, d, tenant, "order.created", data...)

	done := make(chan error, 1)
	go func() {
		for _, ev := range evs {
			if err := hub.Announce(context.Background(), tenant, ev); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	wantSeqs(t, receive(t, fast, total-1), 2, total)
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(waitLong):
		t.Fatal("announcing is blocked by a subscriber that does not read")
	}
	// The slow subscriber lost its live events past the backlog and reads
	// them from Postgres instead.
	wantSeqs(t, receive(t, slow, total-1), 2, total)
	expectNothing(t, slow, 100*time.Millisecond)
}

func TestTenantIsolation(t *testing.T) {
	d := env.DB(t)
	a, b := newTenant(t, d), newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: 50 * time.Millisecond})
	subA := subscribe(t, hub.Hub, a, 0)
	subB := subscribe(t, hub.Hub, b, 0)
	ctx := context.Background()

	must(t, hub.Announce(ctx, b, appendEvents(t, d, b, "order.created", n(101), n(102), n(103))...))
	appendEvents(t, d, b, "order.created", n(104)) // left to the periodic check
	must(t, hub.Announce(ctx, a, appendEvents(t, d, a, "order.created", n(1))...))

	got := receive(t, subA, 1)
	if got[0].Seq != 1 || dataN(t, got[0]) != 1 {
		t.Fatalf("tenant a got seq %d %s", got[0].Seq, got[0].Data)
	}
	wantSeqs(t, receive(t, subB, 4), 1, 4)
	expectNothing(t, subA, 300*time.Millisecond)
}

func TestSubscriptionEndsWhenHubStops(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never})
	sub := subscribe(t, hub.Hub, tenant, 0)
	expectNothing(t, sub, 50*time.Millisecond)
	if count := hub.Subscribers(); count != 1 {
		t.Fatalf("%d subscribers, want 1", count)
	}

	hub.stop()
	select {
	case _, ok := <-sub.Events():
		if ok {
			t.Fatal("event after stop")
		}
	case <-time.After(waitLong):
		t.Fatal("subscription still open after the hub stopped")
	}
	if !errors.Is(sub.Err(), realtime.ErrStopped) {
		t.Fatalf("Err = %v, want ErrStopped", sub.Err())
	}
	if hub.Subscribers() != 0 {
		t.Fatalf("%d subscribers left", hub.Subscribers())
	}
	if _, err := hub.Subscribe(context.Background(), tenant, 0); !errors.Is(err, realtime.ErrStopped) {
		t.Fatalf("Subscribe after stop: %v", err)
	}
}

func TestSubscriptionEndsWithItsContext(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never})
	ctx, cancel := context.WithCancel(context.Background())
	sub, err := hub.Subscribe(ctx, tenant, 0)
	must(t, err)
	cancel()
	for range sub.Events() {
		t.Fatal("event after cancel")
	}
	if !errors.Is(sub.Err(), context.Canceled) || hub.Subscribers() != 0 {
		t.Fatalf("Err = %v, %d subscribers", sub.Err(), hub.Subscribers())
	}
	sub.Close() // idempotent
}
