package channel_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// asynqQueue is a real asynq queue of the test's own, on the shared Redis.
type asynqQueue struct {
	name     string
	redisOpt asynq.RedisConnOpt
	insp     *asynq.Inspector
}

// workerOpts tune withWorker.
type workerOpts struct {
	// noKicker leaves the pusher unregistered with the stock service.
	noKicker bool
	// wrapPush, when set, wraps the push handler the worker runs.
	wrapPush func(asynq.Handler) asynq.Handler
}

// withWorker returns a fixture whose pusher enqueues with a real asynq
// client, and runs a real worker with the push and reconcile handlers, set
// to look for due tasks as often as production's (tasks.NewWorker).
func withWorker(t *testing.T, o workerOpts) (*fixture, asynqQueue) {
	t.Helper()
	redisOpt, err := tasks.RedisOpt(env.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	q := asynqQueue{name: env.Prefix + "critical:" + uuid.NewString()[:8], redisOpt: redisOpt, insp: asynq.NewInspector(redisOpt)}
	client := asynq.NewClient(redisOpt)
	t.Cleanup(func() {
		_ = q.insp.DeleteQueue(q.name, true)
		_ = q.insp.Close()
		_ = client.Close()
	})
	f := newFixture(t, fixtureOpts{enqueuer: client, noKicker: o.noKicker, pusher: []channel.Option{channel.WithQueue(q.name),
		channel.WithPace(500 * time.Millisecond), channel.WithErrorBackoff(time.Second, 5*time.Minute)}})
	worker := asynq.NewServer(redisOpt, asynq.Config{Queues: map[string]int{q.name: 1}, Concurrency: 4,
		RetryDelayFunc: tasks.RetryDelay, LogLevel: asynq.FatalLevel,
		TaskCheckInterval: tasks.TaskCheckInterval, DelayedTaskCheckInterval: time.Second})
	push := f.pusher.PushHandler()
	if o.wrapPush != nil {
		push = o.wrapPush(push)
	}
	mux := asynq.NewServeMux()
	mux.Handle(channel.TaskPush, push)
	mux.Handle(channel.TaskReconcile, f.pusher.ReconcileHandler())
	if err := worker.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(worker.Shutdown)
	return f, q
}

// TestBurstOfOrdersCoalescesThroughAsynq runs the kicker, a real asynq client
// and a real worker on a queue of the test's own: a hundred concurrent orders
// on one SKU become a handful of pushes, and every listing ends at the right
// quantity, a failed call included.
func TestBurstOfOrdersCoalescesThroughAsynq(t *testing.T) {
	f, q := withWorker(t, workerOpts{})

	f.product("SKU-1", 1000)
	a, b := f.account(shop), f.account(flaky)
	la := f.listing(a, "A-1", "SKU-1")
	lb := f.listing(b, "B-1", "SKU-1")
	settled := func() bool {
		_, pa := f.check(f.shop, a, la)
		_, pb := f.check(f.flaky, b, lb)
		info, err := q.insp.GetQueueInfo(q.name)
		return pa == "" && pb == "" && err == nil && info.Size == 0
	}
	eventually(t, 20*time.Second, "the new listings are pushed", settled)
	f.shop.Reset()
	f.flaky.Reset()
	f.flaky.FailNext(1, nil)

	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.tryOrder(a, "A-1", 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	eventually(t, 30*time.Second, "the listings converge after the burst", settled)
	time.Sleep(1500 * time.Millisecond) // nothing more may follow
	if q := f.converged(f.shop, a, la); q != 900 {
		t.Fatalf("listing shows %d, want 900", q)
	}
	f.converged(f.flaky, b, lb)
	for _, l := range []struct {
		name    string
		calls   int
		updates []int
	}{{"shop", f.shop.PushCount(a), f.shop.Updates(la)}, {"flaky", f.flaky.PushCount(b), f.flaky.Updates(lb)}} {
		t.Logf("%s: %d calls for 100 orders: %v", l.name, l.calls, l.updates)
		if l.calls >= 15 {
			t.Errorf("%s: 100 orders cost %d calls, want fewer than 15", l.name, l.calls)
		}
		for i := 1; i < len(l.updates); i++ {
			if l.updates[i] > l.updates[i-1] {
				t.Errorf("%s: a stale quantity was sent after a newer one: %v", l.name, l.updates)
			}
		}
		if n := len(l.updates); n == 0 || l.updates[n-1] != 900 {
			t.Errorf("%s: last quantity sent is not 900: %v", l.name, l.updates)
		}
	}
	if p := f.flaky.Pushes(); len(p) < 2 || p[0].Err == nil {
		t.Errorf("the flaky channel's first call should have failed and been retried: %+v", p)
	}
}

// TestOrderAsAPushTaskEndsReachesTheChannel commits an order after a push
// task's handler has made its last look and before asynq has completed the
// task, so the order's push request finds the task's id still taken. With no
// reconciler running, the new quantity must still reach the channel, within
// a couple of seconds.
func TestOrderAsAPushTaskEndsReachesTheChannel(t *testing.T) {
	// afterPush, when set, runs once, after a push (not a follow-up) has
	// returned and before the worker completes its task.
	var afterPush atomic.Pointer[func()]
	f, q := withWorker(t, workerOpts{wrapPush: func(h asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
			err := h.ProcessTask(ctx, task)
			var pl channel.PushPayload
			if json.Unmarshal(task.Payload(), &pl) == nil && pl.FollowUp == 0 {
				if fn := afterPush.Swap(nil); fn != nil {
					(*fn)()
				}
			}
			return err
		})
	}})

	f.product("SKU-1", 30)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	eventually(t, 20*time.Second, "the new listing is pushed", func() bool {
		_, problem := f.check(f.shop, a, l)
		info, err := q.insp.GetQueueInfo(q.name)
		return problem == "" && err == nil && info.Size == 0
	})

	placed := make(chan time.Time, 1)
	order := func() {
		if err := f.tryOrder(a, "A-1", 1); err != nil {
			t.Error(err)
		}
		placed <- time.Now()
	}
	afterPush.Store(&order)
	f.adjust("SKU-1", 5) // a push of 35 follows, and the order as it ends
	var at time.Time
	select {
	case at = <-placed:
	case <-time.After(20 * time.Second):
		t.Fatal("no push task ran after the restock")
	}
	eventually(t, 5*time.Second, "the order placed as the push task ended reaches the channel", func() bool {
		_, problem := f.check(f.shop, a, l)
		return problem == ""
	})
	t.Logf("the channel showed the order %s after it was placed", time.Since(at).Round(10*time.Millisecond))
	if q := f.converged(f.shop, a, l); q != 34 {
		t.Fatalf("listing shows %d, want 34", q)
	}
	if got := f.shop.Updates(l); len(got) != 3 || got[0] != 30 || got[1] != 35 || got[2] != 34 {
		t.Fatalf("the listing was sent %v, want [30 35 34]", got)
	}
}

