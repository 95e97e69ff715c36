// Package realtime is each tenant's live event stream. Events are rows of the
// events table, numbered per tenant (seq 1, 2, 3 ...) inside the transaction
// that produced them, so the stream is durable and a client resumes after the
// last seq it saw. Redis pub/sub only makes delivery fast and fans it out
// across server replicas; a subscriber fills any gap, and a periodic check
// finds anything pub/sub missed, from Postgres.
package realtime

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/shared/api"
)

// NewEvent is an event to append: a type such as "order.created" and any
// value that encodes to JSON (nil becomes {}).
type NewEvent struct {
	Type string
	Data any
}

// insertBatch keeps one INSERT well below PostgreSQL's 65535 parameters.
const insertBatch = 1000

var typePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// ValidType reports whether typ is a well-formed event type: two or more
// lowercase dotted words, such as "order.created" or "stock.changed".
func ValidType(typ string) bool { return len(typ) <= 100 && typePattern.MatchString(typ) }

// Append records one event; see AppendAll.
func Append(tx *gorm.DB, tenantID uuid.UUID, typ string, data any) (api.Event, error) {
	evs, err := AppendAll(tx, tenantID, NewEvent{Type: typ, Data: data})
	if err != nil {
		return api.Event{}, err
	}
	return evs[0], nil
}

// AppendAll records events for tenantID inside the caller's tenant
// transaction tx (from db.Tenant) and returns them with their seqs.
//
// The seqs are reserved by incrementing the tenant's row of
// tenant_event_seqs, which row-locks it until tx ends: a tenant's events therefore commit in seq order, and a
// client that resumes after seq N never misses a lower seq committed late.
// Because that lock serializes every event-producing transaction of the
// tenant, call AppendAll as the last statement before commit. If tx rolls
// back, the events and the seqs go with it, leaving no hole.
//
// After commit, pass the returned events to Hub.Announce for prompt delivery.
// Forgetting to, or a failed announce, only delays delivery until the hub's
// periodic check.
func AppendAll(tx *gorm.DB, tenantID uuid.UUID, events ...NewEvent) ([]api.Event, error) {
	if tenantID == uuid.Nil {
		return nil, errors.New("realtime: append: no tenant")
	}
	if len(events) == 0 {
		return nil, errors.New("realtime: append: no events")
	}
	payloads := make([][]byte, len(events))
	for i, e := range events {
		if !ValidType(e.Type) {
			return nil, fmt.Errorf("realtime: append: event type %q must be lowercase dotted words such as \"order.created\"", e.Type)
		}
		p, err := encodeData(e.Data)
		if err != nil {
			return nil, fmt.Errorf("realtime: append %s: %w", e.Type, err)
		}
		payloads[i] = p
	}

	// The first batch reserves the seqs of all events and inserts its rows in
	// the same statement: it takes the tenant's seq lock, so the fewer round
	// trips between it and the commit, the less event-producing transactions
	// of the tenant wait for each other.
	n := int64(len(events))
	out := make([]api.Event, 0, len(events))
	var first int64
	for start := 0; start < len(events); start += insertBatch {
		end := min(start+insertBatch, len(events))
		var sb strings.Builder
		args := make([]any, 0, 4+3*(end-start))
		if start == 0 {
			sb.WriteString(`WITH s AS (
					INSERT INTO tenant_event_seqs (tenant_id, seq) VALUES (?, ?)
					ON CONFLICT (tenant_id) DO UPDATE SET seq = tenant_event_seqs.seq + EXCLUDED.seq
					RETURNING seq - ? AS base)
				INSERT INTO events (tenant_id, seq, type, data)
				SELECT ?::uuid, s.base + v.i, v.type, v.data::jsonb FROM s, (VALUES `)
			args = append(args, tenantID, n, n, tenantID)
		} else {
			sb.WriteString(`INSERT INTO events (tenant_id, seq, type, data)
				SELECT ?::uuid, ?::bigint + v.i, v.type, v.data::jsonb FROM (VALUES `)
			args = append(args, tenantID, first-1)
		}
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteString(`(?::bigint, ?::text, ?::text)`)
			args = append(args, int64(i+1), events[i].Type, string(payloads[i]))
		}
		// The stored form is returned so a live event is byte-identical to
		// its replay.
		sb.WriteString(`) AS v (i, type, data) RETURNING seq, type, data, created_at`)
		var rows []eventRow
		if err := tx.Raw(sb.String(), args...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("realtime: append events: %w", err)
		}
		if start == 0 && len(rows) == 0 {
			// Row-level security hides the seq row when tx is not scoped
			// to tenantID, and with it every row to insert.
			return nil, fmt.Errorf("realtime: append: tenant %s is not visible in this transaction", tenantID)
		}
		if len(rows) != end-start {
			return nil, fmt.Errorf("realtime: insert events: %d of %d rows written", len(rows), end-start)
		}
		for _, r := range rows {
			out = append(out, r.event())
		}
		if start == 0 {
			first = slices.MinFunc(out, func(a, b api.Event) int { return cmp.Compare(a.Seq, b.Seq) }).Seq
		}
	}
	slices.SortFunc(out, func(a, b api.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

func encodeData(v any) ([]byte, error) {
	if v == nil {
		return []byte(`{}`), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode data: %w", err)
	}
	return b, nil
}
