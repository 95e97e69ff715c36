package label

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

func TestCode128PatternTable(t *testing.T) {
	seen := map[string]int{}
	for v, p := range code128Patterns {
		if len(p) != 6 {
			t.Fatalf("symbol %d: %q has %d elements", v, p, len(p))
		}
		bars, spaces := 0, 0
		for i, c := range p {
			if i%2 == 0 {
				bars += int(c - '0')
			} else {
				spaces += int(c - '0')
			}
		}
		// Every symbol spans 11 modules, with an even count of bar modules.
		if bars+spaces != 11 || bars%2 != 0 {
			t.Errorf("symbol %d: %q spans %d modules with %d in bars", v, p, bars+spaces, bars)
		}
		if o, dup := seen[p]; dup {
			t.Errorf("symbols %d and %d share the pattern %q", o, v, p)
		}
		seen[p] = v
	}
}

// decode128 reads a barcode back from its module widths, checking the
// start, check and stop symbols, and follows the subset switches.
func decode128(t *testing.T, mods []int) string {
	t.Helper()
	if len(mods) < 6*3+7 || (len(mods)-7)%6 != 0 {
		t.Fatalf("%d module widths cannot be a Code 128 barcode", len(mods))
	}
	var stop strings.Builder
	for _, m := range mods[len(mods)-7:] {
		stop.WriteString(strconv.Itoa(m))
	}
	if stop.String() != code128Stop {
		t.Fatalf("stop pattern is %s", stop.String())
	}
	index := map[string]int{}
	for v, p := range code128Patterns {
		index[p] = v
	}
	var vals []int
	for i := 0; i+6 <= len(mods)-7; i += 6 {
		var p strings.Builder
		for _, m := range mods[i : i+6] {
			p.WriteString(strconv.Itoa(m))
		}
		v, ok := index[p.String()]
		if !ok {
			t.Fatalf("symbol %d: pattern %s is not Code 128", i/6, p.String())
		}
		vals = append(vals, v)
	}
	sum := vals[0]
	for i, v := range vals[1 : len(vals)-1] {
		sum += v * (i + 1)
	}
	if sum%103 != vals[len(vals)-1] {
		t.Fatalf("check symbol %d, want %d", vals[len(vals)-1], sum%103)
	}
	var out strings.Builder
	subsetC := vals[0] == c128StartC
	if !subsetC && vals[0] != c128StartB {
		t.Fatalf("start symbol %d", vals[0])
	}
	for _, v := range vals[1 : len(vals)-1] {
		switch {
		case subsetC && v == c128CodeB:
			subsetC = false
		case subsetC && v < 100:
			fmt.Fprintf(&out, "%02d", v)
		case !subsetC && v == c128CodeC:
			subsetC = true
		case !subsetC && v < 95:
			out.WriteByte(byte(v + 32))
		default:
			t.Fatalf("symbol value %d is unexpected", v)
		}
	}
	return out.String()
}

