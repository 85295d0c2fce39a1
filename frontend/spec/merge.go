package spec

import (
	"errors"
	"slices"
)

// merge returns child merged over parent; child's remove lists drop parent
// entries.
func merge(parent, child *File) (*File, error) {
	m := &merger{parent: parent, child: child, locs: Locations{}}
	p, c := &parent.Spec, &child.Spec
	m.takeOne("version")
	m.takeOne("")
	m.takeOne("tests")
	m.takeOne("builder")
	s := Spec{
		Version:     c.Version,
		Name:        pick(m, "name", p.Name, c.Name),
		Description: pick(m, "description", p.Description, c.Description),
		Args:        mergeMap(m, "args", p.Args, c.Args),
		Platforms:   pick(m, "platforms", p.Platforms, c.Platforms),
		Builder: Builder{
			Go: m.goSection(p.Builder.Go, c.Builder.Go, c.Remove.Go),
			Releases: mergeNamed(m, "builder.releases", p.Builder.Releases, c.Builder.Releases,
				c.Remove.Releases, "remove.releases", func(r Release) string { return r.Name }),
			Sources: mergeNamed(m, "builder.sources", p.Builder.Sources, c.Builder.Sources,
				c.Remove.Sources, "remove.sources", func(s Source) string { return s.Name }),
		},
		Final: m.final(&p.Final, &c.Final, &c.Remove),
		Tests: mergeNamed(m, "tests", p.Tests, c.Tests, c.Remove.Tests, "remove.tests",
			func(t Test) string { return t.Name }),
	}
	if err := errors.Join(m.errs...); err != nil {
		return nil, err
	}
	comments := map[string]string{}
	for k, v := range parent.Comments {
		comments[k] = v
	}
	for k, v := range child.Comments {
		comments[k] = v
	}
	out := &File{Name: child.Name, Data: child.Data, Spec: s, Locs: m.locs, Comments: comments}
	out.Parents = append([]*File{parent.withoutParents()}, parent.Parents...)
	return out, nil
}

// withoutParents is f as one source file, for its name and text.
func (f *File) withoutParents() *File {
	return &File{Name: f.Name, Data: f.Data}
}

func (m *merger) goSection(p, c *Go, remove []string) *Go {
	if p == nil && c == nil {
		if len(remove) > 0 {
			m.errs = append(m.errs, m.child.errorf("remove.go",
				"%s defines no Go tools to remove", m.parent.Name))
		}
		return nil
	}
	var pv, cv Go
	if p != nil {
		pv = *p
	}
	if c != nil {
		cv = *c
	}
	m.takeOne("builder.go")
	return &Go{
		Image:   pick(m, "builder.go.image", pv.Image, cv.Image),
		Ldflags: pick(m, "builder.go.ldflags", pv.Ldflags, cv.Ldflags),
		Tools: mergeNamed(m, "builder.go.tools", pv.Tools, cv.Tools, remove, "remove.go",
			GoTool.OutputName),
	}
}

func (m *merger) final(p, c *Final, r *Remove) Final {
	m.takeOne("final")
	m.takeOne("final.apt")
	return Final{
		Base: pick(m, "final.base", p.Base, c.Base),
		Apt: Apt{
			Upgrade:  pick(m, "final.apt.upgrade", p.Apt.Upgrade, c.Apt.Upgrade),
			Packages: mergeList(m, "final.apt.packages", p.Apt.Packages, c.Apt.Packages, r.Apt),
		},
		Locale: pick(m, "final.locale", p.Locale, c.Locale),
		Pip:    m.pip(p.Pip, c.Pip, r.Pip),
		Files: mergeNamed(m, "final.files", p.Files, c.Files, r.Files, "remove.files",
			func(f FileDownload) string { return f.Path }),
		Executables: pick(m, "final.executables", p.Executables, c.Executables),
		Run: mergeNamed(m, "final.run", p.Run, c.Run, r.Run, "remove.run",
			func(s RunStep) string { return s.Name }),
		Env:        mergeMap(m, "final.env", p.Env, c.Env),
		Workdir:    pick(m, "final.workdir", p.Workdir, c.Workdir),
		User:       pick(m, "final.user", p.User, c.User),
		Entrypoint: pick(m, "final.entrypoint", p.Entrypoint, c.Entrypoint),
		Cmd:        pick(m, "final.cmd", p.Cmd, c.Cmd),
		Expose:     mergeList(m, "final.expose", p.Expose, c.Expose, nil),
		Volumes:    mergeList(m, "final.volumes", p.Volumes, c.Volumes, nil),
		Labels:     mergeMap(m, "final.labels", p.Labels, c.Labels),
	}
}

// mergeNamed merges lists whose entries have names: a child entry replaces
// the parent's of the same name, new ones append, and removed names drop
// the parent's.
func mergeNamed[T any](m *merger, p string, parent, child []T, remove []string,
	removeField string, name func(T) string) []T {
	m.checkRemoved(removeField, remove, len(parent), func(i int) string { return name(parent[i]) })
	var out []T
	index := map[string]int{}
	for i, e := range parent {
		if slices.Contains(remove, name(e)) {
			continue
		}
		index[name(e)] = len(out)
		m.take(m.parent, item(p, i), item(p, len(out)))
		out = append(out, e)
	}
	for i, e := range child {
		j, ok := index[name(e)]
		if !ok {
			j = len(out)
			index[name(e)] = j
			out = append(out, e)
		}
		out[j] = e
		m.drop(item(p, j))
		m.take(m.child, item(p, i), item(p, j))
	}
	m.takeOne(p)
	return out
}

// mergeList appends the child's entries that the parent lacks, after
// dropping the ones remove.apt names.
func mergeList(m *merger, p string, parent, child, remove []string) []string {
	return mergeListField(m, p, "remove.apt", parent, child, remove)
}

// mergeListField is mergeList for a list that removeField removes from.
func mergeListField(m *merger, p, removeField string, parent, child, remove []string) []string {
	m.checkRemoved(removeField, remove, len(parent), func(i int) string { return parent[i] })
	var out []string
	for i, e := range parent {
		if !slices.Contains(remove, e) {
			m.take(m.parent, item(p, i), item(p, len(out)))
			out = append(out, e)
		}
	}
	for i, e := range child {
		if !slices.Contains(out, e) {
			m.take(m.child, item(p, i), item(p, len(out)))
			out = append(out, e)
		}
	}
	m.takeOne(p)
	return out
}

// checkRemoved reports every removed name the parent does not define.
func (m *merger) checkRemoved(field string, remove []string, n int, name func(int) string) {
	for i, r := range remove {
		found := false
		for j := 0; j < n && !found; j++ {
			found = name(j) == r
		}
		if !found {
			m.errs = append(m.errs, m.child.errorf(item(field, i),
				"%q is not defined in %s, so there is nothing to remove", r, m.parent.Name))
		}
	}
}

// pip merges the pip sections: the venv and options replace, packages append.
func (m *merger) pip(p, c *Pip, remove []string) *Pip {
	if p == nil && c == nil {
		m.checkRemoved("remove.pip", remove, 0, nil)
		return nil
	}
	var pv, cv Pip
	if p != nil {
		pv = *p
	}
	if c != nil {
		cv = *c
	}
	m.takeOne("final.pip")
	return &Pip{
		Venv: pick(m, "final.pip.venv", pv.Venv, cv.Venv),
		Packages: mergeListField(m, "final.pip.packages", "remove.pip", pv.Packages,
			cv.Packages, remove),
		Options: pick(m, "final.pip.options", pv.Options, cv.Options),
	}
}
