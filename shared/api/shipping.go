package api

import "time"

// Shipment statuses.
const (
	ShipmentQuoted      = "quoted"       // rate-shopped; no label yet
	ShipmentNeedsReview = "needs_review" // no quote keeps the promise, or the carrier refused; a person decides
	ShipmentPurchasing  = "purchasing"   // the label is being bought
	ShipmentLabeled     = "labeled"      // label bought, not yet with the carrier
	ShipmentVoided      = "voided"
	ShipmentShipped     = "shipped" // the carrier accepted the parcel
	ShipmentDelivered   = "delivered"
	ShipmentException   = "exception" // the carrier reported a problem
)

// Label formats.
const (
	LabelZPL = "zpl"
	LabelPDF = "pdf"
)

// Hand-off scan results.
const (
	ScanExpected   = "expected"   // a parcel due on this truck
	ScanUnexpected = "unexpected" // not due on this truck: another carrier, another day, or unknown
	ScanVoided     = "voided"     // its label was voided: the parcel must not ship
	ScanDuplicate  = "duplicate"  // already scanned in this hand-off
)

// Parcel is one package's weight in ounces and size in inches.
type Parcel struct {
	WeightOz float64 `json:"weight_oz"`
	LengthIn float64 `json:"length_in"`
	WidthIn  float64 `json:"width_in"`
	HeightIn float64 `json:"height_in"`
}

// PromiseLevel is a delivery promise: delivered within MaxBusinessDays
// business days of the tender date and, when GuaranteedOnly, only by a
// service the carrier guarantees.
type PromiseLevel struct {
	Level           string `json:"level"`
	MaxBusinessDays int    `json:"max_business_days"`
	GuaranteedOnly  bool   `json:"guaranteed_only"`
}

// ServiceLevelMapping maps what a channel's buyer chose (Amazon "SecondDay",
// Walmart "TWO_DAY", a WooCommerce shipping method) to a promise level.
type ServiceLevelMapping struct {
	ChannelKind  string `json:"channel_kind"`
	ServiceLevel string `json:"service_level"`
	PromiseLevel string `json:"promise_level"`
}

// ShippingSettings are a tenant's rate-shopping rules.
type ShippingSettings struct {
	// Origin is the ship-from address.
	Origin *Address `json:"origin,omitempty"`
	// TimeZone is the warehouse's IANA zone: it decides "today" and the cut-off.
	TimeZone string `json:"time_zone"`
	// Cutoff is the carrier pickup cut-off, "15:04"; after it the parcel is
	// tendered the next business day. Empty for none.
	Cutoff        string                `json:"cutoff,omitempty"`
	PromiseLevels []PromiseLevel        `json:"promise_levels"`
	ServiceLevels []ServiceLevelMapping `json:"service_levels"`
	// DefaultPromiseLevel applies to orders whose service level is not
	// mapped; empty means such orders cannot be rated until mapped.
	DefaultPromiseLevel string `json:"default_promise_level,omitempty"`
	// Baselines names, per promise level, the "provider/service" the tenant
	// would use without rate shopping; savings are measured against it.
	Baselines map[string]string `json:"baselines"`
	// ServiceTable gives transit business days per "provider/service" for
	// quotes that come without an estimate.
	ServiceTable      map[string]int `json:"service_table"`
	ProviderTimeoutMS int            `json:"provider_timeout_ms"`
	BudgetMS          int            `json:"budget_ms"`
	// PossibleLostHours flags a labeled parcel the carrier has not accepted
	// after this many hours.
	PossibleLostHours int        `json:"possible_lost_hours"`
	UpdatedBy         string     `json:"updated_by,omitempty"`
	UpdatedAt         *time.Time `json:"updated_at,omitempty"`
}

