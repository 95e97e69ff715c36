// Package channel is the core's side of the marketplaces: the Channel
// interface every connector (amazon, walmart, woocommerce, ebay) implements,
// the registry main builds from them, and stock push convergence.
//
// Pushes are level-triggered. Each listing records the quantity and stock
// version last pushed; a push task for a channel account recomputes what
// every listing should show and sends only what differs, then looks again in
// case stock moved while it was sending. Stock changes only make a push
// happen sooner (the Pusher observes the inventory service); a periodic
// reconciler finds listings whose pushed version lags the stock version and
// guarantees convergence even when queued work is lost. A duplicate or stale
// push task finds nothing to send.
package channel
