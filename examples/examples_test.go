// Package examples holds one small spec per feature. This test loads, merges,
// validates and converts each of them to LLB for both platforms, without a
// daemon; the integration suite builds them for real.
package examples

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/cst-frontend/cst-frontend/test/fixtures"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func images(_ context.Context, ref string, p ocispecs.Platform) (
	llb.State, *dockerspec.DockerOCIImage, error) {
	img := &dockerspec.DockerOCIImage{}
	img.Config.Env = []string{"PATH=/usr/bin:/bin"}
	return llb.Image(ref, llb.Platform(p)), img, nil
}

// fetch reads a URL for the GitHub example's lookups.
func fetch(_ context.Context, u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func TestExamplesConvert(t *testing.T) {
	t.Parallel()
	srv, err := fixtures.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	args := map[string]string{"GITHUB_API": srv.URL + "/github/api"}
	specs, err := filepath.Glob("*/variant.yaml")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	read := func(p string) ([]byte, error) { return os.ReadFile(filepath.Join("..", p)) }
	build := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	helper := llb.Image("cst-frontend")
	for _, name := range specs {
		t.Run(filepath.Dir(name), func(t *testing.T) {
			dt, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(dt), "# syntax=cst-frontend\n") {
				t.Errorf("%s does not start with # syntax=cst-frontend", name)
			}
			f, err := spec.LoadAll("examples/"+name, dt, read)
			if err != nil {
				t.Fatalf("LoadAll(%s) = %v", name, err)
			}
			for _, arch := range []string{"amd64", "arm64"} {
				target := ocispecs.Platform{OS: "linux", Architecture: arch}
				s, err := f.Resolve(args, spec.PredefinedArgs(target, build))
				if err != nil {
					t.Fatalf("Resolve(%s) = %v", arch, err)
				}
				o := &graph.Options{Target: target, Build: build, Images: images, File: f,
					Helper: &helper, Fetch: fetch}
				execs, has, err := graph.Executables(context.Background(), s, o)
				if err != nil {
					t.Fatalf("Executables(%s) = %v", arch, err)
				}
				img, err := graph.Final(context.Background(), s, execs, has, o)
				if err != nil {
					t.Fatalf("Final(%s) = %v", arch, err)
				}
				if _, err := img.State.Marshal(context.Background()); err != nil {
					t.Fatalf("Marshal(%s) = %v", arch, err)
				}
				if _, err := graph.Checks(s, img, has, o); err != nil {
					t.Fatalf("Checks(%s) = %v", arch, err)
				}
			}
		})
	}
}
