package domain

import "fmt"

// OrderStatus is where an order is in its lifecycle.
type OrderStatus string

// Order statuses. The happy path runs NEW → ALLOCATED → PICKING → PACKED →
// LABELED → SHIPPED → DELIVERED.
const (
	StatusNew       OrderStatus = "NEW"
	StatusAllocated OrderStatus = "ALLOCATED"
	StatusPicking   OrderStatus = "PICKING"
	StatusPacked    OrderStatus = "PACKED"
	StatusLabeled   OrderStatus = "LABELED"
	StatusShipped   OrderStatus = "SHIPPED"
	StatusDelivered OrderStatus = "DELIVERED"
	StatusOnHold    OrderStatus = "ON_HOLD"
	StatusCancelled OrderStatus = "CANCELLED"
)

// transitions lists, for each status, the statuses it may move to.
func transitions() map[OrderStatus][]OrderStatus {
	return map[OrderStatus][]OrderStatus{
		StatusNew:       {StatusAllocated, StatusOnHold, StatusCancelled},
		StatusOnHold:    {StatusAllocated, StatusCancelled},
		StatusAllocated: {StatusPicking, StatusCancelled},
		// A packer may hand a claimed order back to the queue.
		StatusPicking: {StatusPacked, StatusAllocated, StatusCancelled},
		StatusPacked:  {StatusLabeled, StatusPicking, StatusCancelled},
		// Voiding the label returns the parcel to PACKED.
		StatusLabeled:   {StatusShipped, StatusPacked, StatusCancelled},
		StatusShipped:   {StatusDelivered},
		StatusDelivered: {},
		StatusCancelled: {},
	}
}

// ParseOrderStatus validates a status name.
func ParseOrderStatus(s string) (OrderStatus, error) {
	if _, ok := transitions()[OrderStatus(s)]; ok {
		return OrderStatus(s), nil
	}
	return "", fmt.Errorf("unknown order status %q", s)
}

// CanTransition reports whether an order may move from one status to another.
func CanTransition(from, to OrderStatus) bool {
	for _, s := range transitions()[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError is a move the lifecycle does not allow.
type TransitionError struct {
	From, To OrderStatus
}

func (e *TransitionError) Error() string {
	next := transitions()[e.From]
	if len(next) == 0 {
		return fmt.Sprintf("order is %s, a final status; it cannot become %s", e.From, e.To)
	}
	return fmt.Sprintf("order is %s and cannot become %s; from %s it can become %v", e.From, e.To, e.From, next)
}

// CheckTransition returns a *TransitionError, which a person can act on,
// when from → to is not allowed.
func CheckTransition(from, to OrderStatus) error {
	if CanTransition(from, to) {
		return nil
	}
	return &TransitionError{From: from, To: to}
}

// HoldsStock reports whether an order in this status has stock allocated.
func (s OrderStatus) HoldsStock() bool {
	switch s {
	case StatusAllocated, StatusPicking, StatusPacked, StatusLabeled:
		return true
	}
	return false
}
