package spec

import (
	"regexp"
	"strings"
)

// File is a loaded spec together with its text and the position of every
// field, so that later errors can point at the user's lines.
type File struct {
	// Name is the spec's file name, as the user gave it.
	Name string
	// Data is the spec's text.
	Data []byte
	// Spec is the spec as written, before ${ARG} expansion and defaults.
	Spec Spec
	// Locs holds the position of every field that was written.
	Locs Locations
	// Comments holds the comment written above or beside a field, by path;
	// an arg's comment is its description.
	Comments map[string]string
	// Parents are the specs this one extends, nearest first, with their
	// names and text.
	Parents []*File
}

// Predefined lists the args every spec may use without declaring them.
var Predefined = []string{
	"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH",
}

var argName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Load parses a spec strictly and checks what does not depend on arg values:
// the format version, arg names, and that every ${NAME} is declared. A spec
// loaded this way cannot extend another; LoadAll reads parents.
func Load(name string, data []byte) (*File, error) {
	return LoadAll(name, data, nil)
}

// Pos returns where a field is written. A field that is not written takes
// the position of its nearest written parent.
func (f *File) Pos(field string) Pos {
	for {
		if p, ok := f.Locs[field]; ok {
			return p
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return f.Locs[""]
		}
		field = field[:i]
	}
}

func (f *File) checkVersion() error {
	if _, ok := f.Locs["version"]; !ok {
		return f.errorf("version", "missing; the spec must start with `version: %d`", Version)
	}
	if f.Spec.Version != Version {
		return f.errorf("version", "unsupported spec version %d; this frontend reads version %d",
			f.Spec.Version, Version)
	}
	return nil
}

func (f *File) checkArgNames() []error {
	var errs []error
	for _, name := range sortedKeys(f.Spec.Args) {
		field := "args." + name
		switch {
		case !argName.MatchString(name):
			errs = append(errs, f.errorf(field,
				"invalid arg name %q; use letters, digits and underscores", name))
		case isPredefined(name):
			errs = append(errs, f.errorf(field,
				"%s is predefined and cannot be declared", name))
		}
	}
	return errs
}

func isPredefined(name string) bool {
	for _, p := range Predefined {
		if p == name {
			return true
		}
	}
	return false
}

// checkReferences reports every ${NAME} that is neither declared nor
// predefined. In final.env an unknown name may be a base image variable,
// so it is checked against the base image later.
func (f *File) checkReferences() []error {
	var errs []error
	known := func(name string) (string, bool) {
		_, declared := f.Spec.Args[name]
		return "", declared || isPredefined(name)
	}
	walkStrings(&f.Spec, func(field, s string, sc scope) {
		_, err := expand(s, known, sc)
		if err != nil {
			errs = append(errs, f.errorf(field, "%v", err))
		}
	})
	return errs
}
