package spec

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder fills spec structs from YAML nodes. It is strict: unknown keys,
// duplicate keys and values of the wrong type are errors. It records the
// position of every value it decodes, keyed by the field's path.
type decoder struct {
	file     string
	locs     Locations
	comments map[string]string
	errs     []error
	merges   int // mappings brought in by merge keys, bounded by maxMerges
}

// maxMerges bounds the mappings that merge keys bring in, so that a mapping
// that merges itself, or merges nested to blow up, fail instead of recursing
// without end.
const maxMerges = 10000

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{
		File:  d.file,
		Pos:   Pos{Line: n.Line, Column: n.Column},
		Field: path,
		Msg:   fmt.Sprintf(format, args...),
	})
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		d.locs[path] = Pos{Line: n.Line, Column: n.Column}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

// kindName says in words what a node is, for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return fmt.Sprintf("the string %q", n.Value)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode || tag == "!!bool" {
			d.fail(n, path, "want a string, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || tag != "!!int" || err != nil {
			d.fail(n, path, "want an integer, got %s", kindName(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || tag != "!!bool" {
			d.fail(n, path, "want true or false, got %s", kindName(n))
			return
		}
		v.SetBool(n.Value == "true")
	default:
		panic(fmt.Sprintf("spec: no decoder for %s", v.Type()))
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	d.eachPair(n, path, func(key string, kn, vn *yaml.Node) {
		val := reflect.New(v.Type().Elem()).Elem()
		d.decode(vn, val, path+"."+key)
		v.SetMapIndex(reflect.ValueOf(key), val)
	})
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", kindName(n))
		return
	}
	fields := structFields(v.Type())
	d.eachPair(n, path, func(key string, kn, vn *yaml.Node) {
		if strings.HasPrefix(key, "x-") {
			return
		}
		i, ok := fields[key]
		if !ok {
			d.fail(kn, join(path, key), "unknown key %q; valid keys are %s",
				key, strings.Join(sortedKeys(fields), ", "))
			return
		}
		d.decode(vn, v.Field(i), join(path, key))
	})
}

// eachPair calls fn for every key of a mapping in order, then for the keys
// that YAML merge keys (<<) bring in and the mapping does not set itself.
// A key written twice is an error.
func (d *decoder) eachPair(n *yaml.Node, path string, fn func(key string, kn, vn *yaml.Node)) {
	seen := map[string]bool{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		switch {
		case kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge":
			merges = append(merges, vn)
		case kn.Kind != yaml.ScalarNode:
			d.fail(kn, path, "want a string key, got %s", kindName(kn))
		case seen[kn.Value]:
			d.fail(kn, join(path, kn.Value), "key %q is set twice", kn.Value)
		default:
			seen[kn.Value] = true
			if c := comment(kn, vn); c != "" {
				d.comments[join(path, kn.Value)] = c
			}
			fn(kn.Value, kn, vn)
		}
	}
	for _, m := range merges {
		d.merge(m, path, seen, fn)
	}
}

// merge walks the mappings a merge key names; the first to set a key wins.
func (d *decoder) merge(vn *yaml.Node, path string, seen map[string]bool,
	fn func(key string, kn, vn *yaml.Node)) {
	for vn.Kind == yaml.AliasNode {
		vn = vn.Alias
	}
	switch vn.Kind {
	case yaml.MappingNode:
		if d.merges++; d.merges > maxMerges {
			if d.merges == maxMerges+1 {
				d.fail(vn, path, "merge keys (<<) bring in more than %d mappings; "+
					"does a mapping merge itself?", maxMerges)
			}
			return
		}
		d.eachPair(vn, path, func(key string, kn, vn *yaml.Node) {
			if !seen[key] {
				seen[key] = true
				fn(key, kn, vn)
			}
		})
	case yaml.SequenceNode:
		for _, m := range vn.Content {
			d.merge(m, path, seen, fn)
		}
	default:
		d.fail(vn, path, "a merge key (<<) wants a mapping, got %s", kindName(vn))
	}
}

func structFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// comment is the text of the comment above a key or after its value.
func comment(kn, vn *yaml.Node) string {
	for _, c := range []string{kn.HeadComment, vn.LineComment, kn.LineComment} {
		var lines []string
		for _, l := range strings.Split(c, "\n") {
			if l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#")); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			return strings.Join(lines, " ")
		}
	}
	return ""
}

// decodeDocument parses data and decodes its single document into s. It
// returns where each field is written and the comments on fields.
func decodeDocument(file string, data []byte, s *Spec) (Locations, map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlError(file, err)
	}
	d := &decoder{file: file, locs: Locations{}, comments: map[string]string{}}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil, &Error{File: file, Pos: Pos{Line: 1, Column: 1},
			Msg: "the spec is empty; it needs at least `version: 1`"}
	}
	d.locs[""] = Pos{Line: doc.Content[0].Line, Column: doc.Content[0].Column}
	d.decode(doc.Content[0], reflect.ValueOf(s).Elem(), "")
	return d.locs, d.comments, errors.Join(d.errs...)
}

// yamlError turns a YAML syntax error ("yaml: line 3: ...") into an Error.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, tail, found := strings.Cut(rest, ": ")
		if n, convErr := strconv.Atoi(num); found && convErr == nil {
			line, msg = n, tail
		}
	}
	return &Error{File: file, Pos: Pos{Line: line}, Msg: "invalid YAML: " + msg}
}
