package domain

import (
	"fmt"
	"strings"
)

// Barcode kinds, as stored with a product's codes.
const (
	BarcodeGTIN8  = "gtin8"
	BarcodeGTIN12 = "gtin12"
	BarcodeGTIN13 = "gtin13"
	BarcodeGTIN14 = "gtin14"
	BarcodeCustom = "custom"
)

// MaxBarcodeLength is the longest code a product can carry.
const MaxBarcodeLength = 64

// gtinKinds maps the length of an all-digit code to its GTIN kind.
var gtinKinds = map[int]string{8: BarcodeGTIN8, 12: BarcodeGTIN12, 13: BarcodeGTIN13, 14: BarcodeGTIN14}

// GTINCheckDigit returns the GS1 mod-10 check digit for body, the digits of a
// GTIN without its last digit: weights 3 and 1 alternate from the right,
// starting with 3 on the rightmost digit of body.
func GTINCheckDigit(body string) (byte, error) {
	if body == "" {
		return 0, fmt.Errorf("no digits to compute a check digit from")
	}
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		c := body[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not all digits", body)
		}
		d := int(c - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), nil
}

// ValidateGTIN checks that code is a GTIN-8, -12, -13 or -14 with a correct
// check digit and returns its kind.
func ValidateGTIN(code string) (string, error) {
	kind, ok := gtinKinds[len(code)]
	if !ok || !allDigits(code) {
		return "", fmt.Errorf("%q is not a GTIN: a GTIN is 8, 12, 13 or 14 digits", code)
	}
	want, _ := GTINCheckDigit(code[:len(code)-1])
	if got := code[len(code)-1]; got != want {
		return "", fmt.Errorf("GTIN-%d %s has a wrong check digit: it ends in %c, the check digit should be %c",
			len(code), code, got, want)
	}
	return kind, nil
}

// ClassifyBarcode returns the kind of a product barcode. An all-digit code of
// GTIN length (8, 12, 13 or 14) must carry a valid check digit, so a mistyped
// GTIN is caught when it is entered rather than when a scan fails to match.
// Anything else is a custom code: 1-64 printable ASCII characters that do not
// begin or end with a space.
func ClassifyBarcode(code string) (string, error) {
	if code == "" {
		return "", fmt.Errorf("barcode is empty")
	}
	if _, gtinLength := gtinKinds[len(code)]; gtinLength && allDigits(code) {
		return ValidateGTIN(code)
	}
	if len(code) > MaxBarcodeLength {
		return "", fmt.Errorf("barcode is %d characters long; at most %d are allowed", len(code), MaxBarcodeLength)
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("barcode %q contains a character other than printable ASCII at position %d", code, i+1)
		}
	}
	if code[0] == ' ' || code[len(code)-1] == ' ' {
		return "", fmt.Errorf("barcode %q begins or ends with a space", code)
	}
	return BarcodeCustom, nil
}

// GTINKey returns the 14-digit form of a valid GTIN (left-padded with zeros),
// the form under which GS1 considers two GTINs equal, and false for any other
// code.
func GTINKey(code string) (string, bool) {
	if _, err := ValidateGTIN(code); err != nil {
		return "", false
	}
	return strings.Repeat("0", 14-len(code)) + code, true
}

// EquivalentCodes returns every way of writing code that identifies the same
// item, code itself first. For a GTIN these are its 8-, 12-, 13- and 14-digit
// forms obtained by adding or removing leading zeros (a UPC-A read by a
// scanner set to EAN-13 gains a leading zero); a custom code has only itself.
func EquivalentCodes(code string) []string {
	key, ok := GTINKey(code)
	if !ok {
		return []string{code}
	}
	out := []string{code}
	for _, n := range []int{14, 13, 12, 8} {
		form := key[14-n:]
		if form != code && strings.Trim(key[:14-n], "0") == "" {
			out = append(out, form)
		}
	}
	return out
}

// gs1Symbologies are the symbology identifiers whose data is a GS1 element
// string (application identifiers), not a plain code.
var gs1Symbologies = map[string]bool{"]C1": true, "]e0": true, "]d2": true, "]Q3": true, "]J1": true}

// NormalizeScan cleans what a scanner typed: surrounding whitespace (the
// terminating Enter or Tab) and a leading AIM symbology identifier such as
// "]E0" (EAN-13) or "]C1" (GS1-128) are removed. When the identifier says the
// data is a GS1 element string starting with application identifier 01, the
// 14-digit GTIN it carries is returned, since that is what identifies the
// product.
func NormalizeScan(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 3 && s[0] == ']' && isASCIILetter(s[1]) && isASCIIAlnum(s[2]) {
		id := s[:3]
		s = strings.TrimSpace(s[3:])
		if gs1Symbologies[id] && len(s) >= 16 && strings.HasPrefix(s, "01") && allDigits(s[2:16]) {
			return s[2:16]
		}
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isASCIIAlnum(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' }
