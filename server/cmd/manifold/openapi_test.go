package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

func fetchOpenAPI(t *testing.T, h *harness) openAPIDoc {
	t.Helper()
	resp, err := http.Get(h.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc openAPIDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIDescribesEveryServedRoute compares the document with what the
// router actually serves, in both directions.
func TestOpenAPIDescribesEveryServedRoute(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	doc := fetchOpenAPI(t, h)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, r := range h.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "OPTIONS" || r.Method == "CONNECT" || r.Method == "TRACE" ||
			!(strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/webhooks/") || r.Path == "/healthz" || r.Path == "/readyz") {
			continue
		}
		served[strings.ToLower(r.Method)+" "+openAPIPathOf(r.Path)] = true
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[m+" "+p] = true
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("served but not in the OpenAPI document: %s", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("in the OpenAPI document but not served: %s", k)
		}
	}
	if len(served) < 20 {
		t.Fatalf("only %d routes served", len(served))
	}
}

// TestOpenAPISchemasMatchRealResponses validates real answers against the
// schemas the document gives for them.
func TestOpenAPISchemasMatchRealResponses(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	doc := fetchOpenAPI(t, h)
	ctx := context.Background()
	admin := h.newTenant(domain.RoleOwner)
	h.seedProduct(admin, "DOC-1", 4)
	o, err := admin.Client.CreateOrder(ctx, api.CreateOrderRequest{CustomerName: "Doc", ShipTo: api.Address{Name: "Doc", Line1: "1 A St",
		City: "Reno", PostalCode: "89501", Country: "US"}, Lines: []api.OrderLineInput{{SKU: "DOC-1", Quantity: 1, UnitPrice: "2.50"}}})
	if err != nil {
		t.Fatal(err)
	}
	gets := []struct{ path, docPath string }{
		{"/api/v1/me", "/api/v1/me"},
		{"/api/v1/users", "/api/v1/users"},
		{"/api/v1/tokens", "/api/v1/tokens"},
		{"/api/v1/orders", "/api/v1/orders"},
		{"/api/v1/orders/" + o.ID, "/api/v1/orders/{id}"},
		{"/api/v1/stock/DOC-1", "/api/v1/stock/{sku}"},
		{"/api/v1/stock/DOC-1/ledger", "/api/v1/stock/{sku}/ledger"},
		{"/api/v1/pick-queue", "/api/v1/pick-queue"},
		{"/api/v1/mappings", "/api/v1/mappings"},
		{"/api/v1/allocation-policy", "/api/v1/allocation-policy"},
		{"/api/v1/nothing", ""},
	}
	for _, g := range gets {
		req, _ := http.NewRequest("GET", h.URL+g.path, nil)
		req.Header.Set("Authorization", "Bearer "+admin.Client.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var value any
		if err := json.Unmarshal(body, &value); err != nil {
			t.Fatalf("%s: answer is not JSON: %s", g.path, body)
		}
		schema := map[string]any{"$ref": "#/components/schemas/ErrorBody"}
		if g.docPath != "" {
			var op struct {
				Responses map[string]struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(doc.Paths[g.docPath]["get"], &op); err != nil {
				t.Fatalf("%s: %v", g.docPath, err)
			}
			schema = op.Responses[fmt.Sprint(resp.StatusCode)].Content["application/json"].Schema
			if schema == nil {
				t.Fatalf("%s answered %d, which the document does not describe", g.path, resp.StatusCode)
			}
		}
		if errs := validate(doc, schema, value, "$"); len(errs) > 0 {
			t.Errorf("%s does not match its schema:\n  %s", g.path, strings.Join(errs, "\n  "))
		}
	}
}

// validate checks value against the subset of JSON Schema the document uses.
func validate(doc openAPIDoc, schema map[string]any, value any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s, ok := doc.Components.Schemas[name]
		if !ok {
			return []string{at + ": unknown schema " + name}
		}
		return validate(doc, s, value, at)
	}
	if all, ok := schema["allOf"].([]any); ok {
		if value == nil && schema["nullable"] == true {
			return nil
		}
		var errs []string
		for _, s := range all {
			errs = append(errs, validate(doc, s.(map[string]any), value, at)...)
		}
		return errs
	}
	if value == nil {
		if schema["nullable"] == true || len(schema) == 0 {
			return nil
		}
		return []string{at + ": null where the schema does not allow it"}
	}
	var errs []string
	switch schema["type"] {
	case "object":
		obj, ok := value.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", at, value)}
		}
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, present := obj[r.(string)]; !present {
					errs = append(errs, at+": missing required "+r.(string))
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(doc, ps, obj[k], at+"."+k)...)
			} else if add, ok := schema["additionalProperties"].(map[string]any); ok {
				errs = append(errs, validate(doc, add, obj[k], at+"."+k)...)
			} else if props != nil {
				errs = append(errs, at+": property "+k+" is not in the schema")
			}
		}
	case "array":
		arr, ok := value.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an array, got %T", at, value)}
		}
		items, _ := schema["items"].(map[string]any)
		for i, v := range arr {
			errs = append(errs, validate(doc, items, v, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := value.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: want a string, got %T", at, value))
		}
	case "integer":
		if f, ok := value.(float64); !ok || f != float64(int64(f)) {
			errs = append(errs, fmt.Sprintf("%s: want an integer, got %v", at, value))
		}
	case "number":
		if _, ok := value.(float64); !ok {
			errs = append(errs, fmt.Sprintf("%s: want a number, got %T", at, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: want a boolean, got %T", at, value))
		}
	}
	return errs
}

func openAPIPathOf(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + strings.TrimPrefix(s, ":") + "}"
		}
	}
	return strings.Join(parts, "/")
}
