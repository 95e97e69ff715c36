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
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file renders a carrier's ZPL II label as a one-page 4×6 in PDF. It
// interprets the subset of ZPL that shipping labels are made of: text in
// the printer's fonts (set in Helvetica), boxes, circles and diagonal lines,
// Code 128 barcodes, ASCII-hex graphic fields and reversed fields. Anything
// else that would change what the label shows — other symbologies, rotated
// fields, stored graphics and formats — is refused with an error naming the
// command, so that a PDF never silently misses a barcode the carrier
// requires. Printer settings (speed, darkness, media, quantity …) do not
// change the image and are ignored.

// Limits on the work a label can ask for.
const (
	// maxZPLBytes bounds the input: carrier labels are tens of kilobytes,
	// a few hundred with a logo.
	maxZPLBytes = 2 << 20
	// maxFieldData is ZPL's own limit on the data of one field.
	maxFieldData = 3072
	// maxGraphicPages bounds the graphic fields of a label, all together,
	// in multiples of a page-sized bitmap.
	maxGraphicPages = 4
)

// Typography: ZPL places a field at the top of its character cell, PDF at
// the baseline; and the printer's scalable font 0 (CG Triumvirate Bold
// Condensed) is set as Helvetica-Bold narrowed to about its width.
const (
	zplAscent    = 0.8
	zplCondensed = 0.85
)

// Renderer renders carriers' ZPL labels as 4×6 in PDF; it is the shipping
// service's PDF renderer.
type Renderer struct{}

// RenderPDF renders one ZPL label as a one-page PDF; see RenderZPL.
func (Renderer) RenderPDF(ctx context.Context, zpl []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return RenderZPL(zpl)
}

// RenderZPL renders one ZPL label (^XA … ^XZ) on a one-page 4×6 in PDF at
// the label's dot density: 203 dpi unless the print width (^PW) is that of
// a 300 or 600 dpi label. A label longer than the page is scaled to fit.
// Commands it cannot draw faithfully are refused with an *UnsupportedError;
// input that is not a ZPL label, or is malformed, with a plain error.
func RenderZPL(zpl []byte) ([]byte, error) {
	if len(zpl) > maxZPLBytes {
		return nil, fmt.Errorf("label: the ZPL is %d bytes; labels over %d bytes are refused", len(zpl), maxZPLBytes)
	}
	in := newZPLInterpreter(zpl)
	if err := in.run(); err != nil {
		return nil, err
	}
	return in.pdf(), nil
}

