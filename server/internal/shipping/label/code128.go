package label

import "fmt"

// code128Patterns are the bar and space widths, in modules, of the Code 128
// symbols by value: 0–102 data and shift symbols, 103–105 the start codes
// A, B and C. Each starts with a bar and spans 11 modules.
var code128Patterns = [106]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232",
}

// code128Stop is the stop pattern, with its final 2-module bar.
const code128Stop = "2331112"

// Symbol values with a meaning of their own.
const (
	c128CodeC  = 99  // in subset B: switch to subset C
	c128CodeB  = 100 // in subset C: switch to subset B
	c128StartB = 104
	c128StartC = 105
)

// Code128 encodes s (printable ASCII, 1 to 80 characters) as Code 128,
// switching between subset B (text) and subset C (digit pairs) so that
// runs of digits take half the width. It returns the symbol values, from
// the start code to the check symbol, without the stop.
func Code128(s string) ([]int, error) {
	if s == "" || len(s) > 80 {
		return nil, fmt.Errorf("label: a Code 128 barcode holds 1 to 80 characters, got %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			return nil, fmt.Errorf("label: %q cannot be drawn as a barcode: only printable ASCII is allowed", s)
		}
	}
	run := func(i int) int {
		n := 0
		for i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
			n++
		}
		return n
	}
	var vals []int
	subsetC := false
	if n := run(0); n >= 4 || (n == 2 && len(s) == 2) {
		vals, subsetC = append(vals, c128StartC), true
	} else {
		vals = append(vals, c128StartB)
	}
	for i := 0; i < len(s); {
		if subsetC {
			if run(i) >= 2 {
				vals = append(vals, int(s[i]-'0')*10+int(s[i+1]-'0'))
				i += 2
				continue
			}
			vals, subsetC = append(vals, c128CodeB), false
			continue
		}
		// Subset C pays for its switch code from six digits on, or four at the end.
		if n := run(i); n >= 6 || (n >= 4 && i+n == len(s)) {
			if n%2 == 1 {
				vals = append(vals, int(s[i])-32)
				i++
			}
			vals, subsetC = append(vals, c128CodeC), true
			continue
		}
		vals = append(vals, int(s[i])-32)
		i++
	}
	sum := vals[0]
	for i, v := range vals[1:] {
		sum += v * (i + 1)
	}
	return append(vals, sum%103), nil
}

// Code128Modules returns the bar and space widths, in modules, of the
// barcode of s: start, data, check and stop symbols, starting with a bar.
// Quiet zones (10 modules on each side) are the caller's to leave.
func Code128Modules(s string) ([]int, error) {
	vals, err := Code128(s)
	if err != nil {
		return nil, err
	}
	widths := make([]int, 0, len(vals)*6+7)
	for _, v := range vals {
		for _, c := range code128Patterns[v] {
			widths = append(widths, int(c-'0'))
		}
	}
	for _, c := range code128Stop {
		widths = append(widths, int(c-'0'))
	}
	return widths, nil
}
