package shipping

import (
	"regexp"
	"strings"
)

var (
	// zplField is a field's data in ZPL: ^FD...^FS (or up to the end).
	zplField = regexp.MustCompile(`(?s)\^FD(.*?)(?:\^FS|$)`)
	// code128Invocation is a ZPL Code 128 subset switch or FNC code (">;",
	// ">:", ">8" ...), which is not part of the data.
	code128Invocation = regexp.MustCompile(`>[0-9:;<=]`)
	// qrPrefix is a ZPL QR code field's error-correction and input mode.
	qrPrefix = regexp.MustCompile(`^[HQML][AM],`)
	// uspsRouting is the routing prefix of a USPS IMpb barcode: application
	// identifier 420 and the destination ZIP+4 or ZIP.
	uspsRouting = []*regexp.Regexp{regexp.MustCompile(`^420\d{9}(\d{20,})$`), regexp.MustCompile(`^420\d{5}(\d{20,})$`)}
)

// scanCandidates returns the tracking numbers a scanned code may stand for,
// most specific first: the code itself when it is a tracking number, the
// data fields of raw ZPL, and a USPS IMpb without its routing prefix. A
// FedEx 1D barcode ends with its tracking number; the lookup matches such
// suffixes.
func scanCandidates(raw string) []string {
	fields := []string{raw}
	if strings.Contains(raw, "^FD") {
		fields = nil
		for _, m := range zplField.FindAllStringSubmatch(raw, -1) {
			fields = append(fields, qrPrefix.ReplaceAllString(code128Invocation.ReplaceAllString(m[1], ""), ""))
		}
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && len(s) <= 64 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, f := range fields {
		n := normalizeCode(f)
		for _, re := range uspsRouting {
			if m := re.FindStringSubmatch(n); m != nil {
				add(m[1])
			}
		}
		add(n)
	}
	return out
}

// normalizeCode upper-cases a code and drops everything but letters and
// digits: scanners add spaces, dashes and GS1 group separators.
func normalizeCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
