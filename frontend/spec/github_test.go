package spec_test

import (
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// gh is a release of the github form: name on line 4, github on 5,
// version on 6, asset on 7 in releaseDoc.
var gh = []string{"name: hello", "github: acme/hello", "version: latest",
	`asset: 'hello_${VERSION}_linux_${ARCH}\.tar\.gz'`}

func TestValidateGitHubReleases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		msg   string
	}{
		{
			name: "url and github", doc: releaseDoc(with(gh, "url: https://x.org/t")...),
			line: 5, field: "builder.releases[0].github",
			msg: "a release has url or github, not both",
		},
		{
			name: "neither url nor github", doc: releaseDoc("name: hello", "version: latest"),
			line: 4, field: "builder.releases[0].url",
			msg: "missing; give the download URL, with ${VERSION} and ${ARCH}, or github: " +
				"owner/name with an asset pattern",
		},
		{
			name: "repo without owner",
			doc:  releaseDoc(with(gh[:1], with([]string{"github: hello"}, gh[2:]...)...)...),
			line: 5, field: "builder.releases[0].github",
			msg: `invalid repository "hello"; want owner/name`,
		},
		{
			name: "repo URL",
			doc: releaseDoc(with(gh[:1], with([]string{"github: https://github.com/acme/hello"},
				gh[2:]...)...)...),
			line: 5, field: "builder.releases[0].github",
			msg: `invalid repository "https://github.com/acme/hello"`,
		},
		{
			name: "repo with a path",
			doc: releaseDoc(with(gh[:1], with([]string{"github: acme/hello/releases"},
				gh[2:]...)...)...),
			line: 5, field: "builder.releases[0].github", msg: "want owner/name",
		},
		{
			name: "missing version", doc: releaseDoc(with(gh[:2], gh[3])...),
			line: 4, field: "builder.releases[0].version", msg: "missing; pin",
		},
		{
			name: "missing asset", doc: releaseDoc(gh[:3]...),
			line: 4, field: "builder.releases[0].asset",
			msg: "missing; give a regular expression matching the asset's name",
		},
		{
			name: "asset that is no regular expression",
			doc:  releaseDoc(with(gh[:3], "asset: 'hello_(${VERSION}'")...),
			line: 7, field: "builder.releases[0].asset",
			msg: `invalid regular expression "hello_(${VERSION}"`,
		},
		{
			name: "checksums that is no regular expression",
			doc:  releaseDoc(with(gh, "checksums: '*.txt'")...),
			line: 8, field: "builder.releases[0].checksums",
			msg: `invalid regular expression "*.txt"`,
		},
		{
			name: "undeclared arg in the asset",
			doc:  releaseDoc(with(gh[:3], "asset: hello_${OS}_${ARCH}")...),
			line: 7, field: "builder.releases[0].asset", msg: "undeclared arg ${OS}",
		},
		{
			name: "unterminated token in the checksums",
			doc:  releaseDoc(with(gh, "checksums: sums_${VERSION")...),
			line: 8, field: "builder.releases[0].checksums", msg: "unterminated ${",
		},
		{
			name: "relative api", doc: releaseDoc(with(gh, "api: api.github.com")...),
			line: 8, field: "builder.releases[0].api",
			msg: `invalid URL "api.github.com"; want an http or https URL`,
		},
		{
			name: "ftp api", doc: releaseDoc(with(gh, "api: ftp://ghe.example.com")...),
			line: 8, field: "builder.releases[0].api", msg: `invalid URL "ftp://ghe.example.com"`,
		},
		{
			name: "member above the archive", doc: releaseDoc(with(gh, "extract: ../hello")...),
			line: 8, field: "builder.releases[0].extract",
			msg: `invalid archive member "../hello"`,
		},
		{
			name: "member that expands to a bad path",
			doc:  releaseDoc(with(gh, "extract: /${VERSION}/hello")...),
			line: 8, field: "builder.releases[0].extract",
			msg: `invalid archive member "/latest/hello"`,
		},
		{
			name: "bad sha256 in the github form",
			doc:  releaseDoc(with(gh, "sha256: {linux/arm64: abc}")...),
			line: 8, field: "builder.releases[0].sha256.linux/arm64", msg: "invalid sha256",
		},
		{
			name: "asset with url", doc: releaseDoc(with(rel, "asset: 'x'")...),
			line: 6, field: "builder.releases[0].url",
			msg: "asset, checksums and api belong to the github form; remove them or use " +
				"github instead of url",
		},
		{
			name: "checksums with url", doc: releaseDoc(with(rel, "checksums: 'SHA256SUMS'")...),
			line: 6, field: "builder.releases[0].url", msg: "belong to the github form",
		},
		{
			name: "api with url", doc: releaseDoc(with(rel, "api: https://ghe.example.com")...),
			line: 6, field: "builder.releases[0].url", msg: "belong to the github form",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecError(t, tt.doc, tt.line, tt.field, tt.msg)
		})
	}
}

func TestValidateGitHubReleasesValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{"latest", releaseDoc(gh...)},
		{"tag", releaseDoc(with(gh[:2], "version: v1.2.0", gh[3])...)},
		{"every field", releaseDoc(with(gh, "arch: {amd64: x86_64, arm64: aarch64}",
			"extract: hello_${VERSION}/bin/hello", `checksums: 'hello_${VERSION}_SHA256SUMS'`,
			"api: https://ghe.example.com/api/v3/", "sha256: {linux/arm64: "+sum+"}")...)},
		{"dots and underscores in the repo",
			releaseDoc(with(gh[:1], with([]string{"github: my-org/hello.go_x"},
				gh[2:]...)...)...)},
		{"args in the asset", lines("version: 1", "args: {OS: linux}", "builder:",
			"  releases:", "    - name: hello", "      github: acme/hello",
			"      version: latest", "      asset: hello_${OS}_${ARCH}")},
		// The member of a github release is not checked against the asset's
		// name, which is known only after the lookup.
		{"extract with a raw looking asset", releaseDoc(with(gh[:3], "asset: hello",
			"extract: hello")...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := loadResolve("variant.yaml", tt.doc); err != nil {
				t.Errorf("Load(%q) = %v, want no error", tt.doc, err)
			}
		})
	}
}

func TestResolveGitHubRelease(t *testing.T) {
	t.Parallel()
	doc := lines("version: 1", "args: {OS: linux, API: https://ghe.example.com/api/v3}",
		"builder:", "  releases:", "    - name: hello", "      github: acme/hello",
		"      version: latest", "      asset: 'hello_${VERSION}_${OS}_${ARCH}\\.tgz'",
		"      checksums: 'hello_${VERSION}_${OS}\\.sha256'", "      api: ${API}",
		"      extract: hello_${VERSION}/hello")
	s, err := loadResolve("variant.yaml", doc)
	if err != nil {
		t.Fatalf("Load(%q) = %v", doc, err)
	}
	want := spec.Release{Name: "hello", GitHub: "acme/hello", Version: "latest",
		Asset: `hello_${VERSION}_linux_${ARCH}\.tgz`, Checksums: `hello_${VERSION}_linux\.sha256`,
		API: "https://ghe.example.com/api/v3", Extract: "hello_${VERSION}/hello"}
	got := s.Builder.Releases[0]
	if got.Name != want.Name || got.GitHub != want.GitHub || got.Version != want.Version ||
		got.Asset != want.Asset || got.Checksums != want.Checksums || got.API != want.API ||
		got.Extract != want.Extract || got.URL != "" {
		t.Errorf("Resolve() release = %+v\nwant %+v", got, want)
	}
}

