package helper

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Files a test run leaves in its result directory.
const (
	TestOutput = "output"
	TestExit   = "exit"
)

func checkTestCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-test", flag.ContinueOnError)
	name := fs.String("name", "", "the test's name")
	expect := fs.String("expect", "", "regular expression the output must match")
	exit := fs.Int("exit", 0, "expected exit code")
	cmd := fs.String("cmd", "", "the test's command, for the report")
	dir, err := parse(fs, usageCheckTest, args)
	if err != nil {
		return err
	}
	return CheckTest(dir, TestWant{Name: *name, Cmd: *cmd, Expect: *expect, Exit: *exit}, stderr)
}

// TestWant is what a test expects of its command.
type TestWant struct {
	Name   string
	Cmd    string
	Expect string
	Exit   int
}

// CheckTest compares the output and exit code a test's command left in dir
// with what the test expects.
func CheckTest(dir string, want TestWant, out io.Writer) error {
	output, err := os.ReadFile(filepath.Join(dir, TestOutput))
	if err != nil {
		return err
	}
	dt, err := os.ReadFile(filepath.Join(dir, TestExit))
	if err != nil {
		return err
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(dt)))
	if err != nil {
		return fmt.Errorf("test %s: unreadable exit code %q", want.Name, dt)
	}
	re, err := regexp.Compile("(?m)" + want.Expect)
	if err != nil {
		return fmt.Errorf("test %s: %w", want.Name, err)
	}
	var problems []string
	if code != want.Exit {
		problems = append(problems, fmt.Sprintf("exited %d, want %d", code, want.Exit))
	}
	if !re.Match(output) {
		problems = append(problems, fmt.Sprintf("output does not match %q", want.Expect))
	}
	if len(problems) == 0 {
		fmt.Fprintf(out, "test %s passed\n", want.Name)
		return nil
	}
	return fmt.Errorf("test %s failed: `%s` %s; output:\n%s",
		want.Name, want.Cmd, strings.Join(problems, " and "), output)
}
