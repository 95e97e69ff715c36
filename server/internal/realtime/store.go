package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

type eventRow struct {
	Seq       int64     `gorm:"column:seq"`
	Type      string    `gorm:"column:type"`
	Data      []byte    `gorm:"column:data"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (r eventRow) event() api.Event {
	return api.Event{Seq: r.Seq, Type: r.Type, Data: json.RawMessage(r.Data), CreatedAt: r.CreatedAt.UTC()}
}

// loadAfter reads up to limit events of tenantID with seq > after, in order.
func loadAfter(ctx context.Context, d *db.DB, tenantID uuid.UUID, after int64, limit int) ([]api.Event, error) {
	var rows []eventRow
	err := d.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT seq, type, data, created_at FROM events
			WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenantID, after, limit).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("realtime: load events: %w", err)
	}
	out := make([]api.Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// lastSeq reads the seq of tenantID's latest committed event.
func lastSeq(ctx context.Context, d *db.DB, tenantID uuid.UUID) (int64, error) {
	var seq []int64
	err := d.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT seq FROM tenant_event_seqs WHERE tenant_id = ?`, tenantID).Scan(&seq).Error
	})
	if err != nil {
		return 0, fmt.Errorf("realtime: read last seq: %w", err)
	}
	if len(seq) == 0 {
		return 0, nil
	}
	return seq[0], nil
}
