package shipping

import (
	"reflect"
	"testing"
)

func TestScanCandidates(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      []string
	}{
		{"tracking number", "1Z999AA10123456784", []string{"1Z999AA10123456784"}},
		{"spaces and case", " 9400 1118 9922 3197 4284 90 ", []string{"9400111899223197428490"}},
		{"lower case", "1z999aa10123456784", []string{"1Z999AA10123456784"}},
		{"USPS IMpb with ZIP", "42060606\x1d9400111899223197428490",
			[]string{"9400111899223197428490", "420606069400111899223197428490"}},
		{"USPS IMpb with ZIP+4", "420606061234\x1d9400111899223197428490",
			[]string{"9400111899223197428490", "12349400111899223197428490", "4206060612349400111899223197428490"}},
		{"raw ZPL", "^XA^FO10,10^BY3^BCN,100,Y,N,N^FD>;1Z999AA10123456784^FS^FO10,200^BQN,2,5^FDLA,https://ex.com^FS^XZ",
			[]string{"1Z999AA10123456784", "HTTPSEXCOM"}},
		{"ZPL field without ^FS", "^FD794612345678", []string{"794612345678"}},
		{"nothing", "-- --", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scanCandidates(tc.raw); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("scanCandidates(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func TestScale(t *testing.T) {
	for _, tc := range []struct{ cents, num, den, want int64 }{
		{25, 365, 10, 913}, {25, 30, 10, 75}, {-25, 365, 10, -913}, {1, 1, 2, 1}, {-1, 1, 2, -1}, {0, 365, 7, 0}, {170, 365 * 800, 1, 49640000},
	} {
		if got := scale(tc.cents, tc.num, tc.den); got != tc.want {
			t.Errorf("scale(%d, %d, %d) = %d, want %d", tc.cents, tc.num, tc.den, got, tc.want)
		}
	}
}
