package realtime_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
)

// never is a check interval no test outlives: with it, only pub/sub and gap
// filling can deliver an event.
const never = time.Hour

const waitLong = 10 * time.Second

func newTenant(t *testing.T, d *db.DB) uuid.UUID {
	t.Helper()
	tn, err := tenancy.NewService(d).Create(context.Background(), "t-"+uuid.NewString()[:8], "Tenant")
	if err != nil {
		t.Fatal(err)
	}
	return uuid.MustParse(tn.ID)
}

// channelPrefix keeps each test's pub/sub traffic to itself.
func channelPrefix() string { return env.Prefix + "events:" + uuid.NewString()[:8] + ":" }

type runningHub struct {
	*realtime.Hub
	stop func()
}

// startHub runs a hub with its own Redis client until the test ends (or stop).
func startHub(t *testing.T, d *db.DB, opts realtime.Options) runningHub {
	t.Helper()
	if opts.ChannelPrefix == "" {
		opts.ChannelPrefix = channelPrefix()
	}
	h := realtime.NewHub(d, env.Redis(t), slog.New(slog.DiscardHandler), opts)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- h.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("hub.Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-h.Ready():
	case err := <-errc:
		t.Fatalf("hub stopped before listening: %v", err)
	case <-time.After(waitLong):
		t.Fatal("hub did not subscribe to Redis")
	}
	return runningHub{Hub: h, stop: stop}
}

// appendEvents commits events of typ for tenant in one transaction, one per
// value in data.
func appendEvents(t *testing.T, d *db.DB, tenant uuid.UUID, typ string, data ...any) []api.Event {
	t.Helper()
	evs, err := commitEvents(d, tenant, typ, data...)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func commitEvents(d *db.DB, tenant uuid.UUID, typ string, data ...any) ([]api.Event, error) {
	news := make([]realtime.NewEvent, len(data))
	for i, v := range data {
		news[i] = realtime.NewEvent{Type: typ, Data: v}
	}
	var out []api.Event
	err := d.Tenant(context.Background(), tenant, func(tx *gorm.DB) error {
		var err error
		out, err = realtime.AppendAll(tx, tenant, news...)
		return err
	})
	return out, err
}

func subscribe(t *testing.T, h *realtime.Hub, tenant uuid.UUID, after int64) *realtime.Subscription {
	t.Helper()
	sub, err := h.Subscribe(context.Background(), tenant, after)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// receive takes n events from sub, failing the test if they do not come.
func receive(t *testing.T, sub *realtime.Subscription, n int) []api.Event {
	t.Helper()
	out := make([]api.Event, 0, n)
	deadline := time.After(waitLong)
	for len(out) < n {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(out), n, sub.Err())
			}
			out = append(out, ev)
		case <-deadline:
			t.Fatalf("received %d of %d events: %v", len(out), n, seqs(out))
		}
	}
	return out
}

// expectNothing fails if sub delivers anything within d.
func expectNothing(t *testing.T, sub *realtime.Subscription, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if ok {
			t.Fatalf("unexpected event %d %s %s", ev.Seq, ev.Type, ev.Data)
		}
		t.Fatalf("subscription ended: %v", sub.Err())
	case <-time.After(d):
	}
}

func seqs(evs []api.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

// wantSeqs fails unless evs are exactly the seqs from..to in order.
func wantSeqs(t *testing.T, evs []api.Event, from, to int64) {
	t.Helper()
	if int64(len(evs)) != to-from+1 {
		t.Fatalf("got seqs %v, want %d..%d", seqs(evs), from, to)
	}
	for i, e := range evs {
		if e.Seq != from+int64(i) {
			t.Fatalf("got seqs %v, want %d..%d", seqs(evs), from, to)
		}
	}
}

func n(i int) map[string]any { return map[string]any{"n": i} }

func dataN(t *testing.T, ev api.Event) int {
	t.Helper()
	var v struct{ N int }
	if err := json.Unmarshal(ev.Data, &v); err != nil {
		t.Fatalf("event %d data %s: %v", ev.Seq, ev.Data, err)
	}
	return v.N
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ownerScan runs one query as the schema owner, scoped to tenant, bypassing
// the package under test.
func ownerScan(t *testing.T, tenant uuid.UUID, query string, dest ...any) {
	t.Helper()
	tx, err := env.OwnerSQL(t).Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.Exec(`SELECT set_config('app.tenant_id', $1, true)`, tenant.String()); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(query, tenant).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
