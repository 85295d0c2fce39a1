//go:build integration

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const execDir = "/opt/executables"

var wantTools = []string{"yq", "age"}

// checkIndex asserts everything the go-tools example promises, for both
// platforms of a pushed index.
func checkIndex(t *testing.T, ref string) map[string]*platformImage {
	t.Helper()
	imgs := readIndex(t, ref, execDir)
	if len(imgs) != 2 || imgs["linux/amd64"] == nil || imgs["linux/arm64"] == nil {
		var got []string
		for p := range imgs {
			got = append(got, p)
		}
		t.Fatalf("index %s has platforms %v, want exactly linux/amd64 and linux/arm64", ref, got)
	}
	for plat, img := range imgs {
		arch := strings.TrimPrefix(plat, "linux/")
		cfg := img.config
		if cfg.OS != "linux" || cfg.Architecture != arch {
			t.Errorf("%s: config os/arch = %s/%s", plat, cfg.OS, cfg.Architecture)
		}
		if p := envValue(cfg, "PATH"); !strings.HasPrefix(p, execDir+":") {
			t.Errorf("%s: PATH = %q, want %s first", plat, p, execDir)
		}
		if v := envValue(cfg, "TERM"); v != "xterm-256color" {
			t.Errorf("%s: TERM = %q, want xterm-256color", plat, v)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.vendor": "CST",
			"org.opencontainers.image.title":  "go-tools",
		} {
			if got := cfg.Config.Labels[k]; got != want {
				t.Errorf("%s: label %s = %q, want %q", plat, k, got, want)
			}
		}
		checkExecutables(t, plat, img, wantTools...)
		if _, ok := img.files["usr/bin/jq"]; !ok {
			t.Errorf("%s: /usr/bin/jq from the apt package is missing", plat)
		}
		for p, h := range img.files {
			rest, ok := strings.CutPrefix(p, "var/lib/apt/lists/")
			if ok && rest != "" && rest != "lock" && h.Typeflag == '0' {
				t.Errorf("%s: apt list %s was left in the image", plat, p)
			}
		}
	}
	return imgs
}

// checkExecutables asserts that each tool is in the executables directory,
// owned by root with mode 0755, and an ELF file for the platform.
func checkExecutables(t *testing.T, plat string, img *platformImage, tools ...string) {
	t.Helper()
	arch := strings.TrimPrefix(plat, "linux/")
	for _, tool := range tools {
		p := strings.TrimPrefix(execDir, "/") + "/" + tool
		h, ok := img.files[p]
		if !ok {
			t.Errorf("%s: %s is missing", plat, p)
			continue
		}
		if h.Mode&0o7777 != 0o755 || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %s has mode %o owner %d:%d, want 755 0:0", plat, p, h.Mode, h.Uid, h.Gid)
		}
		m, err := elfMachine(img.content[p])
		if err != nil || m != machines[arch] {
			t.Errorf("%s: %s is ELF for %v (err %v), want %v", plat, p, m, err, machines[arch])
		}
	}
}

// uniqueRef returns a fresh image reference in the local registry.
func uniqueRef(name string) string {
	return fmt.Sprintf("%s/it/%s:%d", env.registry, name, time.Now().UnixNano())
}

func pushOutput(ref string) string {
	return "type=image,name=" + ref + ",push=true,registry.insecure=true"
}

func TestBuildctlMultiPlatform(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	ref := uniqueRef("go-tools")
	vs := buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "label:com.example.build=buildctl",
		"--opt", "vcs:source=https://git.example.com/toolbox.git", "--opt", "vcs:revision=c0ffee",
		"--output", pushOutput(ref))
	imgs := checkIndex(t, ref)
	for plat, img := range imgs {
		for k, want := range map[string]string{
			"com.example.build":                 "buildctl",
			"org.opencontainers.image.source":   "https://git.example.com/toolbox.git",
			"org.opencontainers.image.revision": "c0ffee",
		} {
			if got := img.config.Config.Labels[k]; got != want {
				t.Errorf("%s: label %s = %q, want %q", plat, k, got, want)
			}
		}
	}
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		v := vertex(t, vs, "["+plat+" go] github.com/mikefarah/yq/v4@v4.54.3")
		if v.Error != "" {
			t.Errorf("%s: %s", v.Name, v.Error)
		}
	}
	t.Run("run executables under emulation", func(t *testing.T) {
		runInImage(t, ref, imgs["linux/arm64"])
	})
}

