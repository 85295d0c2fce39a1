// Package graph turns a resolved variant spec into BuildKit LLB for one target
// platform: the builder stage, whose outputs are the executables, and the
// final image with its config. It does no I/O of its own: images are
// resolved through the ImageSource the caller provides.
package graph

import (
	"context"
	"time"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageSource resolves an image reference for a platform into its root
// filesystem and config.
type ImageSource func(ctx context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error)

// Options are what a conversion needs besides the spec.
type Options struct {
	// Target is the platform the image is for.
	Target ocispecs.Platform
	// Build is the platform cross-compilers run on.
	Build ocispecs.Platform
	// Images resolves every image the spec names.
	Images ImageSource
	// File is the loaded spec, for the positions of fields; it is required.
	File *spec.File
	// SourceMap, when set, attaches the spec's lines to every step.
	SourceMap *llb.SourceMap
	// ParentSourceMaps do the same for the specs it extends, by file name.
	ParentSourceMaps map[string]*llb.SourceMap
	// CacheNS prefixes the ids of cache mounts.
	CacheNS string
	// Labels are added to the image config last, as with --label.
	Labels map[string]string
	// VCS is where the build context came from, as clients report it: its
	// repository URL and revision, when known.
	VCS VCS
	// Helper is the frontend's own image, which runs the checks; nil when
	// it is not known.
	Helper *llb.State
	// Fetch reads a URL at conversion time, for GitHub release lookups.
	Fetch func(ctx context.Context, url string) ([]byte, error)
	// Epoch, from SOURCE_DATE_EPOCH, is the image's creation time.
	Epoch *time.Time
	// NoCache reports whether the client asked to run a named step again
	// rather than take it from the cache (--no-cache, --no-cache-filter).
	NoCache func(name string) bool

	// found holds what GitHub lookups found, by tool name, for the tool list
	// of the same platform.
	found map[string]Tool
	// sourceOuts holds what each source wrote, in spec order, for the check
	// that no two tools write the same executable.
	sourceOuts []llb.State
}

// VCS names the version-control origin of a build context.
type VCS struct {
	Source, Revision string
}

// stepName is a progress name: "[linux/arm64 go] what".
func stepName(p ocispecs.Platform, kind, what string) llb.ConstraintsOpt {
	return llb.WithCustomNamef("[%s %s] %s", platforms.Format(p), kind, what)
}

// at returns the options that attach a field's position in the spec to a step.
func (o *Options) at(field string) []llb.ConstraintsOpt {
	pos := o.File.Pos(field)
	sm := o.SourceMap
	if pos.File != "" {
		sm = o.ParentSourceMaps[pos.File]
	}
	if sm == nil {
		return nil
	}
	r := &pb.Range{
		Start: &pb.Position{Line: int32(pos.Line), Character: int32(pos.Column)},
		End:   &pb.Position{Line: int32(pos.Line), Character: int32(pos.Column)},
	}
	return []llb.ConstraintsOpt{sm.Location([]*pb.Range{r})}
}

// about returns the options of a step for a spec field and the name a
// --no-cache-filter matches: the field's lines, and no cache if asked.
func (o *Options) about(field, name string) []llb.ConstraintsOpt {
	opts := o.at(field)
	if o.NoCache != nil && o.NoCache(name) {
		opts = append(opts, llb.IgnoreCache)
	}
	return opts
}

// cacheID names a cache mount, within the namespace the client chose.
func (o *Options) cacheID(id string) string {
	if o.CacheNS == "" {
		return id
	}
	return o.CacheNS + "/" + id
}

// errorf is an error located at a spec field.
func (o *Options) errorf(field, format string, args ...any) error {
	return o.File.Errorf(field, format, args...)
}
