package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	sumA = strings.Repeat("a", 64)
	sumB = strings.Repeat("b", 64)
	sumC = strings.Repeat("c", 64)
	sumD = strings.Repeat("d", 64)
	sumE = strings.Repeat("e", 64)
)

// downloads has a Go tool, three releases (raw, tar.gz, zip), two sources
// and two files. The releases start on lines 10, 17 and 23; the sources on
// 29 and 34; the files on 42 and 46.
var downloads = lines(
	"version: 1",
	"name: downloads",
	"args: {MIRROR: https://example.com}",
	"x-arch: &arch {amd64: x86_64, arm64: aarch64}",
	"builder:",
	"  go:",
	"    tools:",
	"      - {module: github.com/mikefarah/yq/v4, version: v4.54.3}",
	"  releases:",
	"    - name: hello-raw",
	"      version: 1.0.0",
	"      url: ${MIRROR}/hello/v${VERSION}/hello_${VERSION}_linux_${ARCH}",
	"      arch: *arch",
	"      sha256:",
	"        linux/amd64: "+sumA,
	"        linux/arm64: "+sumB,
	"    - name: hello-tgz",
	"      version: 1.0.0",
	"      url: ${MIRROR}/hello/v${VERSION}/hello_${VERSION}_linux_${ARCH}.tar.gz",
	"      arch: *arch",
	"      extract: hello_${VERSION}/bin/hello",
	"      sha256: {linux/arm64/v8: "+sumC+"}",
	"    - name: nosum",
	"      version: 2.0.0",
	"      url: ${MIRROR}/nosum_${ARCH}.zip?download=1",
	"      extract: nosum",
	"      sha256: {linux/x86_64: "+sumD+"}",
	"  sources:",
	"    - name: cross",
	"      git: https://example.com/hello.git",
	"      ref: v1.0.0",
	"      image: golang:1.26",
	"      run: go build -o /out/hello-cross .",
	"    - name: emulated",
	"      git: https://example.com/hello.git",
	"      ref: main",
	"      image: golang:1.26",
	"      run: go build -o /out/hello-emulated .",
	"      emulate: true",
	"final:",
	"  files:",
	"    - url: ${MIRROR}/lists/words.txt",
	"      path: /opt/lists/words.txt",
	"      sha256: "+sumE,
	"      mode: '0600'",
	"    - url: ${MIRROR}/lists/words.tar.gz",
	"      path: /usr/share/words",
	"      extract: lists/words.txt",
)

// withHelper sets the frontend's own image, which extracts archives.
func withHelper(o *graph.Options) {
	o.Helper = helperImage()
}

// wantRelease is what one release of downloads becomes for a target.
type wantRelease struct {
	name, version, url, file, sum, member string
	line                                  int
}

func downloadReleases(target ocispecs.Platform) []wantRelease {
	token := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[target.Architecture]
	hello := "https://example.com/hello/v1.0.0/hello_1.0.0_linux_" + token
	rels := []wantRelease{
		{name: "hello-raw", version: "1.0.0", url: hello, file: "hello_1.0.0_linux_" + token,
			line: 10},
		{name: "hello-tgz", version: "1.0.0", url: hello + ".tar.gz",
			file: "hello_1.0.0_linux_" + token + ".tar.gz", member: "hello_1.0.0/bin/hello",
			line: 17},
		{name: "nosum", version: "2.0.0",
			url:  "https://example.com/nosum_" + target.Architecture + ".zip?download=1",
			file: "nosum_" + target.Architecture + ".zip", member: "nosum", line: 23},
	}
	if target.Architecture == "arm64" {
		// linux/arm64/v8 is linux/arm64; nosum has no checksum for it.
		rels[0].sum, rels[1].sum = sumB, sumC
	} else {
		// linux/x86_64 is linux/amd64; hello-tgz has no checksum for it.
		rels[0].sum, rels[2].sum = sumA, sumD
	}
	return rels
}

func TestReleasesLLB(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{arm64, amd64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			data := []byte(downloads)
			r := convert(t, downloads, target, func(o *graph.Options) {
				withHelper(o)
				o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
			})
			g := marshal(t, r.execs)
			prefix := "[" + platforms.Format(target) + " release] "
			for _, rel := range downloadReleases(target) {
				name := prefix + rel.name + " " + rel.version + ": " + rel.url
				dl := checkDownload(t, g, name, rel.url, rel.file, rel.sum)
				checkLine(t, g, name, rel.line)
				if rel.member == "" {
					checkTake(t, g, prefix+"take "+rel.name, dl, "/"+rel.file, "/"+rel.name)
					continue
				}
				checkExtractOp(t, g, prefix+"extract "+rel.member+" from "+rel.file, dl,
					rel.member, rel.name, "0755", rel.file)
			}
		})
	}
}

