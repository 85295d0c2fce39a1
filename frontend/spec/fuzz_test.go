package spec_test

import (
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// FuzzLoad checks that no input makes Load or Resolve panic, and that every
// error names the spec file. Run it with go test -fuzz=FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		validSpec,
		"",
		"version: 1\n",
		"version: 1\nfinal: &f\n  <<: *f\n",
		"version: 1\nx-a: &a {ldflags: -s}\nbuilder: {go: {tools: [{<<: *a, module: a.b/c}]}}\n",
		"version: 1\nargs: {A: x}\nname: ${A}$${B}${\n",
		"version: 1\nplatforms: [linux/arm/v7, ',']\nfinal: {expose: [0-65536/udp]}\n",
		"version: 1\nfinal: {env: {PATH: '/x:${PATH}'}, apt: {packages: [a]}}\n",
		"- [a, {b: *c}]\n",
		"version: !!binary AAAA\nname: !!map {}\n",
		"{version: 1, version: 1, <<: [{}, []]}\n",
		"version: 1\nfinal: {locale: x_Y.Z@a, run: [{name: a, shell: '${B}', secrets: ['']}]}\n" +
			"tests: [{name: t, run: x, expect: '(', exit: 256}, {exit: -1}]\n",
	} {
		f.Add(seed, "linux/amd64")
	}
	f.Fuzz(func(t *testing.T, doc, arg string) {
		const name = "fuzz.yaml"
		file, err := spec.Load(name, []byte(doc))
		if err != nil {
			if !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("Load(%q) = %q, want it to start with %q", doc, err, name)
			}
			return
		}
		build := map[string]string{}
		for k := range file.Spec.Args {
			build[k] = arg
		}
		file.UnusedBuildArgs(build)
		for _, p := range []map[string]string{nil, spec.PredefinedArgs(arm64, amd64)} {
			_, err := file.Resolve(build, p)
			if err != nil && !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("Resolve(%q) = %q, want it to start with %q", doc, err, name)
			}
		}
	})
}