func TestReleasePattern(t *testing.T) {
	t.Parallel()
	r := spec.Release{Arch: map[string]string{"amd64": "x86_64", "arm": "arm.v7+"}}
	tests := []struct {
		name    string
		pattern string
		version string
		goarch  string
		match   []string
		noMatch []string
	}{
		{
			name: "whole name", pattern: "hello_${ARCH}", version: "1.0", goarch: "amd64",
			match:   []string{"hello_x86_64"},
			noMatch: []string{"hello_x86_64.sig", "my-hello_x86_64", "hello_amd64"},
		},
		{
			name: "alternatives stay inside", pattern: "a|b_${ARCH}", goarch: "arm64",
			match: []string{"a", "b_arm64"}, noMatch: []string{"a_arm64", "ab_arm64"},
		},
		{
			name: "version quoted", pattern: `hello-${VERSION}\.tgz`, version: "1.2.0+rc.1",
			goarch: "amd64", match: []string{"hello-1.2.0+rc.1.tgz"},
			noMatch: []string{"hello-1x2y0+rc.1.tgz", "hello-1.2.00rc.1.tgz"},
		},
		{
			name: "arch token quoted", pattern: "hello_${ARCH}", goarch: "arm",
			match: []string{"hello_arm.v7+"}, noMatch: []string{"hello_armxv77"},
		},
		{
			name: "regular expression around the tokens", pattern: `hello[-_]v?${VERSION}.*`,
			version: "2.0", goarch: "amd64",
			match:   []string{"hello-v2.0", "hello_2.0-linux.tar.gz"},
			noMatch: []string{"hello-2x0"},
		},
		{
			name: "literal ${", pattern: `x\$${VERSION}`, version: "2.0", goarch: "amd64",
			match: []string{"x${VERSION}"}, noMatch: []string{"x2.0", "x$2.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			re, err := r.Pattern(tt.pattern, tt.version, tt.goarch)
			if err != nil {
				t.Fatalf("Pattern(%q, %q, %s) = %v", tt.pattern, tt.version, tt.goarch, err)
			}
			for _, name := range tt.match {
				if !re.MatchString(name) {
					t.Errorf("Pattern(%q, %q, %s) = %s, does not match %q, want a match",
						tt.pattern, tt.version, tt.goarch, re, name)
				}
			}
			for _, name := range tt.noMatch {
				if re.MatchString(name) {
					t.Errorf("Pattern(%q, %q, %s) = %s, matches %q, want no match",
						tt.pattern, tt.version, tt.goarch, re, name)
				}
			}
		})
	}
}

func TestReleasePatternErrors(t *testing.T) {
	t.Parallel()
	var r spec.Release
	tests := []struct {
		pattern string
		want    string
	}{
		{"hello_(", `invalid regular expression "hello_("`},
		{"${VERSION}[", `invalid regular expression "${VERSION}["`},
		{"hello_${OS}", "undeclared arg ${OS}"},
		{"hello_${ARCH", "unterminated ${"},
	}
	for _, tt := range tests {
		re, err := r.Pattern(tt.pattern, "1.0", "amd64")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Pattern(%q) = %v, %v, want an error containing %q", tt.pattern, re, err,
				tt.want)
		}
	}
}

func TestReleaseWithVersion(t *testing.T) {
	t.Parallel()
	r := spec.Release{Name: "hello", Version: "latest", GitHub: "acme/hello",
		Extract: "hello-${VERSION}-${ARCH}/hello", Arch: map[string]string{"arm64": "aarch64"}}
	v := r.WithVersion("1.2.0")
	if r.Version != "latest" {
		t.Errorf("WithVersion(1.2.0) changed the release's version to %q", r.Version)
	}
	if v.Version != "1.2.0" || v.Name != r.Name || v.GitHub != r.GitHub {
		t.Errorf("WithVersion(1.2.0) = %+v, want %+v with version 1.2.0", v, r)
	}
	_, member, err := v.For("arm64")
	if want := "hello-1.2.0-aarch64/hello"; err != nil || member != want {
		t.Errorf("WithVersion(1.2.0).For(arm64) member = %q, %v, want %q", member, err, want)
	}
}
