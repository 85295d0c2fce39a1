package graph_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/cst-frontend/cst-frontend/frontend/helper"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

const helperRef = "registry.example.com/cst-frontend:test"

// tested has one tool and two tests, on lines 9 and 12.
var tested = lines(
	"version: 1",
	"builder:",
	"  go:",
	"    tools:",
	"      - {module: github.com/mikefarah/yq/v4, version: v4.54.3}",
	"final:",
	"  workdir: /srv",
	"tests:",
	"  - name: version",
	"    run: yq --version",
	"    expect: 'version v4\\.54\\.3'",
	"  - name: missing",
	"    run: no-such-command",
	"    exit: 127",
)

// checked is one conversion with its checks.
type checked struct {
	*result
	checks []llb.State
}

// checks converts doc for target and returns its checks, run by helper.
func checks(t *testing.T, doc string, target ocispecs.Platform, helperImg *llb.State,
	edit func(*graph.Options)) (*checked, error) {
	t.Helper()
	var o *graph.Options
	r := convert(t, doc, target, func(opts *graph.Options) {
		opts.Helper = helperImg
		if edit != nil {
			edit(opts)
		}
		o = opts
	})
	img := &graph.Image{State: r.final, Config: r.img, Base: r.base}
	states, err := graph.Checks(r.spec, img, r.hasExecs, o)
	return &checked{result: r, checks: states}, err
}

func helperImage() *llb.State {
	st := llb.Image(helperRef)
	return &st
}

func TestChecks(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{arm64, amd64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			data := []byte(tested)
			c, err := checks(t, tested, target, helperImage(), func(o *graph.Options) {
				o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
			})
			if err != nil {
				t.Fatalf("Checks() = %v, want no error", err)
			}
			if len(c.checks) != 3 {
				t.Fatalf("Checks() = %d states, want the ELF check and 2 tests", len(c.checks))
			}
			final := marshal(t, c.final)
			last := final.list[len(final.list)-1].Inputs[0].Digest
			checkELFOp(t, marshal(t, c.checks[0], llb.Platform(amd64)), target, last)
			g := marshal(t, c.checks[1], llb.Platform(amd64))
			checkTestOps(t, g, target, "version", "yq --version", `version v4\.54\.3`, "0")
			checkTestLines(t, g, target, "version", 9)
			g = marshal(t, c.checks[2], llb.Platform(amd64))
			checkTestOps(t, g, target, "missing", "no-such-command", "", "127")
			checkTestLines(t, g, target, "missing", 12)
		})
	}
}

// checkELFOp checks the ELF check: the helper image on the build platform,
// with the final image's executables mounted read-only.
func checkELFOp(t *testing.T, g *ops, target ocispecs.Platform, final string) {
	t.Helper()
	arch := target.Architecture
	name := "[" + platforms.Format(target) + " check] executables are ELF files for " + arch
	op, _ := g.one(t, name)
	ex := op.GetExec()
	if ex == nil {
		t.Fatalf("%q is %T, want an exec op", name, op.Op)
	}
	if !samePlatform(op.Platform, amd64) {
		t.Errorf("ELF check runs on %v, want the build platform linux/amd64", op.Platform)
	}
	want := []string{"/bin/cst-frontend", "check-elf", "-arch", arch, "/check"}
	if !slices.Equal(ex.Meta.Args, want) {
		t.Errorf("ELF check args = %q, want %q", ex.Meta.Args, want)
	}
	root := mount(t, ex, "/")
	checkHelperImage(t, g, op, root)
	m := mount(t, ex, "/check")
	if !m.Readonly || m.Selector != "/opt/executables" || m.Output != int64(pb.SkipOutput) {
		t.Errorf("ELF check /check mount = %v, want /opt/executables read-only", m)
	}
	if got := op.Inputs[m.Input].Digest; got != final {
		t.Errorf("ELF check mounts %s, want the final image %s", got, final)
	}
}

// checkHelperImage checks that a mount is the helper image, pulled for the
// build platform.
func checkHelperImage(t *testing.T, g *ops, op *pb.Op, m *pb.Mount) {
	t.Helper()
	src := g.by[digest.Digest(op.Inputs[m.Input].Digest)].GetSource()
	if src.GetIdentifier() != "docker-image://"+helperRef {
		t.Errorf("%s mount = %v, want the helper image", m.Dest, src)
	}
	if p := g.by[digest.Digest(op.Inputs[m.Input].Digest)].Platform; !samePlatform(p, amd64) {
		t.Errorf("helper image pulled for %v, want linux/amd64", p)
	}
}

func mount(t *testing.T, ex *pb.ExecOp, dest string) *pb.Mount {
	t.Helper()
	for _, m := range ex.Mounts {
		if m.Dest == dest {
			return m
		}
	}
	t.Fatalf("no mount on %s; mounts %v", dest, ex.Mounts)
	return nil
}

