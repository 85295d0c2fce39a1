package graph

import (
	"context"
	_ "embed"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

//go:embed apt.sh
var aptScript string

//go:embed pip.sh
var pipScript string

// Image is the final image of one platform.
type Image struct {
	// State is the image's filesystem.
	State llb.State
	// Config is the image config: the base image's with the spec's over it.
	Config *dockerspec.DockerOCIImage
	// Base is the base image's config.
	Base *dockerspec.DockerOCIImage
}

// Final returns the final image for o.Target: the base image, apt packages,
// the locale, the executables from the builder stage, the tool list and the
// run steps, with the image config merged over the base image's.
func Final(ctx context.Context, s *spec.Spec, execs llb.State, hasExecs bool, o *Options) (
	*Image, error) {
	st, base, err := o.Images(ctx, s.Final.Base, o.Target)
	if err != nil {
		return nil, o.errorf("final.base", "%v", err)
	}
	img, err := imageConfig(base, s, o)
	if err != nil {
		return nil, err
	}
	f := &s.Final
	st = st.Platform(o.Target)
	if apt := aptWithExtras(f); apt.Upgrade || len(apt.Packages) > 0 {
		st = aptInstall(st, apt, o)
	}
	if f.Locale != "" {
		st = generateLocale(st, f.Locale, o)
	}
	if f.Pip != nil {
		st = pipInstall(st, f.Pip, o)
	}
	st = copyExecutables(st, f.Executables, execs, hasExecs, o)
	if st, err = addFiles(st, f.Files, o); err != nil {
		return nil, err
	}
	if st, err = addToolList(st, s, o); err != nil {
		return nil, err
	}
	st = runSteps(withConfig(st, img), s, o)
	return &Image{State: st, Config: img, Base: base}, nil
}

// aptWithExtras adds the packages other fields need: locales to generate a
// locale, python3-venv for pip.
func aptWithExtras(f *spec.Final) spec.Apt {
	apt := f.Apt
	apt.Packages = slices.Clone(apt.Packages)
	for _, extra := range []struct {
		need bool
		pkg  string
	}{{f.Locale != "", "locales"}, {f.Pip != nil, "python3-venv"}} {
		if extra.need && !slices.Contains(apt.Packages, extra.pkg) {
			apt.Packages = append(apt.Packages, extra.pkg)
		}
	}
	return apt
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
	for _, c := range o.about("final.apt", "apt") {
		opts = append(opts, c)
	}
	return st.Run(opts...).Root()
}

// generateLocale compiles a locale such as en_US.UTF-8 with localedef,
// which Debian and Ubuntu both ship in the locales package.
func generateLocale(st llb.State, locale string, o *Options) llb.State {
	lang, charset, _ := strings.Cut(locale, ".")
	charset, modifier, _ := strings.Cut(charset, "@")
	if modifier != "" {
		// The modifier names the source, as locale-gen does: sr_RS@latin.
		lang += "@" + modifier
	}
	opts := []llb.RunOption{
		llb.Args([]string{"localedef", "-i", lang, "-c", "-f", charset, locale}),
		stepName(o.Target, "final", "generate locale "+locale),
	}
	for _, c := range o.about("final.locale", "locale") {
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

// withConfig gives a state the image config's environment and working
// directory, so that later steps see what a container of the image sees.
func withConfig(st llb.State, img *dockerspec.DockerOCIImage) llb.State {
	for _, kv := range img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		st = st.AddEnv(k, v)
	}
	if img.Config.WorkingDir != "" {
		st = st.Dir(img.Config.WorkingDir)
	}
	return st
}

// runSteps runs the spec's shell steps in order, as root, with the declared
// args in their environment and each step's secrets mounted for it alone.
func runSteps(st llb.State, s *spec.Spec, o *Options) llb.State {
	for i, step := range s.Final.Run {
		field := "final.run[" + strconv.Itoa(i) + "]"
		opts := []llb.RunOption{
			llb.Args([]string{"/bin/sh", "-c", step.Shell}),
			llb.User("root"),
			stepName(o.Target, "run", step.Name),
		}
		for _, k := range sortedKeys(s.Args) {
			opts = append(opts, llb.AddEnv(k, s.Args[k]))
		}
		for _, id := range step.Secrets {
			opts = append(opts, llb.AddSecret("/run/secrets/"+id, llb.SecretID(id)))
		}
		for _, c := range o.about(field, step.Name) {
			opts = append(opts, c)
		}
		st = st.Run(opts...).Root()
	}
	return st
}

// pipInstall creates the virtual environment and installs the packages.
func pipInstall(st llb.State, p *spec.Pip, o *Options) llb.State {
	args := append([]string{"/bin/sh", "-c", pipScript, "pip"}, p.Options...)
	args = append(args, p.Packages...)
	opts := []llb.RunOption{
		llb.Args(args),
		llb.AddEnv("CST_PIP_VENV", p.Venv),
		llb.AddEnv("PIP_ROOT_USER_ACTION", "ignore"),
		stepName(o.Target, "final", "pip install into "+p.Venv),
		llb.AddMount("/root/.cache/pip", llb.Scratch(), llb.AsPersistentCacheDir(
			o.cacheID("cst-pip/"+platforms.Format(o.Target)), llb.CacheMountLocked)),
	}
	for _, c := range o.about("final.pip", "pip") {
		opts = append(opts, c)
	}
	return st.Run(opts...).Root()
}
