package graph_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestImageConfig(t *testing.T) {
	t.Parallel()
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(target.Architecture, func(t *testing.T) {
			t.Parallel()
			r := convert(t, variant, target, nil)
			img := r.img
			if img.OS != target.OS || img.Architecture != target.Architecture {
				t.Errorf("image platform = %s/%s, want %s/%s",
					img.OS, img.Architecture, target.OS, target.Architecture)
			}
			env := envMap(img.Config.Env)
			want := map[string]string{
				"PATH":   "/opt/executables:" + basePath,
				"MYPATH": "/x:" + basePath,
				"HOME":   "/root",
				"TERM":   "xterm",
			}
			if !reflect.DeepEqual(env, want) {
				t.Errorf("image env = %q, want %v", img.Config.Env, want)
			}
			if !strings.HasPrefix(img.Config.Env[0], "PATH=") {
				t.Errorf("image env = %q, want the base's order kept", img.Config.Env)
			}
			if e := img.Config.Entrypoint; !slices.Equal(e, []string{"/bin/bash"}) {
				t.Errorf("entrypoint = %q, want [/bin/bash]", e)
			}
			if img.Config.Cmd != nil {
				t.Errorf("cmd = %q, want the base's cmd cleared by entrypoint", img.Config.Cmd)
			}
			ports := slices.Sorted(keys(img.Config.ExposedPorts))
			if !slices.Equal(ports, []string{"22/tcp", "53/udp"}) {
				t.Errorf("exposed ports = %q, want [22/tcp 53/udp]", ports)
			}
			labels := map[string]string{
				"org.opencontainers.image.vendor":      "CST",
				"org.opencontainers.image.title":       "cloud",
				"org.opencontainers.image.description": "Cloud toolkit",
				"spec.label":                           "from-spec",
				"base.only":                            "kept",
			}
			if !reflect.DeepEqual(img.Config.Labels, labels) {
				t.Errorf("labels = %v, want %v", img.Config.Labels, labels)
			}
			// The base image's config is returned as the source gave it.
			if r.base.Config.Env[0] != "PATH="+basePath || r.base.Config.Cmd == nil {
				t.Errorf("base config = %+v, want it unchanged", r.base.Config)
			}
			if r.base.Config.Labels["org.opencontainers.image.vendor"] != "Base" {
				t.Errorf("base labels = %v, want them unchanged", r.base.Config.Labels)
			}
		})
	}
}

