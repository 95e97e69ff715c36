package usps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"time"
)

// LabelsJSON is the Accept type that makes the labels API answer JSON
// instead of multipart.
const LabelsJSON = "application/vnd.usps.labels+json"

type address struct {
	StreetAddress    string `json:"streetAddress"`
	SecondaryAddress string `json:"secondaryAddress,omitempty"`
	City             string `json:"city"`
	State            string `json:"state"`
	ZIPCode          string `json:"ZIPCode"`
	ZIPPlus4         string `json:"ZIPPlus4,omitempty"`
	Urbanization     string `json:"urbanization,omitempty"`
	FirstName        string `json:"firstName,omitempty"`
	LastName         string `json:"lastName,omitempty"`
	Firm             string `json:"firm,omitempty"`
	Phone            string `json:"phone,omitempty"`
	Email            string `json:"email,omitempty"`
	IgnoreBadAddress bool   `json:"ignoreBadAddress,omitempty"`
}

func (a address) name() string {
	n := strings.TrimSpace(a.FirstName + " " + a.LastName)
	if a.Firm != "" {
		if n == "" {
			return a.Firm
		}
		return n + ", " + a.Firm
	}
	return n
}

func (a address) lines() []string {
	out := []string{a.name(), a.StreetAddress}
	if a.SecondaryAddress != "" {
		out = append(out, a.SecondaryAddress)
	}
	zip := a.ZIPCode
	if a.ZIPPlus4 != "" {
		zip += "-" + a.ZIPPlus4
	}
	return append(out, fmt.Sprintf("%s %s %s", a.City, a.State, zip))
}

type imageInfo struct {
	ImageType        string `json:"imageType"`
	LabelType        string `json:"labelType,omitempty"`
	ReceiptOption    string `json:"receiptOption,omitempty"`
	SuppressPostage  bool   `json:"suppressPostage,omitempty"`
	SuppressMailDate bool   `json:"suppressMailDate,omitempty"`
	ReturnLabel      bool   `json:"returnLabel,omitempty"`
}

type customerReference struct {
	ReferenceNumber      string `json:"referenceNumber"`
	PrintReferenceNumber bool   `json:"printReferenceNumber,omitempty"`
}

type labelPackage struct {
	MailClass                    string              `json:"mailClass"`
	RateIndicator                string              `json:"rateIndicator"`
	WeightUOM                    string              `json:"weightUOM"`
	Weight                       float64             `json:"weight"`
	DimensionsUOM                string              `json:"dimensionsUOM"`
	Length                       float64             `json:"length"`
	Width                        float64             `json:"width"`
	Height                       float64             `json:"height"`
	ProcessingCategory           string              `json:"processingCategory"`
	MailingDate                  string              `json:"mailingDate"`
	DestinationEntryFacilityType string              `json:"destinationEntryFacilityType"`
	CustomerReference            []customerReference `json:"customerReference,omitempty"`
	ExtraServices                []int               `json:"extraServices,omitempty"`
}

type labelRequest struct {
	ImageInfo          imageInfo    `json:"imageInfo"`
	ToAddress          address      `json:"toAddress"`
	FromAddress        address      `json:"fromAddress"`
	SenderAddress      *address     `json:"senderAddress,omitempty"`
	PackageDescription labelPackage `json:"packageDescription"`
}

// label is a label the simulator sold.
type label struct {
	TrackingNumber string
	MailClass      string
	Postage        string
	ImageType      string
	MailingDate    string
	Reference      string
	IdempotencyKey string
	CreatedAt      time.Time
	From, To       address
	metadata       labelMetadata
	image          []byte
	Canceled       bool
	CanceledAt     time.Time
	ManifestNumber string
	track          timeline
}

type labelMetadata struct {
	LabelAddress           address     `json:"labelAddress"`
	RoutingInformation     string      `json:"routingInformation"`
	TrackingNumber         string      `json:"trackingNumber"`
	ConstructCode          string      `json:"constructCode"`
	SKU                    string      `json:"SKU"`
	Postage                price       `json:"postage"`
	ExtraServices          []any       `json:"extraServices"`
	Zone                   string      `json:"zone"`
	Commitment             *commitment `json:"commitment,omitempty"`
	WeightUOM              string      `json:"weightUOM"`
	Weight                 int64       `json:"weight"`
	DimensionalWeight      int64       `json:"dimensionalWeight"`
	Fees                   []any       `json:"fees"`
	BannerText             string      `json:"bannerText"`
	RetailDistributionCode string      `json:"retailDistributionCode"`
}

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	statePattern = regexp.MustCompile(`^[A-Z]{2}$`)
	zip4Pattern  = regexp.MustCompile(`^\d{4}$`)
	imageTypes   = map[string]bool{"PDF": true, "ZPL203DPI": true}
	processing   = map[string]bool{"MACHINABLE": true, "NONSTANDARD": true, "IRREGULAR": true, "FLATS": true, "LETTERS": true}
)