// UnsupportedError reports a ZPL command that the renderer cannot draw
// faithfully, and where the label uses it.
type UnsupportedError struct {
	// Command is the command as written, e.g. "^BD".
	Command string
	// What names what it does ("MaxiCode") or what about it is unsupported.
	What string
	// Field is the 1-based number of the field it belongs to; 0 outside one.
	Field int
	// Offset is the byte offset of the command in the input.
	Offset int
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	b.WriteString("label: the ZPL uses ")
	b.WriteString(e.Command)
	if e.What != "" {
		fmt.Fprintf(&b, " (%s)", e.What)
	}
	if e.Field > 0 {
		fmt.Fprintf(&b, " at field %d (byte %d)", e.Field, e.Offset)
	} else {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	b.WriteString(", which this renderer cannot draw")
	return b.String()
}

// zplRefused names the commands refused on sight: symbologies and features
// that would leave something out of the PDF.
var zplRefused = map[string]string{
	"B0": "Aztec", "B1": "Code 11", "B2": "Interleaved 2 of 5", "B3": "Code 39", "B4": "Code 49",
	"B5": "Planet Code", "B7": "PDF417", "B8": "EAN-8", "B9": "UPC-E", "BA": "Code 93",
	"BB": "CODABLOCK", "BD": "MaxiCode", "BE": "EAN-13", "BF": "MicroPDF417",
	"BI": "Industrial 2 of 5", "BJ": "Standard 2 of 5", "BK": "Codabar", "BL": "LOGMARS",
	"BM": "MSI", "BO": "Aztec", "BP": "Plessey", "BQ": "QR Code", "BR": "GS1 DataBar",
	"BS": "UPC/EAN extension", "BT": "TLC39", "BU": "UPC-A", "BX": "Data Matrix", "BZ": "POSTNET",
	"DG": "graphic download", "DY": "object download", "DB": "font download", "DU": "font download",
	"DT": "font download", "DF": "stored format", "XF": "stored format", "XG": "stored graphic",
	"IM": "stored image", "IL": "stored image", "FN": "field number", "SN": "serial number",
	"SF": "serial field", "TB": "text block", "FC": "real-time clock", "GS": "graphic symbol",
	"FL": "font link",
}

// zplIgnored are the settings that do not change what a label shows: media,
// speed, darkness, quantity, memory and the like.
var zplIgnored = map[string]bool{
	// Format commands.
	"^PQ": true, "^PR": true, "^MD": true, "^MM": true, "^MN": true, "^MT": true, "^PO": true,
	"^LS": true, "^LT": true, "^JU": true, "^MF": true, "^CW": true, "^XB": true, "^JZ": true,
	"^SZ": true, "^MP": true, "^ML": true, "^JS": true, "^KL": true, "^PF": true, "^ID": true,
	// Control commands.
	"~SD": true, "~TA": true, "~JS": true, "~JC": true, "~JL": true, "~JA": true, "~JR": true,
}

// zplBitmapFonts are the printer's bitmap fonts by name, as cell height and
// width in dots at 203 dpi; they magnify by whole multiples.
var zplBitmapFonts = map[byte][2]int{
	'A': {9, 5}, 'B': {11, 7}, 'C': {18, 10}, 'D': {18, 10}, 'E': {28, 15}, 'F': {26, 13},
	'G': {60, 40}, 'H': {21, 13}, 'P': {20, 18}, 'Q': {28, 24}, 'R': {35, 31}, 'S': {40, 35},
	'T': {48, 42}, 'U': {59, 53}, 'V': {80, 71},
}

// zplCommand is one command as read: its prefix, its name in upper case
// ("FO"; "A" for the font command, whose font is the first parameter
// byte) and its parameters with line breaks removed, as ZPL ignores them.
type zplCommand struct {
	prefix byte
	code   string
	params string
	at     int
}

func (c zplCommand) String() string { return string(c.prefix) + c.code }

// zplLexer splits ZPL into commands. ^CC, ^CT and ^CD change the caret,
// tilde and delimiter while reading.
type zplLexer struct {
	src          []byte
	pos          int
	caret, tilde byte
	delim        byte
}

func isLineBreak(c byte) bool { return c == '\r' || c == '\n' }

// next returns the next command; ok is false at the end of the input.
func (l *zplLexer) next() (cmd zplCommand, ok bool, err error) {
	for l.pos < len(l.src) && l.src[l.pos] != l.caret && l.src[l.pos] != l.tilde {
		l.pos++ // text between formats
	}
	if l.pos >= len(l.src) {
		return zplCommand{}, false, nil
	}
	cmd.at, cmd.prefix = l.pos, '^'
	if l.src[l.pos] == l.tilde {
		cmd.prefix = '~'
	}
	l.pos++
	letter := func() (byte, bool) {
		for l.pos < len(l.src) && isLineBreak(l.src[l.pos]) {
			l.pos++
		}
		if l.pos >= len(l.src) || l.src[l.pos] == l.caret || l.src[l.pos] == l.tilde {
			return 0, false
		}
		l.pos++
		return l.src[l.pos-1], true
	}
	c1, ok1 := letter()
	if !ok1 {
		return cmd, false, fmt.Errorf("label: the ZPL has a command prefix with no command at byte %d", cmd.at)
	}
	c1 = upper(c1)
	if cmd.prefix == '^' && c1 == 'A' {
		cmd.code = "A"
	} else {
		c2, ok2 := letter()
		if !ok2 {
			return cmd, false, fmt.Errorf("label: the ZPL has a cut-off command %c%c at byte %d", cmd.prefix, c1, cmd.at)
		}
		cmd.code = string([]byte{c1, upper(c2)})
	}
	switch cmd.code {
	case "CC", "CT", "CD":
		// The new character is exactly one byte: the next command may
		// already use it.
		if c, ok := letter(); ok {
			cmd.params = string(c)
		}
		return cmd, true, nil
	}
	var p []byte
	for l.pos < len(l.src) && l.src[l.pos] != l.caret && l.src[l.pos] != l.tilde {
		if !isLineBreak(l.src[l.pos]) {
			p = append(p, l.src[l.pos])
		}
		l.pos++
	}
	cmd.params = string(p)
	return cmd, true, nil
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// fontSpec is a font as ZPL names it, with the height and width asked for
// in dots; 0 leaves a dimension to the font.
type fontSpec struct {
	name byte
	h, w int
}

// metrics returns the size in dots at which the font is set, its
// horizontal scale and whether it is set bold. Bitmap fonts magnify by
// whole multiples of their cell; scalable fonts take the height as their
// size and the width as a ratio to it.
func (f fontSpec) metrics() (size, scaleX float64, bold bool) {
	if cell, ok := zplBitmapFonts[f.name]; ok {
		mh := max(1, int(math.Round(float64(f.h)/float64(cell[0]))))
		mw := mh
		if f.w > 0 {
			mw = max(1, int(math.Round(float64(f.w)/float64(cell[1]))))
		}
		return float64(cell[0] * mh), float64(mw) / float64(mh), false
	}
	h := f.h
	if h <= 0 {
		h = 9
	}
	w := f.w
	if w <= 0 {
		w = h
	}
	if f.name == '0' {
		return float64(h), zplCondensed * float64(w) / float64(h), true
	}
	return float64(h), float64(w) / float64(h), false
}

// fieldBlock is a ^FB text block.
type fieldBlock struct {
	width, lines, spacing, indent int
	justify                       byte // L, C, R or J
}

// fieldState is the field being built, from its first command to ^FS.
type fieldState struct {
	n, at      int
	x, y       int
	typeset    bool // ^FT: y is the baseline or bottom edge, not the top
	rightAlign bool // ^FO/^FT justification 1: x is the right edge
	font       *fontSpec
	block      *fieldBlock
	reverse    bool
	hexEscape  byte
	data       []byte
	hasData    bool
	// draw draws what the field's command asked for, once the field data is
	// known; nil for a text field.
	draw    func(data []byte) error
	drawCmd zplCommand
}

// hasContent reports whether the field holds something to draw.
func (f *fieldState) hasContent() bool { return f.hasData || f.draw != nil }

// ink is how a mark is painted.
type ink uint8

const (
	inkBlack   ink = iota
	inkWhite       // ^GB and friends in colour W
	inkReverse     // ^FR, ^LRY: black where the paper is white and the reverse
)

type shapeKind uint8

const (
	shapeRect shapeKind = iota // with corners rounded by r
	shapeEllipse
	shapePolygon
)

// shape is one closed outline, in dots from the top-left of the label.
type shape struct {
	kind       shapeKind
	x, y, w, h float64
	r          float64
	pts        [][2]float64
}

// textRun is one line of text; x and baseline in dots.
type textRun struct {
	x, baseline  float64
	size, scaleX float64
	bold         bool
	wordSpacing  float64
	s            string
}

// bitmap is a one-bit image, 1 = black, rows padded to whole bytes.
type bitmap struct {
	width, height int
	bits          []byte
}

// mark is one thing drawn on the label: filled shapes, a line of text or a
// bitmap at (x, y).
type mark struct {
	ink     ink
	shapes  []shape
	evenOdd bool
	text    *textRun
	img     *bitmap
	x, y    float64
}

// zplInterpreter runs a ZPL label and collects its marks.
type zplInterpreter struct {
	lex zplLexer

	// Settings, which last from format to format.
	width, length int    // ^PW, ^LL; 0 if not given
	home          [2]int // ^LH
	reverseAll    bool   // ^LRY
	font          fontSpec
	barWidth      int // ^BY; the ratio does not apply to Code 128
	barHeight     int
	orientation   byte // ^FW
	charset       int  // ^CI

	formatAt      int // offset of the open format's ^XA; -1 outside one
	drawnFormats  int
	field         *fieldState
	fields        int
	nextX, nextY  float64 // where ^FT without a position puts the next field
	marks         []mark
	graphicBytes  int
	formatMarks   int
	reverseMarked bool
}

func newZPLInterpreter(src []byte) *zplInterpreter {
	return &zplInterpreter{
		lex:         zplLexer{src: src, caret: '^', tilde: '~', delim: ','},
		font:        fontSpec{name: 'A', h: 9, w: 5},
		barWidth:    2,
		barHeight:   10,
		orientation: 'N',
		formatAt:    -1,
	}
}

// run interprets the whole input; it must hold exactly one label that draws
// something, though formats of settings only may come with it.
func (in *zplInterpreter) run() error {
	formats := 0
	for {
		cmd, ok, err := in.lex.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if cmd.prefix == '^' && cmd.code == "XA" {
			formats++
		}
		if err := in.exec(cmd); err != nil {
			return err
		}
	}
	switch {
	case formats == 0:
		return errors.New("label: not a ZPL label: there is no ^XA")
	case in.formatAt >= 0:
		return fmt.Errorf("label: the ZPL format opened at byte %d has no ^XZ", in.formatAt)
	case in.drawnFormats == 0:
		return errors.New("label: the ZPL draws nothing")
	case in.drawnFormats > 1:
		return fmt.Errorf("label: the ZPL holds %d labels; render one at a time", in.drawnFormats)
	}
	return nil
}

// unsupported reports cmd as one the renderer cannot draw.
func (in *zplInterpreter) unsupported(cmd zplCommand, what string) error {
	n := 0
	if in.field != nil {
		n = in.field.n
	}
	return &UnsupportedError{Command: cmd.String(), What: what, Field: n, Offset: cmd.at}
}

// malformed reports a command whose parameters make no sense.
func (in *zplInterpreter) malformed(cmd zplCommand, format string, args ...any) error {
	where := fmt.Sprintf("byte %d", cmd.at)
	if in.field != nil {
		where = fmt.Sprintf("field %d (byte %d)", in.field.n, cmd.at)
	}
	return fmt.Errorf("label: malformed %s at %s: %s", cmd, where, fmt.Sprintf(format, args...))
}

// params splits a command's parameters at the delimiter.
func (in *zplInterpreter) params(cmd zplCommand, n int) []string {
	ps := strings.SplitN(cmd.params, string(in.lex.delim), n)
	for i := range ps {
		ps[i] = strings.TrimSpace(ps[i])
	}
	return ps
}

// intParam reads parameter i as a number of dots: def when absent, clamped
// to [lo, hi] as printers do; anything but a number is an error.
func (in *zplInterpreter) intParam(cmd zplCommand, ps []string, i, def, lo, hi int) (int, error) {
	if i >= len(ps) || ps[i] == "" {
		return def, nil
	}
	v, err := strconv.ParseFloat(ps[i], 64)
	if err != nil || math.IsNaN(v) {
		return 0, in.malformed(cmd, "parameter %d is %q, not a number", i+1, ps[i])
	}
	return int(math.Round(max(float64(lo), min(float64(hi), v)))), nil
}

// letterParam reads parameter i as one upper-case letter, def when absent.
func letterParam(ps []string, i int, def byte) byte {
	if i >= len(ps) || ps[i] == "" {
		return def
	}
	return upper(ps[i][0])
}

// openField returns the field being built, starting one if there is none.
func (in *zplInterpreter) openField(cmd zplCommand) *fieldState {
	if in.field == nil {
		in.fields++
		in.field = &fieldState{n: in.fields, at: cmd.at, x: in.home[0], y: in.home[1]}
	}
	return in.field
}

// exec runs one command.
func (in *zplInterpreter) exec(cmd zplCommand) error {
	name := cmd.String()
	if zplIgnored[name] {
		return nil
	}
	if what, ok := zplRefused[cmd.code]; ok {
		if cmd.code[0] == 'B' {
			in.openField(cmd)
		}
		return in.unsupported(cmd, what)
	}
	switch name {
	case "^XA":
		if in.formatAt >= 0 {
			return fmt.Errorf("label: ^XA at byte %d opens a format inside the one opened at byte %d", cmd.at, in.formatAt)
		}
		in.formatAt, in.formatMarks = cmd.at, 0
		return nil
	case "^CC", "~CC", "^CT", "~CT", "^CD", "~CD":
		return in.changePrefix(cmd)
	case "^FX":
		return nil // a comment
	}
	if in.formatAt < 0 {
		if cmd.prefix == '~' {
			return in.unsupported(cmd, "")
		}
		return fmt.Errorf("label: %s at byte %d is outside a ^XA … ^XZ format", name, cmd.at)
	}
	if cmd.prefix == '~' {
		return in.unsupported(cmd, "")
	}
	switch cmd.code {
	case "XZ":
		return in.endFormat(cmd)
	case "PW", "LL", "LH", "LR", "CF", "CI", "BY", "FW", "MU", "JM", "PM", "FP":
		return in.setting(cmd)
	case "FO", "FT":
		return in.origin(cmd)
	case "A":
		return in.fontCommand(cmd)
	case "FD", "FV":
		f := in.openField(cmd)
		if len(cmd.params) > maxFieldData {
			return in.malformed(cmd, "field data of %d bytes exceeds ZPL's %d", len(cmd.params), maxFieldData)
		}
		f.data, f.hasData = []byte(cmd.params), true
		return nil
	case "FH":
		f := in.openField(cmd)
		f.hexEscape = '_'
		if p := strings.TrimSpace(cmd.params); p != "" {
			f.hexEscape = p[0]
		}
		return nil
	case "FR":
		in.openField(cmd).reverse = true
		return nil
	case "FB":
		return in.fieldBlock(cmd)
	case "FS":
		return in.endField(cmd)
	case "GB", "GC", "GD", "GE":
		return in.shapeCommand(cmd)
	case "GF":
		return in.graphicField(cmd)
	case "BC":
		return in.code128(cmd)
	}
	return in.unsupported(cmd, "")
}

// changePrefix handles ^CC, ^CT and ^CD, which change the caret, the tilde
// and the parameter delimiter.
func (in *zplInterpreter) changePrefix(cmd zplCommand) error {
	if len(cmd.params) != 1 || cmd.params[0] <= ' ' || cmd.params[0] > '~' {
		return in.malformed(cmd, "the new character is missing")
	}
	c := cmd.params[0]
	switch cmd.code {
	case "CC":
		in.lex.caret = c
	case "CT":
		in.lex.tilde = c
	case "CD":
		in.lex.delim = c
	}
	if in.lex.caret == in.lex.tilde || in.lex.caret == in.lex.delim || in.lex.tilde == in.lex.delim {
		return in.malformed(cmd, "the caret, tilde and delimiter must differ")
	}
	return nil
}

// setting handles the commands that change how later fields are drawn.
func (in *zplInterpreter) setting(cmd zplCommand) error {
	ps := in.params(cmd, -1)
	var err error
	switch cmd.code {
	case "PW":
		in.width, err = in.intParam(cmd, ps, 0, in.width, 2, 32000)
	case "LL":
		in.length, err = in.intParam(cmd, ps, 0, in.length, 1, 32000)
	case "LH":
		if in.home[0], err = in.intParam(cmd, ps, 0, in.home[0], 0, 32000); err == nil {
			in.home[1], err = in.intParam(cmd, ps, 1, in.home[1], 0, 32000)
		}
	case "LR":
		in.reverseAll = letterParam(ps, 0, 'N') == 'Y'
	case "CF":
		err = in.changeFont(cmd, ps)
	case "CI":
		return in.characterSet(cmd, ps)
	case "BY":
		if in.barWidth, err = in.intParam(cmd, ps, 0, in.barWidth, 1, 10); err != nil {
			return err
		}
		in.barHeight, err = in.intParam(cmd, ps, 2, in.barHeight, 1, 32000)
	case "FW":
		o := letterParam(ps, 0, in.orientation)
		if !strings.ContainsRune("NRIB", rune(o)) {
			return in.malformed(cmd, "orientation %q is not N, R, I or B", o)
		}
		in.orientation = o
	case "MU":
		// Units other than dots, or a conversion between densities, would
		// rescale every coordinate.
		if letterParam(ps, 0, 'D') != 'D' || (len(ps) > 1 && ps[1] != "" && (len(ps) < 3 || ps[1] != ps[2])) {
			return in.unsupported(cmd, "units other than dots")
		}
	case "JM":
		if letterParam(ps, 0, 'A') != 'A' {
			return in.unsupported(cmd, "half-density printing")
		}
	case "PM":
		if letterParam(ps, 0, 'N') != 'N' {
			return in.unsupported(cmd, "mirror image")
		}
	case "FP":
		if letterParam(ps, 0, 'H') != 'H' {
			return in.unsupported(cmd, "vertical or reverse field")
		}
	}
	return err
}

// changeFont handles ^CF, the default font.
func (in *zplInterpreter) changeFont(cmd zplCommand, ps []string) error {
	f := in.font
	if len(ps) > 0 && ps[0] != "" {
		f.name = upper(ps[0][0])
	}
	_, bitmapFont := zplBitmapFonts[f.name]
	h, err := in.intParam(cmd, ps, 1, 0, 1, 32000)
	if err != nil {
		return err
	}
	w, err := in.intParam(cmd, ps, 2, 0, 1, 32000)
	if err != nil {
		return err
	}
	switch {
	case h > 0 && w == 0 && bitmapFont:
		f.h, f.w = h, 0
	case h > 0 && w == 0:
		f.h, f.w = h, h
	case h > 0:
		f.h, f.w = h, w
	case w > 0:
		f.w = w
	}
	in.font = f
	return nil
}

// characterSet handles ^CI: ASCII (0, 13), Windows-1252 (27) and UTF-8
// (28). Other sets replace ASCII characters or are multi-byte, and
// remapping characters would change the text, so they are refused.
func (in *zplInterpreter) characterSet(cmd zplCommand, ps []string) error {
	n, err := in.intParam(cmd, ps, 0, 0, 0, 99)
	if err != nil {
		return err
	}
	if len(ps) > 1 && strings.Join(ps[1:], "") != "" {
		return in.unsupported(cmd, "character remapping")
	}
	switch n {
	case 0, 13, 27, 28:
		in.charset = n
		return nil
	}
	return in.unsupported(cmd, fmt.Sprintf("character set %d", n))
}

// origin handles ^FO and ^FT.
func (in *zplInterpreter) origin(cmd zplCommand) error {
	if in.field != nil && in.field.hasContent() {
		return in.unterminated(cmd)
	}
	f := in.openField(cmd)
	ps := in.params(cmd, -1)
	f.typeset = cmd.code == "FT"
	defX, defY := 0, 0
	if f.typeset {
		// ^FT without a position continues after the last text field.
		defX, defY = int(math.Round(in.nextX))-in.home[0], int(math.Round(in.nextY))-in.home[1]
	}
	x, err := in.intParam(cmd, ps, 0, defX, 0, 32000)
	if err != nil {
		return err
	}
	y, err := in.intParam(cmd, ps, 1, defY, 0, 32000)
	if err != nil {
		return err
	}
	f.x, f.y = x+in.home[0], y+in.home[1]
	f.rightAlign = len(ps) > 2 && ps[2] == "1"
	return nil
}

func (in *zplInterpreter) unterminated(cmd zplCommand) error {
	return fmt.Errorf("label: field %d (byte %d) has no ^FS before %s at byte %d", in.field.n, in.field.at, cmd, cmd.at)
}

// fontCommand handles ^Af and ^A@, the font of the current field.
func (in *zplInterpreter) fontCommand(cmd zplCommand) error {
	f := in.openField(cmd)
	if cmd.params == "" {
		return in.malformed(cmd, "the font name is missing")
	}
	name := upper(cmd.params[0])
	ps := in.params(zplCommand{params: cmd.params[1:]}, -1)
	o := letterParam(ps, 0, in.orientation)
	if err := in.upright(cmd, o); err != nil {
		return err
	}
	// ^A@ names a font by file; like the other scalable fonts it is set in
	// Helvetica.
	spec := fontSpec{name: name}
	h, err := in.intParam(cmd, ps, 1, 0, 1, 32000)
	if err != nil {
		return err
	}
	w, err := in.intParam(cmd, ps, 2, 0, 1, 32000)
	if err != nil {
		return err
	}
	if h == 0 {
		h = in.font.h
	}
	_, bitmapFont := zplBitmapFonts[spec.name]
	if w == 0 && !bitmapFont {
		w = h
	}
	spec.h, spec.w = h, w
	f.font = &spec
	return nil
}

// upright refuses orientations other than N (normal).
func (in *zplInterpreter) upright(cmd zplCommand, o byte) error {
	switch o {
	case 'N':
		return nil
	case 'R', 'I', 'B':
		return in.unsupported(cmd, fmt.Sprintf("rotated field, orientation %c", o))
	}
	return in.malformed(cmd, "orientation %q is not N, R, I or B", o)
}

// fieldBlock handles ^FB.
func (in *zplInterpreter) fieldBlock(cmd zplCommand) error {
	f := in.openField(cmd)
	ps := in.params(cmd, -1)
	var b fieldBlock
	var err error
	if b.width, err = in.intParam(cmd, ps, 0, 0, 0, 32000); err != nil {
		return err
	}
	if b.lines, err = in.intParam(cmd, ps, 1, 1, 1, 9999); err != nil {
		return err
	}
	if b.spacing, err = in.intParam(cmd, ps, 2, 0, -9999, 9999); err != nil {
		return err
	}
	b.justify = letterParam(ps, 3, 'L')
	if !strings.ContainsRune("LCRJ", rune(b.justify)) {
		return in.malformed(cmd, "justification %q is not L, C, R or J", b.justify)
	}
	if b.indent, err = in.intParam(cmd, ps, 4, 0, 0, 9999); err != nil {
		return err
	}
	f.block = &b
	return nil
}

// setDraw makes cmd the drawing command of the current field.
func (in *zplInterpreter) setDraw(cmd zplCommand, draw func(data []byte) error) error {
	f := in.openField(cmd)
	if f.draw != nil {
		return in.malformed(cmd, "the field already draws %s; end it with ^FS first", f.drawCmd)
	}
	f.draw, f.drawCmd = draw, cmd
	return nil
}

// endField handles ^FS: the field is drawn.
func (in *zplInterpreter) endField(cmd zplCommand) error {
	f := in.field
	if f == nil {
		return nil
	}
	defer func() { in.field = nil }()
	data := f.data
	if f.hexEscape != 0 {
		data = unescapeHex(data, f.hexEscape)
	}
	if f.draw != nil {
		return f.draw(data)
	}
	if !f.hasData {
		return nil
	}
	return in.drawText(f, in.decodeText(data))
}

// endFormat handles ^XZ.
func (in *zplInterpreter) endFormat(cmd zplCommand) error {
	if in.field != nil {
		if in.field.hasContent() {
			return in.unterminated(cmd)
		}
		in.field = nil
	}
	if in.formatMarks > 0 {
		in.drawnFormats++
	}
	in.formatAt = -1
	return nil
}

// inkOf is the ink of the current field: reversed by ^FR or ^LRY.
func (in *zplInterpreter) inkOf(f *fieldState, white bool) ink {
	switch {
	case f.reverse || in.reverseAll:
		return inkReverse
	case white:
		return inkWhite
	}
	return inkBlack
}

func (in *zplInterpreter) add(m mark) {
	if m.ink == inkReverse {
		in.reverseMarked = true
	}
	in.marks = append(in.marks, m)
	in.formatMarks++
}

// unescapeHex decodes ^FH escapes: esc followed by two hexadecimal digits
// stands for that byte. Anything else is kept as written.
func unescapeHex(data []byte, esc byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		if data[i] == esc && i+2 < len(data) {
			if v, err := strconv.ParseUint(string(data[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, data[i])
	}
	return out
}

// cp1252High maps the bytes 0x80–0x9F of Windows-1252 to their characters.
var cp1252High = func() map[byte]rune {
	m := make(map[byte]rune, len(winAnsiExtra))
	for r, b := range winAnsiExtra {
		m[b] = r
	}
	return m
}()

// decodeText turns field data into text by the character set of ^CI.
// Bytes the set does not define become "?".
func (in *zplInterpreter) decodeText(data []byte) string {
	if in.charset == 28 {
		return strings.ToValidUTF8(string(data), "?")
	}
	var b strings.Builder
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case in.charset == 27 && c >= 0xA0:
			b.WriteRune(rune(c))
		case in.charset == 27 && cp1252High[c] != 0:
			b.WriteRune(cp1252High[c])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// fontOf is the font of a field: its ^A, or the default of ^CF.
func (in *zplInterpreter) fontOf(f *fieldState) (size, scaleX float64, bold bool) {
	if f.font != nil {
		return f.font.metrics()
	}
	return in.font.metrics()
}

// textWidthDots is the width of s in dots set at size dots.
func textWidthDots(s string, size, scaleX float64, bold bool) float64 {
	return textWidth(s, size, bold) * scaleX
}

// drawText draws a text field: one line, or a ^FB block.
func (in *zplInterpreter) drawText(f *fieldState, s string) error {
	if f.font == nil && in.orientation != 'N' {
		return in.upright(zplCommand{prefix: '^', code: "FW", at: f.at}, in.orientation)
	}
	size, scaleX, bold := in.fontOf(f)
	run := func(x, baseline, spacing float64, s string) {
		if s == "" {
			return
		}
		in.add(mark{ink: in.inkOf(f, false), text: &textRun{x: x, baseline: baseline, size: size, scaleX: scaleX, bold: bold, wordSpacing: spacing, s: s}})
	}
	x, y := float64(f.x), float64(f.y)
	if f.block == nil {
		s = strings.ReplaceAll(s, "\t", " ")
		w := textWidthDots(s, size, scaleX, bold)
		if f.rightAlign {
			x -= w
		}
		baseline := y + zplAscent*size
		if f.typeset {
			baseline = y
		}
		run(x, baseline, 0, s)
		in.nextX, in.nextY = x+w, baseline
		return nil
	}

	b := f.block
	if float64(b.width) < size*scaleX*0.5 {
		return nil // narrower than a character: the printer prints nothing
	}
	if f.rightAlign {
		x -= float64(b.width)
	}
	lines := wrapBlock(s, float64(b.width), float64(b.indent), func(s string) float64 {
		return textWidthDots(s, size, scaleX, bold)
	})
	pitch := size + float64(b.spacing)
	first := y + zplAscent*size
	if f.typeset {
		// ^FT sets the baseline of the block's last possible line.
		first = y - float64(b.lines-1)*pitch
	}
	for i, l := range lines {
		// Lines past the block's last overprint it, as on the printer.
		row := min(i, b.lines-1)
		left, avail := x, float64(b.width)
		if i > 0 {
			left, avail = x+float64(b.indent), avail-float64(b.indent)
		}
		w := textWidthDots(l.text, size, scaleX, bold)
		spacing := 0.0
		switch b.justify {
		case 'C':
			left += (avail - w) / 2
		case 'R':
			left += avail - w
		case 'J':
			if gaps := strings.Count(l.text, " "); gaps > 0 && !l.last && w < avail {
				spacing = (avail - w) / float64(gaps)
			}
		}
		run(left, first+float64(row)*pitch, spacing, l.text)
	}
	return nil
}

// blockLine is one line of a text block; last marks the end of a
// paragraph, which justified text leaves ragged.
type blockLine struct {
	text string
	last bool
}

// wrapBlock breaks text into the lines of a ^FB block of the given width:
// at \& (a line break; \\ is a backslash), between words, and inside a word
// too long for a line, with a hyphen. Lines after the first are indent
// narrower.
func wrapBlock(text string, width, indent float64, measure func(string) float64) []blockLine {
	var paragraphs []string
	var cur strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' && i+1 < len(text) {
			switch text[i+1] {
			case '&':
				paragraphs = append(paragraphs, cur.String())
				cur.Reset()
				i++
				continue
			case '\\':
				cur.WriteByte('\\')
				i++
				continue
			}
		}
		cur.WriteByte(text[i])
	}
	paragraphs = append(paragraphs, cur.String())

	var lines []blockLine
	avail := func() float64 {
		if len(lines) > 0 {
			return width - indent
		}
		return width
	}
	for _, p := range paragraphs {
		var line string
		words := strings.Fields(p)
		for len(words) > 0 {
			word := words[0]
			try := word
			if line != "" {
				try = line + " " + word
			}
			switch {
			case measure(try) <= avail():
				line, words = try, words[1:]
			case line != "":
				lines = append(lines, blockLine{text: line})
				line = ""
			case utf8.RuneCountInString(word) < 2:
				lines = append(lines, blockLine{text: word})
				words = words[1:]
			default:
				// A word wider than a line by itself: hyphenate at the edge.
				r := []rune(word)
				n := len(r) - 1
				for n > 1 && measure(string(r[:n])+"-") > avail() {
					n--
				}
				lines = append(lines, blockLine{text: string(r[:n]) + "-"})
				words[0] = string(r[n:])
			}
		}
		lines = append(lines, blockLine{text: line, last: true})
	}
	return lines
}

// shapeCommand handles ^GB (box), ^GC (circle), ^GE (ellipse) and ^GD
// (diagonal line).
func (in *zplInterpreter) shapeCommand(cmd zplCommand) error {
	ps := in.params(cmd, -1)
	num := func(i, def, lo int) (int, error) { return in.intParam(cmd, ps, i, def, lo, 32000) }
	colour := func(i int) (bool, error) {
		switch c := letterParam(ps, i, 'B'); c {
		case 'B':
			return false, nil
		case 'W':
			return true, nil
		default:
			return false, in.malformed(cmd, "colour %q is not B or W", c)
		}
	}
	var shapes []shape
	var white bool
	switch cmd.code {
	case "GB", "GE", "GD":
		t, err := num(2, 1, 1)
		if err != nil {
			return err
		}
		w, err := num(0, t, 1)
		if err != nil {
			return err
		}
		h, err := num(1, t, 1)
		if err != nil {
			return err
		}
		if white, err = colour(3); err != nil {
			return err
		}
		w, h = max(w, t), max(h, t)
		switch cmd.code {
		case "GB":
			r, err := in.intParam(cmd, ps, 4, 0, 0, 8)
			if err != nil {
				return err
			}
			shapes = boxShapes(float64(w), float64(h), float64(t), float64(r)/8*float64(min(w, h))/2)
		case "GE":
			shapes = ringShapes(float64(w), float64(h), float64(t))
		case "GD":
			o := letterParam(ps, 4, 'R')
			if o == '/' {
				o = 'R'
			} else if o == '\\' {
				o = 'L'
			}
			if o != 'R' && o != 'L' {
				return in.malformed(cmd, "direction %q is not R or L", o)
			}
			shapes = []shape{diagonal(float64(w), float64(h), float64(t), o == 'R')}
		}
	case "GC":
		d, err := num(0, 3, 3)
		if err != nil {
			return err
		}
		t, err := num(1, 1, 1)
		if err != nil {
			return err
		}
		if white, err = colour(2); err != nil {
			return err
		}
		shapes = ringShapes(float64(d), float64(d), float64(t))
	}
	return in.setDraw(cmd, func([]byte) error {
		f := in.field
		k := in.inkOf(f, white)
		if k == inkReverse && white {
			return nil // reversing white changes nothing
		}
		// The shapes are built at (0, 0); place them at the field origin.
		bw, bh := boundsOf(shapes)
		x, y := float64(f.x), float64(f.y)
		if f.typeset {
			y -= bh
		}
		if f.rightAlign {
			x -= bw
		}
		placed := make([]shape, len(shapes))
		for i, s := range shapes {
			placed[i] = s.moved(x, y)
		}
		in.add(mark{ink: k, shapes: placed, evenOdd: true})
		return nil
	})
}

// boxShapes is a box of w×h dots with borders t thick and corners of
// radius r: the outline and, unless the borders fill it, the hole.
func boxShapes(w, h, t, r float64) []shape {
	outer := shape{kind: shapeRect, w: w, h: h, r: r}
	if 2*t >= w || 2*t >= h {
		return []shape{outer}
	}
	return []shape{outer, {kind: shapeRect, x: t, y: t, w: w - 2*t, h: h - 2*t, r: max(0, r-t)}}
}

// ringShapes is an ellipse of w×h dots with a line t thick.
func ringShapes(w, h, t float64) []shape {
	outer := shape{kind: shapeEllipse, w: w, h: h}
	if 2*t >= w || 2*t >= h {
		return []shape{outer}
	}
	return []shape{outer, {kind: shapeEllipse, x: t, y: t, w: w - 2*t, h: h - 2*t}}
}

// diagonal is a line t dots wide across a w×h box, rising to the right (/)
// or falling (\).
func diagonal(w, h, t float64, rising bool) shape {
	if rising {
		return shape{kind: shapePolygon, w: w, h: h, pts: [][2]float64{{0, h}, {t, h}, {w, 0}, {w - t, 0}}}
	}
	return shape{kind: shapePolygon, w: w, h: h, pts: [][2]float64{{0, 0}, {t, 0}, {w, h}, {w - t, h}}}
}

func boundsOf(shapes []shape) (w, h float64) {
	for _, s := range shapes {
		w, h = max(w, s.x+s.w), max(h, s.y+s.h)
	}
	return w, h
}

func (s shape) moved(dx, dy float64) shape {
	s.x += dx
	s.y += dy
	if s.pts != nil {
		pts := make([][2]float64, len(s.pts))
		for i, p := range s.pts {
			pts[i] = [2]float64{p[0] + dx, p[1] + dy}
		}
		s.pts = pts
	}
	return s
}

// labelWidth and labelLength are the label's size in dots: ^PW and ^LL, or
// 4×6 in at the label's density.
func (in *zplInterpreter) labelWidth() int {
	if in.width > 0 {
		return in.width
	}
	return 4 * in.dpi()
}

func (in *zplInterpreter) labelLength() int {
	if in.length > 0 {
		return in.length
	}
	return 6 * in.dpi()
}

// dpi is the label's dot density, which ZPL does not state: a print width
// up to 1000 dots is a 203 dpi (8 dots/mm) label, up to 2000 a 300 dpi
// (12 dots/mm) one, wider a 600 dpi one.
func (in *zplInterpreter) dpi() int {
	switch {
	case in.width <= 1000:
		return 203
	case in.width <= 2000:
		return 300
	}
	return 600
}

// graphicField handles ^GF: an ASCII-hexadecimal bitmap, optionally
// compressed with ZPL's repeat counts, or Base64 (:B64:) or
// zlib-compressed Base64 (:Z64:) data. Binary forms are refused.
func (in *zplInterpreter) graphicField(cmd zplCommand) error {
	in.openField(cmd)
	ps := in.params(cmd, 5)
	if kind := letterParam(ps, 0, 'A'); kind != 'A' {
		return in.unsupported(cmd, "binary graphic data, compression type "+string(kind))
	}
	total, err := in.intParam(cmd, ps, 2, 0, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	perRow, err := in.intParam(cmd, ps, 3, 0, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	if total <= 0 || perRow <= 0 {
		return in.malformed(cmd, "the graphic field's byte count and bytes per row are required")
	}
	rows := total / perRow
	maxRow := (in.labelWidth() + 7) / 8
	if perRow > maxRow || rows > in.labelLength() {
		return in.malformed(cmd, "a graphic of %d×%d dots is larger than the %d×%d dot label", perRow*8, rows, in.labelWidth(), in.labelLength())
	}
	in.graphicBytes += perRow * rows
	if limit := maxGraphicPages * maxRow * in.labelLength(); in.graphicBytes > limit {
		return in.malformed(cmd, "the label's graphics exceed %d bytes", limit)
	}
	data := ""
	if len(ps) == 5 {
		data = ps[4]
	}
	bits, err := decodeGraphic(data, perRow, rows)
	if err != nil {
		return in.malformed(cmd, "%v", err)
	}
	img := &bitmap{width: perRow * 8, height: rows, bits: bits}
	return in.setDraw(cmd, func([]byte) error {
		f := in.field
		x, y := float64(f.x), float64(f.y)
		if f.typeset {
			y -= float64(rows)
		}
		if f.rightAlign {
			x -= float64(img.width)
		}
		in.add(mark{ink: in.inkOf(f, false), img: img, x: x, y: y})
		return nil
	})
}

// decodeGraphic decodes ^GF data of rows rows of perRow bytes each.
func decodeGraphic(data string, perRow, rows int) ([]byte, error) {
	total := perRow * rows
	for _, enc := range []string{":Z64:", ":B64:"} {
		if !strings.HasPrefix(data, enc) {
			continue
		}
		payload := data[len(enc):]
		// A CRC of the Base64 text follows it; the decoding checks the
		// data well enough for a picture, so the CRC is not verified.
		if i := strings.IndexByte(payload, ':'); i >= 0 {
			payload = payload[:i]
		}
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, payload)
		raw, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			if raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=")); err != nil {
				return nil, fmt.Errorf("the %s graphic data is not Base64", enc)
			}
		}
		if enc == ":Z64:" {
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("the :Z64: graphic data does not inflate: %v", err)
			}
			if raw, err = io.ReadAll(io.LimitReader(zr, int64(total))); err != nil {
				return nil, fmt.Errorf("the :Z64: graphic data does not inflate: %v", err)
			}
		}
		out := make([]byte, total)
		copy(out, raw)
		return out, nil
	}
	return decodeGraphicHex(data, perRow, total)
}

// decodeGraphicHex decodes ZPL's ASCII-hexadecimal graphic data into total
// bytes in rows of perRow. Besides hexadecimal digits (four dots each) the
// data may hold repeat counts for the digit that follows them — G to Y for
// 1 to 19, g to z for 20 to 400 in steps of 20, added together — and, in a
// row, "," to fill the rest of the row with white, "!" with black, and ":"
// to repeat the previous row. Rows the data leaves out are white; data past
// the count is ignored, as the printer does.
func decodeGraphicHex(data string, perRow, total int) ([]byte, error) {
	out := make([]byte, total)
	nibbles, limit, row := 0, total*2, perRow*2
	put := func(v byte, count int) {
		for ; count > 0 && nibbles < limit; count-- {
			if nibbles%2 == 0 {
				out[nibbles/2] |= v << 4
			} else {
				out[nibbles/2] |= v
			}
			nibbles++
		}
	}
	repeat := 0
	for i := 0; i < len(data) && nibbles < limit; i++ {
		c := data[i]
		switch {
		case c >= 'G' && c <= 'Y':
			repeat += int(c-'G') + 1
		case c >= 'g' && c <= 'z':
			repeat += (int(c-'g') + 1) * 20
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F', c >= 'a' && c <= 'f':
			v, _ := strconv.ParseUint(string(c), 16, 8)
			put(byte(v), max(1, repeat))
			repeat = 0
		case repeat > 0:
			return nil, fmt.Errorf("graphic data: a repeat count is followed by %q, not a hexadecimal digit", c)
		case c == ',':
			nibbles = min(limit, (nibbles/row+1)*row)
		case c == '!':
			put(0xF, row-nibbles%row)
		case c == ':':
			if nibbles%row != 0 || nibbles == 0 {
				return nil, errors.New("graphic data: ':' must start a row after the first")
			}
			start := nibbles/2 - perRow
			copy(out[nibbles/2:], out[start:start+perRow])
			nibbles += row
		case c == ' ' || c == '\t':
		default:
			return nil, fmt.Errorf("graphic data: %q is not hexadecimal or a compression code", c)
		}
	}
	if repeat > 0 {
		return nil, errors.New("graphic data: it ends with a repeat count")
	}
	return out, nil
}

// code128 handles ^BC, the Code 128 barcode. Mode N reads ZPL's invocation
// codes (>; for subset C, >: for B, >5 and >6 to switch, >8 for FNC1, ><
// >= and >1 for the characters > ~ and DEL); mode A chooses subsets itself.
// Subset A, UCC case mode, GS1-128 mode and the UCC check digit are refused.
func (in *zplInterpreter) code128(cmd zplCommand) error {
	in.openField(cmd)
	ps := in.params(cmd, -1)
	if err := in.upright(cmd, letterParam(ps, 0, in.orientation)); err != nil {
		return err
	}
	height, err := in.intParam(cmd, ps, 1, in.barHeight, 1, 32000)
	if err != nil {
		return err
	}
	line := letterParam(ps, 2, 'Y') == 'Y'
	above := letterParam(ps, 3, 'N') == 'Y'
	if letterParam(ps, 4, 'N') == 'Y' {
		return in.unsupported(cmd, "Code 128 with a UCC check digit")
	}
	mode := letterParam(ps, 5, 'N')
	switch mode {
	case 'N', 'A':
	case 'U':
		return in.unsupported(cmd, "Code 128 UCC case mode")
	case 'D':
		return in.unsupported(cmd, "GS1-128 mode")
	default:
		return in.malformed(cmd, "mode %q is not N, U, A or D", mode)
	}
	module := in.barWidth
	return in.setDraw(cmd, func(data []byte) error {
		f := in.field
		if len(data) == 0 {
			return nil // no data, no barcode
		}
		var mods []int
		var human string
		var err error
		if mode == 'A' {
			human = string(data)
			mods, err = Code128Modules(human)
		} else {
			mods, human, err = zplCode128(string(data))
		}
		if err != nil {
			return fmt.Errorf("label: the Code 128 barcode of field %d (byte %d): %w", f.n, f.at, err)
		}
		size, scaleX, bold := in.fontOf(f)
		total := 0
		for _, m := range mods {
			total += m * module
		}
		x, top := float64(f.x), float64(f.y)
		if f.rightAlign {
			x -= float64(total)
		}
		if f.typeset {
			top -= float64(height) // ^FT places the bottom of the bars
		} else if line && above {
			top += size
		}
		var bars []shape
		pos := x
		for i, m := range mods {
			w := float64(m * module)
			if i%2 == 0 {
				bars = append(bars, shape{kind: shapeRect, x: pos, y: top, w: w, h: float64(height)})
			}
			pos += w
		}
		k := in.inkOf(f, false)
		in.add(mark{ink: k, shapes: bars})
		if line && human != "" {
			tw := textWidthDots(human, size, scaleX, bold)
			baseline := top + float64(height) + zplAscent*size + 2
			if above {
				baseline = top - (1-zplAscent)*size - 2
			}
			in.add(mark{ink: k, text: &textRun{x: x + (float64(total)-tw)/2, baseline: baseline, size: size, scaleX: scaleX, bold: bold, s: human}})
		}
		return nil
	})
}

// c128FNC1 is the Code 128 function character 1, ZPL's >8.
const c128FNC1 = 102

// zplCode128 encodes field data of a ^BC barcode in mode N: subset B
// unless a start code says otherwise, with ZPL's invocation codes for
// subset switches and special characters. In subset C, digits go in pairs;
// as on the printer, a non-digit first in a pair is skipped, a pair with a
// non-digit second is dropped, and so is an unpaired digit before a switch.
// It returns the module widths and the text for the interpretation line.
func zplCode128(data string) (mods []int, human string, err error) {
	subsetC := false
	start := c128StartB
	if len(data) >= 2 && data[0] == '>' {
		switch data[1] {
		case '9':
			return nil, "", errors.New("subset A (>9) is not supported")
		case ':':
			data = data[2:]
		case ';':
			start, subsetC = c128StartC, true
			data = data[2:]
		}
	}
	vals := []int{start}
	var text strings.Builder
	for i := 0; i < len(data); {
		c := data[i]
		if c == '>' {
			if i+1 >= len(data) {
				return nil, "", errors.New("the data ends with an incomplete invocation code >")
			}
			code := data[i+1]
			i += 2
			switch {
			case code == '8':
				vals = append(vals, c128FNC1)
			case subsetC && code == '6':
				vals, subsetC = append(vals, c128CodeB), false
			case !subsetC && code == '5':
				vals, subsetC = append(vals, c128CodeC), true
			case !subsetC && code == '<':
				vals = append(vals, '>'-32)
				text.WriteByte('>')
			case !subsetC && code == '=':
				vals = append(vals, '~'-32)
				text.WriteByte('~')
			case !subsetC && code == '1':
				vals = append(vals, 95) // DEL
			case code == '7':
				return nil, "", errors.New("subset A (>7) is not supported")
			default:
				return nil, "", fmt.Errorf("the invocation code >%c is not supported here", code)
			}
			continue
		}
		if !subsetC {
			if c < 32 || c > 126 {
				return nil, "", fmt.Errorf("byte %#x cannot be encoded in subset B", c)
			}
			vals = append(vals, int(c)-32)
			text.WriteByte(c)
			i++
			continue
		}
		switch {
		case c < '0' || c > '9':
			i++
		case i+1 >= len(data) || data[i+1] == '>':
			i++
		case data[i+1] < '0' || data[i+1] > '9':
			i += 2
		default:
			vals = append(vals, int(c-'0')*10+int(data[i+1]-'0'))
			text.WriteString(data[i : i+2])
			i += 2
		}
	}
	if len(vals) < 2 {
		return nil, "", errors.New("there is no data to encode")
	}
	if len(vals) > 1+maxFieldData {
		return nil, "", errors.New("the data is too long")
	}
	sum := vals[0]
	for i, v := range vals[1:] {
		sum += v * (i + 1)
	}
	vals = append(vals, sum%103)
	for _, v := range vals {
		for _, c := range code128Patterns[v] {
			mods = append(mods, int(c-'0'))
		}
	}
	for _, c := range code128Stop {
		mods = append(mods, int(c-'0'))
	}
	return mods, text.String(), nil
}

// pdf writes the marks on a 4×6 in page: the label's top-left corner at
// the page's, one dot 72/dpi points, or smaller if the label is longer or
// wider than the page, then centred across it.
func (in *zplInterpreter) pdf() []byte {
	w, l := float64(in.labelWidth()), float64(in.labelLength())
	s := 72 / float64(in.dpi())
	ox := 0.0
	if w*s > pageWidth || l*s > pageHeight {
		s = min(pageWidth/w, pageHeight/l)
		ox = (pageWidth - w*s) / 2
	}
	c := &zplCanvas{s: s, ox: ox}
	var pw pdfWriter
	var xobjects strings.Builder
	c.b.WriteString("q\n")
	// Clip to the label: the printer prints nothing past its edges.
	fmt.Fprintf(&c.b, "%s %s %s %s re W n\n", num(c.x(0)), num(c.y(l)), num(w*s), num(l*s))
	if in.reverseMarked {
		// Reversed marks are painted in Difference mode, which needs the
		// paper itself painted white underneath.
		fmt.Fprintf(&c.b, "1 g %s %s %s %s re f\n", num(c.x(0)), num(c.y(l)), num(w*s), num(l*s))
	}
	c.b.WriteString("0 g\n")
	images := 0
	for _, m := range in.marks {
		switch m.ink {
		case inkReverse:
			c.b.WriteString("q /GSrev gs 1 g\n")
		case inkWhite:
			c.b.WriteString("1 g\n")
		}
		switch {
		case m.text != nil:
			c.text(m.text)
		case m.img != nil:
			images++
			name := fmt.Sprintf("Im%d", images)
			id := pw.addStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ImageMask true /BitsPerComponent 1 /Decode [1 0] /Filter /FlateDecode ",
				m.img.width, m.img.height), deflate(m.img.bits))
			fmt.Fprintf(&xobjects, "/%s %d 0 R ", name, id)
			fmt.Fprintf(&c.b, "q %s 0 0 %s %s %s cm /%s Do Q\n", num(float64(m.img.width)*s), num(float64(m.img.height)*s),
				num(c.x(m.x)), num(c.y(m.y+float64(m.img.height))), name)
		default:
			for _, sh := range m.shapes {
				c.shape(sh)
			}
			if m.evenOdd {
				c.b.WriteString("f*\n")
			} else {
				c.b.WriteString("f\n")
			}
		}
		switch m.ink {
		case inkReverse:
			c.b.WriteString("Q\n")
		case inkWhite:
			c.b.WriteString("0 g\n")
		}
	}
	c.b.WriteString("Q\n")

	resources := fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >>",
		pw.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
		pw.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"))
	if images > 0 {
		resources += " /XObject << " + xobjects.String() + ">>"
	}
	if in.reverseMarked {
		resources += " /ExtGState << /GSrev << /Type /ExtGState /BM /Difference >> >>"
	}
	resources += " >>"
	return pw.page(resources, c.b.Bytes(), "Shipping label")
}

