package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// Pusher converges what channels show with what they should show. It
// enqueues push tasks when stock changes (it is an inventory.Observer), runs
// them, and reconciles periodically.
type Pusher struct {
	db       *db.DB
	q        tasks.Enqueuer
	reg      Registry
	accounts *Accounts
	log      *slog.Logger

	// runs are this process's push runs, which take requests for their
	// account while they last.
	runs runs
	// afterLook, when set, is called after every look of a run (tests).
	afterLook func()

	queue       string
	pace        time.Duration
	maxRounds   int
	backoffBase time.Duration
	backoffMax  time.Duration
}

var _ inventory.Observer = (*Pusher)(nil)

// Option tunes a Pusher.
type Option func(*Pusher)

// WithQueue sets the queue push tasks go to (tasks.QueueCritical by default).
func WithQueue(name string) Option { return func(p *Pusher) { p.queue = name } }

// WithPace sets the least time between two rounds of pushes to one account
// (500ms by default). Stock changes arriving meanwhile are sent together in
// the next round, so a burst of orders costs a few calls, not one per order.
func WithPace(d time.Duration) Option { return func(p *Pusher) { p.pace = d } }

// WithErrorBackoff sets how long a listing whose push failed waits before it
// is sent again: base doubled per consecutive failure, at most max (1s and
// 5m by default).
func WithErrorBackoff(base, max time.Duration) Option {
	return func(p *Pusher) { p.backoffBase, p.backoffMax = base, max }
}

// WithAccounts sets the account store connections are opened from; without
// it, accounts carry no credentials (enough for in-process channels).
func WithAccounts(a *Accounts) Option { return func(p *Pusher) { p.accounts = a } }

// NewPusher returns a pusher sending through the connectors of reg and
// enqueueing its tasks with q.
func NewPusher(d *db.DB, q tasks.Enqueuer, reg Registry, log *slog.Logger, opts ...Option) *Pusher {
	p := &Pusher{db: d, q: q, reg: reg, log: log, queue: tasks.QueueCritical, pace: 500 * time.Millisecond,
		maxRounds: 10, backoffBase: time.Second, backoffMax: 5 * time.Minute}
	for _, o := range opts {
		o(p)
	}
	if p.accounts == nil {
		p.accounts = NewAccounts(d, nil, reg, nil)
	}
	return p
}

// Enqueue asks for a push of one account's listings, to look at every stock
// change committed before the call.
//
// The account has one push task at a time, named by pushTaskID, so a burst
// of requests collapses into one task. A request that finds that task
// already queued or running cannot tell, from the queue, whether the task
// will still look at the stock: a running task may have made its last look
// and only wait for asynq to complete it, and asynq refuses the id until it
// has. So the request is handed to the task's run when it is in this process
// (which then looks again before it ends), and otherwise schedules a
// follow-up: a task due at the next whole second, which cannot have started
// yet and which then makes sure the change is looked at (runFollowUp).
func (p *Pusher) Enqueue(ctx context.Context, tenantID, accountID uuid.UUID) error {
	return p.request(ctx, tenantID, accountID, 1)
}

// request is Enqueue, scheduling the nth follow-up of a chain when one is needed.
func (p *Pusher) request(ctx context.Context, tenantID, accountID uuid.UUID, n int) error {
	_, err := p.q.EnqueueContext(ctx, PushTask(tenantID, accountID), asynq.TaskID(pushTaskID(accountID)),
		asynq.Queue(p.queue), asynq.Timeout(pushTimeout), asynq.MaxRetry(pushMaxRetry))
	switch {
	case err == nil:
		return nil
	case !tasks.IsDuplicate(err):
		return fmt.Errorf("channel: enqueue push of account %s: %w", accountID, err)
	case p.runs.ask(accountID):
		return nil
	}
	return p.followUp(ctx, tenantID, accountID, n)
}

