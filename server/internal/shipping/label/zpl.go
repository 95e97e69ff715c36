package label

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ZPL geometry of a 4×6 in label at 203 dpi.
const (
	zplWidth  = 812
	zplHeight = 1218
	zplMargin = 20
)

// ZPL renders l as a ZPL II format for a 203 dpi printer with 4×6 in stock:
// ^XA … ^XZ, UTF-8 text (^CI28), the tracking number as a Code 128
// barcode (^BC) with its human-readable form, both addresses, the service
// and the small print.
func ZPL(l Label) ([]byte, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	mods, err := Code128Modules(l.TrackingNumber)
	if err != nil {
		return nil, err
	}
	modules := 20 // quiet zones
	for _, w := range mods {
		modules += w
	}
	// The widest module width that keeps the barcode inside the border.
	bw := 3
	for bw > 1 && modules*bw > zplWidth-2*zplMargin-20 {
		bw--
	}

	var b strings.Builder
	b.WriteString("^XA\n^CI28\n")
	fmt.Fprintf(&b, "^PW%d\n^LL%d\n^LH0,0\n", zplWidth, zplHeight)
	fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,3^FS\n", zplMargin, zplMargin, zplWidth-2*zplMargin, zplHeight-2*zplMargin)

	y := 40
	text := func(x, y, h int, s string) {
		fmt.Fprintf(&b, "^FO%d,%d^A0N,%d,%d^FH_^FD%s^FS\n", x, y, h, h, zplField(fitChars(s, (zplWidth-x-zplMargin-10)*2/h)))
	}
	rule := func(y, thick int) {
		fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d^FS\n", zplMargin, y, zplWidth-2*zplMargin, thick, thick)
	}

	text(40, y, 22, "FROM:")
	y += 28
	for _, line := range addressLines(l.From) {
		text(40, y, 24, line)
		y += 28
	}
	y = max(y+10, 200)
	rule(y, 3)
	y += 20
	text(40, y, 28, "SHIP TO:")
	y += 40
	for i, line := range addressLines(l.To) {
		h := 40
		if i == 0 {
			h = 46
		}
		text(60, y, h, line)
		y += h + 8
	}
	y = max(y+10, 540)
	rule(y, 6)
	y += 24
	service := strings.TrimSpace(strings.ToUpper(l.Service))
	if service == "" {
		service = strings.ToUpper(l.Carrier)
	}
	text(40, y, 56, service)
	y += 70
	text(40, y, 30, strings.TrimSpace(l.Carrier+" TRACKING #: "+groupTracking(l.TrackingNumber)))
	y += 46
	rule(y, 3)
	y += 30
	x := (zplWidth - (modules-20)*bw) / 2
	// Mode A lets the printer pick subsets B and C as Code128 does.
	fmt.Fprintf(&b, "^FO%d,%d^BY%d^BCN,220,N,N,N,A^FH_^FD%s^FS\n", x, y, bw, zplField(l.TrackingNumber))
	y += 236
	text(max(40, (zplWidth-len(groupTracking(l.TrackingNumber))*20)/2), y, 36, groupTracking(l.TrackingNumber))
	y += 56
	rule(y, 3)
	y += 20
	for _, d := range l.details() {
		text(40, y, 28, d)
		y += 36
	}
	b.WriteString("^PQ1\n^XZ\n")
	return []byte(b.String()), nil
}

// zplField escapes field data for ^FH_: the format's command prefixes and
// the escape character itself become hexadecimal escapes.
func zplField(s string) string {
	r := strings.NewReplacer("_", "_5F", "^", "_5E", "~", "_7E")
	return r.Replace(s)
}

// fitChars cuts s to at most n characters, marking the cut.
func fitChars(s string, n int) string {
	if n < 4 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
