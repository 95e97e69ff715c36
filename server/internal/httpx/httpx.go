// Package httpx holds the small request and response helpers every domain
// package's HTTP handlers share: strict JSON binding with errors a person can
// act on, path parameters, and the request id.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
)

// RequestIDKey is the Locals key of the request id.
const RequestIDKey = "request_id"

// RequestID returns the request's id.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(RequestIDKey).(string)
	return id
}

// BindJSON decodes the request body into v. It requires a JSON content type,
// rejects unknown fields and trailing data, and names the problem precisely.
func BindJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return &UnsupportedMediaType{Got: ct}
	}
	return DecodeJSON(c.Body(), v)
}

// DecodeJSON strictly decodes one JSON value from body into v.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.Invalid("request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Invalid("%s", describeJSONError(err, body))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Invalid("request body has data after the JSON value; send exactly one JSON object")
	}
	return nil
}

func describeJSONError(err error, body []byte) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(body, syn.Offset)
		return fmt.Sprintf("request body is not valid JSON: %s at line %d, column %d", syn.Error(), line, col)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Sprintf("request body must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("field %q must be %s, not %s", field, jsonKind(typ.Type.String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "request body is not valid JSON: it ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	default:
		return "request body is not valid JSON: " + err.Error()
	}
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"), goType == "slice":
		return "an array"
	case goType == "struct", strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		return "an object"
	}
	return goType
}

func position(body []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(body)); i++ {
		if body[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// UnsupportedMediaType is returned for a body that is not JSON.
type UnsupportedMediaType struct{ Got string }

func (e *UnsupportedMediaType) Error() string {
	if e.Got == "" {
		return "missing Content-Type; send the body as application/json"
	}
	return fmt.Sprintf("Content-Type %q is not supported; send the body as application/json", e.Got)
}

// ParamUUID returns the path parameter name as a UUID, or an error naming it.
func ParamUUID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	raw := c.Params(name)
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, apperr.Invalid("%s %q is not a valid id (a UUID is expected)", name, raw)
	}
	return id, nil
}

// QueryLimit reads ?limit=, defaulting to def and refusing values outside 1..most.
func QueryLimit(c *fiber.Ctx, def, most int) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > most {
		return 0, apperr.Invalid("limit %q must be a whole number from 1 to %d", raw, most)
	}
	return n, nil
}
