// Package inventory owns stock: on hand, allocated and available per
// product, the ledger of every change, the allocation primitives that cannot
// oversell, and the allocation policy that decides what each channel shows.
//
// Allocation is one conditional UPDATE per product
// (on_hand - allocated >= qty) behind a CHECK constraint, with at most one
// allocation row per order line, and products locked in a fixed order.
package inventory
