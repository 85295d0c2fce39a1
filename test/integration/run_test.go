//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
)

// specDir writes a spec whose syntax line names the suite's frontend image
// into a new directory, which serves as both context and spec directory.
func specDir(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	text := "# syntax=" + env.frontend + "\n" + body
	if err := os.WriteFile(filepath.Join(dir, "variant.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exampleSpec reads a spec from examples/ without its syntax line.
func exampleSpec(t *testing.T, name string) string {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join(env.repo, "examples", name, "variant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(dt)
	if strings.HasPrefix(text, "# syntax=") {
		_, text, _ = strings.Cut(text, "\n")
	}
	return text
}

// buildctl runs `buildctl build` on a spec directory with the extra flags
// and returns the vertices the build reported.
func buildctl(t *testing.T, dir string, flags ...string) []*client.Vertex {
	t.Helper()
	args := append([]string{"build", "--progress=rawjson",
		"--frontend", "dockerfile.v0",
		"--local", "context=" + dir,
		"--local", "dockerfile=" + dir,
		"--opt", "filename=variant.yaml",
	}, flags...)
	stderr := run(t, "buildctl", args...)
	return vertices(t, stderr)
}

// run runs a command and fails the test with its output when it fails; it
// returns what the command wrote to stderr, where progress goes.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	_, stderr := runBoth(t, name, args...)
	return stderr
}

// runOut runs a command as run does and returns what it wrote to stdout.
func runOut(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	stdout, _ := runBoth(t, name, args...)
	return stdout
}

func runBoth(t *testing.T, name string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err,
			tail(out.String()), tail(errOut.String()))
	}
	return out.Bytes(), errOut.Bytes()
}

// runFail runs a command that must fail and returns its combined output.
func runFail(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err == nil {
		t.Fatalf("%s %s succeeded, want it to fail:\n%s",
			name, strings.Join(args, " "), tail(string(out)))
	}
	return string(out)
}

// tail keeps the end of long command output.
func tail(s string) string {
	const max = 8000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}

// vertices decodes buildctl's rawjson progress into the last state of each
// vertex.
func vertices(t *testing.T, progress []byte) []*client.Vertex {
	t.Helper()
	byDigest := map[string]*client.Vertex{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(progress))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var st client.SolveStatus
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if _, ok := byDigest[v.Digest.String()]; !ok {
				order = append(order, v.Digest.String())
			}
			byDigest[v.Digest.String()] = v
		}
	}
	out := make([]*client.Vertex, 0, len(order))
	for _, d := range order {
		out = append(out, byDigest[d])
	}
	return out
}

// vertex finds the vertex with the given name, failing the test if none.
func vertex(t *testing.T, vs []*client.Vertex, name string) *client.Vertex {
	t.Helper()
	for _, v := range vs {
		if v.Name == name {
			return v
		}
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	t.Fatalf("no vertex %q; vertices:\n%s", name, strings.Join(names, "\n"))
	return nil
}
