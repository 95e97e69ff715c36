package label

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// dot is the size of a 203 dpi dot in points.
const dot = 72.0 / 203

// renderContent renders zpl, checks the PDF's frame and returns the page's
// content stream.
func renderContent(t *testing.T, zpl string) (pdf []byte, content string) {
	t.Helper()
	pdf, err := RenderZPL([]byte(zpl))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	checkPDF(t, pdf)
	m := regexp.MustCompile(`/Contents (\d+) 0 R`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("the page has no content stream")
	}
	obj := regexp.MustCompile(`\n` + string(m[1]) + ` 0 obj\n<< /Length (\d+) >>\nstream\n`).FindSubmatchIndex(pdf)
	if obj == nil {
		t.Fatalf("content stream object %s not found", m[1])
	}
	n, _ := strconv.Atoi(string(pdf[obj[2]:obj[3]]))
	body := pdf[obj[1]:]
	if len(body) < n || !bytes.HasPrefix(body[n:], []byte("\nendstream")) {
		t.Fatalf("content stream /Length %d does not end at endstream", n)
	}
	return pdf, string(body[:n])
}

// run is one line of text drawn on the page, as read back.
type run struct {
	font       string
	size, x, y float64
	text       string
}

var runPattern = regexp.MustCompile(`BT /(F\d) ([\d.]+) Tf [\d.]+ Tz (?:[-\d.]+ Tw )?([-\d.]+) ([-\d.]+) Td \(((?:\\.|[^\\)])*)\) Tj ET`)

func textRuns(content string) []run {
	var runs []run
	for _, m := range runPattern.FindAllStringSubmatch(content, -1) {
		size, _ := strconv.ParseFloat(m[2], 64)
		x, _ := strconv.ParseFloat(m[3], 64)
		y, _ := strconv.ParseFloat(m[4], 64)
		runs = append(runs, run{font: m[1], size: size, x: x, y: y, text: unescapePDF(m[5])})
	}
	return runs
}

// unescapePDF reads a PDF literal string's escapes back: \( \) \\ and
// octal bytes.
func unescapePDF(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if i+3 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
					b.WriteByte(byte(v))
					i += 3
					continue
				}
			}
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func findRun(t *testing.T, runs []run, text string) run {
	t.Helper()
	for _, r := range runs {
		if r.text == text {
			return r
		}
	}
	t.Fatalf("no text %q among %v", text, runs)
	return run{}
}

type rect struct{ x, y, w, h float64 }

// rects returns the rectangles of the content stream that are h points
// tall, left to right.
func rects(content string, h float64) []rect {
	var out []rect
	for _, m := range regexp.MustCompile(`([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re\n`).FindAllStringSubmatch(content, -1) {
		var r rect
		r.x, _ = strconv.ParseFloat(m[1], 64)
		r.y, _ = strconv.ParseFloat(m[2], 64)
		r.w, _ = strconv.ParseFloat(m[3], 64)
		r.h, _ = strconv.ParseFloat(m[4], 64)
		if math.Abs(r.h-h) < 0.006 {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].x < out[j].x })
	return out
}

// barModules reads a Code 128 barcode's bar and space widths, in modules,
// back from its drawn bars. Coordinates are rounded to 0.01 pt, so the
// module is measured over the whole barcode, which spans 11 modules a
// symbol and 2 more for the stop's final bar.
func barModules(t *testing.T, bars []rect) []int {
	t.Helper()
	if len(bars) < 2 {
		t.Fatalf("%d bars", len(bars))
	}
	var widths []float64
	for i, b := range bars {
		if i > 0 {
			widths = append(widths, b.x-(bars[i-1].x+bars[i-1].w))
		}
		widths = append(widths, b.w)
	}
	narrowest := math.Inf(1)
	for _, w := range widths {
		narrowest = min(narrowest, w)
	}
	span := bars[len(bars)-1].x + bars[len(bars)-1].w - bars[0].x
	symbols := math.Round((span/narrowest - 2) / 11)
	module := span / (symbols*11 + 2)
	mods := make([]int, len(widths))
	for i, w := range widths {
		n := w / module
		if math.Abs(n-math.Round(n)) > 0.05 {
			t.Fatalf("element %d is %.3f modules wide", i, n)
		}
		mods[i] = int(math.Round(n))
	}
	return mods
}

