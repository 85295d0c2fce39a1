package gateway_test

import (
	"slices"
	"strings"
	"testing"

	intoto "github.com/in-toto/in-toto-golang/in_toto"
)

const scanner = "registry.example/scanner:1"

// scanSteps returns, for every submitted build that runs the scanner, its
// progress name and the paths it mounts.
func scanSteps(t *testing.T, s *stub) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, def := range s.builds {
		for _, st := range steps(t, def) {
			ex := st.op.GetExec()
			if ex == nil || !slices.Equal(ex.Meta.Args, []string{"/scan"}) {
				continue
			}
			var dests []string
			for _, m := range ex.Mounts {
				dests = append(dests, m.Dest)
			}
			slices.Sort(dests)
			out[st.name] = dests
		}
	}
	return out
}

func TestBuildSBOM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  map[string]string
		mount []string
	}{
		{
			name:  "image only",
			opts:  map[string]string{"attest:sbom": "generator=" + scanner},
			mount: []string{"/", "/run/out/", "/run/src/core/sbom", "/tmp"},
		},
		{
			name: "with the builder stage",
			opts: map[string]string{"attest:sbom": "generator=" + scanner,
				"build-arg:BUILDKIT_SBOM_SCAN_STAGE": "true"},
			mount: []string{"/", "/run/out/", "/run/src/core/sbom",
				"/run/src/extras/sbom-builder", "/tmp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, res, err := build(variant, tt.opts)
			if err != nil {
				t.Fatalf("Build() = %v", err)
			}
			for _, id := range []string{"linux/amd64", "linux/arm64"} {
				atts := res.Attestations[id]
				if len(atts) != 1 || atts[0].InToto.PredicateType != intoto.PredicateSPDX {
					t.Errorf("attestations for %s = %+v, want one SPDX bundle", id, atts)
				}
			}
			scans := scanSteps(t, s)
			if len(scans) != 2 {
				t.Fatalf("scanner runs = %v, want one per platform", scans)
			}
			for name, mounts := range scans {
				if !strings.Contains(name, scanner) || !slices.Equal(mounts, tt.mount) {
					t.Errorf("scan %q mounts %q, want %q", name, mounts, tt.mount)
				}
			}
		})
	}
}

func TestBuildWithoutSBOMRequest(t *testing.T) {
	t.Parallel()
	s, res, err := build(variant, nil)
	if err != nil {
		t.Fatalf("Build() = %v", err)
	}
	if len(res.Attestations) != 0 || len(scanSteps(t, s)) != 0 {
		t.Errorf("attestations = %v, scans = %v; want none without a request",
			res.Attestations, scanSteps(t, s))
	}
}

func TestBuildSBOMGeneratorWithoutCommand(t *testing.T) {
	t.Parallel()
	_, _, err := build(variant, map[string]string{"attest:sbom": "generator=example/plain:1"})
	if err == nil || !strings.Contains(err.Error(),
		"SBOM generator docker.io/example/plain:1: scanner docker.io/example/plain:1 does not have cmd") {
		t.Errorf("Build() = %v, want an error naming the generator", err)
	}
}
