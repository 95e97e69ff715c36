package ups

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"net/http"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/label"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// shipment is a bought label and its tracking history.
type shipment struct {
	tracking  string
	service   service
	format    string
	reference string
	from, to  rateshop.Address
	lbs       float64
	charge    int64
	created   time.Time
	voided    *time.Time
	// stage is how many scheduled scans have happened (see track.go).
	stage  int
	events []scan
}

// CheckDigit returns the check digit UPS appends to the 15 characters
// after "1Z": letters count as (ASCII − 63) mod 10, every second
// character is doubled, and the digit brings the sum to a multiple of 10.
func CheckDigit(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = (int(c) - 63) % 10
		}
		if i%2 == 1 {
			v *= 2
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidTrackingNumber reports whether n is a 1Z number with a correct
// check digit.
func ValidTrackingNumber(n string) bool {
	if len(n) != 18 || !strings.HasPrefix(n, "1Z") {
		return false
	}
	for i := 2; i < 18; i++ {
		if c := n[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return CheckDigit(n[2:17]) == n[17]
}

// newTrackingNumber builds 1Z + shipper number + service + a 7-digit
// package number + check digit. Callers hold s.mu.
func (s *Server) newTrackingNumber(serviceCode string) string {
	s.seq++
	acct := strings.ToUpper(s.opts.AccountNumber)
	if len(acct) != 6 {
		acct = fmt.Sprintf("%-6.6s", acct+"000000")
	}
	body := acct + fmt.Sprintf("%02.2s", serviceCode) + fmt.Sprintf("%07d", (s.seq*7919+1000003)%10000000)
	return "1Z" + body + string(CheckDigit(body))
}

func toAddress(p *inParty) rateshop.Address {
	if p == nil || p.Address == nil {
		return rateshop.Address{}
	}
	a := rateshop.Address{Name: p.Name, City: p.Address.City, State: p.Address.StateProvinceCode,
		PostalCode: p.Address.PostalCode, Country: p.Address.CountryCode, Residential: p.Address.ResidentialAddressIndicator != nil}
	if len(p.Address.AddressLine) > 0 {
		a.Street1 = p.Address.AddressLine[0]
	}
	if len(p.Address.AddressLine) > 1 {
		a.Street2 = p.Address.AddressLine[1]
	}
	return a
}

// handleShip is Shipping's ship: one package, billed to the shipper, with a
// ZPL or GIF label on 4×6 stock.
func (s *Server) handleShip(w http.ResponseWriter, r *http.Request) {
	if !versionPattern.MatchString(r.PathValue("version")) {
		writeError(w, http.StatusNotFound, "10404", "The requested resource was not found.")
		return
	}
	var in inShip
	if !decode(w, r, &in) {
		return
	}
	sr := in.ShipmentRequest
	if sr == nil || sr.Shipment == nil {
		writeError(w, http.StatusBadRequest, "120002", "Missing ShipmentRequest/Shipment.")
		return
	}
	sh := sr.Shipment
	fail := func(code, msg string) { writeError(w, http.StatusBadRequest, code, msg) }
	switch {
	case sh.Shipper == nil || strings.TrimSpace(sh.Shipper.Name) == "":
		fail("120100", "Missing or invalid shipper name.")
		return
	case sh.Shipper.ShipperNumber != s.opts.AccountNumber:
		fail("120101", "Missing or invalid shipper number.")
		return
	case sh.Shipper.Address == nil || len(sh.Shipper.Address.AddressLine) == 0 || sh.Shipper.Address.City == "":
		fail("120102", "Missing or invalid shipper address.")
		return
	case sh.ShipTo == nil || strings.TrimSpace(sh.ShipTo.Name) == "":
		fail("120201", "Missing or invalid ship to name.")
		return
	case sh.ShipTo.Address == nil || len(sh.ShipTo.Address.AddressLine) == 0 || strings.TrimSpace(sh.ShipTo.Address.AddressLine[0]) == "":
		fail("120202", "Missing or invalid ship to address line 1.")
		return
	case sh.ShipTo.Address.City == "":
		fail("120205", "Missing or invalid ship to city.")
		return
	case sh.ShipTo.Address.CountryCode == "US" && len(sh.ShipTo.Address.StateProvinceCode) != 2:
		fail("120206", "Missing or invalid ship to StateProvinceCode.")
		return
	}
	for _, c := range []struct {
		p   *inParty
		who string
	}{{sh.Shipper, "Shipper"}, {sh.ShipTo, "ShipTo"}, {sh.ShipFrom, "ShipFrom"}} {
		if c.p == nil {
			continue
		}
		if e := checkAddress(c.p.Address, c.who, "120802"); e != nil {
			fail(e.Code, e.Message)
			return
		}
	}
	pay := sh.PaymentInformation
	if pay == nil || len(pay.ShipmentCharge) == 0 || pay.ShipmentCharge[0].Type != "01" ||
		pay.ShipmentCharge[0].BillShipper == nil || pay.ShipmentCharge[0].BillShipper.AccountNumber != s.opts.AccountNumber {
		fail("120412", "Missing or invalid PaymentInformation: bill shipper account number required.")
		return
	}
	from := sh.Shipper
	if sh.ShipFrom != nil && sh.ShipFrom.Address != nil {
		from = sh.ShipFrom
	}
	if sh.Service == nil {
		fail("120115", "Missing or invalid service code.")
		return
	}
	svc, ok := findService(servicesFor(from.Address.CountryCode, sh.ShipTo.Address.CountryCode), sh.Service.Code)
	if !ok {
		fail("120115", "Missing or invalid service code.")
		return
	}
	if len(sh.Package) != 1 {
		fail("120500", "The simulator ships exactly one package per shipment.")
		return
	}
	p, e := readParcel(sh.Package[0], "Packaging", from.Address.CountryCode == "US")
	if e != nil {
		fail(e.Code, e.Message)
		return
	}
	ls := sr.LabelSpecification
	if ls == nil || ls.LabelImageFormat == nil {
		fail("120400", "Missing LabelSpecification/LabelImageFormat.")
		return
	}
	format := ls.LabelImageFormat.Code
	switch format {
	case "GIF", "ZPL":
	case "EPL", "SPL":
		fail("120417", "Label image format "+format+" is not rendered by the simulator; use GIF or ZPL.")
		return
	default:
		fail("120417", "Invalid label image format "+format+"; use GIF, ZPL, EPL or SPL.")
		return
	}
	if format == "ZPL" && (ls.LabelStockSize == nil || ls.LabelStockSize.Width != "4" || (ls.LabelStockSize.Height != "6" && ls.LabelStockSize.Height != "8")) {
		fail("120418", "Invalid label stock size; ZPL labels need Width 4 and Height 6 or 8.")
		return
	}

	z := zone(from.Address.PostalCode, sh.ShipTo.Address.PostalCode)
	charge := price(svc, p.billable(s.opts.DimDivisor), z, sh.ShipTo.Address.ResidentialAddressIndicator != nil)
	s.mu.Lock()
	if sc := s.gate.Script(); sc != nil {
		for _, q := range sc.Quotes {
			if strings.EqualFold(q.Carrier, "ups") && q.Service == svc.code {
				charge, _ = rateshop.ParseCents(q.Amount)
			}
		}
	}
	ref := ""
	if refs := sh.Package[0].ReferenceNumber; len(refs) > 0 {
		ref = refs[0].Value
	}
	rec := &shipment{tracking: s.newTrackingNumber(svc.code), service: svc, format: format, reference: ref,
		from: toAddress(from), to: toAddress(sh.ShipTo), lbs: p.lbs, charge: charge, created: s.now()}
	rec.events = []scan{{at: rec.created, stage: 0}}
	s.shipments[rec.tracking] = rec
	s.order = append(s.order, rec.tracking)
	s.mu.Unlock()

	img, err := renderLabel(rec)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "120999", "Label rendering failed: "+err.Error())
		return
	}
	results := map[string]any{
		"ShipmentCharges": map[string]any{
			"TransportationCharges": money{"USD", cents(charge)},
			"ServiceOptionsCharges": money{"USD", "0.00"},
			"TotalCharges":          money{"USD", cents(charge)},
		},
		"BillingWeight":                s.billingWeight(p),
		"ShipmentIdentificationNumber": rec.tracking,
		"PackageResults": []map[string]any{{
			"TrackingNumber":        rec.tracking,
			"ServiceOptionsCharges": money{"USD", "0.00"},
			"ShippingLabel": map[string]any{
				"ImageFormat":  codeDesc{Code: format, Description: format},
				"GraphicImage": base64.StdEncoding.EncodeToString(img),
			},
		}},
	}
	if sh.ShipmentRatingOptions != nil && sh.ShipmentRatingOptions.NegotiatedRatesIndicator != nil && s.opts.NegotiatedPercentOff > 0 {
		results["NegotiatedRateCharges"] = map[string]any{"TotalCharge": money{"USD", cents(charge * int64(100-s.opts.NegotiatedPercentOff) / 100)}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ShipmentResponse": map[string]any{
		"Response":        map[string]any{"ResponseStatus": codeDesc{Code: "1", Description: "Success"}},
		"ShipmentResults": results,
	}})
}

