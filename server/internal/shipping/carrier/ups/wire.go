package ups

// JSON shapes of the UPS Rating, Shipping and Track APIs, as far as the
// adapter uses them. UPS sends numbers and weights as strings and marks
// flags by the presence of an (often empty) string.

type codeDesc struct {
	Code        string `json:"Code"`
	Description string `json:"Description,omitempty"`
}

type wireAddress struct {
	AddressLine                 []string `json:"AddressLine,omitempty"`
	City                        string   `json:"City,omitempty"`
	StateProvinceCode           string   `json:"StateProvinceCode,omitempty"`
	PostalCode                  string   `json:"PostalCode,omitempty"`
	CountryCode                 string   `json:"CountryCode"`
	ResidentialAddressIndicator *string  `json:"ResidentialAddressIndicator,omitempty"`
}

type party struct {
	Name          string      `json:"Name,omitempty"`
	AttentionName string      `json:"AttentionName,omitempty"`
	ShipperNumber string      `json:"ShipperNumber,omitempty"`
	Address       wireAddress `json:"Address"`
}

type requestInfo struct {
	RequestOption        string                `json:"RequestOption,omitempty"`
	SubVersion           string                `json:"SubVersion,omitempty"`
	TransactionReference *transactionReference `json:"TransactionReference,omitempty"`
}

type transactionReference struct {
	CustomerContext string `json:"CustomerContext,omitempty"`
}

type shipmentCharge struct {
	Type        string `json:"Type"`
	BillShipper struct {
		AccountNumber string `json:"AccountNumber"`
	} `json:"BillShipper"`
}

type chargeList struct {
	ShipmentCharge []shipmentCharge `json:"ShipmentCharge"`
}

type ratingOptions struct {
	NegotiatedRatesIndicator *string `json:"NegotiatedRatesIndicator,omitempty"`
}

type weight struct {
	UnitOfMeasurement codeDesc `json:"UnitOfMeasurement"`
	Weight            string   `json:"Weight"`
}

type dimensions struct {
	UnitOfMeasurement codeDesc `json:"UnitOfMeasurement"`
	Length            string   `json:"Length"`
	Width             string   `json:"Width"`
	Height            string   `json:"Height"`
}

// Rating.

type rateEnvelope struct {
	RateRequest rateRequest `json:"RateRequest"`
}

type rateRequest struct {
	Request  requestInfo  `json:"Request"`
	Shipment rateShipment `json:"Shipment"`
}

type rateShipment struct {
	Shipper                 party                    `json:"Shipper"`
	ShipTo                  party                    `json:"ShipTo"`
	ShipFrom                party                    `json:"ShipFrom"`
	PaymentDetails          chargeList               `json:"PaymentDetails"`
	ShipmentRatingOptions   *ratingOptions           `json:"ShipmentRatingOptions,omitempty"`
	DeliveryTimeInformation *deliveryTimeInformation `json:"DeliveryTimeInformation,omitempty"`
	ShipmentTotalWeight     *weight                  `json:"ShipmentTotalWeight,omitempty"`
	NumOfPieces             string                   `json:"NumOfPieces,omitempty"`
	Package                 []ratePackage            `json:"Package"`
}

type deliveryTimeInformation struct {
	PackageBillType string `json:"PackageBillType"`
	Pickup          struct {
		Date string `json:"Date"`
	} `json:"Pickup"`
}

type ratePackage struct {
	PackagingType codeDesc   `json:"PackagingType"`
	Dimensions    dimensions `json:"Dimensions"`
	PackageWeight weight     `json:"PackageWeight"`
}

type money struct {
	CurrencyCode  string `json:"CurrencyCode"`
	MonetaryValue string `json:"MonetaryValue"`
}

type rateResponse struct {
	RateResponse struct {
		Response struct {
			ResponseStatus codeDesc       `json:"ResponseStatus"`
			Alert          many[codeDesc] `json:"Alert"`
		} `json:"Response"`
		RatedShipment many[ratedShipment] `json:"RatedShipment"`
	} `json:"RateResponse"`
}