// runInImage runs every executable inside the finished arm64 image with a
// Dockerfile build, and checks what they print.
func runInImage(t *testing.T, ref string, img *platformImage) {
	dir := t.TempDir()
	dockerfile := "FROM " + ref + "\n" +
		"RUN (uname -m; yq --version; age --version; jq --version) > /out.txt 2>&1\n" +
		"FROM scratch\nCOPY --from=0 /out.txt /\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	run(t, "buildctl", "build", "--no-cache", "--frontend", "dockerfile.v0",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "platform=linux/arm64", "--output", "type=local,dest="+out)
	dt, err := os.ReadFile(filepath.Join(out, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(dt)
	for _, want := range []string{"aarch64", "version v4.54.3", "v1.3.2", "jq-"} {
		if !strings.Contains(got, want) {
			t.Errorf("output of the executables in the arm64 image lacks %q:\n%s", want, got)
		}
	}
}

func TestBuildxMultiPlatform(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	ref := uniqueRef("go-tools-buildx")
	out := string(run(t, "docker", "buildx", "build", "--builder", env.builder,
		"-f", filepath.Join(dir, "variant.yaml"),
		"--platform", "linux/amd64,linux/arm64",
		"--output", pushOutput(ref), dir))
	checkIndex(t, ref)
	// Two images are not pinned; each is reported once, not once a platform.
	var warned []string
	for _, line := range strings.Split(out, "\n") {
		if _, w, ok := strings.Cut(line, " - ImageNotPinned: "); ok {
			warned = append(warned, w)
		}
	}
	if len(warned) != 2 {
		t.Errorf("buildx printed ImageNotPinned %d times, want 2 (once per build): %q\n%s",
			len(warned), warned, tail(out))
	}
}

func TestBakeBuildsFrontendAndVariant(t *testing.T) {
	ref := uniqueRef("go-tools-bake")
	run(t, "docker", "buildx", "bake", "--builder", env.builder, "--allow=fs.read="+env.repo,
		"-f", filepath.Join(env.repo, "docker-bake.hcl"),
		"--set", "variant.context="+env.repo,
		"--set", "frontend.context="+env.repo,
		"--set", "variant.tags="+ref,
		"--set", "variant.output=type=image,push=true,registry.insecure=true",
		"variant")
	checkIndex(t, ref)
}

func TestTargetBuilderLocalOutput(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	out := t.TempDir()
	buildctl(t, dir, "--opt", "target=builder", "--opt", "platform=linux/amd64,linux/arm64",
		"--output", "type=local,dest="+out)
	for _, arch := range []string{"amd64", "arm64"} {
		entries, err := os.ReadDir(filepath.Join(out, "linux_"+arch))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if strings.Join(names, ",") != "age,yq" {
			t.Errorf("linux/%s builder output = %v, want [age yq]", arch, names)
		}
		for _, tool := range wantTools {
			dt, err := os.ReadFile(filepath.Join(out, "linux_"+arch, tool))
			if err != nil {
				t.Fatal(err)
			}
			if m, err := elfMachine(dt); err != nil || m != machines[arch] {
				t.Errorf("linux/%s %s: ELF machine %v (err %v)", arch, tool, m, err)
			}
		}
	}
}

func TestVersionBumpRebuildsOnlyThatTool(t *testing.T) {
	nonce := fmt.Sprint(time.Now().UnixNano())
	spec := func(ageVersion string) string {
		return `version: 1
name: bump
args: {BASE: debian:bookworm}
builder:
  go:
    image: golang:1.26
    tools:
      - module: github.com/mikefarah/yq/v4
        version: v4.54.3
      - module: filippo.io/age/cmd/age
        version: ` + ageVersion + `
        env: {CST_TEST_RUN: "` + nonce + `"}
final:
  base: ${BASE}
`
	}
	platform := []string{"--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "build-arg:CST_SKIP_TESTS=1"}
	buildctl(t, specDir(t, spec("v1.3.1")), platform...)
	vs := buildctl(t, specDir(t, spec("v1.3.2")), platform...)
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		yq := vertex(t, vs, "["+plat+" go] github.com/mikefarah/yq/v4@v4.54.3")
		if !yq.Cached {
			t.Errorf("%s was executed again, want it cached", yq.Name)
		}
		age := vertex(t, vs, "["+plat+" go] filippo.io/age/cmd/age@v1.3.2")
		if age.Cached || age.Completed == nil {
			t.Errorf("%s: cached=%v completed=%v, want executed", age.Name, age.Cached,
				age.Completed)
		}
	}
}

func TestSpecErrorNamesFileLineAndField(t *testing.T) {
	// Line 1 is the syntax line, so the unknown key is on line 6.
	dir := specDir(t, `version: 1
name: broken
builder:
  go:
    toolz: []
`)
	out := runFail(t, "buildctl", "build", "--frontend", "dockerfile.v0",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "filename=variant.yaml")
	for _, want := range []string{"variant.yaml:6:5", ">>>     toolz: []", "builder.go.toolz",
		`unknown key "toolz"`, "valid keys are image, ldflags, tools"} {
		if !strings.Contains(out, want) {
			t.Errorf("error output lacks %q:\n%s", want, tail(out))
		}
	}
}

// TestCallCheck runs the lint rules through docker buildx build --call=check,
// which exits non-zero and prints each finding with its spec line.
func TestCallCheck(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	out := runFail(t, "docker", "buildx", "build", "--builder", env.builder, "--call=check",
		"-f", filepath.Join(dir, "variant.yaml"), dir)
	for _, want := range []string{"ImageNotPinned", "#imagenotpinned", "golang:1.26",
		"debian:bookworm"} {
		if !strings.Contains(out, want) {
			t.Errorf("--call=check output lacks %q:\n%s", want, tail(out))
		}
	}
	t.Log(out)
}
