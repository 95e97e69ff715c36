package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/shared/api"
)

// Production intervals of the periodic jobs the flows depend on (main's
// periodic list).
const (
	reconcileEvery = 10 * time.Second
	pollDueEvery   = 5 * time.Second
)

// stackOptions choose how one run's Manifold is wired.
type stackOptions struct {
	// name is part of the run's queue name.
	name string
	// reg are the connectors, by channel kind.
	reg channel.Registry
	// push wires the pusher as main does: it observes stock changes and the
	// worker runs push and reconcile tasks. Without it stock reaches the
	// channels only when the run converges accounts itself.
	push bool
	// pace is the pusher's least time between two rounds to one account.
	pace time.Duration
	// reconcileEvery and pollDueEvery are the periodic jobs' intervals.
	reconcileEvery, pollDueEvery time.Duration
	// taskCheck is the worker's idle wait for new tasks (0: production's).
	taskCheck time.Duration
}

// stack is Manifold's order intake and stock push, wired from the internal
// packages as main wires them, over a queue of its own: the services, a
// worker running the channel tasks, the periodic jobs, and the webhook
// endpoint on loopback.
type stack struct {
	*base
	opts     stackOptions
	queue    string
	client   *asynq.Client
	inv      *inventory.Service
	catalog  *catalog.Service
	orders   *orders.Service
	accounts *channel.Accounts
	pusher   *channel.Pusher
	poller   *channel.Poller
	worker   *asynq.Server
	app      *fiber.App
	// selfURL is where the simulators reach the webhook endpoint.
	selfURL string

	stopTicks context.CancelFunc
	ticks     sync.WaitGroup

	mu       sync.Mutex
	failed   map[string]int
	connects []connected
}

// connected is an account the stack created, disabled again on close so a
// later run's periodic jobs leave it alone.
type connected struct{ tenant, account uuid.UUID }

// newStack wires and starts one run's Manifold.
func (b *base) newStack(ctx context.Context, o stackOptions) (_ *stack, err error) {
	s := &stack{base: b, opts: o, queue: b.prefix + o.name + ":critical", failed: map[string]int{}}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.client = asynq.NewClient(b.redisOpt)
	hub := realtime.NewHub(b.db, b.rdb, b.log, realtime.Options{ChannelPrefix: b.prefix + o.name + ":events:"})
	s.inv = inventory.NewService(b.db, hub, b.log)
	s.catalog = catalog.NewService(b.db)
	s.orders = orders.NewService(b.db, s.inv, b.log)
	s.accounts = channel.NewAccounts(b.db, b.keys, o.reg, &http.Client{Timeout: 30 * time.Second})
	s.pusher = channel.NewPusher(b.db, s.client, o.reg, b.log, channel.WithAccounts(s.accounts),
		channel.WithQueue(s.queue), channel.WithPace(o.pace))
	s.poller = channel.NewPoller(b.db, s.accounts, o.reg, s.orders, s.client, b.log, channel.WithPollQueue(s.queue))
	if o.push {
		s.inv.Observe(s.pusher)
	}

	mux := asynq.NewServeMux()
	mux.Handle(channel.TaskPoll, s.poller.PollHandler())
	mux.Handle(channel.TaskPollDue, s.poller.PollDueHandler())
	mux.Handle(channel.TaskWebhookOrder, channel.NewWebhooks(s.poller).OrderHandler())
	if o.push {
		mux.Handle(channel.TaskPush, s.pusher.PushHandler())
		mux.Handle(channel.TaskReconcile, s.pusher.ReconcileHandler())
	}
	// tasks.NewWorker's settings, on this run's queue.
	taskCheck := o.taskCheck
	if taskCheck <= 0 {
		taskCheck = tasks.TaskCheckInterval
	}
	s.worker = asynq.NewServer(b.redisOpt, asynq.Config{
		Concurrency:              20,
		Queues:                   map[string]int{s.queue: 1},
		RetryDelayFunc:           tasks.RetryDelay,
		ShutdownTimeout:          5 * time.Second,
		HealthCheckInterval:      15 * time.Second,
		DelayedTaskCheckInterval: time.Second,
		TaskCheckInterval:        taskCheck,
		Logger:                   asynqLogger{log: b.log},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			s.mu.Lock()
			s.failed[t.Type()]++
			s.mu.Unlock()
			b.log.Warn("task failed", slog.String("type", t.Type()), slog.String("err", err.Error()))
		}),
	})
	if err := s.worker.Start(mux); err != nil {
		return nil, fmt.Errorf("flows: worker: %w", err)
	}

	periodic := []struct {
		every time.Duration
		p     tasks.Periodic
	}{{o.pollDueEvery, channel.PollDuePeriodic(s.queue, o.pollDueEvery)}}
	if o.push {
		periodic = append(periodic, struct {
			every time.Duration
			p     tasks.Periodic
		}{o.reconcileEvery, channel.ReconcilePeriodic(s.queue, o.reconcileEvery)})
	}
	tickCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopTicks = stop
	for _, p := range periodic {
		s.ticks.Add(1)
		go s.tick(tickCtx, p.every, p.p)
	}

	s.app = fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: webhookError(b.log)})
	s.app.Post("/webhooks/:kind/:account/:token", channel.NewWebhooks(s.poller).Receive)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("flows: webhook listener: %w", err)
	}
	s.selfURL = "http://" + ln.Addr().String()
	go func() { _ = s.app.Listener(ln) }()
	return s, nil
}

