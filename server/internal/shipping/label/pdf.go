package label

import (
	"bytes"
	"fmt"
	"strings"
)

// helveticaWidths are the advance widths of Helvetica, in thousandths of
// the font size, for the printable ASCII characters 32–126 (Adobe's AFM).
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 … 9
	278, 278, 584, 584, 584, 556, 1015, // : … @
	667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A … M
	722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N … Z
	278, 278, 278, 469, 556, 333, // [ … `
	556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a … m
	556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n … z
	334, 260, 334, 584, // { … ~
}

// textWidth estimates the width, in points, of s set in Helvetica at size;
// bold text is taken as 10% wider, which covers Helvetica-Bold.
func textWidth(s string, size float64, bold bool) float64 {
	var units int
	for _, c := range winAnsi(s) {
		if c >= 32 && c <= 126 {
			units += helveticaWidths[c-32]
		} else {
			units += 600
		}
	}
	w := float64(units) * size / 1000
	if bold {
		w *= 1.1
	}
	return w
}

// pdfPage is a content stream being written, with a cursor measured from
// the top of the page.
type pdfPage struct {
	b bytes.Buffer
	y float64
}

// text writes one line at x, its top at the cursor, shrinking the size down
// to minSize and then cutting the line so that it fits within width.
func (p *pdfPage) text(x, size, minSize, width float64, bold bool, s string) {
	for size > minSize && textWidth(s, size, bold) > width {
		size -= 0.5
	}
	if textWidth(s, size, bold) > width {
		r := []rune(s)
		for len(r) > 1 && textWidth(string(r)+"...", size, bold) > width {
			r = r[:len(r)-1]
		}
		s = string(r) + "..."
	}
	font := "F1"
	if bold {
		font = "F2"
	}
	baseline := pageHeight - p.y - size*0.8
	fmt.Fprintf(&p.b, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, num(size), num(x), num(baseline), pdfString(s))
	p.y += size * 1.2
}

// centered writes one line centred on the page.
func (p *pdfPage) centered(size float64, bold bool, s string) {
	x := (pageWidth - textWidth(s, size, bold)) / 2
	p.text(max(x, 12), size, size, pageWidth-24, bold, s)
}

// rule draws a horizontal line across the label at the cursor.
func (p *pdfPage) rule(thick float64) {
	y := pageHeight - p.y
	fmt.Fprintf(&p.b, "%s w 9 %s m %s %s l S\n", num(thick), num(y), num(pageWidth-9), num(y))
}

// barcode draws the Code 128 modules as filled rectangles, centred, height
// points tall from the cursor down, with quiet zones of ten modules.
func (p *pdfPage) barcode(mods []int, height float64) {
	total := 20
	for _, m := range mods {
		total += m
	}
	x := min(1.4, (pageWidth-24)/float64(total))
	left := (pageWidth - float64(total-20)*x) / 2
	bottom := pageHeight - p.y - height
	for i, m := range mods {
		if i%2 == 0 {
			fmt.Fprintf(&p.b, "%s %s %s %s re\n", num(left), num(bottom), num(float64(m)*x), num(height))
		}
		left += float64(m) * x
	}
	p.b.WriteString("f\n")
	p.y += height
}

// PDF renders l as a one-page 4×6 in PDF: the same text as ZPL in the
// standard Helvetica fonts and the tracking number as a Code 128 barcode
// drawn with filled rectangles.
func PDF(l Label) ([]byte, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	mods, err := Code128Modules(l.TrackingNumber)
	if err != nil {
		return nil, err
	}
	const left, width = 18.0, pageWidth - 36
	p := &pdfPage{y: 16}
	p.b.WriteString("0 g 0 G\n1 w 6 6 276 420 re S\n")
	p.text(left, 7, 7, width, true, "FROM:")
	for _, line := range addressLines(l.From) {
		p.text(left, 8, 6, width, false, line)
	}
	p.y = max(p.y+4, 88)
	p.rule(0.8)
	p.y += 8
	p.text(left, 8, 8, width, true, "SHIP TO:")
	for i, line := range addressLines(l.To) {
		if i == 0 {
			p.text(left+10, 14, 9, width-10, true, line)
			continue
		}
		p.text(left+10, 12, 8, width-10, false, line)
	}
	p.y = max(p.y+4, 200)
	p.rule(2)
	p.y += 10
	service := strings.ToUpper(strings.TrimSpace(l.Service))
	if service == "" {
		service = strings.ToUpper(l.Carrier)
	}
	p.text(left, 18, 10, width, true, service)
	p.text(left, 9, 7, width, false, strings.TrimSpace(l.Carrier+" TRACKING #: "+groupTracking(l.TrackingNumber)))
	p.y += 2
	p.rule(0.8)
	p.y += 12
	p.barcode(mods, 72)
	p.y += 4
	p.centered(11, true, groupTracking(l.TrackingNumber))
	p.y += 2
	p.rule(0.8)
	p.y += 8
	for _, d := range l.details() {
		p.text(left, 8, 6, width, false, d)
	}

	var w pdfWriter
	fonts := fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>",
		w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
		w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"))
	return w.page(fonts, p.b.Bytes(), "Shipping label "+l.TrackingNumber), nil
}
