// Package schema generates the JSON schema of the variant spec from the spec
// package's types, with their doc comments as descriptions, so that editors
// complete and check specs. The schema is committed; a test fails when it
// is stale.
package schema

import (
	"encoding/json"
	"reflect"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/invopop/jsonschema"
)

// ID is the schema's identifier.
const ID = "https://github.com/cst-frontend/cst-frontend/schema/variant.schema.json"

// Generate returns the schema. specDir is the spec package's source
// directory, where the descriptions are read from.
func Generate(specDir string) ([]byte, error) {
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments("github.com/cst-frontend/cst-frontend/frontend/spec",
		specDir); err != nil {
		return nil, err
	}
	s := r.Reflect(&spec.Spec{})
	s.ID = ID
	s.Title = "cst-frontend variant spec"
	for _, def := range s.Definitions {
		loosen(def)
	}
	dt, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(dt, '\n'), nil
}

// loosen makes a schema accept what the frontend's YAML decoder accepts:
// numbers where strings are wanted (expose: [22], mode: 0644), and keys
// starting with x- in every mapping of fields.
func loosen(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Type == "string" {
		s.Type = ""
		s.OneOf = []*jsonschema.Schema{{Type: "string"}, {Type: "number"}}
	}
	if s.Type == "object" && s.Properties != nil {
		if s.PatternProperties == nil {
			s.PatternProperties = map[string]*jsonschema.Schema{}
		}
		s.PatternProperties["^x-"] = &jsonschema.Schema{}
	}
	loosen(s.Items)
	if s.AdditionalProperties != nil && !reflect.DeepEqual(s.AdditionalProperties,
		jsonschema.FalseSchema) {
		loosen(s.AdditionalProperties)
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			loosen(p.Value)
		}
	}
}
