package shippo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

type trackStatus struct {
	Status        string `json:"status"`
	StatusDetails string `json:"status_details"`
	StatusDate    string `json:"status_date"`
	Substatus     *struct {
		Code string `json:"code"`
		Text string `json:"text"`
	} `json:"substatus"`
	Location *struct {
		City  string `json:"city"`
		State string `json:"state"`
		Zip   string `json:"zip"`
	} `json:"location"`
}

type trackResp struct {
	TrackingNumber  string        `json:"tracking_number"`
	ETA             *string       `json:"eta"`
	TrackingStatus  *trackStatus  `json:"tracking_status"`
	TrackingHistory []trackStatus `json:"tracking_history"`
}

// acceptanceSubstatus are substatus codes of the carrier taking the parcel.
var acceptanceSubstatus = map[string]bool{"package_accepted": true, "pickup": true, "package_picked_up": true}

// status normalizes a Shippo tracking status and its substatus.
func status(st trackStatus) string {
	sub := ""
	if st.Substatus != nil {
		sub = st.Substatus.Code
	}
	switch st.Status {
	case "UNKNOWN", "PRE_TRANSIT", "":
		return carrier.StatusPreTransit
	case "TRANSIT":
		switch {
		case acceptanceSubstatus[sub]:
			return carrier.StatusAccepted
		case sub == "out_for_delivery":
			return carrier.StatusOutForDel
		}
		return carrier.StatusInTransit
	case "DELIVERED":
		return carrier.StatusDelivered
	case "RETURNED":
		return carrier.StatusReturned
	}
	return carrier.StatusException
}

// CarrierOf guesses the Shippo carrier token of a tracking number: UPS
// numbers start with 1Z; USPS IMpb numbers have 20 to 22 digits starting
// with 9, or are S10 numbers such as EA123456789US; FedEx numbers have 12,
// 15 or 20 digits. Track also takes "carrier:number" to name it.
func CarrierOf(n string) (string, bool) {
	digits := strings.Trim(n, "0123456789") == ""
	switch {
	case strings.HasPrefix(strings.ToUpper(n), "1Z") && len(n) == 18:
		return "ups", true
	case digits && len(n) >= 20 && len(n) <= 22 && n[0] == '9':
		return "usps", true
	case len(n) == 13 && strings.HasSuffix(strings.ToUpper(n), "US"):
		return "usps", true
	case digits && (len(n) == 12 || len(n) == 15 || len(n) == 20):
		return "fedex", true
	}
	return "", false
}

// Track implements carrier.Adapter. Shippo tracks by carrier and number;
// the carrier is taken from "carrier:number" or guessed by CarrierOf.
func (a *Adapter) Track(ctx context.Context, c carrier.Conn, trackingNumber string) (carrier.Tracking, error) {
	carrierToken, number, named := strings.Cut(trackingNumber, ":")
	if !named {
		number = trackingNumber
		var ok bool
		if carrierToken, ok = CarrierOf(number); !ok {
			return carrier.Tracking{}, fmt.Errorf("shippo: track %s: cannot tell the carrier; pass \"carrier:number\"", trackingNumber)
		}
	}
	s, err := a.session(c)
	if err != nil {
		return carrier.Tracking{}, err
	}
	r, err := s.call(ctx, http.MethodGet, "/tracks/"+url.PathEscape(carrierToken)+"/"+url.PathEscape(number), nil)
	if err != nil {
		return carrier.Tracking{}, err
	}
	if !r.ok() {
		return carrier.Tracking{}, fail("track "+number, r)
	}
	var resp trackResp
	if err := json.Unmarshal(r.body, &resp); err != nil {
		return carrier.Tracking{}, fmt.Errorf("shippo: track %s: malformed answer: %w", number, err)
	}
	resp.TrackingNumber = number
	return normalize(resp), nil
}

// normalize turns a Track object into a carrier.Tracking, oldest event
// first.
func normalize(resp trackResp) carrier.Tracking {
	out := carrier.Tracking{TrackingNumber: resp.TrackingNumber, Status: carrier.StatusPreTransit}
	if resp.TrackingStatus != nil {
		out.Status = status(*resp.TrackingStatus)
	}
	for _, h := range resp.TrackingHistory {
		at, _ := time.Parse(time.RFC3339, h.StatusDate)
		e := carrier.TrackingEvent{At: at.UTC(), Status: status(h), Code: h.Status, Description: h.StatusDetails}
		if h.Substatus != nil && h.Substatus.Code != "" {
			e.Code = h.Substatus.Code
		}
		if h.Location != nil {
			e.Location = strings.TrimSpace(strings.Join(strings.Fields(h.Location.City+" "+h.Location.State+" "+h.Location.Zip), " "))
		}
		out.Events = append(out.Events, e)
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].At.Before(out.Events[j].At) })
	markAcceptance(out.Events)
	if n := len(out.Events); n > 0 {
		out.Status = out.Events[n-1].Status
	}
	if resp.ETA != nil && out.Status != carrier.StatusDelivered && len(*resp.ETA) >= 10 {
		if d, err := rateshop.ParseDate((*resp.ETA)[:10]); err == nil {
			out.EstimatedDelivery = &d
		}
	}
	return out
}

// markAcceptance makes the first scan in the carrier's hands count as
// acceptance when no scan says so, so that the core always sees the
// carrier take the parcel.
func markAcceptance(events []carrier.TrackingEvent) {
	for i := range events {
		switch events[i].Status {
		case carrier.StatusPreTransit:
			continue
		case carrier.StatusInTransit:
			events[i].Status = carrier.StatusAccepted
		}
		return
	}
}
