package spec_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// items writes a spec whose head ends on line 3, so that the first field
// of the first item is on line 4 and every field takes one line.
func items(head []string, entries ...[]string) string {
	l := append([]string{"version: 1"}, head...)
	for _, fields := range entries {
		for i, f := range fields {
			prefix := "      "
			if i == 0 {
				prefix = "    - "
			}
			l = append(l, prefix+f)
		}
	}
	return lines(l...)
}

func releaseDoc(fields ...string) string {
	return items([]string{"builder:", "  releases:"}, fields)
}

func fileDocs(entries ...[]string) string {
	return items([]string{"final:", "  files:"}, entries...)
}

func sourceDocs(entries ...[]string) string {
	return items([]string{"builder:", "  sources:"}, entries...)
}

// with returns fields with extra fields after them.
func with(fields []string, more ...string) []string {
	return append(append([]string{}, fields...), more...)
}

var (
	sum     = strings.Repeat("0123456789abcdef", 4)
	tgzURL  = "url: https://example.com/v${VERSION}/tool_${VERSION}_${ARCH}.tar.gz"
	rawURL  = "url: https://example.com/v${VERSION}/tool_${ARCH}"
	rel     = []string{"name: tool", "version: 1.0.0", tgzURL, "extract: tool"}
	words   = []string{"url: https://example.com/words.txt", "path: /opt/words.txt"}
	hello   = []string{"name: hello", "git: https://example.com/hello.git", "ref: v1.0.0"}
	builder = with(hello, "image: golang:1.26", "run: go build -o /out/ .")
)

