package gateway

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/attestations/sbom"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// scanStageArg, when true, has the SBOM generator also scan the builder's
// executables, as the Dockerfile frontend does for its stages.
const scanStageArg = "BUILDKIT_SBOM_SCAN_STAGE"

// scanTarget is what the SBOM generator scans for one platform: the result,
// and the builder's executables.
type scanTarget struct {
	image   llb.State
	builder llb.State
}

// scans runs the SBOM generator a client asks for (--sbom, attest:sbom) on
// every platform's image and attaches its documents to the result.
type scans struct {
	mu      sync.Mutex
	targets map[string]scanTarget // by platform id
}

// add records the states to scan for the platform dockerui's build function
// was called with (nil for the default platform).
func (s *scans) add(p *ocispecs.Platform, t scanTarget) {
	id := platforms.FormatAll(platforms.Normalize(platforms.DefaultSpec()))
	if p != nil {
		id = platforms.FormatAll(platforms.Normalize(*p))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.targets == nil {
		s.targets = map[string]scanTarget{}
	}
	s.targets[id] = t
}

// attachSBOMs runs the generator on each platform's result and adds the
// attestations to rb. Without an SBOM request it does nothing.
func (b *build) attachSBOMs(ctx context.Context, rb *dockerui.ResultBuilder) error {
	if b.bc.SBOM == nil {
		return nil
	}
	scanner, err := b.sbomScanner(ctx)
	if err != nil {
		return err
	}
	stage, _ := strconv.ParseBool(b.bc.BuildArgs[scanStageArg])
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, _ ocispecs.Platform) error {
		b.scans.mu.Lock()
		t, ok := b.scans.targets[id]
		b.scans.mu.Unlock()
		if !ok {
			return fmt.Errorf("no image to scan for platform %s", id)
		}
		var extras map[string]llb.State
		if stage {
			extras = map[string]llb.State{TargetBuilder: t.builder}
		}
		att, err := scanner(ctx, id, t.image, extras)
		if err != nil {
			return fmt.Errorf("scan the %s image: %w", id, err)
		}
		solved, err := result.ConvertAttestation(&att, func(st *llb.State) (client.Reference,
			error) {
			return b.solve(ctx, *st, b.buildPlatform(), false)
		})
		if err != nil {
			return fmt.Errorf("generate the SBOM of the %s image: %w", id, err)
		}
		rb.AddAttestation(id, *solved)
		return nil
	})
}

// sbomScanner resolves the requested generator image for the build platform.
func (b *build) sbomScanner(ctx context.Context) (sbom.Scanner, error) {
	p := b.buildPlatform()
	scanner, err := sbom.CreateSBOMScanner(ctx, b.c, b.bc.SBOM.Generator, p,
		sourceresolver.Opt{ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: b.bc.ImageResolveMode.String(),
		}}, b.bc.SBOM.Parameters)
	if err != nil {
		return nil, fmt.Errorf("SBOM generator %s: %w", b.bc.SBOM.Generator, err)
	}
	return scanner, nil
}
