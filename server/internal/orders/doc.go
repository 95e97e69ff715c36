// Package orders owns orders from every channel: the one idempotent intake
// every connector and the API use, the lifecycle state machine, allocation
// on arrival and when stock comes back, cancellation, the mapping review
// queue of unmapped channel SKUs, and the pick/pack queue.
//
// Intake is group-committed per tenant: orders arriving while one of the
// tenant's intake transactions runs are taken together in the next one
// (batch.go), so a burst on one SKU locks its stock row once per batch.
package orders
