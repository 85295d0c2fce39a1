package graph_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

func TestSourcesLLB(t *testing.T) {
	t.Parallel()
	data := []byte(downloads)
	r := convert(t, downloads, arm64, func(o *graph.Options) {
		withHelper(o)
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
	})
	g := marshal(t, r.execs)
	tests := []struct {
		name, ref, run string
		runOn          ocispecs.Platform
		line, gitLine  int
	}{
		{"cross", "v1.0.0", "go build -o /out/hello-cross .", amd64, 29, 30},
		{"emulated", "main", "go build -o /out/hello-emulated .", arm64, 34, 35},
	}
	for _, tt := range tests {
		gitName := "[linux/arm64 source] " + tt.name + ": https://example.com/hello.git#" + tt.ref
		gitOp, gitDgst := g.one(t, gitName)
		src := gitOp.GetSource()
		if want := "git://example.com/hello.git#" + tt.ref; src.GetIdentifier() != want {
			t.Errorf("%s git identifier = %q, want %q", tt.name, src.GetIdentifier(), want)
		}
		if got := src.GetAttrs()[pb.AttrFullRemoteURL]; got != "https://example.com/hello.git" {
			t.Errorf("%s git remote = %q, want https://example.com/hello.git", tt.name, got)
		}
		checkLine(t, g, gitName, tt.gitLine)
		name := "[linux/arm64 source] " + tt.name + ": " + tt.run
		checkLine(t, g, name, tt.line)
		op, _ := g.one(t, name)
		ex := op.GetExec()
		if ex == nil {
			t.Fatalf("%s is %T, want an exec op", tt.name, op.Op)
		}
		if !samePlatform(op.Platform, tt.runOn) {
			t.Errorf("%s runs on %v, want %s", tt.name, op.Platform, platforms.Format(tt.runOn))
		}
		if args := ex.Meta.Args; len(args) != 3 || args[0] != "/bin/sh" || args[1] != "-c" ||
			!strings.Contains(args[2], "$CST_SOURCE_RUN") {
			t.Errorf("%s args = %q, want /bin/sh -c with the source script", tt.name, args)
		}
		if ex.Meta.Cwd != "/src" {
			t.Errorf("%s runs in %q, want /src", tt.name, ex.Meta.Cwd)
		}
		checkSourceEnv(t, tt.name, ex, map[string]string{
			"TARGETOS": "linux", "TARGETARCH": "arm64", "TARGETPLATFORM": "linux/arm64",
			"TARGETVARIANT": "", "CST_SOURCE_RUN": tt.run, "CST_SOURCE_NAME": tt.name,
			"MIRROR": "https://example.com", "GOMODCACHE": "/cst/go/mod",
			"GOCACHE": "/cst/go/build",
		})
		checkGoMounts(t, tt.name, ex, "")
		m := mount(t, ex, "/src")
		if m.Readonly || digest.Digest(op.Inputs[m.Input].Digest) != gitDgst {
			t.Errorf("%s /src mount = %v, want the checkout %s, writable", tt.name, m, gitDgst)
		}
		out := mount(t, ex, "/out")
		if out.Readonly || out.Input != int64(pb.Empty) || out.Output < 0 {
			t.Errorf("%s /out mount = %v, want an empty writable output", tt.name, out)
		}
		root := g.by[digest.Digest(op.Inputs[mount(t, ex, "/").Input].Digest)]
		if id := root.GetSource().GetIdentifier(); id != "docker-image://docker.io/library/"+
			"golang:1.26" || !samePlatform(root.Platform, tt.runOn) {
			t.Errorf("%s image = %s for %v, want golang:1.26 for %s", tt.name, id,
				root.Platform, platforms.Format(tt.runOn))
		}
	}
}

func checkSourceEnv(t *testing.T, name string, ex *pb.ExecOp, want map[string]string) {
	t.Helper()
	env := envMap(ex.Meta.Env)
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s env %s = %q (set %t), want %q", name, k, got, ok, v)
		}
	}
}

func TestSourceEnv(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"args: {CST_SOURCE_RUN: echo replaced, CST_SOURCE_NAME: other, GOCACHE: /tmp, V: '1'}",
		"builder:",
		"  sources:",
		"    - {name: s, git: https://x.org/s.git, ref: v1, image: alpine, run: make V=$V}",
	)
	armv7 := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	r := convert(t, doc, armv7, func(o *graph.Options) { o.CacheNS = "team" })
	g := marshal(t, r.execs)
	op, _ := g.one(t, "[linux/arm/v7 source] s: make V=$V")
	ex := op.GetExec()
	// Declared args are in the environment, but none replaces what the
	// frontend sets.
	checkSourceEnv(t, "s", ex, map[string]string{
		"TARGETPLATFORM": "linux/arm/v7", "TARGETARCH": "arm", "TARGETVARIANT": "v7",
		"CST_SOURCE_RUN": "make V=$V", "CST_SOURCE_NAME": "s", "GOCACHE": "/cst/go/build",
		"V": "1",
	})
	checkGoMounts(t, "s", ex, "team")
}

func TestSourceImageError(t *testing.T) {
	t.Parallel()
	doc := lines("version: 1", "builder:", "  sources:",
		"    - {name: s, git: https://x.org/s.git, ref: v1, image: missing:latest, run: make}")
	f, s := resolve(t, doc, arm64)
	_, _, err := graph.Executables(context.Background(), s, options(f, arm64))
	want := "variant.yaml:4:59: builder.sources[0].image: missing:latest: not found"
	if err == nil || err.Error() != want {
		t.Errorf("Executables() = %v, want %q", err, want)
	}
}

func TestDownloadsDeterministic(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			var first [][]byte
			for i := range 25 {
				defs := marshalDownloads(t, target)
				if i == 0 {
					first = defs
					continue
				}
				if len(defs) != len(first) {
					t.Fatalf("conversion %d has %d definitions, want %d", i, len(defs), len(first))
				}
				for j := range defs {
					if !bytes.Equal(defs[j], first[j]) {
						t.Fatalf("conversion %d: definition %d differs from the first", i, j)
					}
				}
			}
		})
	}
}

// marshalDownloads converts downloads from scratch and returns the final
// image's definition and its check's, as deterministic protobuf.
func marshalDownloads(t *testing.T, target ocispecs.Platform) [][]byte {
	t.Helper()
	data := []byte(downloads)
	c, err := checks(t, downloads, target, helperImage(), func(o *graph.Options) {
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
		o.CacheNS = "ns"
	})
	if err != nil {
		t.Fatalf("Checks() = %v", err)
	}
	var out [][]byte
	for _, st := range append([]llb.State{c.final}, c.checks...) {
		def, err := st.Marshal(context.Background(), llb.Platform(amd64))
		if err != nil {
			t.Fatalf("Marshal() = %v", err)
		}
		dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
		if err != nil {
			t.Fatalf("proto.Marshal() = %v", err)
		}
		out = append(out, dt)
	}
	return out
}
