package graph

import (
	"encoding/json"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ToolList is where the final image lists the tools it carries.
const ToolList = "/usr/share/cst/tools.json"

// Tool is one entry of the tool list.
type Tool struct {
	// Name is the executable's file name.
	Name string `json:"name"`
	// Kind says how it was made: go, release or source. A source's name is
	// the source's, which may differ from the files it writes.
	Kind string `json:"kind"`
	// Version is the version that was built.
	Version string `json:"version"`
	// Source is where it came from.
	Source string `json:"source"`
	// SHA256 is the verified checksum of what was downloaded, if any.
	SHA256 string `json:"sha256,omitempty"`
}

// Tools lists every tool a resolved spec builds for a target, in spec order.
func Tools(s *spec.Spec, target ocispecs.Platform) []Tool {
	var tools []Tool
	if g := s.Builder.Go; g != nil {
		for _, t := range g.Tools {
			tools = append(tools, Tool{
				Name:    t.OutputName(),
				Kind:    "go",
				Version: t.Version,
				Source:  "https://pkg.go.dev/" + t.Module + "@" + t.Version,
			})
		}
	}
	for i := range s.Builder.Releases {
		r := &s.Builder.Releases[i]
		u, _, _ := r.For(target.Architecture)
		tools = append(tools, Tool{
			Name: r.Name, Kind: "release", Version: r.Version, Source: u,
			SHA256: releaseSHA256(r, target),
		})
	}
	for _, src := range s.Builder.Sources {
		tools = append(tools, Tool{
			Name: src.Name, Kind: "source", Version: src.Ref, Source: src.Git,
		})
	}
	return tools
}

// addToolList writes the tool list into the image, readable by everyone.
func addToolList(st llb.State, s *spec.Spec, o *Options) (llb.State, error) {
	tools := Tools(s, o.Target)
	for i, t := range tools {
		if found, ok := o.found[t.Name]; ok && found.Kind == t.Kind {
			tools[i] = found
		}
	}
	if tools == nil {
		tools = []Tool{}
	}
	dt, err := json.MarshalIndent(tools, "", "  ")
	if err != nil {
		return llb.State{}, err
	}
	action := llb.Mkdir("/usr/share/cst", 0o755, llb.WithParents(true)).
		Mkfile(ToolList, 0o644, append(dt, '\n'))
	return st.File(action, stepName(o.Target, "final", "write "+ToolList)), nil
}

// remember records what a lookup found for a tool, for the tool list.
func (o *Options) remember(t Tool) {
	if o.found == nil {
		o.found = map[string]Tool{}
	}
	o.found[t.Name] = t
}
