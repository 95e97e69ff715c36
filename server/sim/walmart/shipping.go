package walmart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// Carriers is Walmart's published carrier list; shipment confirmations
// naming any other carrier must use otherCarrier with a tracking URL.
func Carriers() []string {
	return []string{"UPS", "USPS", "FedEx", "Airborne", "OnTrac", "DHL Ecommerce - US", "DHL", "LS", "UDS",
		"UPSMI", "FDX", "PILOT", "ESTES", "SAIA", "FDS Express", "Seko Worldwide", "HIT Delivery", "FEDEXSP",
		"RL Carriers", "Metropolitan Warehouse & Delivery", "China Post", "YunExpress", "Yellow Freight Sys",
		"AIT Worldwide Logistics", "Chukou1", "Sendle", "Landmark Global", "Sunyou", "Yanwen", "4PX", "GLS",
		"OSM Worldwide", "FIRST MILE", "AM Trucking", "CEVA", "India Post", "SF Express", "CNE", "TForce Freight",
		"AxleHire", "LSO", "Royal Mail", "ABF Freight System", "WanB", "Roadrunner Freight", "Meyer Distribution",
		"AAA Cooper", "Canada Post", "Southeastern Freight Lines", "Japan Post", "Correos de Mexico", "XPO Logistics",
		"JD Logistics", "YDH", "JCEX", "Flyt", "Deutsche Post"}
}

// ShipmentRecord is one shipment the simulator accepted: the lines of one
// POST /v3/orders/{po}/shipping that share a tracking number.
type ShipmentRecord struct {
	PurchaseOrderID string         `json:"purchaseOrderId"`
	Carrier         string         `json:"carrier"`                // as sent: carrier or otherCarrier
	OtherCarrier    bool           `json:"otherCarrier,omitempty"` // sent as otherCarrier
	MethodCode      string         `json:"methodCode"`
	TrackingNumber  string         `json:"trackingNumber"`
	TrackingURL     string         `json:"trackingURL,omitempty"`
	SellerOrderID   string         `json:"sellerOrderId"`
	ShipDateTime    time.Time      `json:"shipDateTime"`
	Lines           map[string]int `json:"lines"` // line number → units
	At              time.Time      `json:"at"`
}

// ShipmentRecords lists the accepted shipments, oldest first.
func (s *Server) ShipmentRecords() []ShipmentRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ShipmentRecord, len(s.shipments))
	for i, r := range s.shipments {
		out[i] = r
		out[i].Lines = maps(r.Lines)
	}
	return out
}

// Shipments implements sim.Marketplace.
func (s *Server) Shipments() []sim.Shipment {
	var out []sim.Shipment
	for _, r := range s.ShipmentRecords() {
		out = append(out, sim.Shipment{ExternalOrderID: r.PurchaseOrderID, Carrier: r.Carrier,
			TrackingNumber: r.TrackingNumber, Lines: r.Lines, At: r.At})
	}
	return out
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Request body of POST /v3/orders/{po}/shipping. Values whose JSON type
// Walmart fixes are kept raw and checked.
type shipBody struct {
	OrderShipment *struct {
		OrderLines struct {
			OrderLine []struct {
				LineNumber             string `json:"lineNumber"`
				SellerOrderID          string `json:"sellerOrderId"`
				IntentToCancelOverride bool   `json:"intentToCancelOverride"`
				OrderLineStatuses      struct {
					OrderLineStatus []struct {
						Status         string `json:"status"`
						StatusQuantity struct {
							UnitOfMeasurement string          `json:"unitOfMeasurement"`
							Amount            json.RawMessage `json:"amount"`
						} `json:"statusQuantity"`
						TrackingInfo *struct {
							ShipDateTime json.RawMessage `json:"shipDateTime"`
							CarrierName  struct {
								Carrier      string `json:"carrier"`
								OtherCarrier string `json:"otherCarrier"`
							} `json:"carrierName"`
							MethodCode     string `json:"methodCode"`
							TrackingNumber string `json:"trackingNumber"`
							TrackingURL    string `json:"trackingURL"`
						} `json:"trackingInfo"`
					} `json:"orderLineStatus"`
				} `json:"orderLineStatuses"`
			} `json:"orderLine"`
		} `json:"orderLines"`
	} `json:"orderShipment"`
}

// handleShipping is POST /v3/orders/{po}/shipping. The whole request is
// checked before any line changes, so a refusal changes nothing.
func (s *Server) handleShipping(w http.ResponseWriter, r *http.Request) {
	var body shipBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, badContent(gmpOrders, "Request body is not a valid orderShipment: "+err.Error()))
		return
	}
	if body.OrderShipment == nil || len(body.OrderShipment.OrderLines.OrderLine) == 0 {
		writeError(w, http.StatusBadRequest, badContent(gmpOrders, "orderShipment.orderLines.orderLine is required"))
		return
	}
	status, resp := s.ship(r.PathValue("po"), &body)
	writeJSON(w, status, resp)
}

