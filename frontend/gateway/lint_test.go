package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	sublint "github.com/moby/buildkit/frontend/subrequests/lint"
)

// TestCheckNamesParentFiles checks that a finding in a spec that the entry
// spec extends names that file, in --call=check results and in build
// warnings, and that its location indexes the parent's source.
func TestCheckNamesParentFiles(t *testing.T) {
	t.Parallel()
	const parent = "variants/general.yaml"
	child := lines("version: 1", "extends: "+parent, "final:", "  base: debian:bookworm")
	parentDoc := lines("version: 1", "builder:", "  go:", "    tools:",
		"      - {module: github.com/mikefarah/yq/v4, version: latest}")
	newClient := func(opts map[string]string) *stub {
		s := newStub(child, opts)
		s.files[parent] = []byte(parentDoc)
		return s
	}

	req := map[string]string{"requestid": sublint.SubrequestLintDefinition.Name}
	res, err := gateway.Build(context.Background(), newClient(req))
	if err != nil {
		t.Fatalf("Build() check = %v, want no error", err)
	}
	var results sublint.LintResults
	if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
		t.Fatalf("Unmarshal(result.json) = %v", err)
	}
	var got []string
	for _, w := range results.Warnings {
		src := results.Sources[w.Location.SourceIndex].Filename
		got = append(got, fmt.Sprintf("%s %s:%d %s", w.RuleName, src,
			w.Location.Ranges[0].Start.Line, w.Detail))
	}
	want := []string{
		"UnpinnedVersion " + parent + ":5 github.com/mikefarah/yq/v4 is installed at latest; " +
			"pin a version such as v1.2.3 (in " + parent + ")",
		"ImageNotPinned " + specName + ":4 debian:bookworm may change under the same tag; " +
			"pin it as debian:bookworm@sha256:<digest>",
		"ImageNotPinned " + parent + ":4 golang:1.26 may change under the same tag; " +
			"pin it as golang:1.26@sha256:<digest> (in " + parent + ")",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Build() check = %q, want %q", got, want)
	}

	c := newClient(nil)
	if _, err := gateway.Build(context.Background(), c); err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	var msgs []string
	for _, w := range c.lintWarnings() {
		msgs = append(msgs, w.msg+" @ "+w.opts.SourceInfo.Filename)
	}
	wantMsgs := []string{
		"UnpinnedVersion: github.com/mikefarah/yq/v4 is installed at latest; pin a version " +
			"such as v1.2.3 (in " + parent + ") @ " + parent,
		"ImageNotPinned: debian:bookworm may change under the same tag; pin it as " +
			"debian:bookworm@sha256:<digest> @ " + specName,
		"ImageNotPinned: golang:1.26 may change under the same tag; pin it as " +
			"golang:1.26@sha256:<digest> (in " + parent + ") @ " + parent,
	}
	if !slices.Equal(msgs, wantMsgs) {
		t.Errorf("Build() lint warnings = %q, want %q", msgs, wantMsgs)
	}
}
