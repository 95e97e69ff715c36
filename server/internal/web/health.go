package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

type health struct {
	db  *db.DB
	rdb *redis.Client
}

// live answers GET /healthz: the process is up.
func (h health) live(c *fiber.Ctx) error { return c.JSON(api.Health{Status: "ok"}) }

// ready answers GET /readyz: PostgreSQL and Redis answer.
func (h health) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "redis": "ok"}
	status := fiber.StatusOK
	if err := h.db.Ping(ctx); err != nil {
		checks["postgres"] = "unreachable"
		status = fiber.StatusServiceUnavailable
	}
	if err := h.rdb.Ping(ctx).Err(); err != nil {
		checks["redis"] = "unreachable"
		status = fiber.StatusServiceUnavailable
	}
	out := api.Health{Status: "ok", Checks: checks}
	if status != fiber.StatusOK {
		out.Status = "unavailable"
	}
	return c.Status(status).JSON(out)
}
