package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

const basePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func lines(l ...string) string {
	return strings.Join(l, "\n") + "\n"
}

// variant is the spec most tests convert; the tools start on lines 9, 11, 14.
var variant = lines(
	"# syntax=cst-frontend",
	"version: 1",
	"name: cloud",
	"description: Cloud toolkit",
	"builder:",
	"  go:",
	"    ldflags: -s -w",
	"    tools:",
	"      - module: github.com/mikefarah/yq/v4",
	"        version: v4.54.3",
	"      - module: filippo.io/age/cmd/age",
	"        version: v1.3.2",
	"        cgo: true",
	"      - module: github.com/go-task/task/v3/cmd/task",
	"        version: v3.54.0",
	"        tags: [netgo, osusergo]",
	"final:",
	"  apt:",
	"    upgrade: true",
	"    packages: [jq, openssh-server, tmux]",
	"  env:",
	"    MYPATH: /x:${PATH}",
	"    TERM: xterm",
	"  entrypoint: [/bin/bash]",
	"  expose: [22, 53/udp]",
	"  labels:",
	"    org.opencontainers.image.vendor: CST",
	"    spec.label: from-spec",
)

// toolLines are the lines of variant's builder.go.tools[i].
var toolLines = []int{9, 11, 14}

// fakeImages resolves every reference to llb.Image with a small config.
// The reference "missing:latest" fails, as an unknown image would.
func fakeImages(_ context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error) {
	if ref == "missing:latest" {
		return llb.State{}, nil, fmt.Errorf("%s: not found", ref)
	}
	img := &dockerspec.DockerOCIImage{}
	img.Platform = p
	img.Config.Env = []string{"PATH=" + basePath, "HOME=/root"}
	img.Config.Cmd = []string{"bash"}
	img.Config.Labels = map[string]string{
		"org.opencontainers.image.vendor": "Base",
		"org.opencontainers.image.title":  "base",
		"base.only":                       "kept",
	}
	return llb.Image(ref, llb.Platform(p)), img, nil
}

// result is one conversion of a spec for one target.
type result struct {
	file     *spec.File
	spec     *spec.Spec
	execs    llb.State
	hasExecs bool
	final    llb.State
	img      *dockerspec.DockerOCIImage
	base     *dockerspec.DockerOCIImage
}

// options returns the Options the tests use: build on linux/amd64.
func options(f *spec.File, target ocispecs.Platform) *graph.Options {
	return &graph.Options{Target: target, Build: amd64, Images: fakeImages, File: f}
}

// resolve loads and resolves a spec for target, built on linux/amd64.
func resolve(t *testing.T, doc string, target ocispecs.Platform) (*spec.File, *spec.Spec) {
	t.Helper()
	f, err := spec.Load("variant.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	s, err := f.Resolve(nil, spec.PredefinedArgs(target, amd64))
	if err != nil {
		t.Fatalf("Resolve() = %v", err)
	}
	return f, s
}

// convert loads, resolves and converts doc for target, as the gateway does.
// edit may change the options before the conversion.
func convert(t *testing.T, doc string, target ocispecs.Platform,
	edit func(*graph.Options)) *result {
	t.Helper()
	f, s := resolve(t, doc, target)
	o := options(f, target)
	if edit != nil {
		edit(o)
	}
	ctx := context.Background()
	r := &result{file: f, spec: s}
	var err error
	r.execs, r.hasExecs, err = graph.Executables(ctx, s, o)
	if err != nil {
		t.Fatalf("Executables() = %v", err)
	}
	img, err := graph.Final(ctx, s, r.execs, r.hasExecs, o)
	if err != nil {
		t.Fatalf("Final() = %v", err)
	}
	r.final, r.img, r.base = img.State, img.Config, img.Base
	return r
}

// ops is a marshalled definition, decoded.
type ops struct {
	def  *llb.Definition
	list []*pb.Op
	dgst []digest.Digest
	by   map[digest.Digest]*pb.Op
}

// marshal marshals st as the gateway does, with co as the default
// constraints, such as the platform.
func marshal(t *testing.T, st llb.State, co ...llb.ConstraintsOpt) *ops {
	t.Helper()
	def, err := st.Marshal(context.Background(), co...)
	if err != nil {
		t.Fatalf("Marshal() = %v", err)
	}
	g := &ops{def: def, by: map[digest.Digest]*pb.Op{}}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatalf("UnmarshalVT() = %v", err)
		}
		d := digest.FromBytes(dt)
		g.list = append(g.list, &op)
		g.dgst = append(g.dgst, d)
		g.by[d] = &op
	}
	return g
}

// name is an op's progress name.
func (g *ops) name(i int) string {
	return g.def.Metadata[g.dgst[i]].Description["llb.customname"]
}

// find returns the indexes of the ops whose progress name starts with prefix.
func (g *ops) find(prefix string) []int {
	var found []int
	for i := range g.list {
		if strings.HasPrefix(g.name(i), prefix) {
			found = append(found, i)
		}
	}
	return found
}

// one returns the only op whose progress name is name.
func (g *ops) one(t *testing.T, name string) (*pb.Op, digest.Digest) {
	t.Helper()
	var found []int
	for i := range g.list {
		if g.name(i) == name {
			found = append(found, i)
		}
	}
	if len(found) != 1 {
		t.Fatalf("ops named %q: %d, want 1", name, len(found))
	}
	return g.list[found[0]], g.dgst[found[0]]
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func cacheMounts(ex *pb.ExecOp) map[string]*pb.Mount {
	m := map[string]*pb.Mount{}
	for _, mnt := range ex.Mounts {
		if mnt.MountType == pb.MountType_CACHE {
			m[mnt.Dest] = mnt
		}
	}
	return m
}

func samePlatform(p *pb.Platform, want ocispecs.Platform) bool {
	return p != nil && p.OS == want.OS && p.Architecture == want.Architecture &&
		p.Variant == want.Variant
}
