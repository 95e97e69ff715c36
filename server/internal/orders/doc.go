// Package orders owns orders from every channel: the one idempotent intake
// every connector and the API use, the lifecycle state machine, allocation
// on arrival and when stock comes back, cancellation, the mapping review
// queue of unmapped channel SKUs, and the pick/pack queue.
package orders
