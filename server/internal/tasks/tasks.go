// Package tasks wires asynq: the client that enqueues work, the worker that
// runs it with retry timing suited to seconds-level latency, the scheduler of
// periodic jobs, and the monitor behind the platform operator's jobs page.
// Task types are "domain:verb" constants owned by each domain package.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Queues, by urgency. Stock pushes and order intake go to critical, ordinary
// work to default, housekeeping to low.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// QueuePriorities weights how often a worker takes from each queue.
func QueuePriorities() map[string]int {
	return map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
}

// TaskCheckInterval is how often an idle worker looks for new tasks. asynq's
// default of 1 s would add up to a second to every stock push and webhook.
const TaskCheckInterval = 100 * time.Millisecond

// Enqueuer puts tasks on a queue. *asynq.Client implements it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// IsDuplicate reports whether an enqueue was refused because the same task
// (by TaskID or Unique) is already queued; callers treat that as success.
func IsDuplicate(err error) bool {
	return errors.Is(err, asynq.ErrDuplicateTask) || errors.Is(err, asynq.ErrTaskIDConflict)
}

// RetryDelay backs off exponentially from one second, with jitter, capped at
// five minutes: asynq's default waits 15-44 s before the first retry, far too
// slow for stock pushes.
//
// asynq keeps the time of a retry in whole seconds, dropping the fraction of
// now plus the delay, so a retry could come up to a second early; the delay
// returned is one second longer than the backoff, and a retry never comes
// before it. Stock pushes rely on that: a listing whose push failed waits
// out the same backoff, and a retry arriving before it found nothing to send.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	if n < 0 {
		n = 0
	}
	if n > 8 {
		n = 8
	}
	base := time.Duration(1<<n) * time.Second // 1s, 2s, 4s ... 256s
	jitter := time.Duration(rand.Int64N(int64(base/2) + 1))
	d := base + jitter
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	return d.Round(time.Second) + time.Second
}

// RedisOpt converts a redis:// URL into asynq's connection option.
func RedisOpt(url string) (asynq.RedisConnOpt, error) {
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, fmt.Errorf("tasks: REDIS_URL: %w", err)
	}
	return opt, nil
}

// NewRedis opens a go-redis client for url.
func NewRedis(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis: connect: %w", err)
	}
	return rdb, nil
}

// WorkerConfig sets up the asynq server.
type WorkerConfig struct {
	Concurrency     int
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// NewWorker builds the asynq server with Manifold's queues and retry timing.
func NewWorker(redisOpt asynq.RedisConnOpt, cfg WorkerConfig) *asynq.Server {
	log := cfg.Logger
	return asynq.NewServer(redisOpt, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   QueuePriorities(),
		RetryDelayFunc:           RetryDelay,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		HealthCheckInterval:      15 * time.Second,
		DelayedTaskCheckInterval: time.Second,
		TaskCheckInterval:        TaskCheckInterval,
		Logger:                   slogAdapter{log: log},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			retried, _ := asynq.GetRetryCount(ctx)
			maxRetry, _ := asynq.GetMaxRetry(ctx)
			log.Warn("task failed", slog.String("type", t.Type()), slog.Int("retried", retried),
				slog.Int("max_retry", maxRetry), slog.String("err", err.Error()))
		}),
	})
}

// Periodic is a task the scheduler enqueues on a cron spec.
type Periodic struct {
	Spec string
	Task *asynq.Task
	Opts []asynq.Option
}

// NewScheduler registers the periodic tasks.
func NewScheduler(redisOpt asynq.RedisConnOpt, log *slog.Logger, periodic []Periodic) (*asynq.Scheduler, error) {
	s := asynq.NewScheduler(redisOpt, &asynq.SchedulerOpts{Logger: slogAdapter{log: log}, Location: time.UTC})
	for _, p := range periodic {
		if _, err := s.Register(p.Spec, p.Task, p.Opts...); err != nil {
			return nil, fmt.Errorf("tasks: schedule %s: %w", p.Task.Type(), err)
		}
	}
	return s, nil
}

// slogAdapter lets asynq log through slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Debug(args ...any) {
	a.log.Debug(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (a slogAdapter) Info(args ...any) {
	a.log.Info(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (a slogAdapter) Warn(args ...any) {
	a.log.Warn(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (a slogAdapter) Error(args ...any) {
	a.log.Error(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (a slogAdapter) Fatal(args ...any) {
	a.log.Error(fmt.Sprint(args...), slog.String("component", "asynq"))
}
