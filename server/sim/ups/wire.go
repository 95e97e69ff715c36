package ups

import (
	"bytes"
	"encoding/json"
)

// Request shapes as the simulator reads them. Pointers tell a missing
// element from an empty one; unknown elements are ignored, as UPS does.

type codeDesc struct {
	Code        string `json:"Code"`
	Description string `json:"Description,omitempty"`
}

type inWeight struct {
	UnitOfMeasurement *codeDesc `json:"UnitOfMeasurement"`
	Weight            string    `json:"Weight"`
}

type inDims struct {
	UnitOfMeasurement *codeDesc `json:"UnitOfMeasurement"`
	Length            string    `json:"Length"`
	Width             string    `json:"Width"`
	Height            string    `json:"Height"`
}

type inAddress struct {
	AddressLine                 flex[string] `json:"AddressLine"`
	City                        string       `json:"City"`
	StateProvinceCode           string       `json:"StateProvinceCode"`
	PostalCode                  string       `json:"PostalCode"`
	CountryCode                 string       `json:"CountryCode"`
	ResidentialAddressIndicator *string      `json:"ResidentialAddressIndicator"`
}

type inParty struct {
	Name          string     `json:"Name"`
	AttentionName string     `json:"AttentionName"`
	ShipperNumber string     `json:"ShipperNumber"`
	Address       *inAddress `json:"Address"`
}

type inCharge struct {
	Type        string `json:"Type"`
	BillShipper *struct {
		AccountNumber string `json:"AccountNumber"`
	} `json:"BillShipper"`
}

type inCharges struct {
	ShipmentCharge flex[inCharge] `json:"ShipmentCharge"`
}

type inPackage struct {
	PackagingType   *codeDesc `json:"PackagingType"`
	Packaging       *codeDesc `json:"Packaging"`
	Dimensions      *inDims   `json:"Dimensions"`
	PackageWeight   *inWeight `json:"PackageWeight"`
	ReferenceNumber flex[struct {
		Value string `json:"Value"`
	}] `json:"ReferenceNumber"`
}

type inRequest struct {
	RequestOption        string `json:"RequestOption"`
	TransactionReference *struct {
		CustomerContext string `json:"CustomerContext"`
	} `json:"TransactionReference"`
}

type inRatingOptions struct {
	NegotiatedRatesIndicator *string `json:"NegotiatedRatesIndicator"`
}

type inRate struct {
	RateRequest *struct {
		Request  inRequest `json:"Request"`
		Shipment *struct {
			Shipper                 *inParty         `json:"Shipper"`
			ShipTo                  *inParty         `json:"ShipTo"`
			ShipFrom                *inParty         `json:"ShipFrom"`
			PaymentDetails          *inCharges       `json:"PaymentDetails"`
			Service                 *codeDesc        `json:"Service"`
			ShipmentRatingOptions   *inRatingOptions `json:"ShipmentRatingOptions"`
			DeliveryTimeInformation *struct {
				PackageBillType string `json:"PackageBillType"`
				Pickup          *struct {
					Date string `json:"Date"`
				} `json:"Pickup"`
			} `json:"DeliveryTimeInformation"`
			ShipmentTotalWeight *inWeight       `json:"ShipmentTotalWeight"`
			Package             flex[inPackage] `json:"Package"`
		} `json:"Shipment"`
	} `json:"RateRequest"`
}

type inShip struct {
	ShipmentRequest *struct {
		Request  inRequest `json:"Request"`
		Shipment *struct {
			Description           string           `json:"Description"`
			Shipper               *inParty         `json:"Shipper"`
			ShipTo                *inParty         `json:"ShipTo"`
			ShipFrom              *inParty         `json:"ShipFrom"`
			PaymentInformation    *inCharges       `json:"PaymentInformation"`
			Service               *codeDesc        `json:"Service"`
			ShipmentRatingOptions *inRatingOptions `json:"ShipmentRatingOptions"`
			Package               flex[inPackage]  `json:"Package"`
		} `json:"Shipment"`
		LabelSpecification *struct {
			LabelImageFormat *codeDesc `json:"LabelImageFormat"`
			LabelStockSize   *struct {
				Height string `json:"Height"`
				Width  string `json:"Width"`
			} `json:"LabelStockSize"`
		} `json:"LabelSpecification"`
	} `json:"ShipmentRequest"`
}

// flex reads an element sent as an array or as a single value, as UPS
// accepts both.
type flex[T any] []T

func (f *flex[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var s []T
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = s
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*f = []T{one}
	return nil
}

// money is UPS's amount: a currency and a decimal string.
type money struct {
	CurrencyCode  string `json:"CurrencyCode"`
	MonetaryValue string `json:"MonetaryValue"`
}
