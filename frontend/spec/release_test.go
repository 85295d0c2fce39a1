package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

func TestReleaseFor(t *testing.T) {
	t.Parallel()
	tokens := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}
	tests := []struct {
		name       string
		rel        spec.Release
		goarch     string
		wantURL    string
		wantMember string
	}{
		{
			name: "mapped arch",
			rel: spec.Release{Version: "1.2.3", Arch: tokens,
				URL:     "https://example.com/v${VERSION}/tool_${VERSION}_${ARCH}.tar.gz",
				Extract: "tool-${VERSION}-${ARCH}/bin/tool"},
			goarch:     "arm64",
			wantURL:    "https://example.com/v1.2.3/tool_1.2.3_aarch64.tar.gz",
			wantMember: "tool-1.2.3-aarch64/bin/tool",
		},
		{
			name: "the other mapped arch",
			rel: spec.Release{Version: "1.2.3", Arch: tokens,
				URL: "https://example.com/tool_${ARCH}"},
			goarch:  "amd64",
			wantURL: "https://example.com/tool_x86_64",
		},
		{
			name: "arch missing from the map uses GOARCH",
			rel: spec.Release{Version: "1.2.3", Arch: tokens,
				URL: "https://example.com/tool_${ARCH}"},
			goarch:  "riscv64",
			wantURL: "https://example.com/tool_riscv64",
		},
		{
			name: "no map uses GOARCH",
			rel: spec.Release{Version: "2.0",
				URL: "https://example.com/${VERSION}/${ARCH}.zip"},
			goarch:  "arm64",
			wantURL: "https://example.com/2.0/arm64.zip",
		},
		{
			name: "literal ${",
			rel: spec.Release{Version: "2.0",
				URL: "https://example.com/$${ARCH}/${ARCH}", Extract: "$${VERSION}"},
			goarch:     "arm64",
			wantURL:    "https://example.com/${ARCH}/arm64",
			wantMember: "${VERSION}",
		},
		{
			name:    "nothing to expand",
			rel:     spec.Release{Version: "2.0", URL: "https://example.com/tool"},
			goarch:  "arm64",
			wantURL: "https://example.com/tool",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, m, err := tt.rel.For(tt.goarch)
			if err != nil {
				t.Fatalf("For(%s) = %v, want no error", tt.goarch, err)
			}
			if u != tt.wantURL || m != tt.wantMember {
				t.Errorf("For(%s) = %q, %q, want %q, %q", tt.goarch, u, m, tt.wantURL,
					tt.wantMember)
			}
		})
	}
}

func TestReleaseForErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel  spec.Release
		want string
	}{
		{spec.Release{URL: "https://example.com/${OS}"}, "undeclared arg ${OS}"},
		{spec.Release{URL: "https://example.com/${ARCH"}, "unterminated ${"},
		{spec.Release{URL: "https://x/y", Extract: "${TARGETARCH}/y"}, "undeclared"},
	}
	for _, tt := range tests {
		u, m, err := tt.rel.For("amd64")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("For(%+v) = %q, %q, %v, want an error containing %q", tt.rel, u, m, err,
				tt.want)
		}
	}
}

func TestArchToken(t *testing.T) {
	t.Parallel()
	r := spec.Release{Arch: map[string]string{"amd64": "x86_64", "arm": "armv7"}}
	for goarch, want := range map[string]string{
		"amd64": "x86_64", "arm": "armv7", "arm64": "arm64", "s390x": "s390x",
	} {
		if got := r.ArchToken(goarch); got != want {
			t.Errorf("ArchToken(%s) = %q, want %q", goarch, got, want)
		}
	}
}

