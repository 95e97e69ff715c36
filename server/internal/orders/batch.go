package orders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
)

// maxIntakeBatch bounds the orders one intake transaction takes, and so the
// work redone when one of them fails the batch.
const maxIntakeBatch = 32

// intakeTimeout bounds one intake transaction; it does not depend on any
// one caller, since it carries several callers' orders.
const intakeTimeout = 30 * time.Second

// errBatchShort fails a batch whose orders together want more of a product
// than is available; its orders are then taken one by one, so each is
// allocated or held on its own.
var errBatchShort = errors.New("orders: the batch wants more stock than is available")

// intakeCall is one order waiting to be taken in, and then its outcome.
type intakeCall struct {
	ctx   context.Context
	actor string
	in    Intake
	done  chan struct{}

	created api.Order // the order as written, when this call created it
	orderID uuid.UUID // the order's id, also when it was seen before
	err     error
}

// intakeBatcher is group commit for intake. Orders of one tenant that
// arrive while an intake transaction of that tenant is running wait for it
// and are then taken together, up to maxIntakeBatch, in the next one: all
// written by one statement, their stock moved once per product, their
// events appended once, one commit. A single
// order (a quiet moment) goes straight through, so batching adds no
// latency; under a burst on one SKU its stock row is locked once per batch
// rather than once per order, which is what bounds allocations per second.
//
// Batching changes nothing a caller can see: allocation is still one
// conditional update per SKU behind the CHECK, and an order that fails,
// or a batch that wants more stock than there is, sends the batch's orders
// through one by one, so each gets the answer it would have had alone.
type intakeBatcher struct {
	s  *Service
	mu sync.Mutex
	// queues holds each tenant's waiting calls and how many goroutines are
	// running its batches.
	queues map[uuid.UUID]*intakeQueue
}

type intakeQueue struct {
	waiting []*intakeCall
	runners int
}

// maxIntakeRunners is how many intake transactions of one tenant run at
// once in this process. More than one lets a batch write its orders while
// another holds the hot stock rows for its last statements and commit.
const maxIntakeRunners = 2

func newIntakeBatcher(s *Service) *intakeBatcher {
	return &intakeBatcher{s: s, queues: map[uuid.UUID]*intakeQueue{}}
}

// submit queues c; c.done is closed once its order is recorded or refused.
func (b *intakeBatcher) submit(tenantID uuid.UUID, c *intakeCall) {
	b.mu.Lock()
	q := b.queues[tenantID]
	if q == nil {
		q = &intakeQueue{}
		b.queues[tenantID] = q
	}
	q.waiting = append(q.waiting, c)
	start := q.runners < maxIntakeRunners
	if start {
		q.runners++
	}
	b.mu.Unlock()
	if start {
		go b.run(tenantID, q)
	}
}

// run takes the tenant's waiting calls in batches until none is left.
func (b *intakeBatcher) run(tenantID uuid.UUID, q *intakeQueue) {
	for {
		b.mu.Lock()
		if len(q.waiting) == 0 {
			q.runners--
			if q.runners == 0 {
				delete(b.queues, tenantID)
			}
			b.mu.Unlock()
			return
		}
		n := min(len(q.waiting), maxIntakeBatch)
		batch := q.waiting[:n:n]
		q.waiting = q.waiting[n:]
		b.mu.Unlock()
		b.s.intakeBatch(tenantID, batch)
	}
}

// intakeBatch records a batch of orders and completes their calls. Should
// the transaction fail as a whole (a deadlock with another process's
// intake, a lost connection), each order is tried again on its own.
func (s *Service) intakeBatch(tenantID uuid.UUID, batch []*intakeCall) {
	live := make([]*intakeCall, 0, len(batch))
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err // its caller has gone
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	// The batch runs on the batcher's goroutine, outside any request: a
	// panic must answer its callers and leave the runner going, as the HTTP
	// server's recovery would have for a request.
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("orders: intake panicked", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			for _, c := range live {
				c.err = fmt.Errorf("orders: intake failed: %v", p)
				close(c.done)
			}
		}
	}()
	if len(live) == 1 {
		live[0].err = s.intakeOne(tenantID, live[0])
	} else if err := s.intakeTxn(tenantID, live, false); err != nil {
		for _, c := range live {
			c.err = s.intakeOne(tenantID, c)
		}
	}
	for _, c := range live {
		close(c.done)
	}
}

// intakeOne records one order. It tries the short way, the order written
// ALLOCATED and its stock moved last, and falls back to allocating line by
// line (which can put the order on hold short) when the stock does not
// cover it.
func (s *Service) intakeOne(tenantID uuid.UUID, c *intakeCall) error {
	err := s.intakeTxn(tenantID, []*intakeCall{c}, false)
	if errors.Is(err, errBatchShort) {
		err = s.intakeTxn(tenantID, []*intakeCall{c}, true)
	}
	return err
}

// intakeTxn records calls in one transaction. On success every call holds
// its outcome; on error none does. Every mapped order is written ALLOCATED
// straight away and the stock of all of them moved at the end; if that
// finds too little stock the transaction fails with errBatchShort. Any
// order's error fails the whole transaction: a batch's orders are then taken
// one by one, where each gets its own answer. With lineByLine (one call),
// the order is allocated the careful way instead, which holds it short
// when the stock does not cover it.
func (s *Service) intakeTxn(tenantID uuid.UUID, calls []*intakeCall, lineByLine bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(calls[0].ctx), intakeTimeout)
	defer cancel()
	type outcome struct {
		created api.Order
		orderID uuid.UUID
	}
	var (
		out []outcome
		all work
	)
	committed, err := s.tenantTx(ctx, tenantID, func(tx *gorm.DB) ([]api.Event, error) {
		out, all = make([]outcome, len(calls)), work{}
		if lineByLine {
			created, id, err := intakeTx(tx, tenantID, calls[0].actor, calls[0].in, &all)
			if err != nil {
				return nil, err
			}
			out[0] = outcome{created: created, orderID: id}
		} else {
			created, ids, err := intakeBatchTx(tx, tenantID, calls, &all)
			if err != nil {
				return nil, err
			}
			for i := range calls {
				out[i] = outcome{created: created[i], orderID: ids[i]}
			}
		}
		// The batch's stock moves last, one update per product for every
		// order: the hot rows stay locked for that, the events and the
		// commit only.
		if len(all.claimed) > 0 {
			figs, ok, err := inventory.MoveClaimedTx(tx, tenantID, calls[0].actor, all.claimed)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, errBatchShort
			}
			all.moved(figs...)
		}
		if len(all.events) == 0 && len(all.change.Products) == 0 {
			return nil, nil // nothing new: every order was seen before
		}
		return all.finish(tx, tenantID)
	})
	if err != nil {
		return err
	}
	s.inv.Committed(ctx, tenantID, all.change, committed)
	for i, c := range calls {
		c.created, c.orderID, c.err = out[i].created, out[i].orderID, nil
	}
	return nil
}
