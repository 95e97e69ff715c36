package rateshop

import "time"

// EstimateSource says where a quote's estimated delivery date came from.
type EstimateSource string

// Estimate sources, most trusted first.
const (
	// EstimateCarrierDate is the delivery date the carrier quoted.
	EstimateCarrierDate EstimateSource = "carrier_date"
	// EstimateCarrierDays is the tender date plus the carrier's business days in transit.
	EstimateCarrierDays EstimateSource = "carrier_business_days"
	// EstimateServiceTable is the tender date plus the tenant's table entry for the service.
	EstimateServiceTable EstimateSource = "service_table"
	// EstimateNone means no estimate could be made; such a quote is never eligible.
	EstimateNone EstimateSource = "none"
)

// Evaluated is one quote as the decision saw it.
type Evaluated struct {
	Quote Quote `json:"quote"`
	// Cents is the amount in cents of the quote's own currency; nil when the
	// amount could not be read exactly.
	Cents             *int64         `json:"cents,omitempty"`
	EstimatedDelivery *Date          `json:"estimated_delivery,omitempty"`
	EstimateSource    EstimateSource `json:"estimate_source"`
	Eligible          bool           `json:"eligible"`
	// Excluded says why the quote is not eligible, every reason separated by
	// "; "; empty when it is eligible.
	Excluded string `json:"excluded,omitempty"`
}

// ProviderOutcome is how one provider answered a Shop call.
type ProviderOutcome struct {
	Provider string `json:"provider"`
	// Quotes is how many quotes the provider returned.
	Quotes int `json:"quotes"`
	// Err is the provider's error text, verbatim, or a description of the
	// timeout or cancellation; empty on success.
	Err      string        `json:"error,omitempty"`
	TimedOut bool          `json:"timed_out,omitempty"`
	Took     time.Duration `json:"took_ns"`
}

// Failed reports whether the provider gave no complete answer.
func (o ProviderOutcome) Failed() bool { return o.Err != "" }

// Saving compares the winner with the tenant's default service for the
// promise level. SavedCents is negative when the default service was cheaper
// but could not keep the promise.
type Saving struct {
	BaselineService  ServiceKey `json:"baseline_service"`
	BaselineCents    int64      `json:"baseline_cents"`
	BaselineEligible bool       `json:"baseline_eligible"`
	WinnerCents      int64      `json:"winner_cents"`
	SavedCents       int64      `json:"saved_cents"`
}

// Decision is the stored, explainable outcome of rate shopping one parcel.
type Decision struct {
	Promise    Promise `json:"promise"`
	Currency   string  `json:"currency"`
	ShipDate   Date    `json:"ship_date"`
	TenderDate Date    `json:"tender_date"`
	Deadline   Date    `json:"deadline"`
	// Quotes holds every quote in the order received, eligible or not.
	Quotes []Evaluated `json:"quotes"`
	// Winner is a copy of the chosen entry of Quotes; nil when NeedsReview.
	Winner *Evaluated `json:"winner,omitempty"`
	// WinnerReason says what set the winner apart from the runner-up.
	WinnerReason string `json:"winner_reason,omitempty"`
	// NeedsReview means no label may be bought: a person decides, the promise
	// is not silently downgraded.
	NeedsReview    bool              `json:"needs_review"`
	ReviewReason   string            `json:"review_reason,omitempty"`
	ProviderErrors []ProviderOutcome `json:"provider_errors,omitempty"`
	Saving         *Saving           `json:"saving,omitempty"`
	// SavingNote says why there is no Saving when there is a winner.
	SavingNote string `json:"saving_note,omitempty"`
}
