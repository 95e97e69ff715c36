package ebay

import (
	"errors"
	"fmt"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// The Fulfillment API's order, as far as Manifold reads it. Optional parts
// are pointers or zero values; what is required is checked in normalize.

type wireAmount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

type wireContact struct {
	FullName       string `json:"fullName"`
	CompanyName    string `json:"companyName"`
	ContactAddress *struct {
		AddressLine1    string `json:"addressLine1"`
		AddressLine2    string `json:"addressLine2"`
		City            string `json:"city"`
		StateOrProvince string `json:"stateOrProvince"`
		PostalCode      string `json:"postalCode"`
		CountryCode     string `json:"countryCode"`
	} `json:"contactAddress"`
	PrimaryPhone *struct {
		PhoneNumber string `json:"phoneNumber"`
	} `json:"primaryPhone"`
	Email string `json:"email"`
}

type wireOrder struct {
	OrderID                string `json:"orderId"`
	CreationDate           string `json:"creationDate"`
	LastModifiedDate       string `json:"lastModifiedDate"`
	OrderFulfillmentStatus string `json:"orderFulfillmentStatus"`
	OrderPaymentStatus     string `json:"orderPaymentStatus"`
	Buyer                  struct {
		Username                 string       `json:"username"`
		BuyerRegistrationAddress *wireContact `json:"buyerRegistrationAddress"`
	} `json:"buyer"`
	BuyerCheckoutNotes string `json:"buyerCheckoutNotes"`
	PricingSummary     struct {
		Total *wireAmount `json:"total"`
	} `json:"pricingSummary"`
	CancelStatus struct {
		CancelState string `json:"cancelState"`
	} `json:"cancelStatus"`
	FulfillmentStartInstructions []struct {
		FulfillmentInstructionsType string `json:"fulfillmentInstructionsType"`
		ShippingStep                *struct {
			ShippingCarrierCode string       `json:"shippingCarrierCode"`
			ShippingServiceCode string       `json:"shippingServiceCode"`
			ShipTo              *wireContact `json:"shipTo"`
		} `json:"shippingStep"`
	} `json:"fulfillmentStartInstructions"`
	LineItems []wireLine `json:"lineItems"`
}

type wireLine struct {
	LineItemID                      string      `json:"lineItemId"`
	LegacyItemID                    string      `json:"legacyItemId"`
	LegacyVariationID               string      `json:"legacyVariationId"`
	SKU                             string      `json:"sku"`
	Title                           string      `json:"title"`
	Quantity                        *int        `json:"quantity"`
	LineItemCost                    *wireAmount `json:"lineItemCost"`
	LineItemFulfillmentInstructions *struct {
		ShipByDate string `json:"shipByDate"`
	} `json:"lineItemFulfillmentInstructions"`
}

// LegacySKUPrefix starts the ChannelSKU of a line sold from a listing
// without a SKU.
const LegacySKUPrefix = "legacy:"

// LegacySKU is the ChannelSKU of a line without sku: "legacy:<itemId>", or
// "legacy:<itemId>:<variationId>" for a variation.
func LegacySKU(legacyItemID, legacyVariationID string) string {
	if legacyVariationID == "" {
		return LegacySKUPrefix + legacyItemID
	}
	return LegacySKUPrefix + legacyItemID + ":" + legacyVariationID
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("%s is missing", field)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an ISO-8601 time", field, v)
	}
	return t.UTC(), nil
}

// status maps eBay's fulfillment, payment and cancel states. A cancelled
// order is cancelled whatever else it says; FULFILLED is shipped;
// IN_PROGRESS (partly shipped) still has lines to ship; NOT_STARTED is ready
// once paid, pending while payment is PENDING or FAILED, and cancelled when
// the whole payment was refunded.
func (w *wireOrder) status() (string, error) {
	if w.CancelStatus.CancelState == "CANCELED" {
		return channel.OrderCancelled, nil
	}
	switch w.OrderFulfillmentStatus {
	case "FULFILLED":
		return channel.OrderShipped, nil
	case "IN_PROGRESS":
		return channel.OrderReady, nil
	case "NOT_STARTED":
	case "":
		return "", errors.New("orderFulfillmentStatus is missing")
	default:
		return "", fmt.Errorf("orderFulfillmentStatus %q is unknown", w.OrderFulfillmentStatus)
	}
	switch w.OrderPaymentStatus {
	case "PAID", "PARTIALLY_REFUNDED":
		return channel.OrderReady, nil
	case "PENDING", "FAILED":
		return channel.OrderPending, nil
	case "FULLY_REFUNDED":
		return channel.OrderCancelled, nil
	case "":
		return "", errors.New("orderPaymentStatus is missing")
	}
	return "", fmt.Errorf("orderPaymentStatus %q is unknown", w.OrderPaymentStatus)
}

