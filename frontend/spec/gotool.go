package spec

import (
	"path"
	"regexp"
)

// majorSuffix matches a major version path element such as v2 (not v0 or v1).
var majorSuffix = regexp.MustCompile(`^v([2-9]|[1-9][0-9]+)$`)

// OutputName is the executable's file name: Rename when set, else the name
// go install gives it, the last element of the package path that is not a
// major version suffix.
func (t GoTool) OutputName() string {
	if t.Rename != "" {
		return t.Rename
	}
	name := path.Base(t.Module)
	if majorSuffix.MatchString(name) && path.Dir(t.Module) != "." {
		name = path.Base(path.Dir(t.Module))
	}
	return name
}
