package channel_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/shared/api"
)

// scriptedKind is the kind of the scripted connector.
const scriptedKind = "scripted"

// Headers of the scripted channel's webhooks: an HMAC-SHA256 of the raw body
// under the account's webhook_secret, hex-encoded, and a delivery id.
const (
	sigHeader      = "X-Scripted-Signature"
	deliveryHeader = "X-Scripted-Delivery"
)

// scripted is a connector serving a scripted list of orders per account, in
// pages, recording acknowledgements and shipment confirmations, and failing
// on request.
type scripted struct {
	mu          sync.Mutex
	orders      map[uuid.UUID]map[string]channel.Order
	pageSize    int
	until       time.Time
	interval    time.Duration
	fetchErrs   []error
	sinces      []time.Time
	pages       int
	fetchOne    int
	ackCalls    map[string]int
	ackErrs     []error
	confirms    []channel.Shipment
	confirmErrs []error
	testErr     error
}

var (
	_ channel.Connector       = (*scripted)(nil)
	_ channel.WebhookVerifier = (*scripted)(nil)
)

func newScripted() *scripted {
	return &scripted{orders: map[uuid.UUID]map[string]channel.Order{}, pageSize: 2, interval: 2 * time.Minute,
		ackCalls: map[string]int{}}
}

// put adds or replaces an order of an account, modified now unless set.
func (s *scripted) put(account uuid.UUID, o channel.Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ModifiedAt.IsZero() {
		o.ModifiedAt = time.Now().UTC()
	}
	if s.orders[account] == nil {
		s.orders[account] = map[string]channel.Order{}
	}
	s.orders[account][o.ExternalID] = o
}

func (s *scripted) failFetch(errs ...error) {
	s.mu.Lock()
	s.fetchErrs = append(s.fetchErrs, errs...)
	s.mu.Unlock()
}
func (s *scripted) failAck(errs ...error) {
	s.mu.Lock()
	s.ackErrs = append(s.ackErrs, errs...)
	s.mu.Unlock()
}
func (s *scripted) failConfirm(errs ...error) {
	s.mu.Lock()
	s.confirmErrs = append(s.confirmErrs, errs...)
	s.mu.Unlock()
}

func (s *scripted) setUntil(t time.Time) { s.mu.Lock(); s.until = t; s.mu.Unlock() }

func (s *scripted) lastSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sinces[len(s.sinces)-1]
}

func (s *scripted) acks(external string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackCalls[external]
}

func (s *scripted) shipments() []channel.Shipment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]channel.Shipment(nil), s.confirms...)
}

func pop(errs *[]error) error {
	if len(*errs) == 0 {
		return nil
	}
	err := (*errs)[0]
	*errs = (*errs)[1:]
	return err
}

func (s *scripted) MaxBatch() int { return 50 }

func (s *scripted) PushQuantities(_ context.Context, _ channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	out := make([]channel.PushResult, len(updates))
	for i, u := range updates {
		out[i] = channel.PushResult{ListingID: u.ListingID, Accepted: true}
	}
	return out, nil
}

func (s *scripted) ReadQuantities(context.Context, channel.Conn, []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	return nil, false, nil
}

func (s *scripted) Test(_ context.Context, c channel.Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Credentials["api_key"] == "" {
		return channel.ErrUnauthorized
	}
	return s.testErr
}

func (s *scripted) FetchOrders(ctx context.Context, c channel.Conn, since time.Time) ([]channel.Order, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinces = append(s.sinces, since)
	if err := pop(&s.fetchErrs); err != nil {
		return nil, time.Time{}, err
	}
	var all []channel.Order
	for _, o := range s.orders[c.ID] {
		if !o.ModifiedAt.Before(since) {
			all = append(all, o)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ExternalID < all[j].ExternalID })
	var out []channel.Order
	for start := 0; ; start += s.pageSize {
		s.pages++
		end := min(start+s.pageSize, len(all))
		out = append(out, all[start:end]...)
		if end >= len(all) {
			break
		}
	}
	until := s.until
	if until.IsZero() {
		until = time.Now().UTC()
	}
	return out, until, ctx.Err()
}

func (s *scripted) FetchOrder(_ context.Context, c channel.Conn, externalID string) (channel.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetchOne++
	o, ok := s.orders[c.ID][externalID]
	if !ok {
		return channel.Order{}, &channel.Rejection{Status: 404, Message: "no order " + externalID}
	}
	return o, nil
}

func (s *scripted) Acknowledge(_ context.Context, _ channel.Conn, o channel.Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackCalls[o.ExternalID]++
	return pop(&s.ackErrs)
}

