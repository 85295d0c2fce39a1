// Package gateway is the frontend's glue to BuildKit: it reads the spec
// through dockerui, fans out over the target platforms, and solves the
// graph for each.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/util/bklog"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// epochArg is the build arg clients set from SOURCE_DATE_EPOCH.
const epochArg = "SOURCE_DATE_EPOCH"

// SkipTestsArg is the build arg that skips tests and checks when true.
const SkipTestsArg = "CST_SKIP_TESTS"

// Targets a build may ask for with --target.
const (
	TargetFinal   = "final"
	TargetBuilder = "builder"
)

// Build is the frontend's BuildFunc.
func Build(ctx context.Context, c client.Client) (res *client.Result, err error) {
	defer recoverPanic(ctx, &err)
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, "YAML")
	if err != nil {
		return nil, err
	}
	srcs := newSources(src)
	f, err := srcs.load(ctx, bc, c)
	if err != nil {
		return nil, err
	}
	b := &build{bc: bc, c: c, srcs: srcs, file: f, images: newImages(bc, c),
		fetcher: newFetcher(c)}
	if res, ok, err := bc.HandleSubrequest(ctx, b.subrequests()); ok || err != nil {
		return res, err
	}
	if cf, ok := c.(interface{ CurrentFrontend() (*llb.State, error) }); ok {
		if b.helper, err = cf.CurrentFrontend(); err != nil {
			return nil, fmt.Errorf("load the frontend's own image: %w", err)
		}
	}
	if err := b.prepare(ctx, true); err != nil {
		return nil, srcs.withSource(err)
	}
	rb, err := bc.Build(ctx, b.platform)
	if err != nil {
		return nil, srcs.withSource(err)
	}
	if err := b.attachSBOMs(ctx, rb); err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// recoverPanic turns a panic into an error in *err. Build defers it, and so
// does each platform's build, which dockerui runs in goroutines of its own.
func recoverPanic(ctx context.Context, err *error) {
	if r := recover(); r != nil {
		bklog.G(ctx).Errorf("panic: %v\n%s", r, debug.Stack())
		*err = fmt.Errorf("internal error in the frontend: %v", r)
	}
}

// build is one request's state, shared by the per-platform builds.
type build struct {
	bc      *dockerui.Client
	c       client.Client
	srcs    *sources
	file    *spec.File
	images  *images
	fetcher *fetcher
	target  string
	helper  *llb.State // the frontend's own image, which runs the checks
	epoch   *time.Time // SOURCE_DATE_EPOCH, when the client sets it
	scans   scans      // what an SBOM generator scans, by platform
}

// prepare checks the target, takes the spec's platforms when the client
// asked for none, and, with warn, reports build args the spec does not
// declare and what the lint rules find.
func (b *build) prepare(ctx context.Context, warn bool) error {
	switch b.bc.Target {
	case "", TargetFinal:
		b.target = TargetFinal
	case TargetBuilder:
		b.target = TargetBuilder
	default:
		return fmt.Errorf("unknown target %q; valid targets are %s (default) and %s",
			b.bc.Target, TargetFinal, TargetBuilder)
	}
	if len(b.bc.TargetPlatforms) == 0 && len(b.file.Spec.Platforms) > 0 {
		s, err := b.resolveOnBuild()
		if err != nil {
			return err
		}
		for _, name := range s.Platforms {
			p, err := platforms.Parse(name)
			if err != nil {
				return err
			}
			b.bc.TargetPlatforms = append(b.bc.TargetPlatforms, platforms.Normalize(p))
		}
		b.bc.MultiPlatformRequested = b.bc.MultiPlatformRequested || len(s.Platforms) > 1
	}
	if v := b.bc.BuildArgs[epochArg]; v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return fmt.Errorf("invalid %s %q; want seconds since 1970", epochArg, v)
		}
		t := time.Unix(sec, 0).UTC()
		b.epoch = &t
	}
	if !warn {
		return nil
	}
	for _, name := range b.file.UnusedBuildArgs(b.bc.BuildArgs) {
		if !ignoredBuildArg(name) {
			b.srcs.entry.Warn(ctx, fmt.Sprintf("build arg %s is not declared in the spec's args "+
				"and is not used", name), client.WarnOpts{})
		}
	}
	return b.warnFindings(ctx)
}

// ignoredBuildArg tells the build args that clients set on their own.
func ignoredBuildArg(name string) bool {
	switch strings.ToUpper(name) {
	case SkipTestsArg, epochArg, "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY":
		return true
	}
	return strings.HasPrefix(name, "BUILDKIT_")
}

