//go:build integration

// Package integration runs the frontend end to end: a real buildkitd with
// runc and arm64 emulation, a real registry, and the real clients buildctl
// and docker buildx. hack/testenv starts all of it; hack/test runs this.
package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// env is the test environment, read from the variables hack/testenv sets.
var env struct {
	registry string // host:port of the local registry
	builder  string // buildx builder that uses the suite's buildkitd
	frontend string // frontend image pushed by TestMain
	repo     string // repository root
	fixtures *fixtures.Server
}

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "integration environment cannot start: %v\n"+
			"run hack/testenv up, then eval \"$(hack/testenv env)\"\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func setup() error {
	for _, v := range []string{"BUILDKIT_HOST", "CST_REGISTRY", "CST_BUILDX_BUILDER"} {
		if os.Getenv(v) == "" {
			return fmt.Errorf("%s is not set", v)
		}
	}
	env.registry = os.Getenv("CST_REGISTRY")
	env.builder = os.Getenv("CST_BUILDX_BUILDER")
	_, file, _, _ := runtime.Caller(0)
	env.repo = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	resp, err := http.Get("http://" + env.registry + "/v2/")
	if err != nil {
		return fmt.Errorf("registry %s: %w", env.registry, err)
	}
	resp.Body.Close()
	out, err := exec.Command("buildctl", "debug", "workers", "--format",
		"{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}} {{end}}{{end}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("buildctl debug workers: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "linux/arm64") {
		return fmt.Errorf("buildkitd does not offer linux/arm64 (emulation is missing): %s", out)
	}
	if env.fixtures, err = fixtures.Start(); err != nil {
		return fmt.Errorf("start the fixture server: %w", err)
	}
	return buildFrontend()
}

// buildFrontend builds the frontend image from Dockerfile.frontend and pushes
// it, so that specs can name it on their syntax line.
func buildFrontend() error {
	env.frontend = env.registry + "/cst-frontend:it"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "buildctl", "build",
		"--frontend", "dockerfile.v0",
		"--local", "context="+env.repo,
		"--local", "dockerfile="+env.repo,
		"--opt", "filename=Dockerfile.frontend",
		"--output", "type=image,name="+env.frontend+",push=true,registry.insecure=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the frontend image: %v\n%s", err, out)
	}
	return nil
}
