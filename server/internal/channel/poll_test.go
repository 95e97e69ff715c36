package channel_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/shared/api"
)

func near(t *testing.T, what string, got *time.Time, want time.Time, within time.Duration) {
	t.Helper()
	if got == nil || got.Sub(want).Abs() > within {
		t.Fatalf("%s is %v, want %v (±%s)", what, got, want, within)
	}
}

// TestPollImportsOrdersAndAdvancesWatermark polls a channel serving orders
// over several pages, then polls again over an overlapping window.
func TestPollImportsOrdersAndAdvancesWatermark(t *testing.T) {
	x := newIntakeFixture(t)
	p1 := x.product("SKU-1", 10)
	x.product("SKU-2", 10)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.listing(id, "CH-1", "SKU-1")
	x.listing(id, "CH-2", "SKU-2")
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 2, 1000)))
	x.cx.put(id, channelOrder("PO-2", line("1", "CH-1", 1, 1000), line("2", "CH-2", 3, 500)))
	x.cx.put(id, channelOrder("PO-3", line("1", "CH-2", 1, 500)))
	pending := channelOrder("PO-4", line("1", "CH-1", 1, 1000))
	pending.Status = channel.OrderPending
	x.cx.put(id, pending)
	shipped := channelOrder("PO-5", line("1", "CH-1", 1, 1000))
	shipped.Status = channel.OrderShipped
	x.cx.put(id, shipped)
	until := time.Now().Add(-30 * time.Second).UTC().Truncate(time.Microsecond)
	x.cx.setUntil(until)

	res := x.poll(a)
	if res.Fetched != 5 || res.Created != 3 || res.Cancelled != 0 || !res.Watermark.Equal(until) {
		t.Fatalf("first poll: %+v", res)
	}
	if x.cx.pages != 3 {
		t.Fatalf("the channel served %d pages, want 3", x.cx.pages)
	}
	near(t, "first poll's since", ptr(x.cx.lastSince()), time.Now().Add(-7*24*time.Hour), time.Minute)
	got := x.ordersOf(x.tenant, a.ID)
	if len(got) != 3 || got["PO-1"].Status != api.StatusAllocated || got["PO-2"].Status != api.StatusAllocated {
		t.Fatalf("orders after the first poll (pending and already-shipped ones left out): %v", keys(got))
	}
	if x.allocated(p1) != 3 {
		t.Fatalf("SKU-1 allocated %d, want 3", x.allocated(p1))
	}
	acct := x.account(x.tenant, a.ID)
	if acct.PollWatermark == nil || !acct.PollWatermark.Equal(until) || acct.OrdersImported != 3 || acct.LastPollError != "" {
		t.Fatalf("account after the first poll: %+v", acct)
	}
	near(t, "last poll", acct.LastPollAt, time.Now(), 5*time.Second)
	near(t, "next poll", acct.NextPollAt, time.Now().Add(2*time.Minute), 5*time.Second)

	// The same orders again (the overlap), one changed, one new.
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 2, 1000)))
	x.cx.put(id, channelOrder("PO-6", line("1", "CH-1", 1, 1000)))
	until2 := until.Add(time.Minute)
	x.cx.setUntil(until2)
	res = x.poll(a)
	if !x.cx.lastSince().Equal(until.Add(-10 * time.Minute)) {
		t.Fatalf("second poll from %v, want the watermark less 10 minutes (%v)", x.cx.lastSince(), until.Add(-10*time.Minute))
	}
	if res.Created != 1 || !res.Watermark.Equal(until2) {
		t.Fatalf("second poll: %+v", res)
	}
	if got := x.ordersOf(x.tenant, a.ID); len(got) != 4 {
		t.Fatalf("%d orders after the overlapping poll, want 4", len(got))
	}
	if x.allocated(p1) != 4 {
		t.Fatalf("SKU-1 allocated %d after the overlapping poll, want 4", x.allocated(p1))
	}
	if acct := x.account(x.tenant, a.ID); acct.OrdersImported != 4 || !acct.PollWatermark.Equal(until2) {
		t.Fatalf("account after the second poll: %+v", acct)
	}
	// A poll answering with an older watermark does not move it back.
	x.cx.setUntil(until)
	x.poll(a)
	if acct := x.account(x.tenant, a.ID); !acct.PollWatermark.Equal(until2) {
		t.Fatalf("watermark moved back to %v", acct.PollWatermark)
	}
	for _, ext := range []string{"PO-1", "PO-2", "PO-3", "PO-6"} {
		if n := x.cx.acks(ext); n != 1 {
			t.Errorf("order %s acknowledged %d times, want once", ext, n)
		}
	}
	if x.cx.acks("PO-4")+x.cx.acks("PO-5") != 0 {
		t.Error("orders not taken in were acknowledged")
	}
}

