package helper

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// pairs is a repeated flag of NAME=VALUE pairs, kept in order.
type pairs [][2]string

func (p *pairs) String() string { return fmt.Sprint(*p) }

func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", s)
	}
	*p = append(*p, [2]string{k, v})
	return nil
}

func checkNamesCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-names", flag.ContinueOnError)
	var taken, sources pairs
	fs.Var(&taken, "taken", "NAME=OWNER: an executable another tool writes (repeated)")
	fs.Var(&sources, "source", "N=NAME: DIR/N holds what the source NAME wrote (repeated)")
	dir, err := parse(fs, usageCheckNames, args)
	if err != nil {
		return err
	}
	owners := map[string]string{}
	for _, t := range taken {
		owners[t[0]] = t[1]
	}
	var errs []error
	for _, s := range sources {
		if _, err := strconv.Atoi(s[0]); err != nil {
			return fmt.Errorf("-source %s=%s: %q is not a number", s[0], s[1], s[0])
		}
		if err := claimOutputs(filepath.Join(dir, s[0]), "source "+s[1], owners, stderr); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// claimOutputs records every file a source wrote as its own, and fails for
// each that another tool writes too: one would replace the other.
func claimOutputs(dir, owner string, owners map[string]string, out io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		if other, ok := owners[n]; ok {
			errs = append(errs, fmt.Errorf("%s writes %s, which %s writes too: one would "+
				"replace the other; rename one of them", owner, n, other))
			continue
		}
		owners[n] = owner
		fmt.Fprintf(out, "%s: from %s\n", n, owner)
	}
	return errors.Join(errs...)
}
