//go:build integration

package integration

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scanScript is an SBOM generator for the suite (BuildKit's own scanner
// image cannot be pulled here). It follows the generator protocol: it reads
// the image at BUILDKIT_SCAN_SOURCE, the builder stage under
// BUILDKIT_SCAN_SOURCE_EXTRAS when asked for, and writes an in-toto
// statement whose predicate lists the names of the executables it found.
const scanScript = `#!/bin/sh
set -eu
files() {
  [ -d "$1/$2" ] || return 0
  (cd "$1/$2" && find . -type f | sed 's|^\./||' | sort | sed 's/.*/"&"/' | paste -sd, -)
}
core=$(files "$BUILDKIT_SCAN_SOURCE" opt/executables)
stage=""
if [ -n "${BUILDKIT_SCAN_SOURCE_EXTRAS:-}" ]; then
  stage=$(files "$BUILDKIT_SCAN_SOURCE_EXTRAS/sbom-builder" .)
fi
printf '{"_type":"https://in-toto.io/Statement/v0.1",' > "$BUILDKIT_SCAN_DESTINATION/scan.spdx.json"
printf '"predicateType":"https://spdx.dev/Document","subject":[],' \
  >> "$BUILDKIT_SCAN_DESTINATION/scan.spdx.json"
printf '"predicate":{"spdxVersion":"SPDX-2.3","name":"cst-it","files":[%s],"stage":[%s]}}' \
  "$core" "$stage" >> "$BUILDKIT_SCAN_DESTINATION/scan.spdx.json"
`

// scannerImage builds the suite's SBOM generator image and pushes it.
func scannerImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"scan":       scanScript,
		"Dockerfile": "FROM debian:bookworm\nCOPY --chmod=755 scan /scan\nCMD [\"/scan\"]\n",
	}
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := uniqueRef("scanner")
	run(t, "buildctl", "build", "--frontend", "dockerfile.v0", "--local", "context="+dir,
		"--local", "dockerfile="+dir, "--opt", "platform=linux/amd64",
		"--output", pushOutput(ref))
	return ref
}

// statement is an in-toto statement from an attestation manifest.
type statement struct {
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// attestations reads every attestation manifest of a pushed index, by the
// platform of the image it describes.
func attestations(t *testing.T, ref string) map[string][]statement {
	t.Helper()
	idx, m := remoteIndex(t, ref)
	platformOf := map[string]string{}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			platformOf[d.Digest.String()] = d.Platform.OS + "/" + d.Platform.Architecture
		}
	}
	out := map[string][]statement{}
	for _, d := range m.Manifests {
		if d.Annotations["vnd.docker.reference.type"] != "attestation-manifest" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		plat := platformOf[d.Annotations["vnd.docker.reference.digest"]]
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			dt, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			var st statement
			if err := json.Unmarshal(dt, &st); err != nil {
				t.Fatalf("attestation layer of %s: %v", plat, err)
			}
			out[plat] = append(out[plat], st)
		}
	}
	return out
}

// predicates returns the predicates of one type, by platform.
func predicates(t *testing.T, ref, predicateType string) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for plat, sts := range attestations(t, ref) {
		for _, st := range sts {
			if st.PredicateType == predicateType {
				out[plat] = st.Predicate
			}
		}
	}
	if len(out) != 2 || out["linux/amd64"] == nil || out["linux/arm64"] == nil {
		t.Fatalf("%s attestations for %v, want linux/amd64 and linux/arm64", predicateType,
			slices.Sorted(maps.Keys(out)))
	}
	return out
}

// TestProvenanceRecordsSpec asks for max-mode provenance and finds the spec
// itself, and the frontend that read it, in each platform's attestation.
func TestProvenanceRecordsSpec(t *testing.T) {
	spec := exampleSpec(t, "go-tools")
	dir := specDir(t, spec)
	ref := uniqueRef("go-tools-provenance")
	buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "build-arg:CST_SKIP_TESTS=1", "--opt", "attest:provenance=mode=max",
		"--output", pushOutput(ref))
	for plat, pred := range predicates(t, ref, "https://slsa.dev/provenance/v1") {
		var p struct {
			BuildDefinition struct {
				ExternalParameters struct {
					ConfigSource struct {
						Path string `json:"path"`
					} `json:"configSource"`
				} `json:"externalParameters"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Metadata struct {
					BuildKit struct {
						Source struct {
							Infos []struct {
								Filename string `json:"filename"`
								Data     string `json:"data"`
							} `json:"infos"`
						} `json:"source"`
					} `json:"buildkit_metadata"`
				} `json:"metadata"`
			} `json:"runDetails"`
		}
		if err := json.Unmarshal(pred, &p); err != nil {
			t.Fatalf("%s: provenance: %v", plat, err)
		}
		if got := p.BuildDefinition.ExternalParameters.ConfigSource.Path; got != "variant.yaml" {
			t.Errorf("%s: provenance config source path = %q, want variant.yaml", plat, got)
		}
		var recorded []string
		for _, info := range p.RunDetails.Metadata.BuildKit.Source.Infos {
			data, err := base64.StdEncoding.DecodeString(info.Data)
			if err == nil && info.Filename == "variant.yaml" &&
				strings.Contains(string(data), spec) {
				recorded = append(recorded, info.Filename)
			}
		}
		if len(recorded) == 0 {
			t.Errorf("%s: provenance does not record the spec as a source; predicate:\n%s",
				plat, tail(string(pred)))
		}
	}
}

// TestSBOMGenerator asks for an SBOM with the suite's generator, scanning
// the builder stage too, and reads each platform's document back.
func TestSBOMGenerator(t *testing.T) {
	scanner := scannerImage(t)
	dir := specDir(t, exampleSpec(t, "go-tools"))
	ref := uniqueRef("go-tools-sbom")
	buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "build-arg:CST_SKIP_TESTS=1",
		"--opt", "build-arg:BUILDKIT_SBOM_SCAN_STAGE=true",
		"--opt", "attest:sbom=generator="+scanner,
		"--output", pushOutput(ref))
	for plat, pred := range predicates(t, ref, "https://spdx.dev/Document") {
		var doc struct {
			Files []string `json:"files"`
			Stage []string `json:"stage"`
		}
		if err := json.Unmarshal(pred, &doc); err != nil {
			t.Fatalf("%s: SBOM: %v", plat, err)
		}
		want := []string{"age", "yq"}
		if !slices.Equal(doc.Files, want) {
			t.Errorf("%s: the generator saw %q in the image, want %q", plat, doc.Files, want)
		}
		if !slices.Equal(doc.Stage, want) {
			t.Errorf("%s: the generator saw %q in the builder stage, want %q", plat, doc.Stage,
				want)
		}
	}
}
