package api

import (
	"encoding/json"
	"time"
)

// Health answers /healthz and /readyz.
type Health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// Event is one entry of a tenant's realtime stream. Seq increases by one per
// event within a tenant; a client resumes by sending the last Seq it saw.
type Event struct {
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}

// JobQueue summarizes one asynq queue for the platform operator.
type JobQueue struct {
	Name           string  `json:"name"`
	Paused         bool    `json:"paused"`
	Size           int     `json:"size"`
	Pending        int     `json:"pending"`
	Active         int     `json:"active"`
	Scheduled      int     `json:"scheduled"`
	Retry          int     `json:"retry"`
	Archived       int     `json:"archived"`
	Completed      int     `json:"completed"`
	ProcessedToday int     `json:"processed_today"`
	FailedToday    int     `json:"failed_today"`
	LatencySeconds float64 `json:"latency_seconds"`
}

// JobFailure is a task waiting for retry or archived after its last attempt.
type JobFailure struct {
	ID        string     `json:"id"`
	Queue     string     `json:"queue"`
	Type      string     `json:"type"`
	State     string     `json:"state"`
	Retried   int        `json:"retried"`
	MaxRetry  int        `json:"max_retry"`
	LastError string     `json:"last_error"`
	FailedAt  *time.Time `json:"failed_at,omitempty"`
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
}

// JobOverview is the platform operator's job monitoring view.
type JobOverview struct {
	Queues   []JobQueue   `json:"queues"`
	Failures []JobFailure `json:"failures"`
	Servers  int          `json:"servers"`
}