func TestRenderZPLSampleLabel(t *testing.T) {
	l := sample()
	z, err := ZPL(l)
	if err != nil {
		t.Fatal(err)
	}
	pdf, content := renderContent(t, string(z))
	if !bytes.Contains(pdf, []byte("/BaseFont /Helvetica-Bold")) {
		t.Error("font 0 is not set in Helvetica-Bold")
	}
	runs := textRuns(content)
	for _, want := range []string{
		"FROM:", "Acme Widgets", "Dayton, OH 45402", "SHIP TO:", "Jane O'Neil (Rear)", "77 Elm St",
		"Apt 4^B", // ^FH escapes decoded
		"Atlanta, GA 30301", "UPS GROUND", "UPS TRACKING #: 1Z 999 AA1 01 2345 6784",
		"1Z 999 AA1 01 2345 6784", "SHIP DATE: 2026-03-02", "WEIGHT: 2.25 LB", "REF: SO-1042",
	} {
		findRun(t, runs, want)
	}
	// ^FO40,40 with a 22-dot font: the baseline sits 0.8 of the height down.
	from := findRun(t, runs, "FROM:")
	if math.Abs(from.x-40*dot) > 0.01 || math.Abs(from.y-(432-(40+0.8*22)*dot)) > 0.01 || math.Abs(from.size-22*dot) > 0.01 {
		t.Errorf("FROM: at %.2f,%.2f size %.2f", from.x, from.y, from.size)
	}
	if name, street := findRun(t, runs, "Jane O'Neil (Rear)"), findRun(t, runs, "77 Elm St"); name.y <= street.y || name.size <= street.size {
		t.Errorf("the name (%+v) is not a larger line above the street (%+v)", name, street)
	}
	// The border, ^FO20,20^GB772,1178,3: an outline three dots thick.
	if !strings.Contains(content, "7.09 7.09 273.81 417.81 re\n8.16 8.16 271.68 415.68 re\nf*\n") {
		t.Error("the border box is not drawn at 20 dots from the edges")
	}

	// The barcode: ^BCN,220 draws bars 220 dots tall that read back as the
	// tracking number, module for module.
	bars := rects(content, 220*dot)
	mods, _ := Code128Modules(l.TrackingNumber)
	if len(bars) != (len(mods)+1)/2 {
		t.Fatalf("%d bars drawn, the barcode has %d", len(bars), (len(mods)+1)/2)
	}
	got := barModules(t, bars)
	if fmt.Sprint(got) != fmt.Sprint(mods) {
		t.Errorf("bars read back as %v, want %v", got, mods)
	}
	if s := decode128(t, got); s != l.TrackingNumber {
		t.Errorf("the barcode reads %q", s)
	}
	// Quiet zones: the barcode is centred as label.ZPL placed it.
	left, right := bars[0].x, bars[len(bars)-1].x+bars[len(bars)-1].w
	if math.Abs((left+right)/2-144) > 1 {
		t.Errorf("the barcode spans %.2f–%.2f, not centred", left, right)
	}
}

