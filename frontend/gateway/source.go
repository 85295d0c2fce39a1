package gateway

import (
	"context"
	"sync"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
)

// sources are the spec files of one build: the spec the client named and
// the specs it extends, read from the build context.
type sources struct {
	entry *dockerui.Source

	mu      sync.Mutex
	parents map[string]*llb.SourceMap
}

func newSources(entry *dockerui.Source) *sources {
	return &sources{entry: entry, parents: map[string]*llb.SourceMap{}}
}

// load reads the spec and every spec it extends.
func (s *sources) load(ctx context.Context, bc *dockerui.Client, c client.Client) (
	*spec.File, error) {
	read := func(name string) ([]byte, error) { return s.read(ctx, bc, c, name) }
	f, err := spec.LoadAll(s.entry.Filename, s.entry.Data, read)
	return f, s.withSource(err)
}

// read reads one file of the build context and keeps its source map.
func (s *sources) read(ctx context.Context, bc *dockerui.Client, c client.Client,
	name string) ([]byte, error) {
	st, err := bc.MainContext(ctx, llb.FollowPaths([]string{name}))
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: name})
	if err != nil {
		return nil, err
	}
	sm := llb.NewSourceMap(st, name, "YAML", dt)
	sm.Definition = def
	s.mu.Lock()
	s.parents[name] = sm
	s.mu.Unlock()
	return dt, nil
}

// parentMaps returns the source maps of the specs that were extended.
func (s *sources) parentMaps() map[string]*llb.SourceMap {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]*llb.SourceMap, len(s.parents))
	for k, v := range s.parents {
		out[k] = v
	}
	return out
}

// withSource attaches the text of the spec file an error points into, and
// the line, so that clients print the lines around it.
func (s *sources) withSource(err error) error {
	se := errSpec(err)
	if se == nil || se.Pos.Line == 0 {
		return err
	}
	sm := s.entry.SourceMap
	if se.File != s.entry.Filename {
		s.mu.Lock()
		sm = s.parents[se.File]
		s.mu.Unlock()
	}
	if sm == nil {
		return err
	}
	info := &pb.SourceInfo{Filename: sm.Filename, Language: sm.Language, Data: sm.Data}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	line := int32(se.Pos.Line)
	return errdefs.WithSource(err, &errdefs.Source{
		Info: info,
		Ranges: []*pb.Range{{
			Start: &pb.Position{Line: line},
			End:   &pb.Position{Line: line},
		}},
	})
}

// all returns the source maps of the spec and of the specs it extends, in
// the order outline, targets and lint locations index them.
func (s *sources) all(f *spec.File) []*llb.SourceMap {
	out := []*llb.SourceMap{s.entry.SourceMap}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range f.Parents {
		sm := s.parents[p.Name]
		if sm == nil {
			sm = llb.NewSourceMap(nil, p.Name, "YAML", p.Data)
		}
		out = append(out, sm)
	}
	return out
}
