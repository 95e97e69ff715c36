package walmart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/domain"
)

// scalar is a JSON number or string kept exactly as written. Walmart sends
// money and timestamps as numbers and quantities as strings; keeping the
// text means money never passes through float64 and a value of the wrong
// shape is reported with its field's name when it is read.
type scalar string

// UnmarshalJSON implements json.Unmarshaler.
func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a number or a string, got %s", clip(string(b), 40))
	default:
		*s = scalar(b)
	}
	return nil
}

func (s scalar) String() string { return strings.TrimSpace(string(s)) }

// millis reads an epoch-millisecond timestamp; ok is false when it is absent.
func (s scalar) millis(field string) (time.Time, bool, error) {
	v := s.String()
	if v == "" {
		return time.Time{}, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false, fmt.Errorf("%s %q is not an epoch-millisecond timestamp", field, v)
	}
	return time.UnixMilli(n).UTC(), true, nil
}

// cents reads a money amount exactly. Trailing zeros past the cent are
// accepted ("14.950"); anything finer, or an exponent, is an error.
func (s scalar) cents(field string) (int64, error) {
	v := s.String()
	if whole, frac, ok := strings.Cut(v, "."); ok && len(frac) > 2 && strings.Trim(frac[2:], "0") == "" {
		v = whole + "." + frac[:2]
	}
	c, err := domain.ParseCents(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not an amount of money: %w", field, s.String(), err)
	}
	return c, nil
}

// count reads a whole, non-negative quantity ("2", or 2).
func (s scalar) count(field string) (int, error) {
	v := s.String()
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q is not a whole quantity", field, v)
	}
	return n, nil
}

// wireList is the envelope of GET /v3/orders and /v3/orders/released.
type wireList struct {
	List *struct {
		Meta struct {
			TotalCount scalar `json:"totalCount"`
			Limit      scalar `json:"limit"`
			NextCursor string `json:"nextCursor"`
		} `json:"meta"`
		Elements struct {
			Order []json.RawMessage `json:"order"`
		} `json:"elements"`
	} `json:"list"`
}

// wireOrder is a purchase order as Walmart returns it.
type wireOrder struct {
	PurchaseOrderID scalar            `json:"purchaseOrderId"`
	CustomerOrderID scalar            `json:"customerOrderId"`
	CustomerEmailID string            `json:"customerEmailId"`
	OrderDate       scalar            `json:"orderDate"`
	ShippingInfo    *wireShippingInfo `json:"shippingInfo"`
	OrderLines      *struct {
		OrderLine []wireLine `json:"orderLine"`
	} `json:"orderLines"`
}

type wireShippingInfo struct {
	Phone                 string       `json:"phone"`
	EstimatedDeliveryDate scalar       `json:"estimatedDeliveryDate"`
	EstimatedShipDate     scalar       `json:"estimatedShipDate"`
	MethodCode            string       `json:"methodCode"`
	PostalAddress         *wireAddress `json:"postalAddress"`
}

type wireAddress struct {
	Name        string `json:"name"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	PostalCode  string `json:"postalCode"`
	Country     string `json:"country"`
	AddressType string `json:"addressType"`
}

type wireLine struct {
	LineNumber scalar `json:"lineNumber"`
	Item       *struct {
		ProductName string `json:"productName"`
		Sku         string `json:"sku"`
	} `json:"item"`
	Charges struct {
		Charge []wireCharge `json:"charge"`
	} `json:"charges"`
	OrderLineQuantity *wireQuantity `json:"orderLineQuantity"`
	StatusDate        scalar        `json:"statusDate"`
	OrderLineStatuses struct {
		OrderLineStatus []wireLineStatus `json:"orderLineStatus"`
	} `json:"orderLineStatuses"`
}

type wireCharge struct {
	ChargeType   string     `json:"chargeType"`
	ChargeName   string     `json:"chargeName"`
	ChargeAmount *wireMoney `json:"chargeAmount"`
	Tax          *struct {
		TaxName   string     `json:"taxName"`
		TaxAmount *wireMoney `json:"taxAmount"`
	} `json:"tax"`
}

type wireMoney struct {
	Currency string `json:"currency"`
	Amount   scalar `json:"amount"`
}

type wireQuantity struct {
	UnitOfMeasurement string `json:"unitOfMeasurement"`
	Amount            scalar `json:"amount"`
}

type wireLineStatus struct {
	Status             string        `json:"status"`
	StatusQuantity     *wireQuantity `json:"statusQuantity"`
	CancellationReason string        `json:"cancellationReason"`
	TrackingInfo       *struct {
		TrackingNumber string `json:"trackingNumber"`
	} `json:"trackingInfo"`
}

// Shipment confirmation request (POST /v3/orders/{po}/shipping).
type shipRequest struct {
	OrderShipment struct {
		OrderLines struct {
			OrderLine []shipLine `json:"orderLine"`
		} `json:"orderLines"`
	} `json:"orderShipment"`
}

type shipLine struct {
	LineNumber        string `json:"lineNumber"`
	SellerOrderID     string `json:"sellerOrderId"`
	OrderLineStatuses struct {
		OrderLineStatus []shipStatus `json:"orderLineStatus"`
	} `json:"orderLineStatuses"`
}

type shipStatus struct {
	Status         string       `json:"status"`
	StatusQuantity shipQuantity `json:"statusQuantity"`
	TrackingInfo   trackingInfo `json:"trackingInfo"`
}

type shipQuantity struct {
	UnitOfMeasurement string `json:"unitOfMeasurement"`
	Amount            string `json:"amount"`
}

type trackingInfo struct {
	ShipDateTime   int64       `json:"shipDateTime"`
	CarrierName    carrierName `json:"carrierName"`
	MethodCode     string      `json:"methodCode"`
	TrackingNumber string      `json:"trackingNumber"`
	TrackingURL    string      `json:"trackingURL,omitempty"`
}

// carrierName holds either one of Walmart's carrier names or, for a
// carrier Walmart does not list, its free-text name.
type carrierName struct {
	Carrier      string `json:"carrier,omitempty"`
	OtherCarrier string `json:"otherCarrier,omitempty"`
}

// inventory is the body of PUT and GET /v3/inventory.
type inventory struct {
	SKU      string `json:"sku"`
	Quantity struct {
		Unit   string `json:"unit"`
		Amount scalar `json:"amount"`
	} `json:"quantity"`
}
