package gateway

import (
	"context"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/targets"
)

// subrequests answers --call requests; a request this frontend does not
// know is an error rather than a build.
func subrequests(f *spec.File) dockerui.RequestHandler {
	return dockerui.RequestHandler{
		ListTargets: func(context.Context) (*targets.List, error) {
			return &targets.List{
				Sources: [][]byte{f.Data},
				Targets: []targets.Target{
					{Name: TargetFinal, Default: true, Base: f.Spec.Final.Base,
						Description: "the image: base, apt packages and the executables"},
					{Name: TargetBuilder,
						Description: "only the executables, at the root of the result"},
				},
			}, nil
		},
	}
}
