package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/lint"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
)

// specName is the file name the stub serves the spec under.
const specName = "variant.yaml"

// stub is a gateway client with no daemon behind it. It serves the spec to
// dockerui's read of the build definition, records the definitions the
// builds submit and the warnings, and resolves every image to a small config
// for the platform asked for. An image whose reference contains "missing"
// does not resolve; one that contains "scanner" has the command /scan.
type stub struct {
	opts  map[string]string
	files map[string][]byte
	// nilResult names the solve, "read" or "build", that returns no result.
	nilResult string

	mu       sync.Mutex
	builds   []*pb.Definition
	checks   []*pb.Definition // solves with Evaluate: the tests and checks
	warnings []warning
	resolved []string
}

type warning struct {
	msg  string
	opts client.WarnOpts
}

var _ client.Client = (*stub)(nil)

// newStub serves doc as variant.yaml; opts are added to the filename option.
func newStub(doc string, opts map[string]string) *stub {
	o := map[string]string{"filename": specName}
	for k, v := range opts {
		o[k] = v
	}
	return &stub{opts: o, files: map[string][]byte{specName: []byte(doc)}}
}

func (s *stub) BuildOpts() client.BuildOpts {
	return client.BuildOpts{
		Opts:      s.opts,
		SessionID: "stub-session",
		Workers: []client.WorkerInfo{{
			ID:        "stub",
			Platforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}},
		}},
		Product: "stub",
		LLBCaps: pb.Caps.CapSet(pb.Caps.All()),
		Caps:    gwpb.Caps.CapSet(gwpb.Caps.All()),
	}
}

func (s *stub) Solve(_ context.Context, req client.SolveRequest) (*client.Result, error) {
	ops, err := decodeOps(req.Definition)
	if err != nil {
		return nil, err
	}
	kind, r := "build", &ref{}
	for _, op := range ops {
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "local://") {
			kind, r = "read", &ref{files: s.files}
		}
	}
	s.mu.Lock()
	switch {
	case kind == "build" && req.Evaluate:
		s.checks = append(s.checks, req.Definition)
	case kind == "build":
		s.builds = append(s.builds, req.Definition)
	}
	s.mu.Unlock()
	if s.nilResult == kind {
		return nil, nil
	}
	res := client.NewResult()
	res.SetRef(r)
	return res, nil
}

func (s *stub) ResolveImageConfig(_ context.Context, name string, opt sourceresolver.Opt) (
	string, digest.Digest, []byte, error) {
	p := platforms.DefaultSpec()
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	plat := platforms.Format(p)
	s.mu.Lock()
	s.resolved = append(s.resolved, name+" "+plat)
	s.mu.Unlock()
	if strings.Contains(name, "missing") {
		return "", "", nil, fmt.Errorf("%s: not found", name)
	}
	img := dockerspec.DockerOCIImage{}
	img.Platform = p
	img.RootFS.Type = "layers"
	img.Config.Env = []string{"PATH=/usr/bin:/bin", "BASE_ARCH=" + p.Architecture}
	img.Config.Labels = map[string]string{"base.label": "kept"}
	if strings.Contains(name, "scanner") {
		img.Config.Cmd = []string{"/scan"}
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	return name, digest.FromString(name + " " + plat), dt, nil
}

// ResolveSourceMetadata answers for images, as ResolveImageConfig does.
func (s *stub) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp,
	opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	name, ok := strings.CutPrefix(op.Identifier, "docker-image://")
	if !ok {
		return nil, errors.New("stub: ResolveSourceMetadata answers only for images")
	}
	_, dgst, dt, err := s.ResolveImageConfig(ctx, name, opt)
	if err != nil {
		return nil, err
	}
	return &sourceresolver.MetaResponse{Op: op,
		Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: dt}}, nil
}

// CurrentFrontend returns the frontend's own image, which runs the checks.
func (s *stub) CurrentFrontend() (*llb.State, error) {
	st := llb.Image("registry.example/cst-frontend:stub")
	return &st, nil
}