// CarrierAccount is one of the tenant's own shipping provider accounts.
// Credentials are never returned: only which fields are set.
type CarrierAccount struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Name     string `json:"name"`
	BaseURL  string `json:"base_url,omitempty"`
	Enabled  bool   `json:"enabled"`
	// Preference breaks price ties: lower wins.
	Preference       int      `json:"preference"`
	CredentialFields []string `json:"credential_fields"`
	// WebhookPath is, for providers that push tracking updates (EasyPost,
	// Shippo), the path and query to register as the webhook URL after the
	// server's public address. Its token authenticates the provider; for
	// EasyPost, the secret given to the webhook goes in the webhook_secret
	// credential as well.
	WebhookPath string    `json:"webhook_path,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// CarrierAccountList is the tenant's carrier accounts.
type CarrierAccountList struct {
	Accounts []CarrierAccount `json:"accounts"`
}

// CreateCarrierAccountRequest connects a provider account. BaseURL points at
// a sandbox or a simulator; empty means production.
type CreateCarrierAccountRequest struct {
	Provider    string            `json:"provider"`
	Name        string            `json:"name"`
	BaseURL     string            `json:"base_url,omitempty"`
	Credentials map[string]string `json:"credentials"`
	Enabled     *bool             `json:"enabled,omitempty"`
	Preference  *int              `json:"preference,omitempty"`
}

// UpdateCarrierAccountRequest changes an account; nil fields are left
// alone. Credentials, when given, replace the stored ones whole.
type UpdateCarrierAccountRequest struct {
	Name        *string           `json:"name,omitempty"`
	BaseURL     *string           `json:"base_url,omitempty"`
	Enabled     *bool             `json:"enabled,omitempty"`
	Preference  *int              `json:"preference,omitempty"`
	Credentials map[string]string `json:"credentials,omitempty"`
}

// QuickRateRequest asks for a rate decision without an order.
type QuickRateRequest struct {
	// From defaults to the tenant's origin.
	From   *Address `json:"from,omitempty"`
	To     Address  `json:"to"`
	Parcel Parcel   `json:"parcel"`
	// ShipDate is YYYY-MM-DD; empty means today.
	ShipDate string `json:"ship_date,omitempty"`
	// PromiseLevel names one of the tenant's levels; Promise gives one
	// explicitly instead. One of the two is required.
	PromiseLevel string        `json:"promise_level,omitempty"`
	Promise      *PromiseLevel `json:"promise,omitempty"`
	// Currency defaults to USD.
	Currency string `json:"currency,omitempty"`
	// Providers limits the providers asked; empty asks every enabled account.
	Providers []string `json:"providers,omitempty"`
}

// RateOrderRequest rate-shops an order. Every field is optional.
type RateOrderRequest struct {
	// Parcel replaces the parcel computed from the order's products.
	Parcel *Parcel `json:"parcel,omitempty"`
	// ShipDate is YYYY-MM-DD; empty means today.
	ShipDate string `json:"ship_date,omitempty"`
	// PromiseLevel overrides the level mapped from the order's service level:
	// a person's decision, recorded on the shipment.
	PromiseLevel string `json:"promise_level,omitempty"`
}

// RateQuote is one quote as the decision saw it.
type RateQuote struct {
	Provider    string `json:"provider"`
	Carrier     string `json:"carrier"`
	Service     string `json:"service"`
	ServiceName string `json:"service_name,omitempty"`
	// Amount is exactly what the provider quoted.
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	DeliveryDate string `json:"delivery_date,omitempty"`
	BusinessDays *int   `json:"business_days,omitempty"`
	Guaranteed   bool   `json:"guaranteed"`
	RateID       string `json:"rate_id,omitempty"`
	// Price is the amount as read, two decimals; empty when unreadable.
	Price             string `json:"price,omitempty"`
	EstimatedDelivery string `json:"estimated_delivery,omitempty"`
	// EstimateSource is carrier_date, carrier_business_days, service_table or none.
	EstimateSource string `json:"estimate_source"`
	Eligible       bool   `json:"eligible"`
	// Excluded says why the quote could not win; empty when eligible.
	Excluded string `json:"excluded,omitempty"`
}

// ProviderOutcome is a provider that failed or ran out of time.
type ProviderOutcome struct {
	Provider string `json:"provider"`
	Quotes   int    `json:"quotes"`
	// Error is the provider's error, verbatim, or the timeout.
	Error    string `json:"error"`
	TimedOut bool   `json:"timed_out,omitempty"`
	TookMS   int64  `json:"took_ms"`
}

// RateSaving compares the winner with the tenant's default service for the
// promise level. Saved is negative when the default was cheaper but could
// not keep the promise.
type RateSaving struct {
	BaselineService  string `json:"baseline_service"`
	Baseline         string `json:"baseline"`
	BaselineEligible bool   `json:"baseline_eligible"`
	Winner           string `json:"winner"`
	Saved            string `json:"saved"`
}

// RateDecision is the stored, explainable outcome of rate shopping.
type RateDecision struct {
	Promise    PromiseLevel `json:"promise"`
	Currency   string       `json:"currency"`
	ShipDate   string       `json:"ship_date"`
	TenderDate string       `json:"tender_date"`
	Deadline   string       `json:"deadline"`
	// Quotes holds every quote received, eligible or not.
	Quotes         []RateQuote       `json:"quotes"`
	Winner         *RateQuote        `json:"winner,omitempty"`
	WinnerReason   string            `json:"winner_reason,omitempty"`
	NeedsReview    bool              `json:"needs_review"`
	ReviewReason   string            `json:"review_reason,omitempty"`
	ProviderErrors []ProviderOutcome `json:"provider_errors,omitempty"`
	Saving         *RateSaving       `json:"saving,omitempty"`
	SavingNote     string            `json:"saving_note,omitempty"`
}

// TrackingEvent is one carrier scan.
type TrackingEvent struct {
	At          time.Time `json:"at"`
	Status      string    `json:"status"`
	Code        string    `json:"code,omitempty"`
	Description string    `json:"description,omitempty"`
	Location    string    `json:"location,omitempty"`
}

// Shipment is one parcel: its rate decision and, once bought, its label and tracking.
type Shipment struct {
	ID           string  `json:"id"`
	OrderID      string  `json:"order_id,omitempty"`
	Status       string  `json:"status"`
	ShipFrom     Address `json:"ship_from"`
	ShipTo       Address `json:"ship_to"`
	Parcel       Parcel  `json:"parcel"`
	ShipDate     string  `json:"ship_date"`
	PromiseLevel string  `json:"promise_level"`
	Currency     string  `json:"currency"`
	Provider     string  `json:"provider,omitempty"`
	Carrier      string  `json:"carrier,omitempty"`
	Service      string  `json:"service,omitempty"`
	ServiceName  string  `json:"service_name,omitempty"`
	// Quoted is the winner's price; Cost what the label cost.
	Quoted string `json:"quoted,omitempty"`
	Cost   string `json:"cost,omitempty"`
	// Saved is the saving against the baseline service, when measured.
	Saved             string `json:"saved,omitempty"`
	TrackingNumber    string `json:"tracking_number,omitempty"`
	TrackingStatus    string `json:"tracking_status,omitempty"`
	EstimatedDelivery string `json:"estimated_delivery,omitempty"`
	// LabelFormats are the formats that can be downloaded.
	LabelFormats []string `json:"label_formats"`
	// LabelNote says why a format is missing.
	LabelNote      string          `json:"label_note,omitempty"`
	ReviewReason   string          `json:"review_reason,omitempty"`
	PurchaseError  string          `json:"purchase_error,omitempty"`
	ManifestID     string          `json:"manifest_id,omitempty"`
	Decision       RateDecision    `json:"decision"`
	Events         []TrackingEvent `json:"events"`
	PossibleLostAt *time.Time      `json:"possible_lost_at,omitempty"`
	LabeledAt      *time.Time      `json:"labeled_at,omitempty"`
	AcceptedAt     *time.Time      `json:"accepted_at,omitempty"`
	DeliveredAt    *time.Time      `json:"delivered_at,omitempty"`
	VoidedAt       *time.Time      `json:"voided_at,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// ShipmentList is a list of shipments, newest first.