// renderLabel draws the label in the format asked for.
func renderLabel(sh *shipment) ([]byte, error) {
	l := label.Label{Carrier: "UPS", Service: sh.service.name, TrackingNumber: sh.tracking, From: sh.from, To: sh.to,
		Reference: sh.reference, WeightOz: sh.lbs * 16, ShipDate: rateshop.DateOf(sh.created)}
	if sh.format == "ZPL" {
		return label.ZPL(l)
	}
	return labelGIF(sh.tracking)
}

// labelGIF draws a landscape 1200×800 one-bit label, as UPS GIFs are
// landscape: a border and the tracking number's Code 128 barcode.
func labelGIF(tracking string) ([]byte, error) {
	mods, err := label.Code128Modules(tracking)
	if err != nil {
		return nil, err
	}
	img := image.NewPaletted(image.Rect(0, 0, 1200, 800), color.Palette{color.White, color.Black})
	fill := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			row := img.Pix[y*img.Stride : (y+1)*img.Stride]
			for x := x0; x < x1; x++ {
				row[x] = 1
			}
		}
	}
	fill(10, 10, 1190, 16)
	fill(10, 784, 1190, 790)
	fill(10, 10, 16, 790)
	fill(1184, 10, 1190, 790)
	fill(10, 300, 1190, 306)
	total := 0
	for _, m := range mods {
		total += m
	}
	x := (1200 - total*4) / 2
	for i, m := range mods {
		if i%2 == 0 {
			fill(x, 400, x+m*4, 640)
		}
		x += m * 4
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// handleVoid cancels a shipment that UPS has not yet picked up.
func (s *Server) handleVoid(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shipments[id]
	now := s.now()
	if ok {
		s.progress(sh, now)
	}
	switch {
	case !ok:
		writeError(w, http.StatusBadRequest, "190102", "No shipment found within the allowed void period")
	case sh.voided != nil:
		writeError(w, http.StatusBadRequest, "190117", "The shipment has already been voided.")
	case sh.stage > 0:
		writeError(w, http.StatusBadRequest, "190118", "The package has been picked up and can no longer be voided.")
	default:
		sh.voided = &now
		sh.events = append(sh.events, scan{at: now, stage: stageVoided})
		writeJSON(w, http.StatusOK, map[string]any{"VoidShipmentResponse": map[string]any{
			"Response":      map[string]any{"ResponseStatus": codeDesc{Code: "1", Description: "Success"}},
			"SummaryResult": map[string]any{"Status": codeDesc{Code: "1", Description: "Voided"}},
		}})
	}
}