func (s *stub) Inputs(context.Context) (map[string]llb.State, error) {
	return map[string]llb.State{}, nil
}

func (s *stub) NewContainer(context.Context, client.NewContainerRequest) (
	client.Container, error) {
	return nil, errors.New("stub: NewContainer is not implemented")
}

func (s *stub) Warn(_ context.Context, _ digest.Digest, msg string, opts client.WarnOpts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnings = append(s.warnings, warning{msg: msg, opts: opts})
	return nil
}

// ref is a solved result: the local source's files, or nothing for a build.
type ref struct {
	files map[string][]byte
}

func (r *ref) ToState() (llb.State, error)    { return llb.Scratch(), nil }
func (r *ref) Evaluate(context.Context) error { return nil }

func (r *ref) ReadFile(_ context.Context, req client.ReadRequest) ([]byte, error) {
	dt, ok := r.files[req.Filename]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: req.Filename, Err: fs.ErrNotExist}
	}
	if rg := req.Range; rg != nil {
		dt = dt[min(rg.Offset, len(dt)):]
		if rg.Length > 0 && rg.Length < len(dt) {
			dt = dt[:rg.Length]
		}
	}
	return dt, nil
}

func (r *ref) StatFile(_ context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	dt, ok := r.files[req.Path]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: req.Path, Err: fs.ErrNotExist}
	}
	return &fstypes.Stat{Path: req.Path, Mode: 0o644, Size: int64(len(dt))}, nil
}

func (r *ref) ReadDir(context.Context, client.ReadDirRequest) ([]*fstypes.Stat, error) {
	return nil, nil
}

func decodeOps(def *pb.Definition) ([]*pb.Op, error) {
	if def == nil {
		return nil, errors.New("stub: solve without a definition")
	}
	ops := make([]*pb.Op, 0, len(def.Def))
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		ops = append(ops, &op)
	}
	return ops, nil
}

// step is one op of a submitted build with its progress name.
type step struct {
	op   *pb.Op
	name string
}

// steps decodes a submitted definition.
func steps(t *testing.T, def *pb.Definition) []step {
	t.Helper()
	var out []step
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatalf("UnmarshalVT() = %v", err)
		}
		name := ""
		if md := def.Metadata[digest.FromBytes(dt).String()]; md != nil {
			name = md.Description["llb.customname"]
		}
		out = append(out, step{op: &op, name: name})
	}
	return out
}

// sources returns the identifiers of a build's source ops with their
// platforms, e.g. "docker-image://docker.io/library/golang:1.26@sha256:...".
func sources(t *testing.T, def *pb.Definition) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, s := range steps(t, def) {
		if src := s.op.GetSource(); src != nil {
			m[src.Identifier] = formatPB(s.op.Platform)
		}
	}
	return m
}

// execEnvs returns the environment of every exec op of a build.
func execEnvs(t *testing.T, def *pb.Definition) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, s := range steps(t, def) {
		if ex := s.op.GetExec(); ex != nil {
			env := map[string]string{}
			for _, kv := range ex.Meta.Env {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			out = append(out, env)
		}
	}
	return out
}

func formatPB(p *pb.Platform) string {
	if p == nil {
		return ""
	}
	return platforms.Format(ocispecs.Platform{
		OS: p.OS, Architecture: p.Architecture, Variant: p.Variant,
	})
}

// buildWarnings are the warnings other than lint findings, whose messages
// start with a rule name.
func (s *stub) buildWarnings() []warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []warning
	for _, w := range s.warnings {
		if !isLint(w.msg) {
			out = append(out, w)
		}
	}
	return out
}

// lintWarnings are the lint findings the build reported.
func (s *stub) lintWarnings() []warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []warning
	for _, w := range s.warnings {
		if isLint(w.msg) {
			out = append(out, w)
		}
	}
	return out
}

func isLint(msg string) bool {
	for _, r := range lint.Rules {
		if strings.HasPrefix(msg, r.Name+": ") {
			return true
		}
	}
	return false
}