// followUp schedules the nth follow-up of a chain, or joins the one already
// scheduled for the same second: it is not due yet, so it will run after
// this call.
func (p *Pusher) followUp(ctx context.Context, tenantID, accountID uuid.UUID, n int) error {
	at := followUpAt(time.Now(), n)
	_, err := p.q.EnqueueContext(ctx, followUpTask(tenantID, accountID, n), asynq.TaskID(followUpTaskID(accountID, at)),
		asynq.ProcessAt(at), asynq.Queue(p.queue), asynq.Timeout(pushTimeout), asynq.MaxRetry(pushMaxRetry))
	if err != nil && !tasks.IsDuplicate(err) {
		return fmt.Errorf("channel: schedule push follow-up of account %s: %w", accountID, err)
	}
	return nil
}

// kickTimeout bounds the work StockChanged adds to the request that changed stock.
const kickTimeout = 2 * time.Second

// StockChanged enqueues a push for every account listing a changed product.
// It runs on the request path after the commit, so it only enqueues; a
// failure is logged and left to the reconciler.
func (p *Pusher) StockChanged(ctx context.Context, tenantID uuid.UUID, change inventory.Change) {
	products := append(append([]uuid.UUID(nil), change.Products...), change.Increased...)
	if len(products) == 0 || len(p.reg) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kickTimeout)
	defer cancel()
	// A change touching many products (a policy change) concerns every
	// account with listings; naming them all would only make the query long.
	every := len(products) > 500
	if every {
		products = nil
	}
	var accounts []uuid.UUID
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		accounts, err = db.IDs(tx, `SELECT a.id FROM channel_accounts a
			WHERE a.tenant_id = ? AND a.enabled AND a.kind IN ?
			  AND EXISTS (SELECT 1 FROM channel_listings l
			              WHERE l.tenant_id = a.tenant_id AND l.channel_account_id = a.id AND (? OR l.product_id IN ?))`,
			tenantID, p.reg.Kinds(), every, products)
		return err
	})
	if err == nil {
		err = p.enqueueAll(ctx, tenantID, accounts)
	}
	if err != nil {
		p.log.Warn("channel: stock push not enqueued; the reconciler will push",
			slog.String("tenant_id", tenantID.String()), slog.String("err", err.Error()))
	}
}

func (p *Pusher) enqueueAll(ctx context.Context, tenantID uuid.UUID, accounts []uuid.UUID) error {
	var errs []error
	for _, a := range accounts {
		if err := p.Enqueue(ctx, tenantID, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PushTenant enqueues a push of every enabled account of the tenant that has
// listings, or of one account when accountID is not uuid.Nil, and returns how
// many accounts it enqueued. Use it when something other than stock changes
// what channels should show, such as the allocation policy.
func (p *Pusher) PushTenant(ctx context.Context, tenantID, accountID uuid.UUID) (int, error) {
	var accounts []uuid.UUID
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if accountID != uuid.Nil {
			var a struct {
				Kind    string
				Enabled bool
			}
			res := tx.Raw(`SELECT kind, enabled FROM channel_accounts WHERE tenant_id = ? AND id = ?`, tenantID, accountID).Scan(&a)
			if res.Error != nil {
				return res.Error
			}
			switch {
			case res.RowsAffected == 0:
				return apperr.NotFound("channel account %s not found", accountID)
			case !a.Enabled:
				return apperr.Conflict("channel account %s is disabled; enable it to push stock to it", accountID)
			}
			if _, ok := p.reg.Get(a.Kind); !ok {
				return apperr.Conflict("channel account %s is of kind %q, which this server has no connector for", accountID, a.Kind)
			}
		}
		var err error
		accounts, err = db.IDs(tx, `SELECT a.id FROM channel_accounts a
			WHERE a.tenant_id = ? AND a.enabled AND a.kind IN ? AND (? OR a.id = ?)
			  AND EXISTS (SELECT 1 FROM channel_listings l WHERE l.tenant_id = a.tenant_id AND l.channel_account_id = a.id)
			ORDER BY a.id`, tenantID, p.reg.Kinds(), accountID == uuid.Nil, accountID)
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return 0, err
		}
		return 0, fmt.Errorf("channel: accounts to push: %w", err)
	}
	if err := p.enqueueAll(ctx, tenantID, accounts); err != nil {
		return 0, apperr.Unavailable(err, "the job queue cannot take the push now; listings behind their stock are still pushed by the periodic reconciler")
	}
	return len(accounts), nil
}