// ship applies a shipping update, or refuses it whole.
func (s *Server) ship(po string, body *shipBody) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[po]
	if !ok {
		return http.StatusNotFound, notFound(gmpOrders, "No order found for purchaseOrderId "+po).envelope()
	}
	type move struct {
		l   *line
		n   int
		tr  wTracking
		rec ShipmentRecord
	}
	var moves []move
	want := map[*line]int{}
	refuse := func(format string, args ...any) (int, any) {
		return http.StatusBadRequest, badContent(gmpOrders, fmt.Sprintf(format, args...)).envelope()
	}
	for _, rl := range body.OrderShipment.OrderLines.OrderLine {
		l := o.line(rl.LineNumber)
		switch {
		case rl.LineNumber == "":
			return refuse("lineNumber is required")
		case l == nil:
			return refuse("Unable to process this request. The Line: %s of PO: %s doesn't exist", rl.LineNumber, po)
		case rl.SellerOrderID == "" || len([]rune(rl.SellerOrderID)) > 30:
			return refuse("sellerOrderId is required and must be at most 30 characters")
		case len(rl.OrderLineStatuses.OrderLineStatus) == 0:
			return refuse("orderLineStatuses.orderLineStatus is required for line %s", rl.LineNumber)
		}
		for _, st := range rl.OrderLineStatuses.OrderLineStatus {
			if st.Status != StatusShipped {
				return refuse("Unable to process this request. status %q is not valid for a shipping update; use Shipped", st.Status)
			}
			n, ok := quotedCount(st.StatusQuantity.Amount)
			if !ok || st.StatusQuantity.UnitOfMeasurement != "EACH" {
				return refuse("statusQuantity must be {\"unitOfMeasurement\":\"EACH\",\"amount\":\"<units as a string>\"}, got amount %s", st.StatusQuantity.Amount)
			}
			ti := st.TrackingInfo
			if ti == nil {
				return refuse("trackingInfo is required for line %s", l.number)
			}
			ms, err := strconv.ParseInt(string(bytes.TrimSpace(ti.ShipDateTime)), 10, 64)
			if err != nil || ms <= 0 {
				return refuse("trackingInfo.shipDateTime must be epoch milliseconds, got %s", ti.ShipDateTime)
			}
			cn := ti.CarrierName
			switch {
			case (cn.Carrier == "") == (cn.OtherCarrier == ""):
				return refuse("trackingInfo.carrierName needs exactly one of carrier and otherCarrier")
			case cn.Carrier != "" && !slices.Contains(Carriers(), cn.Carrier):
				return refuse("trackingInfo.carrierName.carrier %q is not a valid carrier", cn.Carrier)
			case cn.OtherCarrier != "" && ti.TrackingURL == "":
				return refuse("trackingInfo.trackingURL is required when carrierName.otherCarrier is used")
			case !slices.Contains(methodCodes, ti.MethodCode):
				return refuse("trackingInfo.methodCode %q must be one of %s", ti.MethodCode, strings.Join(methodCodes, ", "))
			case strings.TrimSpace(ti.TrackingNumber) == "":
				return refuse("trackingInfo.trackingNumber is required")
			}
			if l.count(StatusCreated, StatusAcknowledged) == 0 && l.count(StatusCancelled) > 0 {
				return refuse("Unable to process this request. The Line: %s of PO: %s is in Cancelled status and cannot be shipped", l.number, po)
			}
			want[l] += n
			if want[l] > l.count(StatusCreated, StatusAcknowledged) {
				return refuse("Unable to process this request. The Line: %s of PO: %s doesn't have enough quantity to ship requested quantity :: Qty requested: %d", l.number, po, want[l])
			}
			var tr wTracking
			tr.ShipDateTime, tr.MethodCode, tr.TrackingNumber, tr.TrackingURL = ms, ti.MethodCode, ti.TrackingNumber, ti.TrackingURL
			tr.CarrierName.Carrier, tr.CarrierName.OtherCarrier = cn.Carrier, cn.OtherCarrier
			carrier := cn.Carrier
			if carrier == "" {
				carrier = cn.OtherCarrier
			}
			moves = append(moves, move{l: l, n: n, tr: tr, rec: ShipmentRecord{PurchaseOrderID: po, Carrier: carrier,
				OtherCarrier: cn.OtherCarrier != "", MethodCode: ti.MethodCode, TrackingNumber: ti.TrackingNumber,
				TrackingURL: ti.TrackingURL, SellerOrderID: rl.SellerOrderID, ShipDateTime: time.UnixMilli(ms).UTC()}})
		}
	}
	now := s.now()
	byTracking := map[string]int{} // carrier + tracking → index in s.shipments
	for _, m := range moves {
		tr := m.tr
		m.l.move(m.n, []string{StatusAcknowledged, StatusCreated}, &lineStatus{status: StatusShipped, tracking: &tr})
		m.l.statusDate = now
		key := m.rec.Carrier + "\x00" + m.rec.TrackingNumber
		i, seen := byTracking[key]
		if !seen {
			m.rec.Lines, m.rec.At = map[string]int{}, now
			s.shipments = append(s.shipments, m.rec)
			i = len(s.shipments) - 1
			byTracking[key] = i
		}
		s.shipments[i].Lines[m.l.number] += m.n
	}
	return http.StatusOK, map[string]wOrder{"order": o.wire()}
}

// quotedCount reads a quantity sent, as Walmart requires, as a JSON string.
func quotedCount(raw json.RawMessage) (int, bool) {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}