// checkDownload checks the HTTP source named name and returns its digest.
func checkDownload(t *testing.T, g *ops, name, url, file, sum string) digest.Digest {
	t.Helper()
	op, d := g.one(t, name)
	src := op.GetSource()
	if src.GetIdentifier() != url {
		t.Errorf("%q identifier = %q, want %q", name, src.GetIdentifier(), url)
	}
	attrs := src.GetAttrs()
	if got := attrs[pb.AttrHTTPFilename]; got != file {
		t.Errorf("%q file name = %q, want %q", name, got, file)
	}
	got, ok := attrs[pb.AttrHTTPChecksum]
	switch {
	case sum == "" && ok:
		t.Errorf("%q checksum = %q, want none", name, got)
	case sum != "" && got != "sha256:"+sum:
		t.Errorf("%q checksum = %q, want sha256:%s", name, got, sum)
	}
	return d
}

// checkLine checks that a step points at a line of the spec.
func checkLine(t *testing.T, g *ops, name string, line int) {
	t.Helper()
	_, d := g.one(t, name)
	locs := g.def.Source.GetLocations()[d.String()].GetLocations()
	if len(locs) != 1 || locs[0].Ranges[0].Start.GetLine() != int32(line) {
		t.Errorf("%q locations = %v, want line %d", name, locs, line)
	}
}

// checkTake checks the copy of a raw download to the root, mode 0755.
func checkTake(t *testing.T, g *ops, name string, dl digest.Digest, src, dest string) {
	t.Helper()
	op, _ := g.one(t, name)
	actions := op.GetFile().GetActions()
	if len(actions) != 1 || actions[0].GetCopy() == nil {
		t.Fatalf("%q = %v, want one copy", name, op)
	}
	cp := actions[0].GetCopy()
	if cp.Src != src || cp.Dest != dest || cp.Mode != 0o755 {
		t.Errorf("%q copies %s to %s mode %#o, want %s to %s mode 0755", name, cp.Src, cp.Dest,
			cp.Mode, src, dest)
	}
	in := actions[0].SecondaryInput
	if in < 0 || digest.Digest(op.Inputs[in].Digest) != dl {
		t.Errorf("%q copies from input %d, want the download %s", name, in, dl)
	}
}

// checkExtractOp checks the helper's extract step: on the build platform,
// the download read-only at /in, the member written to /out/out.
func checkExtractOp(t *testing.T, g *ops, name string, dl digest.Digest, member, out, mode,
	file string) {
	t.Helper()
	op, _ := g.one(t, name)
	ex := op.GetExec()
	if ex == nil {
		t.Fatalf("%q is %T, want an exec op", name, op.Op)
	}
	if !samePlatform(op.Platform, amd64) {
		t.Errorf("%q runs on %v, want the build platform linux/amd64", name, op.Platform)
	}
	want := []string{graph.HelperBinary, "extract", "-member", member, "-out", "/out/" + out,
		"-mode", mode, "/in/" + file}
	if !slices.Equal(ex.Meta.Args, want) {
		t.Errorf("%q args = %q, want %q", name, ex.Meta.Args, want)
	}
	checkHelperImage(t, g, op, mount(t, ex, "/"))
	in := mount(t, ex, "/in")
	if !in.Readonly || digest.Digest(op.Inputs[in.Input].Digest) != dl {
		t.Errorf("%q /in mount = %v, want the download %s read-only", name, in, dl)
	}
	o := mount(t, ex, "/out")
	if o.Readonly || o.Input != int64(pb.Empty) || o.Output < 0 {
		t.Errorf("%q /out mount = %v, want an empty writable output", name, o)
	}
}