type ShipmentList struct {
	Shipments []Shipment `json:"shipments"`
}

// CloseOutRequest closes out one provider's labeled parcels of a day.
type CloseOutRequest struct {
	Provider string `json:"provider"`
	// ShipDate is YYYY-MM-DD; empty means today.
	ShipDate string `json:"ship_date,omitempty"`
}

// Manifest is a close-out form (USPS SCAN form, EasyPost scan form, Shippo
// manifest), or the record that the provider has none.
type Manifest struct {
	ID              string    `json:"id"`
	Provider        string    `json:"provider"`
	ShipDate        string    `json:"ship_date"`
	ExternalID      string    `json:"external_id,omitempty"`
	TrackingNumbers []string  `json:"tracking_numbers"`
	HasDocument     bool      `json:"has_document"`
	DocumentURL     string    `json:"document_url,omitempty"`
	Note            string    `json:"note,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// StartHandoffRequest starts a hand-off: the parcels going on one carrier's
// truck. ShipDate is YYYY-MM-DD; empty means today.
type StartHandoffRequest struct {
	Carrier  string `json:"carrier"`
	ShipDate string `json:"ship_date,omitempty"`
}

// HandoffScanRequest is one scanned label: a tracking number or the raw
// barcode text (ZPL field data, a USPS IMpb with its routing prefix, a
// FedEx 1D barcode).
type HandoffScanRequest struct {
	Code string `json:"code"`
}

// HandoffParcel is a parcel due on the truck.
type HandoffParcel struct {
	ShipmentID     string     `json:"shipment_id"`
	OrderID        string     `json:"order_id,omitempty"`
	TrackingNumber string     `json:"tracking_number"`
	Service        string     `json:"service,omitempty"`
	Scanned        bool       `json:"scanned"`
	LabeledAt      *time.Time `json:"labeled_at,omitempty"`
}

// HandoffScan is one scan and what it matched.
type HandoffScan struct {
	Raw            string    `json:"raw"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	ShipmentID     string    `json:"shipment_id,omitempty"`
	Result         string    `json:"result"`
	Message        string    `json:"message"`
	ScannedAt      time.Time `json:"scanned_at"`
}

