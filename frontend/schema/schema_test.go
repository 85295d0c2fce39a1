package schema_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/schema"
)

var update = flag.Bool("update", false, "write the generated schema to "+committed)

const committed = "../../schema/variant.schema.json"

// TestSchemaIsCurrent fails when the committed schema differs from what the
// spec types generate; `go test ./frontend/schema -update` rewrites it.
func TestSchemaIsCurrent(t *testing.T) {
	got, err := schema.Generate("../spec")
	if err != nil {
		t.Fatalf("Generate() = %v", err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test ./frontend/schema -update", committed)
	}
}

func TestSchemaDescribesFields(t *testing.T) {
	dt, err := schema.Generate("../spec")
	if err != nil {
		t.Fatalf("Generate() = %v", err)
	}
	var s struct {
		Defs map[string]struct {
			Required   []string `json:"required"`
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
			Additional *bool `json:"additionalProperties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(dt, &s); err != nil {
		t.Fatal(err)
	}
	spec, ok := s.Defs["Spec"]
	if !ok {
		t.Fatalf("Generate() has no Spec definition")
	}
	if d := spec.Properties["version"].Description; d == "" {
		t.Errorf("Spec.version has no description")
	}
	if spec.Additional == nil || *spec.Additional {
		t.Errorf("Spec allows unknown keys, want additionalProperties false")
	}
	for name, def := range s.Defs {
		for field, p := range def.Properties {
			if p.Description == "" {
				t.Errorf("%s.%s has no description: add a doc comment to the field", name, field)
			}
		}
	}
	if tool := s.Defs["GoTool"]; len(tool.Required) != 2 {
		t.Errorf("GoTool requires %v, want module and version", tool.Required)
	}
}
