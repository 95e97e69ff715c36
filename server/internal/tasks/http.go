package tasks

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/apperr"
)

// Handlers serves the platform operator's job monitoring endpoints.
type Handlers struct{ mon *Monitor }

// NewHandlers returns the job monitoring handlers.
func NewHandlers(m *Monitor) *Handlers { return &Handlers{mon: m} }

// Overview answers GET /api/v1/platform/jobs.
func (h *Handlers) Overview(c *fiber.Ctx) error {
	ov, err := h.mon.Overview(50)
	if err != nil {
		return apperr.Unavailable(err, "job queues cannot be read")
	}
	return c.JSON(ov)
}

// RunArchived answers POST /api/v1/platform/jobs/{queue}/{id}/run.
func (h *Handlers) RunArchived(c *fiber.Ctx) error {
	err := h.mon.RunArchived(c.Params("queue"), c.Params("id"))
	if errors.Is(err, ErrNotFound) {
		return apperr.NotFound("%v", err)
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
