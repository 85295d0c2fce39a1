//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestFrontendImageLabels checks the labels BuildKit reads from the pushed
// frontend image: no network for the frontend, and the gateway features it
// needs.
func TestFrontendImageLabels(t *testing.T) {
	r, err := name.ParseReference(env.frontend, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatalf("remote.Image(%s): %v", env.frontend, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	labels := cfg.Config.Labels
	if got := labels["moby.buildkit.frontend.network.none"]; got != "true" {
		t.Errorf("label moby.buildkit.frontend.network.none = %q, want true", got)
	}
	caps := strings.Split(labels["moby.buildkit.frontend.caps"], ",")
	for _, want := range []string{"moby.buildkit.frontend.inputs",
		"moby.buildkit.frontend.subrequests", "moby.buildkit.frontend.contexts"} {
		if !slices.Contains(caps, want) {
			t.Errorf("label moby.buildkit.frontend.caps = %q, want %s in it", caps, want)
		}
	}
	if ep := cfg.Config.Entrypoint; len(ep) != 1 || ep[0] != "/bin/cst-frontend" {
		t.Errorf("entrypoint = %q, want [/bin/cst-frontend]", ep)
	}
}

// TestCallTargetsAndOutline asks for the targets and the outline through
// docker buildx build --call and through buildctl's requestid option.
func TestCallTargetsAndOutline(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	file := filepath.Join(dir, "variant.yaml")
	buildx := func(call string) string {
		return string(runOut(t, "docker", "buildx", "build", "--builder", env.builder,
			"--call="+call, "-f", file, dir))
	}
	buildctlCall := func(id string) string {
		return string(runOut(t, "buildctl", "build", "--frontend", "dockerfile.v0",
			"--local", "context="+dir, "--local", "dockerfile="+dir,
			"--opt", "filename=variant.yaml", "--opt", "requestid="+id))
	}
	targets := []string{"final (default)", "builder", "only the executables"}
	outline := []string{"TARGET:", "final", "(platforms: linux/amd64, linux/arm64)",
		"BASE", "debian:bookworm", "GO_IMAGE", "golang:1.26"}
	for _, c := range []struct {
		client, out string
		want        []string
	}{
		{"buildx --call=targets", buildx("targets"), targets},
		{"buildx --call=outline", buildx("outline"), outline},
		{"buildctl requestid=frontend.targets", buildctlCall("frontend.targets"), targets},
		{"buildctl requestid=frontend.outline", buildctlCall("frontend.outline"), outline},
	} {
		for _, want := range c.want {
			if !strings.Contains(c.out, want) {
				t.Errorf("%s output lacks %q:\n%s", c.client, want, tail(c.out))
			}
		}
	}
}

// TestRunFailurePrintsSpecLines checks that a step failing at run time is
// reported by docker buildx with the spec lines that wrote it.
func TestRunFailurePrintsSpecLines(t *testing.T) {
	// Line 1 is the syntax line, so the failing step is on line 9.
	dir := specDir(t, `version: 1
name: failing-step
final:
  base: debian:bookworm
  run:
    - name: fine
      shell: "true"
    - name: broken
      shell: echo about to fail; exit 3
`)
	out := runFail(t, "docker", "buildx", "build", "--builder", env.builder,
		"--platform", "linux/arm64", "-f", filepath.Join(dir, "variant.yaml"), dir)
	for _, want := range []string{"[linux/arm64 run] broken", "about to fail", "exit code: 3",
		"variant.yaml:9", ">>>     - name: broken", "shell: echo about to fail; exit 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("failure output lacks %q:\n%s", want, tail(out))
		}
	}
}

// TestBuildContextOverridesEveryImage names images that do not exist for
// the base, the Go toolchain and a source's command, and supplies each with
// --build-context: the build succeeds only if every override is used.
func TestBuildContextOverridesEveryImage(t *testing.T) {
	dir := specDir(t, `version: 1
name: overrides
builder:
  go:
    image: cst-missing/go:1
    tools:
      - module: github.com/mikefarah/yq/v4
        version: v4.54.3
  sources:
    - name: hello
      git: `+env.fixtures.URL+`/git/hello.git
      ref: v1.0.0
      image: cst-missing/source:1
      run: CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/hello .
final:
  base: cst-missing/base:1
tests:
  - name: hello
    run: hello && yq --version
    expect: 'hello from the source fixture'
`)
	golang := "docker-image://" + env.registry + "/library/golang:1.26"
	ref := uniqueRef("overrides")
	run(t, "docker", "buildx", "build", "--builder", env.builder, "--pull",
		"--platform", "linux/amd64,linux/arm64",
		"--build-context", "cst-missing/go:1="+golang,
		"--build-context", "cst-missing/source:1="+golang,
		"--build-context", "cst-missing/base:1=docker-image://"+env.registry+
			"/library/debian:bookworm",
		"--output", pushOutput(ref), "-f", filepath.Join(dir, "variant.yaml"), dir)
	imgs := readIndex(t, ref, execDir)
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		img := imgs[plat]
		if img == nil {
			t.Fatalf("index %s lacks %s", ref, plat)
		}
		checkExecutables(t, plat, img, "hello", "yq")
		if _, ok := img.files["etc/debian_version"]; !ok {
			t.Errorf("%s: /etc/debian_version is missing: the base override was not used", plat)
		}
	}
}

