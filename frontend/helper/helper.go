// Package helper holds the checks that run inside the build graph, as
// subcommands of the frontend's own binary from the frontend's own image,
// so that no other image has to be pulled. They print what they find to
// stderr, which BuildKit shows under the step.
package helper

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

const (
	usageCheckELF   = "check-elf -arch GOARCH DIR"
	usageCheckNames = "check-names [-taken NAME=OWNER]... [-source N=NAME]... DIR"
	usageCheckTest  = "check-test -name NAME -cmd COMMAND -expect REGEXP -exit CODE DIR"
	usageExtract    = "extract -member PATH -out FILE [-mode 0755] ARCHIVE"
)

// commands maps each subcommand to what it does with its arguments.
var commands = map[string]func(args []string, stderr io.Writer) error{
	"check-elf":   checkELFCommand,
	"check-names": checkNamesCommand,
	"check-test":  checkTestCommand,
	"extract":     extractCommand,
}

// Is reports whether name is a helper subcommand.
func Is(name string) bool {
	_, ok := commands[name]
	return ok
}

// Run runs the subcommand args[0] with the rest of args.
func Run(args []string, stderr io.Writer) error {
	if len(args) == 0 || !Is(args[0]) {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown helper; want one of %v", names)
	}
	return commands[args[0]](args[1:], stderr)
}

// parse parses flags and requires exactly one argument, a file or directory.
func parse(fs *flag.FlagSet, usage string, args []string) (string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return "", fmt.Errorf("usage: %s: %w", usage, err)
	}
	if fs.NArg() != 1 {
		return "", errors.New("usage: " + usage)
	}
	return fs.Arg(0), nil
}
