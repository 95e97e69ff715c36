package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/shared/api"
)

// Task types of order intake.
const (
	// TaskPoll polls one channel account for orders.
	TaskPoll = "channel:poll"
	// TaskPollDue enqueues the poll of every account whose next poll is due.
	// The scheduler runs it every few seconds.
	TaskPollDue = "channel:poll-due"
)

// ErrAccountDisabled is returned for work on a disabled channel account.
var ErrAccountDisabled = errors.New("channel account is disabled")

// PollPayload is the payload of TaskPoll.
type PollPayload struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	AccountID uuid.UUID `json:"account_id"`
}

const (
	// pollTimeout bounds one poll. A poll cut short keeps the orders it took
	// in and leaves the watermark where it was.
	pollTimeout = 5 * time.Minute
	// defaultOverlap re-reads the end of the previous window: channel
	// boundaries are inclusive, clocks differ and their indexes lag.
	defaultOverlap = 10 * time.Minute
	// defaultFirstLookback is how far back the first poll of an account reaches.
	defaultFirstLookback = 7 * 24 * time.Hour
	// fallbackPollInterval is used when a connector names no interval.
	fallbackPollInterval = time.Minute
	// noConnectorRetry is when an account of a kind this server has no
	// connector for is looked at again (a newer server may have one).
	noConnectorRetry = time.Hour
	// pollDueBatch bounds the polls one pass of the scheduler enqueues.
	pollDueBatch = 100
	// recordTimeout bounds writing down the end of a poll or call, which is
	// done even when the caller's context has ended.
	recordTimeout = 10 * time.Second
)

// Poller pulls orders from channel accounts on each connector's interval,
// and takes in the orders webhooks announce, through one intake path.
type Poller struct {
	db       *db.DB
	accounts *Accounts
	reg      Registry
	orders   *orders.Service
	q        tasks.Enqueuer
	log      *slog.Logger

	queue         string
	overlap       time.Duration
	firstLookback time.Duration
}

// PollOption tunes a Poller.
type PollOption func(*Poller)

// WithPollQueue sets the queue poll and webhook tasks go to (tasks.QueueCritical by default).
func WithPollQueue(name string) PollOption { return func(p *Poller) { p.queue = name } }

// WithPollOverlap sets how far before the watermark each poll starts (10 minutes by default).
func WithPollOverlap(d time.Duration) PollOption { return func(p *Poller) { p.overlap = d } }

// WithFirstPollLookback sets how far back an account's first poll reaches (7 days by default).
func WithFirstPollLookback(d time.Duration) PollOption {
	return func(p *Poller) { p.firstLookback = d }
}

// NewPoller returns a poller taking orders from the connectors of reg into
// the order service and enqueueing its tasks with q.
func NewPoller(d *db.DB, accounts *Accounts, reg Registry, ord *orders.Service, q tasks.Enqueuer, log *slog.Logger, opts ...PollOption) *Poller {
	p := &Poller{db: d, accounts: accounts, reg: reg, orders: ord, q: q, log: log, queue: tasks.QueueCritical,
		overlap: defaultOverlap, firstLookback: defaultFirstLookback}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Connector returns the connector of kind when it is a full one (orders,
// acknowledgement and sync-back), not only a stock channel.
func (r Registry) Connector(kind string) (Connector, bool) {
	ch, ok := r[kind]
	if !ok {
		return nil, false
	}
	cx, ok := ch.(Connector)
	return cx, ok
}

// channelError is a failed call to a channel, in the channel's words.
type channelError struct{ err error }

func (e *channelError) Error() string { return e.err.Error() }
func (e *channelError) Unwrap() error { return e.err }

// pollStart is what a poll needs once the account is claimed.
type pollStart struct {
	conn  Conn
	cx    Connector
	since time.Time
}

// begin opens the account and claims its next poll for the length of this
// one, so the scheduler does not enqueue it again meanwhile; a poll that
// dies is retried once the claim expires.
func (p *Poller) begin(ctx context.Context, tenantID, accountID uuid.UUID) (pollStart, error) {
	var st pollStart
	var noConnector bool
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		conn, enabled, err := p.accounts.ConnTx(tx, tenantID, accountID)
		if err != nil {
			return err
		}
		st.conn = conn
		if conn.Kind == orders.ManualKind {
			noConnector = true
			return nil
		}
		if !enabled {
			return fmt.Errorf("channel: account %s: %w", accountID, ErrAccountDisabled)
		}
		cx, ok := p.reg.Connector(conn.Kind)
		if !ok {
			noConnector = true
			return tx.Exec(`UPDATE channel_accounts SET last_poll_at = now(), last_poll_error = ?,
					next_poll_at = now() + make_interval(secs => ?), updated_at = now()
				WHERE tenant_id = ? AND id = ?`, "this server has no order connector for "+conn.Kind+" accounts",
				noConnectorRetry.Seconds(), tenantID, accountID).Error
		}
		st.cx = cx
		var w struct{ PollWatermark *time.Time }
		if err := tx.Raw(`SELECT poll_watermark FROM channel_accounts WHERE tenant_id = ? AND id = ?`, tenantID, accountID).
			Scan(&w).Error; err != nil {
			return err
		}
		if w.PollWatermark != nil {
			st.since = w.PollWatermark.Add(-p.overlap)
		} else {
			st.since = time.Now().Add(-p.firstLookback)
		}
		return tx.Exec(`UPDATE channel_accounts SET next_poll_at = now() + make_interval(secs => ?)
			WHERE tenant_id = ? AND id = ?`, pollTimeout.Seconds(), tenantID, accountID).Error
	})
	if err != nil {
		if errors.Is(err, ErrAccountNotFound) || errors.Is(err, ErrAccountDisabled) {
			return st, err
		}
		return st, fmt.Errorf("channel: begin poll of account %s: %w", accountID, err)
	}
	if noConnector {
		return st, fmt.Errorf("channel: account %s is of kind %q: %w", accountID, st.conn.Kind, ErrNoConnector)
	}
	return st, nil
}

