// Package shipping turns packed orders into parcels on a truck: it rate-shops
// every parcel across the tenant's own carrier accounts at once and stores
// the explainable decision (rateshop), buys the winner's label in ZPL and
// PDF, follows tracking — polled, or pushed by the providers' webhooks —
// until the carrier accepts the parcel (the order then ships and its
// tracking goes back to the channel) and delivers it, closes
// out the day with manifests, reconciles the hand-off scan at the truck
// against what was labeled, flags parcels the carrier never accepted, and
// reports what rate shopping saved.
//
// The carriers themselves are adapters (carrier.Adapter) registered by
// provider key in an Adapters map that main builds; this package never knows
// which provider it talks to.
package shipping
