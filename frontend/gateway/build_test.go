package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	"github.com/cst-frontend/cst-frontend/frontend/lint"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/gateway/client"
	sublint "github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

func lines(l ...string) string {
	return strings.Join(l, "\n") + "\n"
}

// variant is the spec most tests build: final.base is on line 13.
var variant = lines(
	"# syntax=cst-frontend",
	"version: 1",
	"name: tools",
	"args:",
	"  BASE: debian:bookworm",
	"platforms: [linux/amd64, linux/arm64]",
	"builder:",
	"  go:",
	"    tools:",
	"      - module: github.com/mikefarah/yq/v4",
	"        version: v4.54.3",
	"final:",
	"  base: ${BASE}",
	"  apt:",
	"    packages: [jq]",
	"  labels:",
	"    spec.label: from-spec",
)

const (
	baseLine = 13
	yqModule = "github.com/mikefarah/yq/v4"
)

// withLine returns variant with line n (1-based) replaced by l.
func withLine(n int, l string) string {
	ls := strings.Split(variant, "\n")
	ls[n-1] = l
	return strings.Join(ls, "\n")
}

// build runs gateway.Build against a stub serving doc with opts.
func build(doc string, opts map[string]string) (*stub, *client.Result, error) {
	s := newStub(doc, opts)
	res, err := gateway.Build(context.Background(), s)
	return s, res, err
}

// imageConfig decodes the image config metadata under key.
func imageConfig(t *testing.T, res *client.Result, key string) *dockerspec.DockerOCIImage {
	t.Helper()
	dt, ok := res.Metadata[key]
	if !ok {
		t.Fatalf("metadata %s missing; have %v", key, metadataKeys(res))
	}
	img := &dockerspec.DockerOCIImage{}
	if err := json.Unmarshal(dt, img); err != nil {
		t.Fatalf("Unmarshal(%s) = %v", key, err)
	}
	return img
}

func metadataKeys(res *client.Result) []string {
	var keys []string
	for k := range res.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// finalPlatform returns the platform of a build's base image, which is the
// platform the final stage is for.
func finalPlatform(t *testing.T, s *stub, i int) string {
	t.Helper()
	for id, p := range sources(t, s.builds[i]) {
		if strings.Contains(id, "debian:") {
			return p
		}
	}
	t.Fatalf("build %d has no base image source; sources %v", i, sources(t, s.builds[i]))
	return ""
}

func TestBuildPlatforms(t *testing.T) {
	t.Parallel()
	onePlatform := withLine(6, "platforms: [linux/arm64]")
	tests := []struct {
		name  string
		doc   string
		opts  map[string]string
		want  []string
		multi bool
	}{
		{name: "spec platforms", doc: variant,
			want: []string{"linux/amd64", "linux/arm64"}, multi: true},
		{name: "platform opt", doc: variant, opts: map[string]string{"platform": "linux/arm64"},
			want: []string{"linux/arm64"}},
		{name: "platform opt amd64", doc: variant,
			opts: map[string]string{"platform": "linux/amd64"}, want: []string{"linux/amd64"}},
		{name: "one spec platform", doc: onePlatform, want: []string{"linux/arm64"}},
		{name: "one spec platform, multi-platform requested", doc: onePlatform,
			opts: map[string]string{"build-arg:BUILDKIT_MULTI_PLATFORM": "1"},
			want: []string{"linux/arm64"}, multi: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, res, err := build(tc.doc, tc.opts)
			if err != nil {
				t.Fatalf("Build() = %v, want no error", err)
			}
			var built []string
			for i := range s.builds {
				built = append(built, finalPlatform(t, s, i))
			}
			sort.Strings(built)
			if !slices.Equal(built, tc.want) {
				t.Errorf("Build() solved the final stage for %v, want %v", built, tc.want)
			}
			for _, p := range tc.want {
				r := "docker.io/library/debian:bookworm " + p
				if !slices.Contains(s.resolved, r) {
					t.Errorf("Build() resolved %v, want %q among them", s.resolved, r)
				}
			}
			var exp exptypes.Platforms
			if err := json.Unmarshal(res.Metadata[exptypes.ExporterPlatformsKey], &exp); err != nil {
				t.Fatalf("Unmarshal(%s) = %v", exptypes.ExporterPlatformsKey, err)
			}
			var ids []string
			for _, p := range exp.Platforms {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("Build() exporter platforms = %v, want %v", ids, tc.want)
			}
			if !tc.multi {
				if res.Ref == nil || len(res.Refs) != 0 {
					t.Fatalf("Build() = ref %v, refs %v, want a single ref", res.Ref, res.Refs)
				}
				img := imageConfig(t, res, exptypes.ExporterImageConfigKey)
				if got, want := "linux/"+img.Architecture, tc.want[0]; got != want {
					t.Errorf("Build() image config platform = %s, want %s", got, want)
				}
				return
			}
			if len(res.Refs) != len(tc.want) {
				t.Errorf("Build() refs = %v, want one for each of %v", res.Refs, tc.want)
			}
			for _, p := range tc.want {
				if res.Refs[p] == nil {
					t.Errorf("Build() has no ref for %s", p)
				}
				img := imageConfig(t, res, exptypes.ExporterImageConfigKey+"/"+p)
				arch := strings.TrimPrefix(p, "linux/")
				if img.OS != "linux" || img.Architecture != arch {
					t.Errorf("Build() image config for %s is %s/%s, want %s", p, img.OS,
						img.Architecture, p)
				}
				if env := img.Config.Env; !slices.Contains(env, "BASE_ARCH="+arch) {
					t.Errorf("Build() image env for %s = %v, want the %s base's", p, env, arch)
				}
			}
		})
	}
}

func TestBuildTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target  string
		final   bool
		wantErr string
	}{
		{target: "", final: true},
		{target: "final", final: true},
		{target: "builder"},
		{target: "nope", wantErr: `unknown target "nope"; valid targets are final ` +
			`(default) and builder`},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"target": tc.target, "platform": "linux/amd64"}
			s, _, err := build(variant, opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Build() = %v, want an error containing %q", err, tc.wantErr)
				}
				if len(s.builds) != 0 {
					t.Errorf("Build() solved %d builds, want none", len(s.builds))
				}
				return
			}
			if err != nil {
				t.Fatalf("Build() = %v, want no error", err)
			}
			if len(s.builds) != 1 {
				t.Fatalf("Build() solved %d builds, want 1", len(s.builds))
			}
			var goTool, apt bool
			for _, env := range execEnvs(t, s.builds[0]) {
				goTool = goTool || env["CST_GO_PACKAGE"] == yqModule
				_, isApt := env["CST_APT_UPGRADE"]
				apt = apt || isApt
			}
			if !goTool {
				t.Errorf("Build() has no exec op building %s", yqModule)
			}
			if apt != tc.final {
				t.Errorf("Build() has an apt exec op = %t, want %t", apt, tc.final)
			}
			var base bool
			for id := range sources(t, s.builds[0]) {
				base = base || strings.Contains(id, "debian:bookworm")
			}
			if base != tc.final {
				t.Errorf("Build() has the base image source = %t, want %t", base, tc.final)
			}
		})
	}
}

func TestBuildWarnsUndeclaredArgs(t *testing.T) {
	t.Parallel()
	opts := map[string]string{
		"build-arg:UNDECLARED":              "1",
		"build-arg:BASE":                    "debian:trixie",
		"build-arg:BUILDKIT_CACHE_MOUNT_NS": "ns",
		"build-arg:BUILDKIT_INLINE_CACHE":   "1",
		"build-arg:SOURCE_DATE_EPOCH":       "0",
		"build-arg:HTTP_PROXY":              "http://proxy:3128",
	}
	s, _, err := build(variant, opts)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	if len(s.builds) != 2 {
		t.Fatalf("Build() solved %d builds, want 2", len(s.builds))
	}
	if len(s.buildWarnings()) != 1 {
		t.Fatalf("Build() warned %d times, want once: %v", len(s.buildWarnings()), s.buildWarnings())
	}
	w := s.buildWarnings()[0]
	if !strings.Contains(w.msg, "UNDECLARED") {
		t.Errorf("Build() warning = %q, want it to name UNDECLARED", w.msg)
	}
	if w.opts.Level != 1 || w.opts.SourceInfo == nil ||
		w.opts.SourceInfo.Filename != specName {
		t.Errorf("Build() warning level %d, source %v, want level 1 in %s",
			w.opts.Level, w.opts.SourceInfo, specName)
	}
	for i := range s.builds {
		var found bool
		for id := range sources(t, s.builds[i]) {
			found = found || strings.Contains(id, "debian:trixie@sha256:")
		}
		if !found {
			t.Errorf("Build() %d does not use the BASE build arg: sources %v", i,
				sources(t, s.builds[i]))
		}
	}
}

func TestBuildSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		opts map[string]string
		line int
		want string
	}{
		{name: "unknown key", doc: withLine(15, "    packags: [jq]"), line: 15,
			want: "variant.yaml:15:5: final.apt.packags"},
		{name: "invalid YAML", doc: withLine(14, "  colour: red"), line: 15,
			want: "variant.yaml:15: invalid YAML"},
		{name: "version", doc: withLine(2, "version: 2"), line: 2,
			want: "variant.yaml:2:10: version: unsupported spec version 2"},
		{name: "invalid base from a build arg", doc: variant, line: baseLine,
			opts: map[string]string{"build-arg:BASE": "Not An Image"},
			want: "variant.yaml:13:9: final.base"},
		{name: "base image does not resolve", doc: variant, line: baseLine,
			opts: map[string]string{"build-arg:BASE": "missing:1"},
			want: "variant.yaml:13:9: final.base"},
		{name: "base image does not resolve, one platform", doc: variant, line: baseLine,
			opts: map[string]string{"build-arg:BASE": "missing:1", "platform": "linux/arm64"},
			want: "variant.yaml:13:9: final.base"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := build(tc.doc, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build() = %v, want an error containing %q", err, tc.want)
			}
			srcs := errdefs.Sources(err)
			if len(srcs) == 0 {
				t.Fatalf("errdefs.Sources(%v) is empty, want the spec's location", err)
			}
			src := srcs[len(srcs)-1]
			if src.Info == nil || src.Info.Filename != specName ||
				string(src.Info.Data) != tc.doc {
				t.Errorf("Build() error source info = %v, want %s and its text", src.Info,
					specName)
			}
			if len(src.Ranges) == 0 {
				t.Fatalf("Build() error source has no ranges, want line %d", tc.line)
			}
			r := src.Ranges[0]
			if int(r.Start.Line) > tc.line || int(r.End.Line) < tc.line {
				t.Errorf("Build() error range = lines %d-%d, want line %d", r.Start.Line,
					r.End.Line, tc.line)
			}
		})
	}
}

