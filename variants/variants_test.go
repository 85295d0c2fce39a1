// Package variants holds the shipped variants: general, and cloud and rice,
// which extend it. They pin tools that only GitHub and the public module
// proxy serve, so this test does not build them: it loads and merges each
// one, converts it to LLB for linux/amd64 and linux/arm64 against a stand-in
// for the GitHub API, and compares the merged spec and its lint findings
// with a golden file. `go test ./variants -update` rewrites the golden files.
package variants

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/lint"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// golden is what a variant's golden file holds: the merged spec, what
// --call=check reports, and what each platform's build reads.
type golden struct {
	Spec     *spec.Spec          `json:"spec"`
	Findings []string            `json:"findings"`
	Sources  map[string][]string `json:"sources"`
}

func TestVariants(t *testing.T) {
	t.Parallel()
	gh, err := loadReleases("testdata/releases.json")
	if err != nil {
		t.Fatal(err)
	}
	read := func(p string) ([]byte, error) { return os.ReadFile(filepath.Join("..", p)) }
	for _, name := range []string{"general", "cloud", "rice"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := "variants/" + name + "/variant.yaml"
			dt, err := read(p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := spec.LoadAll(p, dt, read)
			if err != nil {
				t.Fatalf("LoadAll(%s) = %v", p, err)
			}
			conv, err := fixtures.Convert(context.Background(), f, nil, gh.fetch)
			if err != nil {
				t.Fatalf("Convert(%s) = %v", p, err)
			}
			got := golden{Spec: &f.Spec, Findings: findings(f, conv[0].Spec),
				Sources: map[string][]string{}}
			for i, c := range conv {
				checkPinned(t, c.Spec)
				plat := platforms.Format(fixtures.Platforms[i])
				if got.Sources[plat], err = fixtures.Sources(c.Def); err != nil {
					t.Fatal(err)
				}
			}
			compareGolden(t, filepath.Join("testdata", name+".golden.json"), got)
		})
	}
}

// checkPinned fails for a Go tool or a release that is not pinned.
func checkPinned(t *testing.T, s *spec.Spec) {
	t.Helper()
	for _, tool := range s.Builder.Go.Tools {
		if tool.Version == "latest" {
			t.Errorf("Go tool %s is not pinned", tool.Module)
		}
	}
	for _, r := range s.Builder.Releases {
		if r.Version == "latest" {
			t.Errorf("release %s is not pinned", r.Name)
		}
	}
}

// findings runs the lint rules for both platforms, as --call=check does.
func findings(f *spec.File, s *spec.Spec) []string {
	out := []string{}
	for _, fd := range lint.Check(f, s, []string{"linux/amd64", "linux/arm64"}) {
		pos := f.Pos(fd.Field)
		file := cmp.Or(pos.File, f.Name)
		out = append(out, fmt.Sprintf("%s:%d: %s: %s", file, pos.Line, fd.Rule.Name, fd.Detail))
	}
	return out
}

func compareGolden(t *testing.T, path string, got golden) {
	t.Helper()
	dt, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	dt = append(dt, '\n')
	if *update {
		if err := os.WriteFile(path, dt, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./variants -update", err)
	}
	if !bytes.Equal(dt, want) {
		t.Errorf("merged spec and findings differ from %s; run go test ./variants -update "+
			"and review the diff. Got:\n%s", path, dt)
	}
}

// releases stands in for the GitHub API: it knows the asset names of each
// release the variants pin, by owner/name@tag.
type releases map[string][]string

func loadReleases(path string) (releases, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(dt, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := releases{}
	for key, v := range raw {
		if strings.HasPrefix(key, "_") {
			continue
		}
		var names []string
		if err := json.Unmarshal(v, &names); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, key, err)
		}
		r[key] = names
	}
	return r, nil
}

var (
	apiTag   = regexp.MustCompile(`^https://api\.github\.com/repos/([^/]+/[^/]+)/releases/tags/(.+)$`)
	download = regexp.MustCompile(`^https://github\.com/([^/]+/[^/]+)/releases/download/([^/]+)/(.+)$`)
)

// fetch answers release lookups by tag and downloads of checksum lists.
func (r releases) fetch(_ context.Context, u string) ([]byte, error) {
	if m := apiTag.FindStringSubmatch(u); m != nil {
		names, ok := r[m[1]+"@"+m[2]]
		if !ok {
			return nil, fmt.Errorf("GET %s: 404 Not Found", u)
		}
		base := "https://github.com/" + m[1] + "/releases/download/" + m[2] + "/"
		return fixtures.ReleaseJSON(m[2], base, names)
	}
	if m := download.FindStringSubmatch(u); m != nil {
		return r.checksums(m[1]+"@"+m[2], m[3])
	}
	return nil, fmt.Errorf("GET %s: not a release lookup or a release download", u)
}

// checksums serves a checksum list in sha256sum's format: for a list named
// X.sha256 the sum of X, else the sums of every other asset of the release.
func (r releases) checksums(key, name string) ([]byte, error) {
	names, ok := r[key]
	if !ok || !slices.Contains(names, name) {
		return nil, fmt.Errorf("%s has no asset %s", key, name)
	}
	covered := slices.Sorted(slices.Values(names))
	if file, ok := strings.CutSuffix(name, ".sha256"); ok {
		covered = []string{file}
	}
	var b strings.Builder
	for _, n := range covered {
		if n != name {
			fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256([]byte(n)), n)
		}
	}
	return []byte(b.String()), nil
}
