package graph_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// setup has a locale and run steps; the steps are on lines 9, 11 and 14.
var setup = lines(
	"version: 1",
	"args: {GREETING: hello, EMPTY: ''}",
	"final:",
	"  apt: {packages: [jq]}",
	"  locale: en_US.UTF-8",
	"  workdir: /srv",
	"  env: {MODE: prod}",
	"  run:",
	"    - name: first",
	"      shell: echo \"$GREETING\" > /etc/greeting",
	"    - name: token",
	"      shell: sha256sum /run/secrets/github_token > /etc/token.sha256",
	"      secrets: [github_token]",
	"    - name: last",
	"      shell: cat /etc/greeting ${HOME}",
)

// runLines are the lines of setup's final.run[i].
var runLines = []int{9, 11, 14}

// parent is the op a step builds on: an exec's root mount, a file op's
// first input.
func (g *ops) parent(op *pb.Op) (digest.Digest, bool) {
	idx := int64(0)
	if ex := op.GetExec(); ex != nil {
		idx = -1
		for _, m := range ex.Mounts {
			if m.Dest == "/" {
				idx = m.Input
			}
		}
	}
	if idx < 0 || int(idx) >= len(op.Inputs) {
		return "", false
	}
	return digest.Digest(op.Inputs[idx].Digest), true
}

// lineage returns the progress names of the ops the definition's result is
// built from, oldest first: the filesystem's history.
func lineage(g *ops) []string {
	var names []string
	d, ok := g.parent(g.list[len(g.list)-1])
	for ok {
		for i := range g.list {
			if g.dgst[i] == d {
				names = append(names, g.name(i))
			}
		}
		d, ok = g.parent(g.by[d])
	}
	slices.Reverse(names)
	return names
}

func TestLocale(t *testing.T) {
	t.Parallel()
	final := func(l ...string) string {
		return lines(append([]string{"version: 1", "final:"}, l...)...)
	}
	tests := []struct {
		name      string
		doc       string
		apt       string   // the apt step's name
		aptArgs   []string // the argv after the script
		localedef []string // localedef's argv
	}{
		{
			name:      "locales added to the packages",
			doc:       final("  apt: {packages: [jq]}", "  locale: en_US.UTF-8"),
			apt:       "install packages",
			aptArgs:   []string{"apt", "jq", "locales"},
			localedef: []string{"localedef", "-i", "en_US", "-c", "-f", "UTF-8", "en_US.UTF-8"},
		},
		{
			name: "locales already listed",
			doc: final("  apt: {upgrade: true, packages: [locales, jq]}",
				"  locale: de_DE.UTF-8"),
			apt:       "upgrade and install packages",
			aptArgs:   []string{"apt", "locales", "jq"},
			localedef: []string{"localedef", "-i", "de_DE", "-c", "-f", "UTF-8", "de_DE.UTF-8"},
		},
		{
			name:    "apt only for the locale",
			doc:     final("  locale: de_DE.ISO-8859-1"),
			apt:     "install packages",
			aptArgs: []string{"apt", "locales"},
			localedef: []string{"localedef", "-i", "de_DE", "-c", "-f", "ISO-8859-1",
				"de_DE.ISO-8859-1"},
		},
		{
			// The modifier names the source: /usr/share/i18n/locales/sr_RS@latin.
			name:    "modifier",
			doc:     final("  locale: sr_RS.UTF-8@latin"),
			apt:     "install packages",
			aptArgs: []string{"apt", "locales"},
			localedef: []string{"localedef", "-i", "sr_RS@latin", "-c", "-f", "UTF-8",
				"sr_RS.UTF-8@latin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, tt.doc, arm64, nil)
			g := marshal(t, r.final)
			apt := "[linux/arm64 final] " + tt.apt
			checkApt(t, g, apt, arm64, tt.aptArgs)
			locale := tt.localedef[len(tt.localedef)-1]
			name := "[linux/arm64 final] generate locale " + locale
			op, _ := g.one(t, name)
			ex := op.GetExec()
			if ex == nil {
				t.Fatalf("%q is %T, want an exec op", name, op.Op)
			}
			if !slices.Equal(ex.Meta.Args, tt.localedef) {
				t.Errorf("localedef args = %q, want %q", ex.Meta.Args, tt.localedef)
			}
			if !samePlatform(op.Platform, arm64) {
				t.Errorf("localedef runs on %v, want linux/arm64", op.Platform)
			}
			want := []string{apt, name, "[linux/arm64 final] copy executables to /opt/executables"}
			if got := lineage(g); !isSubsequence(want, got) {
				t.Errorf("final stage steps = %q, want %q in that order", got, want)
			}
			if got := envMap(r.img.Config.Env)["LANG"]; got != locale {
				t.Errorf("image env LANG = %q, want %q", got, locale)
			}
		})
	}
}

