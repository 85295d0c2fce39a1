package spec

import (
	"errors"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Defaults for fields a spec may leave out.
const (
	DefaultGoImage     = "golang:1.26"
	DefaultBase        = "ubuntu:jammy"
	DefaultExecutables = "/opt/executables"
)

// VersionArg is the declared arg whose value, when set, labels the image
// with org.opencontainers.image.version.
const VersionArg = "VERSION"

// PredefinedArgs returns the values of the predefined args for one target.
func PredefinedArgs(target, build ocispecs.Platform) map[string]string {
	return map[string]string{
		"TARGETPLATFORM": platforms.Format(target),
		"TARGETOS":       target.OS,
		"TARGETARCH":     target.Architecture,
		"TARGETVARIANT":  target.Variant,
		"BUILDPLATFORM":  platforms.Format(build),
		"BUILDOS":        build.OS,
		"BUILDARCH":      build.Architecture,
	}
}

// Resolve expands every ${NAME} with the declared defaults, overridden by
// buildArgs, and the predefined values; then applies defaults and validates
// the result, whose Args hold the values used. Build args that the spec does
// not declare are not used.
func (f *File) Resolve(buildArgs, predefined map[string]string) (*Spec, error) {
	values := map[string]string{}
	for name, def := range f.Spec.Args {
		values[name] = def
		if v, ok := buildArgs[name]; ok {
			values[name] = v
		}
	}
	for name, v := range predefined {
		values[name] = v
	}
	lookup := func(name string) (string, bool) {
		v, ok := values[name]
		return v, ok
	}
	var errs []error
	s := mapStrings(&f.Spec, func(field, str string, sc scope) string {
		out, err := expand(str, lookup, sc)
		if err != nil {
			errs = append(errs, f.errorf(field, "%v", err))
		}
		return out
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.Args = map[string]string{}
	for name := range f.Spec.Args {
		s.Args[name] = values[name]
	}
	applyDefaults(&s)
	if err := f.validate(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// UnusedBuildArgs returns the names in buildArgs that the spec does not
// declare, sorted, so that the caller can warn about them.
func (f *File) UnusedBuildArgs(buildArgs map[string]string) []string {
	var unused []string
	for _, name := range sortedKeys(buildArgs) {
		if _, ok := f.Spec.Args[name]; !ok {
			unused = append(unused, name)
		}
	}
	return unused
}

func applyDefaults(s *Spec) {
	if s.Builder.Go != nil && s.Builder.Go.Image == "" {
		s.Builder.Go.Image = DefaultGoImage
	}
	if s.Final.Base == "" {
		s.Final.Base = DefaultBase
	}
	if s.Final.Executables == "" {
		s.Final.Executables = DefaultExecutables
	}
}
