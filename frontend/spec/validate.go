package spec

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

var (
	fileName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	buildTag   = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
	debPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$`)
	variant    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	userSpec   = regexp.MustCompile(`^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$`)
	portSpec   = regexp.MustCompile(`^([0-9]+)(-([0-9]+))?(/(tcp|udp|sctp))?$`)
	localeSpec = regexp.MustCompile(`^[a-z]{2,3}_[A-Z]{2}\.[A-Za-z0-9-]+(@[a-z]+)?$`)
	secretID   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	// pipRequirement is a PEP 508 name with optional extras and version.
	pipRequirement = regexp.MustCompile(
		`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,-]+\])?` +
			`((===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!_-]+(,(===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!_-]+)*)?$`)
)

// reservedGoEnv are set by the frontend for every Go build.
var reservedGoEnv = []string{
	"GOOS", "GOARCH", "GOARM", "CGO_ENABLED", "GOPATH", "GOBIN", "GOMODCACHE", "GOCACHE",
}

// validate checks a resolved spec and reports every problem at once.
func (f *File) validate(s *Spec) error {
	var v validation
	v.f = f
	if s.Name != "" && !variant.MatchString(s.Name) {
		v.add("name", "invalid name %q; use letters, digits, '.', '_' and '-'", s.Name)
	}
	for i, p := range s.Platforms {
		if _, err := platforms.Parse(p); err != nil {
			v.add(fmt.Sprintf("platforms[%d]", i),
				"invalid platform %q; want os/arch[/variant], e.g. linux/arm64", p)
		}
	}
	if g := s.Builder.Go; g != nil {
		v.image("builder.go.image", g.Image)
		v.goTools(g.Tools)
	}
	v.releases(s.Builder.Releases)
	v.sources(s.Builder.Sources)
	v.outputNames(s)
	v.final(&s.Final)
	v.tests(s.Tests)
	return errors.Join(v.errs...)
}

type validation struct {
	f    *File
	errs []error
}

func (v *validation) add(field, format string, args ...any) {
	v.errs = append(v.errs, v.f.errorf(field, format, args...))
}

func (v *validation) image(field, ref string) {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		v.add(field, "invalid image reference %q; want e.g. ubuntu:jammy or "+
			"registry.example.com/team/image:tag", ref)
	}
}

func (v *validation) goTools(tools []GoTool) {
	for i, t := range tools {
		v.goTool(fmt.Sprintf("builder.go.tools[%d]", i), t)
	}
}

// outputNames reports two executables with the same file name.
func (v *validation) outputNames(s *Spec) {
	owner := map[string]string{}
	claim := func(field, name string) {
		if other, ok := owner[name]; ok {
			v.add(field, "output name %q is already used by %s; rename one of them",
				name, other)
		} else {
			owner[name] = field
		}
	}
	if g := s.Builder.Go; g != nil {
		for i, t := range g.Tools {
			if t.Module != "" || t.Rename != "" {
				claim(fmt.Sprintf("builder.go.tools[%d]", i), t.OutputName())
			}
		}
	}
	for i, r := range s.Builder.Releases {
		if r.Name != "" {
			claim(fmt.Sprintf("builder.releases[%d]", i), r.Name)
		}
	}
}

func (v *validation) goTool(field string, t GoTool) {
	switch {
	case t.Module == "":
		v.add(field+".module", "missing; name the package to install, "+
			"e.g. github.com/mikefarah/yq/v4")
	case module.CheckImportPath(t.Module) != nil:
		v.add(field+".module", "invalid Go package path %q: %v", t.Module,
			module.CheckImportPath(t.Module))
	}
	switch {
	case t.Version == "":
		v.add(field+".version", "missing; pin a version such as v1.2.3")
	case t.Version != "latest" && !semver.IsValid(t.Version):
		v.add(field+".version", "invalid Go module version %q; want a semantic version "+
			"such as v1.2.3, a pseudo-version, or latest", t.Version)
	}
	if t.Rename != "" && !fileName.MatchString(t.Rename) {
		v.add(field+".rename", "invalid file name %q; use letters, digits, '.', '_', '+' and '-'",
			t.Rename)
	}
	for i, tag := range t.Tags {
		if !buildTag.MatchString(tag) {
			v.add(fmt.Sprintf("%s.tags[%d]", field, i),
				"invalid build tag %q; use letters, digits, '_' and '.'", tag)
		}
	}
	for _, name := range sortedKeys(t.Env) {
		v.envName(field+".env."+name, name)
		for _, r := range reservedGoEnv {
			if name == r {
				v.add(field+".env."+name, "%s is set by the frontend and cannot be overridden", name)
			}
		}
	}
}

func (v *validation) envName(field, name string) {
	if !argName.MatchString(name) {
		v.add(field, "invalid variable name %q; use letters, digits and underscores", name)
	}
}

func (v *validation) absPath(field, p string) {
	if !path.IsAbs(p) || path.Clean(p) != p || strings.Contains(p, ":") {
		v.add(field, "invalid path %q; want a clean absolute path such as /opt/tools", p)
	}
}

func (v *validation) final(f *Final) {
	v.image("final.base", f.Base)
	for i, p := range f.Apt.Packages {
		if !debPackage.MatchString(p) {
			v.add(fmt.Sprintf("final.apt.packages[%d]", i), "invalid Debian package name %q; "+
				"want lowercase letters, digits, '+', '-' and '.', optionally =version", p)
		}
	}
	v.absPath("final.executables", f.Executables)
	for _, name := range sortedKeys(f.Env) {
		v.envName("final.env."+name, name)
	}
	if f.Workdir != "" {
		v.absPath("final.workdir", f.Workdir)
	}
	if f.User != "" && !userSpec.MatchString(f.User) {
		v.add("final.user", "invalid user %q; want user or user:group, by name or id", f.User)
	}
	for i, p := range f.Expose {
		v.port(fmt.Sprintf("final.expose[%d]", i), p)
	}
	for i, p := range f.Volumes {
		v.absPath(fmt.Sprintf("final.volumes[%d]", i), p)
	}
	if f.Locale != "" && !localeSpec.MatchString(f.Locale) {
		v.add("final.locale", "invalid locale %q; want language_TERRITORY.CHARSET, "+
			"e.g. en_US.UTF-8", f.Locale)
	}
	v.runSteps(f.Run)
	v.files(f.Files)
	if f.Pip != nil {
		v.pip(f.Pip)
	}
	for _, k := range sortedKeys(f.Labels) {
		if strings.TrimSpace(k) == "" {
			v.add("final.labels", "a label needs a non-empty key")
		}
	}
}

func (v *validation) port(field, p string) {
	m := portSpec.FindStringSubmatch(p)
	if m == nil || !validPort(m[1]) || (m[3] != "" && !validPort(m[3])) {
		v.add(field, "invalid port %q; want a number from 1 to 65535, a range such as "+
			"8000-8010, optionally /tcp, /udp or /sctp", p)
	}
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// stepName checks the name of a run step or test, unique within its list.
func (v *validation) stepName(field, name string, seen map[string]string) {
	switch {
	case name == "":
		v.add(field+".name", "missing; every entry needs a name")
	case !variant.MatchString(name):
		v.add(field+".name", "invalid name %q; use letters, digits, '.', '_' and '-'", name)
	case seen[name] != "":
		v.add(field+".name", "name %q is already used by %s", name, seen[name])
	default:
		seen[name] = field
	}
}

func (v *validation) runSteps(steps []RunStep) {
	seen := map[string]string{}
	for i, r := range steps {
		field := fmt.Sprintf("final.run[%d]", i)
		v.stepName(field, r.Name, seen)
		if strings.TrimSpace(r.Shell) == "" {
			v.add(field+".shell", "missing; give the command to run")
		}
		for j, id := range r.Secrets {
			if !secretID.MatchString(id) {
				v.add(fmt.Sprintf("%s.secrets[%d]", field, j), "invalid secret id %q; "+
					"use letters, digits, '.', '_' and '-'", id)
			}
		}
	}
}

func (v *validation) tests(tests []Test) {
	seen := map[string]string{}
	for i, t := range tests {
		field := fmt.Sprintf("tests[%d]", i)
		v.stepName(field, t.Name, seen)
		if strings.TrimSpace(t.Run) == "" {
			v.add(field+".run", "missing; give the command to run")
		}
		if _, err := regexp.Compile(t.Expect); err != nil {
			v.add(field+".expect", "invalid regular expression %q: %v", t.Expect, err)
		}
		if t.Exit != nil && (*t.Exit < 0 || *t.Exit > 255) {
			v.add(field+".exit", "invalid exit code %d; want 0 to 255", *t.Exit)
		}
	}
}

func (v *validation) pip(p *Pip) {
	if p.Venv == "" {
		v.add("final.pip.venv", "missing; give the environment's path, e.g. /opt/pyenv")
	} else {
		v.absPath("final.pip.venv", p.Venv)
	}
	if len(p.Packages) == 0 {
		v.add("final.pip.packages", "missing; list the packages to install")
	}
	for i, req := range p.Packages {
		if !pipRequirement.MatchString(req) {
			v.add(fmt.Sprintf("final.pip.packages[%d]", i), "invalid requirement %q; want a "+
				"package name with optional extras and version, e.g. requests>=2.31", req)
		}
	}
	for i, opt := range p.Options {
		if strings.ContainsAny(opt, "\n\x00") {
			v.add(fmt.Sprintf("final.pip.options[%d]", i), "invalid option %q", opt)
		}
	}
}
