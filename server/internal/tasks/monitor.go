package tasks

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/shared/api"
)

// Monitor reads queue state for the platform operator's jobs page.
type Monitor struct {
	insp *asynq.Inspector
}

// NewMonitor returns a monitor over the Redis that carries the queues.
func NewMonitor(redisOpt asynq.RedisConnOpt) *Monitor {
	return &Monitor{insp: asynq.NewInspector(redisOpt)}
}

// Close releases the inspector's connection.
func (m *Monitor) Close() error { return m.insp.Close() }

// Overview returns every queue's counts and the most recent failures.
func (m *Monitor) Overview(failureLimit int) (api.JobOverview, error) {
	names, err := m.insp.Queues()
	if err != nil {
		return api.JobOverview{}, fmt.Errorf("tasks: list queues: %w", err)
	}
	out := api.JobOverview{Queues: []api.JobQueue{}, Failures: []api.JobFailure{}}
	// Queues appear in Redis only once a task was enqueued; list ours anyway.
	for q := range QueuePriorities() {
		if !contains(names, q) {
			out.Queues = append(out.Queues, api.JobQueue{Name: q})
		}
	}
	sort.Strings(names)
	for _, q := range names {
		info, err := m.insp.GetQueueInfo(q)
		if err != nil {
			return api.JobOverview{}, fmt.Errorf("tasks: queue %s: %w", q, err)
		}
		out.Queues = append(out.Queues, api.JobQueue{Name: q, Paused: info.Paused, Size: info.Size,
			Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled, Retry: info.Retry,
			Archived: info.Archived, Completed: info.Completed, ProcessedToday: info.Processed,
			FailedToday: info.Failed, LatencySeconds: info.Latency.Seconds()})
		retry, err := m.insp.ListRetryTasks(q, asynq.PageSize(failureLimit))
		if err != nil {
			return api.JobOverview{}, fmt.Errorf("tasks: retry tasks of %s: %w", q, err)
		}
		for _, t := range retry {
			out.Failures = append(out.Failures, failure(t, "retry"))
		}
		archived, err := m.insp.ListArchivedTasks(q, asynq.PageSize(failureLimit))
		if err != nil {
			return api.JobOverview{}, fmt.Errorf("tasks: archived tasks of %s: %w", q, err)
		}
		for _, t := range archived {
			out.Failures = append(out.Failures, failure(t, "archived"))
		}
	}
	sort.Slice(out.Queues, func(i, j int) bool { return out.Queues[i].Name < out.Queues[j].Name })
	sort.Slice(out.Failures, func(i, j int) bool {
		return timeOf(out.Failures[i].FailedAt).After(timeOf(out.Failures[j].FailedAt))
	})
	if len(out.Failures) > failureLimit {
		out.Failures = out.Failures[:failureLimit]
	}
	servers, err := m.insp.Servers()
	if err != nil {
		return api.JobOverview{}, fmt.Errorf("tasks: servers: %w", err)
	}
	out.Servers = len(servers)
	return out, nil
}

// RunArchived re-queues an archived task so it runs again now.
func (m *Monitor) RunArchived(queue, id string) error {
	if err := m.insp.RunTask(queue, id); err != nil {
		if errors.Is(err, asynq.ErrQueueNotFound) || errors.Is(err, asynq.ErrTaskNotFound) {
			return fmt.Errorf("%w: task %s in queue %s", ErrNotFound, id, queue)
		}
		return fmt.Errorf("tasks: run %s: %w", id, err)
	}
	return nil
}

// ErrNotFound is returned for a queue or task that does not exist.
var ErrNotFound = errors.New("not found")

func failure(t *asynq.TaskInfo, state string) api.JobFailure {
	f := api.JobFailure{ID: t.ID, Queue: t.Queue, Type: t.Type, State: state, Retried: t.Retried,
		MaxRetry: t.MaxRetry, LastError: t.LastErr}
	if !t.LastFailedAt.IsZero() {
		at := t.LastFailedAt.UTC()
		f.FailedAt = &at
	}
	if !t.NextProcessAt.IsZero() {
		at := t.NextProcessAt.UTC()
		f.NextRunAt = &at
	}
	return f
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