func TestExecutablesMergesEveryKind(t *testing.T) {
	t.Parallel()
	r := convert(t, downloads, arm64, withHelper)
	if !r.hasExecs {
		t.Fatalf("Executables() has no executables, want 6")
	}
	g := marshal(t, r.execs)
	var merges []*pb.Op
	for _, op := range g.list {
		if op.GetMerge() != nil {
			merges = append(merges, op)
		}
	}
	if len(merges) != 1 {
		t.Fatalf("merge ops = %d, want 1", len(merges))
	}
	// One input per executable, in spec order: go tools, releases, sources.
	prefix := "[linux/arm64 "
	wantNames := []string{
		prefix + "go] github.com/mikefarah/yq/v4@v4.54.3",
		prefix + "release] take hello-raw",
		prefix + "release] extract hello_1.0.0/bin/hello from hello_1.0.0_linux_aarch64.tar.gz",
		prefix + "release] extract nosum from nosum_arm64.zip",
		prefix + "source] cross: go build -o /out/hello-cross .",
		prefix + "source] emulated: go build -o /out/hello-emulated .",
	}
	inputs := merges[0].Inputs
	if len(inputs) != len(wantNames) {
		t.Fatalf("merge inputs = %d, want %d", len(inputs), len(wantNames))
	}
	for i, in := range inputs {
		op := g.by[digest.Digest(in.Digest)]
		_, d := g.one(t, wantNames[i])
		if digest.Digest(in.Digest) != d {
			t.Errorf("merge input %d = %s, want %q", i, in.Digest, wantNames[i])
			continue
		}
		// Exec ops give their /out mount, file ops their only output.
		if ex := op.GetExec(); ex != nil && in.Index != mount(t, ex, "/out").Output {
			t.Errorf("merge input %d takes output %d of %q, want /out", i, in.Index,
				wantNames[i])
		}
	}
	if got := g.name(len(g.list) - 2); got != prefix+"builder] collect executables" {
		t.Errorf("last step = %q, want the merge", got)
	}
}

func TestFilesLLB(t *testing.T) {
	t.Parallel()
	r := convert(t, downloads, arm64, withHelper)
	g := marshal(t, r.final)
	tests := []struct {
		path, url, file, sum, member string
		mode                         int32
	}{
		{path: "/opt/lists/words.txt", url: "https://example.com/lists/words.txt",
			file: "words.txt", sum: sumE, mode: 0o600},
		{path: "/usr/share/words", url: "https://example.com/lists/words.tar.gz",
			file: "words.tar.gz", member: "lists/words.txt", mode: 0o644},
	}
	for _, tt := range tests {
		dl := checkDownload(t, g, "[linux/arm64 file] "+tt.path+": "+tt.url, tt.url, tt.file,
			tt.sum)
		src, from := "/"+tt.file, dl
		if tt.member != "" {
			name := "[linux/arm64 file] extract " + tt.member + " from " + tt.file
			checkExtractOp(t, g, name, dl, tt.member, "file", "0644", tt.file)
			_, from = g.one(t, name)
			src = "/file"
		}
		op, _ := g.one(t, "[linux/arm64 final] add "+tt.path)
		actions := op.GetFile().GetActions()
		if len(actions) != 1 || actions[0].GetCopy() == nil {
			t.Fatalf("add %s = %v, want one copy", tt.path, op)
		}
		cp := actions[0].GetCopy()
		if cp.Src != src || cp.Dest != tt.path || cp.Mode != tt.mode || !cp.CreateDestPath {
			t.Errorf("add %s copies %s to %s mode %#o, want %s to %s mode %#o with parents",
				tt.path, cp.Src, cp.Dest, cp.Mode, src, tt.path, tt.mode)
		}
		user, _ := cp.GetOwner().GetUser().GetUser().(*pb.UserOpt_ByID)
		group, _ := cp.GetOwner().GetGroup().GetUser().(*pb.UserOpt_ByID)
		if user == nil || group == nil || user.ByID != 0 || group.ByID != 0 {
			t.Errorf("add %s owner = %v, want 0:0", tt.path, cp.GetOwner())
		}
		in := actions[0].SecondaryInput
		if in < 0 || digest.Digest(op.Inputs[in].Digest) != from {
			t.Errorf("add %s copies from input %d, want %s", tt.path, in, from)
		}
	}
}

func TestDownloadsWithoutHelper(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "release from an archive",
			doc: lines("version: 1", "builder:", "  releases:", "    - name: t",
				"      version: 1", "      url: https://example.com/t.tgz", "      extract: t"),
			want: "variant.yaml:7:16: builder.releases[0].extract: the frontend's own " +
				"image is unknown, so it cannot extract archives",
		},
		{
			name: "file from an archive",
			doc: lines("version: 1", "final:", "  files:", "    - url: https://example.com/w.zip",
				"      path: /w", "      extract: w"),
			want: "variant.yaml:6:16: final.files[0].extract: the frontend's own " +
				"image is unknown, so it cannot extract archives",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, s := resolve(t, tt.doc, arm64)
			o := options(f, arm64)
			execs, has, err := graph.Executables(context.Background(), s, o)
			if err == nil {
				_, err = graph.Final(context.Background(), s, execs, has, o)
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("convert(%q) = %v, want %q", tt.doc, err, tt.want)
			}
		})
	}
	// Raw downloads need no helper.
	raw := lines("version: 1", "builder:", "  releases:", "    - name: t", "      version: 1",
		"      url: https://example.com/t", "final:", "  files:",
		"    - {url: https://example.com/w.txt, path: /w}")
	r := convert(t, raw, arm64, nil)
	g := marshal(t, r.final)
	g.one(t, "[linux/arm64 release] take t")
	g.one(t, "[linux/arm64 final] add /w")
}