func TestBuildSubrequests(t *testing.T) {
	t.Parallel()
	t.Run("targets", func(t *testing.T) {
		t.Parallel()
		s, res, err := build(variant, map[string]string{"requestid": targets.RequestTargets})
		if err != nil {
			t.Fatalf("Build() = %v, want no error", err)
		}
		if len(s.builds) != 0 {
			t.Errorf("Build() solved %d builds, want none", len(s.builds))
		}
		var list targets.List
		if err := json.Unmarshal(res.Metadata["result.json"], &list); err != nil {
			t.Fatalf("Unmarshal(result.json) = %v", err)
		}
		var got []string
		for _, tg := range list.Targets {
			got = append(got, fmt.Sprintf("%s default=%t base=%s", tg.Name, tg.Default, tg.Base))
		}
		want := []string{"final default=true base=debian:bookworm", "builder default=false base="}
		if !slices.Equal(got, want) {
			t.Errorf("Build() targets = %v, want %v", got, want)
		}
		if len(list.Sources) != 1 || string(list.Sources[0]) != variant {
			t.Errorf("Build() targets sources = %q, want the spec", list.Sources)
		}
	})
	t.Run("outline", func(t *testing.T) {
		t.Parallel()
		doc := lines(
			"version: 1",
			"description: Tools",
			"platforms: [linux/amd64, linux/arm64]",
			"args:",
			"  # The base image.",
			"  BASE: debian:bookworm",
			"  GO_IMAGE: golang:1.26  # The Go toolchain.",
			"final:",
			"  base: ${BASE}",
			"  run:",
			"    - {name: fetch, shell: cat /run/secrets/token, secrets: [token]}",
		)
		req := map[string]string{"requestid": outline.SubrequestsOutlineDefinition.Name}
		s, res, err := build(doc, req)
		if err != nil {
			t.Fatalf("Build() = %v, want no error", err)
		}
		if len(s.builds) != 0 {
			t.Errorf("Build() solved %d builds, want none", len(s.builds))
		}
		var o outline.Outline
		if err := json.Unmarshal(res.Metadata["result.json"], &o); err != nil {
			t.Fatalf("Unmarshal(result.json) = %v", err)
		}
		var args []string
		for _, a := range o.Args {
			args = append(args, fmt.Sprintf("%s=%s (%s) line %d", a.Name, a.Value,
				a.Description, a.Location.Ranges[0].Start.Line))
		}
		want := []string{"BASE=debian:bookworm (The base image.) line 6",
			"GO_IMAGE=golang:1.26 (The Go toolchain.) line 7"}
		if !slices.Equal(args, want) {
			t.Errorf("Build() outline args = %q, want %q", args, want)
		}
		if len(o.Secrets) != 1 || o.Secrets[0].Name != "token" || !o.Secrets[0].Required {
			t.Errorf("Build() outline secrets = %+v, want token, required", o.Secrets)
		}
		if o.Description != "Tools (platforms: linux/amd64, linux/arm64)" {
			t.Errorf("Build() outline description = %q", o.Description)
		}
	})
	t.Run("check", func(t *testing.T) {
		t.Parallel()
		req := map[string]string{"requestid": sublint.SubrequestLintDefinition.Name}
		s, res, err := build(variant, req)
		if err != nil {
			t.Fatalf("Build() = %v, want no error", err)
		}
		if len(s.builds) != 0 || len(s.warnings) != 0 {
			t.Errorf("Build() solved %d builds and warned %d times, want neither",
				len(s.builds), len(s.warnings))
		}
		var results sublint.LintResults
		if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
			t.Fatalf("Unmarshal(result.json) = %v", err)
		}
		var got []string
		for _, w := range results.Warnings {
			got = append(got, fmt.Sprintf("%s line %d", w.RuleName,
				w.Location.Ranges[0].Start.Line))
		}
		want := []string{"ImageNotPinned line 9", "ImageNotPinned line 13"}
		if !slices.Equal(got, want) {
			t.Errorf("Build() check = %q, want %q", got, want)
		}
		if code := string(res.Metadata["result.statuscode"]); code != "1" {
			t.Errorf("Build() check status = %q, want 1 when a rule fires", code)
		}
		if len(results.Sources) != 1 || results.Sources[0].Filename != specName {
			t.Errorf("Build() check sources = %v, want the spec", results.Sources)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		s, _, err := build(variant, map[string]string{"requestid": "frontend.nope"})
		var unsupported *errdefs.UnsupportedSubrequestError
		if !errors.As(err, &unsupported) || unsupported.Name != "frontend.nope" {
			t.Fatalf("Build() = %v, want an unsupported request error", err)
		}
		if len(s.builds) != 0 {
			t.Errorf("Build() solved %d builds, want none", len(s.builds))
		}
	})
}

