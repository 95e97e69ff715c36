package orders

import (
	"context"

	"github.com/google/uuid"
)

// IntakeTogether takes ins in as one batch, in one transaction, the way
// concurrent intakes of a tenant are taken under load, and returns each
// order's outcome in order.
func (s *Service) IntakeTogether(ctx context.Context, tenantID uuid.UUID, actor string, ins []Intake) ([]IntakeResult, []error) {
	calls := make([]*intakeCall, len(ins))
	for i, in := range ins {
		if err := in.normalize(); err != nil {
			panic(err)
		}
		calls[i] = &intakeCall{ctx: ctx, actor: actor, in: in, done: make(chan struct{})}
	}
	s.intakeBatch(tenantID, calls)
	res, errs := make([]IntakeResult, len(ins)), make([]error, len(ins))
	for i, c := range calls {
		<-c.done
		switch {
		case c.err != nil:
			errs[i] = c.err
		case c.created.ID != "":
			res[i] = IntakeResult{Order: c.created, Created: true}
		default:
			res[i].Order, errs[i] = s.Get(ctx, tenantID, c.orderID)
		}
	}
	return res, errs
}
