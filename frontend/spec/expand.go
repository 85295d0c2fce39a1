package spec

import (
	"fmt"
	"reflect"
	"strings"
)

// Expand replaces every ${NAME} in s with lookup(NAME); $${ is a literal ${.
// A name that lookup does not know is an error.
func Expand(s string, lookup func(string) (string, bool)) (string, error) {
	return expand(s, lookup, scopeArgs)
}

// scope says what a string may reference besides args.
type scope string

const (
	// scopeArgs strings reference declared and predefined args only.
	scopeArgs scope = ""
	// scopeEnv strings, in final.env, may also name base image variables,
	// expanded later against the base image.
	scopeEnv scope = "env"
	// scopeRelease strings, in a release, may also use ${VERSION} and
	// ${ARCH}, expanded later for each release and platform.
	scopeRelease scope = "release"
)

// keeps reports whether a name is left for a later pass.
func (sc scope) keeps(name string) bool {
	switch sc {
	case scopeEnv:
		return true
	case scopeRelease:
		return name == "VERSION" || name == "ARCH"
	}
	return false
}

// expand replaces every ${NAME} in s with lookup(NAME); $${ is a literal ${.
// Names the scope keeps, and $${, are left for the later pass.
func expand(s string, lookup func(string) (string, bool), sc scope) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			lit := "${"
			if sc != scopeArgs {
				lit = "$${"
			}
			b.WriteString(s[:i-1] + lit)
			s = s[i+2:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ in %q; write $${ for a literal ${", s)
		}
		name := s[i+2 : i+end]
		if !argName.MatchString(name) {
			return "", fmt.Errorf("invalid reference ${%s}; use ${NAME} with letters, "+
				"digits and underscores", name)
		}
		b.WriteString(s[:i])
		if sc == scopeRelease && sc.keeps(name) {
			b.WriteString("${" + name + "}")
		} else if v, ok := lookup(name); ok {
			b.WriteString(v)
		} else if sc.keeps(name) {
			b.WriteString("${" + name + "}")
		} else {
			return "", fmt.Errorf("undeclared arg ${%s}; declare it under `args:` "+
				"or use one of %s", name, strings.Join(Predefined, ", "))
		}
		s = s[i+end+1:]
	}
}

// stringFunc rewrites one string of a spec, given the field's scope.
type stringFunc func(field, s string, sc scope) string

// mapStrings returns a deep copy of s with every expandable string replaced
// by fn's result. Fields tagged expand:"-" are copied as they are.
func mapStrings(s *Spec, fn stringFunc) Spec {
	return mapValue(reflect.ValueOf(*s), "", scopeArgs, fn).Interface().(Spec)
}

// walkStrings calls fn for every expandable string of s.
func walkStrings(s *Spec, fn func(field, s string, sc scope)) {
	mapStrings(s, func(field, v string, sc scope) string {
		fn(field, v, sc)
		return v
	})
}

func mapValue(v reflect.Value, path string, sc scope, fn stringFunc) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(fn(path, v.String(), sc))
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(mapValue(v.Elem(), path, sc, fn))
			out.Set(p)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			switch f.Tag.Get("expand") {
			case "-":
				out.Field(i).Set(v.Field(i))
			default:
				fieldScope := scope(f.Tag.Get("expand"))
				out.Field(i).Set(mapValue(v.Field(i), join(path, name), fieldScope, fn))
			}
		}
	case reflect.Slice:
		if !v.IsNil() {
			out.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
			for i := 0; i < v.Len(); i++ {
				out.Index(i).Set(mapValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), sc, fn))
			}
		}
	case reflect.Map:
		if !v.IsNil() {
			out.Set(reflect.MakeMap(v.Type()))
			iter := v.MapRange()
			for iter.Next() {
				k := iter.Key()
				out.SetMapIndex(k, mapValue(iter.Value(), path+"."+k.String(), sc, fn))
			}
		}
	default:
		out.Set(v)
	}
	return out
}