func ptr[T any](v T) *T { return &v }

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPollUnmappedSKUIsHeldForReview: an order with a SKU no listing maps is
// taken in on hold and its SKU waits in the mapping review queue.
func TestPollUnmappedSKUIsHeldForReview(t *testing.T) {
	x := newIntakeFixture(t)
	p := x.product("SKU-1", 10)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.listing(id, "CH-1", "SKU-1")
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 1, 1000), line("2", "CH-NEW", 2, 700)))
	if res := x.poll(a); res.Created != 1 {
		t.Fatalf("poll: %+v", res)
	}
	o := x.ordersOf(x.tenant, a.ID)["PO-1"]
	if o.Status != api.StatusOnHold || o.HoldReason != api.HoldUnmapped || !strings.Contains(o.HoldDetail, "CH-NEW") {
		t.Fatalf("order: %s %s %q", o.Status, o.HoldReason, o.HoldDetail)
	}
	m, err := x.orders.Mappings(x.ctx, x.tenant)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range m.Unmapped {
		found = found || (u.ChannelSKU == "CH-NEW" && u.ChannelAccountID == a.ID && u.HeldOrders == 1)
	}
	if !found {
		t.Fatalf("CH-NEW is not in the review queue: %+v", m.Unmapped)
	}
	if x.allocated(p) != 0 {
		t.Fatal("a held order allocated stock")
	}
	if x.cx.acks("PO-1") != 1 {
		t.Fatal("a held order is still received: it must be acknowledged")
	}
}

// TestPollChannelCancellation: an order cancelled on the channel cancels the
// Manifold order and releases its stock; one cancelled before it was ever
// taken in is left out; a ready order whose every line was cancelled is a
// cancellation.
func TestPollChannelCancellation(t *testing.T) {
	x := newIntakeFixture(t)
	p := x.product("SKU-1", 10)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.listing(id, "CH-1", "SKU-1")
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 2, 1000)))
	x.cx.put(id, channelOrder("PO-2", line("1", "CH-1", 3, 1000)))
	x.poll(a)
	if x.allocated(p) != 5 {
		t.Fatalf("allocated %d, want 5", x.allocated(p))
	}

	c1 := channelOrder("PO-1", line("1", "CH-1", 2, 1000))
	c1.Status = channel.OrderCancelled
	x.cx.put(id, c1)
	c2 := channelOrder("PO-2", channel.Line{ChannelLineID: "1", ChannelSKU: "CH-1", Quantity: 3, Cancelled: true})
	x.cx.put(id, c2)
	never := channelOrder("PO-3", line("1", "CH-1", 1, 1000))
	never.Status = channel.OrderCancelled
	x.cx.put(id, never)
	res := x.poll(a)
	if res.Cancelled != 2 || res.Created != 0 {
		t.Fatalf("poll: %+v", res)
	}
	got := x.ordersOf(x.tenant, a.ID)
	if len(got) != 2 || got["PO-1"].Status != api.StatusCancelled || got["PO-2"].Status != api.StatusCancelled {
		t.Fatalf("orders: %+v", got)
	}
	if x.allocated(p) != 0 {
		t.Fatalf("allocated %d after the cancellations, want 0", x.allocated(p))
	}
	// Seen again in the overlap: nothing more happens.
	if res := x.poll(a); res.Cancelled != 0 {
		t.Fatalf("the cancellation was applied twice: %+v", res)
	}
	if acct := x.account(x.tenant, a.ID); acct.LastPollError != "" {
		t.Fatalf("last poll error: %q", acct.LastPollError)
	}
}

