package graph_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// pipSpec has apt packages, a locale, pip and a run step; final.pip's first
// key is on line 7.
var pipSpec = lines(
	"version: 1",
	"args: {PYPI: https://pypi.example.com/simple}",
	"final:",
	"  apt: {packages: [jq, git]}",
	"  locale: en_US.UTF-8",
	"  pip:",
	"    venv: /opt/pyenv",
	"    packages: [semgrep==1.99.0, 'requests[socks]>=2.31,<3']",
	"    options: [--index-url, '${PYPI}', --no-deps]",
	"  run:",
	"    - {name: check, shell: semgrep --version}",
)

// pipArgs are pipSpec's argv after the script: $0, the options, the packages.
var pipArgs = []string{
	"pip", "--index-url", "https://pypi.example.com/simple", "--no-deps",
	"semgrep==1.99.0", "requests[socks]>=2.31,<3",
}

func pipStep(target ocispecs.Platform, venv string) string {
	return "[" + platforms.Format(target) + " final] pip install into " + venv
}

func TestPipLLB(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			data := []byte(pipSpec)
			r := convert(t, pipSpec, target, func(o *graph.Options) {
				o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
			})
			g := marshal(t, r.final)
			name := pipStep(target, "/opt/pyenv")
			op, d := g.one(t, name)
			ex := op.GetExec()
			if ex == nil {
				t.Fatalf("%q is %T, want an exec op", name, op.Op)
			}
			if !samePlatform(op.Platform, target) {
				t.Errorf("pip runs on %v, want %s", op.Platform, platforms.Format(target))
			}
			checkPipExec(t, ex, pipArgs, "cst-pip/"+platforms.Format(target))
			locs := g.def.Source.Locations[d.String()].GetLocations()
			if len(locs) != 1 || locs[0].Ranges[0].Start.GetLine() != 7 {
				t.Errorf("pip locations = %v, want line 7", locs)
			}
			// pip needs python3-venv from apt; the executables come after it.
			plat := platforms.Format(target)
			want := []string{
				"[" + plat + " final] install packages",
				"[" + plat + " final] generate locale en_US.UTF-8",
				name,
				"[" + plat + " final] copy executables to /opt/executables",
				"[" + plat + " run] check",
			}
			if got := lineage(g); !isSubsequence(want, got) {
				t.Errorf("final stage steps = %q, want %q in that order", got, want)
			}
		})
	}
}

// checkPipExec checks the pip step's argv, environment and cache mount.
func checkPipExec(t *testing.T, ex *pb.ExecOp, args []string, cacheID string) {
	t.Helper()
	argv := ex.Meta.Args
	if len(argv) < 3 || argv[0] != "/bin/sh" || argv[1] != "-c" {
		t.Fatalf("pip args = %q, want /bin/sh -c SCRIPT ...", argv)
	}
	if got := argv[3:]; !slices.Equal(got, args) {
		t.Errorf("pip args after the script = %q, want %q", got, args)
	}
	script := argv[2]
	if !strings.Contains(script, `python3 -m venv "$CST_PIP_VENV"`) ||
		!strings.Contains(script, `"$@"`) {
		t.Errorf("pip script = %q, want it to create $CST_PIP_VENV and install \"$@\"", script)
	}
	for _, a := range args[1:] {
		if strings.Contains(script, a) {
			t.Errorf("pip script contains %q, want options and packages only as arguments", a)
		}
	}
	env := envMap(ex.Meta.Env)
	if env["CST_PIP_VENV"] != "/opt/pyenv" {
		t.Errorf("pip env CST_PIP_VENV = %q, want /opt/pyenv", env["CST_PIP_VENV"])
	}
	mounts := cacheMounts(ex)
	if len(mounts) != 1 {
		t.Errorf("pip has %d cache mounts, want 1: %v", len(mounts), mounts)
	}
	m, ok := mounts["/root/.cache/pip"]
	if !ok {
		t.Fatalf("pip has no cache mount on /root/.cache/pip; mounts: %v", mounts)
	}
	if got := m.CacheOpt.GetID(); got != cacheID {
		t.Errorf("pip cache id = %q, want %q", got, cacheID)
	}
	if m.CacheOpt.GetSharing() != pb.CacheSharingOpt_LOCKED {
		t.Errorf("pip cache sharing = %v, want LOCKED", m.CacheOpt.GetSharing())
	}
}