// PollAccount runs one poll of an account now: it fetches the orders
// created or changed since the watermark (less an overlap), takes each in,
// sends the acknowledgements the account owes, and records the outcome on
// the account. The watermark advances only when every order of the sweep was
// taken in. Orders the order service refuses as invalid, and acknowledgements
// the channel did not take, do not hold the watermark back: they are
// reported in last_poll_error.
func (p *Poller) PollAccount(ctx context.Context, tenantID, accountID uuid.UUID) (api.PollResult, error) {
	var res api.PollResult
	st, err := p.begin(ctx, tenantID, accountID)
	switch {
	case errors.Is(err, ErrAccountNotFound), errors.Is(err, ErrAccountDisabled), errors.Is(err, ErrNoConnector):
		return res, err
	case err != nil:
		// Credentials that cannot be opened, or the database: shown on the
		// account, and not tried again before the usual interval.
		return res, p.record(ctx, tenantID, accountID, nil, 0, err.Error(), fallbackPollInterval, err)
	}
	conn, cx := st.conn, st.cx
	fetched, until, err := cx.FetchOrders(ctx, conn, st.since)
	if err != nil {
		err = &channelError{err: err}
		return res, p.finish(ctx, conn, cx, nil, 0, err.Error(), err)
	}
	res.Fetched = len(fetched)
	var problems []string
	for _, o := range fetched {
		out, err := p.take(ctx, conn, o)
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			p.log.Warn("channel: order not taken in", slog.String("account_id", conn.ID.String()),
				slog.String("external_id", refused.ExternalID), slog.String("reason", refused.Reason))
			problems = append(problems, refused.Error())
			continue
		case err != nil:
			return res, p.finish(ctx, conn, cx, nil, res.Created, err.Error(), err)
		}
		switch out {
		case outcomeCreated:
			res.Created++
		case outcomeCancelled:
			res.Cancelled++
		}
	}
	ackProblems, err := p.acknowledgePending(ctx, cx, conn)
	problems = append(problems, ackProblems...)
	if err != nil {
		problems = append(problems, err.Error())
	}
	var mark *time.Time
	if !until.IsZero() {
		mark = &until
		res.Watermark = until
	}
	return res, p.finish(ctx, conn, cx, mark, res.Created, strings.Join(problems, "; "), nil)
}

// finish records a poll on the account: the new watermark (nil to leave it),
// the orders created, the error to show, and when to poll next. It returns
// pollErr, joined with any failure to record.
func (p *Poller) finish(ctx context.Context, conn Conn, cx Connector, watermark *time.Time, created int, shown string, pollErr error) error {
	next := cx.PollInterval()
	if next <= 0 {
		next = fallbackPollInterval
	}
	var th *Throttled
	if errors.As(pollErr, &th) && th.RetryAfter > 0 {
		next = th.RetryAfter
	}
	return p.record(ctx, conn.TenantID, conn.ID, watermark, created, shown, next, pollErr)
}