func TestArchiveType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want string
	}{
		{"tool.tar", spec.ArchiveTar},
		{"tool.tar.gz", spec.ArchiveTarGz},
		{"tool.tgz", spec.ArchiveTarGz},
		{"tool.TAR.GZ", spec.ArchiveTarGz},
		{"Tool.Tgz", spec.ArchiveTarGz},
		{"tool.tar.xz", spec.ArchiveTarXz},
		{"tool.txz", spec.ArchiveTarXz},
		{"tool.tar.zst", spec.ArchiveTarZs},
		{"tool.tzst", spec.ArchiveTarZs},
		{"tool.tar.bz2", spec.ArchiveTarBz},
		{"tool.tbz2", spec.ArchiveTarBz},
		{"tool.zip", spec.ArchiveZip},
		{"tool.ZIP", spec.ArchiveZip},
		{"tool_1.0_linux_amd64", spec.ArchiveRaw},
		{"tool", spec.ArchiveRaw},
		{"", spec.ArchiveRaw},
		{"tool.gz", spec.ArchiveRaw},
		{"tool.xz", spec.ArchiveRaw},
		{"tool.bz2", spec.ArchiveRaw},
		{"tool.zst", spec.ArchiveRaw},
		{"tool.tar.gz.sig", spec.ArchiveRaw},
		{"tool.zip.sha256", spec.ArchiveRaw},
		{"tar.gz", spec.ArchiveRaw},
		{"tool-v1.2.3", spec.ArchiveRaw},
	}
	for _, tt := range tests {
		if got := spec.ArchiveType(tt.name); got != tt.want {
			t.Errorf("ArchiveType(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestURLFileName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want, kind string
	}{
		{"https://example.com/v1/tool_linux_amd64.tar.gz", "tool_linux_amd64.tar.gz",
			spec.ArchiveTarGz},
		{"https://example.com/tool.tar.gz?raw=true", "tool.tar.gz", spec.ArchiveTarGz},
		{"https://example.com/tool.zip#sha=abc", "tool.zip", spec.ArchiveZip},
		{"https://example.com/dl?file=tool.tar.gz", "dl", spec.ArchiveRaw},
		{"https://example.com/a/tool/", "tool", spec.ArchiveRaw},
		{"https://example.com/a/tool%20v1.tgz", "tool v1.tgz", spec.ArchiveTarGz},
		{"http://127.0.0.1:8080/hello/hello_1.0.0_linux_aarch64", "hello_1.0.0_linux_aarch64",
			spec.ArchiveRaw},
		// BuildKit names a download without a file name "download".
		{"https://example.com", "download", spec.ArchiveRaw},
		{"https://example.com/", "download", spec.ArchiveRaw},
		{"https://example.com/?file=tool.tar.gz", "download", spec.ArchiveRaw},
		{"https://example.com/a/..", "download", spec.ArchiveRaw},
		{"https://example.com/a%07", "download", spec.ArchiveRaw},
		{"https://example.com/tool.zip%20", "tool.zip", spec.ArchiveZip},
	}
	for _, tt := range tests {
		got := spec.URLFileName(tt.url)
		if got != tt.want {
			t.Errorf("URLFileName(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if kind := spec.ArchiveType(got); kind != tt.kind {
			t.Errorf("ArchiveType(URLFileName(%q)) = %q, want %q", tt.url, kind, tt.kind)
		}
	}
}

func TestFileMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"", 0o644, true},
		{"0644", 0o644, true},
		{"755", 0o755, true},
		{"0400", 0o400, true},
		{"4755", 0o4755, true},
		{"07777", 0o7777, true},
		{"0999", 0, false},
		{"rwx", 0, false},
		{"0x1ed", 0, false},
		{"-755", 0, false},
		{"17777", 0, false},
		{" 0644", 0, false},
	}
	for _, tt := range tests {
		got, err := spec.FileMode(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("FileMode(%q) = %#o, %v, want %#o and ok %t", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "invalid mode "+`"`+tt.in+`"`) {
			t.Errorf("FileMode(%q) = %v, want it to name the mode", tt.in, err)
		}
	}
}

