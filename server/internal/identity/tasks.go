package identity

import (
	"context"
	"log/slog"

	"github.com/hibiken/asynq"
)

// TaskPurgeSessions deletes expired console sessions.
const TaskPurgeSessions = "sessions:purge"

// PurgeSessionsHandler runs TaskPurgeSessions.
func PurgeSessionsHandler(s *Service, log *slog.Logger) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		n, err := s.PurgeExpiredSessions(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("expired sessions purged", slog.Int64("count", n))
		}
		return nil
	})
}
