package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// lines joins its arguments as the lines of a spec, so that line N of the
// spec is the Nth argument.
func lines(l ...string) string {
	return strings.Join(l, "\n") + "\n"
}

// validSpec uses every field, args, predefined args, x- keys, anchors and
// merge keys.
var validSpec = lines(
	"# syntax=cst-frontend",
	"version: 1",
	"name: cloud",
	"description: Cloud toolkit for $${TARGETARCH}",
	"x-tool: &tool",
	"  ldflags: -X main.arch=${TARGETARCH}",
	"  tags: [netgo, osusergo]",
	"x-env: &env {TERM: xterm-256color}",
	"args:",
	"  GO_IMAGE: golang:1.25",
	"  BASE: ubuntu:noble",
	"  YQ_VERSION: v4.40.0",
	"platforms: [linux/amd64, linux/arm64]",
	"builder:",
	"  x-comment: ignored",
	"  go:",
	"    image: ${GO_IMAGE}",
	"    ldflags: -s -w",
	"    tools:",
	"      - module: github.com/mikefarah/yq/v4",
	"        version: ${YQ_VERSION}",
	"        <<: *tool",
	"      - module: filippo.io/age/cmd/age",
	"        version: v1.3.2",
	"        rename: age-${TARGETARCH}",
	"        cgo: true",
	"        env: {GOFLAGS: -mod=mod}",
	"final:",
	"  base: ${BASE}",
	"  apt:",
	"    upgrade: true",
	"    packages: [jq, openssh-server, libc6:arm64, tmux=3.2a-4]",
	"  executables: /opt/tools",
	"  env:",
	"    <<: *env",
	"    ARCH: ${TARGETARCH}",
	"    MYPATH: /x:${PATH}",
	"    LITERAL: $${HOME}",
	"  workdir: /root",
	"  user: root",
	"  entrypoint: [/bin/bash]",
	"  cmd: [-l]",
	"  expose: [22, 53/udp, 8000-8010/tcp]",
	"  volumes: [/persist]",
	"  labels: {org.opencontainers.image.vendor: CST}",
)

