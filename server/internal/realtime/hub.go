package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

// ErrStopped is returned by Subscribe, and by Subscription.Err, once the
// hub's Run has returned (the server is shutting down).
var ErrStopped = errors.New("realtime: hub stopped")

// Options tunes a Hub. Zero fields take the defaults.
type Options struct {
	// ChannelPrefix starts the name of every Redis pub/sub channel; the
	// tenant id follows. Default "manifold:events:".
	ChannelPrefix string
	// CheckInterval is how often the hub reads each subscribed tenant's last
	// seq from Postgres, to deliver what pub/sub lost or was never told.
	// Default 5 s.
	CheckInterval time.Duration
	// Heartbeat is how often Stream writes a comment on an idle connection,
	// so proxies keep it open and a departed client is noticed. Default 15 s.
	Heartbeat time.Duration
	// PageSize bounds one read of events from Postgres. Default 500.
	PageSize int
	// Backlog bounds the live events queued for one subscriber; past it the
	// subscriber drops them and reads Postgres instead. Default 1024.
	Backlog int
}

func (o Options) withDefaults() Options {
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "manifold:events:"
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 5 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Backlog <= 0 {
		o.Backlog = 1024
	}
	return o
}

// maxPayload bounds a pub/sub message; a larger announcement carries only
// the last seq and subscribers read the events from Postgres.
const maxPayload = 256 << 10

// announcement is the pub/sub message: the committed events, or just the seq
// of the last one when they are too large to carry.
type announcement struct {
	Events []api.Event `json:"events,omitempty"`
	Upto   int64       `json:"upto"`
}

// Hub fans a tenant's events out to the subscribers connected to this
// process. There is one per process; replicas meet through Redis pub/sub.
type Hub struct {
	db   *db.DB
	rdb  *redis.Client
	log  *slog.Logger
	opts Options

	mu   sync.RWMutex
	subs map[uuid.UUID]map[*Subscription]struct{}

	started   atomic.Bool
	readyOnce sync.Once
	ready     chan struct{}
	done      chan struct{}
}

// NewHub returns a hub reading events from d and meeting other replicas
// through rdb. Call Run to start it.
func NewHub(d *db.DB, rdb *redis.Client, log *slog.Logger, opts Options) *Hub {
	return &Hub{
		db: d, rdb: rdb, log: log, opts: opts.withDefaults(),
		subs:  make(map[uuid.UUID]map[*Subscription]struct{}),
		ready: make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// Ready is closed once the hub listens on Redis, so announcements from any
// replica reach it.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Subscribers returns how many subscriptions are open on this process.
func (h *Hub) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

// Run listens for announcements from every replica and runs the periodic
// check until ctx ends. It then ends every subscription (and so every event
// stream), letting the HTTP server shut down. Run may be called once.
func (h *Hub) Run(ctx context.Context) error {
	if !h.started.CompareAndSwap(false, true) {
		return errors.New("realtime: hub already running")
	}
	defer close(h.done)

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.checkLoop(ctx)
	}()

	ps := h.rdb.PSubscribe(ctx, globEscape(h.opts.ChannelPrefix)+"*")
	defer ps.Close()
	msgs := ps.ChannelWithSubscriptions(redis.WithChannelSize(1024))
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return errors.New("realtime: pub/sub closed")
			}
			switch m := m.(type) {
			case *redis.Subscription:
				h.subscribed()
			case *redis.Message:
				h.dispatch(m)
			}
		}
	}
}

// subscribed runs on every (re)subscription. After a reconnect, whatever
// was published meanwhile is lost, so every subscriber reads Postgres.
func (h *Hub) subscribed() {
	first := false
	h.readyOnce.Do(func() {
		close(h.ready)
		first = true
	})
	if first {
		return
	}
	h.log.Info("realtime: pub/sub resubscribed; subscribers catch up from postgres")
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.subs {
		for s := range set {
			s.markStale()
		}
	}
}

func (h *Hub) dispatch(m *redis.Message) {
	tenantID, err := uuid.Parse(strings.TrimPrefix(m.Channel, h.opts.ChannelPrefix))
	if err != nil || !h.hasSubscribers(tenantID) {
		return
	}
	var a announcement
	if err := json.Unmarshal([]byte(m.Payload), &a); err != nil {
		h.log.Warn("realtime: undecodable announcement", slog.String("channel", m.Channel), slog.Any("error", err))
		return
	}
	h.offer(tenantID, a.Events, a.Upto)
}

// Announce publishes events committed for tenantID to the subscribers of
// every replica. Call it after the producing transaction commits, never
// before: a subscriber that sees a seq may read everything up to it from
// Postgres. An error loses nothing; the periodic check delivers the events
// a little later, so callers usually log it and carry on.
func (h *Hub) Announce(ctx context.Context, tenantID uuid.UUID, events ...api.Event) error {
	if len(events) == 0 {
		return nil
	}
	var upto int64
	for _, e := range events {
		upto = max(upto, e.Seq)
	}
	// Local subscribers need not wait for the round trip through Redis; the
	// copy that comes back is dropped as already seen.
	h.offer(tenantID, events, upto)

	payload, err := json.Marshal(announcement{Events: events, Upto: upto})
	if err != nil || len(payload) > maxPayload {
		payload, _ = json.Marshal(announcement{Upto: upto})
	}
	if err := h.rdb.Publish(ctx, h.opts.ChannelPrefix+tenantID.String(), payload).Err(); err != nil {
		return fmt.Errorf("realtime: announce: %w", err)
	}
	return nil
}

// offer hands events to the tenant's local subscribers without waiting.
func (h *Hub) offer(tenantID uuid.UUID, events []api.Event, upto int64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[tenantID] {
		s.offer(events, upto)
	}
}

func (h *Hub) hasSubscribers(tenantID uuid.UUID) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[tenantID]) > 0
}

func (h *Hub) add(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[s.tenantID]
	if set == nil {
		set = make(map[*Subscription]struct{})
		h.subs[s.tenantID] = set
	}
	set[s] = struct{}{}
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[s.tenantID], s)
	if len(h.subs[s.tenantID]) == 0 {
		delete(h.subs, s.tenantID)
	}
}

func (h *Hub) tenants() []uuid.UUID {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]uuid.UUID, 0, len(h.subs))
	for t := range h.subs {
		out = append(out, t)
	}
	return out
}

// checkLoop is the safety net: one cheap read per subscribed tenant per
// interval tells its subscribers how far Postgres is, whatever pub/sub did.
func (h *Hub) checkLoop(ctx context.Context) {
	t := time.NewTicker(h.opts.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, tenantID := range h.tenants() {
			qctx, cancel := context.WithTimeout(ctx, h.opts.CheckInterval)
			seq, err := lastSeq(qctx, h.db, tenantID)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					h.log.Warn("realtime: periodic check failed", slog.String("tenant_id", tenantID.String()), slog.Any("error", err))
				}
				continue
			}
			h.offer(tenantID, nil, seq)
		}
	}
}

// globEscape quotes the characters PSUBSCRIBE treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
