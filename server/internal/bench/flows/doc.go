// Package flows benchmarks Manifold's flows end to end, in process, against
// real PostgreSQL and Redis and the marketplace and carrier simulators on
// loopback:
//
//   - Latency: a WooCommerce order arrives by webhook; how long until every
//     other channel shows the new quantity.
//   - Burst: a short SKU sells on four channels at once; how many units are
//     sold beyond the stock with Manifold's level-triggered push, and with a
//     15-minute batch sync for comparison.
//   - RateShop: how long one rate-shopping decision over the five carrier
//     providers takes, all healthy and with one hanging.
//
// Each scenario prints its figures next to their targets. Timings are
// reported, never asserted.
package flows