// TestNoCacheFilterByToolName runs one Go tool's build again, by its output
// name, and takes the other from the cache.
func TestNoCacheFilterByToolName(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	platform := []string{"--opt", "platform=linux/amd64", "--opt", "build-arg:CST_SKIP_TESTS=1"}
	buildctl(t, dir, platform...)
	vs := buildctl(t, dir, append(platform, "--opt", "no-cache=yq")...)
	if v := vertex(t, vs, "[linux/amd64 go] github.com/mikefarah/yq/v4@v4.54.3"); v.Cached {
		t.Errorf("%s was taken from the cache despite --no-cache-filter yq", v.Name)
	}
	if v := vertex(t, vs, "[linux/amd64 go] filippo.io/age/cmd/age@v1.3.2"); !v.Cached {
		t.Errorf("%s ran again, want it cached: the filter names only yq", v.Name)
	}
}

// TestGitHubTokenSecret checks that the host secret BuildKit's HTTP source
// reads authenticates the GitHub API lookups.
func TestGitHubTokenSecret(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "github"))
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("cst-test-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(env.fixtures.APIAuth())
	buildctl(t, dir, "--opt", "build-arg:GITHUB_API="+env.fixtures.URL+"/github/api",
		"--opt", "platform=linux/amd64", "--opt", "build-arg:CST_SKIP_TESTS=1",
		"--secret", "id=HTTP_AUTH_TOKEN_127.0.0.1,src="+token)
	auth := env.fixtures.APIAuth()[before:]
	if len(auth) == 0 {
		t.Fatal("the build made no request to the GitHub API")
	}
	for _, a := range auth {
		if a != "Bearer cst-test-token" {
			t.Errorf("GitHub API request carried Authorization %q, want the token", a)
		}
	}
}

// TestBakeChecksShippedVariants runs --call=check on the shipped variants
// through docker buildx bake with the suite's frontend image, and expects
// the findings their golden files record.
func TestBakeChecksShippedVariants(t *testing.T) {
	out := runFail(t, "docker", "buildx", "bake", "--builder", env.builder,
		"--allow=fs.read="+env.repo, "-f", filepath.Join(env.repo, "docker-bake.hcl"),
		"--call=check", "--set", "*.context="+env.repo,
		"--set", "*.contexts.cst-frontend=docker-image://"+env.frontend, "variants")
	for _, name := range []string{"general", "cloud", "rice"} {
		dt, err := os.ReadFile(filepath.Join(env.repo, "variants", "testdata",
			name+".golden.json"))
		if err != nil {
			t.Fatal(err)
		}
		var golden struct {
			Findings []string `json:"findings"`
		}
		if err := json.Unmarshal(dt, &golden); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Check complete, %d warnings have been found!", len(golden.Findings))
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q", name, want)
		}
		for _, f := range golden.Findings {
			// file:line: Rule: detail
			parts := strings.SplitN(f, ": ", 3)
			if len(parts) != 3 || !strings.Contains(out, "WARNING: "+parts[1]+" - ") ||
				!strings.Contains(out, parts[2]) {
				t.Errorf("%s: output lacks the finding %q", name, f)
			}
		}
	}
	if t.Failed() {
		t.Log(tail(out))
	}
}
