package web

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
)

// buildOpenAPI derives the OpenAPI 3 document from the route table, with
// schemas reflected from the shared/api types, so it cannot drift from the
// routes that are actually served.
func buildOpenAPI(routes []Route) ([]byte, error) {
	g := schemaGen{schemas: map[string]any{}}
	errRef := g.ref(reflect.TypeOf(api.ErrorBody{}))
	paths := map[string]map[string]any{}
	for _, r := range routes {
		p := openAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     r.Doc.Summary,
			"operationId": operationID(r.Method, r.Path),
		}
		if r.Doc.Tag != "" {
			op["tags"] = []string{r.Doc.Tag}
		}
		var params []any
		for _, name := range pathParams(r.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Doc.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required,
				"description": q.Description, "schema": map[string]any{"type": typ}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Doc.Request != nil {
			ct := r.Doc.Consumes
			if ct == "" {
				ct = "application/json"
			}
			op["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{ct: map[string]any{"schema": g.schemaOf(reflect.TypeOf(r.Doc.Request))}}}
		}
		status := r.Doc.Status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{"description": "success"}
		if r.Doc.Response != nil {
			ct := r.Doc.Produces
			if ct == "" {
				ct = "application/json"
			}
			resp["content"] = map[string]any{ct: map[string]any{"schema": g.schemaOf(reflect.TypeOf(r.Doc.Response))}}
		}
		errResp := func(desc string) map[string]any {
			return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
		}
		responses := map[string]any{fmt.Sprint(status): resp, "default": errResp("error")}
		if r.Access != public {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
			responses["401"] = errResp("no valid credential")
		}
		if r.Access == permitted {
			responses["403"] = errResp("the caller's role lacks " + r.Perm.String())
			op["x-permission"] = r.Perm.String()
		}
		op["responses"] = responses
		paths[p][strings.ToLower(r.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Manifold API", "version": "1",
			"description": "Order management for manufacturers selling on several channels. Errors use one envelope: {\"error\":{\"code\",\"message\"}}."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "API token (mfd_...)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "manifold_session", "description": "console session; unsafe requests also need X-CSRF-Token"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// openAPIPath turns /users/:id into /users/{id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + strings.TrimPrefix(s, ":") + "}"
		}
	}
	return strings.Join(parts, "/")
}

func pathParams(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if strings.HasPrefix(s, ":") {
			out = append(out, strings.TrimPrefix(s, ":"))
		}
	}
	return out
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, s := range strings.Split(strings.TrimPrefix(path, api.Version), "/") {
		s = strings.TrimPrefix(s, ":")
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// schemaGen reflects Go types into OpenAPI schemas, naming struct types as
// components.
type schemaGen struct {
	schemas map[string]any
}

func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name := t.Name()
	if _, ok := g.schemas[name]; !ok {
		g.schemas[name] = map[string]any{} // placeholder breaks recursion
		g.schemas[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeFor[json.RawMessage]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schemaOf(t.Elem())
		if _, isRef := s["$ref"]; isRef {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return g.ref(t)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		props[name] = g.schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}
