package shipping

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// TaskTrack polls the carriers for every tenant's labeled and shipped
// parcels whose tracking is stale, applies their events (shipping and
// delivering orders, syncing tracking back to channels) and flags parcels
// never accepted as possibly lost. The scheduler runs it.
const TaskTrack = "shipping:track"

// TrackTask returns the periodic tracking poll task.
func TrackTask() *asynq.Task { return asynq.NewTask(TaskTrack, nil) }

// TrackPeriodic is the scheduler entry of the tracking poll, every interval
// on queue. A poll still running holds off the next one.
func TrackPeriodic(queue string, every time.Duration) tasks.Periodic {
	return tasks.Periodic{Spec: "@every " + every.String(), Task: TrackTask(), Opts: []asynq.Option{
		asynq.Queue(queue), asynq.Unique(max(every-time.Second, time.Second)), asynq.MaxRetry(0),
		asynq.Timeout(max(every, 5*time.Minute))}}
}

// TrackHandler runs TaskTrack.
func (s *Service) TrackHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		return s.TrackAll(ctx)
	})
}
