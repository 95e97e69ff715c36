package label

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Page size of a 4×6 in label, in PDF points.
const (
	pageWidth  = 288.0
	pageHeight = 432.0
)

// pdfWriter assembles a PDF 1.4 file object by object and writes the
// cross-reference table, so that every byte offset is exact.
type pdfWriter struct {
	objs [][]byte
}

// add appends an object and returns its number.
func (w *pdfWriter) add(body string) int {
	w.objs = append(w.objs, []byte(body))
	return len(w.objs)
}

// addStream appends a stream object with the given extra dictionary entries.
func (w *pdfWriter) addStream(dict string, data []byte) int {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s/Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	w.objs = append(w.objs, b.Bytes())
	return len(w.objs)
}

// reserve takes an object number to be filled by set later (a parent that
// its children must name).
func (w *pdfWriter) reserve() int { return w.add("") }

func (w *pdfWriter) set(n int, body string) { w.objs[n-1] = []byte(body) }

// page writes the catalog, the page tree of one 4×6 page with the given
// resources and content, and the document information, and returns the file.
func (w *pdfWriter) page(resources string, content []byte, title string) []byte {
	contents := w.addStream("", content)
	pages := w.reserve()
	pg := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R >>",
		pages, num(pageWidth), num(pageHeight), resources, contents))
	w.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	catalog := w.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	info := w.add(fmt.Sprintf("<< /Title %s /Producer (Manifold) >>", pdfString(title)))

	var b bytes.Buffer
	// The binary comment marks the file as binary to transfer programs.
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.objs)+1, catalog, info, xref)
	return b.Bytes()
}

// num renders a coordinate with at most two decimals.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}

// pdfString renders s as a PDF literal string in WinAnsiEncoding: the
// delimiters escaped, bytes past ASCII in octal, characters the encoding
// lacks as "?".
func pdfString(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, c := range winAnsi(s) {
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c > 126:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// winAnsiExtra are the characters WinAnsiEncoding places in 0x80–0x9F.
var winAnsiExtra = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// winAnsi converts text to the WinAnsiEncoding of the standard fonts.
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 32 && r <= 126, r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		case winAnsiExtra[r] != 0:
			out = append(out, winAnsiExtra[r])
		case r == '\t' || r == '\n' || r == '\r':
			out = append(out, ' ')
		default:
			out = append(out, '?')
		}
	}
	return out
}
