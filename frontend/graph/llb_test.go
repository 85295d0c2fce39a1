package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestExecutablesLLB(t *testing.T) {
	t.Parallel()
	tools := []struct {
		module, version, output string
		cgo                     bool
	}{
		{"github.com/mikefarah/yq/v4", "v4.54.3", "yq", false},
		{"filippo.io/age/cmd/age", "v1.3.2", "age", true},
		{"github.com/go-task/task/v3/cmd/task", "v3.54.0", "task", false},
	}
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			r := convert(t, variant, target, nil)
			if !r.hasExecs {
				t.Fatalf("Executables() has no executables, want 3")
			}
			g := marshal(t, r.execs)
			prefix := "[" + platforms.Format(target) + " go] "
			if got := len(g.find(prefix)); got != len(tools) {
				t.Errorf("go exec ops = %d, want %d", got, len(tools))
			}
			goOps := map[digest.Digest]bool{}
			for _, tool := range tools {
				op, d := g.one(t, prefix+tool.module+"@"+tool.version)
				goOps[d] = true
				ex := op.GetExec()
				if ex == nil {
					t.Fatalf("op for %s is %T, want an exec op", tool.module, op.Op)
				}
				runOn := amd64
				if tool.cgo {
					runOn = target
				}
				if !samePlatform(op.Platform, runOn) {
					t.Errorf("%s runs on %v, want %s", tool.module, op.Platform,
						platforms.Format(runOn))
				}
				env := envMap(ex.Meta.Env)
				want := map[string]string{
					"CST_GO_PACKAGE": tool.module,
					"CST_GO_VERSION": tool.version,
					"CST_GO_OUTPUT":  tool.output,
					"CST_GO_LDFLAGS": "-s -w",
					"CGO_ENABLED":    "0",
					"GOOS":           target.OS,
					"GOARCH":         target.Architecture,
				}
				if tool.cgo {
					want["CGO_ENABLED"] = "1"
					delete(want, "GOOS")
					delete(want, "GOARCH")
				}
				for k, v := range want {
					if got, ok := env[k]; !ok || got != v {
						t.Errorf("%s env %s = %q, want %q", tool.module, k, got, v)
					}
				}
				checkGoMounts(t, tool.module, ex, "")
				script := strings.Join(ex.Meta.Args, " ")
				if strings.Contains(script, tool.module) {
					t.Errorf("%s args = %q, want the module only in the env", tool.module,
						ex.Meta.Args)
				}
			}
			// Every tool is its own branch: no go op depends on another.
			for i, op := range g.list {
				for _, in := range op.Inputs {
					if goOps[g.dgst[i]] && goOps[digest.Digest(in.Digest)] {
						t.Errorf("%q depends on another go op", g.name(i))
					}
				}
			}
			checkMerge(t, g, goOps)
		})
	}
}

func checkGoMounts(t *testing.T, what string, ex *pb.ExecOp, ns string) {
	t.Helper()
	mounts := cacheMounts(ex)
	if len(mounts) != 2 {
		t.Errorf("%s has %d cache mounts, want 2", what, len(mounts))
	}
	ids := map[string]bool{}
	for dest, m := range mounts {
		ids[m.CacheOpt.GetID()] = true
		if m.CacheOpt.GetSharing() != pb.CacheSharingOpt_SHARED {
			t.Errorf("%s cache %s sharing = %v, want SHARED", what, dest, m.CacheOpt.GetSharing())
		}
	}
	for _, id := range []string{"cst-go-mod", "cst-go-build"} {
		if ns != "" {
			id = ns + "/" + id
		}
		if !ids[id] {
			t.Errorf("%s cache ids = %v, want %q", what, ids, id)
		}
	}
}

// checkMerge checks that one merge op collects exactly the go ops.
func checkMerge(t *testing.T, g *ops, goOps map[digest.Digest]bool) {
	t.Helper()
	var merges []*pb.Op
	for _, op := range g.list {
		if op.GetMerge() != nil {
			merges = append(merges, op)
		}
	}
	if len(goOps) < 2 {
		if len(merges) != 0 {
			t.Errorf("merge ops = %d for %d tool, want 0", len(merges), len(goOps))
		}
		return
	}
	if len(merges) != 1 {
		t.Fatalf("merge ops = %d, want 1", len(merges))
	}
	seen := map[digest.Digest]bool{}
	for _, in := range merges[0].Inputs {
		seen[digest.Digest(in.Digest)] = true
	}
	if len(seen) != len(goOps) || len(merges[0].Inputs) != len(goOps) {
		t.Errorf("merge inputs = %d, want the %d go ops", len(merges[0].Inputs), len(goOps))
	}
	for d := range goOps {
		if !seen[d] {
			t.Errorf("merge does not take go op %s", d)
		}
	}
}

