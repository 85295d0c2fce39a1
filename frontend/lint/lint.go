// Package lint checks a variant spec for what builds but should not ship:
// unpinned versions, unverified downloads, unused args and the like. Each
// rule has a name, a description and an anchor in the README; the gateway
// answers --call=check with the findings and reports them as warnings of
// every build.
package lint

import (
	"sort"
	"strings"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// DocsURL is where the rules are documented; a rule's anchor is its name in
// lower case.
const DocsURL = "https://github.com/cst-frontend/cst-frontend/blob/main/README.md"

// Rule is one check.
type Rule struct {
	// Name identifies the rule, e.g. UnpinnedVersion.
	Name string
	// Description says in one line what the rule looks for.
	Description string
	check       func(c *checker)
}

// URL is the rule's documentation.
func (r *Rule) URL() string {
	return DocsURL + "#" + strings.ToLower(r.Name)
}

// Finding is one place where a rule fires.
type Finding struct {
	Rule *Rule
	// Field is the spec field concerned; its position is in the spec file.
	Field string
	// Detail says what is wrong there and what to do.
	Detail string
}

// checker holds what the rules look at: the spec as written, for positions
// and references, and as resolved, for values.
type checker struct {
	file      *spec.File
	s         *spec.Spec
	platforms []string
	rule      *Rule
	found     []Finding
}

func (c *checker) report(field, detail string) {
	c.found = append(c.found, Finding{Rule: c.rule, Field: field, Detail: detail})
}

// Check runs every rule on a spec resolved for the build, for the platforms
// being built, and returns the findings in rule order, then field order.
func Check(f *spec.File, s *spec.Spec, platforms []string) []Finding {
	c := &checker{file: f, s: s, platforms: platforms}
	for _, r := range Rules {
		c.rule = r
		start := len(c.found)
		r.check(c)
		part := c.found[start:]
		sort.SliceStable(part, func(i, j int) bool {
			pi, pj := f.Pos(part[i].Field), f.Pos(part[j].Field)
			if pi.File != pj.File {
				return pi.File < pj.File
			}
			return pi.Line < pj.Line
		})
	}
	return c.found
}