func TestBuildImageOptions(t *testing.T) {
	t.Parallel()
	opts := map[string]string{
		"platform":                          "linux/amd64",
		"label:com.example":                 "x",
		"build-arg:BUILDKIT_CACHE_MOUNT_NS": "ns",
	}
	s, res, err := build(variant, opts)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	img := imageConfig(t, res, exptypes.ExporterImageConfigKey)
	want := map[string]string{"com.example": "x", "spec.label": "from-spec", "base.label": "kept"}
	for k, v := range want {
		if got := img.Config.Labels[k]; got != v {
			t.Errorf("Build() image label %s = %q, want %q", k, got, v)
		}
	}
	var ids []string
	for _, st := range steps(t, s.builds[0]) {
		if ex := st.op.GetExec(); ex != nil {
			for _, m := range ex.Mounts {
				if m.CacheOpt != nil {
					ids = append(ids, m.CacheOpt.ID)
				}
			}
		}
	}
	if len(ids) == 0 {
		t.Fatalf("Build() has no cache mounts")
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "ns/") {
			t.Errorf("Build() cache mount id %q, want it in namespace ns/", id)
		}
	}
}

func TestBuildNamedContext(t *testing.T) {
	t.Parallel()
	opts := map[string]string{
		"platform":                             "linux/amd64",
		"context:debian:bookworm::linux/amd64": "docker-image://debian:bookworm-slim",
	}
	s, _, err := build(variant, opts)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	for _, r := range s.resolved {
		if strings.HasPrefix(r, "docker.io/library/debian:bookworm ") {
			t.Errorf("Build() resolved %q, want the named context instead", r)
		}
	}
	srcs := sources(t, s.builds[0])
	id := "docker-image://docker.io/library/debian:bookworm-slim"
	if p, ok := srcs[id]; !ok || p != "linux/amd64" {
		t.Errorf("Build() sources = %v, want %s for linux/amd64", srcs, id)
	}
}

func TestBuildRecoversPanics(t *testing.T) {
	t.Parallel()
	for _, solve := range []string{"read", "build"} {
		t.Run(solve, func(t *testing.T) {
			t.Parallel()
			s := newStub(variant, nil)
			s.nilResult = solve
			_, err := gateway.Build(context.Background(), s)
			want := "internal error in the frontend"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Build() = %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestBuildWarnsLintFindingsOnce(t *testing.T) {
	t.Parallel()
	s, _, err := build(variant, nil)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	var got []string
	for _, w := range s.lintWarnings() {
		got = append(got, fmt.Sprintf("%s %s", w.msg[:strings.Index(w.msg, ":")], w.opts.URL))
		if len(w.opts.Range) != 1 || w.opts.SourceInfo == nil {
			t.Errorf("warning %q has no location", w.msg)
		}
	}
	url := lint.DocsURL + "#imagenotpinned"
	want := []string{"ImageNotPinned " + url, "ImageNotPinned " + url}
	if !slices.Equal(got, want) {
		t.Errorf("Build() lint warnings = %q, want %q (two platforms, warned once)", got, want)
	}
}

func TestBuildSourceDateEpoch(t *testing.T) {
	t.Parallel()
	opts := map[string]string{
		"platform":                    "linux/amd64",
		"build-arg:SOURCE_DATE_EPOCH": "1700000000",
	}
	s, res, err := build(variant, opts)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	img := imageConfig(t, res, exptypes.ExporterImageConfigKey)
	if img.Created == nil || img.Created.Unix() != 1700000000 {
		t.Errorf("Build() created = %v, want 1700000000", img.Created)
	}
	if got := img.Config.Labels["org.opencontainers.image.created"]; got != "2023-11-14T22:13:20Z" {
		t.Errorf("Build() created label = %q, want 2023-11-14T22:13:20Z", got)
	}
	if got := string(res.Metadata["source.date.epoch"]); got != "1700000000" {
		t.Errorf("Build() epoch metadata = %q, want 1700000000", got)
	}
	if len(s.buildWarnings()) != 0 {
		t.Errorf("Build() warned %v, want no warning for SOURCE_DATE_EPOCH", s.buildWarnings())
	}
	opts["build-arg:SOURCE_DATE_EPOCH"] = "yesterday"
	if _, _, err := build(variant, opts); err == nil ||
		!strings.Contains(err.Error(), `invalid SOURCE_DATE_EPOCH "yesterday"`) {
		t.Errorf("Build() = %v, want an error about SOURCE_DATE_EPOCH", err)
	}
}
