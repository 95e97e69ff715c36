package fedex

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
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
	cancelled *time.Time
	// stage is how many scheduled scans have happened (see track.go).
	stage  int
	events []scan
}

// CheckDigit returns the check digit of the first 11 digits of a 12-digit
// FedEx Express tracking number: weights 1, 3, 7 from the right, the sum
// modulo 11, and 10 written as 0.
func CheckDigit(body string) byte {
	weights := [3]int{1, 3, 7}
	sum := 0
	for i := 0; i < len(body); i++ {
		sum += int(body[len(body)-1-i]-'0') * weights[i%3]
	}
	return byte('0' + sum%11%10)
}

var twelveDigits = regexp.MustCompile(`^\d{12}$`)

// ValidTrackingNumber reports whether n is 12 digits with a correct check digit.
func ValidTrackingNumber(n string) bool {
	return twelveDigits.MatchString(n) && CheckDigit(n[:11]) == n[11]
}

// newTrackingNumber builds a 12-digit number. Callers hold s.mu.
func (s *Server) newTrackingNumber() string {
	s.seq++
	body := fmt.Sprintf("79%09d", (s.seq*104729+12345)%1000000000)
	return body + string(CheckDigit(body))
}

type inShip struct {
	LabelResponseOptions string `json:"labelResponseOptions"`
	AccountNumber        *struct {
		Value string `json:"value"`
	} `json:"accountNumber"`
	RequestedShipment *struct {
		Shipper                *inParty   `json:"shipper"`
		Recipients             []*inParty `json:"recipients"`
		ShipDatestamp          string     `json:"shipDatestamp"`
		ServiceType            string     `json:"serviceType"`
		PackagingType          string     `json:"packagingType"`
		PickupType             string     `json:"pickupType"`
		ShippingChargesPayment *struct {
			PaymentType string `json:"paymentType"`
		} `json:"shippingChargesPayment"`
		LabelSpecification *struct {
			ImageType      string `json:"imageType"`
			LabelStockType string `json:"labelStockType"`
		} `json:"labelSpecification"`
		RequestedPackageLineItems []inLineItem `json:"requestedPackageLineItems"`
	} `json:"requestedShipment"`
}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ()-]{10,15}$`)

func checkContact(p *inParty, who string) *apiErr {
	if p == nil || p.Contact == nil || strings.TrimSpace(p.Contact.PersonName+p.Contact.CompanyName) == "" {
		return &apiErr{strings.ToUpper(who) + ".CONTACT.REQUIRED", "The " + who + " contact name is required."}
	}
	if !phonePattern.MatchString(p.Contact.PhoneNumber) {
		return &apiErr{strings.ToUpper(who) + ".PHONENUMBER.INVALID", "The " + who + " phone number is missing or invalid."}
	}
	return nil
}

func toAddress(p *inParty) rateshop.Address {
	a := rateshop.Address{City: p.Address.City, State: p.Address.StateOrProvinceCode, PostalCode: p.Address.PostalCode,
		Country: p.Address.CountryCode, Residential: p.Address.Residential}
	if p.Contact != nil {
		a.Name = strings.TrimSpace(p.Contact.PersonName)
		if a.Name == "" {
			a.Name = p.Contact.CompanyName
		}
	}
	if len(p.Address.StreetLines) > 0 {
		a.Street1 = p.Address.StreetLines[0]
	}
	if len(p.Address.StreetLines) > 1 {
		a.Street2 = p.Address.StreetLines[1]
	}
	return a
}

// handleShip is Create Shipment: one package, paid by the sender, its
// label inline as ZPLII or PDF on 4×6 stock.
func (s *Server) handleShip(w http.ResponseWriter, r *http.Request) {
	var in inShip
	keys, ok := decode(w, r, &in)
	if !ok {
		return
	}
	fail := func(e *apiErr) { writeError(w, http.StatusBadRequest, e.Code, e.Message) }
	if !keys["shipDatestamp"] {
		fail(invalid("requestedShipment.shipDatestamp", "is required (Ship spells it with a lower-case s)"))
		return
	}
	if in.AccountNumber == nil || in.AccountNumber.Value != s.opts.AccountNumber {
		fail(&apiErr{"ACCOUNT.NUMBER.MISMATCH", "The account number does not match the account of the credentials. Please modify your request and try again."})
		return
	}
	if in.LabelResponseOptions != "LABEL" {
		fail(invalid("labelResponseOptions", "must be LABEL (the simulator serves no label URLs)"))
		return
	}
	rs := in.RequestedShipment
	if rs == nil {
		fail(invalid("requestedShipment", "is required"))
		return
	}
	if len(rs.Recipients) != 1 {
		fail(&apiErr{"RECIPIENTS.REQUIRED", "Exactly one recipient is required."})
		return
	}
	for _, c := range []struct {
		p   *inParty
		who string
	}{{rs.Shipper, "shipper"}, {rs.Recipients[0], "recipients"}} {
		if e := checkContact(c.p, c.who); e != nil {
			fail(e)
			return
		}
		if e := checkAddress(c.p, c.who, true); e != nil {
			fail(e)
			return
		}
	}
	to := rs.Recipients[0].Address
	if to.CountryCode == "US" && len(to.StateOrProvinceCode) != 2 {
		fail(&apiErr{"RECIPIENTS.STATEORPROVINCECODE.INVALID", "The recipients state or province code is required for the US."})
		return
	}
	if _, err := time.Parse(time.DateOnly, rs.ShipDatestamp); err != nil {
		fail(invalid("requestedShipment.shipDatestamp", "must be YYYY-MM-DD"))
		return
	}
	if !pickupTypes[rs.PickupType] {
		fail(invalid("requestedShipment.pickupType", "must be DROPOFF_AT_FEDEX_LOCATION, CONTACT_FEDEX_TO_SCHEDULE or USE_SCHEDULED_PICKUP"))
		return
	}
	if rs.PackagingType != "YOUR_PACKAGING" {
		fail(invalid("requestedShipment.packagingType", "must be YOUR_PACKAGING in the simulator"))
		return
	}
	if rs.ShippingChargesPayment == nil || rs.ShippingChargesPayment.PaymentType != "SENDER" {
		fail(invalid("requestedShipment.shippingChargesPayment.paymentType", "must be SENDER in the simulator"))
		return
	}
	svc, ok := findService(servicesFor(rs.Shipper.Address.CountryCode, to.CountryCode, to.Residential), rs.ServiceType)
	if !ok {
		fail(&apiErr{"SERVICE.TYPE.INVALID", "The service type " + rs.ServiceType + " is not available between the origin and the destination."})
		return
	}
	ls := rs.LabelSpecification
	if ls == nil {
		fail(&apiErr{"LABELSPECIFICATION.REQUIRED", "The label specification is required."})
		return
	}
	switch ls.ImageType {
	case "ZPLII", "PDF":
	case "EPL2", "PNG":
		fail(invalid("requestedShipment.labelSpecification.imageType", ls.ImageType+" is not rendered by the simulator; use ZPLII or PDF"))
		return
	default:
		fail(invalid("requestedShipment.labelSpecification.imageType", "must be ZPLII, EPL2, PDF or PNG"))
		return
	}
	if ls.LabelStockType != "STOCK_4X6" && ls.LabelStockType != "PAPER_4X6" {
		fail(invalid("requestedShipment.labelSpecification.labelStockType", "must be STOCK_4X6 or PAPER_4X6 in the simulator"))
		return
	}
	p, e := readLineItems(rs.RequestedPackageLineItems)
	if e != nil {
		fail(e)
		return
	}

	q := quoteInput{parcel: p, zone: zone(rs.Shipper.Address.PostalCode, to.PostalCode), residential: to.Residential}
	charge, _ := s.charges(svc, q)
	ref := ""
	if refs := rs.RequestedPackageLineItems[0].CustomerReferences; len(refs) > 0 {
		ref = refs[0].Value
	}
	s.mu.Lock()
	if sc := s.gate.Script(); sc != nil {
		for _, sq := range sc.Quotes {
			if strings.EqualFold(sq.Carrier, "fedex") && sq.Service == svc.kind {
				charge, _ = rateshop.ParseCents(sq.Amount)
			}
		}
	}
	rec := &shipment{tracking: s.newTrackingNumber(), service: svc, format: ls.ImageType, reference: ref,
		from: toAddress(rs.Shipper), to: toAddress(rs.Recipients[0]), lbs: p.lbs, charge: charge, created: s.now()}
	rec.events = []scan{{at: rec.created, stage: stageCreated}}
	s.shipments[rec.tracking] = rec
	s.order = append(s.order, rec.tracking)
	s.mu.Unlock()

	l := label.Label{Carrier: "FedEx", Service: svc.name, TrackingNumber: rec.tracking, From: rec.from, To: rec.to,
		Reference: ref, WeightOz: p.lbs * 16, ShipDate: rateshop.DateOf(rec.created)}
	var doc []byte
	var err error
	if rec.format == "PDF" {
		doc, err = label.PDF(l)
	} else {
		doc, err = label.ZPL(l)
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL.SERVER.ERROR", "Label rendering failed: "+err.Error())
		return
	}
	category := "GROUND"
	if svc.express {
		category = "EXPRESS"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"transactionId": newID(),
		"output": map[string]any{
			"transactionShipments": []map[string]any{{
				"serviceType": svc.kind, "serviceName": svc.name, "serviceCategory": category,
				"shipDatestamp": rs.ShipDatestamp, "masterTrackingNumber": rec.tracking,
				"pieceResponses": []map[string]any{{
					"masterTrackingNumber": rec.tracking, "trackingNumber": rec.tracking,
					"netChargeAmount": number(charge), "customerReferences": rs.RequestedPackageLineItems[0].CustomerReferences,
					"packageDocuments": []map[string]any{{
						"contentType": "LABEL", "copiesToPrint": 1, "docType": rec.format,
						"encodedLabel": base64.StdEncoding.EncodeToString(doc),
					}},
				}},
				"completedShipmentDetail": map[string]any{"shipmentRating": map[string]any{
					"actualRateType": "PAYOR_ACCOUNT_PACKAGE",
					"shipmentRateDetails": []map[string]any{{
						"rateType": "PAYOR_ACCOUNT_PACKAGE", "totalNetCharge": number(charge), "currency": "USD",
					}},
				}},
			}},
			"alerts": []any{},
		},
	})
}

// handleCancel is Cancel Shipment; a shipment that cannot be cancelled is
// answered 200 with cancelledShipment false and an alert, as FedEx does.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountNumber *struct {
			Value string `json:"value"`
		} `json:"accountNumber"`
		DeletionControl string `json:"deletionControl"`
		TrackingNumber  string `json:"trackingNumber"`
	}
	if _, ok := decode(w, r, &in); !ok {
		return
	}
	if in.AccountNumber == nil || in.AccountNumber.Value != s.opts.AccountNumber {
		writeError(w, http.StatusBadRequest, "ACCOUNT.NUMBER.MISMATCH", "The account number does not match the account of the credentials. Please modify your request and try again.")
		return
	}
	if in.TrackingNumber == "" {
		writeError(w, http.StatusBadRequest, "TRACKINGNUMBER.REQUIRED", "The tracking number is required.")
		return
	}
	if in.DeletionControl != "DELETE_ALL_PACKAGES" && in.DeletionControl != "DELETE_ONE_PACKAGE" {
		writeError(w, http.StatusBadRequest, "INVALID.INPUT.EXCEPTION", "Invalid field value in the input: deletionControl must be DELETE_ALL_PACKAGES or DELETE_ONE_PACKAGE.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	refuse := func(code, msg string) {
		writeJSON(w, http.StatusOK, map[string]any{"transactionId": newID(), "output": map[string]any{
			"cancelledShipment": false, "cancelledHistory": false,
			"alerts": []map[string]string{{"code": code, "message": msg, "alertType": "WARNING"}},
		}})
	}
	sh, ok := s.shipments[in.TrackingNumber]
	if ok {
		s.progress(sh, now)
	}
	switch {
	case !ok:
		refuse("SHIPMENT.NOTFOUND", "No shipment was found for the tracking number provided.")
	case sh.cancelled != nil:
		refuse("SHIPMENT.ALREADY.CANCELLED", "This shipment has already been cancelled.")
	case sh.stage > stageCreated:
		refuse("SHIPMENT.CANCEL.NOTALLOWED", "The shipment has been tendered to FedEx and can no longer be cancelled.")
	default:
		sh.cancelled = &now
		sh.events = append(sh.events, scan{at: now, stage: stageCancelled})
		writeJSON(w, http.StatusOK, map[string]any{"transactionId": newID(), "output": map[string]any{
			"cancelledShipment": true, "cancelledHistory": true, "successMessage": "Success",
		}})
	}
}