func TestCode128RoundTrip(t *testing.T) {
	tests := []struct {
		in      string
		symbols int // start + data + check
	}{
		{"794612345678", 1 + 6 + 1},               // all digits: subset C from the start
		{"12", 1 + 1 + 1},                         // two digits
		{"123", 1 + 3 + 1},                        // an odd short run stays in B
		{"1Z999AA10123456784", 1 + 8 + 1 + 5 + 1}, // B, then C for the trailing ten digits
		{"1Z999AA101234567", 1 + 8 + 1 + 4 + 1},   // odd run of nine: one digit in B first
		{"AB12CD", 1 + 6 + 1},
		{"ORDER-1042 (rush)", 1 + 17 + 1},
		{"12345678AB", 1 + 4 + 1 + 2 + 1}, // C, back to B for the letters
	}
	for _, tc := range tests {
		vals, err := Code128(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if len(vals) != tc.symbols {
			t.Errorf("%q: %d symbols %v, want %d", tc.in, len(vals), vals, tc.symbols)
		}
		mods, err := Code128Modules(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode128(t, mods); got != tc.in {
			t.Errorf("decoded %q, want %q", got, tc.in)
		}
	}
}

func TestCode128Refuses(t *testing.T) {
	for _, in := range []string{"", "naïve", "tab\there", strings.Repeat("9", 81)} {
		if _, err := Code128(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func sample() Label {
	return Label{
		Carrier: "UPS", Service: "UPS Ground", TrackingNumber: "1Z999AA10123456784",
		From:      rateshop.Address{Name: "Acme Widgets", Street1: "1 Factory Rd", City: "Dayton", State: "OH", PostalCode: "45402", Country: "US"},
		To:        rateshop.Address{Name: "Jane O'Neil (Rear)", Street1: "77 Elm St", Street2: "Apt 4^B", City: "Atlanta", State: "GA", PostalCode: "30301", Country: "US"},
		Reference: "SO-1042", WeightOz: 36, ShipDate: rateshop.NewDate(2026, 3, 2),
	}
}

func TestZPL(t *testing.T) {
	z, err := ZPL(sample())
	if err != nil {
		t.Fatal(err)
	}
	s := string(z)
	if !strings.HasPrefix(s, "^XA") || !strings.HasSuffix(strings.TrimSpace(s), "^XZ") {
		t.Fatalf("not one ^XA…^XZ format:\n%s", s)
	}
	if strings.Count(s, "^XA") != 1 || strings.Count(s, "^XZ") != 1 {
		t.Error("more than one format")
	}
	for _, want := range []string{
		"^PW812", "^LL1218", "^CI28",
		"^BCN,220,N,N,N,A^FH_^FD1Z999AA10123456784^FS",
		"^FDUPS GROUND^FS", "^FDJane O'Neil (Rear)^FS", "^FDApt 4_5EB^FS", "^FDAtlanta, GA 30301^FS",
		"^FDREF: SO-1042^FS", "^FDWEIGHT: 2.25 LB^FS", "^FDSHIP DATE: 2026-03-02^FS",
		"^FD1Z 999 AA1 01 2345 6784^FS",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	// No raw caret may reach field data: it would start a command.
	for _, fd := range regexp.MustCompile(`\^FD(.*?)\^FS`).FindAllStringSubmatch(s, -1) {
		if strings.ContainsAny(fd[1], "^~") {
			t.Errorf("unescaped field data %q", fd[1])
		}
	}
}

func TestRefusesIncompleteLabels(t *testing.T) {
	l := sample()
	l.TrackingNumber = ""
	if _, err := ZPL(l); err == nil {
		t.Error("ZPL without a tracking number")
	}
	if _, err := PDF(l); err == nil {
		t.Error("PDF without a tracking number")
	}
	l = sample()
	l.To = rateshop.Address{}
	if _, err := PDF(l); err == nil {
		t.Error("PDF without a ship-to address")
	}
}

// checkPDF verifies the file's frame: header, one page of 4×6 in, an xref
// table whose offsets point at their objects, startxref, %%EOF.
func checkPDF(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not framed as a PDF: %q … %q", pdf[:min(20, len(pdf))], pdf[max(0, len(pdf)-20):])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	var first, count int
	if _, err := fmt.Sscanf(string(pdf[xref:]), "xref\n%d %d\n", &first, &count); err != nil {
		t.Fatal(err)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) != count-1 {
		t.Fatalf("%d xref entries for %d objects", len(entries), count-1)
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i+1, pdf[off:off+10])
		}
	}
	if n := bytes.Count(pdf, []byte("/Type /Page ")); n != 1 {
		t.Errorf("%d pages", n)
	}
	if !bytes.Contains(pdf, []byte("/MediaBox [0 0 288 432]")) {
		t.Error("page is not 4×6 in")
	}
	if !bytes.Contains(pdf, []byte("/Type /Catalog")) {
		t.Error("no catalog")
	}
}

func TestPDF(t *testing.T) {
	l := sample()
	l.To.Name = "Zoë Müller"
	pdf, err := PDF(l)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, pdf)
	for _, want := range []string{
		"(SHIP TO:)", "(Zo\\353 M\\374ller)", "(77 Elm St)", "(Atlanta, GA 30301)", "(UPS GROUND)",
		"(1Z 999 AA1 01 2345 6784)", "(REF: SO-1042)", "/BaseFont /Helvetica",
	} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("missing %s", want)
		}
	}
	// The barcode: one filled rectangle per bar, read back in order.
	mods, _ := Code128Modules(l.TrackingNumber)
	rects := regexp.MustCompile(`([\d.]+) ([\d.]+) ([\d.]+) 72 re\n`).FindAllSubmatch(pdf, -1)
	if len(rects) != (len(mods)+1)/2 {
		t.Fatalf("%d bars drawn, the barcode has %d", len(rects), (len(mods)+1)/2)
	}
	var widths []float64
	for _, r := range rects {
		w, _ := strconv.ParseFloat(string(r[3]), 64)
		widths = append(widths, w)
	}
	for i := 0; i < len(mods); i += 2 {
		if r := widths[i/2] / widths[0] * float64(mods[0]); r < float64(mods[i])-0.05 || r > float64(mods[i])+0.05 {
			t.Errorf("bar %d is %.2f modules wide, want %d", i/2, r, mods[i])
		}
	}
	if !bytes.Contains(pdf, []byte("re\nf\n")) {
		t.Error("bars are not filled")
	}
}

func TestPDFCutsLongLines(t *testing.T) {
	l := sample()
	l.To.Street1 = strings.Repeat("Very Long Boulevard Name ", 8)
	pdf, err := PDF(l)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, pdf)
	if !bytes.Contains(pdf, []byte("...) Tj")) {
		t.Error("an overlong line was not cut")
	}
}

func TestImagePDF(t *testing.T) {
	// A landscape label, as UPS GIFs come: black left half, white right half.
	img := image.NewPaletted(image.Rect(0, 0, 300, 200), color.Palette{color.White, color.Black})
	for y := 0; y < 200; y++ {
		for x := 0; x < 150; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
	pdf, err := ImagePDF(img)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, pdf)
	if !bytes.Contains(pdf, []byte("/Width 300 /Height 200")) || !bytes.Contains(pdf, []byte("/BitsPerComponent 1")) {
		t.Error("image dictionary")
	}
	// Rotated a quarter turn: 200 px across the 288 pt width, 300 down 432.
	if !bytes.Contains(pdf, []byte("q 0 -432 288 0 0 432 cm /Im1 Do Q")) {
		t.Errorf("placement: %s", regexp.MustCompile(`q .* Q`).Find(pdf))
	}
	start := bytes.Index(pdf, []byte("stream\n")) + len("stream\n")
	end := bytes.Index(pdf, []byte("\nendstream"))
	zr, err := zlib.NewReader(bytes.NewReader(pdf[start:end]))
	if err != nil {
		t.Fatal(err)
	}
	bits, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != 38*200 {
		t.Fatalf("%d bytes of samples, want %d", len(bits), 38*200)
	}
	if bits[0] != 0x00 || bits[18] != 0x03 || bits[37] != 0xF0 {
		t.Errorf("row 0: %08b … %08b … %08b", bits[0], bits[18], bits[37])
	}
	if _, err := ImagePDF(nil); err == nil {
		t.Error("no image accepted")
	}
}