func TestExecutablesVariants(t *testing.T) {
	t.Parallel()
	one := lines("version: 1", "builder:", "  go:", "    tools:",
		"      - {module: github.com/junegunn/fzf, version: v0.65.2, ldflags: -X a=b}")
	tests := []struct {
		name    string
		doc     string
		target  ocispecs.Platform
		ns      string
		tools   int
		wantEnv map[string]string
	}{
		{name: "no builder", doc: lines("version: 1")},
		{name: "empty tool list", doc: lines("version: 1", "builder:", "  go:", "    tools: []")},
		{
			name: "one tool, no merge", doc: one, target: arm64, tools: 1,
			wantEnv: map[string]string{"CST_GO_LDFLAGS": "-X a=b", "GOARCH": "arm64"},
		},
		{
			name: "cache namespace", doc: one, target: amd64, ns: "team", tools: 1,
			wantEnv: map[string]string{"CST_GO_BINARY": "fzf"},
		},
		{
			name: "arm variant", doc: one, tools: 1,
			target:  ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
			wantEnv: map[string]string{"GOARCH": "arm", "GOARM": "7"},
		},
		{
			name: "amd64 level", doc: one, tools: 1,
			target:  ocispecs.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"},
			wantEnv: map[string]string{"GOARCH": "amd64", "GOAMD64": "v3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.target.OS == "" {
				tt.target = amd64
			}
			r := convert(t, tt.doc, tt.target, func(o *graph.Options) { o.CacheNS = tt.ns })
			if r.hasExecs != (tt.tools > 0) {
				t.Fatalf("Executables() has executables = %v, want %v", r.hasExecs, tt.tools > 0)
			}
			if tt.tools == 0 {
				return
			}
			g := marshal(t, r.execs)
			found := g.find("[" + platforms.Format(tt.target) + " go] ")
			if len(found) != tt.tools {
				t.Fatalf("go exec ops = %d, want %d", len(found), tt.tools)
			}
			goOps := map[digest.Digest]bool{}
			for _, i := range found {
				goOps[g.dgst[i]] = true
				ex := g.list[i].GetExec()
				env := envMap(ex.Meta.Env)
				for k, v := range tt.wantEnv {
					if env[k] != v {
						t.Errorf("env %s = %q, want %q", k, env[k], v)
					}
				}
				checkGoMounts(t, g.name(i), ex, tt.ns)
			}
			checkMerge(t, g, goOps)
		})
	}
}

func TestFinalLLB(t *testing.T) {
	t.Parallel()
	noApt := lines("version: 1", "final:", "  executables: /opt/tools")
	tests := []struct {
		name     string
		doc      string
		target   ocispecs.Platform
		aptName  string   // "" when there is no apt step
		aptArgs  []string // the argv after the script
		dir      string
		wantCopy bool
	}{
		{
			name: "amd64", doc: variant, target: amd64,
			aptName: "[linux/amd64 final] upgrade and install packages",
			aptArgs: []string{"apt", "jq", "openssh-server", "tmux"},
			dir:     "/opt/executables", wantCopy: true,
		},
		{
			name: "arm64", doc: variant, target: arm64,
			aptName: "[linux/arm64 final] upgrade and install packages",
			aptArgs: []string{"apt", "jq", "openssh-server", "tmux"},
			dir:     "/opt/executables", wantCopy: true,
		},
		{
			name:    "install only",
			doc:     lines("version: 1", "final:", "  apt: {packages: [curl, git]}"),
			target:  arm64,
			aptName: "[linux/arm64 final] install packages",
			aptArgs: []string{"apt", "curl", "git"},
			dir:     "/opt/executables",
		},
		{name: "no apt, no tools", doc: noApt, target: arm64, dir: "/opt/tools"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, tt.doc, tt.target, nil)
			g := marshal(t, r.final)
			plat := platforms.Format(tt.target)
			if tt.aptName == "" {
				if found := g.find("[" + plat + " final] "); len(found) != 2 {
					t.Errorf("final ops = %d, want the copy and the tool list", len(found))
				}
			} else {
				checkApt(t, g, tt.aptName, tt.target, tt.aptArgs)
			}
			// File ops carry no platform: BuildKit runs them natively.
			op, _ := g.one(t, "["+plat+" final] copy executables to "+tt.dir)
			checkCopy(t, op.GetFile(), tt.dir, tt.wantCopy)
			checkBase(t, g, "docker-image://docker.io/library/ubuntu:jammy", tt.target)
		})
	}
}

