package graph

import (
	"context"
	_ "embed"
	"fmt"
	"maps"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
)

//go:embed source.sh
var sourceScript string

// source checks out a git repository and runs the source's command in it,
// on the build platform unless it emulates the target. The result holds
// only what the command wrote to /out.
func source(ctx context.Context, s *spec.Spec, i int, o *Options) (llb.State, error) {
	src := &s.Builder.Sources[i]
	field := fmt.Sprintf("builder.sources[%d]", i)
	runOn := o.Build
	if src.Emulate {
		runOn = o.Target
	}
	img, _, err := o.Images(ctx, src.Image, runOn)
	if err != nil {
		return llb.State{}, o.errorf(field+".image", "%v", err)
	}
	gitOpts := []llb.GitOption{
		stepName(o.Target, "source", fmt.Sprintf("%s: %s#%s", src.Name, src.Git, src.Ref)),
	}
	for _, c := range o.about(field+".git", src.Name) {
		gitOpts = append(gitOpts, c)
	}
	checkout := llb.Git(src.Git, src.Ref, gitOpts...)
	// Declared args come first, so that none can replace the command.
	env := maps.Clone(s.Args)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, map[string]string{
		"TARGETPLATFORM":  platforms.Format(o.Target),
		"TARGETOS":        o.Target.OS,
		"TARGETARCH":      o.Target.Architecture,
		"TARGETVARIANT":   o.Target.Variant,
		"CST_SOURCE_RUN":  src.Run,
		"CST_SOURCE_NAME": src.Name,
	})
	opts := []llb.RunOption{
		llb.Args([]string{"/bin/sh", "-c", sourceScript}),
		llb.Platform(runOn),
		llb.Dir("/src"),
		stepName(o.Target, "source", src.Name+": "+src.Run),
		llb.AddMount("/src", checkout),
		llb.AddMount(goModCache, llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-go-mod"), llb.CacheMountShared)),
		llb.AddMount(goBuildCache, llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-go-build"), llb.CacheMountShared)),
	}
	for _, k := range sortedKeys(env) {
		opts = append(opts, llb.AddEnv(k, env[k]))
	}
	opts = append(opts, llb.AddEnv("GOMODCACHE", goModCache), llb.AddEnv("GOCACHE", goBuildCache))
	for _, c := range o.about(field, src.Name) {
		opts = append(opts, c)
	}
	return img.Run(opts...).AddMount("/out", llb.Scratch()), nil
}
