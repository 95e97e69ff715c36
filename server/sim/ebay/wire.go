package ebay

import (
	"time"

	"github.com/manifold-oms/manifold/shared/domain"
)

// The Fulfillment API's order as it goes over the wire. Absent optionals are
// omitted, never null.

// Amount is eBay's money: a decimal string and a currency.
type Amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// Order is an order as getOrder returns it.
type Order struct {
	OrderID                      string                        `json:"orderId"`
	CreationDate                 string                        `json:"creationDate"`
	LastModifiedDate             string                        `json:"lastModifiedDate"`
	OrderFulfillmentStatus       string                        `json:"orderFulfillmentStatus"`
	OrderPaymentStatus           string                        `json:"orderPaymentStatus"`
	SellerID                     string                        `json:"sellerId"`
	Buyer                        Buyer                         `json:"buyer"`
	BuyerCheckoutNotes           string                        `json:"buyerCheckoutNotes,omitempty"`
	PricingSummary               PricingSummary                `json:"pricingSummary"`
	CancelStatus                 CancelStatus                  `json:"cancelStatus"`
	PaymentSummary               PaymentSummary                `json:"paymentSummary"`
	FulfillmentHrefs             []string                      `json:"fulfillmentHrefs,omitempty"`
	FulfillmentStartInstructions []FulfillmentStartInstruction `json:"fulfillmentStartInstructions"`
	LineItems                    []LineItem                    `json:"lineItems"`
	SalesRecordReference         string                        `json:"salesRecordReference,omitempty"`
}

// Buyer is the order's buyer.
type Buyer struct {
	Username                 string           `json:"username"`
	BuyerRegistrationAddress *ExtendedContact `json:"buyerRegistrationAddress,omitempty"`
}

// ExtendedContact is a name, address, phone and email.
type ExtendedContact struct {
	FullName       string       `json:"fullName,omitempty"`
	CompanyName    string       `json:"companyName,omitempty"`
	ContactAddress *Address     `json:"contactAddress,omitempty"`
	PrimaryPhone   *PhoneNumber `json:"primaryPhone,omitempty"`
	Email          string       `json:"email,omitempty"`
}

