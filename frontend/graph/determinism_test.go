package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

// busy has maps everywhere, so that map order would show in the LLB.
var busy = lines(
	"version: 1",
	"name: busy",
	"args: {A: a, B: b, C: c, D: d}",
	"builder:",
	"  go:",
	"    tools:",
	"      - module: github.com/mikefarah/yq/v4",
	"        version: v4.54.3",
	"        env: {GOFLAGS: -mod=mod, GOPROXY: direct, GONOSUMDB: '*', GOEXPERIMENT: '${A}'}",
	"      - module: filippo.io/age/cmd/age",
	"        version: v1.3.2",
	"        cgo: true",
	"      - module: github.com/junegunn/fzf",
	"        version: v0.65.2",
	"        tags: ['${B}', '${C}']",
	"      - module: github.com/go-task/task/v3/cmd/task",
	"        version: v3.54.0",
	"final:",
	"  apt: {packages: [jq, tmux, nmap, curl]}",
	"  env: {Z: '${D}', Y: '${PATH}', X: x, W: w, V: v}",
	"  expose: [22, 80, 443, 53/udp]",
	"  volumes: [/a, /b, /c]",
	"  labels: {l1: '1', l2: '2', l3: '3', l4: '4'}",
)

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			var firstDef, firstImg []byte
			for i := range 25 {
				def, img := marshalOnce(t, busy, target)
				if i == 0 {
					firstDef, firstImg = def, img
					continue
				}
				if !bytes.Equal(def, firstDef) {
					t.Fatalf("definition %d differs from the first", i)
				}
				if !bytes.Equal(img, firstImg) {
					t.Fatalf("image config %d = %s, want %s", i, img, firstImg)
				}
			}
		})
	}
}

// marshalOnce converts doc from scratch and returns the definition as
// deterministic protobuf and the image config as JSON.
func marshalOnce(t *testing.T, doc string, target ocispecs.Platform) ([]byte, []byte) {
	t.Helper()
	data := []byte(doc)
	r := convert(t, doc, target, func(o *graph.Options) {
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
		o.Labels = map[string]string{"c1": "1", "c2": "2"}
	})
	def, err := r.final.Marshal(context.Background())
	if err != nil {
		t.Fatalf("Marshal() = %v", err)
	}
	pbDef, err := proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
	if err != nil {
		t.Fatalf("proto.Marshal() = %v", err)
	}
	img, err := json.Marshal(r.img)
	if err != nil {
		t.Fatalf("json.Marshal() = %v", err)
	}
	return pbDef, img
}

func TestSourceMap(t *testing.T) {
	t.Parallel()
	data := []byte(variant)
	r := convert(t, variant, arm64, func(o *graph.Options) {
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
	})
	g := marshal(t, r.final)
	src := g.def.Source
	if src == nil || len(src.Infos) != 1 {
		t.Fatalf("definition source = %v, want one source info", src)
	}
	info := src.Infos[0]
	if info.Filename != "variant.yaml" || info.Language != "YAML" || !bytes.Equal(info.Data, data) {
		t.Errorf("source info = %s %s, want variant.yaml YAML with the spec", info.Filename,
			info.Language)
	}
	steps := []struct {
		name string
		line int
	}{
		{"[linux/arm64 go] github.com/mikefarah/yq/v4@v4.54.3", toolLines[0]},
		{"[linux/arm64 go] filippo.io/age/cmd/age@v1.3.2", toolLines[1]},
		{"[linux/arm64 go] github.com/go-task/task/v3/cmd/task@v3.54.0", toolLines[2]},
		// final.apt is a mapping, located at its first key.
		{"[linux/arm64 final] upgrade and install packages", 19},
		// final.executables is not written: located at final's mapping.
		{"[linux/arm64 final] copy executables to /opt/executables", 18},
	}
	for _, step := range steps {
		_, d := g.one(t, step.name)
		locs := src.Locations[d.String()]
		if locs == nil || len(locs.Locations) != 1 {
			t.Errorf("%q locations = %v, want one", step.name, locs)
			continue
		}
		loc := locs.Locations[0]
		if loc.SourceIndex != 0 || len(loc.Ranges) != 1 {
			t.Errorf("%q location = %v, want one range in source 0", step.name, loc)
			continue
		}
		if got := loc.Ranges[0].Start.GetLine(); int(got) != step.line {
			t.Errorf("%q is at line %d, want %d", step.name, got, step.line)
		}
	}
}

func TestNoSourceMap(t *testing.T) {
	t.Parallel()
	r := convert(t, variant, amd64, nil)
	g := marshal(t, r.final)
	src := g.def.Source
	if src == nil {
		return
	}
	if len(src.Infos) > 0 {
		t.Errorf("source infos = %v, want none without a source map", src.Infos)
	}
	for d, locs := range src.Locations {
		if len(locs.GetLocations()) > 0 {
			t.Errorf("op %s has locations %v, want none without a source map", d, locs)
		}
	}
}