func (s *scripted) ConfirmShipment(_ context.Context, _ channel.Conn, sh channel.Shipment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := pop(&s.confirmErrs); err != nil {
		return err
	}
	s.confirms = append(s.confirms, sh)
	return nil
}

func (s *scripted) PollInterval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (s *scripted) VerifyWebhook(c channel.Conn, h http.Header, raw []byte) (channel.WebhookEvent, error) {
	secret := c.Credentials["webhook_secret"]
	got, err := hex.DecodeString(h.Get(sigHeader))
	if secret == "" || err != nil || !hmac.Equal(got, mustHex(sign(secret, raw))) {
		return channel.WebhookEvent{}, channel.ErrBadSignature
	}
	var body struct {
		OrderID string `json:"order_id"`
		Topic   string `json:"topic"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return channel.WebhookEvent{}, fmt.Errorf("scripted: webhook body: %w", err)
	}
	return channel.WebhookEvent{DeliveryID: h.Get(deliveryHeader), ExternalOrderID: body.OrderID, Topic: body.Topic}, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// jobQueue is an Enqueuer that keeps tasks in memory and, like asynq,
// refuses a task whose TaskID or Unique key is queued or running.
type jobQueue struct {
	mu      sync.Mutex
	pending []job
	held    map[string]bool
}

type job struct {
	key  string
	task *asynq.Task
	opts []asynq.Option
}

func newJobQueue() *jobQueue { return &jobQueue{held: map[string]bool{}} }

func (q *jobQueue) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	key := ""
	for _, o := range opts {
		switch o.Type() {
		case asynq.TaskIDOpt:
			key = "id:" + o.Value().(string)
		case asynq.UniqueOpt:
			key = "unique:" + t.Type() + ":" + string(t.Payload())
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if key != "" {
		if q.held[key] {
			if key[0] == 'i' {
				return nil, asynq.ErrTaskIDConflict
			}
			return nil, asynq.ErrDuplicateTask
		}
		q.held[key] = true
	}
	q.pending = append(q.pending, job{key: key, task: t, opts: opts})
	return &asynq.TaskInfo{ID: uuid.NewString()}, nil
}

func (q *jobQueue) take() (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return job{}, false
	}
	j := q.pending[0]
	q.pending = q.pending[1:]
	return j, true
}

func (q *jobQueue) release(key string) {
	q.mu.Lock()
	delete(q.held, key)
	q.mu.Unlock()
}

// tasks returns the queued tasks of a type.
func (q *jobQueue) tasks(typ string) []job {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []job
	for _, j := range q.pending {
		if j.task.Type() == typ {
			out = append(out, j)
		}
	}
	return out
}

// clear loses every queued task, as a Redis that lost its data would.
func (q *jobQueue) clear() {
	q.mu.Lock()
	q.pending, q.held = nil, map[string]bool{}
	q.mu.Unlock()
}

var _ tasks.Enqueuer = (*jobQueue)(nil)

// intakeFixture is the channel fixture with the scripted connector, sealed
// credentials, the poller, the webhook receiver and sync-back.
type intakeFixture struct {
	*fixture
	cx       *scripted
	reg      channel.Registry
	accounts *channel.Accounts
	poller   *channel.Poller
	webhooks *channel.Webhooks
	sync     *channel.SyncBack
	jobs     *jobQueue
	// secrets are the accounts' webhook secrets, by account id.
	secrets map[string]string
}

func newIntakeFixture(t *testing.T) *intakeFixture {
	t.Helper()
	f := newFixture(t, fixtureOpts{noKicker: true})
	master, err := secrets.ParseMasterKey(secrets.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.NewKeyring(master)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	x := &intakeFixture{fixture: f, cx: newScripted(), jobs: newJobQueue(), secrets: map[string]string{}}
	// shop is a stock-only channel: no orders, no webhooks.
	x.reg = channel.Registry{scriptedKind: x.cx, shop: f.shop}
	x.accounts = channel.NewAccounts(f.db, keys, x.reg, nil)
	x.poller = channel.NewPoller(f.db, x.accounts, x.reg, f.orders, x.jobs, log)
	x.webhooks = channel.NewWebhooks(x.poller)
	x.sync = channel.NewSyncBack(f.db, x.accounts, x.reg, x.jobs, log)
	return x
}

// connect creates a scripted account in a tenant, with credentials.
func (x *intakeFixture) connect(tenant uuid.UUID) api.ChannelAccount {
	x.t.Helper()
	return x.connectKind(tenant, scriptedKind)
}

func (x *intakeFixture) connectKind(tenant uuid.UUID, kind string) api.ChannelAccount {
	x.t.Helper()
	secret := "whsec-" + uuid.NewString()
	a, err := x.accounts.Create(x.ctx, tenant, api.CreateChannelAccountRequest{Kind: kind, Name: kind + " " + uuid.NewString()[:8],
		Credentials: map[string]string{"api_key": "key-" + uuid.NewString(), "webhook_secret": secret}})
	if err != nil {
		x.t.Fatal(err)
	}
	x.secrets[a.ID] = secret
	return a
}

func (x *intakeFixture) account(tenant uuid.UUID, id string) api.ChannelAccount {
	x.t.Helper()
	a, err := x.accounts.Get(x.ctx, tenant, uuid.MustParse(id))
	if err != nil {
		x.t.Fatal(err)
	}
	return a
}

func (x *intakeFixture) poll(a api.ChannelAccount) api.PollResult {
	x.t.Helper()
	res, err := x.poller.PollAccount(x.ctx, x.tenant, uuid.MustParse(a.ID))
	if err != nil {
		x.t.Fatalf("poll: %v", err)
	}
	return res
}

// runJobs runs queued tasks, as a worker would, until none is left, and
// returns the errors they returned.
func (x *intakeFixture) runJobs() []error {
	x.t.Helper()
	handlers := map[string]asynq.Handler{
		channel.TaskPoll:            x.poller.PollHandler(),
		channel.TaskWebhookOrder:    x.webhooks.OrderHandler(),
		channel.TaskConfirmShipment: x.sync.ConfirmHandler(),
	}
	var errs []error
	for i := 0; ; i++ {
		if i == 200 {
			x.t.Fatal("tasks keep coming")
		}
		j, ok := x.jobs.take()
		if !ok {
			return errs
		}
		h, ok := handlers[j.task.Type()]
		if !ok {
			x.t.Fatalf("no handler for %s", j.task.Type())
		}
		if err := h.ProcessTask(x.ctx, j.task); err != nil {
			errs = append(errs, err)
		}
		x.jobs.release(j.key)
	}
}

func (x *intakeFixture) runJobsOK() {
	x.t.Helper()
	if errs := x.runJobs(); len(errs) > 0 {
		x.t.Fatalf("tasks failed: %v", errs)
	}
}

// ordersOf returns a tenant's orders of an account by external id.
func (x *intakeFixture) ordersOf(tenant uuid.UUID, account string) map[string]api.Order {
	x.t.Helper()
	list, err := x.orders.List(x.ctx, tenant, "", "", 500)
	if err != nil {
		x.t.Fatal(err)
	}
	out := map[string]api.Order{}
	for _, o := range list.Orders {
		if o.ChannelAccountID == account {
			if _, dup := out[o.ExternalID]; dup {
				x.t.Fatalf("order %s is in Manifold twice", o.ExternalID)
			}
			out[o.ExternalID] = o
		}
	}
	return out
}

func (x *intakeFixture) count(tenant uuid.UUID, query string, args ...any) int {
	x.t.Helper()
	var n struct{ N int }
	err := x.db.Tenant(x.ctx, tenant, func(tx *gorm.DB) error { return tx.Raw(query, args...).Scan(&n).Error })
	if err != nil {
		x.t.Fatal(err)
	}
	return n.N
}

// allocated returns a product's allocated quantity.
func (x *intakeFixture) allocated(product uuid.UUID) int {
	x.t.Helper()
	return x.count(x.tenant, `SELECT allocated AS n FROM stock_levels WHERE tenant_id = ? AND product_id = ?`, x.tenant, product)
}

// channelOrder is a ready order shipping to Dallas.
func channelOrder(external string, lines ...channel.Line) channel.Order {
	shipBy := time.Date(2030, 5, 2, 18, 0, 0, 0, time.UTC)
	return channel.Order{ExternalID: external, DisplayNumber: "D-" + external, Status: channel.OrderReady,
		CustomerName: "Dana Whitfield", CustomerEmail: "dana@example.com",
		ShipTo: api.Address{Name: "Dana Whitfield", Line1: "1200 Commerce St", City: "Dallas", Region: "TX",
			PostalCode: "75202", Country: "US"},
		Lines: lines, ServiceLevel: "TWO_DAY", ShipBy: &shipBy, PlacedAt: time.Date(2030, 5, 1, 9, 30, 0, 0, time.UTC),
		Currency: "USD", Notes: "leave at the door"}
}

func line(id, sku string, qty int, cents int64) channel.Line {
	return channel.Line{ChannelLineID: id, ChannelSKU: sku, Title: "Item " + sku, Quantity: qty, UnitPriceCents: cents}
}

// TestIntakeMapsEveryField takes in one order and checks what the order
// service received.
func TestIntakeMapsEveryField(t *testing.T) {
	x := newIntakeFixture(t)
	x.product("SKU-1", 10)
	x.product("SKU-2", 10)
	a := x.connect(x.tenant)
	x.listing(uuid.MustParse(a.ID), "CH-1", "SKU-1")
	x.listing(uuid.MustParse(a.ID), "CH-2", "SKU-2")
	o := channelOrder("PO-100", line("1", "CH-1", 2, 1299), line("2", "CH-2", 1, 450), channel.Line{ChannelLineID: "3",
		ChannelSKU: "CH-2", Quantity: 5, UnitPriceCents: 450, Cancelled: true})
	o.CustomerEmail = "not an email"
	x.cx.put(uuid.MustParse(a.ID), o)
	if res := x.poll(a); res.Created != 1 {
		t.Fatalf("poll: %+v", res)
	}
	got := x.ordersOf(x.tenant, a.ID)["PO-100"]
	full, err := x.orders.Get(x.ctx, x.tenant, uuid.MustParse(got.ID))
	if err != nil {
		t.Fatal(err)
	}
	if full.Status != api.StatusAllocated || full.CustomerName != "Dana Whitfield" || full.CustomerEmail != "" ||
		full.ShipTo.City != "Dallas" || full.ShipTo.PostalCode != "75202" || full.ServiceLevel != "TWO_DAY" ||
		full.ShipBy == nil || !full.ShipBy.Equal(*o.ShipBy) || !full.PlacedAt.Equal(o.PlacedAt) || full.Currency != "USD" ||
		full.BuyerNotes != "leave at the door" || full.Total != "30.48" || full.ChannelKind != scriptedKind {
		t.Fatalf("order as taken in: %+v", full)
	}
	if len(full.Lines) != 2 || full.Lines[0].ChannelSKU != "CH-1" || full.Lines[0].Quantity != 2 || full.Lines[0].UnitPrice != "12.99" ||
		full.Lines[1].ChannelSKU != "CH-2" || full.Lines[1].Quantity != 1 || !full.Lines[0].Allocated {
		t.Fatalf("lines (the cancelled one left out): %+v", full.Lines)
	}
	if n := x.count(x.tenant, `SELECT count(*) AS n FROM order_lines WHERE tenant_id = ? AND order_id = ? AND channel_line_id IN ('1', '2')`,
		x.tenant, uuid.MustParse(full.ID)); n != 2 {
		t.Fatalf("channel line ids kept on %d lines, want 2", n)
	}
	if len(full.Transitions) == 0 || full.Transitions[0].Actor != "channel:"+scriptedKind {
		t.Fatalf("transitions: %+v", full.Transitions)
	}
}

// TestIntakeRefusesWithoutLosingTheRest: an order the order service refuses
// is reported on the account and does not hold back the others or the
// watermark.
func TestIntakeRefusesWithoutLosingTheRest(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	id := uuid.MustParse(a.ID)
	bad := channelOrder("PO-BAD", line("1", "CH-1", 1, 100))
	bad.Currency = "dollars"
	x.cx.put(id, bad)
	x.cx.put(id, channelOrder("PO-GOOD", line("1", "CH-1", 1, 100)))
	until := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	x.cx.setUntil(until)
	res := x.poll(a)
	if res.Fetched != 2 || res.Created != 1 {
		t.Fatalf("poll: %+v", res)
	}
	acct := x.account(x.tenant, a.ID)
	if acct.PollWatermark == nil || !acct.PollWatermark.Equal(until) {
		t.Fatalf("watermark %v, want %v", acct.PollWatermark, until)
	}
	if want := "order PO-BAD: currency"; len(acct.LastPollError) < len(want) || acct.LastPollError[:len(want)] != want {
		t.Fatalf("last poll error %q, want it to name the refused order", acct.LastPollError)
	}
	if _, ok := x.ordersOf(x.tenant, a.ID)["PO-GOOD"]; !ok {
		t.Fatal("the good order was not taken in")
	}
	if x.cx.acks("PO-BAD") != 0 {
		t.Fatal("a refused order was acknowledged")
	}
}

func isRevoked(err error) bool   { return errors.Is(err, asynq.RevokeTask) }
func isSkipRetry(err error) bool { return errors.Is(err, asynq.SkipRetry) }