// TestRenderZPLCarrierLabels renders what the simulators send: every
// carrier's ZPL comes from label.ZPL, so each command it writes must be
// drawn, with the barcode intact.
func TestRenderZPLCarrierLabels(t *testing.T) {
	intl := sample()
	intl.Carrier, intl.Service, intl.TrackingNumber = "FedEx", "FedEx Intl Priority", "794612345678"
	intl.To = rateshop.Address{Name: "Zoë Müller", Street1: "Hauptstraße 5", City: "Berlin", PostalCode: "10115", Country: "DE"}
	usps := sample()
	usps.Carrier, usps.Service, usps.TrackingNumber = "USPS", "Priority Mail", "9400111899223344556677"
	usps.From = rateshop.Address{}
	usps.Reference, usps.WeightOz = "", 0
	tests := []struct {
		name  string
		label Label
		texts []string
	}{
		{"UPS", sample(), []string{"UPS GROUND"}},
		{"FedEx international", intl, []string{"FEDEX INTL PRIORITY", "Zo\u00eb M\u00fcller", "Hauptstra\u00dfe 5", "DE"}},
		{"USPS", usps, []string{"PRIORITY MAIL", "9400 1118 9922 3344 5566 77"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := ZPL(tc.label)
			if err != nil {
				t.Fatal(err)
			}
			_, content := renderContent(t, string(z))
			runs := textRuns(content)
			for _, want := range tc.texts {
				findRun(t, runs, string(winAnsi(want)))
			}
			if s := decode128(t, barModules(t, rects(content, 220*dot))); s != tc.label.TrackingNumber {
				t.Errorf("the barcode reads %q, want %q", s, tc.label.TrackingNumber)
			}
		})
	}
}

