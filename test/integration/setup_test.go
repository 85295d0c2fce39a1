//go:build integration

package integration

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// TestSetupSteps builds the setup example: locale, run steps with a secret,
// and tests, for both platforms.
func TestSetupSteps(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "setup"))
	// As with Dockerfile secret mounts, a secret's value is not part of the
	// cache key: --no-cache-filter makes the step that reads it run again.
	token := fmt.Sprintf("cst-secret-token-%d", time.Now().UnixNano())
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	ref := uniqueRef("setup")
	vs := buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64",
		"--secret", "id=github_token,src="+secret, "--opt", "no-cache=record-token",
		"--output", pushOutput(ref))
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		for _, test := range []string{"locale", "greeting", "missing-command"} {
			vertex(t, vs, "["+plat+" test] check "+test)
		}
	}
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		if v := vertex(t, vs, "["+plat+" run] record-token"); v.Cached {
			t.Errorf("%s was taken from the cache despite --no-cache-filter", v.Name)
		}
	}
	imgs := readIndex(t, ref, "/etc")
	want := fmt.Sprintf("%x\n", sha256.Sum256([]byte(token)))
	for plat, img := range imgs {
		if got := string(img.content["etc/token.sha256"]); got != want {
			t.Errorf("%s: /etc/token.sha256 = %q, want %q", plat, got, want)
		}
		if v := envValue(img.config, "LANG"); v != "en_US.UTF-8" {
			t.Errorf("%s: LANG = %q, want en_US.UTF-8", plat, v)
		}
		if _, ok := img.files["usr/lib/locale/locale-archive"]; !ok {
			t.Errorf("%s: no compiled locale archive", plat)
		}
	}
	assertNotInBlobs(t, ref, token)
}

// assertNotInBlobs fails if s appears in any layer, config or manifest.
func assertNotInBlobs(t *testing.T, ref, s string) {
	t.Helper()
	idx, m := remoteIndex(t, ref)
	for _, desc := range m.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		blobs := [][]byte{}
		if dt, err := img.RawConfigFile(); err == nil {
			blobs = append(blobs, dt)
		}
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			blobs = append(blobs, buf.Bytes())
		}
		for _, b := range blobs {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("the secret leaked into the image %s", desc.Digest)
			}
		}
	}
}

// TestFailingTestFailsTheBuild checks that a failing test stops the build
// with its name, command and output, and that CST_SKIP_TESTS=1 skips it.
func TestFailingTestFailsTheBuild(t *testing.T) {
	dir := specDir(t, `version: 1
name: failing
final:
  base: debian:bookworm
tests:
  - name: wrong-version
    run: echo "tool 1.0"
    expect: 'tool 2\.0'
`)
	args := []string{"build", "--frontend", "dockerfile.v0",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--opt", "filename=variant.yaml", "--opt", "platform=linux/arm64"}
	out := runFail(t, "buildctl", args...)
	for _, want := range []string{"test wrong-version failed", "`echo \"tool 1.0\"`",
		`output does not match "tool 2\\.0"`, "tool 1.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("failure output lacks %q:\n%s", want, tail(out))
		}
	}
	run(t, "buildctl", append(args, "--opt", "build-arg:CST_SKIP_TESTS=1")...)
}

// TestPip installs a package from the suite's own index into a virtual
// environment on both platforms; the spec's tests run its console script.
func TestPip(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "pip"))
	ref := uniqueRef("pip")
	buildctl(t, dir, "--opt", "build-arg:PYPI="+env.fixtures.URL+"/pypi/simple",
		"--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	for plat, img := range readIndex(t, ref, "/opt/pyenv/bin") {
		if _, ok := img.files["opt/pyenv/bin/"+fixtures.WheelScript]; !ok {
			t.Errorf("%s: the console script is not in /opt/pyenv/bin", plat)
		}
		if p := envValue(img.config, "PATH"); !strings.HasPrefix(p,
			"/opt/executables:/opt/pyenv/bin:") {
			t.Errorf("%s: PATH = %q, want /opt/executables then /opt/pyenv/bin first", plat, p)
		}
	}
}
