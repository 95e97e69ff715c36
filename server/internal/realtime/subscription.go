package realtime

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/shared/api"
)

// outBuffer is the capacity of Subscription.Events.
const outBuffer = 64

// Subscription is one subscriber's view of a tenant's events: every event
// after the resume point, each exactly once, in seq order with no gaps.
type Subscription struct {
	hub      *Hub
	tenantID uuid.UUID
	ctx      context.Context
	cancel   context.CancelFunc
	out      chan api.Event
	wake     chan struct{}
	finished chan struct{}

	mu      sync.Mutex
	pending []api.Event // live events not yet looked at
	upto    int64       // highest seq known to be committed
	stale   bool        // live events were dropped: read Postgres
	err     error

	last int64 // highest seq delivered; owned by run
}

// Subscribe starts a subscription to tenantID's events with seq > after. It
// replays the missed events from Postgres, then delivers live ones; it ends
// when ctx ends, Close is called, or the hub stops. Events queue for a
// slow reader without holding anyone else up.
func (h *Hub) Subscribe(ctx context.Context, tenantID uuid.UUID, after int64) (*Subscription, error) {
	if tenantID == uuid.Nil {
		return nil, errors.New("realtime: subscribe: no tenant")
	}
	if after < 0 {
		return nil, errors.New("realtime: subscribe: negative resume point")
	}
	select {
	case <-h.done:
		return nil, ErrStopped
	default:
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Subscription{
		hub: h, tenantID: tenantID, ctx: ctx, cancel: cancel,
		out:      make(chan api.Event, outBuffer),
		wake:     make(chan struct{}, 1),
		finished: make(chan struct{}),
		last:     after,
	}
	// Registered before the replay, so nothing committed meanwhile slips
	// between the replay and the live events.
	h.add(s)
	go s.run()
	return s, nil
}

// Events delivers the events. It is closed when the subscription ends; Err
// then says why.
func (s *Subscription) Events() <-chan api.Event { return s.out }

// Err returns why the subscription ended: the context's error, or
// ErrStopped. It is nil while Events is open.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription and waits until Events is closed.
func (s *Subscription) Close() {
	s.cancel()
	<-s.finished
}

func (s *Subscription) run() {
	defer func() {
		s.hub.remove(s)
		s.mu.Lock()
		select {
		case <-s.hub.done:
			s.err = ErrStopped
		default:
			s.err = s.ctx.Err()
		}
		s.mu.Unlock()
		close(s.out)
		s.cancel()
		close(s.finished)
	}()
	if !s.catchUp() {
		return
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.hub.done:
			return
		case <-s.wake:
		}
		if !s.process() {
			return
		}
	}
}

// process delivers what the hub offered since the last wake. Live events
// are delivered while they continue the sequence; past a gap (a lost or
// overtaken message) or a dropped backlog, the rest comes from Postgres,
// which has every seq up to any announced one since they commit in order.
// It returns false when the subscription is over.
func (s *Subscription) process() bool {
	events, upto, stale := s.take()
	slices.SortFunc(events, func(a, b api.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, ev := range events {
		if ev.Seq == s.last+1 && !s.send(ev) {
			return false
		}
	}
	if stale || upto > s.last {
		return s.catchUp()
	}
	return true
}

// catchUp delivers every event in Postgres after the last one delivered. A
// read error is logged and left for the next periodic check to retry; it
// returns false only when the subscription is over.
func (s *Subscription) catchUp() bool {
	page := s.hub.opts.PageSize
	for {
		events, err := loadAfter(s.ctx, s.hub.db, s.tenantID, s.last, page)
		if err != nil {
			if s.ctx.Err() != nil {
				return false
			}
			s.hub.log.Warn("realtime: catch up failed", slog.String("tenant_id", s.tenantID.String()),
				slog.Int64("after", s.last), slog.Any("error", err))
			return true
		}
		for _, ev := range events {
			if ev.Seq > s.last && !s.send(ev) {
				return false
			}
		}
		if len(events) < page {
			return true
		}
	}
}

func (s *Subscription) send(ev api.Event) bool {
	select {
	case s.out <- ev:
		s.last = ev.Seq
		return true
	case <-s.ctx.Done():
		return false
	case <-s.hub.done:
		return false
	}
}

// offer queues live events (and the highest committed seq known) and wakes
// the subscription. It never blocks: past the backlog the events are dropped
// and the subscription reads Postgres instead.
func (s *Subscription) offer(events []api.Event, upto int64) {
	s.mu.Lock()
	s.upto = max(s.upto, upto)
	switch {
	case s.stale:
	case len(s.pending)+len(events) > s.hub.opts.Backlog:
		s.pending, s.stale = nil, true
	default:
		s.pending = append(s.pending, events...)
	}
	s.mu.Unlock()
	s.notify()
}

// markStale makes the subscription read Postgres for whatever it missed.
func (s *Subscription) markStale() {
	s.mu.Lock()
	s.pending, s.stale = nil, true
	s.mu.Unlock()
	s.notify()
}

func (s *Subscription) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Subscription) take() (events []api.Event, upto int64, stale bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events, upto, stale = s.pending, s.upto, s.stale
	s.pending, s.upto, s.stale = nil, 0, false
	return events, upto, stale
}