// normalize turns an eBay order into Manifold's. Anything required that is
// missing or malformed is an error naming the field; optional parts may be
// absent.
func (w *wireOrder) normalize() (channel.Order, error) {
	if w.OrderID == "" {
		return channel.Order{}, errors.New("orderId is missing")
	}
	fail := func(err error) (channel.Order, error) {
		return channel.Order{}, fmt.Errorf("order %s: %w", w.OrderID, err)
	}
	o := channel.Order{ExternalID: w.OrderID, DisplayNumber: w.OrderID, Notes: w.BuyerCheckoutNotes}
	var err error
	if o.Status, err = w.status(); err != nil {
		return fail(err)
	}
	if o.PlacedAt, err = parseTime("creationDate", w.CreationDate); err != nil {
		return fail(err)
	}
	if o.ModifiedAt, err = parseTime("lastModifiedDate", w.LastModifiedDate); err != nil {
		return fail(err)
	}
	if t := w.PricingSummary.Total; t != nil {
		o.Currency = t.Currency
	}

	// Ship-to and service level come from the first instruction that has a
	// shipping step.
	for i, fi := range w.FulfillmentStartInstructions {
		st := fi.ShippingStep
		if st == nil {
			continue
		}
		o.ServiceLevel = st.ShippingServiceCode
		if st.ShipTo != nil {
			o.ShipTo = address(st.ShipTo)
		} else if fi.FulfillmentInstructionsType == "SHIP_TO" {
			return fail(fmt.Errorf("fulfillmentStartInstructions[%d].shippingStep.shipTo is missing", i))
		}
		break
	}
	o.CustomerName = o.ShipTo.Name
	o.CustomerEmail = o.ShipTo.Email
	if reg := w.Buyer.BuyerRegistrationAddress; reg != nil {
		if reg.FullName != "" {
			o.CustomerName = reg.FullName
		}
		if reg.Email != "" {
			o.CustomerEmail = reg.Email
		}
	}
	if o.CustomerName == "" {
		o.CustomerName = w.Buyer.Username
	}

	if len(w.LineItems) == 0 {
		return fail(errors.New("lineItems is empty"))
	}
	for i, wl := range w.LineItems {
		l, currency, shipBy, err := wl.normalize()
		if err != nil {
			return fail(fmt.Errorf("lineItems[%d]: %w", i, err))
		}
		if o.Currency == "" {
			o.Currency = currency
		} else if currency != o.Currency {
			return fail(fmt.Errorf("lineItems[%d].lineItemCost is in %s, the order in %s", i, currency, o.Currency))
		}
		if shipBy != nil && (o.ShipBy == nil || shipBy.Before(*o.ShipBy)) {
			o.ShipBy = shipBy
		}
		l.Cancelled = o.Status == channel.OrderCancelled
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

// normalize reads one line: its ChannelSKU (LegacySKU when it has no sku),
// quantity, and unit price from lineItemCost, which is the line total.
func (wl *wireLine) normalize() (channel.Line, string, *time.Time, error) {
	var zero channel.Line
	if wl.LineItemID == "" {
		return zero, "", nil, errors.New("lineItemId is missing")
	}
	l := channel.Line{ChannelLineID: wl.LineItemID, ChannelSKU: wl.SKU, Title: wl.Title}
	if l.ChannelSKU == "" {
		if wl.LegacyItemID == "" {
			return zero, "", nil, fmt.Errorf("line %s has neither sku nor legacyItemId", wl.LineItemID)
		}
		l.ChannelSKU = LegacySKU(wl.LegacyItemID, wl.LegacyVariationID)
	}
	if wl.Quantity == nil {
		return zero, "", nil, fmt.Errorf("line %s: quantity is missing", wl.LineItemID)
	}
	if *wl.Quantity < 1 {
		return zero, "", nil, fmt.Errorf("line %s: quantity %d is not positive", wl.LineItemID, *wl.Quantity)
	}
	l.Quantity = *wl.Quantity
	if wl.LineItemCost == nil {
		return zero, "", nil, fmt.Errorf("line %s: lineItemCost is missing", wl.LineItemID)
	}
	total, err := domain.ParseCents(wl.LineItemCost.Value)
	if err != nil {
		return zero, "", nil, fmt.Errorf("line %s: lineItemCost.value %q: %v", wl.LineItemID, wl.LineItemCost.Value, err)
	}
	if total < 0 {
		return zero, "", nil, fmt.Errorf("line %s: lineItemCost.value %q is negative", wl.LineItemID, wl.LineItemCost.Value)
	}
	if wl.LineItemCost.Currency == "" {
		return zero, "", nil, fmt.Errorf("line %s: lineItemCost.currency is missing", wl.LineItemID)
	}
	if total%int64(l.Quantity) != 0 {
		return zero, "", nil, fmt.Errorf("line %s: lineItemCost %s for %d units is not a whole number of cents per unit",
			wl.LineItemID, wl.LineItemCost.Value, l.Quantity)
	}
	l.UnitPriceCents = total / int64(l.Quantity)
	var shipBy *time.Time
	if fi := wl.LineItemFulfillmentInstructions; fi != nil && fi.ShipByDate != "" {
		t, err := parseTime("lineItemFulfillmentInstructions.shipByDate", fi.ShipByDate)
		if err != nil {
			return zero, "", nil, fmt.Errorf("line %s: %w", wl.LineItemID, err)
		}
		shipBy = &t
	}
	return l, wl.LineItemCost.Currency, shipBy, nil
}

func address(c *wireContact) api.Address {
	a := api.Address{Name: c.FullName, Company: c.CompanyName, Email: c.Email}
	if p := c.PrimaryPhone; p != nil {
		a.Phone = p.PhoneNumber
	}
	if ca := c.ContactAddress; ca != nil {
		a.Line1, a.Line2, a.City = ca.AddressLine1, ca.AddressLine2, ca.City
		a.Region, a.PostalCode, a.Country = ca.StateOrProvince, ca.PostalCode, ca.CountryCode
	}
	return a
}