func (p *Poller) record(ctx context.Context, tenantID, accountID uuid.UUID, watermark *time.Time, created int, shown string,
	next time.Duration, pollErr error) error {
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err := p.db.Tenant(recordCtx, tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE channel_accounts SET poll_watermark = GREATEST(poll_watermark, ?::timestamptz),
				last_poll_at = now(), last_poll_error = ?, orders_imported = orders_imported + ?,
				next_poll_at = now() + make_interval(secs => ?), updated_at = now()
			WHERE tenant_id = ? AND id = ?`, watermark, clip(shown), created, next.Seconds(), tenantID, accountID).Error
	})
	if err != nil {
		err = fmt.Errorf("channel: record poll of account %s: %w", accountID, err)
	}
	return errors.Join(pollErr, err)
}

// PollTask returns the task that polls one account.
func PollTask(tenantID, accountID uuid.UUID) *asynq.Task {
	payload, _ := json.Marshal(PollPayload{TenantID: tenantID, AccountID: accountID}) // two UUIDs always marshal
	return asynq.NewTask(TaskPoll, payload)
}

// EnqueuePoll asks for a poll of one account. While one is queued or
// running, the request is absorbed by it. The lock is asynq's Unique rather
// than a TaskID: a task id stays taken by a task archived after a crash,
// which would stop the account's polls, while a Unique lock expires.
func (p *Poller) EnqueuePoll(ctx context.Context, tenantID, accountID uuid.UUID) error {
	_, err := p.q.EnqueueContext(ctx, PollTask(tenantID, accountID), asynq.Queue(p.queue),
		asynq.Unique(pollTimeout+time.Minute), asynq.Timeout(pollTimeout), asynq.MaxRetry(0))
	if err != nil && !tasks.IsDuplicate(err) {
		return fmt.Errorf("channel: enqueue poll of account %s: %w", accountID, err)
	}
	return nil
}

// PollHandler runs TaskPoll. A failed poll is recorded on the account and
// not retried by asynq: the scheduler polls again when the account is due.
func (p *Poller) PollHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var pl PollPayload
		if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.TenantID == uuid.Nil || pl.AccountID == uuid.Nil {
			return fmt.Errorf("channel: poll payload %q names no tenant and account: %w", t.Payload(), asynq.SkipRetry)
		}
		res, err := p.PollAccount(ctx, pl.TenantID, pl.AccountID)
		switch {
		case errors.Is(err, ErrAccountDisabled):
			return nil
		case errors.Is(err, ErrAccountNotFound):
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		case err != nil:
			return fmt.Errorf("%w: %w", err, asynq.RevokeTask)
		}
		if res.Fetched > 0 {
			p.log.Debug("channel: polled", slog.String("account_id", pl.AccountID.String()), slog.Int("fetched", res.Fetched),
				slog.Int("created", res.Created), slog.Int("cancelled", res.Cancelled))
		}
		return nil
	})
}

// PollDueTask returns the periodic task that enqueues due polls.
func PollDueTask() *asynq.Task { return asynq.NewTask(TaskPollDue, nil) }

// PollDuePeriodic is the scheduler entry that enqueues due polls every
// interval on queue.
func PollDuePeriodic(queue string, every time.Duration) tasks.Periodic {
	return tasks.Periodic{Spec: "@every " + every.String(), Task: PollDueTask(), Opts: []asynq.Option{
		asynq.Queue(queue), asynq.Unique(max(every-time.Second, time.Second)), asynq.MaxRetry(0),
		asynq.Timeout(30 * time.Second)}}
}

// EnqueueDue enqueues the poll of every enabled account, across tenants,
// whose next poll is due, and returns how many it enqueued. It only
// enqueues: each poll is a task of its own, so a slow or failing channel
// holds up no other account.
func (p *Poller) EnqueueDue(ctx context.Context) (int, error) {
	var due []struct {
		TenantID  uuid.UUID
		AccountID uuid.UUID
	}
	if err := p.db.Unscoped(ctx).Raw(`SELECT tenant_id, account_id FROM due_channel_polls(?)`, pollDueBatch).Scan(&due).Error; err != nil {
		return 0, fmt.Errorf("channel: due polls: %w", err)
	}
	var errs []error
	for _, d := range due {
		if err := p.EnqueuePoll(ctx, d.TenantID, d.AccountID); err != nil {
			errs = append(errs, err)
		}
	}
	return len(due), errors.Join(errs...)
}

// PollDueHandler runs TaskPollDue.
func (p *Poller) PollDueHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		_, err := p.EnqueueDue(ctx)
		return err
	})
}