type paymentRole struct {
	RoleName      string `json:"roleName"`
	CRID          string `json:"CRID"`
	MID           string `json:"MID,omitempty"`
	ManifestMID   string `json:"manifestMID,omitempty"`
	AccountType   string `json:"accountType,omitempty"`
	AccountNumber string `json:"accountNumber,omitempty"`
	PermitNumber  string `json:"permitNumber,omitempty"`
	PermitZIP     string `json:"permitZIP,omitempty"`
}

// handlePayment is POST /payments/v3/payment-authorization: the payer and
// label owner roles must name this account.
func (s *Server) handlePayment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Roles []paymentRole `json:"roles"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	var payer, owner bool
	for i, role := range req.Roles {
		at := fmt.Sprintf("roles[%d]", i)
		if role.CRID != s.opts.CRID {
			badRequest(w, at+".CRID", "CRID %q is not linked to this application.", role.CRID)
			return
		}
		switch role.RoleName {
		case "PAYER":
			if role.AccountType != "EPS" && role.AccountType != "PERMIT" {
				badRequest(w, at+".accountType", "accountType %q must be EPS or PERMIT.", role.AccountType)
				return
			}
			if role.AccountNumber != s.opts.Account {
				badRequest(w, at+".accountNumber", "accountNumber %q is not an account of CRID %s.", role.AccountNumber, role.CRID)
				return
			}
			payer = true
		case "LABEL_OWNER":
			if role.MID != s.opts.MID {
				badRequest(w, at+".MID", "MID %q is not a Mailer ID of CRID %s.", role.MID, role.CRID)
				return
			}
			if role.ManifestMID != "" && role.ManifestMID != s.opts.ManifestMID {
				badRequest(w, at+".manifestMID", "manifestMID %q is not a Mailer ID of CRID %s.", role.ManifestMID, role.CRID)
				return
			}
			owner = true
		case "SHIPPER", "PLATFORM":
		default:
			badRequest(w, at+".roleName", "roleName %q must be PAYER, LABEL_OWNER, SHIPPER or PLATFORM.", role.RoleName)
			return
		}
	}
	if !payer || !owner {
		badRequest(w, "roles", "roles must include a PAYER and a LABEL_OWNER.")
		return
	}
	tok := "pat." + randomHex(20)
	s.mu.Lock()
	s.paymentTokens[tok] = s.now().Add(s.opts.PaymentTokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"paymentAuthorizationToken": tok, "roles": req.Roles})
}

// handleLabel is POST /labels/v3/label.
func (s *Server) handleLabel(w http.ResponseWriter, r *http.Request) {
	pat := r.Header.Get("X-Payment-Authorization-Token")
	s.mu.Lock()
	exp, ok := s.paymentTokens[pat]
	s.mu.Unlock()
	if pat == "" || !ok || !s.now().Before(exp) {
		writeError(w, http.StatusUnauthorized, "401", "The payment authorization token is missing, invalid or expired.",
			apiErr("401", "INVALID_PAYMENT_AUTHORIZATION", "Invalid payment authorization",
				"Create a new token with POST /payments/v3/payment-authorization.", "X-Payment-Authorization-Token"))
		return
	}
	key := r.Header.Get("X-Idempotency-Key")
	if key != "" && !uuidPattern.MatchString(key) {
		badRequest(w, "X-Idempotency-Key", "X-Idempotency-Key %q must be a UUID.", key)
		return
	}
	var req labelRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if key != "" {
		s.mu.Lock()
		l := s.idempotent[key]
		s.mu.Unlock()
		if l != nil {
			s.writeLabel(w, r, l)
			return
		}
	}
	l, ok := s.checkLabel(w, req)
	if !ok {
		return
	}
	s.mu.Lock()
	if prior := s.idempotent[key]; key != "" && prior != nil {
		s.mu.Unlock()
		s.writeLabel(w, r, prior)
		return
	}
	s.seq++
	l.TrackingNumber = fmt.Sprintf("%s%015d", mailClasses[l.MailClass].trackingPrefix, 316000000000000+int64(s.seq))
	l.IdempotencyKey = key
	l.CreatedAt = s.now()
	l.track = newTimeline(l.CreatedAt, s.opts.AcceptanceDelay, transitDays(l.metadata))
	l.metadata.TrackingNumber = l.TrackingNumber
	img, err := renderLabel(l, req.PackageDescription.Weight)
	if err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusInternalServerError, "500", "The label could not be rendered.",
			apiErr("500", "INTERNAL_ERROR", "Internal Server Error", err.Error(), ""))
		return
	}
	l.image = img
	s.labels = append(s.labels, l)
	s.byTracking[l.TrackingNumber] = l
	if key != "" {
		s.idempotent[key] = l
	}
	s.mu.Unlock()
	s.writeLabel(w, r, l)
}

// checkLabel validates a label request and prices it, answering 400 for
// the first problem.
func (s *Server) checkLabel(w http.ResponseWriter, req labelRequest) (*label, bool) {
	pd := req.PackageDescription
	if !imageTypes[req.ImageInfo.ImageType] {
		badRequest(w, "imageInfo.imageType", "imageInfo.imageType %q is not supported by this simulator; use PDF or ZPL203DPI.", req.ImageInfo.ImageType)
		return nil, false
	}
	if lt := req.ImageInfo.LabelType; lt != "" && lt != "4X6LABEL" && !(req.ImageInfo.ImageType == "PDF" && lt == "4X6LABELP") {
		badRequest(w, "imageInfo.labelType", "imageInfo.labelType %q is not supported for %s; use 4X6LABEL.", lt, req.ImageInfo.ImageType)
		return nil, false
	}
	for _, a := range []struct {
		at string
		v  address
	}{{"toAddress", req.ToAddress}, {"fromAddress", req.FromAddress}} {
		switch {
		case strings.TrimSpace(a.v.StreetAddress) == "":
			badRequest(w, a.at+".streetAddress", "%s.streetAddress is required.", a.at)
		case strings.TrimSpace(a.v.City) == "":
			badRequest(w, a.at+".city", "%s.city is required.", a.at)
		case !statePattern.MatchString(a.v.State):
			badRequest(w, a.at+".state", "%s.state %q must be a two-letter state code.", a.at, a.v.State)
		case !zip5.MatchString(a.v.ZIPCode):
			badRequest(w, a.at+".ZIPCode", "%s.ZIPCode %q must be a 5-digit ZIP Code.", a.at, a.v.ZIPCode)
		case a.v.ZIPPlus4 != "" && !zip4Pattern.MatchString(a.v.ZIPPlus4):
			badRequest(w, a.at+".ZIPPlus4", "%s.ZIPPlus4 %q must be 4 digits.", a.at, a.v.ZIPPlus4)
		case strings.TrimSpace(a.v.FirstName+a.v.LastName+a.v.Firm) == "":
			badRequest(w, a.at+".firstName", "%s needs firstName and lastName, or firm.", a.at)
		default:
			continue
		}
		return nil, false
	}
	if req.ToAddress.ZIPCode == s.opts.RejectZIP {
		addressError(w, "toAddress.ZIPCode", fmt.Sprintf("Address Not Found: ZIP Code %s does not exist.", req.ToAddress.ZIPCode))
		return nil, false
	}
	switch {
	case mailClasses[pd.MailClass].product == "":
		badRequest(w, "packageDescription.mailClass", "packageDescription.mailClass %q is not valid for a domestic label; use %s.", pd.MailClass, strings.Join(classOrder, ", "))
	case pd.WeightUOM != "lb":
		badRequest(w, "packageDescription.weightUOM", "packageDescription.weightUOM %q must be lb.", pd.WeightUOM)
	case pd.Weight <= 0 || pd.Weight > 70:
		badRequest(w, "packageDescription.weight", "packageDescription.weight %g must be more than 0 and at most 70 pounds.", pd.Weight)
	case pd.DimensionsUOM != "in":
		badRequest(w, "packageDescription.dimensionsUOM", "packageDescription.dimensionsUOM %q must be in.", pd.DimensionsUOM)
	case pd.Length <= 0 || pd.Width <= 0 || pd.Height <= 0:
		badRequest(w, "packageDescription.length", "packageDescription.length, width and height are required, in inches.")
	case !processing[pd.ProcessingCategory]:
		badRequest(w, "packageDescription.processingCategory", "packageDescription.processingCategory %q is not valid.", pd.ProcessingCategory)
	case pd.DestinationEntryFacilityType != "NONE":
		badRequest(w, "packageDescription.destinationEntryFacilityType", "packageDescription.destinationEntryFacilityType %q must be NONE for this mail class.", pd.DestinationEntryFacilityType)
	case pd.RateIndicator == "":
		badRequest(w, "packageDescription.rateIndicator", "packageDescription.rateIndicator is required.")
	default:
		date, problem := s.checkMailingDate(pd.MailingDate)
		if problem != "" {
			badRequest(w, "packageDescription.mailingDate", "%s", problem)
			return nil, false
		}
		p := parcel{weightLb: pd.Weight, length: pd.Length, width: pd.Width, height: pd.Height,
			origin: req.FromAddress.ZIPCode, destination: req.ToAddress.ZIPCode, mailingDate: date}
		for _, o := range s.offers(p, pd.MailClass) {
			if o.rateIndicator != pd.RateIndicator || o.processing != pd.ProcessingCategory {
				continue
			}
			l := &label{MailClass: pd.MailClass, Postage: o.amount, ImageType: req.ImageInfo.ImageType,
				MailingDate: pd.MailingDate, From: req.FromAddress, To: req.ToAddress}
			for _, ref := range pd.CustomerReference {
				if ref.PrintReferenceNumber {
					l.Reference = ref.ReferenceNumber
				}
			}
			l.metadata = labelMetadata{
				LabelAddress: req.ToAddress, RoutingInformation: "420" + req.ToAddress.ZIPCode, ConstructCode: "C01",
				SKU: o.sku, Postage: price(o.amount), ExtraServices: []any{}, Zone: fmt.Sprintf("%02d", o.zone),
				Commitment: o.commitment, WeightUOM: "lb", Weight: o.weightLb, DimensionalWeight: o.dimWeightLb,
				Fees: []any{}, BannerText: "USPS TRACKING # EP", RetailDistributionCode: "01",
			}
			return l, true
		}
		badRequest(w, "packageDescription.rateIndicator", "No price exists for mailClass %s with rateIndicator %s and processingCategory %s.",
			pd.MailClass, pd.RateIndicator, pd.ProcessingCategory)
	}
	return nil, false
}

// transitDays is the commitment's delivery days, or 3 without one.
func transitDays(m labelMetadata) int {
	if m.Commitment != nil {
		var n int
		if _, err := fmt.Sscanf(m.Commitment.Name, "%d", &n); err == nil && n > 0 {
			return n
		}
	}
	return 3
}

// writeLabel answers with the label: JSON when asked for, multipart (the
// API's default) otherwise.
func (s *Server) writeLabel(w http.ResponseWriter, r *http.Request, l *label) {
	s.mu.Lock()
	meta := l.metadata
	img := l.image
	imgType := l.ImageType
	s.mu.Unlock()
	if strings.Contains(r.Header.Get("Accept"), LabelsJSON) {
		writeJSON(w, http.StatusOK, map[string]any{
			"labelMetadata": meta,
			"labelImage":    base64.StdEncoding.EncodeToString(img),
			"receiptImage":  "",
		})
		return
	}
	metaJSON, _ := json.Marshal(meta)
	ct := "application/pdf"
	if strings.HasPrefix(imgType, "ZPL") {
		ct = "application/zpl"
	}
	writeMultipart(w, []part{
		{name: "labelMetadata", contentType: "application/json", body: metaJSON},
		{name: "labelImage", filename: "labelImage." + strings.ToLower(imgType[:3]), contentType: ct,
			body: []byte(base64.StdEncoding.EncodeToString(img))},
	})
}

type part struct {
	name, filename, contentType string
	body                        []byte
}

func writeMultipart(w http.ResponseWriter, parts []part) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.contentType)
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		pw, _ := mw.CreatePart(h)
		_, _ = pw.Write(p.body)
	}
	_ = mw.Close()
	w.Header().Set("Content-Type", mw.FormDataContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// handleCancel is DELETE /labels/v3/label/{trackingNumber}.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	tn := r.PathValue("trackingNumber")
	now := s.now()
	s.mu.Lock()
	l := s.byTracking[tn]
	var problem string
	switch {
	case l == nil:
	case l.Canceled:
		problem = "The label " + tn + " has already been canceled."
	default:
		l.track.materialize(now)
		if l.track.reached > stageCreated {
			problem = "The label " + tn + " has been scanned by USPS and can no longer be canceled."
		} else {
			l.Canceled, l.CanceledAt = true, now
		}
	}
	s.mu.Unlock()
	switch {
	case l == nil:
		writeError(w, http.StatusNotFound, "404", "Label "+tn+" was not found.",
			apiErr("404", "LABEL_NOT_FOUND", "Not Found", "No label with tracking number "+tn+" exists for this account.", "trackingNumber"))
	case problem != "":
		writeError(w, http.StatusBadRequest, "400", problem, apiErr("400", "LABEL_NOT_CANCELABLE", "Label cannot be canceled", problem, "trackingNumber"))
	default:
		writeJSON(w, http.StatusOK, map[string]string{"trackingNumber": tn, "status": "CANCELED"})
	}
}
