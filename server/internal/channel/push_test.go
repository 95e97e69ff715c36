package channel_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/fake"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestOrderConvergesEveryListingOfTheSKU(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-4412", 20)
	f.product("SKU-7801", 5)
	a, b, c := f.account(shop), f.account(shop), f.account(flaky)
	la := f.listing(a, "A-4412", "SKU-4412")
	lb := f.listing(b, "B-4412", "SKU-4412")
	lc := f.listing(c, "C-4412", "SKU-4412")
	other := f.listing(a, "A-7801", "SKU-7801")
	f.drainOK()
	if q := f.converged(f.shop, a, la); q != 20 {
		t.Fatalf("listing shows %d before any order, want 20", q)
	}
	f.converged(f.shop, a, other)
	f.shop.Reset()
	f.flaky.Reset()

	f.order(b, "B-4412", 3)
	queued := f.q.accounts(t)
	if len(queued) != 3 {
		t.Fatalf("an order on SKU-4412 queued pushes for %v, want the three accounts listing it", queued)
	}
	f.drainOK()
	for _, l := range []struct {
		ch      *fake.Channel
		account uuid.UUID
		listing uuid.UUID
	}{{f.shop, a, la}, {f.shop, b, lb}, {f.flaky, c, lc}} {
		if q := f.converged(l.ch, l.account, l.listing); q != 17 {
			t.Fatalf("listing %s shows %d, want 17", l.listing, q)
		}
	}
	if got := f.shop.Updates(other); len(got) != 0 {
		t.Fatalf("the unchanged SKU-7801 listing was sent %v", got)
	}

	// A channel buffer changes one account's quantity only.
	if _, err := f.inv.PutPolicies(f.ctx, f.tenant, "test", api.AllocationPolicies{Default: api.AllocationPolicy{
		Strategy: api.StrategySharedPool, Channels: map[string]api.ChannelRule{b.String(): {BufferUnits: 2}}}}); err != nil {
		t.Fatal(err)
	}
	f.shop.Reset()
	f.flaky.Reset()
	f.drainOK()
	if q := f.converged(f.shop, b, lb); q != 15 {
		t.Fatalf("buffered listing shows %d, want 15", q)
	}
	f.converged(f.shop, a, la)
	f.converged(f.flaky, c, lc)
	if got := f.shop.Updates(lb); len(got) != 1 || got[0] != 15 {
		t.Fatalf("buffered listing was sent %v, want [15]", got)
	}
	if n := f.shop.PushCount(uuid.Nil) + f.flaky.PushCount(uuid.Nil); n != 1 {
		t.Fatalf("the policy change cost %d calls, want 1: only the buffered listing changed", n)
	}
}

func TestRepeatedAndStaleTasksSendNothing(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 10)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	f.drainOK()
	f.order(a, "A-1", 2)
	f.drainOK()
	f.converged(f.shop, a, l)
	calls := f.shop.PushCount(a)

	for range 3 {
		if err := f.run(f.tenant, a); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.shop.PushCount(a); n != calls {
		t.Fatalf("running the push again made %d more calls", n-calls)
	}
	// A restock followed by an equal adjustment down leaves the quantity as
	// pushed: only the version moves, and nothing is sent.
	f.adjust("SKU-1", 4)
	f.adjust("SKU-1", -4)
	f.drainOK()
	f.converged(f.shop, a, l)
	if n := f.shop.PushCount(a); n != calls {
		t.Fatalf("an unchanged quantity at a new version was sent (%d calls)", n-calls)
	}
	if got := f.shop.Updates(l); len(got) != 2 || got[0] != 10 || got[1] != 8 {
		t.Fatalf("the listing was sent %v, want [10 8]", got)
	}
}

