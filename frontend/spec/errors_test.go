package spec_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// loadResolve loads and resolves a spec for linux/arm64 built on
// linux/amd64, the way the gateway does.
func loadResolve(name, doc string) (*spec.Spec, error) {
	f, err := spec.Load(name, []byte(doc))
	if err != nil {
		return nil, err
	}
	return f.Resolve(nil, spec.PredefinedArgs(arm64, amd64))
}

// tool is a spec with one Go tool; its module is on line 5, version on 6.
func tool(module, version string, more ...string) string {
	return lines(append([]string{
		"version: 1",
		"builder:",
		"  go:",
		"    tools:",
		"      - module: " + module,
		"        version: " + version,
	}, more...)...)
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		line  int    // where the bad field is written
		field string // "" when the whole file is concerned
		msg   string // a word of the message
	}{
		{
			name: "malformed YAML",
			doc:  lines("version: 1", "name: x", "  bad: indent"),
			line: 3, msg: "invalid YAML",
		},
		{
			name: "tab indentation",
			doc:  "version: 1\nfinal:\n\tbase: x\n",
			line: 3, msg: "invalid YAML",
		},
		{
			name: "unknown top-level key",
			doc:  lines("version: 1", "nmae: cloud"),
			line: 2, field: "nmae", msg: "unknown key",
		},
		{
			name: "unknown nested key",
			doc:  tool("example.com/a", "v1.0.0", "        modul: example.com/b"),
			line: 7, field: "builder.go.tools[0].modul", msg: "valid keys are",
		},
		{
			name: "unknown key brought in by a merge key",
			doc:  lines("version: 1", "x-a: &a {bogus: 1}", "final:", "  <<: *a"),
			line: 2, field: "final.bogus", msg: "unknown key",
		},
		{
			name: "string where a list is wanted",
			doc:  lines("version: 1", "final:", "  apt:", "    packages: jq"),
			line: 4, field: "final.apt.packages", msg: "want a list",
		},
		{
			name: "string where a boolean is wanted",
			doc:  lines("version: 1", "final:", "  apt:", "    upgrade: maybe"),
			line: 4, field: "final.apt.upgrade", msg: "true or false",
		},
		{
			name: "string where an integer is wanted",
			doc:  lines("# syntax=cst-frontend", "version: one"),
			line: 2, field: "version", msg: "integer",
		},
		{
			name: "list where a string is wanted",
			doc:  lines("version: 1", "name: [a, b]"),
			line: 2, field: "name", msg: "want a string",
		},
		{
			name: "boolean where a string is wanted",
			doc:  lines("version: 1", "final:", "  user: true"),
			line: 3, field: "final.user", msg: "want a string",
		},
		{
			name: "list where a mapping is wanted",
			doc:  lines("version: 1", "final:", "  env: [A=b]"),
			line: 3, field: "final.env", msg: "want a mapping",
		},
		{
			name: "duplicate key",
			doc:  lines("version: 1", "name: a", "description: d", "name: b"),
			line: 4, field: "name", msg: "set twice",
		},
		{
			name: "duplicate nested key",
			doc:  tool("example.com/a", "v1.0.0", "        version: v2.0.0"),
			line: 7, field: "builder.go.tools[0].version", msg: "set twice",
		},
		{
			name: "missing version",
			doc:  lines("# syntax=cst-frontend", "name: cloud"),
			line: 2, field: "version", msg: "missing",
		},
		{
			name: "unknown version",
			doc:  lines("name: cloud", "version: 2"),
			line: 2, field: "version", msg: "unsupported",
		},
		{
			name: "undeclared arg",
			doc:  lines("version: 1", "args: {BASE: ubuntu:jammy}", "final:", "  base: ${BAS}"),
			line: 4, field: "final.base", msg: "undeclared",
		},
		{
			name: "undeclared arg in a tool",
			doc:  tool("example.com/a", "${VERSION}"),
			line: 6, field: "builder.go.tools[0].version", msg: "undeclared",
		},
		{
			name: "unterminated reference",
			doc:  lines("version: 1", "args: {A: a}", "description: 'x ${A'"),
			line: 3, field: "description", msg: "unterminated",
		},
		{
			name: "invalid arg name",
			doc:  lines("version: 1", "args:", "  A-B: x"),
			line: 3, field: "args.A-B", msg: "invalid arg name",
		},
		{
			name: "predefined arg declared",
			doc:  lines("version: 1", "args:", "  TARGETARCH: amd64"),
			line: 3, field: "args.TARGETARCH", msg: "predefined",
		},
		{
			name: "invalid platform",
			doc:  lines("version: 1", "platforms:", "  - linux/amd64", "  - linux/amd 64"),
			line: 4, field: "platforms[1]", msg: "invalid platform",
		},
		{
			name: "tool without module",
			doc:  lines("version: 1", "builder:", "  go:", "    tools:", "      - version: v1.0.0"),
			line: 5, field: "builder.go.tools[0].module", msg: "missing",
		},
		{
			name: "tool without version",
			doc:  lines("version: 1", "builder:", "  go:", "    tools:", "      - module: a.com/b"),
			line: 5, field: "builder.go.tools[0].version", msg: "missing",
		},
		{
			name: "invalid module path",
			doc:  tool("'github.com/a b'", "v1.0.0"),
			line: 5, field: "builder.go.tools[0].module", msg: "invalid Go package path",
		},
		{
			name: "version without v",
			doc:  tool("example.com/a", "'1.2'"),
			line: 6, field: "builder.go.tools[0].version", msg: "invalid Go module version",
		},
		{
			name: "branch as version",
			doc:  tool("example.com/a", "master"),
			line: 6, field: "builder.go.tools[0].version", msg: "semantic version",
		},
		{
			name: "invalid rename",
			doc:  tool("example.com/a", "v1.0.0", "        rename: ../evil"),
			line: 7, field: "builder.go.tools[0].rename", msg: "invalid file name",
		},
		{
			name: "invalid build tag",
			doc:  tool("example.com/a", "v1.0.0", "        tags: [ok, 'no way']"),
			line: 7, field: "builder.go.tools[0].tags[1]", msg: "invalid build tag",
		},
		{
			name: "reserved env var in a tool",
			doc:  tool("example.com/a", "v1.0.0", "        env:", "          GOOS: windows"),
			line: 8, field: "builder.go.tools[0].env.GOOS", msg: "cannot be overridden",
		},
		{
			name: "two tools with one output name",
			doc: tool("github.com/mikefarah/yq/v4", "v4.54.3",
				"      - module: example.com/other/yq", "        version: v1.0.0"),
			line: 7, field: "builder.go.tools[1]", msg: "already used",
		},
		{
			name: "invalid go image",
			doc:  lines("version: 1", "builder:", "  go:", "    image: Golang:Latest:1"),
			line: 4, field: "builder.go.image", msg: "invalid image reference",
		},
		{
			name: "Debian package with uppercase and underscore",
			doc:  lines("version: 1", "final:", "  apt:", "    packages: [jq, Foo_bar]"),
			line: 4, field: "final.apt.packages[1]", msg: "invalid Debian package name",
		},
		{
			name: "Debian package with shell syntax",
			doc:  lines("version: 1", "final:", "  apt:", "    packages:", "      - jq; rm -rf /"),
			line: 5, field: "final.apt.packages[0]", msg: "invalid Debian package name",
		},
		{
			name: "relative executables path",
			doc:  lines("version: 1", "final:", "  executables: opt/executables"),
			line: 3, field: "final.executables", msg: "absolute path",
		},
		{
			name: "unclean executables path",
			doc:  lines("version: 1", "final:", "  executables: /opt/../etc"),
			line: 3, field: "final.executables", msg: "clean absolute path",
		},
		{
			name: "relative workdir",
			doc:  lines("version: 1", "final:", "  workdir: root"),
			line: 3, field: "final.workdir", msg: "invalid path",
		},
		{
			name: "port out of range",
			doc:  lines("version: 1", "final:", "  expose: [22, 70000]"),
			line: 3, field: "final.expose[1]", msg: "invalid port",
		},
		{
			name: "port by name",
			doc:  lines("version: 1", "final:", "  expose:", "    - ssh"),
			line: 4, field: "final.expose[0]", msg: "invalid port",
		},
		{
			name: "port with unknown protocol",
			doc:  lines("version: 1", "final:", "  expose: [53/icmp]"),
			line: 3, field: "final.expose[0]", msg: "invalid port",
		},
		{
			name: "invalid user",
			doc:  lines("version: 1", "final:", "  user: 'root; id'"),
			line: 3, field: "final.user", msg: "invalid user",
		},
		{
			name: "invalid env name",
			doc:  lines("version: 1", "final:", "  env:", "    A-B: x"),
			line: 4, field: "final.env.A-B", msg: "invalid variable name",
		},
		{
			name: "invalid name",
			doc:  lines("version: 1", "name: my variant"),
			line: 2, field: "name", msg: "invalid name",
		},
		{
			name: "run step without name",
			doc:  lines("version: 1", "final:", "  run:", "    - shell: echo hi"),
			line: 4, field: "final.run[0].name", msg: "missing",
		},
		{
			name: "run step with an invalid name",
			doc:  lines("version: 1", "final:", "  run:", "    - {name: my step, shell: x}"),
			line: 4, field: "final.run[0].name", msg: "invalid name",
		},
		{
			name: "duplicate run step names",
			doc: lines("version: 1", "final:", "  run:", "    - {name: a, shell: x}",
				"    - name: a", "      shell: y"),
			line: 5, field: "final.run[1].name", msg: "already used by final.run[0]",
		},
		{
			name: "run step with a blank shell",
			doc:  lines("version: 1", "final:", "  run:", "    - name: a", "      shell: ' '"),
			line: 5, field: "final.run[0].shell", msg: "missing",
		},
		{
			name: "run step without shell",
			doc:  lines("version: 1", "final:", "  run:", "    - name: a"),
			line: 4, field: "final.run[0].shell", msg: "missing",
		},
		{
			name: "invalid secret id",
			doc: lines("version: 1", "final:", "  run:", "    - name: a", "      shell: x",
				"      secrets: [ok, 'bad id']"),
			line: 6, field: "final.run[0].secrets[1]", msg: "invalid secret id",
		},
		{
			name: "secret id that is a path",
			doc: lines("version: 1", "final:", "  run:", "    - name: a", "      shell: x",
				"      secrets: [../token]"),
			line: 6, field: "final.run[0].secrets[0]", msg: "invalid secret id",
		},
		{
			name: "locale without charset",
			doc:  lines("version: 1", "final:", "  locale: en_US"),
			line: 3, field: "final.locale", msg: "invalid locale",
		},
		{
			name: "locale by name",
			doc:  lines("version: 1", "final:", "  locale: english"),
			line: 3, field: "final.locale", msg: "language_TERRITORY.CHARSET",
		},
		{
			name: "test without name",
			doc:  lines("version: 1", "tests:", "  - run: 'true'"),
			line: 3, field: "tests[0].name", msg: "missing",
		},
		{
			name: "test without run",
			doc:  lines("version: 1", "tests:", "  - name: t", "    expect: x"),
			line: 3, field: "tests[0].run", msg: "missing",
		},
		{
			name: "duplicate test names",
			doc:  lines("version: 1", "tests:", "  - {name: t, run: a}", "  - {name: t, run: b}"),
			line: 4, field: "tests[1].name", msg: "already used by tests[0]",
		},
		{
			name: "invalid expect",
			doc:  lines("version: 1", "tests:", "  - name: t", "    run: x", "    expect: 'a('"),
			line: 5, field: "tests[0].expect", msg: "invalid regular expression",
		},
		{
			name: "exit code above 255",
			doc:  lines("version: 1", "tests:", "  - name: t", "    run: x", "    exit: 300"),
			line: 5, field: "tests[0].exit", msg: "invalid exit code 300",
		},
		{
			name: "negative exit code",
			doc:  lines("version: 1", "tests:", "  - name: t", "    run: x", "    exit: -1"),
			line: 5, field: "tests[0].exit", msg: "want 0 to 255",
		},
		{
			name: "exit code that is not a number",
			doc:  lines("version: 1", "tests:", "  - name: t", "    run: x", "    exit: ok"),
			line: 5, field: "tests[0].exit", msg: "want an integer",
		},
		{
			name: "undeclared arg in a run step's name",
			doc:  lines("version: 1", "final:", "  run:", "    - {name: '${STEP}', shell: x}"),
			line: 4, field: "final.run[0].name", msg: "undeclared",
		},
		{
			name: "mapping that merges itself",
			doc:  lines("version: 1", "final: &f", "  <<: *f"),
			line: 2, field: "final", msg: "merge",
		},
		{
			name: "merge key naming a list",
			doc:  lines("version: 1", "x-l: &l [a]", "final:", "  <<: *l"),
			line: 2, field: "final", msg: "merge key",
		},
		{
			name: "empty document",
			doc:  "",
			line: 1, msg: "empty",
		},
		{
			name: "comments only",
			doc:  lines("# syntax=cst-frontend", "# nothing else"),
			line: 1, msg: "empty",
		},
		{
			name: "document that is a list",
			doc:  lines("- version: 1"),
			line: 1, msg: "want a mapping",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const file = "variants/bad/variant.yaml"
			s, err := loadResolve(file, tt.doc)
			if err == nil {
				t.Fatalf("Load(%q) = %+v, nil, want an error", tt.doc, s)
			}
			msg := err.Error()
			for _, want := range []string{
				file + fmt.Sprintf(":%d:", tt.line),
				fieldPrefix(tt.field),
				tt.msg,
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("Load(%q) = %v, want it to contain %q", tt.doc, msg, want)
				}
			}
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Errorf("Load(%q) = %T, want a *spec.Error inside", tt.doc, err)
			}
		})
	}
}

