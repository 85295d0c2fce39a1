package lint_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/lint"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

// check loads a spec and returns its findings as "Rule field" strings.
func check(t *testing.T, doc string, platforms ...string) []string {
	t.Helper()
	f, err := spec.Load("v.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	s, err := f.Resolve(nil, spec.PredefinedArgs(amd64, amd64))
	if err != nil {
		t.Fatalf("Resolve() = %v", err)
	}
	var got []string
	for _, fd := range lint.Check(f, s, platforms) {
		got = append(got, fd.Rule.Name+" "+fd.Field)
		if fd.Detail == "" {
			t.Errorf("%s at %s has no detail", fd.Rule.Name, fd.Field)
		}
	}
	return got
}

const pinned = "debian@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestRules(t *testing.T) {
	t.Parallel()
	sum := strings.Repeat("a", 64)
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"clean", lines("version: 1", "final: {base: '"+pinned+"'}"), nil},
		{"unpinned go tool and release", lines("version: 1",
			"builder:",
			"  go: {image: '"+pinned+"', tools: [{module: a.b/c, version: latest}]}",
			"  releases:",
			"    - {name: r, version: latest, github: o/r, asset: 'r.*', checksums: 's'}",
			"final: {base: '"+pinned+"'}"),
			[]string{"UnpinnedVersion builder.go.tools[0].version",
				"UnpinnedVersion builder.releases[0].version"}},
		{"release without checksum", lines("version: 1",
			"builder:",
			"  releases:",
			"    - {name: r, version: '1', url: 'https://x/r', sha256: {linux/amd64: "+sum+"}}",
			"final: {base: '"+pinned+"'}"),
			[]string{"ReleaseWithoutChecksum builder.releases[0]"}},
		{"file without checksum", lines("version: 1",
			"final: {base: '"+pinned+"', files: [{url: 'https://x/f', path: /f}]}"),
			[]string{"FileWithoutChecksum final.files[0]"}},
		{"images not pinned", lines("version: 1",
			"builder:",
			"  go: {tools: [{module: a.b/c, version: v1.0.0}]}",
			"  sources: [{name: s, git: 'https://x/s.git', ref: v1, image: 'g:1', run: x}]",
			"final: {base: 'ubuntu:jammy'}"),
			[]string{"ImageNotPinned builder.go.image", "ImageNotPinned builder.sources[0].image",
				"ImageNotPinned final.base"}},
		{"branch ref", lines("version: 1",
			"builder:",
			"  sources:",
			"    - {name: a, git: 'https://x/a.git', ref: main, image: '"+pinned+"', run: x}",
			"    - {name: b, git: 'https://x/b.git', ref: v1.2.3, image: '"+pinned+"', run: x}",
			"    - {name: c, git: 'https://x/c.git', ref: "+strings.Repeat("c", 40)+
				", image: '"+pinned+"', run: x}",
			"final: {base: '"+pinned+"'}"),
			[]string{"BranchRef builder.sources[0].ref"}},
		{"pip", lines("version: 1",
			"final: {base: '"+pinned+"', pip: {venv: /v, packages: [a, b==1.0, 'c>=2']}}"),
			[]string{"UnpinnedPipPackage final.pip.packages[0]",
				"UnpinnedPipPackage final.pip.packages[2]"}},
		{"apt", lines("version: 1",
			"builder: {go: {image: '"+pinned+"', tools: [{module: a.b/jq, version: v1.0.0}]}}",
			"final: {base: '"+pinned+"', apt: {packages: [jq, curl, 'jq=1.6']}}"),
			[]string{"DuplicatePackage final.apt.packages[2]",
				"ExecutableShadowsPackage builder.go.tools[0]"}},
		{"run steps", lines("version: 1",
			"final:",
			"  base: '"+pinned+"'",
			"  run:",
			"    - {name: a, shell: curl -fsSL https://x/i.sh | sh}",
			"    - {name: b, shell: 'wget https://x/t && sha256sum -c t.sha256'}"),
			[]string{"UnverifiedDownloadInRun final.run[0].shell"}},
		{"args", lines("version: 1",
			"args: {USED: '"+pinned+"', SHELL_USED: x, UNUSED: y, VERSION: '1.0'}",
			"final: {base: '${USED}', run: [{name: a, shell: echo $SHELL_USED}]}"),
			[]string{"UnusedArg args.UNUSED"}},
		{"secret in env", lines("version: 1",
			"final: {base: '"+pinned+"', env: {GITHUB_TOKEN: x, TERM: xterm}}"),
			[]string{"SecretInEnv final.env.GITHUB_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := check(t, tt.doc, "linux/amd64", "linux/arm64")
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRulesAreDocumented(t *testing.T) {
	t.Parallel()
	if len(lint.Rules) < 10 {
		t.Errorf("there are %d rules, want at least 10", len(lint.Rules))
	}
	seen := map[string]bool{}
	for _, r := range lint.Rules {
		if seen[r.Name] || r.Description == "" {
			t.Errorf("rule %q is duplicated or has no description", r.Name)
		}
		seen[r.Name] = true
		want := lint.DocsURL + "#" + strings.ToLower(r.Name)
		if r.URL() != want {
			t.Errorf("%s.URL() = %q, want %q", r.Name, r.URL(), want)
		}
	}
}

func ExampleCheck() {
	doc := lines("version: 1", "builder:", "  go:",
		"    tools: [{module: github.com/mikefarah/yq/v4, version: latest}]",
		"final: {base: 'ubuntu:jammy'}")
	f, _ := spec.Load("v.yaml", []byte(doc))
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	s, _ := f.Resolve(nil, spec.PredefinedArgs(amd64, amd64))
	for _, fd := range lint.Check(f, s, []string{"linux/amd64"}) {
		fmt.Printf("%s %s:%d: %s\n", fd.Rule.Name, f.Name, f.Pos(fd.Field).Line, fd.Detail)
	}
	// Output:
	// UnpinnedVersion v.yaml:4: github.com/mikefarah/yq/v4 is installed at latest; pin a version such as v1.2.3
	// ImageNotPinned v.yaml:4: golang:1.26 may change under the same tag; pin it as golang:1.26@sha256:<digest>
	// ImageNotPinned v.yaml:5: ubuntu:jammy may change under the same tag; pin it as ubuntu:jammy@sha256:<digest>
}
