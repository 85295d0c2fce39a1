//go:build integration

package integration

import (
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// TestGitHubReleases builds the github example against the suite's fake
// GitHub API for both platforms; its tests run both executables.
func TestGitHubReleases(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "github"))
	ref := uniqueRef("github")
	buildctl(t, dir, "--opt", "build-arg:GITHUB_API="+env.fixtures.URL+"/github/api",
		"--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	for plat, img := range readIndex(t, ref, execDir) {
		arch := strings.TrimPrefix(plat, "linux/")
		for _, name := range []string{"hello-latest", "hello-tag"} {
			p := "opt/executables/" + name
			if m, err := elfMachine(img.content[p]); err != nil || m != machines[arch] {
				t.Errorf("%s: %s: machine %v, err %v", plat, p, m, err)
			}
		}
	}
}

// TestGitHubLatestInvalidates checks that a new upstream release is built
// and an unchanged one is taken from the cache.
func TestGitHubLatestInvalidates(t *testing.T) {
	last := fixtures.Versions[len(fixtures.Versions)-1]
	defer env.fixtures.SetLatest(last)
	dir := specDir(t, exampleSpec(t, "github"))
	flags := []string{"--opt", "build-arg:GITHUB_API=" + env.fixtures.URL + "/github/api",
		"--opt", "platform=linux/amd64"}
	// The extract step runs again only when the download's content changed.
	name := func(v string) string {
		return "[linux/amd64 release] extract hello_" + v + "/bin/hello from hello_" + v +
			"_linux_x86_64.tar.gz"
	}
	env.fixtures.SetLatest("1.0.0")
	buildctl(t, dir, flags...)
	if v := vertex(t, buildctl(t, dir, flags...), name("1.0.0")); !v.Cached {
		t.Errorf("%s ran again although the release did not change", v.Name)
	}
	if err := env.fixtures.Publish(last); err != nil {
		t.Fatal(err)
	}
	if v := vertex(t, buildctl(t, dir, flags...), name(last)); v.Cached {
		t.Errorf("%s was taken from the cache for a new release", v.Name)
	}
}

func TestGitHubFaults(t *testing.T) {
	release := func(asset string) string {
		return "version: 1\nname: faults\nbuilder:\n  releases:\n    - name: hello\n" +
			"      github: acme/hello\n      version: v1.0.0\n" +
			"      api: " + env.fixtures.URL + "/github/api\n" +
			"      asset: '" + asset + "'\nfinal:\n  base: debian:bookworm\n"
	}
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"no asset", release(`hello_${VERSION}_windows\.zip`),
			[]string{"builder.releases[0].asset", "matches no asset of release v1.0.0 for amd64",
				"hello_1.0.0_linux_x86_64.tar.gz"}},
		{"several assets", release(`hello_${VERSION}_linux_.*`),
			[]string{"builder.releases[0].asset", "matches 14 assets of release v1.0.0"}},
		{"unknown tag", strings.Replace(release("x"), "v1.0.0", "v9.9.9", 1),
			[]string{"builder.releases[0].github", "releases/tags/v9.9.9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := specDir(t, tt.spec)
			out := runFail(t, "buildctl", "build", "--frontend", "dockerfile.v0",
				"--local", "context="+dir, "--local", "dockerfile="+dir,
				"--opt", "filename=variant.yaml", "--opt", "platform=linux/amd64")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(out))
				}
			}
		})
	}
}