func keys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestImageConfigFields(t *testing.T) {
	t.Parallel()
	final := func(l ...string) string {
		return lines(append([]string{"version: 1", "final:"}, l...)...)
	}
	tests := []struct {
		name   string
		doc    string
		labels map[string]string // Options.Labels
		vcs    graph.VCS         // Options.VCS
		target ocispecs.Platform
		check  func(t *testing.T, r *result)
	}{
		{
			name:   "variant platform",
			doc:    final(),
			target: ocispecs.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
			check: func(t *testing.T, r *result) {
				p := r.img.Platform
				if p.OS != "linux" || p.Architecture != "arm" || p.Variant != "v7" {
					t.Errorf("image platform = %+v, want linux/arm/v7", p)
				}
			},
		},
		{
			name:  "PATH from env and executables",
			doc:   final("  executables: /opt/tools", "  env: {PATH: '/x:${PATH}:/y'}"),
			check: wantEnv("PATH", "/opt/tools:/x:"+basePath+":/y"),
		},
		{
			name:  "executables already on PATH",
			doc:   final("  executables: /usr/bin"),
			check: wantEnv("PATH", basePath),
		},
		{
			name:  "env referencing two base variables",
			doc:   final("  env: {GREETING: '${HOME}:${PATH}'}"),
			check: wantEnv("GREETING", "/root:"+basePath),
		},
		{
			name:  "env referencing a declared arg",
			doc:   lines("version: 1", "args: {A: from-arg}", "final:", "  env: {V: '${A}-${HOME}'}"),
			check: wantEnv("V", "from-arg-/root"),
		},
		{
			name:  "env referencing a predefined arg",
			doc:   final("  env: {ARCH: '${TARGETARCH}'}"),
			check: wantEnv("ARCH", "amd64"),
		},
		{
			name:  "literal ${ in env",
			doc:   final("  env: {LIT: '$${NOT_SET}'}"),
			check: wantEnv("LIT", "${NOT_SET}"),
		},
		{
			name:  "locale sets LANG",
			doc:   final("  locale: en_US.UTF-8"),
			check: wantEnv("LANG", "en_US.UTF-8"),
		},
		{
			name:  "env LANG wins over the locale",
			doc:   final("  locale: en_US.UTF-8", "  env: {LANG: C.UTF-8}"),
			check: wantEnv("LANG", "C.UTF-8"),
		},
		{
			name: "entrypoint and cmd",
			doc:  final("  entrypoint: [/bin/sh, -c]", "  cmd: [echo hi]"),
			check: func(t *testing.T, r *result) {
				c := r.img.Config
				if !slices.Equal(c.Entrypoint, []string{"/bin/sh", "-c"}) ||
					!slices.Equal(c.Cmd, []string{"echo hi"}) {
					t.Errorf("entrypoint, cmd = %q, %q, want [/bin/sh -c], [echo hi]",
						c.Entrypoint, c.Cmd)
				}
			},
		},
		{
			name: "no entrypoint keeps base cmd",
			doc:  final("  workdir: /work", "  user: '1000:1000'", "  volumes: [/persist]"),
			check: func(t *testing.T, r *result) {
				c := r.img.Config
				if !slices.Equal(c.Cmd, []string{"bash"}) || c.WorkingDir != "/work" ||
					c.User != "1000:1000" {
					t.Errorf("config = %+v, want base cmd, workdir /work, user 1000:1000", c)
				}
				if _, ok := c.Volumes["/persist"]; !ok || len(c.Volumes) != 1 {
					t.Errorf("volumes = %v, want /persist", c.Volumes)
				}
			},
		},
		{
			name:   "client labels win",
			doc:    lines("version: 1", "name: cloud", "final:", "  labels: {a: spec, b: spec}"),
			labels: map[string]string{"b": "client", "org.opencontainers.image.title": "mine"},
			check: func(t *testing.T, r *result) {
				want := map[string]string{
					"a": "spec", "b": "client", "base.only": "kept",
					"org.opencontainers.image.vendor": "Base",
					"org.opencontainers.image.title":  "mine",
				}
				if !reflect.DeepEqual(r.img.Config.Labels, want) {
					t.Errorf("labels = %v, want %v", r.img.Config.Labels, want)
				}
			},
		},
		{
			name: "version and vcs labels",
			doc: lines("version: 1", "name: cloud", "args: {VERSION: '2026.12'}",
				"final:", "  labels: {org.opencontainers.image.revision: pinned}"),
			vcs: graph.VCS{Source: "https://git.example.com/toolbox.git", Revision: "abc123"},
			check: func(t *testing.T, r *result) {
				want := map[string]string{
					"base.only": "kept", "org.opencontainers.image.vendor": "Base",
					"org.opencontainers.image.title":    "cloud",
					"org.opencontainers.image.version":  "2026.12",
					"org.opencontainers.image.source":   "https://git.example.com/toolbox.git",
					"org.opencontainers.image.revision": "pinned",
				}
				if !reflect.DeepEqual(r.img.Config.Labels, want) {
					t.Errorf("labels = %v, want %v", r.img.Config.Labels, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.target.OS == "" {
				tt.target = amd64
			}
			r := convert(t, tt.doc, tt.target, func(o *graph.Options) {
				o.Labels, o.VCS = tt.labels, tt.vcs
			})
			tt.check(t, r)
		})
	}
}

func wantEnv(key, value string) func(t *testing.T, r *result) {
	return func(t *testing.T, r *result) {
		t.Helper()
		env := envMap(r.img.Config.Env)
		if got, ok := env[key]; !ok || got != value {
			t.Errorf("image env %s = %q, want %q; env: %q", key, got, value, r.img.Config.Env)
		}
	}
}

func TestImageConfigEnvErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{
			name: "unknown variable",
			doc:  lines("version: 1", "final:", "  env:", "    OK: x", "    BAD: /x:${NOPE}"),
			want: "variant.yaml:5:10: final.env.BAD: undeclared arg ${NOPE}",
		},
		{
			name: "names are case-sensitive",
			doc:  lines("version: 1", "final:", "  env: {LOWER: '${path}'}"),
			want: "variant.yaml:3:16: final.env.LOWER: undeclared arg ${path}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, s := resolve(t, tt.doc, amd64)
			o := options(f, amd64)
			img, err := graph.Final(context.Background(), s, llb.Scratch(), false, o)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Final(%q) = %v, %v, want error %q", tt.doc, img, err, tt.want)
			}
		})
	}
}

func TestPlatformConfig(t *testing.T) {
	t.Parallel()
	o := &graph.Options{Target: ocispecs.Platform{OS: "linux", Architecture: "arm64"}}
	img := graph.Platform(o)
	if img.OS != "linux" || img.Architecture != "arm64" {
		t.Errorf("Platform() = %s/%s, want linux/arm64", img.OS, img.Architecture)
	}
	if img.RootFS.Type != "layers" {
		t.Errorf("Platform() rootfs type = %q, want layers", img.RootFS.Type)
	}
	if env := envMap(img.Config.Env); env["PATH"] != basePath {
		t.Errorf("Platform() env = %q, want the default PATH", img.Config.Env)
	}
}