func TestStockChangedDuringAPushIsSentInTheSameRun(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 20)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	var once sync.Once
	f.shop.OnPush(func(fake.Push) {
		// The order's own push request is absorbed by the running task.
		once.Do(func() { f.order(a, "A-1", 1) })
	})
	qt, ok := f.q.take()
	if !ok {
		t.Fatal("mapping the SKU queued no push")
	}
	res, err := f.pusher.Converge(f.ctx, f.tenant, a)
	f.q.release(qt.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.q.accounts(t)) != 0 {
		t.Fatal("the order queued a second task while the push was running")
	}
	if got := f.shop.Updates(l); len(got) != 2 || got[0] != 20 || got[1] != 19 {
		t.Fatalf("the listing was sent %v, want [20 19]", got)
	}
	if res.Rounds != 3 || res.Calls != 2 || res.Accepted != 2 {
		t.Fatalf("result %+v, want 3 rounds, 2 calls", res)
	}
	f.converged(f.shop, a, l)
}

// TestStockChangedAfterTheLastLookIsPushed commits an order after a push
// task's last look, while the queue still holds the task's id (asynq lets go
// of it only once the handler has returned). The order's push request finds
// the task there; the worker alone, without the reconciler, must still bring
// the new quantity to the channel.
func TestStockChangedAfterTheLastLookIsPushed(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 20)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	qt, ok := f.q.take()
	if !ok {
		t.Fatal("mapping the SKU queued no push")
	}
	if err := f.pusher.PushHandler().ProcessTask(f.ctx, qt.task); err != nil {
		t.Fatal(err)
	}
	f.order(a, "A-1", 1)
	f.q.release(qt.id)
	f.drainOK()
	if q := f.converged(f.shop, a, l); q != 19 {
		t.Fatalf("listing shows %d, want 19", q)
	}
	if got := f.shop.Updates(l); len(got) != 2 || got[0] != 20 || got[1] != 19 {
		t.Fatalf("the listing was sent %v, want [20 19]", got)
	}
}

// TestStockChangedDuringTheLastLookIsSentInTheSameRun commits an order right
// after the look that finds nothing more to send: the run takes the order's
// push request and looks again instead of ending.
func TestStockChangedDuringTheLastLookIsSentInTheSameRun(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 20)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	looks := 0
	channel.SetAfterLook(f.pusher, func() {
		if looks++; looks == 2 {
			f.order(a, "A-1", 1)
		}
	})
	qt, ok := f.q.take()
	if !ok {
		t.Fatal("mapping the SKU queued no push")
	}
	res, err := f.pusher.Converge(f.ctx, f.tenant, a)
	f.q.release(qt.id)
	if err != nil {
		t.Fatal(err)
	}
	if q := f.q.accounts(t); len(q) != 0 {
		t.Fatalf("the order queued %v while the run could still take it", q)
	}
	if got := f.shop.Updates(l); len(got) != 2 || got[0] != 20 || got[1] != 19 {
		t.Fatalf("the listing was sent %v, want [20 19]", got)
	}
	if res.Rounds != 4 || res.Calls != 2 || res.Accepted != 2 {
		t.Fatalf("result %+v, want 4 rounds, 2 calls", res)
	}
	f.converged(f.shop, a, l)
}

// TestFollowUpsAreDueAtWholeSecondsAfterTheirRequest checks the schedule the
// follow-ups' correctness rests on: asynq keeps a scheduled task's time in
// whole seconds, and a follow-up shared by several requests must be due after
// every one of them, by a margin.
func TestFollowUpsAreDueAtWholeSecondsAfterTheirRequest(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, off := range []time.Duration{0, time.Millisecond, 799 * time.Millisecond, 800 * time.Millisecond, 999 * time.Millisecond} {
		now := base.Add(off)
		at := channel.FollowUpAt(now, 1)
		if at.Nanosecond() != 0 || at.Sub(now) <= channel.FollowUpMargin || at.Sub(now) > channel.FollowUpMargin+time.Second {
			t.Errorf("requested at %s, the follow-up is due at %s", now.Format("15:04:05.000"), at.Format("15:04:05.000"))
		}
	}
	var waits []time.Duration
	for n := 1; n <= 9; n++ {
		waits = append(waits, channel.FollowUpAt(base, n).Sub(base))
	}
	want := []time.Duration{1, 2, 3, 5, 9, 17, 31, 31, 31}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("the chain's follow-ups wait %v, want %v seconds", waits, want)
		}
	}
}