// TestScheduledReconcilerConvergesWithoutKicks runs the reconciler from a
// real scheduler: with no push ever enqueued on a stock change, listings
// still converge.
func TestScheduledReconcilerConvergesWithoutKicks(t *testing.T) {
	f, q := withWorker(t, workerOpts{noKicker: true})
	sched, err := tasks.NewScheduler(q.redisOpt, slog.New(slog.DiscardHandler),
		[]tasks.Periodic{channel.ReconcilePeriodic(q.name, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sched.Shutdown)

	f.product("SKU-1", 50)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	f.order(a, "A-1", 8)
	eventually(t, 20*time.Second, "the reconciler pushes the listing", func() bool {
		_, problem := f.check(f.shop, a, l)
		return problem == ""
	})
	if q := f.converged(f.shop, a, l); q != 42 {
		t.Fatalf("listing shows %d, want 42", q)
	}
}

// TestKillingTheWorkerMidPushConverges stops the worker while a push is in
// flight at a slow channel, takes more orders while no worker runs, then
// starts a new worker: every listing converges to the right quantity.
func TestKillingTheWorkerMidPushConverges(t *testing.T) {
	redisOpt, err := tasks.RedisOpt(env.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	qname := env.Prefix + "critical:" + uuid.NewString()[:8]
	insp := asynq.NewInspector(redisOpt)
	client := asynq.NewClient(redisOpt)
	t.Cleanup(func() {
		_ = insp.DeleteQueue(qname, true)
		_ = insp.Close()
		_ = client.Close()
	})
	f := newFixture(t, fixtureOpts{enqueuer: client, pusher: []channel.Option{channel.WithQueue(qname),
		channel.WithPace(100 * time.Millisecond), channel.WithErrorBackoff(time.Second, 5*time.Second)}})
	startWorker := func() *asynq.Server {
		w := asynq.NewServer(redisOpt, asynq.Config{Queues: map[string]int{qname: 1}, Concurrency: 2,
			RetryDelayFunc: tasks.RetryDelay, LogLevel: asynq.FatalLevel, ShutdownTimeout: 100 * time.Millisecond})
		mux := asynq.NewServeMux()
		mux.Handle(channel.TaskPush, f.pusher.PushHandler())
		mux.Handle(channel.TaskReconcile, f.pusher.ReconcileHandler())
		if err := w.Start(mux); err != nil {
			t.Fatal(err)
		}
		return w
	}

	f.product("SKU-K", 100)
	a := f.account(shop)
	l := f.listing(a, "A-K", "SKU-K")
	first := startWorker()
	eventually(t, 20*time.Second, "the new listing is pushed", func() bool { _, p := f.check(f.shop, a, l); return p == "" })

	// The channel now answers slowly: the next push is in flight when the
	// worker goes away.
	f.shop.SetDelay(3 * time.Second)
	calls := f.shop.PushCount(a)
	f.order(a, "A-K", 5)
	eventually(t, 10*time.Second, "a push is in flight", func() bool {
		info, err := insp.GetQueueInfo(qname)
		return err == nil && info.Active > 0
	})
	first.Shutdown()
	for range 3 {
		f.order(a, "A-K", 2)
	}
	f.shop.SetDelay(0)

	second := startWorker()
	t.Cleanup(second.Shutdown)
	sched, err := tasks.NewScheduler(redisOpt, slog.New(slog.DiscardHandler), []tasks.Periodic{channel.ReconcilePeriodic(qname, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sched.Shutdown)
	eventually(t, 30*time.Second, "the listing converges after the restart", func() bool { _, p := f.check(f.shop, a, l); return p == "" })
	if q := f.converged(f.shop, a, l); q != 89 {
		t.Fatalf("listing shows %d, want 89 (100 − 11 ordered)", q)
	}
	if f.shop.PushCount(a) <= calls {
		t.Fatal("no push reached the channel after the restart")
	}
	var orders int64
	if err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT count(*) FROM orders WHERE tenant_id = ?`, f.tenant).Scan(&orders).Error
	}); err != nil {
		t.Fatal(err)
	}
	if orders != 4 {
		t.Fatalf("%d orders after the restart, want exactly the 4 placed", orders)
	}
}
