package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sync"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// images resolves every image a spec names: a named context given with
// --build-context first, else the registry, with the client's resolve mode.
// Each reference and platform is resolved once per build.
type images struct {
	bc *dockerui.Client
	c  client.Client

	mu    sync.Mutex
	cache map[string]*resolved
}

type resolved struct {
	once sync.Once
	st   llb.State
	img  *dockerspec.DockerOCIImage
	err  error
}

func newImages(bc *dockerui.Client, c client.Client) *images {
	return &images{bc: bc, c: c, cache: map[string]*resolved{}}
}

// resolve implements graph.ImageSource.
func (r *images) resolve(ctx context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error) {
	key := ref + "\x00" + platforms.Format(p)
	r.mu.Lock()
	e, ok := r.cache[key]
	if !ok {
		e = &resolved{}
		r.cache[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() { e.st, e.img, e.err = r.load(ctx, ref, p) })
	return e.st, e.img, e.err
}

func (r *images) load(ctx context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error) {
	nc, err := r.bc.NamedContext(ref, dockerui.ContextOpt{
		Platform:    &p,
		ResolveMode: r.bc.ImageResolveMode.String(),
	})
	if err != nil {
		return llb.State{}, nil, err
	}
	if nc != nil {
		st, img, err := nc.Load(ctx)
		if err != nil {
			return llb.State{}, nil, err
		}
		if st != nil {
			if img == nil {
				img = &dockerspec.DockerOCIImage{}
			}
			return *st, img, nil
		}
	}
	return r.pull(ctx, ref, p)
}

// pull resolves ref in its registry and pins the state to the digest found.
func (r *images) pull(ctx context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	named = reference.TagNameOnly(named)
	plat := platforms.Format(p)
	mode := r.bc.ImageResolveMode
	_, dgst, dt, err := r.c.ResolveImageConfig(ctx, named.String(), sourceresolver.Opt{
		LogName: fmt.Sprintf("[%s] load metadata for %s", plat, ref),
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: mode.String(),
		},
	})
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("resolve image %s for %s: %w", ref, plat, err)
	}
	img := &dockerspec.DockerOCIImage{}
	if err := json.Unmarshal(dt, img); err != nil {
		return llb.State{}, nil, fmt.Errorf("parse config of image %s: %w", ref, err)
	}
	pinned := named.String()
	if dgst != "" {
		if d, err := reference.WithDigest(named, dgst); err == nil {
			pinned = d.String()
		}
	}
	st := llb.Image(pinned, llb.Platform(p), mode,
		llb.WithCustomNamef("[%s] %s", plat, ref))
	st, err = st.WithImageConfig(dt)
	if err != nil {
		return llb.State{}, nil, fmt.Errorf("apply config of image %s: %w", ref, err)
	}
	// WithImageConfig sets the working directory even when it is empty, and
	// BuildKit resolves a relative one by writing to a variable each time
	// the state is marshalled; the platforms' builds share this state, so
	// make it absolute.
	return st.Dir(path.Join("/", img.Config.WorkingDir)), img, nil
}