func TestDecodeGraphicHex(t *testing.T) {
	// Two bytes (four hex digits) a row.
	data := "F0F0\n" + // 0: as written
		"," + //          1: white
		"!" + //          2: black
		":" + //          3: row 2 again
		"G8H0G1" + //     4: 8, 00, 1
		"JC" + //         5: four C
		"IF," + //        6: three F, then white
		"gA" + //         7–11: twenty A across five rows
		"0" //            12: one digit, then rows 12–13 left white
	got, err := decodeGraphicHex(strings.ReplaceAll(data, "\n", ""), 2, 28)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0xF0, 0xF0, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x01, 0xCC, 0xCC, 0xFF, 0xF0,
		0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x00, 0x00, 0x00, 0x00,
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decoded\n% X\nwant\n% X", got, want)
	}

	// Lower- and upper-case counts add up: g (20) + H (2) = 22 fives.
	got, err = decodeGraphicHex("gH5", 11, 11)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{0x55}, 11)) {
		t.Errorf("gH5: % X, %v", got, err)
	}
	// Data past the count is ignored, as the printer does.
	if got, err = decodeGraphicHex("FFFFFF", 1, 2); err != nil || !bytes.Equal(got, []byte{0xFF, 0xFF}) {
		t.Errorf("overlong data: % X, %v", got, err)
	}
	for _, bad := range []string{":", "F:", "GZ", "H,", "FFX", "K"} {
		if _, err := decodeGraphicHex(bad, 2, 8); err == nil {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}

func TestDecodeGraphicBase64(t *testing.T) {
	bits := []byte{0x81, 0x42, 0x24, 0x18, 0x18, 0x24, 0x42, 0x81}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(bits)
	_ = zw.Close()
	for _, data := range []string{
		":Z64:" + base64.StdEncoding.EncodeToString(z.Bytes()) + ":3A7B",
		":B64:" + base64.StdEncoding.EncodeToString(bits) + ":1C2D",
	} {
		got, err := decodeGraphic(data, 1, 8)
		if err != nil || !bytes.Equal(got, bits) {
			t.Errorf("%.5s: % X, %v", data, got, err)
		}
	}
	if _, err := decodeGraphic(":Z64:bm90IHpsaWI=:0000", 1, 8); err == nil {
		t.Error("data that is not zlib inflated")
	}
}

func TestRenderZPLGraphicField(t *testing.T) {
	// An 8×8 dot X, compressed: rows 81 42 24 18 18 24 42 81.
	pdf, content := renderContent(t, "^XA^FO100,200^GFA,8,8,1,81422418:244281^FS^XZ")
	if !bytes.Contains(pdf, []byte("/Width 8 /Height 8 /ImageMask true /BitsPerComponent 1 /Decode [1 0]")) {
		t.Error("the graphic is not a one-bit image mask painting its 1 bits")
	}
	// 8 dots square, its top-left corner 100 and 200 dots from the label's.
	place := fmt.Sprintf("q %s 0 0 %s %s %s cm /Im1 Do Q", num(8*dot), num(8*dot), num(100*dot), num(432-208*dot))
	if !strings.Contains(content, place) {
		t.Errorf("placement: want %q in\n%s", place, content)
	}
	i := bytes.Index(pdf, []byte("/ImageMask"))
	start := bytes.Index(pdf[i:], []byte("stream\n")) + i + len("stream\n")
	end := bytes.Index(pdf[start:], []byte("\nendstream")) + start
	zr, err := zlib.NewReader(bytes.NewReader(pdf[start:end]))
	if err != nil {
		t.Fatal(err)
	}
	bits, _ := io.ReadAll(zr)
	if want := []byte{0x81, 0x42, 0x24, 0x18, 0x18, 0x24, 0x42, 0x81}; !bytes.Equal(bits, want) {
		t.Errorf("image samples % X, want % X", bits, want)
	}
}

func TestRenderZPLCode128ModeN(t *testing.T) {
	// Subset C from the start, then B for the letters; the interpretation
	// line is printed under the bars in the field's font.
	_, content := renderContent(t, "^XA^BY2,3,100^FO50,50^A0N,20^BCN,,Y,N^FD>;123456>6AB^FS^XZ")
	bars := rects(content, 100*dot)
	mods := barModules(t, bars)
	if got := decode128(t, mods); got != "123456AB" {
		t.Errorf("the barcode reads %q", got)
	}
	if len(mods) != 6*(1+3+1+2+1)+7 {
		t.Errorf("%d elements: the digits were not packed in pairs", len(mods))
	}
	if math.Abs(bars[0].w-2*2*dot) > 0.01 { // the start code's first bar is 2 modules of ^BY2
		t.Errorf("first bar %.2f pt wide", bars[0].w)
	}
	line := findRun(t, textRuns(content), "123456AB")
	if line.y >= bars[0].y {
		t.Error("the interpretation line is not below the bars")
	}

	// Without a start code, subset B, one symbol a character.
	_, content = renderContent(t, "^XA^FO50,50^BCN,80,N^FDAB12^FS^XZ")
	mods = barModules(t, rects(content, 80*dot))
	if got := decode128(t, mods); got != "AB12" || len(mods) != 6*(1+4+1)+7 {
		t.Errorf("read %q from %d elements", got, len(mods))
	}
	if len(textRuns(content)) != 0 {
		t.Error("an interpretation line was printed with f=N")
	}

	// FNC1 and subset C as GS1 data use them; human text leaves FNC1 out.
	mods, human, err := zplCode128(">;>80012345678")
	if err != nil || human != "0012345678" || len(mods) != 6*(1+1+5+1)+7 {
		t.Errorf("FNC1 data: %q, %d elements, %v", human, len(mods), err)
	}
	// The printer's rules for subset C: a non-digit first in a pair is
	// skipped, an unpaired digit before a switch dropped.
	if _, human, _ = zplCode128(">;12D3456>6X"); human != "123456X" {
		t.Errorf("subset C pairing: %q", human)
	}
	if _, human, _ = zplCode128(">;12345>6X"); human != "1234X" {
		t.Errorf("unpaired digit: %q", human)
	}
}

func TestRenderZPLFieldBlock(t *testing.T) {
	const text = "one two three four five six seven eight nine ten eleven twelve"
	_, content := renderContent(t, "^XA^CF0,20^FO100,100^FB300,9,4,C^FD"+text+"^FS^XZ")
	runs := textRuns(content)
	if len(runs) < 2 {
		t.Fatalf("the block was not wrapped: %v", runs)
	}
	var words []string
	for i, r := range runs {
		words = append(words, strings.Fields(r.text)...)
		w := textWidthDots(r.text, 20, zplCondensed, true) * dot
		if w > 300*dot {
			t.Errorf("line %q is %.1f pt, wider than the block", r.text, w)
		}
		if centre := r.x + w/2; math.Abs(centre-250*dot) > 0.05 {
			t.Errorf("line %q centred at %.2f, want %.2f", r.text, centre, 250*dot)
		}
		if pitch := (runs[0].y - r.y) / float64(i); i > 0 && math.Abs(pitch-24*dot) > 0.02 {
			t.Errorf("line %d is %.2f pt below the first per line, want %.2f", i, pitch, 24*dot)
		}
	}
	if strings.Join(words, " ") != text {
		t.Errorf("the lines hold %q", strings.Join(words, " "))
	}

	// \& breaks a line; lines past the last overprint it; ^FT puts the
	// last possible line's baseline at y.
	_, content = renderContent(t, `^XA^CF0,20^FT100,300^FB400,2,0,L^FDfirst\&second\&third^FS^XZ`)
	runs = textRuns(content)
	if len(runs) != 3 || runs[0].text != "first" || runs[1].text != "second" || runs[2].text != "third" {
		t.Fatalf("lines %v", runs)
	}
	if math.Abs(runs[1].y-(432-300*dot)) > 0.01 || runs[2].y != runs[1].y || math.Abs(runs[0].y-runs[1].y-20*dot) > 0.01 {
		t.Errorf("baselines %.2f %.2f %.2f", runs[0].y, runs[1].y, runs[2].y)
	}

	// A justified line is spread to the block's width.
	_, content = renderContent(t, "^XA^CF0,20^FO0,0^FB200,3,0,J^FDaa bb cc dd ee ff gg hh ii jj^FS^XZ")
	if !regexp.MustCompile(`[\d.]+ Tw `).MatchString(content) {
		t.Error("justified text has no word spacing")
	}
}

func TestRenderZPLShapesAndReverse(t *testing.T) {
	pdf, content := renderContent(t, "^XA"+
		"^FO10,10^GB200,100,100^FS"+ // black
		"^FO20,20^FR^A0N,40^FDWHITE ON BLACK^FS"+ // reversed
		"^FO10,120^GB200,100,4,B,8^FS"+ // rounded
		"^FO220,10^GB50,50,50,W^FS"+ // white
		"^FO300,10^GC100,5^FS^FO300,120^GD100,100,6,B,R^FS^FT300,400^GE100,50,3^FS^XZ")
	if !bytes.Contains(pdf, []byte("/ExtGState << /GSrev << /Type /ExtGState /BM /Difference >> >>")) {
		t.Error("no Difference blend for the reversed field")
	}
	if !strings.Contains(content, "q /GSrev gs 1 g\nBT /F2") {
		t.Error("the reversed text is not painted in Difference mode")
	}
	if !strings.HasPrefix(content, "q\n0 0 288 432 re W n\n1 g 0 0 288 432 re f\n") {
		t.Errorf("the paper is not painted white under reversed fields:\n%.80s", content)
	}
	if !strings.Contains(content, "1 g\n"+num(220*dot)+" ") {
		t.Error("the white box is not painted white")
	}
	if n := strings.Count(content, " c "); n < 4+4+4 {
		t.Errorf("%d curve segments for a rounded box, a circle and an ellipse", n)
	}
	if !regexp.MustCompile(`m [\d. ]+ l [\d. ]+ l [\d. ]+ l h`).MatchString(content) {
		t.Error("no diagonal line")
	}

	// Without reversed fields nothing is blended.
	pdf, _ = renderContent(t, "^XA^FO10,10^GB200,100,3^FS^XZ")
	if bytes.Contains(pdf, []byte("/ExtGState")) {
		t.Error("a blend mode for a label without reversed fields")
	}
}

func TestRenderZPLDensityAndLength(t *testing.T) {
	// A 300 dpi label: 1200 dots across are 4 in.
	_, content := renderContent(t, "^XA^PW1200^LL1800^FO0,0^GB1200,1800,10^FS^XZ")
	if !strings.Contains(content, "0 0 288 432 re\n") {
		t.Errorf("a 300 dpi 4×6 box does not fill the page:\n%s", content)
	}
	// A 4×8 in label at 203 dpi is shrunk onto the page and centred.
	_, content = renderContent(t, "^XA^PW812^LL1624^FO0,0^GB812,1624,10^FS^XZ")
	if !strings.Contains(content, "36 0 216 432 re W n") || !strings.Contains(content, "36 0 216 432 re\n") {
		t.Errorf("a 4×8 label is not fitted to the page:\n%s", content)
	}
	// ^LH moves every field.
	_, content = renderContent(t, "^XA^LH100,50^FO10,10^GB20,20,20^FS^XZ")
	if want := fmt.Sprintf("%s %s %s %s re", num(110*dot), num(432-80*dot), num(20*dot), num(20*dot)); !strings.Contains(content, want) {
		t.Errorf("want %q in\n%s", want, content)
	}
}

func TestRenderZPLCharacterSets(t *testing.T) {
	for _, tc := range []struct{ zpl, want string }{
		{"^XA^CI28^FO0,0^A0N,20^FDZo\xc3\xab^FS^XZ", `(Zo\353)`},
		{"^XA^CI27^FO0,0^A0N,20^FDZo\xeb \x80^FS^XZ", `(Zo\353 \200)`},
		{"^XA^CI0^FO0,0^A0N,20^FDZo\xeb^FS^XZ", `(Zo?)`},
		{"^XA^FO0,0^A0N,20^FH^FD_5E_7e_zz^FS^XZ", `(^~_zz)`},
	} {
		_, content := renderContent(t, tc.zpl)
		if !strings.Contains(content, tc.want+" Tj") {
			t.Errorf("%q: want %s in\n%s", tc.zpl, tc.want, content)
		}
	}
}

func TestRenderZPLRefusesWhatItCannotDraw(t *testing.T) {
	tests := []struct {
		zpl, command, what string
		field              int
	}{
		{"^XA^FO0,0^GB10,10,1^FS^FO0,20^A0N,20^FDx^FS^FO50,50^BD2,1,1^FDdata^FS^XZ", "^BD", "MaxiCode", 3},
		{"^XA^FO50,50^B7N,5,5^FDdata^FS^XZ", "^B7", "PDF417", 1},
		{"^XA^FO50,50^BQN,2,5^FDdata^FS^XZ", "^BQ", "QR Code", 1},
		{"^XA^FO50,50^BXN,5,200^FDdata^FS^XZ", "^BX", "Data Matrix", 1},
		{"^XA^FO50,50^B3N,N,100^FDdata^FS^XZ", "^B3", "Code 39", 1},
		{"^XA^FO50,50^A0R,30,30^FDsideways^FS^XZ", "^A", "rotated field, orientation R", 1},
		{"^XA^FO50,50^BCB,100^FD123^FS^XZ", "^BC", "rotated field, orientation B", 1},
		{"^XA^FWR^FO50,50^FDsideways^FS^XZ", "^FW", "rotated field, orientation R", 1},
		{"^XA^FO50,50^BCN,100,N,N,N,D^FD(00)123^FS^XZ", "^BC", "GS1-128 mode", 1},
		{"~DGR:LOGO.GRF,8,1,FFFFFFFFFFFFFFFF^XA^FO0,0^XGR:LOGO.GRF^FS^XZ", "~DG", "graphic download", 0},
		{"^XA^FO0,0^XGR:LOGO.GRF,1,1^FS^XZ", "^XG", "stored graphic", 1},
		{"^XA^FO0,0^GFB,8,8,1,\x01\x02^FS^XZ", "^GF", "binary graphic data, compression type B", 1},
		{"^XA^CI5^FO0,0^FDx^FS^XZ", "^CI", "character set 5", 0},
		{"^XA^FO0,0^QQ1^FS^XZ", "^QQ", "", 1},
	}
	for _, tc := range tests {
		_, err := RenderZPL([]byte(tc.zpl))
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want an UnsupportedError", tc.zpl, err)
			continue
		}
		if ue.Command != tc.command || ue.What != tc.what || ue.Field != tc.field {
			t.Errorf("%q: %+v", tc.zpl, ue)
		}
		if !strings.Contains(err.Error(), tc.command) || !strings.Contains(err.Error(), "cannot draw") {
			t.Errorf("%q: %q does not name the command", tc.zpl, err)
		}
	}
	_, err := RenderZPL([]byte("^XA^FO0,0^GB10,10,1^FS^FO0,20^A0N,20^FDx^FS^FO50,50^BD2,1,1^FDdata^FS^XZ"))
	if want := "label: the ZPL uses ^BD (MaxiCode) at field 3 (byte 51), which this renderer cannot draw"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestRenderZPLRefusesMalformedInput(t *testing.T) {
	tests := []struct{ name, zpl, want string }{
		{"empty", "", "no ^XA"},
		{"garbage", "hello, printer", "no ^XA"},
		{"PDF", "%PDF-1.4 ...", "no ^XA"},
		{"no ^XZ", "^XA^FO10,10^A0N,20^FDabc^FS", "has no ^XZ"},
		{"no ^FS", "^XA^FO10,10^A0N,20^FDabc^XZ", "field 1 (byte 3) has no ^FS"},
		{"no ^FS before the next field", "^XA^FO10,10^FDabc^FO20,20^FDdef^FS^XZ", "has no ^FS"},
		{"nothing drawn", "^XA^PW812^XZ", "draws nothing"},
		{"two labels", "^XA^FO0,0^FDa^FS^XZ^XA^FO0,0^FDb^FS^XZ", "2 labels"},
		{"nested ^XA", "^XA^XA^FO0,0^FDa^FS^XZ", "inside the one"},
		{"outside a format", "^FO0,0^FDa^FS^XA^XZ", "outside"},
		{"bad number", "^XA^FOab,10^FDa^FS^XZ", "malformed ^FO"},
		{"lone caret", "^XA^FO0,0^FDa^FS^", "no command"},
		{"bad graphic", "^XA^FO0,0^GFA,8,8,1,XYZ^FS^XZ", "malformed ^GF"},
		{"graphic wider than the label", "^XA^FO0,0^GFA,2000,2000,200,,^FS^XZ", "larger than the 812×1218 dot label"},
		{"graphic longer than the label", "^XA^FO0,0^GFA,2000,2000,1,,^FS^XZ", "larger than"},
		{"field data too long", "^XA^FO0,0^FD" + strings.Repeat("x", 4000) + "^FS^XZ", "exceeds"},
		{"too large", "^XA" + strings.Repeat("^FX comment", 200000) + "^XZ", "over 2097152 bytes"},
		{"barcode data", "^XA^FO0,0^BCN,50,N,N,N,A^FDtab\there^FS^XZ", "Code 128 barcode of field 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RenderZPL([]byte(tc.zpl))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			var ue *UnsupportedError
			if errors.As(err, &ue) {
				t.Errorf("malformed input reported as unsupported: %v", err)
			}
		})
	}
}

