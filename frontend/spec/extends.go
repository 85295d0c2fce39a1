package spec

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// ReadFunc reads a file of the build context by its slash-separated path.
type ReadFunc func(path string) ([]byte, error)

// maxExtends bounds how many specs one chain of extends may read.
const maxExtends = 16

// LoadAll loads a spec and every spec it extends, read through read, and
// returns them merged. The positions of merged fields point into the file
// that wrote them.
func LoadAll(name string, data []byte, read ReadFunc) (*File, error) {
	f, err := loadChain(name, data, read, nil)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(append(f.checkArgNames(), f.checkReferences()...)...); err != nil {
		return nil, err
	}
	return f, nil
}

// loadChain loads one spec and, recursively, its parents; chain holds the
// names of the specs that extend this one, nearest last.
func loadChain(name string, data []byte, read ReadFunc, chain []string) (*File, error) {
	f := &File{Name: name, Data: data}
	locs, comments, err := decodeDocument(name, data, &f.Spec)
	if err != nil {
		return nil, err
	}
	f.Locs, f.Comments = locs, comments
	if err := f.checkVersion(); err != nil {
		return nil, err
	}
	parentName := f.Spec.Extends
	if parentName == "" {
		if _, ok := f.Locs["remove"]; ok {
			return nil, f.errorf("remove", "remove drops entries of a parent spec, "+
				"but this spec extends none")
		}
		return f, nil
	}
	if err := f.checkExtends(read, append(chain, name)); err != nil {
		return nil, err
	}
	dt, err := read(parentName)
	if err != nil {
		return nil, f.errorf("extends", "cannot read %s from the build context: %v",
			parentName, err)
	}
	parent, err := loadChain(parentName, dt, read, append(chain, name))
	if err != nil {
		return nil, err
	}
	return merge(parent, f)
}

func (f *File) checkExtends(read ReadFunc, chain []string) error {
	p := f.Spec.Extends
	switch {
	case read == nil:
		return f.errorf("extends", "a spec read without its build context cannot extend %s", p)
	case path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "../"):
		return f.errorf("extends", "invalid path %q; want a clean path relative to the "+
			"build context, such as variants/general/variant.yaml", p)
	case slices.Contains(chain[:len(chain)-1], p) || p == f.Name:
		return f.errorf("extends", "%s extends %s, which is already being loaded: "+
			"extends must not form a cycle (%s)", f.Name, p, strings.Join(append(chain, p), " -> "))
	case len(chain) > maxExtends:
		return f.errorf("extends", "more than %d specs extend each other", maxExtends)
	}
	return nil
}

// merger builds the locations of a merged spec: each field keeps the
// position where it was written, in the parent or in the child.
type merger struct {
	parent, child *File
	locs          Locations
	errs          []error
}

// take copies the positions of a field and everything below it.
func (m *merger) take(from *File, fromPath, toPath string) {
	for k, pos := range from.Locs {
		rest, ok := strings.CutPrefix(k, fromPath)
		if !ok || (rest != "" && rest[0] != '.' && rest[0] != '[') || (fromPath == "" && k != "") {
			continue
		}
		if from == m.parent && pos.File == "" {
			pos.File = m.parent.Name
		}
		m.locs[toPath+rest] = pos
	}
}

// drop forgets the positions of a field and everything below it.
func (m *merger) drop(p string) {
	for k := range m.locs {
		if rest, ok := strings.CutPrefix(k, p); ok && (rest == "" || rest[0] == '.' ||
			rest[0] == '[') {
			delete(m.locs, k)
		}
	}
}

// takeOne copies the position of a field alone, from the child when it
// writes the field, else from the parent.
func (m *merger) takeOne(p string) {
	if pos, ok := m.child.Locs[p]; ok {
		m.locs[p] = pos
	} else if pos, ok := m.parent.Locs[p]; ok {
		if pos.File == "" {
			pos.File = m.parent.Name
		}
		m.locs[p] = pos
	}
}

func (m *merger) has(p string) bool {
	_, ok := m.child.Locs[p]
	return ok
}

// pick takes the child's value of a field when it sets it, else the parent's.
func pick[T any](m *merger, p string, parent, child T) T {
	if m.has(p) {
		m.take(m.child, p, p)
		return child
	}
	m.take(m.parent, p, p)
	return parent
}

// mergeMap merges two maps key by key, the child winning.
func mergeMap(m *merger, p string, parent, child map[string]string) map[string]string {
	if parent == nil && child == nil {
		return nil
	}
	out := map[string]string{}
	m.takeOne(p)
	for k, v := range parent {
		m.take(m.parent, p+"."+k, p+"."+k)
		out[k] = v
	}
	for k, v := range child {
		m.drop(p + "." + k)
		m.take(m.child, p+"."+k, p+"."+k)
		out[k] = v
	}
	return out
}

func item(p string, i int) string { return fmt.Sprintf("%s[%d]", p, i) }
