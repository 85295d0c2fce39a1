package spec_test

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// context is a build context of spec files.
type context map[string]string

func (c context) read(p string) ([]byte, error) {
	if dt, ok := c[p]; ok {
		return []byte(dt), nil
	}
	return nil, fs.ErrNotExist
}

var general = lines(
	"version: 1",
	"name: general",
	"args: {BASE: ubuntu:jammy, GO_IMAGE: golang:1.26}",
	"builder:",
	"  go:",
	"    image: ${GO_IMAGE}",
	"    tools:",
	"      - {module: github.com/mikefarah/yq/v4, version: v4.54.3}",
	"      - {module: github.com/owasp-amass/amass/v4/cmd/amass, version: v4.2.0}",
	"      - {module: filippo.io/age/cmd/age, version: v1.3.1}",
	"final:",
	"  base: ${BASE}",
	"  apt: {packages: [jq, hydra, perl, tmux]}",
	"  env: {TERM: xterm-256color, EDITOR: vi}",
	"  run:",
	"    - {name: sshd, shell: echo sshd}",
	"    - {name: motd, shell: echo motd}",
	"tests:",
	"  - {name: yq, run: yq --version}",
)

func TestLoadAllMerges(t *testing.T) {
	t.Parallel()
	cloud := lines(
		"version: 1",
		"name: cloud",
		"extends: variants/general.yaml",
		"args: {BASE: ubuntu:noble}",
		"builder:",
		"  go:",
		"    tools:",
		"      - {module: filippo.io/age/cmd/age, version: v1.3.2}",
		"      - {module: github.com/go-task/task/v3/cmd/task, version: v3.54.0}",
		"final:",
		"  apt: {packages: [vim, jq]}",
		"  env: {EDITOR: vim}",
		"  run:",
		"    - {name: motd, shell: echo cloud}",
		"remove:",
		"  go: [amass]",
		"  apt: [hydra, perl]",
		"  run: [sshd]",
	)
	ctx := context{"variants/general.yaml": general}
	f, err := spec.LoadAll("cloud.yaml", []byte(cloud), ctx.read)
	if err != nil {
		t.Fatalf("LoadAll() = %v", err)
	}
	s := f.Spec
	var tools []string
	for _, tool := range s.Builder.Go.Tools {
		tools = append(tools, tool.OutputName()+"@"+tool.Version)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", s.Name, "cloud"},
		{"args", s.Args, map[string]string{"BASE": "ubuntu:noble", "GO_IMAGE": "golang:1.26"}},
		{"go image", s.Builder.Go.Image, "${GO_IMAGE}"},
		{"tools", tools, []string{"yq@v4.54.3", "age@v1.3.2", "task@v3.54.0"}},
		{"apt", s.Final.Apt.Packages, []string{"jq", "tmux", "vim"}},
		{"env", s.Final.Env, map[string]string{"TERM": "xterm-256color", "EDITOR": "vim"}},
		{"run", s.Final.Run, []spec.RunStep{{Name: "motd", Shell: "echo cloud"}}},
		{"tests", len(s.Tests), 1},
		{"parents", len(f.Parents), 1},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("merged %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	// Fields keep the position where they were written, in either file.
	positions := map[string]spec.Pos{
		"builder.go.tools[0]":     {File: "variants/general.yaml", Line: 8, Column: 9},
		"builder.go.tools[1]":     {Line: 8, Column: 9},
		"builder.go.tools[2]":     {Line: 9, Column: 9},
		"final.base":              {File: "variants/general.yaml", Line: 12, Column: 9},
		"final.apt.packages[2]":   {Line: 11, Column: 20},
		"final.run[0].shell":      {Line: 14, Column: 27},
		"tests[0]":                {File: "variants/general.yaml", Line: 19, Column: 5},
		"final.env.TERM":          {File: "variants/general.yaml", Line: 14, Column: 15},
		"final.env.EDITOR":        {Line: 12, Column: 17},
		"builder.go.tools[2].env": {Line: 9, Column: 9},
	}
	for field, want := range positions {
		if got := f.Pos(field); got != want {
			t.Errorf("Pos(%q) = %+v, want %+v", field, got, want)
		}
	}
	if _, err := f.Resolve(nil, spec.PredefinedArgs(amd64, amd64)); err != nil {
		t.Errorf("Resolve() = %v", err)
	}
}

func TestLoadAllErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ctx  context
		doc  string
		want []string
	}{
		{
			name: "cycle",
			ctx: context{
				"a.yaml": lines("version: 1", "extends: b.yaml"),
				"b.yaml": lines("version: 1", "extends: a.yaml"),
			},
			doc:  lines("version: 1", "extends: a.yaml"),
			want: []string{"b.yaml:2:10: extends:", "b.yaml extends a.yaml", "cycle"},
		},
		{
			name: "dangling remove",
			ctx:  context{"general.yaml": general},
			doc:  lines("version: 1", "extends: general.yaml", "remove:", "  go: [nmap]"),
			want: []string{"child.yaml:4:8: remove.go[0]:", `"nmap" is not defined in general.yaml`},
		},
		{
			name: "remove without extends",
			doc:  lines("version: 1", "remove:", "  apt: [vim]"),
			want: []string{"child.yaml:3:3: remove:", "extends none"},
		},
		{
			name: "missing parent",
			doc:  lines("version: 1", "extends: nope.yaml"),
			want: []string{"child.yaml:2:10: extends:", "cannot read nope.yaml"},
		},
		{
			name: "path outside the context",
			doc:  lines("version: 1", "extends: ../general.yaml"),
			want: []string{"child.yaml:2:10: extends:", "invalid path"},
		},
		{
			name: "parent error names the parent",
			ctx:  context{"p.yaml": lines("version: 1", "final:", "  bse: x")},
			doc:  lines("version: 1", "extends: p.yaml"),
			want: []string{"p.yaml:3:3: final.bse:", "unknown key"},
		},
		{
			name: "undeclared arg in the parent",
			ctx:  context{"p.yaml": lines("version: 1", "final:", "  base: ${NOPE}")},
			doc:  lines("version: 1", "extends: p.yaml"),
			want: []string{"p.yaml:3:9: final.base:", "undeclared arg ${NOPE}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := spec.LoadAll("child.yaml", []byte(tt.doc), tt.ctx.read)
			if err == nil {
				t.Fatalf("LoadAll() = nil error, want %q", tt.want)
			}
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Errorf("LoadAll() = %T, want a *spec.Error inside", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadAll() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadCannotExtend(t *testing.T) {
	t.Parallel()
	_, err := spec.Load("v.yaml", []byte(lines("version: 1", "extends: p.yaml")))
	if err == nil || !strings.Contains(err.Error(), "without its build context") {
		t.Errorf("Load() = %v, want an error about the build context", err)
	}
}
