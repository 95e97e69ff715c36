package web

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/shared/api"
)

// errorHandler is the one place domain errors become HTTP statuses and the
// error envelope.
func errorHandler(log *slog.Logger, bodyLimit int) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, code, msg := classify(c, err, bodyLimit)
		if status >= 500 {
			log.Error("request failed", slog.String("request_id", httpx.RequestID(c)),
				slog.String("method", c.Method()), slog.String("route", routeOf(c)), slog.String("err", err.Error()))
		}
		if e, ok := apperr.As(err); ok && e.Kind == apperr.KindRateLimited {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfterSeconds))
		}
		return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg, RequestID: httpx.RequestID(c)}})
	}
}

func classify(c *fiber.Ctx, err error, bodyLimit int) (int, string, string) {
	var media *httpx.UnsupportedMediaType
	if errors.As(err, &media) {
		return fiber.StatusUnsupportedMediaType, api.CodeUnsupportedType, media.Error()
	}
	if e, ok := apperr.As(err); ok {
		switch e.Kind {
		case apperr.KindInvalid:
			return fiber.StatusBadRequest, api.CodeValidation, e.Message
		case apperr.KindUnauthenticated:
			return fiber.StatusUnauthorized, api.CodeUnauthenticated, e.Message
		case apperr.KindForbidden:
			return fiber.StatusForbidden, api.CodeForbidden, e.Message
		case apperr.KindNotFound:
			return fiber.StatusNotFound, api.CodeNotFound, e.Message
		case apperr.KindConflict:
			return fiber.StatusConflict, api.CodeConflict, e.Message
		case apperr.KindRateLimited:
			return fiber.StatusTooManyRequests, api.CodeRateLimited, e.Message
		case apperr.KindUnavailable:
			return fiber.StatusServiceUnavailable, api.CodeUnavailable, e.Message
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return fe.Code, api.CodeNotFound, fmt.Sprintf("no such endpoint: %s %s", c.Method(), c.Path())
		case fiber.StatusMethodNotAllowed:
			return fe.Code, api.CodeBadRequest, fmt.Sprintf("method %s is not allowed on %s", c.Method(), c.Path())
		case fiber.StatusRequestEntityTooLarge:
			return fe.Code, api.CodeTooLarge, fmt.Sprintf("request body is larger than the limit of %d bytes", bodyLimit)
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return fe.Code, api.CodeBadRequest, fe.Message
		}
	}
	return fiber.StatusInternalServerError, api.CodeInternal, "internal error; quote the request id when reporting it"
}

func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	return c.Path()
}