type ratedShipment struct {
	Service               codeDesc `json:"Service"`
	TotalCharges          money    `json:"TotalCharges"`
	NegotiatedRateCharges *struct {
		TotalCharge money `json:"TotalCharge"`
	} `json:"NegotiatedRateCharges"`
	GuaranteedDelivery *struct {
		BusinessDaysInTransit string `json:"BusinessDaysInTransit"`
		DeliveryByTime        string `json:"DeliveryByTime"`
	} `json:"GuaranteedDelivery"`
	TimeInTransit *struct {
		ServiceSummary struct {
			EstimatedArrival struct {
				Arrival struct {
					Date string `json:"Date"`
					Time string `json:"Time"`
				} `json:"Arrival"`
				BusinessDaysInTransit string `json:"BusinessDaysInTransit"`
			} `json:"EstimatedArrival"`
			GuaranteedIndicator *string `json:"GuaranteedIndicator"`
		} `json:"ServiceSummary"`
	} `json:"TimeInTransit"`
}

// Shipping.

type shipEnvelope struct {
	ShipmentRequest shipRequest `json:"ShipmentRequest"`
}

type shipRequest struct {
	Request            requestInfo        `json:"Request"`
	Shipment           shipShipment       `json:"Shipment"`
	LabelSpecification labelSpecification `json:"LabelSpecification"`
}

type shipShipment struct {
	Description           string         `json:"Description,omitempty"`
	Shipper               party          `json:"Shipper"`
	ShipTo                party          `json:"ShipTo"`
	ShipFrom              party          `json:"ShipFrom"`
	PaymentInformation    chargeList     `json:"PaymentInformation"`
	Service               codeDesc       `json:"Service"`
	ShipmentRatingOptions *ratingOptions `json:"ShipmentRatingOptions,omitempty"`
	Package               []shipPackage  `json:"Package"`
}

type shipPackage struct {
	Packaging       codeDesc        `json:"Packaging"`
	Dimensions      dimensions      `json:"Dimensions"`
	PackageWeight   weight          `json:"PackageWeight"`
	ReferenceNumber []referenceItem `json:"ReferenceNumber,omitempty"`
}

type referenceItem struct {
	Value string `json:"Value"`
}

type labelSpecification struct {
	LabelImageFormat codeDesc `json:"LabelImageFormat"`
	LabelStockSize   struct {
		Height string `json:"Height"`
		Width  string `json:"Width"`
	} `json:"LabelStockSize"`
}

type shipResponse struct {
	ShipmentResponse struct {
		ShipmentResults struct {
			ShipmentCharges struct {
				TotalCharges money `json:"TotalCharges"`
			} `json:"ShipmentCharges"`
			NegotiatedRateCharges *struct {
				TotalCharge money `json:"TotalCharge"`
			} `json:"NegotiatedRateCharges"`
			ShipmentIdentificationNumber string              `json:"ShipmentIdentificationNumber"`
			PackageResults               many[packageResult] `json:"PackageResults"`
		} `json:"ShipmentResults"`
	} `json:"ShipmentResponse"`
}

type packageResult struct {
	TrackingNumber string `json:"TrackingNumber"`
	ShippingLabel  struct {
		ImageFormat  codeDesc `json:"ImageFormat"`
		GraphicImage string   `json:"GraphicImage"`
	} `json:"ShippingLabel"`
}

type voidResponse struct {
	VoidShipmentResponse struct {
		SummaryResult struct {
			Status codeDesc `json:"Status"`
		} `json:"SummaryResult"`
	} `json:"VoidShipmentResponse"`
}

// Track.

type trackResponse struct {
	TrackResponse struct {
		Shipment []struct {
			InquiryNumber string         `json:"inquiryNumber"`
			Package       []trackPackage `json:"package"`
			Warnings      []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"warnings"`
		} `json:"shipment"`
	} `json:"trackResponse"`
}

type trackPackage struct {
	TrackingNumber string       `json:"trackingNumber"`
	CurrentStatus  *trackStatus `json:"currentStatus"`
	Activity       []struct {
		Date      string      `json:"date"`
		Time      string      `json:"time"`
		GMTDate   string      `json:"gmtDate"`
		GMTTime   string      `json:"gmtTime"`
		GMTOffset string      `json:"gmtOffset"`
		Status    trackStatus `json:"status"`
		Location  struct {
			Address struct {
				City          string `json:"city"`
				StateProvince string `json:"stateProvince"`
				PostalCode    string `json:"postalCode"`
				CountryCode   string `json:"countryCode"`
			} `json:"address"`
		} `json:"location"`
	} `json:"activity"`
	DeliveryDate []struct {
		Type string `json:"type"`
		Date string `json:"date"`
	} `json:"deliveryDate"`
}

type trackStatus struct {
	Type        string `json:"type"`
	Code        string `json:"code"`
	Description string `json:"description"`
	StatusCode  string `json:"statusCode"`
}