func TestLoadResolve(t *testing.T) {
	t.Parallel()
	f, err := spec.Load("variant.yaml", []byte(validSpec))
	if err != nil {
		t.Fatalf("Load(validSpec) = %v, want no error", err)
	}
	build := map[string]string{"YQ_VERSION": "v4.54.3", "UNDECLARED": "x"}
	s, err := f.Resolve(build, spec.PredefinedArgs(arm64, amd64))
	if err != nil {
		t.Fatalf("Resolve() = %v, want no error", err)
	}
	yq := spec.GoTool{
		Module: "github.com/mikefarah/yq/v4", Version: "v4.54.3",
		Ldflags: "-X main.arch=arm64", Tags: []string{"netgo", "osusergo"},
	}
	age := spec.GoTool{
		Module: "filippo.io/age/cmd/age", Version: "v1.3.2", Rename: "age-arm64",
		Cgo: true, Env: map[string]string{"GOFLAGS": "-mod=mod"},
	}
	want := &spec.Spec{
		Version:     1,
		Name:        "cloud",
		Description: "Cloud toolkit for ${TARGETARCH}",
		// Args hold the values in use: defaults overridden by build args.
		Args: map[string]string{
			"GO_IMAGE": "golang:1.25", "BASE": "ubuntu:noble", "YQ_VERSION": "v4.54.3",
		},
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Builder: spec.Builder{Go: &spec.Go{
			Image: "golang:1.25", Ldflags: "-s -w", Tools: []spec.GoTool{yq, age},
		}},
		Final: spec.Final{
			Base: "ubuntu:noble",
			Apt: spec.Apt{Upgrade: true,
				Packages: []string{"jq", "openssh-server", "libc6:arm64", "tmux=3.2a-4"}},
			Executables: "/opt/tools",
			Env: map[string]string{
				"TERM": "xterm-256color", "ARCH": "arm64", "MYPATH": "/x:${PATH}",
				// Kept escaped: graph expands env again against the base image.
				"LITERAL": "$${HOME}",
			},
			Workdir:    "/root",
			User:       "root",
			Entrypoint: []string{"/bin/bash"},
			Cmd:        []string{"-l"},
			Expose:     []string{"22", "53/udp", "8000-8010/tcp"},
			Volumes:    []string{"/persist"},
			Labels:     map[string]string{"org.opencontainers.image.vendor": "CST"},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Resolve() = %+v\nwant %+v", s, want)
	}
	if f.Spec.Builder.Go.Image != "${GO_IMAGE}" {
		t.Errorf("File.Spec.Builder.Go.Image = %q after Resolve, want it unexpanded",
			f.Spec.Builder.Go.Image)
	}
}

func TestResolveArgs(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"args:",
		"  GO: golang:1.25",
		"  EMPTY: ''",
		"builder:",
		"  go:",
		"    image: ${GO}",
		"    tools:",
		"      - module: example.com/tool${EMPTY}",
		"        version: v1.0.0",
		"        rename: tool-${TARGETOS}-${TARGETARCH}${TARGETVARIANT}-on-${BUILDARCH}",
		"final:",
		"  base: registry.example.com/${TARGETPLATFORM}:jammy",
		"  workdir: /${BUILDOS}/${BUILDPLATFORM}",
	)
	armv7 := ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	tests := []struct {
		name      string
		buildArgs map[string]string
		target    ocispecs.Platform
		wantImage string
		wantName  string
		wantBase  string
		wantErr   string
	}{
		{
			name:      "defaults",
			target:    amd64,
			wantImage: "golang:1.25",
			wantName:  "tool-linux-amd64-on-amd64",
			wantBase:  "registry.example.com/linux/amd64:jammy",
		},
		{
			name:      "build arg overrides the default",
			buildArgs: map[string]string{"GO": "golang:1.26-alpine"},
			target:    arm64,
			wantImage: "golang:1.26-alpine",
			wantName:  "tool-linux-arm64-on-amd64",
			wantBase:  "registry.example.com/linux/arm64:jammy",
		},
		{
			name:      "variant target, undeclared build arg ignored",
			buildArgs: map[string]string{"UNUSED": "golang:1"},
			target:    armv7,
			wantImage: "golang:1.25",
			wantName:  "tool-linux-armv7-on-amd64",
			wantBase:  "registry.example.com/linux/arm/v7:jammy",
		},
		{
			name:      "empty build arg falls back to the default image",
			buildArgs: map[string]string{"GO": ""},
			target:    amd64,
			wantImage: "golang:1.26",
			wantName:  "tool-linux-amd64-on-amd64",
			wantBase:  "registry.example.com/linux/amd64:jammy",
		},
		{
			name:      "build arg with an invalid image",
			buildArgs: map[string]string{"GO": "Not An Image"},
			target:    amd64,
			wantErr:   "args.yaml:7:12: builder.go.image: invalid image reference",
		},
	}
	f, err := spec.Load("args.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load(args.yaml) = %v, want no error", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := f.Resolve(tt.buildArgs, spec.PredefinedArgs(tt.target, amd64))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve(%v) = %v, want error %q", tt.buildArgs, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%v) = %v, want no error", tt.buildArgs, err)
			}
			if got := s.Builder.Go.Image; got != tt.wantImage {
				t.Errorf("builder.go.image = %q, want %q", got, tt.wantImage)
			}
			if got := s.Builder.Go.Tools[0].OutputName(); got != tt.wantName {
				t.Errorf("OutputName() = %q, want %q", got, tt.wantName)
			}
			if got := s.Final.Base; got != tt.wantBase {
				t.Errorf("final.base = %q, want %q", got, tt.wantBase)
			}
			if got, want := s.Final.Workdir, "/linux/linux/amd64"; got != want {
				t.Errorf("final.workdir = %q, want %q", got, want)
			}
		})
	}
}

func TestResolveDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		doc    string
		wantGo string // "" when builder.go is absent
	}{
		{
			name:   "with go tools",
			doc:    lines("version: 1", "builder:", "  go:", "    tools: []"),
			wantGo: spec.DefaultGoImage,
		},
		{
			name: "without builder",
			doc:  lines("version: 1"),
		},
		{
			name: "null builder",
			doc:  lines("version: 1", "builder:", "final:"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := spec.Load("defaults.yaml", []byte(tt.doc))
			if err != nil {
				t.Fatalf("Load(%q) = %v, want no error", tt.doc, err)
			}
			s, err := f.Resolve(nil, spec.PredefinedArgs(amd64, amd64))
			if err != nil {
				t.Fatalf("Resolve(%q) = %v, want no error", tt.doc, err)
			}
			if tt.wantGo == "" && s.Builder.Go != nil {
				t.Errorf("builder.go = %+v, want nil", s.Builder.Go)
			}
			if tt.wantGo != "" && (s.Builder.Go == nil || s.Builder.Go.Image != tt.wantGo) {
				t.Errorf("builder.go = %+v, want image %q", s.Builder.Go, tt.wantGo)
			}
			if s.Final.Base != "ubuntu:jammy" {
				t.Errorf("final.base = %q, want %q", s.Final.Base, "ubuntu:jammy")
			}
			if s.Final.Executables != "/opt/executables" {
				t.Errorf("final.executables = %q, want %q", s.Final.Executables, "/opt/executables")
			}
		})
	}
	if spec.DefaultGoImage != "golang:1.26" {
		t.Errorf("DefaultGoImage = %q, want %q", spec.DefaultGoImage, "golang:1.26")
	}
}

func TestXKeysAndMergeKeys(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"x-base: &base",
		"  module: example.com/base",
		"  version: v1.0.0",
		"  tags: [a]",
		"x-more: &more {ldflags: -s, tags: [b]}",
		"x-anything: {whatever: [1, 2], nested: {deep: true}}",
		"builder:",
		"  go:",
		"    x-note: not a field",
		"    tools:",
		"      - <<: *base",
		"      - <<: [*more, *base]",
		"        module: example.com/other",
		"      - *base",
		"final:",
		"  x-final: ignored too",
	)
	f, err := spec.Load("merge.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Load(merge.yaml) = %v, want no error", err)
	}
	tools := f.Spec.Builder.Go.Tools
	want := []spec.GoTool{
		{Module: "example.com/base", Version: "v1.0.0", Tags: []string{"a"}},
		// The mapping's own key wins; among merged mappings the first wins.
		{Module: "example.com/other", Version: "v1.0.0", Ldflags: "-s", Tags: []string{"b"}},
		{Module: "example.com/base", Version: "v1.0.0", Tags: []string{"a"}},
	}
	if !reflect.DeepEqual(tools, want) {
		t.Errorf("Load(merge.yaml) tools = %+v, want %+v", tools, want)
	}
	// The third tool repeats the first one's output name.
	_, err = f.Resolve(nil, spec.PredefinedArgs(amd64, amd64))
	if err == nil || !strings.Contains(err.Error(), "builder.go.tools[2]: output name") {
		t.Errorf("Resolve(merge.yaml) = %v, want a duplicate output name error", err)
	}
}

