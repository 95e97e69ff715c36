package shippo

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	lbl "github.com/manifold-oms/manifold/server/internal/shipping/label"
)

// file is a label or manifest served at a URL on the simulator, as Shippo
// serves them from its file store (no authentication).
type file struct {
	contentType string
	data        []byte
}

// handleFile is GET /files/{kind}/{name}.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.files[r.PathValue("kind")+"/"+r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

// renderLabel draws a 4×6 label as ZPL II (ZPLII) or PDF (PDF, PDF_4x6).
func renderLabel(v lbl.Label, fileType string) ([]byte, error) {
	if fileType == "ZPLII" {
		return lbl.ZPL(v)
	}
	return lbl.PDF(v)
}

// pdfText escapes a string for a PDF literal, keeping it to printable ASCII.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// renderForm draws a one-page letter-size PDF listing a manifest's lines.
func renderForm(lines []string) []byte {
	var content bytes.Buffer
	y := 750
	for i, line := range lines {
		size := 10
		if i == 0 {
			size = 14
		}
		if line != "" && y > 30 {
			fmt.Fprintf(&content, "BT /F1 %d Tf 50 %d Td (%s) Tj ET\n", size, y, pdfText(line))
		}
		y -= size + 5
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}