// checkTestOps checks a test: its command run in the image on the target
// platform, then judged by the helper on the build platform.
func checkTestOps(t *testing.T, g *ops, target ocispecs.Platform, name, cmd, expect,
	exit string) {
	t.Helper()
	prefix := "[" + platforms.Format(target) + " test] "
	op, runDgst := g.one(t, prefix+name)
	run := op.GetExec()
	if run == nil {
		t.Fatalf("test %s is %T, want an exec op", name, op.Op)
	}
	if !samePlatform(op.Platform, target) {
		t.Errorf("test %s runs on %v, want %s", name, op.Platform, platforms.Format(target))
	}
	args := run.Meta.Args
	if len(args) != 3 || args[0] != "/bin/sh" || args[1] != "-c" {
		t.Fatalf("test %s args = %q, want /bin/sh -c SCRIPT", name, args)
	}
	for _, f := range []string{helper.TestOutput, helper.TestExit} {
		if !strings.Contains(args[2], "/cst-test/"+f) {
			t.Errorf("test script = %q, want it to write /cst-test/%s", args[2], f)
		}
	}
	env := envMap(run.Meta.Env)
	if env["CST_TEST_CMD"] != cmd || !strings.HasPrefix(env["PATH"], "/opt/executables:") {
		t.Errorf("test %s env = %q, want CST_TEST_CMD=%s and the image's PATH", name,
			run.Meta.Env, cmd)
	}
	if run.Meta.User != "root" || run.Meta.Cwd != "/srv" {
		t.Errorf("test %s runs as %q in %q, want root in /srv", name, run.Meta.User, run.Meta.Cwd)
	}
	out := mount(t, run, "/cst-test")
	if out.Readonly || out.Input != int64(pb.Empty) || out.Output < 0 {
		t.Errorf("test %s /cst-test mount = %v, want an empty writable output", name, out)
	}
	op, _ = g.one(t, prefix+"check "+name)
	judge := op.GetExec()
	if judge == nil {
		t.Fatalf("check %s is %T, want an exec op", name, op.Op)
	}
	if !samePlatform(op.Platform, amd64) {
		t.Errorf("check %s runs on %v, want linux/amd64", name, op.Platform)
	}
	want := []string{"/bin/cst-frontend", "check-test", "-name", name, "-cmd", cmd,
		"-expect", expect, "-exit", exit, "/cst-test"}
	if !slices.Equal(judge.Meta.Args, want) {
		t.Errorf("check %s args = %q, want %q", name, judge.Meta.Args, want)
	}
	checkHelperImage(t, g, op, mount(t, judge, "/"))
	in := mount(t, judge, "/cst-test")
	result := op.Inputs[in.Input]
	if !in.Readonly || digest.Digest(result.Digest) != runDgst || result.Index != out.Output {
		t.Errorf("check %s /cst-test mount = %v from %v, want the test's output read-only",
			name, in, result)
	}
}

// checkTestLines checks that a test's steps point at the test in the spec.
func checkTestLines(t *testing.T, g *ops, target ocispecs.Platform, name string, line int) {
	t.Helper()
	prefix := "[" + platforms.Format(target) + " test] "
	for _, step := range []string{prefix + name, prefix + "check " + name} {
		_, d := g.one(t, step)
		locs := g.def.Source.Locations[d.String()].GetLocations()
		if len(locs) != 1 || locs[0].Ranges[0].Start.GetLine() != int32(line) {
			t.Errorf("%q locations = %v, want line %d", step, locs, line)
		}
	}
}

func TestChecksWhatToCheck(t *testing.T) {
	t.Parallel()
	tool := lines("version: 1", "builder:", "  go:", "    tools:",
		"      - {module: github.com/junegunn/fzf, version: v0.65.2}")
	test := lines("version: 1", "tests:", "  - {name: t, run: 'true'}")
	tests := []struct {
		name    string
		doc     string
		helper  bool
		want    []string // progress names of the checks' last steps
		wantErr string
	}{
		{name: "nothing to check", doc: lines("version: 1"), helper: true},
		{name: "nothing to check, no helper", doc: lines("version: 1")},
		{
			name: "tools only", doc: tool, helper: true,
			want: []string{"[linux/arm64 check] executables are ELF files for arm64"},
		},
		{
			name: "tests only", doc: test, helper: true,
			want: []string{"[linux/arm64 test] check t"},
		},
		{name: "tools, no helper", doc: tool, wantErr: "CST_SKIP_TESTS=1"},
		{name: "tests, no helper", doc: test, wantErr: "frontend's own image is unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h *llb.State
			if tt.helper {
				h = helperImage()
			}
			c, err := checks(t, tt.doc, arm64, h, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Checks() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Checks() = %v, want no error", err)
			}
			var got []string
			for _, st := range c.checks {
				g := marshal(t, st, llb.Platform(amd64))
				got = append(got, g.name(len(g.list)-2))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Checks() = %q, want %q", got, tt.want)
			}
		})
	}
}

// busySteps adds run steps and tests to busy.
var busySteps = busy + lines(
	"  run:",
	"    - {name: a, shell: 'echo $A $B', secrets: [s2, s1]}",
	"    - {name: b, shell: 'echo $C $D'}",
	"tests:",
	"  - {name: t1, run: 'echo ${A}', expect: '^a$'}",
	"  - {name: t2, run: 'false', exit: 1}",
)

func TestChecksDeterministic(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			var first [][]byte
			for i := range 25 {
				defs := marshalChecks(t, busySteps, target)
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

// marshalChecks converts doc from scratch and returns the final image's
// definition and its checks', as deterministic protobuf.
func marshalChecks(t *testing.T, doc string, target ocispecs.Platform) [][]byte {
	t.Helper()
	data := []byte(doc)
	c, err := checks(t, doc, target, helperImage(), func(o *graph.Options) {
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
	})
	if err != nil {
		t.Fatalf("Checks() = %v", err)
	}
	if len(c.checks) != 3 {
		t.Fatalf("Checks() = %d states, want 3", len(c.checks))
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