// TestPollThrottledPostponesNextPoll: a throttled poll waits as long as the
// channel asked and leaves the watermark.
func TestPollThrottledPostponesNextPoll(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	x.cx.failFetch(&channel.Throttled{RetryAfter: 17 * time.Minute, Message: "QuotaExceeded"})
	_, err := x.poller.PollAccount(x.ctx, x.tenant, uuid.MustParse(a.ID))
	var th *channel.Throttled
	if !errors.As(err, &th) {
		t.Fatalf("poll: %v, want the throttle", err)
	}
	acct := x.account(x.tenant, a.ID)
	near(t, "next poll", acct.NextPollAt, time.Now().Add(17*time.Minute), 5*time.Second)
	if acct.PollWatermark != nil || !strings.Contains(acct.LastPollError, "QuotaExceeded") {
		t.Fatalf("account: %+v", acct)
	}
}

// TestPollFailureKeepsWatermark: a failed poll records the channel's words
// and leaves the watermark; the next good poll clears the error.
func TestPollFailureKeepsWatermark(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	until := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	x.cx.setUntil(until)
	x.poll(a)

	x.cx.setUntil(time.Now().UTC())
	x.cx.failFetch(errors.New("GET /orders: 503 Service Unavailable: upstream connect error"))
	if _, err := x.poller.PollAccount(x.ctx, x.tenant, id); err == nil {
		t.Fatal("the poll did not fail")
	}
	acct := x.account(x.tenant, a.ID)
	if acct.LastPollError != "GET /orders: 503 Service Unavailable: upstream connect error" || !acct.PollWatermark.Equal(until) {
		t.Fatalf("after the failure: error %q, watermark %v (want %v)", acct.LastPollError, acct.PollWatermark, until)
	}
	near(t, "next poll", acct.NextPollAt, time.Now().Add(2*time.Minute), 5*time.Second)

	x.poll(a)
	if acct := x.account(x.tenant, a.ID); acct.LastPollError != "" || !acct.PollWatermark.After(until) {
		t.Fatalf("after recovery: %+v", acct)
	}
}

