package gateway

import (
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
)

// withSource attaches the spec's text and the failing line to err, so that
// clients print the lines around it.
func withSource(err error, src *dockerui.Source) error {
	se := errSpec(err)
	if se == nil || se.Pos.Line == 0 {
		return err
	}
	info := &pb.SourceInfo{
		Filename: src.Filename,
		Language: src.Language,
		Data:     src.Data,
	}
	if src.Definition != nil {
		info.Definition = src.Definition.ToPB()
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
