// Package channel is the core's side of the marketplaces: the Channel
// interface every connector (amazon, walmart, woocommerce, ebay) implements,
// the registry main builds from them, and stock push convergence.
//
// Pushes are level-triggered. Each listing records the quantity and stock
// version last pushed; a push task for a channel account recomputes what
// every listing should show and sends only what differs, then looks again in
// case stock moved while it was sending. A push request that finds the
// account's task already queued or running is taken by that task's run when
// it is in the same process, and otherwise by a follow-up task due about a
// second later, so a change committed as a task ends is not left to the
// reconciler (see Pusher.Enqueue). Stock changes only make a push
// happen sooner (the Pusher observes the inventory service); a periodic
// reconciler finds listings whose pushed version lags the stock version and
// guarantees convergence even when queued work is lost. A duplicate or stale
// push task finds nothing to send.
package channel