// releases uses every field of releases, files and sources.
var releases = lines(
	"version: 1",
	"args:",
	"  MIRROR: https://mirror.example.com",
	"  TRIVY: 0.50.0",
	"  VERSION: not-the-release-version",
	"x-arch: &arch {amd64: x86_64, arm64: aarch64}",
	"builder:",
	"  releases:",
	"    - name: trivy",
	"      version: ${TRIVY}",
	"      url: ${MIRROR}/trivy/v${VERSION}/trivy_${VERSION}_Linux-${ARCH}.tar.gz",
	"      arch: *arch",
	"      extract: trivy-${VERSION}/trivy",
	"      sha256:",
	"        linux/amd64: "+strings.Repeat("a", 64),
	"        linux/arm64: "+strings.Repeat("b", 64),
	"    - name: jq",
	"      version: '1.7.1'",
	"      url: https://example.com/jq-${VERSION}/jq-linux-${ARCH}?raw=$${X}",
	"  sources:",
	"    - name: hello",
	"      git: ${MIRROR}/hello.git",
	"      ref: v${TRIVY}",
	"      image: golang:1.26",
	"      run: go build -o /out/hello-${TARGETARCH} . && echo $${HOME}",
	"      emulate: true",
	"final:",
	"  files:",
	"    - url: ${MIRROR}/lists/words-${TARGETARCH}.txt",
	"      path: /opt/lists/words.txt",
	"      sha256: "+strings.Repeat("c", 64),
	"      mode: '0600'",
	"    - url: ${MIRROR}/lists/words.tar.gz",
	"      path: /opt/lists/${VERSION}.txt",
	"      extract: lists/words.txt",
)

func TestResolveReleases(t *testing.T) {
	t.Parallel()
	s, err := loadResolve("variant.yaml", releases)
	if err != nil {
		t.Fatalf("Resolve(releases) = %v, want no error", err)
	}
	want := spec.Builder{
		Releases: []spec.Release{
			{
				Name:    "trivy",
				Version: "0.50.0",
				// ${VERSION} and ${ARCH} are the release's, expanded per platform
				// later, even with an arg named VERSION; other args are expanded.
				URL: "https://mirror.example.com/trivy/v${VERSION}/" +
					"trivy_${VERSION}_Linux-${ARCH}.tar.gz",
				Arch:    map[string]string{"amd64": "x86_64", "arm64": "aarch64"},
				Extract: "trivy-${VERSION}/trivy",
				SHA256: map[string]string{
					"linux/amd64": strings.Repeat("a", 64),
					"linux/arm64": strings.Repeat("b", 64),
				},
			},
			{
				Name: "jq", Version: "1.7.1",
				URL: "https://example.com/jq-${VERSION}/jq-linux-${ARCH}?raw=$${X}",
			},
		},
		Sources: []spec.Source{{
			Name: "hello", Git: "https://mirror.example.com/hello.git", Ref: "v0.50.0",
			Image: "golang:1.26", Emulate: true,
			// run is left to the shell.
			Run: "go build -o /out/hello-${TARGETARCH} . && echo $${HOME}",
		}},
	}
	if !reflect.DeepEqual(s.Builder, want) {
		t.Errorf("Resolve(releases).Builder = %+v\nwant %+v", s.Builder, want)
	}
	files := []spec.FileDownload{
		{URL: "https://mirror.example.com/lists/words-arm64.txt", Path: "/opt/lists/words.txt",
			SHA256: strings.Repeat("c", 64), Mode: "0600"},
		// Outside a release, VERSION is the declared arg.
		{URL: "https://mirror.example.com/lists/words.tar.gz",
			Path: "/opt/lists/not-the-release-version.txt", Extract: "lists/words.txt"},
	}
	if !reflect.DeepEqual(s.Final.Files, files) {
		t.Errorf("Resolve(releases).Final.Files = %+v\nwant %+v", s.Final.Files, files)
	}
	for goarch, want := range map[string][2]string{
		"arm64": {"https://mirror.example.com/trivy/v0.50.0/trivy_0.50.0_Linux-aarch64.tar.gz",
			"trivy-0.50.0/trivy"},
		"amd64": {"https://mirror.example.com/trivy/v0.50.0/trivy_0.50.0_Linux-x86_64.tar.gz",
			"trivy-0.50.0/trivy"},
	} {
		u, m, err := s.Builder.Releases[0].For(goarch)
		if err != nil || u != want[0] || m != want[1] {
			t.Errorf("For(%s) = %q, %q, %v, want %q, %q", goarch, u, m, err, want[0], want[1])
		}
	}
	u, _, err := s.Builder.Releases[1].For("arm64")
	if want := "https://example.com/jq-1.7.1/jq-linux-arm64?raw=${X}"; err != nil || u != want {
		t.Errorf("For(arm64) = %q, %v, want %q", u, err, want)
	}
}
