package shippo

import (
	"fmt"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// manifest is a close-out of one carrier account's labels for a day. It
// is QUEUED when made and SUCCESS, with its document, once read again.
type manifest struct {
	ID             string
	Status         string
	Created        time.Time
	CarrierAccount string
	ShipmentDate   string
	From           address
	Transactions   []string
	TrackingNums   []string
	documentURL    string
}

func (s *Server) manifestView(m *manifest) map[string]any {
	ts := m.Created.Format(time.RFC3339)
	docs := []string{}
	if m.Status == "SUCCESS" {
		docs = append(docs, m.documentURL)
	}
	return map[string]any{
		"object_created": ts, "object_updated": s.now().Format(time.RFC3339), "object_id": m.ID,
		"object_owner": "sim@manifold.test", "status": m.Status, "carrier_account": m.CarrierAccount,
		"shipment_date": m.ShipmentDate, "address_from": addressView(m.From, nil), "transactions": m.Transactions,
		"documents": docs, "errors": []any{},
	}
}

// handleCreateManifest is POST /manifests/ {carrier_account, shipment_date,
// address_from, transactions}: the account's labels of that day, or the
// ones listed, none of them on another manifest.
func (s *Server) handleCreateManifest(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CarrierAccount string   `json:"carrier_account"`
		ShipmentDate   string   `json:"shipment_date"`
		AddressFrom    *address `json:"address_from"`
		Transactions   []string `json:"transactions,omitempty"`
		Async          *bool    `json:"async,omitempty"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if !checkAddress(w, "address_from", req.AddressFrom) {
		return
	}
	day, err := time.Parse(time.RFC3339, req.ShipmentDate)
	if err != nil {
		badRequest(w, "Invalid manifest", "shipment_date: %q is not an ISO 8601 date-time.", req.ShipmentDate)
		return
	}
	date := rateshop.DateOf(day.UTC())
	s.mu.Lock()
	defer s.mu.Unlock()
	known := false
	for _, a := range s.accounts {
		known = known || a.ID == req.CarrierAccount
	}
	if !known {
		badRequest(w, "Invalid manifest", "carrier_account: %q is not a carrier account of this Shippo account.", req.CarrierAccount)
		return
	}
	var txs []*transaction
	if len(req.Transactions) == 0 {
		for _, t := range s.txOrder {
			if t.Status == "SUCCESS" && t.rate.CarrierAccount == req.CarrierAccount && t.ManifestID == "" && t.rate.shipment.shipDate == date {
				txs = append(txs, t)
			}
		}
		if len(txs) == 0 {
			badRequest(w, "Invalid manifest", "No transactions of carrier account %s for %s are waiting for a manifest.", req.CarrierAccount, date)
			return
		}
	}
	seen := map[string]bool{}
	for _, id := range req.Transactions {
		t := s.transactions[id]
		var problem string
		switch {
		case seen[id]:
			problem = "is listed twice"
		case t == nil:
			problem = "is not a valid transaction object_id"
		case t.Status != "SUCCESS":
			problem = "has status " + t.Status
		case t.rate.CarrierAccount != req.CarrierAccount:
			problem = "was bought with carrier account " + t.rate.CarrierAccount
		case t.ManifestID != "":
			problem = "is already on manifest " + t.ManifestID
		}
		if problem != "" {
			badRequest(w, "Invalid manifest", "transactions: %s %s.", id, problem)
			return
		}
		seen[id] = true
		txs = append(txs, t)
	}
	m := &manifest{ID: newID(), Status: "QUEUED", Created: s.now(), CarrierAccount: req.CarrierAccount,
		ShipmentDate: req.ShipmentDate, From: *req.AddressFrom}
	lines := []string{"Shipping manifest", "Manifest " + m.ID, "Shipment date " + date.String(),
		"From: " + req.AddressFrom.Name, req.AddressFrom.Street1,
		req.AddressFrom.City + " " + req.AddressFrom.State + " " + req.AddressFrom.Zip, fmt.Sprintf("Packages: %d", len(txs)), ""}
	for _, t := range txs {
		t.ManifestID = m.ID
		m.Transactions = append(m.Transactions, t.ID)
		m.TrackingNums = append(m.TrackingNums, t.TrackingNumber)
		lines = append(lines, t.TrackingNumber+"  "+t.rate.Provider+" "+t.rate.Servicelevel.Name)
	}
	name := m.ID + ".pdf"
	s.files["manifests/"+name] = file{contentType: "application/pdf", data: renderForm(lines)}
	m.documentURL = baseURL(r) + "/files/manifests/" + name
	s.manifests[m.ID] = m
	s.manifestOrder = append(s.manifestOrder, m)
	writeJSON(w, http.StatusCreated, s.manifestView(m))
}

// handleGetManifest is GET /manifests/{id}.
func (s *Server) handleGetManifest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.manifests[r.PathValue("id")]
	if m == nil {
		notFound(w)
		return
	}
	m.Status = "SUCCESS"
	writeJSON(w, http.StatusOK, s.manifestView(m))
}

// Manifest is a manifest as the control API lists it.
type Manifest struct {
	ID              string    `json:"object_id"`
	Status          string    `json:"status"`
	CarrierAccount  string    `json:"carrier_account"`
	ShipmentDate    string    `json:"shipment_date"`
	Transactions    []string  `json:"transactions"`
	TrackingNumbers []string  `json:"tracking_numbers"`
	CreatedAt       time.Time `json:"created_at"`
}

// Manifests lists the manifests made, oldest first.
func (s *Server) Manifests() []Manifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Manifest, 0, len(s.manifestOrder))
	for _, m := range s.manifestOrder {
		out = append(out, Manifest{ID: m.ID, Status: m.Status, CarrierAccount: m.CarrierAccount, ShipmentDate: m.ShipmentDate,
			Transactions: append([]string(nil), m.Transactions...), TrackingNumbers: append([]string(nil), m.TrackingNums...),
			CreatedAt: m.Created})
	}
	return out
}
