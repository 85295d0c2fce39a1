package spec_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// pipDoc writes a spec whose final.pip fields start on line 4, one a line.
func pipDoc(fields ...string) string {
	l := []string{"version: 1", "final:", "  pip:"}
	for _, f := range fields {
		l = append(l, "    "+f)
	}
	return lines(l...)
}

// pipReq is a spec with one requirement, written on line 6 so that any
// YAML quoting the test needs is its own.
func pipReq(req string) string {
	return pipDoc("venv: /opt/pyenv", "packages:", "  - "+req)
}

func TestResolvePip(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"args:",
		"  PYPI: https://pypi.example.com/simple",
		"  SEMGREP: 1.99.0",
		"final:",
		"  pip:",
		"    venv: /opt/pyenv",
		"    packages:",
		"      - semgrep==${SEMGREP}",
		"      - requests[socks]>=2.31,<3",
		"    options: [--index-url, '${PYPI}', --trusted-host, pypi.example.com]",
	)
	f, err := spec.Load("variant.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load() = %v, want no error", err)
	}
	tests := []struct {
		name      string
		buildArgs map[string]string
		want      spec.Pip
	}{
		{
			name: "defaults",
			want: spec.Pip{
				Venv:     "/opt/pyenv",
				Packages: []string{"semgrep==1.99.0", "requests[socks]>=2.31,<3"},
				Options: []string{"--index-url", "https://pypi.example.com/simple",
					"--trusted-host", "pypi.example.com"},
			},
		},
		{
			name: "build args",
			buildArgs: map[string]string{
				"PYPI": "http://127.0.0.1:8080/pypi/simple", "SEMGREP": "1.100.0",
			},
			want: spec.Pip{
				Venv:     "/opt/pyenv",
				Packages: []string{"semgrep==1.100.0", "requests[socks]>=2.31,<3"},
				Options: []string{"--index-url", "http://127.0.0.1:8080/pypi/simple",
					"--trusted-host", "pypi.example.com"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := f.Resolve(tt.buildArgs, spec.PredefinedArgs(arm64, amd64))
			if err != nil {
				t.Fatalf("Resolve(%v) = %v, want no error", tt.buildArgs, err)
			}
			if s.Final.Pip == nil || !reflect.DeepEqual(*s.Final.Pip, tt.want) {
				t.Errorf("Resolve(%v) final.pip = %+v, want %+v", tt.buildArgs, s.Final.Pip,
					tt.want)
			}
		})
	}
	if got := f.Spec.Final.Pip.Options[1]; got != "${PYPI}" {
		t.Errorf("File.Spec.Final.Pip.Options[1] = %q after Resolve, want it unexpanded", got)
	}
}

func TestResolveWithoutPip(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		lines("version: 1", "final:", "  apt: {packages: [jq]}"),
		lines("version: 1", "final:", "  pip:"),
	} {
		s, err := loadResolve("variant.yaml", doc)
		if err != nil {
			t.Fatalf("Load(%q) = %v, want no error", doc, err)
		}
		if s.Final.Pip != nil {
			t.Errorf("Load(%q) final.pip = %+v, want nil", doc, s.Final.Pip)
		}
	}
}

func TestValidatePipValid(t *testing.T) {
	t.Parallel()
	reqs := []string{
		"requests",
		"semgrep==1.99.0",
		"'requests[socks]>=2.31,<3'",
		"'requests[socks,security]'",
		"Django~=4.2",
		"numpy===1.26.4",
		"'urllib3!=2.0.0'",
		"zope.interface",
		"ruamel.yaml>=0.18",
		"foo_bar-baz==1.0.0rc1",
		"'pkg==1.*'",
		"'pkg<2'",
		"x",
	}
	for _, req := range reqs {
		t.Run(req, func(t *testing.T) {
			t.Parallel()
			doc := pipReq(req)
			if _, err := loadResolve("variant.yaml", doc); err != nil {
				t.Errorf("Load(%q) = %v, want no error", doc, err)
			}
		})
	}
	doc := pipDoc("venv: /opt/pyenv", "packages: [requests]",
		"options: [--no-deps, --index-url, 'https://x.org/simple', '--extra-index-url=a b']")
	if _, err := loadResolve("variant.yaml", doc); err != nil {
		t.Errorf("Load(%q) = %v, want no error", doc, err)
	}
}