// TestAcknowledgementOncePerOrder: every new order is acknowledged once; a
// failed acknowledgement is sent again by the next poll, and only it; a
// refused one is not sent again.
func TestAcknowledgementOncePerOrder(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	for _, ext := range []string{"PO-1", "PO-2", "PO-3"} {
		x.cx.put(id, channelOrder(ext, line("1", "CH-1", 1, 100)))
	}
	// Owed acknowledgements go oldest first, in id order within a poll.
	x.cx.failAck(errors.New("POST /acknowledge: 502 Bad Gateway"), nil,
		&channel.Rejection{Status: 400, Code: "INVALID_REQUEST", Message: "PO-3 cannot be acknowledged"})
	x.poll(a)
	if x.cx.acks("PO-1") != 1 || x.cx.acks("PO-2") != 1 || x.cx.acks("PO-3") != 1 {
		t.Fatalf("first poll acknowledged %v", x.cx.ackCalls)
	}
	if acct := x.account(x.tenant, a.ID); !strings.Contains(acct.LastPollError, "502 Bad Gateway") {
		t.Fatalf("the failed acknowledgement is not reported: %q", acct.LastPollError)
	}
	x.poll(a)
	x.poll(a)
	if x.cx.acks("PO-1") != 2 || x.cx.acks("PO-2") != 1 || x.cx.acks("PO-3") != 1 {
		t.Fatalf("after two more polls: %v (want PO-1 retried once, the others left alone)", x.cx.ackCalls)
	}
	type ackRow struct {
		ExternalOrderID string
		State           string
		Attempts        int
		LastError       string
	}
	var rows []ackRow
	if err := x.db.Tenant(x.ctx, x.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT external_order_id, state, attempts, last_error FROM channel_order_acks
			WHERE tenant_id = ? AND channel_account_id = ? ORDER BY external_order_id`, x.tenant, id).Scan(&rows).Error
	}); err != nil {
		t.Fatal(err)
	}
	want := []ackRow{{"PO-1", "acknowledged", 2, ""}, {"PO-2", "acknowledged", 1, ""},
		{"PO-3", "rejected", 1, "INVALID_REQUEST: PO-3 cannot be acknowledged"}}
	if len(rows) != 3 || rows[0] != want[0] || rows[1] != want[1] || rows[2] != want[2] {
		t.Fatalf("acknowledgements: %+v, want %+v", rows, want)
	}
}

// TestAcknowledgementOwedWhenTheProcessStopped: an order committed without
// its acknowledgement being sent (the process stopped in between) is
// acknowledged by the next poll.
func TestAcknowledgementOwedWhenTheProcessStopped(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	x.cx.put(id, channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	x.poll(a)
	x.exec(`UPDATE channel_order_acks SET state = 'pending', attempts = 0 WHERE tenant_id = ?`, x.tenant)
	x.exec(`INSERT INTO channel_order_acks (tenant_id, channel_account_id, external_order_id, created_at)
		VALUES (?, ?, 'PO-NEVER-CREATED', now() - interval '2 days')`, x.tenant, id)
	x.poll(a)
	if x.cx.acks("PO-1") != 2 || x.cx.acks("PO-NEVER-CREATED") != 0 {
		t.Fatalf("acknowledgements: %v", x.cx.ackCalls)
	}
	if n := x.count(x.tenant, `SELECT count(*) AS n FROM channel_order_acks WHERE tenant_id = ?`, x.tenant); n != 1 {
		t.Fatalf("%d acknowledgement rows, want the orphan dropped", n)
	}
}

// TestPollDueEnqueuesOnlyDueAccounts runs the scheduler's pass.
func TestPollDueEnqueuesOnlyDueAccounts(t *testing.T) {
	x := newIntakeFixture(t)
	due, later, off := x.connect(x.tenant), x.connect(x.tenant), x.connect(x.tenant)
	other := x.newTenant()
	dueElsewhere := x.connect(other)
	x.exec(`UPDATE channel_accounts SET next_poll_at = now() - interval '10 years' WHERE tenant_id = ? AND id IN ?`,
		x.tenant, []uuid.UUID{uuid.MustParse(due.ID), uuid.MustParse(off.ID)})
	x.exec(`UPDATE channel_accounts SET next_poll_at = now() + interval '1 hour' WHERE tenant_id = ? AND id = ?`, x.tenant, uuid.MustParse(later.ID))
	x.setEnabled(uuid.MustParse(off.ID), false)
	if err := x.db.Tenant(x.ctx, other, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE channel_accounts SET next_poll_at = now() - interval '10 years' WHERE tenant_id = ? AND id = ?`,
			other, uuid.MustParse(dueElsewhere.ID)).Error
	}); err != nil {
		t.Fatal(err)
	}

	queued := func() map[string]int {
		out := map[string]int{}
		for _, j := range x.jobs.tasks(channel.TaskPoll) {
			var pl channel.PollPayload
			if err := json.Unmarshal(j.task.Payload(), &pl); err != nil {
				t.Fatal(err)
			}
			out[pl.AccountID.String()]++
		}
		return out
	}
	for range 3 {
		if _, err := x.poller.EnqueueDue(x.ctx); err != nil {
			t.Fatal(err)
		}
	}
	q := queued()
	if q[due.ID] != 1 || q[dueElsewhere.ID] != 1 || q[later.ID] != 0 || q[off.ID] != 0 {
		t.Fatalf("queued polls: %v; want one of %s and %s only", q, due.ID, dueElsewhere.ID)
	}
	// Once polled, an account is not due until its interval has passed.
	x.jobs.clear()
	if _, err := x.poller.PollAccount(x.ctx, x.tenant, uuid.MustParse(due.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := x.poller.EnqueueDue(x.ctx); err != nil {
		t.Fatal(err)
	}
	if q := queued(); q[due.ID] != 0 {
		t.Fatalf("a freshly polled account was enqueued again: %v", q)
	}
}

// TestPollTask runs the poll task through its handler: a poll; an account
// that does not exist; a kind with no order connector.
func TestPollTask(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	x.cx.put(uuid.MustParse(a.ID), channelOrder("PO-1", line("1", "CH-1", 1, 100)))
	h := x.poller.PollHandler()
	if err := h.ProcessTask(x.ctx, channel.PollTask(x.tenant, uuid.MustParse(a.ID))); err != nil {
		t.Fatal(err)
	}
	if len(x.ordersOf(x.tenant, a.ID)) != 1 {
		t.Fatal("the poll task took nothing in")
	}
	// Another tenant's account is not found in this tenant.
	if err := h.ProcessTask(x.ctx, channel.PollTask(x.newTenant(), uuid.MustParse(a.ID))); !isSkipRetry(err) {
		t.Fatalf("poll of an account of another tenant: %v, want SkipRetry", err)
	}
	stock := x.connectKind(x.tenant, shop)
	if err := h.ProcessTask(x.ctx, channel.PollTask(x.tenant, uuid.MustParse(stock.ID))); !isRevoked(err) {
		t.Fatalf("poll of a stock-only channel: %v, want the task revoked", err)
	}
	acct := x.account(x.tenant, stock.ID)
	near(t, "next poll of a kind without connector", acct.NextPollAt, time.Now().Add(time.Hour), 5*time.Second)
	if !strings.Contains(acct.LastPollError, "no order connector") {
		t.Fatalf("last poll error %q", acct.LastPollError)
	}
	x.cx.failFetch(errors.New("boom"))
	if err := h.ProcessTask(x.ctx, channel.PollTask(x.tenant, uuid.MustParse(a.ID))); !isRevoked(err) {
		t.Fatalf("failed poll: %v, want the task revoked (the scheduler polls again)", err)
	}
	x.setEnabled(uuid.MustParse(a.ID), false)
	if err := h.ProcessTask(x.ctx, channel.PollTask(x.tenant, uuid.MustParse(a.ID))); err != nil {
		t.Fatalf("poll of a disabled account: %v", err)
	}
}

// TestPollUnopenableCredentials: credentials sealed under another key are
// reported on the account, which is not polled again before the interval.
func TestPollUnopenableCredentials(t *testing.T) {
	x := newIntakeFixture(t)
	master, err := secrets.ParseMasterKey(secrets.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	otherKeys, err := secrets.NewKeyring(master)
	if err != nil {
		t.Fatal(err)
	}
	a, err := channel.NewAccounts(x.db, otherKeys, x.reg, nil).Create(x.ctx, x.tenant, api.CreateChannelAccountRequest{
		Kind: scriptedKind, Name: "sealed elsewhere", Credentials: map[string]string{"api_key": "k"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.poller.PollAccount(x.ctx, x.tenant, uuid.MustParse(a.ID)); err == nil {
		t.Fatal("a poll with credentials that cannot be opened succeeded")
	}
	acct := x.account(x.tenant, a.ID)
	if !strings.Contains(acct.LastPollError, "credentials") || acct.PollWatermark != nil {
		t.Fatalf("account: %+v", acct)
	}
	near(t, "next poll", acct.NextPollAt, time.Now().Add(time.Minute), 5*time.Second)
}
