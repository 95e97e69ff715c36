package fedex

import "encoding/json"

// JSON shapes of the FedEx Rate, Ship and Track APIs, as far as the adapter
// uses them. Answers are decoded with UseNumber, so every number is a
// json.Number.

type accountNumber struct {
	Value string `json:"value"`
}

type wireAddress struct {
	StreetLines         []string `json:"streetLines,omitempty"`
	City                string   `json:"city,omitempty"`
	StateOrProvinceCode string   `json:"stateOrProvinceCode,omitempty"`
	PostalCode          string   `json:"postalCode,omitempty"`
	CountryCode         string   `json:"countryCode"`
	Residential         bool     `json:"residential"`
}

type contact struct {
	PersonName  string `json:"personName,omitempty"`
	CompanyName string `json:"companyName,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

type party struct {
	Contact *contact    `json:"contact,omitempty"`
	Address wireAddress `json:"address"`
}

type weight struct {
	Units string `json:"units"`
	Value int64  `json:"value"`
}

type dimensions struct {
	Length int64  `json:"length"`
	Width  int64  `json:"width"`
	Height int64  `json:"height"`
	Units  string `json:"units"`
}

type customerReference struct {
	CustomerReferenceType string `json:"customerReferenceType"`
	Value                 string `json:"value"`
}

type lineItem struct {
	SequenceNumber     int                 `json:"sequenceNumber,omitempty"`
	Weight             weight              `json:"weight"`
	Dimensions         dimensions          `json:"dimensions"`
	CustomerReferences []customerReference `json:"customerReferences,omitempty"`
}

// Rate.

type rateRequest struct {
	AccountNumber                accountNumber `json:"accountNumber"`
	RateRequestControlParameters struct {
		ReturnTransitTimes bool `json:"returnTransitTimes"`
	} `json:"rateRequestControlParameters"`
	RequestedShipment struct {
		Shipper                   party      `json:"shipper"`
		Recipient                 party      `json:"recipient"`
		ShipDateStamp             string     `json:"shipDateStamp"`
		PickupType                string     `json:"pickupType"`
		RateRequestType           []string   `json:"rateRequestType"`
		PackagingType             string     `json:"packagingType"`
		TotalPackageCount         int        `json:"totalPackageCount"`
		RequestedPackageLineItems []lineItem `json:"requestedPackageLineItems"`
	} `json:"requestedShipment"`
	CarrierCodes []string `json:"carrierCodes"`
}

type rateResponse struct {
	TransactionID string `json:"transactionId"`
	Output        struct {
		RateReplyDetails []rateReplyDetail `json:"rateReplyDetails"`
		Alerts           []alert           `json:"alerts"`
	} `json:"output"`
}

type alert struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	AlertType string `json:"alertType"`
}

type rateReplyDetail struct {
	ServiceType         string `json:"serviceType"`
	ServiceName         string `json:"serviceName"`
	RatedShipmentDetail []struct {
		RateType           string      `json:"rateType"`
		TotalNetCharge     json.Number `json:"totalNetCharge"`
		Currency           string      `json:"currency"`
		ShipmentRateDetail struct {
			Currency string `json:"currency"`
		} `json:"shipmentRateDetail"`
	} `json:"ratedShipmentDetails"`
	OperationalDetail struct {
		DeliveryDate                    string `json:"deliveryDate"`
		CommitDate                      string `json:"commitDate"`
		TransitTime                     string `json:"transitTime"`
		IneligibleForMoneyBackGuarantee bool   `json:"ineligibleForMoneyBackGuarantee"`
	} `json:"operationalDetail"`
	Commit struct {
		DaysInTransit string `json:"daysInTransit"`
		DateDetail    struct {
			DayFormat    string `json:"dayFormat"`
			DayCxsFormat string `json:"dayCxsFormat"`
		} `json:"dateDetail"`
		Label string `json:"label"`
	} `json:"commit"`
}

// Ship.

type shipRequest struct {
	LabelResponseOptions string        `json:"labelResponseOptions"`
	AccountNumber        accountNumber `json:"accountNumber"`
	RequestedShipment    struct {
		Shipper                party   `json:"shipper"`
		Recipients             []party `json:"recipients"`
		ShipDatestamp          string  `json:"shipDatestamp"`
		ServiceType            string  `json:"serviceType"`
		PackagingType          string  `json:"packagingType"`
		PickupType             string  `json:"pickupType"`
		BlockInsightVisibility bool    `json:"blockInsightVisibility"`
		ShippingChargesPayment struct {
			PaymentType string `json:"paymentType"`
		} `json:"shippingChargesPayment"`
		LabelSpecification struct {
			ImageType      string `json:"imageType"`
			LabelStockType string `json:"labelStockType"`
		} `json:"labelSpecification"`
		RequestedPackageLineItems []lineItem `json:"requestedPackageLineItems"`
	} `json:"requestedShipment"`
}

type shipResponse struct {
	TransactionID string `json:"transactionId"`
	Output        struct {
		TransactionShipments []struct {
			MasterTrackingNumber string `json:"masterTrackingNumber"`
			ServiceType          string `json:"serviceType"`
			PieceResponses       []struct {
				TrackingNumber   string      `json:"trackingNumber"`
				NetChargeAmount  json.Number `json:"netChargeAmount"`
				PackageDocuments []struct {
					ContentType  string `json:"contentType"`
					DocType      string `json:"docType"`
					EncodedLabel string `json:"encodedLabel"`
					URL          string `json:"url"`
				} `json:"packageDocuments"`
			} `json:"pieceResponses"`
			CompletedShipmentDetail struct {
				ShipmentRating struct {
					ShipmentRateDetails []struct {
						RateType       string      `json:"rateType"`
						TotalNetCharge json.Number `json:"totalNetCharge"`
						Currency       string      `json:"currency"`
					} `json:"shipmentRateDetails"`
				} `json:"shipmentRating"`
			} `json:"completedShipmentDetail"`
		} `json:"transactionShipments"`
		Alerts []alert `json:"alerts"`
	} `json:"output"`
}

type cancelRequest struct {
	AccountNumber     accountNumber `json:"accountNumber"`
	EmailShipment     bool          `json:"emailShipment"`
	SenderCountryCode string        `json:"senderCountryCode"`
	DeletionControl   string        `json:"deletionControl"`
	TrackingNumber    string        `json:"trackingNumber"`
}

type cancelResponse struct {
	Output struct {
		CancelledShipment bool    `json:"cancelledShipment"`
		CancelledHistory  bool    `json:"cancelledHistory"`
		SuccessMessage    string  `json:"successMessage"`
		Alerts            []alert `json:"alerts"`
	} `json:"output"`
}

// Track.

type trackRequest struct {
	IncludeDetailedScans bool `json:"includeDetailedScans"`
	TrackingInfo         []struct {
		TrackingNumberInfo struct {
			TrackingNumber string `json:"trackingNumber"`
		} `json:"trackingNumberInfo"`
	} `json:"trackingInfo"`
}

type trackResponse struct {
	Output struct {
		CompleteTrackResults []struct {
			TrackingNumber string        `json:"trackingNumber"`
			TrackResults   []trackResult `json:"trackResults"`
		} `json:"completeTrackResults"`
	} `json:"output"`
}

type trackResult struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	LatestStatusDetail *struct {
		Code        string `json:"code"`
		DerivedCode string `json:"derivedCode"`
		Description string `json:"description"`
	} `json:"latestStatusDetail"`
	DateAndTimes []struct {
		Type     string `json:"type"`
		DateTime string `json:"dateTime"`
	} `json:"dateAndTimes"`
	EstimatedDeliveryTimeWindow *struct {
		Window struct {
			Begins string `json:"begins"`
			Ends   string `json:"ends"`
		} `json:"window"`
	} `json:"estimatedDeliveryTimeWindow"`
	ScanEvents []struct {
		Date              string `json:"date"`
		EventType         string `json:"eventType"`
		EventDescription  string `json:"eventDescription"`
		DerivedStatusCode string `json:"derivedStatusCode"`
		ScanLocation      struct {
			City                string `json:"city"`
			StateOrProvinceCode string `json:"stateOrProvinceCode"`
			CountryCode         string `json:"countryCode"`
		} `json:"scanLocation"`
	} `json:"scanEvents"`
}
