// Package rateshop chooses how a parcel ships: it asks every carrier account
// of a tenant for quotes at once (Shop) and then picks, as a pure function of
// those quotes (Decide), the cheapest one that keeps the delivery promise.
//
// The decision is explainable by construction: it keeps every quote with its
// price in integer cents, its estimated delivery date and how that date was
// estimated, why it was excluded, the tie-break that chose the winner, the
// providers that failed or timed out, and the saving against the tenant's
// default service. A promise is never downgraded: when no quote keeps it the
// decision says NeedsReview and names no winner, so no label is bought.
//
// Business days are Monday to Friday minus the observed US federal holidays
// (github.com/rickar/cal/v2/us).
package rateshop
