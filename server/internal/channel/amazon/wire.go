package amazon

import "encoding/json"

// Wire shapes of Orders v0. Optional fields are pointers or omitted-safe
// strings; required ones are checked after decoding.

type money struct {
	CurrencyCode string `json:"CurrencyCode"`
	Amount       string `json:"Amount"`
}

type address struct {
	Name          string `json:"Name"`
	CompanyName   string `json:"CompanyName"`
	AddressLine1  string `json:"AddressLine1"`
	AddressLine2  string `json:"AddressLine2"`
	AddressLine3  string `json:"AddressLine3"`
	City          string `json:"City"`
	StateOrRegion string `json:"StateOrRegion"`
	PostalCode    string `json:"PostalCode"`
	CountryCode   string `json:"CountryCode"`
	Phone         string `json:"Phone"`
}

type buyerInfo struct {
	BuyerEmail          string `json:"BuyerEmail"`
	BuyerName           string `json:"BuyerName"`
	PurchaseOrderNumber string `json:"PurchaseOrderNumber"`
}

type wireOrder struct {
	AmazonOrderID                string     `json:"AmazonOrderId"`
	PurchaseDate                 string     `json:"PurchaseDate"`
	LastUpdateDate               string     `json:"LastUpdateDate"`
	OrderStatus                  string     `json:"OrderStatus"`
	FulfillmentChannel           string     `json:"FulfillmentChannel"`
	ShipServiceLevel             string     `json:"ShipServiceLevel"`
	ShipmentServiceLevelCategory string     `json:"ShipmentServiceLevelCategory"`
	OrderTotal                   *money     `json:"OrderTotal"`
	LatestShipDate               string     `json:"LatestShipDate"`
	ShippingAddress              *address   `json:"ShippingAddress"`
	BuyerInfo                    *buyerInfo `json:"BuyerInfo"`
}

type ordersResponse struct {
	Payload *struct {
		Orders            []json.RawMessage `json:"Orders"`
		NextToken         string            `json:"NextToken"`
		LastUpdatedBefore string            `json:"LastUpdatedBefore"`
		CreatedBefore     string            `json:"CreatedBefore"`
	} `json:"payload"`
}

type orderResponse struct {
	Payload json.RawMessage `json:"payload"`
}

type wireItem struct {
	ASIN            string `json:"ASIN"`
	SellerSKU       string `json:"SellerSKU"`
	OrderItemID     string `json:"OrderItemId"`
	Title           string `json:"Title"`
	QuantityOrdered *int   `json:"QuantityOrdered"`
	QuantityShipped *int   `json:"QuantityShipped"`
	ItemPrice       *money `json:"ItemPrice"`
}

type itemsResponse struct {
	Payload *struct {
		AmazonOrderID string     `json:"AmazonOrderId"`
		OrderItems    []wireItem `json:"OrderItems"`
		NextToken     string     `json:"NextToken"`
	} `json:"payload"`
}