func TestValidatePip(t *testing.T) {
	t.Parallel()
	const reqMsg = "invalid requirement"
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		msg   string
	}{
		{
			name: "relative venv", doc: pipDoc("venv: opt/pyenv", "packages: [requests]"),
			line: 4, field: "final.pip.venv", msg: `invalid path "opt/pyenv"`,
		},
		{
			name: "unclean venv", doc: pipDoc("venv: /opt/../pyenv", "packages: [requests]"),
			line: 4, field: "final.pip.venv", msg: "want a clean absolute path",
		},
		{
			name: "trailing slash", doc: pipDoc("venv: /opt/pyenv/", "packages: [requests]"),
			line: 4, field: "final.pip.venv", msg: `invalid path "/opt/pyenv/"`,
		},
		{
			// An unwritten venv takes the position of final.pip's first key.
			name: "missing venv", doc: pipDoc("packages: [requests]"),
			line: 4, field: "final.pip.venv", msg: "missing; give the environment's path",
		},
		{
			name: "missing packages", doc: pipDoc("venv: /opt/pyenv"),
			line: 4, field: "final.pip.packages", msg: "missing; list the packages to install",
		},
		{
			name: "empty packages", doc: pipDoc("venv: /opt/pyenv", "packages: []"),
			line: 5, field: "final.pip.packages", msg: "missing",
		},
		{
			name: "shell in a requirement", doc: pipReq("'requests; rm -rf /'"),
			line: 6, field: "final.pip.packages[0]",
			msg: `invalid requirement "requests; rm -rf /"`,
		},
		{
			name: "environment marker", doc: pipReq(`'requests; python_version >= "3.8"'`),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "editable", doc: pipReq("-e ."),
			line: 6, field: "final.pip.packages[0]", msg: `invalid requirement "-e ."`,
		},
		{
			name: "option as a package", doc: pipReq("--user"),
			line: 6, field: "final.pip.packages[0]", msg: `invalid requirement "--user"`,
		},
		{
			name: "requirements file", doc: pipReq("-r requirements.txt"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "url", doc: pipReq("git+https://x.org/r.git"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "direct reference", doc: pipReq("'pkg @ https://x.org/pkg.whl'"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "local path", doc: pipReq("./dist/pkg.whl"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "spaces around the version", doc: pipReq("'requests >= 2.31'"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "name ending in a dot", doc: pipReq("requests."),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "empty extras", doc: pipReq("'requests[]'"),
			line: 6, field: "final.pip.packages[0]", msg: reqMsg,
		},
		{
			name: "second package, flow list",
			doc:  pipDoc("venv: /opt/pyenv", "packages: [requests, '$(id)']"),
			line: 5, field: "final.pip.packages[1]", msg: `invalid requirement "$(id)"`,
		},
		{
			name: "option with a newline",
			doc:  pipDoc("venv: /opt/pyenv", "packages: [requests]", `options: ["a\nb"]`),
			line: 6, field: "final.pip.options[0]", msg: `invalid option "a\nb"`,
		},
		{
			name: "undeclared arg in an option",
			doc:  pipDoc("venv: /opt/pyenv", "packages: [x]", "options: [--index-url, '${PYPI}']"),
			line: 6, field: "final.pip.options[1]", msg: "undeclared arg ${PYPI}",
		},
		{
			name: "unknown key",
			doc:  pipDoc("venv: /opt/pyenv", "packages: [x]", "requirements: [y]"),
			line: 6, field: "final.pip.requirements", msg: "unknown",
		},
		{
			name: "packages as a string",
			doc:  pipDoc("venv: /opt/pyenv", "packages: requests"),
			line: 5, field: "final.pip.packages", msg: "list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecError(t, tt.doc, tt.line, tt.field, tt.msg)
		})
	}
}

func TestValidatePipJoined(t *testing.T) {
	t.Parallel()
	doc := pipDoc("venv: pyenv", "packages: [ok, -e ., --user]", `options: ["\n"]`)
	_, err := loadResolve("x.yaml", doc)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Load(%q) = %v, want errors.Join-ed errors", doc, err)
	}
	want := []string{
		`x.yaml:4:11: final.pip.venv: invalid path "pyenv"`,
		`x.yaml:5:20: final.pip.packages[1]: invalid requirement "-e ."`,
		`x.yaml:5:26: final.pip.packages[2]: invalid requirement "--user"`,
		`x.yaml:6:15: final.pip.options[0]: invalid option "\n"`,
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

// pipBase has a pip section: venv on line 5, packages on 6, options on 7.
var pipBase = lines(
	"version: 1",
	"name: base",
	"final:",
	"  pip:",
	"    venv: /opt/pyenv",
	"    packages: [requests, semgrep==1.99.0, black]",
	"    options: [--index-url, https://a.example/simple]",
)

func TestLoadAllMergesPip(t *testing.T) {
	t.Parallel()
	child := func(l ...string) string {
		return lines(append([]string{"version: 1", "extends: base.yaml"}, l...)...)
	}
	baseOpts := []string{"--index-url", "https://a.example/simple"}
	baseVenv := spec.Pos{File: "base.yaml", Line: 5, Column: 11}
	tests := []struct {
		name string
		ctx  context
		doc  string
		want spec.Pip
		pos  map[string]spec.Pos
	}{
		{
			name: "inherited",
			doc:  child("name: child"),
			want: spec.Pip{Venv: "/opt/pyenv",
				Packages: []string{"requests", "semgrep==1.99.0", "black"}, Options: baseOpts},
			pos: map[string]spec.Pos{
				"final.pip.venv":        baseVenv,
				"final.pip.packages[2]": {File: "base.yaml", Line: 6, Column: 43},
			},
		},
		{
			name: "packages append without duplicates",
			doc:  child("final:", "  pip:", "    packages: [black, httpie, requests]"),
			want: spec.Pip{Venv: "/opt/pyenv",
				Packages: []string{"requests", "semgrep==1.99.0", "black", "httpie"},
				Options:  baseOpts},
			pos: map[string]spec.Pos{
				"final.pip.venv":        baseVenv,
				"final.pip.packages[1]": {File: "base.yaml", Line: 6, Column: 26},
				"final.pip.packages[3]": {Line: 5, Column: 23},
			},
		},
		{
			name: "venv and options replace",
			doc: child("final:", "  pip:", "    venv: /opt/venv",
				"    options: [--no-deps]"),
			want: spec.Pip{Venv: "/opt/venv",
				Packages: []string{"requests", "semgrep==1.99.0", "black"},
				Options:  []string{"--no-deps"}},
			pos: map[string]spec.Pos{
				"final.pip.venv":       {Line: 5, Column: 11},
				"final.pip.options[0]": {Line: 6, Column: 15},
			},
		},
		{
			name: "empty options replace",
			doc:  child("final:", "  pip:", "    options: []"),
			want: spec.Pip{Venv: "/opt/pyenv",
				Packages: []string{"requests", "semgrep==1.99.0", "black"}},
		},
		{
			name: "remove and add",
			doc: child("final:", "  pip:", "    packages: [pylint]",
				"remove:", "  pip: [semgrep==1.99.0, black]"),
			want: spec.Pip{Venv: "/opt/pyenv", Packages: []string{"requests", "pylint"},
				Options: baseOpts},
			pos: map[string]spec.Pos{
				"final.pip.packages[0]": {File: "base.yaml", Line: 6, Column: 16},
				"final.pip.packages[1]": {Line: 5, Column: 16},
			},
		},
		{
			name: "removed and added again",
			doc: child("final:", "  pip:", "    packages: [requests]",
				"remove:", "  pip: [requests]"),
			want: spec.Pip{Venv: "/opt/pyenv",
				Packages: []string{"semgrep==1.99.0", "black", "requests"}, Options: baseOpts},
		},
		{
			name: "parent without pip",
			ctx:  context{"base.yaml": lines("version: 1", "final:", "  apt: {packages: [jq]}")},
			doc:  child("final:", "  pip: {venv: /srv/py, packages: [ansible]}"),
			want: spec.Pip{Venv: "/srv/py", Packages: []string{"ansible"}},
			pos:  map[string]spec.Pos{"final.pip.venv": {Line: 4, Column: 15}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.ctx == nil {
				tt.ctx = context{"base.yaml": pipBase}
			}
			f, err := spec.LoadAll("child.yaml", []byte(tt.doc), tt.ctx.read)
			if err != nil {
				t.Fatalf("LoadAll() = %v", err)
			}
			got := f.Spec.Final.Pip
			if got == nil {
				t.Fatalf("merged final.pip = nil, want %+v", tt.want)
			}
			if got.Venv != tt.want.Venv || !slices.Equal(got.Packages, tt.want.Packages) ||
				!slices.Equal(got.Options, tt.want.Options) {
				t.Errorf("merged final.pip = %+v, want %+v", *got, tt.want)
			}
			for field, want := range tt.pos {
				if got := f.Pos(field); got != want {
					t.Errorf("Pos(%q) = %+v, want %+v", field, got, want)
				}
			}
			if _, err := f.Resolve(nil, spec.PredefinedArgs(amd64, amd64)); err != nil {
				t.Errorf("Resolve() = %v", err)
			}
		})
	}
}

func TestLoadAllNoPip(t *testing.T) {
	t.Parallel()
	ctx := context{"base.yaml": lines("version: 1", "final:", "  apt: {packages: [jq]}")}
	doc := lines("version: 1", "extends: base.yaml", "final:", "  apt: {packages: [git]}")
	f, err := spec.LoadAll("child.yaml", []byte(doc), ctx.read)
	if err != nil {
		t.Fatalf("LoadAll() = %v", err)
	}
	if f.Spec.Final.Pip != nil {
		t.Errorf("merged final.pip = %+v, want nil when neither spec has one",
			f.Spec.Final.Pip)
	}
}

func TestPipMergeErrors(t *testing.T) {
	t.Parallel()
	noPip := lines("version: 1", "final:", "  apt: {packages: [jq]}")
	tests := []struct {
		name string
		ctx  context
		doc  string
		want []string
	}{
		{
			name: "dangling removal",
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  pip: [requests, flask]"),
			want: []string{`child.yaml:4:19: remove.pip[1]: "flask" is not defined in base.yaml`},
		},
		{
			name: "removal from a parent without pip",
			ctx:  context{"base.yaml": noPip},
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  pip: [requests]"),
			want: []string{`child.yaml:4:9: remove.pip[0]: "requests" is not defined in ` +
				"base.yaml, so there is nothing to remove"},
		},
		{
			name: "every dangling removal",
			ctx:  context{"base.yaml": noPip},
			doc: lines("version: 1", "extends: base.yaml", "remove:",
				"  pip: [a, b]", "  apt: [vim]"),
			want: []string{
				`child.yaml:4:9: remove.pip[0]: "a"`, `child.yaml:4:12: remove.pip[1]: "b"`,
				`child.yaml:5:9: remove.apt[0]: "vim"`,
			},
		},
		{
			name: "remove.pip does not remove apt packages",
			ctx:  context{"base.yaml": noPip},
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  pip: [jq]"),
			want: []string{`remove.pip[0]: "jq" is not defined`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.ctx == nil {
				tt.ctx = context{"base.yaml": pipBase}
			}
			f, err := spec.LoadAll("child.yaml", []byte(tt.doc), tt.ctx.read)
			if err == nil {
				t.Fatalf("LoadAll() = %+v, nil, want %q", f.Spec.Final.Pip, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadAll() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestPipMergedErrorsPointIntoTheirFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base string
		doc  string
		want string
	}{
		{
			name: "parent's venv",
			base: lines("version: 1", "final:", "  pip: {venv: pyenv, packages: [a]}"),
			doc: lines("version: 1", "extends: base.yaml", "final:", "  pip:",
				"    packages: [b]"),
			want: `base.yaml:3:15: final.pip.venv: invalid path "pyenv"`,
		},
		{
			name: "child's requirement",
			base: pipBase,
			doc: lines("version: 1", "extends: base.yaml", "final:", "  pip:",
				"    packages: [ok, '-e .']"),
			want: `child.yaml:5:20: final.pip.packages[4]: invalid requirement "-e ."`,
		},
		{
			name: "every package removed",
			base: lines("version: 1", "final:", "  pip:", "    venv: /opt/pyenv",
				"    packages: [a]"),
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  pip: [a]"),
			want: "base.yaml:5:15: final.pip.packages: missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context{"base.yaml": tt.base}
			f, err := spec.LoadAll("child.yaml", []byte(tt.doc), ctx.read)
			if err != nil {
				t.Fatalf("LoadAll() = %v", err)
			}
			_, err = f.Resolve(nil, spec.PredefinedArgs(amd64, amd64))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolve() = %v, want %q", err, tt.want)
			}
		})
	}
}
