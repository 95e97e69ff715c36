package channel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/fake"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
)

// Connector kinds the fixture registers, each with its own fake.
const (
	shop  = "fakeshop"
	flaky = "flakyshop"
)

// queue is an Enqueuer that keeps tasks in memory and, like asynq, refuses a
// task whose TaskID is queued or running. Tests run the tasks with drain,
// which stands in for the worker; the end-to-end test uses real asynq.
type queue struct {
	mu      sync.Mutex
	pending []queued
	held    map[string]bool
	total   int
}

type queued struct {
	id   string
	task *asynq.Task
}

func newQueue() *queue { return &queue{held: map[string]bool{}} }

func (q *queue) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	id := uuid.NewString()
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			id = o.Value().(string)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.held[id] {
		return nil, asynq.ErrTaskIDConflict
	}
	q.held[id] = true
	q.pending = append(q.pending, queued{id: id, task: t})
	q.total++
	return &asynq.TaskInfo{ID: id}, nil
}

// take removes the first task; its id stays held until release.
func (q *queue) take() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return queued{}, false
	}
	t := q.pending[0]
	q.pending = q.pending[1:]
	return t, true
}

func (q *queue) release(id string) {
	q.mu.Lock()
	delete(q.held, id)
	q.mu.Unlock()
}

// accounts lists the accounts of the queued push tasks.
func (q *queue) accounts(t *testing.T) []uuid.UUID {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []uuid.UUID
	for _, p := range q.pending {
		out = append(out, payloadOf(t, p.task).AccountID)
	}
	return out
}

// clear loses every queued task, as a Redis that lost its data would.
func (q *queue) clear() {
	q.mu.Lock()
	q.pending, q.held = nil, map[string]bool{}
	q.mu.Unlock()
}

var _ tasks.Enqueuer = (*queue)(nil)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *db.DB
	inv    *inventory.Service
	orders *orders.Service
	tenant uuid.UUID
	q      *queue
	shop   *fake.Channel
	flaky  *fake.Channel
	pusher *channel.Pusher
}

type fixtureOpts struct {
	// enqueuer replaces the in-memory queue (the end-to-end test passes asynq).
	enqueuer tasks.Enqueuer
	// noKicker leaves the pusher unregistered with the stock service.
	noKicker bool
	pusher   []channel.Option
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	d := env.DB(t)
	log := slog.New(slog.DiscardHandler)
	f := &fixture{t: t, ctx: context.Background(), db: d, q: newQueue(), shop: fake.New(), flaky: fake.New()}
	f.inv = inventory.NewService(d, nil, log)
	f.orders = orders.NewService(d, f.inv, log)
	var enq tasks.Enqueuer = f.q
	if o.enqueuer != nil {
		enq = o.enqueuer
	}
	opts := append([]channel.Option{channel.WithPace(0), channel.WithErrorBackoff(0, 0)}, o.pusher...)
	f.pusher = channel.NewPusher(d, enq, channel.Registry{shop: f.shop, flaky: f.flaky}, log, opts...)
	if !o.noKicker {
		f.inv.Observe(f.pusher)
	}
	f.tenant = f.newTenant()
	return f
}

func (f *fixture) newTenant() uuid.UUID {
	f.t.Helper()
	tn, err := tenancy.NewService(f.db).Create(f.ctx, "c-"+strings.ReplaceAll(uuid.NewString()[:12], "-", ""), "Channel test")
	if err != nil {
		f.t.Fatal(err)
	}
	return uuid.MustParse(tn.ID)
}

// product creates a catalog product with on-hand stock.
func (f *fixture) product(sku string, onHand int) uuid.UUID {
	f.t.Helper()
	id := uuid.New()
	err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO products (tenant_id, id, sku, name) VALUES (?, ?, ?, ?)`,
			f.tenant, id, sku, "Product "+sku).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO stock_levels (tenant_id, product_id) VALUES (?, ?)`, f.tenant, id).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if onHand > 0 {
		f.adjust(sku, onHand)
	}
	return id
}

func (f *fixture) adjust(sku string, delta int) {
	f.t.Helper()
	kind := api.AdjustReceipt
	if delta < 0 {
		kind = api.AdjustAdjustment
	}
	if _, err := f.inv.Adjust(f.ctx, f.tenant, "test", api.StockAdjustmentRequest{SKU: sku, Kind: kind, Quantity: delta}); err != nil {
		f.t.Fatal(err)
	}
}

// account creates a channel account of a kind in the fixture's tenant.
func (f *fixture) account(kind string) uuid.UUID {
	f.t.Helper()
	return accountIn(f.t, f.db, f.tenant, kind)
}

