package examples

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestExamplesMatchSchema validates every example, every shipped variant and
// every spec they extend against the committed JSON schema, which editors
// use, and checks that each of them names it on its second line.
func TestExamplesMatchSchema(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../schema/variant.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("variant.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("variant.schema.json")
	if err != nil {
		t.Fatalf("Compile(schema) = %v", err)
	}
	for doc, valid := range map[string]bool{
		"version: 1\nx-anchor: {a: 1}\nfinal: {expose: [22], x-note: n}\n": true,
		"version: 1\nfinal: {bse: ubuntu:jammy}\n":                         false,
		"final: {base: ubuntu:jammy}\n":                                    false,
		"version: 1\nbuilder: {go: {tools: [{module: a.b/c}]}}\n":          false,
	} {
		if err := validate(sch, []byte(doc)); (err == nil) != valid {
			t.Errorf("Validate(%q) = %v, want valid %v", doc, err, valid)
		}
	}
	specs, err := filepath.Glob("*/*.yaml")
	variants, verr := filepath.Glob("../variants/*/*.yaml")
	if err != nil || verr != nil || len(specs) == 0 || len(variants) == 0 {
		t.Fatalf("no examples or variants found: %v %v", err, verr)
	}
	specs = append(specs, variants...)
	for _, name := range specs {
		dt, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(dt), "\n", 3)
		const want = "# yaml-language-server: $schema=../../schema/variant.schema.json"
		if filepath.Base(name) == "variant.yaml" && (len(lines) < 2 || lines[1] != want) {
			t.Errorf("%s: second line = %q, want %q", name, lines[1], want)
		}
		if err := validate(sch, dt); err != nil {
			t.Errorf("%s does not match the schema: %v", name, err)
		}
	}
}

// validate checks a YAML document against the schema.
func validate(sch *jsonschema.Schema, doc []byte) error {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return err
	}
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
