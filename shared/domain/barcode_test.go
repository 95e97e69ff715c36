package domain

import (
	"slices"
	"strings"
	"testing"
)

func TestClassifyBarcode(t *testing.T) {
	tests := []struct {
		code    string
		kind    string
		wantErr string // substring of the error; empty when the code is valid
	}{
		{"96385074", BarcodeGTIN8, ""},
		{"036000291452", BarcodeGTIN12, ""},
		{"4006381333931", BarcodeGTIN13, ""},
		{"5901234123457", BarcodeGTIN13, ""},
		{"10012345678902", BarcodeGTIN14, ""},
		{"00012345600012", BarcodeGTIN14, ""},
		{"00000000", BarcodeGTIN8, ""},

		{"96385075", "", "ends in 5, the check digit should be 4"},
		{"036000291453", "", "ends in 3, the check digit should be 2"},
		{"4006381333932", "", "GTIN-13 4006381333932 has a wrong check digit: it ends in 2, the check digit should be 1"},
		{"4006381333930", "", "the check digit should be 1"},
		{"10012345678901", "", "the check digit should be 2"},
		{"073796030005", "", "the check digit should be 1"},

		// Digits of other lengths, and anything else printable, are custom codes.
		{"1234567", BarcodeCustom, ""},
		{"123456789", BarcodeCustom, ""},
		{"123456789012345", BarcodeCustom, ""},
		{"BOX-4412/A", BarcodeCustom, ""},
		{"4006381333931X", BarcodeCustom, ""},
		{"LOT 7 BIN 3", BarcodeCustom, ""},
		{"x", BarcodeCustom, ""},
		{strings.Repeat("A", 64), BarcodeCustom, ""},

		{"", "", "empty"},
		{" ABC", "", "begins or ends with a space"},
		{"ABC ", "", "begins or ends with a space"},
		{"AB\tC", "", "printable ASCII"},
		{"caf\u00e9", "", "printable ASCII"},
		{"AB\x7fC", "", "printable ASCII"},
		{strings.Repeat("A", 65), "", "65 characters long; at most 64"},
		{strings.Repeat("7", 70), "", "at most 64"},
	}
	for _, tt := range tests {
		kind, err := ClassifyBarcode(tt.code)
		if tt.wantErr == "" {
			if err != nil || kind != tt.kind {
				t.Errorf("ClassifyBarcode(%q) = %q, %v; want %q", tt.code, kind, err, tt.kind)
			}
			continue
		}
		if err == nil {
			t.Errorf("ClassifyBarcode(%q) = %q, accepted; want an error containing %q", tt.code, kind, tt.wantErr)
		} else if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ClassifyBarcode(%q) error %q; want it to contain %q", tt.code, err, tt.wantErr)
		}
	}
}

func TestGTINCheckDigit(t *testing.T) {
	tests := []struct{ body, want string }{
		{"9638507", "4"},
		{"03600029145", "2"},
		{"400638133393", "1"},
		{"1001234567890", "2"},
		{"0000000", "0"},
	}
	for _, tt := range tests {
		got, err := GTINCheckDigit(tt.body)
		if err != nil || string(got) != tt.want {
			t.Errorf("GTINCheckDigit(%q) = %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "12a4"} {
		if _, err := GTINCheckDigit(bad); err == nil {
			t.Errorf("GTINCheckDigit(%q) accepted", bad)
		}
	}
}

func TestEquivalentCodes(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{"036000291452", []string{"036000291452", "00036000291452", "0036000291452"}},
		{"0036000291452", []string{"0036000291452", "00036000291452", "036000291452"}},
		{"4006381333931", []string{"4006381333931", "04006381333931"}},
		{"96385074", []string{"96385074", "00000096385074", "0000096385074", "000096385074"}},
		{"10012345678902", []string{"10012345678902"}},
		{"BOX-1", []string{"BOX-1"}},
		{"4006381333932", []string{"4006381333932"}}, // not a valid GTIN: only itself
	}
	for _, tt := range tests {
		if got := EquivalentCodes(tt.code); !slices.Equal(got, tt.want) {
			t.Errorf("EquivalentCodes(%q) = %q; want %q", tt.code, got, tt.want)
		}
	}
	if k, ok := GTINKey("036000291452"); !ok || k != "00036000291452" {
		t.Errorf("GTINKey(036000291452) = %q, %v", k, ok)
	}
	if _, ok := GTINKey("BOX-1"); ok {
		t.Error("GTINKey accepted a custom code")
	}
}

func TestNormalizeScan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4006381333931", "4006381333931"},
		{"  4006381333931\r\n", "4006381333931"},
		{"]E04006381333931", "4006381333931"},
		{"]E496385074\n", "96385074"},
		{"]A0BOX-4412", "BOX-4412"},
		{"]C10110012345678902", "10012345678902"},
		{"]C1011001234567890217251231", "10012345678902"},
		{"]d20110012345678902", "10012345678902"},
		{"]C1BOX", "BOX"},
		{"]C10210012345678902", "0210012345678902"}, // GS1 data without AI 01 is left as read
		{"]0X", "]0X"},                              // not a symbology identifier
		{"]E", "]E"},
		{"BOX ]E0", "BOX ]E0"},
		{"\t", ""},
	}
	for _, tt := range tests {
		if got := NormalizeScan(tt.in); got != tt.want {
			t.Errorf("NormalizeScan(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
