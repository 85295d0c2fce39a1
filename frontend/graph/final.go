package graph

import (
	"context"
	_ "embed"
	"os"
	"strconv"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

//go:embed apt.sh
var aptScript string

// Final returns the final image for o.Target: the base image, apt packages,
// and the executables from the builder stage, with the image config merged
// over the base image's. It also returns the base image's config.
func Final(ctx context.Context, s *spec.Spec, execs llb.State, hasExecs bool, o *Options) (
	llb.State, *dockerspec.DockerOCIImage, *dockerspec.DockerOCIImage, error) {
	st, base, err := o.Images(ctx, s.Final.Base, o.Target)
	if err != nil {
		return llb.State{}, nil, nil, o.errorf("final.base", "%v", err)
	}
	st = st.Platform(o.Target)
	if apt := s.Final.Apt; apt.Upgrade || len(apt.Packages) > 0 {
		st = aptInstall(st, apt, o)
	}
	st = copyExecutables(st, s.Final.Executables, execs, hasExecs, o)
	img, err := imageConfig(base, s, o)
	if err != nil {
		return llb.State{}, nil, nil, err
	}
	return st, img, base, nil
}

func aptInstall(st llb.State, apt spec.Apt, o *Options) llb.State {
	plat := platforms.Format(o.Target)
	what := "install packages"
	if apt.Upgrade {
		what = "upgrade and install packages"
	}
	args := append([]string{"/bin/sh", "-c", aptScript, "apt"}, apt.Packages...)
	opts := []llb.RunOption{
		llb.Args(args),
		llb.AddEnv("CST_APT_UPGRADE", strconv.FormatBool(apt.Upgrade)),
		stepName(o.Target, "final", what),
		llb.AddMount("/var/cache/apt", llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-apt-cache/"+plat), llb.CacheMountLocked)),
		llb.AddMount("/var/lib/apt/lists", llb.Scratch(),
			llb.AsPersistentCacheDir(o.cacheID("cst-apt-lists/"+plat), llb.CacheMountLocked)),
	}
	for _, c := range o.at("final.apt") {
		opts = append(opts, c)
	}
	return st.Run(opts...).Root()
}

// copyExecutables creates dir, owned by root with mode 0755, and copies the
// builder's outputs into it with the same owner and mode.
func copyExecutables(st llb.State, dir string, execs llb.State, hasExecs bool,
	o *Options) llb.State {
	root := llb.WithUIDGID(0, 0)
	action := llb.Mkdir(dir, 0o755, llb.WithParents(true), root)
	if hasExecs {
		action = action.Copy(execs, "/", dir+"/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
			ChownOpt:            &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
			Mode:                &llb.ChmodOpt{Mode: os.FileMode(0o755)},
		})
	}
	opts := []llb.ConstraintsOpt{stepName(o.Target, "final", "copy executables to "+dir)}
	opts = append(opts, o.at("final.executables")...)
	return st.File(action, opts...)
}