// tick enqueues a periodic job every interval, as the scheduler does. The
// scheduler's cron specs cannot go below a second; the burst's compressed
// intervals do.
func (s *stack) tick(ctx context.Context, every time.Duration, p tasks.Periodic) {
	defer s.ticks.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.client.EnqueueContext(ctx, p.Task, p.Opts...); err != nil && !tasks.IsDuplicate(err) && ctx.Err() == nil {
				s.log.Warn("periodic job not enqueued", slog.String("type", p.Task.Type()), slog.String("err", err.Error()))
			}
		}
	}
}

// failures returns how many task runs failed, by task type.
func (s *stack) failures() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.failed))
	for k, v := range s.failed {
		out[k] = v
	}
	return out
}

// close stops the run's Manifold, disables the accounts it connected and
// removes its queue from Redis.
func (s *stack) close() {
	if s.stopTicks != nil {
		s.stopTicks()
		s.ticks.Wait()
	}
	if s.app != nil {
		_ = s.app.ShutdownWithTimeout(2 * time.Second)
	}
	if s.worker != nil {
		s.worker.Shutdown()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	off := false
	s.mu.Lock()
	accts := s.connects
	s.mu.Unlock()
	for _, c := range accts {
		if _, err := s.accounts.Update(ctx, c.tenant, c.account, api.UpdateChannelAccountRequest{Enabled: &off}); err != nil {
			s.log.Warn("disable account", slog.String("err", err.Error()))
		}
	}
	s.dropQueue(ctx)
	if s.client != nil {
		_ = s.client.Close()
	}
}

// dropQueue removes the run's queue from Redis. DeleteQueue leaves the
// queue's counters behind, and refuses a queue whose tasks a killed run left
// active; the queue's name is the run's own, so every key under it goes.
func (s *stack) dropQueue(ctx context.Context) {
	insp := asynq.NewInspector(s.redisOpt)
	defer insp.Close()
	if err := insp.DeleteQueue(s.queue, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		s.log.Warn("delete queue", slog.String("queue", s.queue), slog.String("err", err.Error()))
	}
	iter := s.rdb.Scan(ctx, 0, "asynq:{"+s.queue+"}:*", 100).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if len(keys) > 0 {
		_ = s.rdb.Del(ctx, keys...).Err()
	}
	_ = s.rdb.SRem(ctx, "asynq:queues", s.queue).Err()
}

// webhookError answers a failed webhook as the server's error handler does:
// domain errors by their kind, anything else 500.
func webhookError(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status := fiber.StatusInternalServerError
		if e, ok := apperr.As(err); ok {
			switch e.Kind {
			case apperr.KindInvalid:
				status = fiber.StatusBadRequest
			case apperr.KindUnauthenticated:
				status = fiber.StatusUnauthorized
			case apperr.KindNotFound:
				status = fiber.StatusNotFound
			case apperr.KindConflict:
				status = fiber.StatusConflict
			case apperr.KindUnavailable:
				status = fiber.StatusServiceUnavailable
			}
		}
		if status >= 500 {
			log.Error("webhook failed", slog.String("err", err.Error()))
		}
		return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Message: err.Error()}})
	}
}