func TestUpdatesAreSentInBatches(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.shop.SetMaxBatch(2)
	a := f.account(shop)
	var listings []uuid.UUID
	for i := range 5 {
		sku := "SKU-" + string(rune('A'+i))
		f.product(sku, 10+i)
		listings = append(listings, f.listing(a, "CH-"+sku, sku))
	}
	f.q.clear()
	res, err := f.pusher.Converge(f.ctx, f.tenant, a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 3 || res.Accepted != 5 {
		t.Fatalf("result %+v, want 5 updates in 3 calls", res)
	}
	for _, p := range f.shop.Pushes() {
		if len(p.Updates) > 2 {
			t.Fatalf("a call carried %d updates", len(p.Updates))
		}
	}
	for _, l := range listings {
		f.converged(f.shop, a, l)
	}
}

func TestFailingChannelRecordsTheErrorAndRecovers(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 30)
	down, up := f.account(flaky), f.account(shop)
	ld := f.listing(down, "D-1", "SKU-1")
	lu := f.listing(up, "U-1", "SKU-1")
	f.drainOK()

	f.flaky.FailNext(2, nil)
	f.order(up, "U-1", 4)
	errs := f.drain()
	if len(errs) != 1 || !errors.Is(errs[0], fake.ErrUnavailable) || errors.Is(errs[0], asynq.SkipRetry) {
		t.Fatalf("push task errors %v, want one retryable failure of the flaky account", errs)
	}
	s := f.state(ld)
	if s.PushedQty == nil || *s.PushedQty != 30 || !strings.Contains(s.LastError, "503") || s.PushAttempts != 1 || *s.DesiredQty != 26 {
		t.Fatalf("failed listing: %s; want pushed 30, desired 26, the error and one attempt", s)
	}
	f.converged(f.shop, up, lu) // the other account is unaffected

	// The reconciler finds the failed listing; the retry fails once more.
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("reconcile queued %d accounts (%v), want the failed one", n, err)
	}
	if errs := f.drain(); len(errs) != 1 {
		t.Fatalf("second attempt: %v", errs)
	}
	if s := f.state(ld); s.PushAttempts != 2 {
		t.Fatalf("after two failures: %s", s)
	}
	// The channel is back: the next reconcile converges it.
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("reconcile queued %d accounts (%v)", n, err)
	}
	f.drainOK()
	f.converged(f.flaky, down, ld)
	if s := f.state(ld); s.PushAttempts != 0 {
		t.Fatalf("attempts not reset after success: %s", s)
	}
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 0 {
		t.Fatalf("reconcile queued %d accounts (%v) with everything converged", n, err)
	}
}

func TestRejectedListingDoesNotHoldBackTheOthers(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 10)
	f.product("SKU-2", 10)
	a := f.account(shop)
	bad := f.listing(a, "A-1", "SKU-1")
	good := f.listing(a, "A-2", "SKU-2")
	f.shop.Reject("A-1", "listing is suppressed: missing main image")
	if errs := f.drain(); len(errs) != 0 {
		t.Fatalf("a rejection failed the task: %v", errs)
	}
	f.converged(f.shop, a, good)
	s := f.state(bad)
	if s.PushedQty != nil || s.LastError != "listing is suppressed: missing main image" || s.PushAttempts != 1 {
		t.Fatalf("rejected listing: %s", s)
	}
	if got := f.shop.Updates(bad); len(got) != 1 {
		t.Fatalf("the rejected listing was sent %d times in one run, want once", len(got))
	}
	f.shop.Accept("A-1")
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("reconcile queued %d accounts (%v)", n, err)
	}
	f.drainOK()
	f.converged(f.shop, a, bad)
}

