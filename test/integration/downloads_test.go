//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// TestReleases builds one release of each archive type for both platforms;
// the spec's own tests run every executable in the image.
func TestReleases(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "releases"))
	ref := uniqueRef("releases")
	buildctl(t, dir, "--opt", "build-arg:RELEASES="+env.fixtures.URL,
		"--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	imgs := readIndex(t, ref, execDir)
	for plat, img := range imgs {
		arch := strings.TrimPrefix(plat, "linux/")
		for _, kind := range []string{"raw", "tar", "tgz", "txz", "tzst", "tbz2", "zip"} {
			p := "opt/executables/hello-" + kind
			h, ok := img.files[p]
			if !ok {
				t.Errorf("%s: %s is missing", plat, p)
				continue
			}
			if m, err := elfMachine(img.content[p]); err != nil || m != machines[arch] ||
				h.Mode&0o777 != 0o755 {
				t.Errorf("%s: %s: machine %v (err %v), mode %o", plat, p, m, err, h.Mode)
			}
		}
		var tools []struct{ Name, Kind, Version, Source, SHA256 string }
		if err := json.Unmarshal(imgFile(t, ref, plat, "usr/share/cst/tools.json"),
			&tools); err != nil {
			t.Fatal(err)
		}
		token := fixtures.Tokens[arch]
		want := env.fixtures.SHA256("/hello/v1.0.0/hello_1.0.0_linux_" + token + ".tar.gz")
		found := false
		for _, tool := range tools {
			if tool.Name == "hello-tgz" {
				found = tool.Kind == "release" && tool.Version == "1.0.0" && tool.SHA256 == want &&
					strings.HasSuffix(tool.Source, token+".tar.gz")
			}
		}
		if !found {
			t.Errorf("%s: tools.json lacks hello-tgz with its checksum %s: %+v", plat, want, tools)
		}
	}
}

// imgFile reads one file of one platform's image.
func imgFile(t *testing.T, ref, plat, p string) []byte {
	t.Helper()
	dir := "/" + filepath.Dir(p)
	img := readIndex(t, ref, dir)[plat]
	if img == nil {
		t.Fatalf("%s has no %s image", ref, plat)
	}
	return img.content[p]
}

func TestFiles(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "files"))
	ref := uniqueRef("files")
	buildctl(t, dir, "--opt", "build-arg:FILES="+env.fixtures.URL,
		"--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	for plat, img := range readIndex(t, ref, "/opt/lists") {
		for p, mode := range map[string]int64{
			"opt/lists/directory_brute_common.txt": 0o644,
			"opt/lists/packed/words.txt":           0o600,
		} {
			h := img.files[p]
			if h == nil || string(img.content[p]) != fixtures.Words || h.Mode&0o777 != mode ||
				h.Uid != 0 {
				t.Errorf("%s: %s = %q (header %+v), want the word list, mode %o, root", plat, p,
					img.content[p], h, mode)
			}
		}
	}
}

func TestExtends(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "extends"))
	parent, err := os.ReadFile(filepath.Join(env.repo, "examples/extends/base.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "examples/extends"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "examples/extends/base.yaml"), parent,
		0o644); err != nil {
		t.Fatal(err)
	}
	ref := uniqueRef("extends")
	buildctl(t, dir, "--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	for plat, img := range readIndex(t, ref, execDir) {
		for p, want := range map[string]bool{
			"opt/executables/yq":  true,
			"opt/executables/age": true,
			"usr/bin/jq":          true,
			"usr/bin/vim.tiny":    true,
			"usr/bin/tree":        false,
			"usr/bin/less":        true,
			"etc/general-marker":  false,
		} {
			if _, got := img.files[p]; got != want {
				t.Errorf("%s: %s present = %v, want %v", plat, p, got, want)
			}
		}
	}
}

