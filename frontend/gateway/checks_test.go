package gateway_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
)

// tested is variant with two tests.
var tested = variant + lines(
	"tests:",
	"  - {name: yq, run: yq --version, expect: 'v4\\.54\\.3'}",
	"  - {name: jq, run: jq --version, exit: 0}",
)

const stubHelper = "docker-image://registry.example/cst-frontend:stub"

// describeCheck says what a check solve checks: "check-elf arm64 on
// linux/amd64" or "check-test yq on linux/amd64", with the platform the
// helper runs on. It also checks that the helper image is pulled for that
// platform and that the check builds on the final image of target.
func describeCheck(t *testing.T, def *pb.Definition) string {
	t.Helper()
	var desc []string
	for _, st := range steps(t, def) {
		ex := st.op.GetExec()
		if ex == nil || len(ex.Meta.Args) < 2 || ex.Meta.Args[0] != "/bin/cst-frontend" {
			continue
		}
		// The -arch or -name value follows the subcommand.
		args := ex.Meta.Args
		desc = append(desc, args[1]+" "+args[3]+" on "+formatPB(st.op.Platform))
	}
	if len(desc) != 1 {
		t.Fatalf("check runs the helper %d times (%q), want once", len(desc), desc)
	}
	srcs := sources(t, def)
	if p, ok := srcs[stubHelper]; !ok || p != "linux/amd64" {
		t.Errorf("check %s sources = %v, want %s for linux/amd64", desc[0], srcs, stubHelper)
	}
	return desc[0]
}

// finalTarget returns the platform of the base image a check builds on.
func finalTarget(t *testing.T, def *pb.Definition) string {
	t.Helper()
	for id, p := range sources(t, def) {
		if strings.Contains(id, "debian:bookworm") {
			return p
		}
	}
	t.Fatalf("check has no base image source: %v", sources(t, def))
	return ""
}

func TestBuildChecks(t *testing.T) {
	t.Parallel()
	s, _, err := build(tested, nil)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	if len(s.builds) != 2 {
		t.Errorf("Build() solved %d final images, want 2", len(s.builds))
	}
	var got []string
	for _, def := range s.checks {
		got = append(got, finalTarget(t, def)+": "+describeCheck(t, def))
	}
	sort.Strings(got)
	want := []string{
		"linux/amd64: check-elf amd64 on linux/amd64",
		"linux/amd64: check-test jq on linux/amd64",
		"linux/amd64: check-test yq on linux/amd64",
		"linux/arm64: check-elf arm64 on linux/amd64",
		"linux/arm64: check-test jq on linux/amd64",
		"linux/arm64: check-test yq on linux/amd64",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Build() evaluated checks %q, want %q", got, want)
	}
	if len(s.buildWarnings()) != 0 {
		t.Errorf("Build() warned %v, want no warnings", s.buildWarnings())
	}
}

func TestBuildSkipsChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		doc    string
		opts   map[string]string
		checks int
	}{
		{name: "default", doc: tested, checks: 3},
		{name: "skip with 1", doc: tested, opts: skip("1")},
		{name: "skip with true", doc: tested, opts: skip("true")},
		{name: "skip with TRUE", doc: tested, opts: skip("TRUE")},
		{name: "not skipped with 0", doc: tested, opts: skip("0"), checks: 3},
		{name: "not skipped with false", doc: tested, opts: skip("false"), checks: 3},
		{name: "not skipped when empty", doc: tested, opts: skip(""), checks: 3},
		{name: "tools, no tests", doc: variant, checks: 1},
		{
			name:   "builder target",
			doc:    tested,
			opts:   map[string]string{"target": "builder"},
			checks: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"platform": "linux/arm64"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			s, _, err := build(tc.doc, opts)
			if err != nil {
				t.Fatalf("Build() = %v, want no error", err)
			}
			if len(s.builds) != 1 {
				t.Errorf("Build() solved %d builds, want 1", len(s.builds))
			}
			if len(s.checks) != tc.checks {
				t.Errorf("Build() evaluated %d checks, want %d", len(s.checks), tc.checks)
			}
			if len(s.buildWarnings()) != 0 {
				t.Errorf("Build() warned %v, want no warnings", s.buildWarnings())
			}
		})
	}
}

func skip(v string) map[string]string {
	return map[string]string{"build-arg:" + gateway.SkipTestsArg: v}
}

// withFrontend is a client whose CurrentFrontend returns st and err.
type withFrontend struct {
	client.Client
	st  *llb.State
	err error
}

func (c withFrontend) CurrentFrontend() (*llb.State, error) { return c.st, c.err }

// withoutFrontend is a client that cannot tell its frontend image.
type withoutFrontend struct {
	client.Client
}

// failingChecks is the stub with every check failing.
type failingChecks struct {
	*stub
}

func (c failingChecks) Solve(ctx context.Context, req client.SolveRequest) (
	*client.Result, error) {
	if req.Evaluate {
		return nil, errors.New("test yq failed: `yq --version` exited 127, want 0")
	}
	return c.stub.Solve(ctx, req)
}

func TestBuildCheckErrors(t *testing.T) {
	t.Parallel()
	unknown := "the frontend's own image is unknown"
	tests := []struct {
		name    string
		client  func(*stub) client.Client
		doc     string
		opts    map[string]string
		wantErr string // "" when the build succeeds
	}{
		{
			name:    "no CurrentFrontend",
			client:  func(s *stub) client.Client { return withoutFrontend{s} },
			doc:     tested,
			wantErr: unknown,
		},
		{
			name:   "no CurrentFrontend, skipped",
			client: func(s *stub) client.Client { return withoutFrontend{s} },
			doc:    tested,
			opts:   skip("1"),
		},
		{
			name:   "no CurrentFrontend, nothing to check",
			client: func(s *stub) client.Client { return withoutFrontend{s} },
			doc:    lines("version: 1", "final:", "  base: debian:bookworm"),
		},
		{
			name:    "no frontend image",
			client:  func(s *stub) client.Client { return withFrontend{Client: s} },
			doc:     tested,
			wantErr: unknown,
		},
		{
			name: "frontend image fails",
			client: func(s *stub) client.Client {
				return withFrontend{Client: s, err: errors.New("no frontend.bin")}
			},
			doc:     tested,
			wantErr: "load the frontend's own image: no frontend.bin",
		},
		{
			name:    "failing test",
			client:  func(s *stub) client.Client { return failingChecks{s} },
			doc:     tested,
			wantErr: "test yq failed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"platform": "linux/arm64"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			s := newStub(tc.doc, opts)
			_, err := gateway.Build(context.Background(), tc.client(s))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Build() = %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Build() = %v, want an error containing %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && len(s.checks) != 0 {
				t.Errorf("Build() evaluated %d checks, want none", len(s.checks))
			}
		})
	}
}
