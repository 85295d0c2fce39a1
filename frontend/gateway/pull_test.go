package gateway_test

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"
)

// TestBuildPullResolvesEveryImage checks that --pull (image-resolve-mode)
// reaches every image the build reads: the base, the Go image and a
// source's image.
func TestBuildPullResolvesEveryImage(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"builder:",
		"  go:",
		"    image: golang:1.26",
		"    tools: [{module: github.com/mikefarah/yq/v4, version: v4.54.3}]",
		"  sources:",
		"    - {name: hello, git: https://git.example.com/hello.git, ref: v1.0.0,",
		"       image: rust:1, run: cp hello /out/}",
		"final:",
		"  base: debian:bookworm",
	)
	// Without --pull the sources carry no mode: BuildKit's default.
	for mode, want := range map[string]string{"pull": "pull", "": ""} {
		opts := map[string]string{"platform": "linux/amd64"}
		if mode != "" {
			opts["image-resolve-mode"] = mode
		}
		s, _, err := build(doc, opts)
		if err != nil {
			t.Fatalf("Build(%v) = %v, want no error", opts, err)
		}
		seen := map[string]string{}
		for _, st := range steps(t, s.builds[0]) {
			src := st.op.GetSource()
			if src == nil || !strings.HasPrefix(src.Identifier, "docker-image://") {
				continue
			}
			id, _, _ := strings.Cut(src.Identifier, "@")
			seen[id] = src.Attrs[pb.AttrImageResolveMode]
		}
		for _, img := range []string{"golang:1.26", "rust:1", "debian:bookworm"} {
			id := "docker-image://docker.io/library/" + img
			if got, ok := seen[id]; !ok || got != want {
				t.Errorf("Build(%v) image %s resolve mode = %q (listed %v), want %q",
					opts, img, got, ok, want)
			}
		}
	}
}
