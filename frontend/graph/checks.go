package graph

import (
	_ "embed"
	"fmt"
	"strconv"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
)

//go:embed test.sh
var testScript string

// HelperBinary is the frontend's own binary inside the frontend image; its
// helper subcommands run the checks.
const HelperBinary = "/bin/cst-frontend"

// Checks returns what must succeed for the image to be good: every
// executable is an ELF file for the target, and every test passes. The
// caller evaluates them; nothing in the image depends on them. Judging runs
// natively in o.Helper, the frontend's own image; test commands run in the
// image, on the target platform.
func Checks(s *spec.Spec, img *Image, hasExecs bool, o *Options) ([]llb.State, error) {
	if !hasExecs && len(s.Tests) == 0 {
		return nil, nil
	}
	if o.Helper == nil {
		return nil, fmt.Errorf("the frontend's own image is unknown, so it cannot run " +
			"tests and checks; build with --build-arg CST_SKIP_TESTS=1 to skip them")
	}
	var checks []llb.State
	if hasExecs {
		checks = append(checks, checkELF(img.State, s.Final.Executables, o))
	}
	if len(o.sourceOuts) > 0 {
		checks = append(checks, checkNames(s, o))
	}
	for i := range s.Tests {
		checks = append(checks, runTest(img, s.Tests[i], i, o))
	}
	return checks, nil
}

func checkELF(final llb.State, dir string, o *Options) llb.State {
	return o.Helper.Run(
		llb.Args([]string{HelperBinary, "check-elf", "-arch", o.Target.Architecture, "/check"}),
		llb.Platform(o.Build),
		stepName(o.Target, "check", "executables are ELF files for "+o.Target.Architecture),
		llb.AddMount("/check", final, llb.SourcePath(dir), llb.Readonly),
	).Root()
}

// checkNames fails when a source writes an executable that a Go tool, a
// release or another source writes too, which the names in the spec alone
// cannot tell: in the collected executables, one would replace the other.
func checkNames(s *spec.Spec, o *Options) llb.State {
	args := []string{HelperBinary, "check-names"}
	if g := s.Builder.Go; g != nil {
		for _, t := range g.Tools {
			args = append(args, "-taken", t.OutputName()+"=the Go tool "+t.Module)
		}
	}
	for _, r := range s.Builder.Releases {
		args = append(args, "-taken", r.Name+"=the release "+r.Name)
	}
	opts := []llb.RunOption{llb.Platform(o.Build),
		stepName(o.Target, "check", "no two tools write the same executable")}
	for i, out := range o.sourceOuts {
		n := strconv.Itoa(i)
		args = append(args, "-source", n+"="+s.Builder.Sources[i].Name)
		opts = append(opts, llb.AddMount("/sources/"+n, out, llb.Readonly))
	}
	opts = append(opts, llb.Args(append(args, "/sources")))
	return o.Helper.Run(opts...).Root()
}

// runTest runs a test's command in the image as root, then judges what it
// printed and how it exited.
func runTest(img *Image, t spec.Test, i int, o *Options) llb.State {
	field := "tests[" + strconv.Itoa(i) + "]"
	opts := []llb.RunOption{
		llb.Args([]string{"/bin/sh", "-c", testScript}),
		llb.AddEnv("CST_TEST_CMD", t.Run),
		llb.User("root"),
		stepName(o.Target, "test", t.Name),
	}
	for _, c := range o.about(field, t.Name) {
		opts = append(opts, c)
	}
	run := withConfig(img.State, img.Config).Run(opts...)
	result := run.AddMount("/cst-test", llb.Scratch())
	exit := 0
	if t.Exit != nil {
		exit = *t.Exit
	}
	judge := []llb.RunOption{
		llb.Args([]string{HelperBinary, "check-test", "-name", t.Name, "-cmd", t.Run,
			"-expect", t.Expect, "-exit", strconv.Itoa(exit), "/cst-test"}),
		llb.Platform(o.Build),
		stepName(o.Target, "test", "check "+t.Name),
		llb.AddMount("/cst-test", result, llb.Readonly),
	}
	for _, c := range o.at(field) {
		judge = append(judge, c)
	}
	return o.Helper.Run(judge...).Root()
}
