package orders

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/db"
)

// TaskAllocateHeld retries every tenant's orders held short of stock. Stock
// arriving allocates held orders at once; this periodic pass is the safety
// net for a process that stopped between a commit and that step.
const TaskAllocateHeld = "orders:allocate-held"

// AllocateHeldHandler runs TaskAllocateHeld.
func AllocateHeldHandler(s *Service, log *slog.Logger) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		tenants, err := db.IDs(s.db.Unscoped(ctx), `SELECT id FROM tenant_ids() AS id`)
		if err != nil {
			return fmt.Errorf("orders: list tenants: %w", err)
		}
		for _, t := range tenants {
			ids, err := s.AllocateHeld(ctx, t, nil)
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				log.Info("held orders allocated", slog.String("tenant_id", t.String()), slog.Int("count", len(ids)))
			}
		}
		return nil
	})
}