// vcs returns the context's repository and revision as the client reports
// them (buildx does for a git working tree).
func (b *build) vcs() graph.VCS {
	opts := b.c.BuildOpts().Opts
	return graph.VCS{Source: opts["vcs:source"], Revision: opts["vcs:revision"]}
}

func (b *build) buildPlatform() ocispecs.Platform {
	if len(b.bc.BuildPlatforms) > 0 {
		return b.bc.BuildPlatforms[0]
	}
	return platforms.DefaultSpec()
}

// platform builds the requested target for one platform.
func (b *build) platform(ctx context.Context, p *ocispecs.Platform, _ int) (
	res *dockerui.BuildResult, err error) {
	defer recoverPanic(ctx, &err)
	target := b.buildPlatform()
	if p != nil {
		target = *p
	}
	s, err := b.file.Resolve(b.bc.BuildArgs, spec.PredefinedArgs(target, b.buildPlatform()))
	if err != nil {
		return nil, err
	}
	o := &graph.Options{
		Target:           target,
		Build:            b.buildPlatform(),
		Images:           b.images.resolve,
		File:             b.file,
		SourceMap:        b.srcs.entry.SourceMap,
		ParentSourceMaps: b.srcs.parentMaps(),
		CacheNS:          b.bc.CacheIDNamespace,
		Labels:           b.bc.Labels,
		VCS:              b.vcs(),
		Helper:           b.helper,
		NoCache:          b.bc.IsNoCache,
		Epoch:            b.epoch,
		Fetch:            b.fetcher.fetch,
	}
	execs, hasExecs, err := graph.Executables(ctx, s, o)
	if err != nil {
		return nil, err
	}
	if b.target == TargetBuilder {
		b.scans.add(p, scanTarget{image: execs, builder: execs})
		ref, err := b.solve(ctx, execs, target, false)
		return &dockerui.BuildResult{Reference: ref, Image: graph.Platform(o)}, err
	}
	img, err := graph.Final(ctx, s, execs, hasExecs, o)
	if err != nil {
		return nil, err
	}
	b.scans.add(p, scanTarget{image: img.State, builder: execs})
	ref, err := b.solve(ctx, img.State, target, false)
	if err != nil {
		return nil, err
	}
	if err := b.check(ctx, s, img, hasExecs, o); err != nil {
		return nil, err
	}
	return &dockerui.BuildResult{Reference: ref, Image: img.Config, BaseImage: img.Base,
		Epoch: b.epoch}, nil
}

// check runs the image's checks and tests unless the client skips them
// with --build-arg CST_SKIP_TESTS=1.
func (b *build) check(ctx context.Context, s *spec.Spec, img *graph.Image, hasExecs bool,
	o *graph.Options) error {
	if skip, _ := strconv.ParseBool(b.bc.BuildArgs[SkipTestsArg]); skip {
		return nil
	}
	checks, err := graph.Checks(s, img, hasExecs, o)
	if err != nil {
		return err
	}
	eg, ctx := errgroup.WithContext(ctx)
	for _, st := range checks {
		eg.Go(func() error {
			_, err := b.solve(ctx, st, o.Build, true)
			return err
		})
	}
	return eg.Wait()
}

// solve solves a state; evaluate forces it to be built now.
func (b *build) solve(ctx context.Context, st llb.State, p ocispecs.Platform, evaluate bool) (
	client.Reference, error) {
	def, err := st.Marshal(ctx, llb.Platform(p))
	if err != nil {
		return nil, fmt.Errorf("marshal the build graph: %w", err)
	}
	r, err := b.c.Solve(ctx, client.SolveRequest{
		Definition:   def.ToPB(),
		CacheImports: b.bc.CacheImports,
		Evaluate:     evaluate,
	})
	if err != nil {
		return nil, err
	}
	return r.SingleRef()
}

// errSpec finds the first spec error in a (possibly joined) error.
func errSpec(err error) *spec.Error {
	var se *spec.Error
	if errors.As(err, &se) {
		return se
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if se := errSpec(e); se != nil {
				return se
			}
		}
	}
	return nil
}

// resolveOnBuild resolves the spec with the build's args for the build
// platform, for what does not depend on a target: platforms, lint, targets.
func (b *build) resolveOnBuild() (*spec.Spec, error) {
	build := b.buildPlatform()
	return b.file.Resolve(b.bc.BuildArgs, spec.PredefinedArgs(build, build))
}
