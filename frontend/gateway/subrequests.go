package gateway

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
)

// subrequests answers --call requests; a request this frontend does not
// know is an error rather than a build.
func (b *build) subrequests() dockerui.RequestHandler {
	f := b.file
	return dockerui.RequestHandler{
		Lint: b.lintResults,
		ListTargets: func(context.Context) (*targets.List, error) {
			return &targets.List{
				Sources: sourceTexts(f),
				Targets: []targets.Target{
					{Name: TargetFinal, Default: true, Base: b.base(),
						Description: "the image: base, apt packages and the executables"},
					{Name: TargetBuilder,
						Description: "only the executables, at the root of the result"},
				},
			}, nil
		},
		Outline: func(context.Context) (*outline.Outline, error) {
			return outlineOf(f), nil
		},
	}
}

// base is the final stage's base image with the build's args, or as
// written when the spec does not resolve.
func (b *build) base() string {
	s, err := b.resolveOnBuild()
	if err != nil {
		return b.file.Spec.Final.Base
	}
	return s.Final.Base
}

// sourceTexts lists the spec and the specs it extends, as outline and
// targets locations index them.
func sourceTexts(f *spec.File) [][]byte {
	out := [][]byte{f.Data}
	for _, p := range f.Parents {
		out = append(out, p.Data)
	}
	return out
}

// location points at a field in the spec or in a spec it extends.
func location(f *spec.File, field string) *pb.Location {
	pos := f.Pos(field)
	index := 0
	for i, p := range f.Parents {
		if p.Name == pos.File {
			index = i + 1
		}
	}
	line := int32(pos.Line)
	return &pb.Location{SourceIndex: int32(index), Ranges: []*pb.Range{{
		Start: &pb.Position{Line: line}, End: &pb.Position{Line: line},
	}}}
}

// outlineOf lists the spec's args with their defaults and the comments
// written beside them, and the secrets its steps use.
func outlineOf(f *spec.File) *outline.Outline {
	o := &outline.Outline{Name: TargetFinal, Description: f.Spec.Description,
		Sources: sourceTexts(f)}
	if len(f.Spec.Platforms) > 0 {
		platforms := "platforms: " + strings.Join(f.Spec.Platforms, ", ")
		o.Description = strings.TrimSpace(o.Description + " (" + platforms + ")")
	}
	names := make([]string, 0, len(f.Spec.Args))
	for name := range f.Spec.Args {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		field := "args." + name
		o.Args = append(o.Args, outline.Arg{Name: name, Value: f.Spec.Args[name],
			Description: f.Comments[field], Location: location(f, field)})
	}
	seen := map[string]bool{}
	for i, step := range f.Spec.Final.Run {
		for j, id := range step.Secrets {
			if !seen[id] {
				seen[id] = true
				field := "final.run[" + strconv.Itoa(i) + "].secrets[" + strconv.Itoa(j) + "]"
				o.Secrets = append(o.Secrets, outline.Secret{Name: id, Required: true,
					Location: location(f, field)})
			}
		}
	}
	return o
}