func TestToolListDownloads(t *testing.T) {
	t.Parallel()
	r := convert(t, downloads, arm64, withHelper)
	want := []graph.Tool{
		{Name: "yq", Kind: "go", Version: "v4.54.3",
			Source: "https://pkg.go.dev/github.com/mikefarah/yq/v4@v4.54.3"},
		{Name: "hello-raw", Kind: "release", Version: "1.0.0",
			Source: "https://example.com/hello/v1.0.0/hello_1.0.0_linux_aarch64", SHA256: sumB},
		{Name: "hello-tgz", Kind: "release", Version: "1.0.0",
			Source: "https://example.com/hello/v1.0.0/hello_1.0.0_linux_aarch64.tar.gz",
			SHA256: sumC},
		{Name: "nosum", Kind: "release", Version: "2.0.0",
			Source: "https://example.com/nosum_arm64.zip?download=1"},
		{Name: "cross", Kind: "source", Version: "v1.0.0",
			Source: "https://example.com/hello.git"},
		{Name: "emulated", Kind: "source", Version: "main",
			Source: "https://example.com/hello.git"},
	}
	if got := graph.Tools(r.spec, arm64); !slices.Equal(got, want) {
		t.Errorf("Tools(arm64) = %+v\nwant %+v", got, want)
	}
	g := marshal(t, r.final)
	op, _ := g.one(t, "[linux/arm64 final] write "+graph.ToolList)
	var got []graph.Tool
	for _, a := range op.GetFile().GetActions() {
		if m := a.GetMkfile(); m != nil {
			if err := json.Unmarshal(m.Data, &got); err != nil {
				t.Fatalf("tool list = %s: %v", m.Data, err)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("tool list = %+v\nwant %+v", got, want)
	}
	amd := graph.Tools(r.spec, amd64)
	if amd[1].SHA256 != sumA || amd[2].SHA256 != "" || amd[3].SHA256 != sumD ||
		!strings.HasSuffix(amd[1].Source, "_x86_64") {
		t.Errorf("Tools(amd64) = %+v, want amd64 URLs and checksums", amd)
	}
}

func TestChecksWithDownloads(t *testing.T) {
	t.Parallel()
	c, err := checks(t, downloads, arm64, helperImage(), nil)
	if err != nil {
		t.Fatalf("Checks() = %v, want no error", err)
	}
	if len(c.checks) != 2 {
		t.Fatalf("Checks() = %d states, want the ELF check and the names check", len(c.checks))
	}
	g := marshal(t, c.checks[0], llb.Platform(amd64))
	g.one(t, "[linux/arm64 check] executables are ELF files for arm64")
	// The check sees the final image, which holds every download.
	for _, name := range []string{
		"[linux/arm64 release] take hello-raw",
		"[linux/arm64 source] cross: go build -o /out/hello-cross .",
		"[linux/arm64 final] add /usr/share/words",
	} {
		g.one(t, name)
	}
	names := marshal(t, c.checks[1], llb.Platform(amd64))
	op, _ := names.one(t, "[linux/arm64 check] no two tools write the same executable")
	want := []string{graph.HelperBinary, "check-names",
		"-taken", "yq=the Go tool github.com/mikefarah/yq/v4",
		"-taken", "hello-raw=the release hello-raw", "-taken", "hello-tgz=the release hello-tgz",
		"-taken", "nosum=the release nosum", "-source", "0=cross", "-source", "1=emulated",
		"/sources"}
	if got := op.GetExec().Meta.Args; !slices.Equal(got, want) {
		t.Errorf("names check args = %q, want %q", got, want)
	}
	m := op.GetExec().Mounts
	if len(m) != 3 || m[1].Dest != "/sources/0" || m[2].Dest != "/sources/1" ||
		!m[1].Readonly || !m[2].Readonly {
		t.Errorf("names check mounts = %v, want each source's output under /sources", m)
	}
}
