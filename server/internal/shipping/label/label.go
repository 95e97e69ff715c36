// Package label renders a 4×6 in shipping label from its fields: as ZPL II
// for 203 dpi thermal printers and as a one-page PDF written with the
// standard library, both carrying the addresses, the service, the reference
// and the tracking number as a Code 128 barcode. Simulators use it to answer
// with label images; adapters use ImagePDF to put a carrier's own raster
// label on a PDF page.
package label

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Label is what a shipping label shows.
type Label struct {
	// Carrier is the carrier's display name ("UPS", "FedEx").
	Carrier string
	// Service is the service's display name ("UPS Ground").
	Service        string
	TrackingNumber string
	From, To       rateshop.Address
	// Reference is the shipper's reference, usually the order number.
	Reference string
	WeightOz  float64
	ShipDate  rateshop.Date
}

func (l Label) validate() error {
	if strings.TrimSpace(l.TrackingNumber) == "" {
		return errors.New("label: the tracking number is missing")
	}
	if strings.TrimSpace(l.To.PostalCode) == "" && strings.TrimSpace(l.To.City) == "" {
		return errors.New("label: the ship-to address is missing")
	}
	return nil
}

// addressLines renders an address as printed, one line per element,
// leaving out empty ones; the country only when it is not the US.
func addressLines(a rateshop.Address) []string {
	var lines []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			lines = append(lines, s)
		}
	}
	add(a.Name)
	add(a.Street1)
	add(a.Street2)
	city := strings.TrimSpace(a.City)
	if st := strings.TrimSpace(a.State); st != "" {
		if city != "" {
			city += ", "
		}
		city += st
	}
	if pc := strings.TrimSpace(a.PostalCode); pc != "" {
		if city != "" {
			city += " "
		}
		city += pc
	}
	add(city)
	if c := strings.ToUpper(strings.TrimSpace(a.Country)); c != "" && c != "US" {
		add(c)
	}
	return lines
}

// weightText renders ounces as pounds, e.g. "2.25 LB".
func weightText(oz float64) string {
	if oz <= 0 {
		return ""
	}
	return strconv.FormatFloat(float64(int64(oz/16*100+0.5))/100, 'f', -1, 64) + " LB"
}

// groupTracking spaces a tracking number for reading: UPS numbers as
// 1Z 999 AA1 01 2345 6784, others in groups of four.
func groupTracking(n string) string {
	if len(n) == 18 && strings.HasPrefix(strings.ToUpper(n), "1Z") {
		return fmt.Sprintf("%s %s %s %s %s %s", n[:2], n[2:5], n[5:8], n[8:10], n[10:14], n[14:])
	}
	var b strings.Builder
	for i, r := range n {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// details is the small print of a label: date, weight and reference.
func (l Label) details() []string {
	var d []string
	if !l.ShipDate.IsZero() {
		d = append(d, "SHIP DATE: "+l.ShipDate.String())
	}
	if w := weightText(l.WeightOz); w != "" {
		d = append(d, "WEIGHT: "+w)
	}
	if r := strings.TrimSpace(l.Reference); r != "" {
		d = append(d, "REF: "+r)
	}
	return d
}
