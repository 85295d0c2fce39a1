package graph

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// defaultPath is PATH for a base image that sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// imageConfig merges the spec's image config over the base image's.
func imageConfig(base *dockerspec.DockerOCIImage, s *spec.Spec, o *Options) (
	*dockerspec.DockerOCIImage, error) {
	img := cloneImage(base)
	img.Platform = ocispecs.Platform{
		OS: o.Target.OS, Architecture: o.Target.Architecture, Variant: o.Target.Variant,
	}
	f := &s.Final
	env, err := mergeEnv(img.Config.Env, f.Env, o)
	if err != nil {
		return nil, err
	}
	if _, set := f.Env["LANG"]; f.Locale != "" && !set {
		env = setEnv(env, "LANG", f.Locale)
	}
	if f.Pip != nil {
		env = prependPath(env, path.Join(f.Pip.Venv, "bin"))
	}
	img.Config.Env = prependPath(env, f.Executables)
	if f.Workdir != "" {
		img.Config.WorkingDir = f.Workdir
	}
	if f.User != "" {
		img.Config.User = f.User
	}
	if f.Entrypoint != nil {
		img.Config.Entrypoint = f.Entrypoint
		img.Config.Cmd = nil
	}
	if f.Cmd != nil {
		img.Config.Cmd = f.Cmd
	}
	for _, p := range f.Expose {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		img.Config.ExposedPorts = setKey(img.Config.ExposedPorts, p)
	}
	for _, v := range f.Volumes {
		img.Config.Volumes = setKey(img.Config.Volumes, v)
	}
	img.Created = nil
	if o.Epoch != nil {
		created := o.Epoch.UTC()
		img.Created = &created
	}
	img.Config.Labels = mergeLabels(img.Config.Labels, s, img.Created, o)
	return img, nil
}

// Platform returns a minimal image config, for results that have no base.
func Platform(o *Options) *dockerspec.DockerOCIImage {
	img := cloneImage(nil)
	img.Platform = ocispecs.Platform{
		OS: o.Target.OS, Architecture: o.Target.Architecture, Variant: o.Target.Variant,
	}
	return img
}

func cloneImage(base *dockerspec.DockerOCIImage) *dockerspec.DockerOCIImage {
	img := &dockerspec.DockerOCIImage{}
	if base != nil {
		dt, err := json.Marshal(base)
		if err == nil {
			err = json.Unmarshal(dt, img)
		}
		if err != nil {
			img = &dockerspec.DockerOCIImage{}
		}
	}
	img.RootFS = ocispecs.RootFS{Type: "layers", DiffIDs: img.RootFS.DiffIDs}
	if len(img.Config.Env) == 0 {
		img.Config.Env = []string{"PATH=" + defaultPath}
	}
	return img
}

// mergeEnv sets the spec's variables, in name order, over the base image's.
// A ${NAME} left in a value after arg expansion names a base image variable.
func mergeEnv(base []string, set map[string]string, o *Options) ([]string, error) {
	env := slices.Clone(base)
	lookup := func(name string) (string, bool) {
		for _, kv := range base {
			if k, v, _ := strings.Cut(kv, "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := spec.Expand(set[k], lookup)
		if err != nil {
			return nil, o.errorf("final.env."+k,
				"%v; it is neither a declared arg nor set by the base image", err)
		}
		env = setEnv(env, k, v)
	}
	return env, nil
}

func setEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}

// prependPath puts dir first on PATH unless it is there already.
func prependPath(env []string, dir string) []string {
	cur := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			cur = v
		}
	}
	for _, p := range strings.Split(cur, ":") {
		if path.Clean(p) == dir {
			return env
		}
	}
	return setEnv(env, "PATH", dir+":"+cur)
}

func setKey(m map[string]struct{}, key string) map[string]struct{} {
	if m == nil {
		m = map[string]struct{}{}
	}
	m[key] = struct{}{}
	return m
}

// mergeLabels layers the base image's labels, the OCI labels the spec and
// the client's VCS information imply, the spec's labels and the client's --label values, later ones
// winning.
func mergeLabels(base map[string]string, s *spec.Spec, created *time.Time,
	o *Options) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set(ocispecs.AnnotationTitle, s.Name)
	set(ocispecs.AnnotationDescription, s.Description)
	set(ocispecs.AnnotationVersion, s.Args[spec.VersionArg])
	set(ocispecs.AnnotationSource, o.VCS.Source)
	set(ocispecs.AnnotationRevision, o.VCS.Revision)
	if created != nil {
		out[ocispecs.AnnotationCreated] = created.Format(time.RFC3339)
	}
	for k, v := range s.Final.Labels {
		out[k] = v
	}
	for k, v := range o.Labels {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
