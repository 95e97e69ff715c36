package channel

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// Task types.
const (
	// TaskPush converges the listings of one channel account.
	TaskPush = "stock:push"
	// TaskReconcile finds every account with a listing behind its stock and
	// enqueues its push. The scheduler runs it every few seconds.
	TaskReconcile = "stock:reconcile"
)

// PushPayload is the payload of TaskPush.
type PushPayload struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	AccountID uuid.UUID `json:"account_id"`
}

const (
	// pushTimeout bounds one push task: a few rounds of batched calls. What
	// was pushed before a timeout stays recorded; the retry sends the rest.
	pushTimeout = time.Minute
	// pushMaxRetry retries a failing channel for four to six minutes with
	// tasks.RetryDelay; after that the reconciler takes over, on the backoff
	// the listings record.
	pushMaxRetry = 8
	// reconcileTimeout bounds one reconciler pass over every tenant.
	reconcileTimeout = time.Minute
)

// PushTask returns the task that converges an account's listings.
func PushTask(tenantID, accountID uuid.UUID) *asynq.Task {
	payload, _ := json.Marshal(PushPayload{TenantID: tenantID, AccountID: accountID}) // two UUIDs always marshal
	return asynq.NewTask(TaskPush, payload)
}

// pushTaskID names the one push task an account may have queued or running,
// so a burst of stock changes collapses into one task.
func pushTaskID(accountID uuid.UUID) string { return "stockpush:" + accountID.String() }

// ReconcileTask returns the periodic reconciler task, for the scheduler.
func ReconcileTask() *asynq.Task { return asynq.NewTask(TaskReconcile, nil) }

// ReconcilePeriodic is the scheduler entry that runs the reconciler every
// interval on queue. A pass still queued when the next is due makes that one
// redundant, and a failed pass is not retried: the next tick does the same work.
func ReconcilePeriodic(queue string, every time.Duration) tasks.Periodic {
	return tasks.Periodic{Spec: "@every " + every.String(), Task: ReconcileTask(), Opts: []asynq.Option{
		asynq.Queue(queue), asynq.Unique(max(every-time.Second, time.Second)), asynq.MaxRetry(0),
		asynq.Timeout(reconcileTimeout)}}
}
