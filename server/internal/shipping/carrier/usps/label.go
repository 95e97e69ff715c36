package usps

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// LabelsJSON is the Accept type that makes the labels API answer JSON.
const LabelsJSON = "application/vnd.usps.labels+json"

// idempotencySpace derives USPS's UUID idempotency keys from Manifold's.
var idempotencySpace = uuid.MustParse("6f0d1c52-8f3e-4a57-9c11-5d1b2f0e7a90")

type paymentRole struct {
	RoleName      string `json:"roleName"`
	CRID          string `json:"CRID"`
	MID           string `json:"MID,omitempty"`
	ManifestMID   string `json:"manifestMID,omitempty"`
	AccountType   string `json:"accountType,omitempty"`
	AccountNumber string `json:"accountNumber,omitempty"`
}

type address struct {
	StreetAddress    string `json:"streetAddress"`
	SecondaryAddress string `json:"secondaryAddress,omitempty"`
	City             string `json:"city"`
	State            string `json:"state"`
	ZIPCode          string `json:"ZIPCode"`
	ZIPPlus4         string `json:"ZIPPlus4,omitempty"`
	FirstName        string `json:"firstName,omitempty"`
	LastName         string `json:"lastName,omitempty"`
	Firm             string `json:"firm,omitempty"`
}

type imageInfo struct {
	ImageType string `json:"imageType"`
	LabelType string `json:"labelType"`
}

type customerReference struct {
	ReferenceNumber      string `json:"referenceNumber"`
	PrintReferenceNumber bool   `json:"printReferenceNumber"`
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
}

type labelRequest struct {
	ImageInfo          imageInfo    `json:"imageInfo"`
	ToAddress          address      `json:"toAddress"`
	FromAddress        address      `json:"fromAddress"`
	PackageDescription labelPackage `json:"packageDescription"`
}

type labelMetadata struct {
	TrackingNumber string      `json:"trackingNumber"`
	Postage        json.Number `json:"postage"`
	SKU            string      `json:"SKU"`
	Zone           string      `json:"zone"`
}

// toAddress maps an address to USPS's fields: the name is split into first
// and last name, the postal code into ZIP Code and ZIP+4.
func toAddress(a rateshop.Address) address {
	out := address{StreetAddress: a.Street1, SecondaryAddress: a.Street2, City: a.City,
		State: strings.ToUpper(strings.TrimSpace(a.State))}
	zip, plus4, _ := strings.Cut(strings.TrimSpace(a.PostalCode), "-")
	out.ZIPCode, out.ZIPPlus4 = zip, plus4
	name := strings.TrimSpace(a.Name)
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		out.FirstName, out.LastName = strings.TrimSpace(name[:i]), name[i+1:]
	} else {
		out.FirstName = name
	}
	return out
}

// paymentToken returns a payment authorization token for the account's
// payer and label owner roles, from the cache unless refused.
func (s *session) paymentToken(ctx context.Context, refused string) (string, error) {
	cr := s.c.Credentials
	if cr[CredCRID] == "" || cr[CredMID] == "" || cr[CredAccountNumber] == "" {
		return "", fmt.Errorf("usps: labels need the %q, %q and %q credentials: %w",
			CredCRID, CredMID, CredAccountNumber, carrier.ErrUnauthorized)
	}
	key := s.cacheKey("payment:" + cr[CredCRID] + ":" + cr[CredAccountNumber])
	if t, ok := s.cached(key, refused); ok {
		return t, nil
	}
	unlock, err := s.a.lock(ctx, key)
	if err != nil {
		return "", err
	}
	defer unlock()
	if t, ok := s.cached(key, refused); ok {
		return t, nil
	}
	body := map[string][]paymentRole{"roles": {
		{RoleName: "PAYER", CRID: cr[CredCRID], AccountType: accountType(s.c), AccountNumber: cr[CredAccountNumber]},
		{RoleName: "LABEL_OWNER", CRID: cr[CredCRID], MID: cr[CredMID], ManifestMID: cr[CredManifestMID]},
	}}
	r, err := s.call(ctx, http.MethodPost, "/payments/v3/payment-authorization", body, nil)
	if err != nil {
		return "", err
	}
	if !r.ok() {
		return "", fail("payment authorization", r)
	}
	var resp struct {
		Token string `json:"paymentAuthorizationToken"`
	}
	if err := json.Unmarshal(r.body, &resp); err != nil || resp.Token == "" {
		return "", fmt.Errorf("usps: payment authorization: malformed answer: no paymentAuthorizationToken")
	}
	if s.c.Tokens != nil {
		s.c.Tokens.Put(key, resp.Token, s.a.now().Add(s.a.paymentTTL))
	}
	return resp.Token, nil
}