func TestValidateReleases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		msg   string
	}{
		{
			name: "missing name", doc: releaseDoc(rel[1:]...),
			line: 4, field: "builder.releases[0].name", msg: "missing; name the executable",
		},
		{
			name: "name that is a path",
			doc:  releaseDoc(with([]string{"name: ../x"}, rel[1:]...)...),
			line: 4, field: "builder.releases[0].name", msg: `invalid file name "../x"`,
		},
		{
			name: "missing version", doc: releaseDoc("name: tool", tgzURL, "extract: tool"),
			line: 4, field: "builder.releases[0].version", msg: "missing; pin",
		},
		{
			name: "missing url", doc: releaseDoc("name: tool", "version: 1.0.0"),
			line: 4, field: "builder.releases[0].url", msg: "missing; give the download URL",
		},
		{
			name: "ftp url", doc: releaseDoc("name: tool", "version: 1", "url: ftp://x.org/t.tgz"),
			line: 6, field: "builder.releases[0].url", msg: `invalid URL "ftp://x.org/t.tgz"`,
		},
		{
			name: "url without host",
			doc:  releaseDoc("name: tool", "version: 1", "url: https:///t"),
			line: 6, field: "builder.releases[0].url", msg: "want an http or https URL",
		},
		{
			name: "relative url", doc: releaseDoc("name: tool", "version: 1", "url: x.org/t"),
			line: 6, field: "builder.releases[0].url", msg: "invalid URL",
		},
		{
			name: "undeclared arg in the url",
			doc:  releaseDoc("name: tool", "version: 1", "url: https://x.org/${FOO}/${ARCH}"),
			line: 6, field: "builder.releases[0].url", msg: "undeclared arg ${FOO}",
		},
		{
			name: "undeclared arg in the member",
			doc:  releaseDoc(with(rel[:3], "extract: ${VERSION}/${BIN}")...),
			line: 7, field: "builder.releases[0].extract", msg: "undeclared arg ${BIN}",
		},
		{
			name: "release token in the name",
			doc:  releaseDoc(with([]string{"name: tool-${ARCH}"}, rel[1:]...)...),
			line: 4, field: "builder.releases[0].name", msg: "undeclared arg ${ARCH}",
		},
		{
			name: "release token in the version",
			doc:  releaseDoc("name: tool", "version: ${VERSION}", tgzURL),
			line: 5, field: "builder.releases[0].version", msg: "undeclared arg ${VERSION}",
		},
		{
			name: "extract on a raw url",
			doc:  releaseDoc("name: tool", "version: 1", rawURL, "extract: tool"),
			line: 7, field: "builder.releases[0].extract",
			msg: `the URL's file name "tool_amd64" is not an archive`,
		},
		{
			name: "member above the archive",
			doc:  releaseDoc(with(rel[:3], "extract: ../../etc/passwd")...),
			line: 7, field: "builder.releases[0].extract", msg: "invalid archive member",
		},
		{
			name: "absolute member",
			doc:  releaseDoc(with(rel[:3], "extract: /bin/tool")...),
			line: 7, field: "builder.releases[0].extract", msg: `member "/bin/tool"`,
		},
		{
			name: "unclean member",
			doc:  releaseDoc(with(rel[:3], "extract: bin//tool")...),
			line: 7, field: "builder.releases[0].extract", msg: "clean relative path",
		},
		{
			name: "arch token with a space",
			doc:  releaseDoc(with(rel, "arch: {arm64: 'aarch 64'}")...),
			line: 8, field: "builder.releases[0].arch.arm64", msg: `invalid arch token "aarch 64"`,
		},
		{
			name: "arch token with a slash",
			doc:  releaseDoc(with(rel, "arch: {amd64: x86/64}")...),
			line: 8, field: "builder.releases[0].arch.amd64", msg: "invalid arch token",
		},
		{
			name: "arch key that is no GOARCH",
			doc:  releaseDoc(with(rel, "arch: {ARM64: aarch64}")...),
			line: 8, field: "builder.releases[0].arch.ARM64", msg: "want a GOARCH name",
		},
		{
			name: "sha256 key without os",
			doc:  releaseDoc(with(rel, "sha256: {amd64: "+sum+"}")...),
			line: 8, field: "builder.releases[0].sha256.amd64", msg: `invalid platform "amd64"`,
		},
		{
			name: "sha256 key that is no platform",
			doc:  releaseDoc(with(rel, "sha256: {linux/x 86: "+sum+"}")...),
			line: 8, field: "builder.releases[0].sha256.linux/x 86", msg: "want os/arch",
		},
		{
			name: "sha256 keys naming one platform",
			doc: releaseDoc(with(rel, "sha256:", "  linux/arm64: "+sum,
				"  linux/aarch64: "+sum)...),
			line: 9, field: "builder.releases[0].sha256.linux/arm64",
			msg: `"linux/arm64" names the same platform as "linux/aarch64"`,
		},
		{
			name: "sha256 keys naming arm64 with its variant",
			doc: releaseDoc(with(rel, "sha256: {linux/arm64/v8: "+sum+", linux/arm64: "+
				sum+"}")...),
			line: 8, field: "builder.releases[0].sha256.linux/arm64/v8",
			msg: `"linux/arm64/v8" names the same platform as "linux/arm64"`,
		},
		{
			name: "short sha256",
			doc:  releaseDoc(with(rel, "sha256: {linux/arm64: abc}")...),
			line: 8, field: "builder.releases[0].sha256.linux/arm64",
			msg: `invalid sha256 "abc"; want 64 lowercase hex digits`,
		},
		{
			name: "uppercase sha256",
			doc:  releaseDoc(with(rel, "sha256: {linux/arm64: "+strings.ToUpper(sum)+"}")...),
			line: 8, field: "builder.releases[0].sha256.linux/arm64", msg: "invalid sha256",
		},
		{
			name: "sha256 with its algorithm",
			doc:  releaseDoc(with(rel, "sha256: {linux/arm64: 'sha256:"+sum+"'}")...),
			line: 8, field: "builder.releases[0].sha256.linux/arm64", msg: "invalid sha256",
		},
		{
			name: "go tool and release with one output name",
			doc: lines("version: 1", "builder:", "  go:", "    tools:",
				"      - {module: github.com/mikefarah/yq/v4, version: v4.54.3}",
				"  releases:", "    - name: yq", "      version: 4.54.3",
				"      url: https://example.com/yq_${ARCH}"),
			line: 7, field: "builder.releases[0]",
			msg: `output name "yq" is already used by builder.go.tools[0]`,
		},
		{
			name: "renamed go tool and release",
			doc: lines("version: 1", "builder:", "  go:", "    tools:",
				"      - {module: example.com/x, version: v1.0.0, rename: tool}",
				"  releases:", "    - "+strings.Join(rel, "\n      ")),
			line: 7, field: "builder.releases[0]",
			msg: `output name "tool" is already used by builder.go.tools[0]`,
		},
		{
			name: "two releases with one name",
			doc: items([]string{"builder:", "  releases:"}, rel,
				[]string{"name: tool", "version: 2.0.0", rawURL}),
			line: 8, field: "builder.releases[1]",
			msg: `output name "tool" is already used by builder.releases[0]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecError(t, tt.doc, tt.line, tt.field, tt.msg)
		})
	}
}

// checkSpecError checks that doc fails to load and resolve with an error at
// line naming field and containing msg.
func checkSpecError(t *testing.T, doc string, line int, field, msg string) {
	t.Helper()
	const file = "variants/bad/variant.yaml"
	s, err := loadResolve(file, doc)
	if err == nil {
		t.Fatalf("Load(%q) = %+v, nil, want an error", doc, s)
	}
	for _, want := range []string{file + fmt.Sprintf(":%d:", line), fieldPrefix(field), msg} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q) = %v, want it to contain %q", doc, err, want)
		}
	}
	var se *spec.Error
	if !errors.As(err, &se) {
		t.Errorf("Load(%q) = %T, want a *spec.Error inside", doc, err)
	}
}

func TestValidateFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		msg   string
	}{
		{
			name: "missing url", doc: fileDocs(words[1:]),
			line: 4, field: "final.files[0].url", msg: "missing; give the download URL",
		},
		{
			name: "file url", doc: fileDocs([]string{"url: file:///etc/shadow", words[1]}),
			line: 4, field: "final.files[0].url", msg: `invalid URL "file:///etc/shadow"`,
		},
		{
			name: "release token in the url",
			doc:  fileDocs([]string{"url: https://example.com/words-${ARCH}.txt", words[1]}),
			line: 4, field: "final.files[0].url", msg: "undeclared arg ${ARCH}",
		},
		{
			name: "missing path", doc: fileDocs(words[:1]),
			line: 4, field: "final.files[0].path", msg: "missing; give the absolute path",
		},
		{
			name: "relative path", doc: fileDocs([]string{words[0], "path: opt/words.txt"}),
			line: 5, field: "final.files[0].path", msg: `invalid path "opt/words.txt"`,
		},
		{
			name: "root", doc: fileDocs([]string{words[0], "path: /"}),
			line: 5, field: "final.files[0].path", msg: "clean absolute file path",
		},
		{
			name: "unclean path", doc: fileDocs([]string{words[0], "path: /opt/../etc/x"}),
			line: 5, field: "final.files[0].path", msg: "invalid path",
		},
		{
			name: "directory path", doc: fileDocs([]string{words[0], "path: /opt/lists/"}),
			line: 5, field: "final.files[0].path", msg: "invalid path",
		},
		{
			name: "duplicate path",
			doc:  fileDocs(words, []string{"url: https://example.com/w2.txt", words[1]}),
			line: 7, field: "final.files[1].path",
			msg: `path "/opt/words.txt" is already used by final.files[0]`,
		},
		{
			name: "short sha256", doc: fileDocs(with(words, "sha256: abc")),
			line: 6, field: "final.files[0].sha256", msg: `invalid sha256 "abc"`,
		},
		{
			name: "mode that is not octal", doc: fileDocs(with(words, "mode: '0999'")),
			line: 6, field: "final.files[0].mode", msg: `invalid mode "0999"`,
		},
		{
			name: "symbolic mode", doc: fileDocs(with(words, "mode: rwx")),
			line: 6, field: "final.files[0].mode", msg: `invalid mode "rwx"; want octal`,
		},
		{
			name: "mode too large", doc: fileDocs(with(words, "mode: 17777")),
			line: 6, field: "final.files[0].mode", msg: "invalid mode",
		},
		{
			name: "member above the archive",
			doc: fileDocs([]string{"url: https://example.com/w.tar.gz", words[1],
				"extract: ../w.txt"}),
			line: 6, field: "final.files[0].extract", msg: `invalid archive member "../w.txt"`,
		},
		{
			name: "extract from a raw url", doc: fileDocs(with(words, "extract: words.txt")),
			line: 6, field: "final.files[0].extract",
			msg: `the URL's file name "words.txt" is not an archive`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecError(t, tt.doc, tt.line, tt.field, tt.msg)
		})
	}
}

func TestValidateSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		msg   string
	}{
		{
			name: "missing name", doc: sourceDocs(builder[1:]),
			line: 4, field: "builder.sources[0].name", msg: "missing",
		},
		{
			name: "name with a space",
			doc:  sourceDocs(with([]string{"name: a b"}, builder[1:]...)),
			line: 4, field: "builder.sources[0].name", msg: `invalid name "a b"`,
		},
		{
			name: "missing git", doc: sourceDocs(with(builder[:1], builder[2:]...)),
			line: 4, field: "builder.sources[0].git", msg: "missing; give the repository URL",
		},
		{
			name: "file url",
			doc: sourceDocs(with([]string{hello[0], "git: file:///srv/hello.git"},
				builder[2:]...)),
			line: 5, field: "builder.sources[0].git",
			msg: `invalid repository URL "file:///srv/hello.git"`,
		},
		{
			name: "scheme that starts with http",
			doc:  sourceDocs(with([]string{hello[0], "git: httpx://x.org/h.git"}, builder[2:]...)),
			line: 5, field: "builder.sources[0].git",
			msg: "want https://, http://, ssh:// or git://",
		},
		{
			name: "url without host",
			doc:  sourceDocs(with([]string{hello[0], "git: https:///h.git"}, builder[2:]...)),
			line: 5, field: "builder.sources[0].git", msg: "invalid repository URL",
		},
		{
			name: "missing ref", doc: sourceDocs(with(hello[:2], builder[3:]...)),
			line: 4, field: "builder.sources[0].ref", msg: "missing; pin a tag",
		},
		{
			name: "ref with ..", doc: sourceDocs(with(hello[:2], with([]string{"ref: v1..v2"},
				builder[3:]...)...)),
			line: 6, field: "builder.sources[0].ref", msg: `invalid git ref "v1..v2"`,
		},
		{
			name: "ref that is an option", doc: sourceDocs(with(hello[:2],
				with([]string{"ref: '--upload-pack=x'"}, builder[3:]...)...)),
			line: 6, field: "builder.sources[0].ref", msg: "invalid git ref",
		},
		{
			name: "missing image", doc: sourceDocs(with(hello, builder[4])),
			line: 4, field: "builder.sources[0].image", msg: "missing; name the image",
		},
		{
			name: "invalid image", doc: sourceDocs(with(hello, "image: Go:La:1", builder[4])),
			line: 7, field: "builder.sources[0].image", msg: "invalid image reference",
		},
		{
			name: "missing run", doc: sourceDocs(builder[:4]),
			line: 4, field: "builder.sources[0].run", msg: "missing; give the command",
		},
		{
			name: "blank run", doc: sourceDocs(with(builder[:4], "run: ' '")),
			line: 8, field: "builder.sources[0].run", msg: "writes executables to /out",
		},
		{
			name: "duplicate names", doc: sourceDocs(builder, builder),
			line: 9, field: "builder.sources[1].name",
			msg: `name "hello" is already used by builder.sources[0]`,
		},
		{
			name: "undeclared arg in the git url",
			doc:  sourceDocs(with([]string{hello[0], "git: ${GIT}/h.git"}, builder[2:]...)),
			line: 5, field: "builder.sources[0].git", msg: "undeclared arg ${GIT}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecError(t, tt.doc, tt.line, tt.field, tt.msg)
		})
	}
}

func TestValidateReleasesValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
	}{
		{"archive release", releaseDoc(rel...)},
		{"raw release", releaseDoc("name: tool", "version: 1", rawURL)},
		{"unquoted numeric version", releaseDoc("name: tool", "version: 1.10", rawURL)},
		{
			"every archive type",
			releaseDoc("name: t", "version: 1", "url: https://x.org/t_${ARCH}.tbz2?dl=1",
				"extract: t", "arch: {amd64: x86_64, arm: armv7l, riscv64: riscv64}",
				"sha256: {linux/amd64: "+sum+", linux/arm/v7: "+sum+"}"),
		},
		{"git over ssh", sourceDocs(with([]string{hello[0], "git: ssh://git@x.org/h.git"},
			builder[2:]...))},
		{"branch with a slash", sourceDocs(with(hello[:2], with([]string{"ref: feature/x-1.2"},
			builder[3:]...)...))},
		{"full commit", sourceDocs(with(hello[:2], with([]string{"ref: " + sum[:40]},
			builder[3:]...)...))},
		{"file with a mode", fileDocs(with(words, "mode: 0755", "sha256: "+sum))},
		{"file from an archive", fileDocs([]string{"url: https://x.org/w.zip", words[1],
			"extract: lists/words.txt"})},
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

func TestValidateReleasesJoined(t *testing.T) {
	t.Parallel()
	doc := releaseDoc("name: ''", "url: ftp://x.org/t", "extract: t",
		"arch: {arm64: 'a b'}", "sha256: {linux/arm64: x}")
	_, err := loadResolve("x.yaml", doc)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Load(%q) = %v, want errors.Join-ed errors", doc, err)
	}
	want := []string{
		"x.yaml:4:13: builder.releases[0].name: missing",
		"x.yaml:4:7: builder.releases[0].version: missing",
		"x.yaml:7:21: builder.releases[0].arch.arm64: invalid arch token",
		"x.yaml:8:29: builder.releases[0].sha256.linux/arm64: invalid sha256",
		"x.yaml:5:12: builder.releases[0].url: invalid URL",
		"x.yaml:6:16: builder.releases[0].extract: the URL's file name \"t\" is not an archive",
	}
	errs := joined.Unwrap()
	if len(errs) != len(want) {
		t.Fatalf("Load(%q) = %d errors:\n%v\nwant %d", doc, len(errs), err, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, e, want[i])
		}
	}
}