func checkApt(t *testing.T, g *ops, name string, target ocispecs.Platform, args []string) {
	t.Helper()
	op, _ := g.one(t, name)
	ex := op.GetExec()
	if ex == nil {
		t.Fatalf("%q is %T, want an exec op", name, op.Op)
	}
	if !samePlatform(op.Platform, target) {
		t.Errorf("apt runs on %v, want %s", op.Platform, platforms.Format(target))
	}
	argv := ex.Meta.Args
	if len(argv) < 3 || argv[0] != "/bin/sh" || argv[1] != "-c" {
		t.Fatalf("apt args = %q, want /bin/sh -c SCRIPT ...", argv)
	}
	if got := argv[3:]; !slices.Equal(got, args) {
		t.Errorf("apt args after the script = %q, want %q", got, args)
	}
	for _, p := range args[1:] {
		if strings.Contains(argv[2], p) {
			t.Errorf("apt script contains %q, want packages only as arguments", p)
		}
	}
	mounts := cacheMounts(ex)
	for _, dest := range []string{"/var/cache/apt", "/var/lib/apt/lists"} {
		m, ok := mounts[dest]
		if !ok {
			t.Errorf("apt has no cache mount on %s; mounts: %v", dest, mounts)
			continue
		}
		if m.CacheOpt.GetSharing() != pb.CacheSharingOpt_LOCKED {
			t.Errorf("apt cache %s sharing = %v, want LOCKED", dest, m.CacheOpt.GetSharing())
		}
		if !strings.HasSuffix(m.CacheOpt.GetID(), "/"+platforms.Format(target)) {
			t.Errorf("apt cache %s id = %q, want it per platform", dest, m.CacheOpt.GetID())
		}
	}
}

// checkCopy checks the file op that creates dir and copies the executables.
func checkCopy(t *testing.T, f *pb.FileOp, dir string, wantCopy bool) {
	t.Helper()
	if f == nil {
		t.Fatalf("copy executables is not a file op")
	}
	var mkdir *pb.FileActionMkDir
	var copies []*pb.FileActionCopy
	for _, a := range f.Actions {
		if m := a.GetMkdir(); m != nil {
			mkdir = m
		}
		if c := a.GetCopy(); c != nil {
			copies = append(copies, c)
		}
	}
	if mkdir == nil || mkdir.Path != dir || mkdir.Mode != 0o755 {
		t.Errorf("mkdir = %v, want %s with mode 0755", mkdir, dir)
	} else {
		checkRoot(t, "mkdir", mkdir.Owner)
	}
	if !wantCopy {
		if len(copies) != 0 {
			t.Errorf("copies = %v, want none without tools", copies)
		}
		return
	}
	if len(copies) != 1 {
		t.Fatalf("copies = %d, want 1", len(copies))
	}
	c := copies[0]
	if c.Mode != 0o755 {
		t.Errorf("copy mode = %#o, want 0755", c.Mode)
	}
	if c.Src != "/" || c.Dest != dir+"/" || !c.DirCopyContents {
		t.Errorf("copy = %s -> %s (contents only %v), want / -> %s/ contents only",
			c.Src, c.Dest, c.DirCopyContents, dir)
	}
	checkRoot(t, "copy", c.Owner)
}

func checkRoot(t *testing.T, what string, o *pb.ChownOpt) {
	t.Helper()
	if o.GetUser().GetUser() == nil || o.GetGroup().GetUser() == nil {
		t.Fatalf("%s owner = %v, want 0:0", what, o)
	}
	if u, g := o.GetUser().GetByID(), o.GetGroup().GetByID(); u != 0 || g != 0 {
		t.Errorf("%s owner = %d:%d, want 0:0", what, u, g)
	}
	if o.GetUser().GetByName() != nil || o.GetGroup().GetByName() != nil {
		t.Errorf("%s owner = %v, want numeric ids", what, o)
	}
}

func TestImageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		field string
	}{
		{
			name:  "missing base",
			doc:   lines("version: 1", "final:", "  base: missing:latest"),
			field: "variant.yaml:3:9: final.base: missing:latest: not found",
		},
		{
			name: "missing go image",
			doc: lines("version: 1", "builder:", "  go:", "    image: missing:latest",
				"    tools: [{module: a.b/c, version: v1.0.0}]"),
			field: "variant.yaml:4:12: builder.go.image: missing:latest: not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, s := resolve(t, tt.doc, amd64)
			o := options(f, amd64)
			execs, has, err := graph.Executables(context.Background(), s, o)
			if err == nil {
				_, err = graph.Final(context.Background(), s, execs, has, o)
			}
			if err == nil || err.Error() != tt.field {
				t.Errorf("convert(%q) = %v, want %q", tt.doc, err, tt.field)
			}
		})
	}
}

// checkBase checks that the base image is pulled for the target.
func checkBase(t *testing.T, g *ops, id string, target ocispecs.Platform) {
	t.Helper()
	for _, op := range g.list {
		if op.GetSource().GetIdentifier() != id {
			continue
		}
		if !samePlatform(op.Platform, target) {
			t.Errorf("%s pulled for %v, want %s", id, op.Platform, platforms.Format(target))
		}
		return
	}
	t.Errorf("no source op for %s", id)
}