// isSubsequence reports whether want appears in got in order.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestNoLocale(t *testing.T) {
	t.Parallel()
	r := convert(t, variant, amd64, nil)
	g := marshal(t, r.final)
	if found := g.find("[linux/amd64 final] generate locale"); len(found) != 0 {
		t.Errorf("locale steps = %d, want none without final.locale", len(found))
	}
	if _, ok := envMap(r.img.Config.Env)["LANG"]; ok {
		t.Errorf("image env = %q, want no LANG without final.locale", r.img.Config.Env)
	}
}

func TestRunSteps(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			data := []byte(setup)
			r := convert(t, setup, target, func(o *graph.Options) {
				o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
			})
			g := marshal(t, r.final)
			prefix := "[" + platforms.Format(target) + " run] "
			steps := []struct {
				name   string
				shell  string
				secret string
			}{
				{"first", `echo "$GREETING" > /etc/greeting`, ""},
				{"token", "sha256sum /run/secrets/github_token > /etc/token.sha256",
					"github_token"},
				{"last", "cat /etc/greeting ${HOME}", ""},
			}
			if got := len(g.find(prefix)); got != len(steps) {
				t.Errorf("run steps = %d, want %d", got, len(steps))
			}
			var names []string
			for i, step := range steps {
				names = append(names, prefix+step.name)
				op, d := g.one(t, prefix+step.name)
				ex := op.GetExec()
				if ex == nil {
					t.Fatalf("run step %s is %T, want an exec op", step.name, op.Op)
				}
				checkRunStep(t, step.name, ex, step.shell, step.secret)
				if !samePlatform(op.Platform, target) {
					t.Errorf("run step %s runs on %v, want %s", step.name, op.Platform,
						platforms.Format(target))
				}
				locs := g.def.Source.Locations[d.String()].GetLocations()
				if len(locs) != 1 || locs[0].Ranges[0].Start.GetLine() != int32(runLines[i]) {
					t.Errorf("run step %s locations = %v, want line %d", step.name, locs,
						runLines[i])
				}
			}
			// The run steps come last, in spec order.
			got := lineage(g)
			if n := len(got); n < len(names) || !slices.Equal(got[n-len(names):], names) {
				t.Errorf("final stage steps = %q, want them to end with %q", got, names)
			}
		})
	}
}