func TestRenderZPLIgnoresPrinterSettings(t *testing.T) {
	plain, err := RenderZPL([]byte("^XA^FO10,10^A0N,30^FDhello^FS^XZ"))
	if err != nil {
		t.Fatal(err)
	}
	// Settings in a format of their own, settings in the label, a comment,
	// line breaks anywhere and lower-case commands change nothing drawn.
	set, err := RenderZPL([]byte("~SD20^XA^MMT^MNY^MTD^PON^LS0^LT0^PR4^MD10^JUS^XZ\r\n" +
		"^XA^FX the greeting\r\n^PQ2,0,1,Y^fo10,\n10^A0N,30^FDhel\r\nlo^FS^LRN^XZ"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, set) {
		t.Error("printer settings changed the PDF")
	}
	// ^CC changes the command prefix mid-label.
	alt, err := RenderZPL([]byte("^XA^CC+\n+FO10,10+A0N,30+FDhello+FS+XZ"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, alt) {
		t.Error("^CC+ renders differently")
	}
}

func TestRendererServesTheShippingService(t *testing.T) {
	var r interface {
		RenderPDF(context.Context, []byte) ([]byte, error)
	} = Renderer{}
	z, _ := ZPL(sample())
	pdf, err := r.RenderPDF(context.Background(), z)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("%.10q %v", pdf, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.RenderPDF(ctx, z); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled render: %v", err)
	}
}
