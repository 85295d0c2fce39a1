package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// setup uses the locale, run steps and tests; shells and test commands keep
// their ${...} for the shell, declared or not.
var setup = lines(
	"version: 1",
	"args:",
	"  GREETING: hello",
	"  TOKEN: github_token",
	"final:",
	"  locale: en_US.UTF-8",
	"  run:",
	"    - name: greet-${TARGETARCH}",
	"      shell: echo \"${GREETING} $${HOME} ${UNDECLARED}\" > /etc/greeting",
	"    - name: token",
	"      shell: sha256sum < /run/secrets/${TOKEN}",
	"      secrets: ['${TOKEN}', npm.rc]",
	"tests:",
	"  - name: greeting",
	"    run: cat /etc/greeting; echo ${HOME}",
	"    expect: '^${GREETING} from [a-z]+$'",
	"  - name: missing-command",
	"    run: no-such-command",
	"    exit: 127",
	"  - name: explicit-zero",
	"    run: 'true'",
	"    exit: 0",
)

func TestResolveSteps(t *testing.T) {
	t.Parallel()
	f, err := spec.Load("setup.yaml", []byte(setup))
	if err != nil {
		t.Fatalf("Load(setup) = %v, want no error", err)
	}
	s, err := f.Resolve(map[string]string{"GREETING": "hi"}, spec.PredefinedArgs(arm64, amd64))
	if err != nil {
		t.Fatalf("Resolve(setup) = %v, want no error", err)
	}
	if s.Final.Locale != "en_US.UTF-8" {
		t.Errorf("final.locale = %q, want en_US.UTF-8", s.Final.Locale)
	}
	run := []spec.RunStep{
		{
			Name:  "greet-arm64",
			Shell: `echo "${GREETING} $${HOME} ${UNDECLARED}" > /etc/greeting`,
		},
		{
			Name:    "token",
			Shell:   "sha256sum < /run/secrets/${TOKEN}",
			Secrets: []string{"github_token", "npm.rc"},
		},
	}
	if !reflect.DeepEqual(s.Final.Run, run) {
		t.Errorf("final.run = %+v\nwant %+v", s.Final.Run, run)
	}
	exit127, exit0 := 127, 0
	tests := []spec.Test{
		{
			Name: "greeting", Run: "cat /etc/greeting; echo ${HOME}",
			Expect: "^${GREETING} from [a-z]+$",
		},
		{Name: "missing-command", Run: "no-such-command", Exit: &exit127},
		{Name: "explicit-zero", Run: "true", Exit: &exit0},
	}
	if !reflect.DeepEqual(s.Tests, tests) {
		t.Errorf("tests = %+v\nwant %+v", s.Tests, tests)
	}
	if s.Tests[0].Exit != nil {
		t.Errorf("tests[0].exit = %d, want nil when not written", *s.Tests[0].Exit)
	}
	// The args in use go to the run steps' environment.
	args := map[string]string{"GREETING": "hi", "TOKEN": "github_token"}
	if !reflect.DeepEqual(s.Args, args) {
		t.Errorf("args = %v, want %v", s.Args, args)
	}
	if got := f.Spec.Args["GREETING"]; got != "hello" {
		t.Errorf("File.Spec.Args[GREETING] = %q after Resolve, want the default kept", got)
	}
	if got := f.Spec.Final.Run[0].Name; got != "greet-${TARGETARCH}" {
		t.Errorf("File.Spec.Final.Run[0].Name = %q after Resolve, want it unexpanded", got)
	}
}

func TestResolveArgsInUse(t *testing.T) {
	t.Parallel()
	f, err := spec.Load("args.yaml", []byte(lines("version: 1", "args: {A: a, B: b, E: ''}")))
	if err != nil {
		t.Fatalf("Load() = %v, want no error", err)
	}
	tests := []struct {
		name      string
		buildArgs map[string]string
		want      map[string]string
	}{
		{name: "defaults", want: map[string]string{"A": "a", "B": "b", "E": ""}},
		{
			name:      "overridden, undeclared and predefined left out",
			buildArgs: map[string]string{"B": "2", "E": "e", "X": "x", "TARGETARCH": "riscv64"},
			want:      map[string]string{"A": "a", "B": "2", "E": "e"},
		},
		{
			name:      "overridden with empty",
			buildArgs: map[string]string{"A": ""},
			want:      map[string]string{"A": "", "B": "b", "E": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := f.Resolve(tt.buildArgs, spec.PredefinedArgs(arm64, amd64))
			if err != nil {
				t.Fatalf("Resolve(%v) = %v, want no error", tt.buildArgs, err)
			}
			if !reflect.DeepEqual(s.Args, tt.want) {
				t.Errorf("Resolve(%v).Args = %v, want %v", tt.buildArgs, s.Args, tt.want)
			}
		})
	}
	s, err := spec.Load("none.yaml", []byte(lines("version: 1")))
	if err != nil {
		t.Fatalf("Load() = %v, want no error", err)
	}
	r, err := s.Resolve(map[string]string{"X": "x"}, nil)
	if err != nil {
		t.Fatalf("Resolve() = %v, want no error", err)
	}
	if len(r.Args) != 0 {
		t.Errorf("Resolve() without declared args = %v, want none", r.Args)
	}
}

func TestLocales(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale string
		valid  bool
	}{
		{"en_US.UTF-8", true},
		{"de_DE.ISO-8859-1", true},
		{"sr_RS.UTF-8@latin", true},
		{"ast_ES.UTF-8", true},
		{"C.UTF-8", false},
		{"en_US", false},
		{"english", false},
		{"en-US.UTF-8", false},
		{"EN_us.UTF-8", false},
		{"en_US.UTF-8@Latin", false},
		{"en_US.UTF 8", false},
		{"en_US.UTF-8; rm -rf /", false},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			t.Parallel()
			doc := lines("version: 1", "final:", "  locale: '"+tt.locale+"'")
			_, err := loadResolve("locale.yaml", doc)
			if tt.valid && err != nil {
				t.Errorf("Load(locale %q) = %v, want no error", tt.locale, err)
			}
			if !tt.valid && (err == nil || !strings.Contains(err.Error(), "invalid locale")) {
				t.Errorf("Load(locale %q) = %v, want an invalid locale error", tt.locale, err)
			}
		})
	}
}

func TestStepErrorsAreJoined(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"final:",
		"  locale: en_US",
		"  run:",
		"    - {name: a, shell: ''}",
		"    - {name: a, shell: x, secrets: ['a b']}",
		"tests:",
		"  - {run: x, expect: '[', exit: 256}",
	)
	_, err := loadResolve("x.yaml", doc)
	if err == nil {
		t.Fatalf("Load(%q) = nil, want errors", doc)
	}
	want := []string{
		"x.yaml:3:11: final.locale: invalid locale",
		"x.yaml:5:24: final.run[0].shell: missing",
		"x.yaml:6:14: final.run[1].name: name \"a\" is already used by final.run[0]",
		"x.yaml:6:37: final.run[1].secrets[0]: invalid secret id",
		"x.yaml:8:5: tests[0].name: missing",
		"x.yaml:8:22: tests[0].expect: invalid regular expression",
		"x.yaml:8:33: tests[0].exit: invalid exit code 256",
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("Load() = %d lines:\n%v\nwant %d", len(got), err, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}