func TestFailedListingWaitsForItsBackoff(t *testing.T) {
	f := newFixture(t, fixtureOpts{pusher: []channel.Option{channel.WithErrorBackoff(time.Hour, time.Hour)}})
	f.product("SKU-1", 10)
	f.product("SKU-2", 10)
	a := f.account(shop)
	bad := f.listing(a, "A-1", "SKU-1")
	good := f.listing(a, "A-2", "SKU-2")
	f.shop.Reject("A-1", "invalid SKU")
	f.drainOK()
	f.shop.Accept("A-1")
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 0 {
		t.Fatalf("reconcile queued %d accounts (%v) for a listing in backoff", n, err)
	}
	f.order(a, "A-1", 1)
	f.order(a, "A-2", 1)
	f.drainOK()
	if got := f.shop.Updates(bad); len(got) != 1 {
		t.Fatalf("the listing in backoff was sent %v", got)
	}
	f.converged(f.shop, a, good)
	// Once the backoff is over (moved into the past here), it is sent.
	f.exec(`UPDATE channel_listings SET last_error_at = now() - interval '2 hours' WHERE tenant_id = ? AND id = ?`, f.tenant, bad)
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("reconcile queued %d accounts (%v) after the backoff", n, err)
	}
	f.drainOK()
	f.converged(f.shop, a, bad)
}

func TestReconcilerPushesWhatNoTaskAnnounced(t *testing.T) {
	f := newFixture(t, fixtureOpts{noKicker: true})
	f.product("SKU-1", 12)
	a, b := f.account(shop), f.account(flaky)
	la := f.listing(a, "A-1", "SKU-1")
	lb := f.listing(b, "B-1", "SKU-1")
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 2 {
		t.Fatalf("reconcile queued %d accounts (%v), want the 2 never pushed", n, err)
	}
	f.drainOK()
	f.converged(f.shop, a, la)
	f.converged(f.flaky, b, lb)

	f.order(a, "A-1", 5)
	if q := f.q.accounts(t); len(q) != 0 {
		t.Fatalf("queued %v without a kicker", q)
	}
	if s := f.state(la); s.PushedVersion == s.StockVersion {
		t.Fatalf("listing looks current without a push: %s", s)
	}
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 2 {
		t.Fatalf("reconcile queued %d accounts (%v), want both", n, err)
	}
	f.q.clear() // Redis lost the jobs: the next pass queues them again
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 2 {
		t.Fatalf("reconcile queued %d accounts (%v) after the queue was lost", n, err)
	}
	f.drainOK()
	if q := f.converged(f.shop, a, la); q != 7 {
		t.Fatalf("listing shows %d, want 7", q)
	}
	f.converged(f.flaky, b, lb)

	// The periodic task visits every tenant, this one included.
	f.order(b, "B-1", 1)
	if err := f.pusher.ReconcileHandler().ProcessTask(f.ctx, channel.ReconcileTask()); err != nil {
		t.Fatal(err)
	}
	mine := 0
	for _, acc := range f.q.accounts(t) {
		if acc == a || acc == b {
			mine++
		}
	}
	if mine != 2 {
		t.Fatalf("the periodic reconcile queued %d of this tenant's accounts, want 2", mine)
	}
}

func TestDisabledAccountsAndUnknownKindsPushNothing(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 8)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	f.q.clear()
	f.setEnabled(a, false)
	f.order(a, "A-1", 1)
	if q := f.q.accounts(t); len(q) != 0 {
		t.Fatalf("a disabled account was queued: %v", q)
	}
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 0 {
		t.Fatalf("reconcile queued %d disabled accounts (%v)", n, err)
	}
	if err := f.run(f.tenant, a); err != nil {
		t.Fatal(err)
	}
	if n := f.shop.PushCount(a); n != 0 {
		t.Fatalf("a disabled account got %d calls", n)
	}
	if s := f.state(l); s.DesiredQty == nil || *s.DesiredQty != 7 || s.PushedQty != nil {
		t.Fatalf("disabled account's listing: %s; want desired 7 recorded, nothing pushed", s)
	}
	f.setEnabled(a, true)
	if n, err := f.pusher.ReconcileTenant(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("reconcile queued %d accounts (%v) once enabled", n, err)
	}
	f.drainOK()
	f.converged(f.shop, a, l)

	ghost := f.account("ghostshop")
	f.listing(ghost, "G-1", "SKU-1")
	if q := f.q.accounts(t); len(q) != 1 || q[0] != a {
		t.Fatalf("queued %v; an account without a connector must not be queued", q)
	}
	if err := f.run(f.tenant, ghost); !errors.Is(err, asynq.SkipRetry) || !errors.Is(err, channel.ErrNoConnector) {
		t.Fatalf("push of an account without a connector: %v, want SkipRetry", err)
	}
}

