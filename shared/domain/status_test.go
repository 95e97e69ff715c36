package domain

import "testing"

func TestOrderTransitions(t *testing.T) {
	cases := []struct {
		from, to OrderStatus
		ok       bool
	}{
		{StatusNew, StatusAllocated, true},
		{StatusNew, StatusOnHold, true},
		{StatusOnHold, StatusAllocated, true},
		{StatusAllocated, StatusPicking, true},
		{StatusPicking, StatusPacked, true},
		{StatusPicking, StatusAllocated, true},
		{StatusPacked, StatusLabeled, true},
		{StatusLabeled, StatusShipped, true},
		{StatusShipped, StatusDelivered, true},
		{StatusAllocated, StatusCancelled, true},
		{StatusNew, StatusShipped, false},
		{StatusAllocated, StatusPacked, false},
		{StatusOnHold, StatusPicking, false},
		{StatusShipped, StatusCancelled, false},
		{StatusDelivered, StatusShipped, false},
		{StatusCancelled, StatusAllocated, false},
		{StatusPacked, StatusShipped, false},
	}
	for _, c := range cases {
		if got := CanTransition(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: got %v, want %v", c.from, c.to, got, c.ok)
		}
		if err := CheckTransition(c.from, c.to); (err == nil) != c.ok {
			t.Errorf("CheckTransition(%s, %s) = %v", c.from, c.to, err)
		}
	}
	for from, tos := range transitions() {
		for _, to := range tos {
			if _, ok := transitions()[to]; !ok {
				t.Errorf("%s → %s leads to an unknown status", from, to)
			}
		}
	}
}

func TestHoldsStock(t *testing.T) {
	for s, want := range map[OrderStatus]bool{StatusNew: false, StatusOnHold: false, StatusAllocated: true,
		StatusPicking: true, StatusPacked: true, StatusLabeled: true, StatusShipped: false, StatusCancelled: false} {
		if s.HoldsStock() != want {
			t.Errorf("%s.HoldsStock() = %v", s, !want)
		}
	}
}