func accountIn(t *testing.T, d *db.DB, tenant uuid.UUID, kind string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := d.Tenant(context.Background(), tenant, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name) VALUES (?, ?, ?, ?)`,
			tenant, id, kind, kind+" "+id.String()[:8]).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) setEnabled(account uuid.UUID, on bool) {
	f.t.Helper()
	f.exec(`UPDATE channel_accounts SET enabled = ? WHERE tenant_id = ? AND id = ?`, on, f.tenant, account)
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error { return tx.Exec(sql, args...).Error }); err != nil {
		f.t.Fatal(err)
	}
}

// listing maps a channel SKU of an account to a catalog SKU and returns the listing id.
func (f *fixture) listing(account uuid.UUID, channelSKU, sku string) uuid.UUID {
	f.t.Helper()
	res, err := f.orders.PutMapping(f.ctx, f.tenant, "test", api.PutMappingRequest{
		ChannelAccountID: account.String(), ChannelSKU: channelSKU, SKU: sku})
	if err != nil {
		f.t.Fatal(err)
	}
	return uuid.MustParse(res.Mapping.ListingID)
}

// order takes in a one-line order on an account.
func (f *fixture) order(account uuid.UUID, channelSKU string, qty int) {
	f.t.Helper()
	if err := f.tryOrder(account, channelSKU, qty); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) tryOrder(account uuid.UUID, channelSKU string, qty int) error {
	ext := "ext-" + uuid.NewString()
	res, err := f.orders.Intake(f.ctx, f.tenant, "test", orders.Intake{ChannelAccountID: account, ExternalID: ext,
		CustomerName: "Dana Whitfield", ShipTo: api.Address{Name: "Dana Whitfield", Line1: "1200 Commerce St", City: "Dallas",
			Region: "TX", PostalCode: "75202", Country: "US"},
		Lines: []orders.IntakeLine{{ChannelSKU: channelSKU, Quantity: qty, UnitPriceCents: 1299}}})
	if err != nil {
		return err
	}
	if res.Order.Status != api.StatusAllocated {
		return fmt.Errorf("order %s is %s, want ALLOCATED", ext, res.Order.Status)
	}
	return nil
}

// state is a listing's push record.
type state struct {
	DesiredQty    *int
	DesiredReason string
	PushedQty     *int
	PushedVersion int64
	PushAttempts  int
	LastError     string
	StockVersion  int64
	ReadbackQty   *int
}

func (f *fixture) state(listing uuid.UUID) state {
	f.t.Helper()
	var s state
	err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT l.desired_qty, l.desired_reason, l.pushed_qty, l.pushed_version, l.push_attempts, l.last_error,
				s.version AS stock_version, l.readback_qty
			FROM channel_listings l JOIN stock_levels s ON s.tenant_id = l.tenant_id AND s.product_id = l.product_id
			WHERE l.tenant_id = ? AND l.id = ?`, f.tenant, listing).Scan(&s).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// desired computes what a listing should show now.
func (f *fixture) desired(listing uuid.UUID) inventory.Desired {
	f.t.Helper()
	var out inventory.Desired
	err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		all, err := inventory.DesiredTx(tx, f.tenant, nil)
		for _, d := range all {
			if d.ListingID == listing {
				out = d
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// converged fails the test unless the listing's pushed quantity and version
// are its desired ones, no error is recorded, and the channel shows it. It
// returns the quantity.
func (f *fixture) converged(ch *fake.Channel, account, listing uuid.UUID) int {
	f.t.Helper()
	q, problem := f.check(ch, account, listing)
	if problem != "" {
		f.t.Fatal(problem)
	}
	return q
}

// check returns the listing's desired quantity and, unless it has converged, why not.
func (f *fixture) check(ch *fake.Channel, account, listing uuid.UUID) (int, string) {
	f.t.Helper()
	want := f.desired(listing)
	s := f.state(listing)
	if s.PushedQty == nil || *s.PushedQty != want.Quantity || s.PushedVersion != want.Version || s.LastError != "" ||
		s.DesiredQty == nil || *s.DesiredQty != want.Quantity || s.DesiredReason != want.Reason {
		return want.Quantity, fmt.Sprintf("listing %s not converged: %s; want %d at version %d (%s)", listing, s, want.Quantity, want.Version, want.Reason)
	}
	if shown, ok := ch.Shown(account, listing); !ok || shown != want.Quantity {
		return want.Quantity, fmt.Sprintf("the channel shows %d (pushed: %v), want %d", shown, ok, want.Quantity)
	}
	return want.Quantity, ""
}

func (s state) String() string {
	deref := func(p *int) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("desired %s (%s), pushed %s at version %d (stock version %d), attempts %d, error %q",
		deref(s.DesiredQty), s.DesiredReason, deref(s.PushedQty), s.PushedVersion, s.StockVersion, s.PushAttempts, s.LastError)
}

// drain runs queued push tasks, as a worker would, until none is left, and
// returns the errors they returned.
func (f *fixture) drain() []error {
	f.t.Helper()
	var errs []error
	h := f.pusher.PushHandler()
	for i := 0; ; i++ {
		if i == 100 {
			f.t.Fatal("push tasks keep coming")
		}
		qt, ok := f.q.take()
		if !ok {
			return errs
		}
		if err := h.ProcessTask(f.ctx, qt.task); err != nil {
			errs = append(errs, err)
		}
		f.q.release(qt.id)
	}
}

// drainOK drains and fails the test on any task error.
func (f *fixture) drainOK() {
	f.t.Helper()
	if errs := f.drain(); len(errs) > 0 {
		f.t.Fatalf("push tasks failed: %v", errs)
	}
}

// run runs the push task of an account directly.
func (f *fixture) run(tenant, account uuid.UUID) error {
	return f.pusher.PushHandler().ProcessTask(f.ctx, channel.PushTask(tenant, account))
}

func payloadOf(t *testing.T, task *asynq.Task) channel.PushPayload {
	t.Helper()
	var p channel.PushPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}
