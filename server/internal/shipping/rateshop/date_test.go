package rateshop

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateText(t *testing.T) {
	var v struct {
		D Date       `json:"d"`
		C ClockTime  `json:"c"`
		K ServiceKey `json:"k"`
	}
	in := `{"d":"2026-11-26","c":"15:30","k":"easypost/Priority"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.D != NewDate(2026, time.November, 26) || v.C != (ClockTime{15, 30}) || v.K != (ServiceKey{"easypost", "Priority"}) {
		t.Fatalf("decoded %+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != in {
		t.Fatalf("round trip %s, want %s", out, in)
	}
	for _, bad := range []string{`{"d":"2026-02-30"}`, `{"c":"25:00"}`, `{"k":"nokey"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	a := d(t, "2026-12-31")
	if got := a.AddDays(1); got != d(t, "2027-01-01") {
		t.Fatalf("AddDays = %s", got)
	}
	if !a.Before(a.AddDays(1)) || !a.AddDays(1).After(a) || a.Compare(a) != 0 {
		t.Fatal("ordering is wrong")
	}
	if a.Weekday() != time.Thursday {
		t.Fatalf("weekday %s", a.Weekday())
	}
	loc := time.FixedZone("UTC-6", -6*3600)
	if got := DateOf(time.Date(2026, 3, 2, 23, 30, 0, 0, loc)); got != d(t, "2026-03-02") {
		t.Fatalf("DateOf takes the location's date, got %s", got)
	}
}