// Handoff is a hand-off session with its reconciliation.
type Handoff struct {
	ID        string     `json:"id"`
	Carrier   string     `json:"carrier"`
	ShipDate  string     `json:"ship_date"`
	StartedBy string     `json:"started_by,omitempty"`
	StartedAt time.Time  `json:"started_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	// Expected are the parcels due: labeled for this carrier and date, not voided.
	Expected []HandoffParcel `json:"expected"`
	// Missing are expected parcels not scanned yet.
	Missing    []HandoffParcel `json:"missing"`
	Unexpected []HandoffScan   `json:"unexpected"`
	Voided     []HandoffScan   `json:"voided"`
	Duplicates []HandoffScan   `json:"duplicates"`
	Scans      []HandoffScan   `json:"scans"`
	// PossibleLost are this carrier's labeled parcels with no carrier
	// acceptance after the tenant's possible-lost hours.
	PossibleLost []HandoffParcel `json:"possible_lost"`
}

// HandoffScanResult answers a scan: its result and the updated reconciliation.
type HandoffScanResult struct {
	Scan    HandoffScan `json:"scan"`
	Handoff Handoff     `json:"handoff"`
}

// SavingsRow is the savings of one provider and service.
type SavingsRow struct {
	Provider  string `json:"provider"`
	Carrier   string `json:"carrier"`
	Service   string `json:"service"`
	Shipments int    `json:"shipments"`
	// Measured is how many had a baseline quote to compare with.
	Measured int    `json:"measured"`
	Spent    string `json:"spent"`
	Baseline string `json:"baseline"`
	// Saved is net: Gained minus Lost.
	Saved  string `json:"saved"`
	Gained string `json:"gained"`
	Lost   string `json:"lost"`
}

// SavingsReport sums the savings of the labels bought in a period.
type SavingsReport struct {
	From      string       `json:"from"`
	To        string       `json:"to"`
	Days      int          `json:"days"`
	Currency  string       `json:"currency"`
	Shipments int          `json:"shipments"`
	Measured  int          `json:"measured"`
	Spent     string       `json:"spent"`
	Baseline  string       `json:"baseline"`
	Saved     string       `json:"saved"`
	Gained    string       `json:"gained"`
	Lost      string       `json:"lost"`
	Rows      []SavingsRow `json:"rows"`
	// MonthlyProjection and YearlyProjection scale the net saving of the
	// period to 30 and 365 days.
	MonthlyProjection string `json:"monthly_projection"`
	YearlyProjection  string `json:"yearly_projection"`
}