// TestDownloadFaults checks the errors users see when a download or an
// archive is not what the spec says.
func TestDownloadFaults(t *testing.T) {
	release := func(url, extract, sum string) string {
		s := "version: 1\nname: faults\nbuilder:\n  releases:\n    - name: hello\n" +
			"      version: 1.0.0\n      url: " + env.fixtures.URL + url + "\n"
		if extract != "" {
			s += "      extract: " + extract + "\n"
		}
		if sum != "" {
			s += "      sha256: {linux/amd64: " + sum + "}\n"
		}
		return s + "final:\n  base: debian:bookworm\n"
	}
	tgz := "/hello/v1.0.0/hello_1.0.0_linux_x86_64.tar.gz"
	wrong := strings.Repeat("0", 64)
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"checksum mismatch", release(tgz, "hello_1.0.0/bin/hello", wrong),
			[]string{"[linux/amd64 release] hello 1.0.0", "digest mismatch", wrong,
				env.fixtures.SHA256(tgz)}},
		{"not found", release("/status/404/hello.tar.gz", "hello", ""),
			[]string{"[linux/amd64 release] hello 1.0.0", "404"}},
		{"server error", release("/status/500/hello.tar.gz", "hello", ""),
			[]string{"[linux/amd64 release] hello 1.0.0", "500"}},
		{"no such member", release(tgz, "hello_1.0.0/bin/nope", ""),
			[]string{`the archive has no member "hello_1.0.0/bin/nope"`}},
		{"link out of the archive", release("/evil/evil.tar.gz", "bin/passwd", ""),
			[]string{`refused member "bin/passwd": it links to "../../etc/passwd"`}},
		{"another architecture", release("/hello/v1.0.0/hello_1.0.0_linux_aarch64", "", ""),
			[]string{"[linux/amd64 check] executables are ELF files for amd64",
				"hello: built for EM_AARCH64, want EM_X86_64"}},
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

func TestSources(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "sources"))
	ref := uniqueRef("sources")
	vs := buildctl(t, dir, "--opt", "build-arg:GIT="+env.fixtures.URL+"/git",
		"--opt", "platform=linux/amd64,linux/arm64", "--output", pushOutput(ref))
	for plat, img := range readIndex(t, ref, execDir) {
		arch := strings.TrimPrefix(plat, "linux/")
		for _, name := range []string{"hello-cross", "hello-emulated"} {
			p := "opt/executables/" + name
			if m, err := elfMachine(img.content[p]); err != nil || m != machines[arch] {
				t.Errorf("%s: %s: machine %v, err %v", plat, p, m, err)
			}
		}
	}
	// The cross build runs natively: its step carries no emulation.
	vertex(t, vs, "[linux/arm64 source] hello-cross: CGO_ENABLED=0 GOOS=$TARGETOS "+
		"GOARCH=$TARGETARCH go build -o /out/hello-cross .")
}

func TestSourceFaults(t *testing.T) {
	source := func(ref, run string) string {
		return "version: 1\nname: faults\nbuilder:\n  sources:\n    - name: broken\n" +
			"      git: " + env.fixtures.URL + "/git/hello.git\n      ref: " + ref + "\n" +
			"      image: debian:bookworm\n      run: " + run + "\n" +
			"final:\n  base: debian:bookworm\n"
	}
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"missing ref", source("v9.9.9", "ls /"),
			[]string{"[linux/amd64 source] broken", "v9.9.9"}},
		{"nothing written", source(env.fixtures.Commit, "ls"),
			[]string{"source broken wrote nothing to /out"}},
		{"one name twice", strings.Replace(source("v1.0.0", "cp /bin/true /out/hello"),
			"final:", "    - name: again\n      git: "+env.fixtures.URL+"/git/hello.git\n"+
				"      ref: v1.0.0\n      image: debian:bookworm\n"+
				"      run: cp /bin/false /out/hello\nfinal:", 1),
			[]string{"[linux/amd64 check] no two tools write the same executable",
				"source again writes hello, which source broken writes too"}},
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