// deflate compresses image samples; writing to memory cannot fail.
func deflate(data []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return z.Bytes()
}

// zplCanvas writes a content stream, converting dots from the label's
// top-left corner to points from the page's bottom-left.
type zplCanvas struct {
	b     bytes.Buffer
	s, ox float64
}

func (c *zplCanvas) x(d float64) float64 { return c.ox + d*c.s }
func (c *zplCanvas) y(d float64) float64 { return pageHeight - d*c.s }

// bezierK places the control points of a quarter circle.
const bezierK = 0.5523

// shape appends one closed outline to the current path.
func (c *zplCanvas) shape(sh shape) {
	x0, y0 := c.x(sh.x), c.y(sh.y+sh.h) // bottom-left, in points
	w, h := sh.w*c.s, sh.h*c.s
	pt := func(x, y float64) string { return num(x) + " " + num(y) }
	switch sh.kind {
	case shapeRect:
		r := min(sh.r*c.s, w/2, h/2)
		if r <= 0 {
			fmt.Fprintf(&c.b, "%s %s %s %s re\n", num(x0), num(y0), num(w), num(h))
			return
		}
		k := r * bezierK
		x1, y1 := x0+w, y0+h
		fmt.Fprintf(&c.b, "%s m %s l %s %s %s c %s l %s %s %s c %s l %s %s %s c %s l %s %s %s c h\n",
			pt(x0+r, y0), pt(x1-r, y0), pt(x1-r+k, y0), pt(x1, y0+r-k), pt(x1, y0+r),
			pt(x1, y1-r), pt(x1, y1-r+k), pt(x1-r+k, y1), pt(x1-r, y1),
			pt(x0+r, y1), pt(x0+r-k, y1), pt(x0, y1-r+k), pt(x0, y1-r),
			pt(x0, y0+r), pt(x0, y0+r-k), pt(x0+r-k, y0), pt(x0+r, y0))
	case shapeEllipse:
		rx, ry := w/2, h/2
		cx, cy := x0+rx, y0+ry
		kx, ky := rx*bezierK, ry*bezierK
		fmt.Fprintf(&c.b, "%s m %s %s %s c %s %s %s c %s %s %s c %s %s %s c h\n",
			pt(cx+rx, cy),
			pt(cx+rx, cy+ky), pt(cx+kx, cy+ry), pt(cx, cy+ry),
			pt(cx-kx, cy+ry), pt(cx-rx, cy+ky), pt(cx-rx, cy),
			pt(cx-rx, cy-ky), pt(cx-kx, cy-ry), pt(cx, cy-ry),
			pt(cx+kx, cy-ry), pt(cx+rx, cy-ky), pt(cx+rx, cy))
	case shapePolygon:
		for i, p := range sh.pts {
			op := "l"
			if i == 0 {
				op = "m"
			}
			fmt.Fprintf(&c.b, "%s %s ", pt(c.x(p[0]), c.y(p[1])), op)
		}
		c.b.WriteString("h\n")
	}
}

// text writes one line of text.
func (c *zplCanvas) text(t *textRun) {
	font := "F1"
	if t.bold {
		font = "F2"
	}
	fmt.Fprintf(&c.b, "BT /%s %s Tf %s Tz ", font, num(t.size*c.s), num(t.scaleX*100))
	if t.wordSpacing != 0 {
		// Tw is in unscaled text space: undo the horizontal scaling.
		fmt.Fprintf(&c.b, "%s Tw ", num(t.wordSpacing*c.s/t.scaleX))
	}
	fmt.Fprintf(&c.b, "%s %s Td %s Tj ET\n", num(c.x(t.x)), num(c.y(t.baseline)), pdfString(t.s))
	if t.wordSpacing != 0 {
		c.b.WriteString("0 Tw\n")
	}
}