func checkRunStep(t *testing.T, name string, ex *pb.ExecOp, shell, secret string) {
	t.Helper()
	if want := []string{"/bin/sh", "-c", shell}; !slices.Equal(ex.Meta.Args, want) {
		t.Errorf("run step %s args = %q, want %q", name, ex.Meta.Args, want)
	}
	if ex.Meta.User != "root" {
		t.Errorf("run step %s user = %q, want root", name, ex.Meta.User)
	}
	if ex.Meta.Cwd != "/srv" {
		t.Errorf("run step %s cwd = %q, want the image's workdir /srv", name, ex.Meta.Cwd)
	}
	env := envMap(ex.Meta.Env)
	want := map[string]string{
		"GREETING": "hello", "EMPTY": "", "MODE": "prod", "HOME": "/root",
		"LANG": "en_US.UTF-8", "PATH": "/opt/executables:" + basePath,
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("run step %s env %s = %q (set %t), want %q", name, k, got, ok, v)
		}
	}
	var secrets []string
	for _, m := range ex.Mounts {
		if m.MountType != pb.MountType_SECRET {
			continue
		}
		secrets = append(secrets, m.SecretOpt.GetID())
		if m.Dest != "/run/secrets/"+secret {
			t.Errorf("run step %s secret %s at %s, want /run/secrets/%s", name,
				m.SecretOpt.GetID(), m.Dest, secret)
		}
		if m.SecretOpt.GetOptional() {
			t.Errorf("run step %s secret %s is optional, want it required", name, secret)
		}
	}
	var wantSecrets []string
	if secret != "" {
		wantSecrets = []string{secret}
	}
	if !slices.Equal(secrets, wantSecrets) {
		t.Errorf("run step %s secrets = %q, want %q", name, secrets, wantSecrets)
	}
}

func TestToolList(t *testing.T) {
	t.Parallel()
	if graph.ToolList != "/usr/share/cst/tools.json" {
		t.Errorf("ToolList = %q, want /usr/share/cst/tools.json", graph.ToolList)
	}
	tests := []struct {
		name string
		doc  string
		want []graph.Tool
	}{
		{
			name: "go tools",
			doc:  variant,
			want: []graph.Tool{
				{Name: "yq", Kind: "go", Version: "v4.54.3",
					Source: "https://pkg.go.dev/github.com/mikefarah/yq/v4@v4.54.3"},
				{Name: "age", Kind: "go", Version: "v1.3.2",
					Source: "https://pkg.go.dev/filippo.io/age/cmd/age@v1.3.2"},
				{Name: "task", Kind: "go", Version: "v3.54.0",
					Source: "https://pkg.go.dev/github.com/go-task/task/v3/cmd/task@v3.54.0"},
			},
		},
		{
			name: "renamed tool",
			doc: lines("version: 1", "builder:", "  go:", "    tools:",
				"      - {module: github.com/junegunn/fzf, version: latest, rename: f}"),
			want: []graph.Tool{{Name: "f", Kind: "go", Version: "latest",
				Source: "https://pkg.go.dev/github.com/junegunn/fzf@latest"}},
		},
		{name: "no tools", doc: lines("version: 1"), want: []graph.Tool{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := convert(t, tt.doc, arm64, nil)
			g := marshal(t, r.final)
			op, _ := g.one(t, "[linux/arm64 final] write "+graph.ToolList)
			var mkfile *pb.FileActionMkFile
			var mkdir *pb.FileActionMkDir
			for _, a := range op.GetFile().GetActions() {
				if m := a.GetMkfile(); m != nil {
					mkfile = m
				}
				if m := a.GetMkdir(); m != nil {
					mkdir = m
				}
			}
			if mkdir == nil || mkdir.Path != "/usr/share/cst" || !mkdir.MakeParents {
				t.Errorf("tool list mkdir = %v, want /usr/share/cst with parents", mkdir)
			}
			if mkfile == nil || mkfile.Path != graph.ToolList || mkfile.Mode != 0o644 {
				t.Fatalf("tool list mkfile = %v, want /usr/share/cst/tools.json 0644", mkfile)
			}
			var got []graph.Tool
			if err := json.Unmarshal(mkfile.Data, &got); err != nil {
				t.Fatalf("tool list = %s: %v", mkfile.Data, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tool list = %+v, want %+v", got, tt.want)
			}
			if !slices.Equal(graph.Tools(r.spec, arm64), nonEmpty(tt.want)) {
				t.Errorf("Tools() = %+v, want %+v", graph.Tools(r.spec, arm64), tt.want)
			}
		})
	}
}

// nonEmpty is nil for an empty list, as Tools returns.
func nonEmpty(tools []graph.Tool) []graph.Tool {
	if len(tools) == 0 {
		return nil
	}
	return tools
}
