package ups

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Before v2403 UPS sent a lone RatedShipment as an object; the reply
// still parses, and an amount with a fraction of a cent is refused.
func TestRatedShipmentShapes(t *testing.T) {
	const single = `{"RateResponse":{"Response":{"ResponseStatus":{"Code":"1"},"Alert":{"Code":"110971","Description":"x"}},
"RatedShipment":{"Service":{"Code":"12"},"TotalCharges":{"CurrencyCode":"USD","MonetaryValue":"22.65"},
"NegotiatedRateCharges":{"TotalCharge":{"CurrencyCode":"USD","MonetaryValue":"20.10"}},
"TimeInTransit":{"ServiceSummary":{"EstimatedArrival":{"Arrival":{"Date":"20260305"},"BusinessDaysInTransit":"3"}}}}}}`
	var r rateResponse
	if err := json.Unmarshal([]byte(single), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.RateResponse.RatedShipment) != 1 || len(r.RateResponse.Response.Alert) != 1 {
		t.Fatalf("%+v", r)
	}
	q, err := quoteOf(r.RateResponse.RatedShipment[0])
	if err != nil {
		t.Fatal(err)
	}
	if q.Amount != "20.10" || q.DeliveryDate.String() != "2026-03-05" || *q.BusinessDays != 3 || q.Guaranteed || q.ServiceName != "UPS 3 Day Select" {
		t.Errorf("%+v", q)
	}
	var bad ratedShipment
	_ = json.Unmarshal([]byte(`{"Service":{"Code":"03"},"TotalCharges":{"CurrencyCode":"USD","MonetaryValue":"9.999"}}`), &bad)
	if _, err := quoteOf(bad); err == nil {
		t.Error("9.999 accepted")
	}
}

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		s    trackStatus
		want string
	}{
		{trackStatus{Type: "M", Code: "MP"}, carrier.StatusPreTransit},
		{trackStatus{Type: "MV"}, carrier.StatusPreTransit},
		{trackStatus{Type: "P", Code: "PU"}, carrier.StatusAccepted},
		{trackStatus{Type: "I", Code: "OR", Description: "Origin Scan"}, carrier.StatusInTransit},
		{trackStatus{Type: "I", Code: "OT", StatusCode: "021"}, carrier.StatusOutForDel},
		{trackStatus{Type: "I", Description: "Out For Delivery Today"}, carrier.StatusOutForDel},
		{trackStatus{Type: "D", Code: "KB"}, carrier.StatusDelivered},
		{trackStatus{Type: "X"}, carrier.StatusException},
		{trackStatus{Type: "RS"}, carrier.StatusReturned},
	} {
		if got := statusOf(tc.s); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.s, got, tc.want)
		}
	}
}

// A drop-off has no pickup scan: its origin scan is the acceptance.
func TestFirstPossessionScanIsAccepted(t *testing.T) {
	var p trackPackage
	_ = json.Unmarshal([]byte(`{"activity":[
{"date":"20260303","time":"080000","status":{"type":"I","code":"AR","description":"Arrived at Facility"}},
{"date":"20260302","time":"190000","status":{"type":"I","code":"OR","description":"Origin Scan"}},
{"date":"20260302","time":"090000","status":{"type":"M","code":"MP","description":"Shipper created a label"}}]}`), &p)
	tr := tracking("1Z999AA10123456784", p)
	want := []string{carrier.StatusPreTransit, carrier.StatusAccepted, carrier.StatusInTransit}
	for i, e := range tr.Events {
		if e.Status != want[i] {
			t.Errorf("event %d (%s): %s, want %s", i, e.Code, e.Status, want[i])
		}
	}
	if tr.Status != carrier.StatusInTransit || !tr.Events[0].At.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", tr)
	}
	if at := eventTime("20260302", "190000", "", "", "-05:00"); !at.Equal(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("local time with offset: %v", at)
	}
}
