package graph

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

//go:embed gobuild.sh
var goBuildScript string

// Where the Go caches are mounted in every Go build.
const (
	goModCache   = "/cst/go/mod"
	goBuildCache = "/cst/go/build"
	goPath       = "/cst/go/path"
)

// Executables returns the builder stage: every tool built or downloaded in
// its own branch, merged into one filesystem with the executables at its
// root. The boolean is false when the spec has no executables.
func Executables(ctx context.Context, s *spec.Spec, o *Options) (llb.State, bool, error) {
	var outs []llb.State
	if g := s.Builder.Go; g != nil {
		tools, err := goTools(ctx, g, o)
		if err != nil {
			return llb.State{}, false, err
		}
		outs = append(outs, tools...)
	}
	for i := range s.Builder.Releases {
		st, err := release(ctx, &s.Builder.Releases[i], i, o)
		if err != nil {
			return llb.State{}, false, err
		}
		outs = append(outs, st)
	}
	o.sourceOuts = nil
	for i := range s.Builder.Sources {
		st, err := source(ctx, s, i, o)
		if err != nil {
			return llb.State{}, false, err
		}
		outs = append(outs, st)
		o.sourceOuts = append(o.sourceOuts, st)
	}
	switch len(outs) {
	case 0:
		return llb.Scratch(), false, nil
	case 1:
		return outs[0], true, nil
	}
	return llb.Merge(outs, stepName(o.Target, "builder", "collect executables")), true, nil
}

// goTools builds every Go tool in its own branch.
func goTools(ctx context.Context, g *spec.Go, o *Options) ([]llb.State, error) {
	images := map[string]llb.State{}
	outs := make([]llb.State, 0, len(g.Tools))
	for i, t := range g.Tools {
		runOn := o.Build
		if t.Cgo {
			runOn = o.Target
		}
		key := platforms.Format(runOn)
		img, ok := images[key]
		if !ok {
			var err error
			if img, _, err = o.Images(ctx, g.Image, runOn); err != nil {
				return nil, o.errorf("builder.go.image", "%v", err)
			}
			images[key] = img
		}
		outs = append(outs, goTool(img, runOn, g, i, o))
	}
	return outs, nil
}

// goTool builds one tool on runOn, which is the build platform unless the
// tool needs cgo. The result holds only the executable, at its root.
func goTool(img llb.State, runOn ocispecs.Platform, g *spec.Go, i int, o *Options) llb.State {
	t := g.Tools[i]
	env := targetGoEnv(o.Target)
	env["CGO_ENABLED"] = "0"
	if t.Cgo {
		env["CGO_ENABLED"] = "1"
	}
	for k, v := range t.Env {
		env[k] = v
	}
	ldflags := g.Ldflags
	if t.Ldflags != "" {
		ldflags = t.Ldflags
	}
	env["GOPATH"] = goPath
	env["GOMODCACHE"] = goModCache
	env["GOCACHE"] = goBuildCache
	env["CST_GO_PACKAGE"] = t.Module
	env["CST_GO_VERSION"] = t.Version
	env["CST_GO_TAGS"] = strings.Join(t.Tags, ",")
	env["CST_GO_LDFLAGS"] = ldflags
	env["CST_GO_BINARY"] = spec.GoTool{Module: t.Module}.OutputName()
	env["CST_GO_OUTPUT"] = t.OutputName()

	st := img
	for _, k := range sortedKeys(env) {
		st = st.AddEnv(k, env[k])
	}
	opts := []llb.RunOption{
		llb.Args([]string{"/bin/sh", "-c", goBuildScript}),
		llb.Platform(runOn),
		stepName(o.Target, "go", t.Module+"@"+t.Version),
		llb.AddMount(goModCache, llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-go-mod"), llb.CacheMountShared)),
		llb.AddMount(goBuildCache, llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-go-build"), llb.CacheMountShared)),
	}
	for _, c := range o.about(fmt.Sprintf("builder.go.tools[%d]", i), t.OutputName()) {
		opts = append(opts, c)
	}
	return st.Run(opts...).AddMount("/out", llb.Scratch())
}

// targetGoEnv is GOOS, GOARCH and the variant variable for a platform.
func targetGoEnv(p ocispecs.Platform) map[string]string {
	env := map[string]string{"GOOS": p.OS, "GOARCH": p.Architecture}
	switch {
	case p.Architecture == "arm" && p.Variant != "":
		env["GOARM"] = strings.TrimPrefix(p.Variant, "v")
	case p.Architecture == "amd64" && p.Variant != "":
		env["GOAMD64"] = p.Variant
	}
	return env
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