func TestPayloadTenantIsRespected(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 8)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	f.q.clear()
	before := f.state(l)
	other := f.newTenant()
	accountIn(t, f.db, other, shop)

	err := f.run(other, a)
	if !errors.Is(err, asynq.SkipRetry) || !errors.Is(err, channel.ErrAccountNotFound) {
		t.Fatalf("a payload naming another tenant's account: %v, want SkipRetry", err)
	}
	if n := f.shop.PushCount(uuid.Nil); n != 0 {
		t.Fatalf("%d calls for a payload of the wrong tenant", n)
	}
	if after := f.state(l); after.String() != before.String() {
		t.Fatalf("the listing changed: %s → %s", before, after)
	}
	if n, err := f.pusher.ReconcileTenant(f.ctx, other); err != nil || n != 0 {
		t.Fatalf("reconciling the other tenant queued %d accounts (%v)", n, err)
	}
	if _, err := f.pusher.Listings(f.ctx, other, channel.ListingFilter{AccountID: a}); err == nil {
		t.Fatal("the other tenant sees the account")
	}
	for _, payload := range []string{`{`, `{}`, `{"tenant_id":"` + f.tenant.String() + `"}`} {
		err := f.pusher.PushHandler().ProcessTask(f.ctx, asynq.NewTask(channel.TaskPush, []byte(payload)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("payload %s: %v, want SkipRetry", payload, err)
		}
	}
}

func TestReadBackCorrectsAnEditOnTheChannel(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 9)
	a := f.account(shop)
	l := f.listing(a, "A-1", "SKU-1")
	f.drainOK()
	f.shop.SetShown(a, l, 99) // a seller typed 99 on the marketplace

	drifted, ok, err := f.pusher.ReadBack(f.ctx, f.tenant, a)
	if err != nil || !ok || drifted != 1 {
		t.Fatalf("read back: drifted %d, ok %v, err %v", drifted, ok, err)
	}
	if s := f.state(l); s.ReadbackQty == nil || *s.ReadbackQty != 99 {
		t.Fatalf("read back not recorded: %+v", s)
	}
	f.drainOK()
	f.converged(f.shop, a, l)
	if drifted, _, err := f.pusher.ReadBack(f.ctx, f.tenant, a); err != nil || drifted != 0 {
		t.Fatalf("second read back: drifted %d, err %v", drifted, err)
	}

	f.shop.DisableReadBack()
	if _, ok, err := f.pusher.ReadBack(f.ctx, f.tenant, a); err != nil || ok {
		t.Fatalf("read back on a channel without it: ok %v, err %v", ok, err)
	}
}

func TestKickerQueuesOnlyAccountsListingTheProducts(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 5)
	f.product("SKU-2", 5)
	a, b := f.account(shop), f.account(flaky)
	f.listing(a, "A-1", "SKU-1")
	f.listing(b, "B-2", "SKU-2")
	f.drainOK()
	f.adjust("SKU-2", 1)
	if q := f.q.accounts(t); len(q) != 1 || q[0] != b {
		t.Fatalf("a restock of SKU-2 queued %v, want only %s", q, b)
	}
	f.drainOK()
	// A change naming very many products (a policy change) queues every
	// account with listings.
	many := make([]uuid.UUID, 600)
	for i := range many {
		many[i] = uuid.New()
	}
	f.pusher.StockChanged(f.ctx, f.tenant, inventory.Change{Products: many})
	if q := f.q.accounts(t); len(q) != 2 {
		t.Fatalf("a change of 600 products queued %v, want both accounts", q)
	}
}