// Address is a postal address.
type Address struct {
	AddressLine1    string `json:"addressLine1,omitempty"`
	AddressLine2    string `json:"addressLine2,omitempty"`
	City            string `json:"city,omitempty"`
	StateOrProvince string `json:"stateOrProvince,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
	CountryCode     string `json:"countryCode,omitempty"`
}

// PhoneNumber is a phone number.
type PhoneNumber struct {
	PhoneNumber string `json:"phoneNumber"`
}

// PricingSummary is the order's totals.
type PricingSummary struct {
	PriceSubtotal Amount `json:"priceSubtotal"`
	DeliveryCost  Amount `json:"deliveryCost"`
	Total         Amount `json:"total"`
}

// PaymentSummary is what the seller is due.
type PaymentSummary struct {
	TotalDueSeller Amount `json:"totalDueSeller"`
}

// CancelStatus is the order's cancellation state. getOrders leaves
// CancelRequests out; getOrder fills it.
type CancelStatus struct {
	CancelState    string           `json:"cancelState"`
	CancelledDate  string           `json:"cancelledDate,omitempty"`
	CancelRequests *[]CancelRequest `json:"cancelRequests,omitempty"`
}

// CancelRequest is one cancellation request.
type CancelRequest struct {
	CancelRequestID     string `json:"cancelRequestId"`
	CancelInitiator     string `json:"cancelInitiator"`
	CancelReason        string `json:"cancelReason"`
	CancelRequestState  string `json:"cancelRequestState"`
	CancelRequestedDate string `json:"cancelRequestedDate"`
	CancelCompletedDate string `json:"cancelCompletedDate,omitempty"`
}

// FulfillmentStartInstruction says how the order is to be fulfilled.
type FulfillmentStartInstruction struct {
	FulfillmentInstructionsType string       `json:"fulfillmentInstructionsType"`
	EbaySupportedFulfillment    bool         `json:"ebaySupportedFulfillment"`
	MinEstimatedDeliveryDate    string       `json:"minEstimatedDeliveryDate,omitempty"`
	MaxEstimatedDeliveryDate    string       `json:"maxEstimatedDeliveryDate,omitempty"`
	ShippingStep                ShippingStep `json:"shippingStep"`
}

// ShippingStep is the buyer's shipping choice and address.
type ShippingStep struct {
	ShippingCarrierCode string          `json:"shippingCarrierCode,omitempty"`
	ShippingServiceCode string          `json:"shippingServiceCode,omitempty"`
	ShipTo              ExtendedContact `json:"shipTo"`
}

// LineItem is one line of an order.
type LineItem struct {
	LineItemID                      string                  `json:"lineItemId"`
	LegacyItemID                    string                  `json:"legacyItemId"`
	LegacyVariationID               string                  `json:"legacyVariationId,omitempty"`
	SKU                             string                  `json:"sku,omitempty"`
	Title                           string                  `json:"title"`
	Quantity                        int                     `json:"quantity"`
	LineItemCost                    Amount                  `json:"lineItemCost"`
	Total                           Amount                  `json:"total"`
	DeliveryCost                    LineDeliveryCost        `json:"deliveryCost"`
	SoldFormat                      string                  `json:"soldFormat"`
	ListingMarketplaceID            string                  `json:"listingMarketplaceId"`
	PurchaseMarketplaceID           string                  `json:"purchaseMarketplaceId"`
	LineItemFulfillmentStatus       string                  `json:"lineItemFulfillmentStatus"`
	LineItemFulfillmentInstructions LineItemFulfillmentInfo `json:"lineItemFulfillmentInstructions"`
}

// LineDeliveryCost is a line's share of shipping.
type LineDeliveryCost struct {
	ShippingCost Amount `json:"shippingCost"`
}

// LineItemFulfillmentInfo carries the line's ship-by date.
type LineItemFulfillmentInfo struct {
	ShipByDate               string `json:"shipByDate"`
	MinEstimatedDeliveryDate string `json:"minEstimatedDeliveryDate"`
	MaxEstimatedDeliveryDate string `json:"maxEstimatedDeliveryDate"`
	GuaranteedDelivery       bool   `json:"guaranteedDelivery"`
}

// ebayTime formats a time as eBay does: UTC, milliseconds, Z.
func ebayTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// renderLocked renders o as getOrder (full true) or getOrders returns it.
// PII ages out as on eBay: name, street and phone after 90 days, email
// after 14.
func (s *Server) renderLocked(o *order, now time.Time, full bool, base string) Order {
	money := func(c int64) Amount { return Amount{Value: domain.FormatCents(c), Currency: o.currency} }
	age := now.Sub(o.created)
	pii, email := age <= 90*24*time.Hour, age <= 14*24*time.Hour

	var subtotal int64
	for _, l := range o.lines {
		subtotal += l.unitCents * int64(l.quantity)
	}
	out := Order{
		OrderID:                o.id,
		CreationDate:           ebayTime(o.created),
		LastModifiedDate:       ebayTime(o.modified),
		OrderFulfillmentStatus: o.fulfillmentStatus(),
		OrderPaymentStatus:     o.paymentStatus,
		SellerID:               s.opts.SellerID,
		Buyer:                  Buyer{Username: o.buyerUsername},
		BuyerCheckoutNotes:     o.notes,
		PricingSummary: PricingSummary{
			PriceSubtotal: money(subtotal), DeliveryCost: money(o.deliveryCents), Total: money(subtotal + o.deliveryCents),
		},
		CancelStatus:         CancelStatus{CancelState: "NONE_REQUESTED"},
		PaymentSummary:       PaymentSummary{TotalDueSeller: money(subtotal + o.deliveryCents)},
		SalesRecordReference: o.salesRecord,
	}
	if o.paymentStatus == "FULLY_REFUNDED" {
		out.PaymentSummary.TotalDueSeller = money(0)
	}
	if o.buyerName != "" || o.buyerEmail != "" {
		reg := &ExtendedContact{Email: o.buyerEmail}
		if pii {
			reg.FullName = o.buyerName
		}
		if !email {
			reg.Email = ""
		}
		if reg.FullName != "" || reg.Email != "" {
			out.Buyer.BuyerRegistrationAddress = reg
		}
	}
	if o.cancelled {
		out.CancelStatus.CancelState = "CANCELED"
		out.CancelStatus.CancelledDate = ebayTime(o.cancelledAt)
	}
	if full {
		reqs := []CancelRequest{}
		if o.cancelled {
			reqs = append(reqs, CancelRequest{
				CancelRequestID: "5" + o.salesRecord, CancelInitiator: "Buyer", CancelReason: "BUYER_ASKED_CANCEL",
				CancelRequestState: "COMPLETED", CancelRequestedDate: ebayTime(o.cancelRequestedAt),
				CancelCompletedDate: ebayTime(o.cancelledAt),
			})
		}
		out.CancelStatus.CancelRequests = &reqs
	}
	for _, f := range o.fulfillments {
		out.FulfillmentHrefs = append(out.FulfillmentHrefs, base+"/sell/fulfillment/v1/order/"+o.id+"/shipping_fulfillment/"+f.id)
	}

	addr := &Address{
		AddressLine1: o.shipTo.Line1, AddressLine2: o.shipTo.Line2, City: o.shipTo.City,
		StateOrProvince: o.shipTo.Region, PostalCode: o.shipTo.PostalCode, CountryCode: o.shipTo.Country,
	}
	shipTo := ExtendedContact{CompanyName: o.shipTo.Company, ContactAddress: addr, Email: o.shipTo.Email}
	if pii {
		shipTo.FullName = o.shipTo.Name
		if o.shipTo.Phone != "" {
			shipTo.PrimaryPhone = &PhoneNumber{PhoneNumber: o.shipTo.Phone}
		}
	} else {
		addr.AddressLine1 = ""
	}
	if !email {
		shipTo.Email = ""
	}
	minDel, maxDel := ebayTime(o.created.AddDate(0, 0, 3)), ebayTime(o.created.AddDate(0, 0, 6))
	out.FulfillmentStartInstructions = []FulfillmentStartInstruction{{
		FulfillmentInstructionsType: "SHIP_TO",
		MinEstimatedDeliveryDate:    minDel,
		MaxEstimatedDeliveryDate:    maxDel,
		ShippingStep:                ShippingStep{ShippingCarrierCode: o.carrierCode, ShippingServiceCode: o.serviceCode, ShipTo: shipTo},
	}}
	for i, l := range o.lines {
		cost := l.unitCents * int64(l.quantity)
		var ship int64
		if i == 0 {
			ship = o.deliveryCents
		}
		out.LineItems = append(out.LineItems, LineItem{
			LineItemID:                l.id,
			LegacyItemID:              l.legacyItemID,
			LegacyVariationID:         l.legacyVariationID,
			SKU:                       l.sku,
			Title:                     l.title,
			Quantity:                  l.quantity,
			LineItemCost:              money(cost),
			Total:                     money(cost + ship),
			DeliveryCost:              LineDeliveryCost{ShippingCost: money(ship)},
			SoldFormat:                "FIXED_PRICE",
			ListingMarketplaceID:      "EBAY_US",
			PurchaseMarketplaceID:     "EBAY_US",
			LineItemFulfillmentStatus: l.status(),
			LineItemFulfillmentInstructions: LineItemFulfillmentInfo{
				ShipByDate: ebayTime(l.shipBy), MinEstimatedDeliveryDate: minDel, MaxEstimatedDeliveryDate: maxDel,
			},
		})
	}
	return out
}