// fieldPrefix is how an error names a field: ": field: ".
func fieldPrefix(field string) string {
	if field == "" {
		return ": "
	}
	return ": " + field + ": "
}

func TestErrorsAreJoined(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []string // one entry per problem, in order
	}{
		{
			name: "decode problems",
			doc: lines(
				"version: 1",
				"nmae: x",
				"final:",
				"  apt: {upgrade: maybe, packages: jq}",
			),
			want: []string{
				"x.yaml:2:1: nmae: unknown key",
				"x.yaml:4:18: final.apt.upgrade: want true or false",
				"x.yaml:4:35: final.apt.packages: want a list",
			},
		},
		{
			name: "reference problems",
			doc:  lines("version: 1", "name: ${A}", "args: {B-C: x}", "description: ${D"),
			want: []string{
				"x.yaml:3:13: args.B-C: invalid arg name",
				"x.yaml:2:7: name: undeclared arg ${A}",
				"x.yaml:4:14: description: unterminated ${",
			},
		},
		{
			name: "validation problems",
			doc: lines(
				"version: 1",
				"platforms: [linux/amd 64]",
				"builder:",
				"  go:",
				"    tools:",
				"      - module: example.com/a",
				"        version: master",
				"final:",
				"  expose: [70000]",
			),
			want: []string{
				"x.yaml:2:13: platforms[0]: invalid platform",
				"x.yaml:7:18: builder.go.tools[0].version: invalid Go module version",
				"x.yaml:9:12: final.expose[0]: invalid port",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadResolve("x.yaml", tt.doc)
			if err == nil {
				t.Fatalf("Load(%q) = nil, want %d errors", tt.doc, len(tt.want))
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("Load(%q) = %T, want errors.Join-ed errors", tt.doc, err)
			}
			errs := joined.Unwrap()
			if len(errs) != len(tt.want) {
				t.Fatalf("Load(%q) = %d errors:\n%v\nwant %d", tt.doc, len(errs), err, len(tt.want))
			}
			for i, e := range errs {
				if _, ok := e.(*spec.Error); !ok {
					t.Errorf("error %d is %T, want *spec.Error", i, e)
				}
				if !strings.HasPrefix(e.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, e, tt.want[i])
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tt.want) {
				t.Errorf("Load(%q) message has %d lines, want %d:\n%v", tt.doc, n, len(tt.want), err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  spec.Error
		want string
	}{
		{
			err:  spec.Error{File: "v.yaml", Pos: spec.Pos{Line: 3, Column: 5}, Field: "a.b", Msg: "bad"},
			want: "v.yaml:3:5: a.b: bad",
		},
		{err: spec.Error{File: "v.yaml", Pos: spec.Pos{Line: 3}, Msg: "bad"}, want: "v.yaml:3: bad"},
		{err: spec.Error{File: "v.yaml", Field: "a", Msg: "bad"}, want: "v.yaml: a: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("%+v.Error() = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