func TestPipVariants(t *testing.T) {
	t.Parallel()
	final := func(l ...string) string {
		return lines(append([]string{"version: 1", "final:"}, l...)...)
	}
	pip := "  pip: {venv: /opt/pyenv, packages: [black, 'ruff>=0.6']}"
	tests := []struct {
		name    string
		doc     string
		target  ocispecs.Platform
		ns      string
		apt     string   // the apt step's name
		aptArgs []string // the argv after the apt script
		pipArgs []string // the argv after the pip script
		cacheID string
	}{
		{
			name: "pip alone", doc: final(pip), target: arm64,
			apt: "install packages", aptArgs: []string{"apt", "python3-venv"},
			pipArgs: []string{"pip", "black", "ruff>=0.6"}, cacheID: "cst-pip/linux/arm64",
		},
		{
			name: "after the user's packages", doc: final("  apt: {packages: [jq, curl]}", pip),
			target: amd64, apt: "install packages",
			aptArgs: []string{"apt", "jq", "curl", "python3-venv"},
			pipArgs: []string{"pip", "black", "ruff>=0.6"}, cacheID: "cst-pip/linux/amd64",
		},
		{
			name: "after locales",
			doc:  final("  apt: {upgrade: true, packages: [jq]}", "  locale: en_US.UTF-8", pip),
			apt:  "upgrade and install packages", target: arm64,
			aptArgs: []string{"apt", "jq", "locales", "python3-venv"},
			pipArgs: []string{"pip", "black", "ruff>=0.6"}, cacheID: "cst-pip/linux/arm64",
		},
		{
			name: "python3-venv already listed",
			doc:  final("  apt: {packages: [python3-venv, jq]}", "  locale: de_DE.UTF-8", pip),
			apt:  "install packages", target: arm64,
			aptArgs: []string{"apt", "python3-venv", "jq", "locales"},
			pipArgs: []string{"pip", "black", "ruff>=0.6"}, cacheID: "cst-pip/linux/arm64",
		},
		{
			name: "options that look like shell",
			doc: final("  pip:", "    venv: /opt/pyenv", "    packages: [black]",
				"    options: ['--index-url=https://x.org/s?a=1&b=2', '$(id)', '; true']"),
			target: amd64, apt: "install packages", aptArgs: []string{"apt", "python3-venv"},
			pipArgs: []string{"pip", "--index-url=https://x.org/s?a=1&b=2", "$(id)", "; true",
				"black"},
			cacheID: "cst-pip/linux/amd64",
		},
		{
			name: "cache namespace and variant", doc: final(pip), ns: "team",
			target: ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
			apt:    "install packages", aptArgs: []string{"apt", "python3-venv"},
			pipArgs: []string{"pip", "black", "ruff>=0.6"},
			cacheID: "team/cst-pip/linux/arm/v7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, tt.doc, tt.target, func(o *graph.Options) { o.CacheNS = tt.ns })
			g := marshal(t, r.final)
			plat := platforms.Format(tt.target)
			checkApt(t, g, "["+plat+" final] "+tt.apt, tt.target, tt.aptArgs)
			name := pipStep(tt.target, "/opt/pyenv")
			op, _ := g.one(t, name)
			if !samePlatform(op.Platform, tt.target) {
				t.Errorf("pip runs on %v, want %s", op.Platform, plat)
			}
			checkPipExec(t, op.GetExec(), tt.pipArgs, tt.cacheID)
		})
	}
}

func TestNoPip(t *testing.T) {
	t.Parallel()
	r := convert(t, variant, arm64, nil)
	g := marshal(t, r.final)
	if found := g.find("[linux/arm64 final] pip install"); len(found) != 0 {
		t.Errorf("pip steps = %d, want none without final.pip", len(found))
	}
	op, _ := g.one(t, "[linux/arm64 final] upgrade and install packages")
	if slices.Contains(op.GetExec().GetMeta().GetArgs(), "python3-venv") {
		t.Errorf("apt args = %q, want no python3-venv without final.pip",
			op.GetExec().GetMeta().GetArgs())
	}
}

func TestPipPath(t *testing.T) {
	t.Parallel()
	final := func(l ...string) string {
		return lines(append([]string{"version: 1", "final:"}, l...)...)
	}
	pip := func(venv string) string {
		return "  pip: {venv: " + venv + ", packages: [black]}"
	}
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "executables, then the venv",
			doc:  final(pip("/opt/pyenv")),
			want: "/opt/executables:/opt/pyenv/bin:" + basePath,
		},
		{
			name: "with executables and PATH set",
			doc: final(pip("/srv/venv"), "  executables: /opt/tools",
				"  env: {PATH: '/x:${PATH}'}"),
			want: "/opt/tools:/srv/venv/bin:/x:" + basePath,
		},
		{
			name: "venv bin already on PATH",
			doc:  final(pip("/usr")),
			want: "/opt/executables:" + basePath,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, tt.doc, amd64, nil)
			if got := envMap(r.img.Config.Env)["PATH"]; got != tt.want {
				t.Errorf("image PATH = %q, want %q", got, tt.want)
			}
		})
	}
	// Run steps see the image's PATH; the pip step itself does not need it.
	r := convert(t, pipSpec, arm64, nil)
	g := marshal(t, r.final)
	op, _ := g.one(t, "[linux/arm64 run] check")
	want := "/opt/executables:/opt/pyenv/bin:" + basePath
	if got := envMap(op.GetExec().GetMeta().GetEnv())["PATH"]; got != want {
		t.Errorf("run step PATH = %q, want %q", got, want)
	}
}

func TestPipNoCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		noCache func(string) bool
		pip     bool // the pip step ignores the cache
		apt     bool // the apt step ignores the cache
	}{
		{name: "no filter"},
		{name: "pip", noCache: func(n string) bool { return n == "pip" }, pip: true},
		{name: "apt", noCache: func(n string) bool { return n == "apt" }, apt: true},
		{name: "everything", noCache: func(string) bool { return true }, pip: true, apt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, pipSpec, arm64, func(o *graph.Options) { o.NoCache = tt.noCache })
			g := marshal(t, r.final)
			steps := []struct {
				name string
				want bool
			}{
				{pipStep(arm64, "/opt/pyenv"), tt.pip},
				{"[linux/arm64 final] install packages", tt.apt},
			}
			for _, step := range steps {
				_, d := g.one(t, step.name)
				if got := g.def.Metadata[d].IgnoreCache; got != step.want {
					t.Errorf("%q IgnoreCache = %v, want %v", step.name, got, step.want)
				}
			}
		})
	}
}

func TestPipDeterministic(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			var firstDef, firstImg []byte
			for i := range 25 {
				def, img := marshalOnce(t, pipSpec, target)
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