// BuyLabel implements carrier.Adapter: a payment authorization (cached),
// then the label, in JSON, with an idempotency key derived from the
// request's so that a retried purchase returns the same label.
func (a *Adapter) BuyLabel(ctx context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	s, err := a.session(c)
	if err != nil {
		return carrier.Label{}, err
	}
	imageType, format := "ZPL203DPI", "zpl"
	switch strings.ToLower(req.Format) {
	case "", "zpl":
	case "pdf":
		imageType, format = "PDF", "pdf"
	default:
		return carrier.Label{}, fmt.Errorf("usps: label format %q is not zpl or pdf", req.Format)
	}
	indicator, category := "SP", "MACHINABLE"
	if ri, pc, ok := strings.Cut(req.RateID, ":"); ok && ri != "" && pc != "" {
		indicator, category = ri, pc
	}
	body := labelRequest{
		ImageInfo:   imageInfo{ImageType: imageType, LabelType: "4X6LABEL"},
		ToAddress:   toAddress(req.To),
		FromAddress: toAddress(req.From),
		PackageDescription: labelPackage{
			MailClass: req.Service, RateIndicator: indicator, ProcessingCategory: category,
			WeightUOM: "lb", Weight: req.Parcel.WeightOz / 16,
			DimensionsUOM: "in", Length: req.Parcel.LengthIn, Width: req.Parcel.WidthIn, Height: req.Parcel.HeightIn,
			MailingDate: req.ShipDate.String(), DestinationEntryFacilityType: "NONE",
		},
	}
	if req.Reference != "" {
		body.PackageDescription.CustomerReference = []customerReference{{ReferenceNumber: req.Reference, PrintReferenceNumber: true}}
	}
	h := http.Header{"Accept": {LabelsJSON}}
	if req.IdempotencyKey != "" {
		key, err := uuid.Parse(req.IdempotencyKey)
		if err != nil {
			key = uuid.NewSHA1(idempotencySpace, []byte(req.IdempotencyKey))
		}
		h.Set("X-Idempotency-Key", key.String())
	}
	var r *response
	refused := ""
	for attempt := 0; attempt < 2; attempt++ {
		pat, err := s.paymentToken(ctx, refused)
		if err != nil {
			return carrier.Label{}, err
		}
		h.Set("X-Payment-Authorization-Token", pat)
		if r, err = s.call(ctx, http.MethodPost, "/labels/v3/label", body, h); err != nil {
			return carrier.Label{}, err
		}
		if !namesPaymentToken(r) {
			break
		}
		refused = pat
	}
	if namesPaymentToken(r) {
		return carrier.Label{}, fmt.Errorf("usps: label: a fresh payment authorization was refused too: %s: %w", describe(r), carrier.ErrUnauthorized)
	}
	if !r.ok() {
		return carrier.Label{}, fail("label", r)
	}
	metaJSON, image, err := parts(r, "labelMetadata", "labelImage")
	if err != nil {
		return carrier.Label{}, fmt.Errorf("usps: label: %w", err)
	}
	var meta labelMetadata
	if err := json.Unmarshal(metaJSON, &meta); err != nil || meta.TrackingNumber == "" {
		return carrier.Label{}, fmt.Errorf("usps: label: malformed answer: no trackingNumber in labelMetadata")
	}
	l := carrier.Label{Provider: carrier.USPSDirect, Carrier: "usps", Service: req.Service,
		TrackingNumber: meta.TrackingNumber, Currency: "USD", Format: format, Data: image}
	if meta.Postage != "" {
		amount, err := decimal(meta.Postage)
		if err == nil {
			l.CostCents, err = rateshop.ParseCents(amount)
		}
		if err != nil {
			return carrier.Label{}, fmt.Errorf("usps: label %s: postage: %w", meta.TrackingNumber, err)
		}
	}
	return l, nil
}

// parts reads a labels or SCAN forms answer: JSON with the metadata object
// and the base64 image under their names, or multipart/form-data with one
// part each (the image base64 or raw).
func parts(r *response, metaName, imageName string) (meta, image []byte, err error) {
	mt, params, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("malformed multipart answer: %w", err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, nil, fmt.Errorf("malformed multipart answer: %w", err)
			}
			switch {
			case strings.EqualFold(p.FormName(), metaName):
				meta = data
			case strings.EqualFold(p.FormName(), imageName):
				image = data
			}
		}
	} else {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &obj); err != nil {
			return nil, nil, fmt.Errorf("malformed answer: %w", err)
		}
		meta = obj[metaName]
		var b64 string
		if raw := obj[imageName]; raw != nil {
			if err := json.Unmarshal(raw, &b64); err != nil {
				return nil, nil, fmt.Errorf("malformed answer: %s is not a string", imageName)
			}
		}
		image = []byte(b64)
	}
	if len(meta) == 0 || len(image) == 0 {
		return nil, nil, fmt.Errorf("malformed answer: %s or %s missing", metaName, imageName)
	}
	if !looksDecoded(image) {
		dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(image)), ""))
		if err != nil {
			return nil, nil, fmt.Errorf("malformed answer: %s is not base64: %w", imageName, err)
		}
		image = dec
	}
	return meta, image, nil
}

// looksDecoded reports whether an image part is already the file itself.
func looksDecoded(b []byte) bool {
	b = bytes.TrimLeft(b, " \r\n\t")
	return bytes.HasPrefix(b, []byte("%PDF-")) || bytes.HasPrefix(b, []byte("^XA"))
}

// Void implements carrier.Adapter: it cancels the label by tracking number.
func (a *Adapter) Void(ctx context.Context, c carrier.Conn, l carrier.Label) error {
	if l.TrackingNumber == "" {
		return errors.New("usps: void: the label has no tracking number")
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	r, err := s.call(ctx, http.MethodDelete, "/labels/v3/label/"+url.PathEscape(l.TrackingNumber), nil, nil)
	if err != nil {
		return err
	}
	if !r.ok() {
		return fail("void "+l.TrackingNumber, r)
	}
	return nil
}