func TestOutputName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		module string
		rename string
		want   string
	}{
		{module: "github.com/mikefarah/yq/v4", want: "yq"},
		{module: "github.com/go-task/task/v3/cmd/task", want: "task"},
		{module: "filippo.io/age/cmd/age", want: "age"},
		{module: "gopkg.in/yaml.v3", want: "yaml.v3"},
		{module: "github.com/junegunn/fzf", want: "fzf"},
		{module: "example.com/tool/v1", want: "v1"},
		{module: "example.com/tool/v10", want: "tool"},
		{module: "v2", want: "v2"},
		{module: "github.com/mikefarah/yq/v4", rename: "yq4", want: "yq4"},
		{module: "github.com/lc/gau/v2/cmd/gau", rename: "getallurls", want: "getallurls"},
	}
	for _, tt := range tests {
		t.Run(tt.module+"+"+tt.rename, func(t *testing.T) {
			t.Parallel()
			got := spec.GoTool{Module: tt.module, Rename: tt.rename}.OutputName()
			if got != tt.want {
				t.Errorf("GoTool{Module: %q, Rename: %q}.OutputName() = %q, want %q",
					tt.module, tt.rename, got, tt.want)
			}
		})
	}
}

func TestUnusedBuildArgs(t *testing.T) {
	t.Parallel()
	f, err := spec.Load("variant.yaml", []byte(lines("version: 1", "args: {A: a, B: b}")))
	if err != nil {
		t.Fatalf("Load() = %v, want no error", err)
	}
	tests := []struct {
		name      string
		buildArgs map[string]string
		want      []string
	}{
		{name: "none", buildArgs: nil, want: nil},
		{name: "all declared", buildArgs: map[string]string{"A": "1", "B": "2"}, want: nil},
		{
			name:      "sorted undeclared",
			buildArgs: map[string]string{"Z": "", "A": "1", "TARGETARCH": "x", "C": ""},
			want:      []string{"C", "TARGETARCH", "Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := f.UnusedBuildArgs(tt.buildArgs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnusedBuildArgs(%v) = %q, want %q", tt.buildArgs, got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"A": "1", "B_2": "two", "EMPTY": ""}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "", want: ""},
		{in: "plain $A text", want: "plain $A text"},
		{in: "${A}", want: "1"},
		{in: "x${A}y${B_2}z${EMPTY}", want: "x1ytwoz"},
		{in: "$${A}", want: "${A}"},
		{in: "$${A} ${A}", want: "${A} 1"},
		{in: "${A}$${B_2}", want: "1${B_2}"},
		{in: "a $ b }", want: "a $ b }"},
		{in: "${NOPE}", wantErr: "undeclared arg ${NOPE}"},
		{in: "${A", wantErr: "unterminated ${"},
		{in: "${}", wantErr: "invalid reference"},
		{in: "${A-default}", wantErr: "invalid reference"},
		{in: "${1A}", wantErr: "invalid reference"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := spec.Expand(tt.in, lookup)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Expand(%q) = %q, %v, want error %q", tt.in, got, err, tt.wantErr)
			case tt.wantErr == "" && (err != nil || got != tt.want):
				t.Errorf("Expand(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestPos(t *testing.T) {
	t.Parallel()
	f, err := spec.Load("variant.yaml", []byte(validSpec))
	if err != nil {
		t.Fatalf("Load(validSpec) = %v, want no error", err)
	}
	tests := []struct {
		field string
		line  int
	}{
		{field: "", line: 2},
		{field: "version", line: 2},
		{field: "builder.go.tools[0]", line: 20},
		{field: "builder.go.tools[1].version", line: 24},
		{field: "builder.go.tools[1].env.GOFLAGS", line: 27},
		// Merged values are located where the anchor writes them.
		{field: "builder.go.tools[0].ldflags", line: 6},
		// Unwritten fields take their nearest written parent's position.
		{field: "builder.go.tools[0].rename", line: 20},
		{field: "final.apt.packages[9]", line: 32},
		{field: "final.locale", line: 29},
		{field: "nothing.at.all", line: 2},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			if got := f.Pos(tt.field); got.Line != tt.line {
				t.Errorf("Pos(%q) = %+v, want line %d", tt.field, got, tt.line)
			}
		})
	}
}
