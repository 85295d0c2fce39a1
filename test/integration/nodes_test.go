//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeConfig is the registry part of the suite's buildkitd config.
const nodeConfig = `[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["127.0.0.1:5000"]
[registry."127.0.0.1:5000"]
  http = true
  insecure = true
`

// daemon starts a buildkitd of the test's own, with empty state: a wiped
// machine, or one node of a builder. With platform set, its worker offers
// only that platform. It stops when the test ends.
func daemon(t *testing.T, platform string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cst-node-")
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "buildkitd.toml")
	if err := os.WriteFile(config, []byte(nodeConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "unix://" + filepath.Join(dir, "buildkitd.sock")
	args := []string{"--config", config, "--root", filepath.Join(dir, "root"), "--addr", addr}
	if platform != "" {
		args = append(args, "--oci-worker-platform", platform)
	}
	log, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("buildkitd", args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // it may have exited
		cmd.Wait()         //nolint:errcheck // killed on purpose
		log.Close()
		os.RemoveAll(dir)
	})
	deadline := time.Now().Add(60 * time.Second)
	for exec.Command("buildctl", "--addr", addr, "debug", "workers").Run() != nil {
		if time.Now().After(deadline) {
			dt, _ := os.ReadFile(log.Name())
			t.Fatalf("buildkitd at %s did not start:\n%s", addr, tail(string(dt)))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return addr
}

// TestCacheAcrossMachines exports the cache to the registry, then builds on
// a buildkitd with empty state that imports it: no tool build runs again.
func TestCacheAcrossMachines(t *testing.T) {
	dir := specDir(t, exampleSpec(t, "go-tools"))
	cache := fmt.Sprintf("%s/it/cache:%d", env.registry, time.Now().UnixNano())
	flags := []string{"--opt", "platform=linux/amd64,linux/arm64",
		"--opt", "build-arg:CST_SKIP_TESTS=1"}
	buildctl(t, dir, append(flags, "--export-cache",
		"type=registry,ref="+cache+",mode=max,registry.insecure=true")...)
	t.Setenv("BUILDKIT_HOST", daemon(t, ""))
	vs := buildctl(t, dir, append(flags, "--import-cache",
		"type=registry,ref="+cache+",registry.insecure=true")...)
	for _, plat := range []string{"linux/amd64", "linux/arm64"} {
		for _, tool := range []string{"github.com/mikefarah/yq/v4@v4.54.3",
			"filippo.io/age/cmd/age@v1.3.2"} {
			if v := vertex(t, vs, "["+plat+" go] "+tool); !v.Cached {
				t.Errorf("%s ran on the new machine; want it from the imported cache", v.Name)
			}
		}
	}
}

// nodeSpec is small, so that two nodes with empty caches build it quickly:
// one Go tool, and a final stage that only adds it to the base image.
const nodeSpec = `version: 1
name: nodes
platforms: [linux/amd64, linux/arm64]
builder:
  go:
    image: golang:1.26
    tools:
      - module: filippo.io/age/cmd/age
        version: v1.3.2
final:
  base: debian:bookworm
`

// TestMultiNodeBuilder builds both platforms with a buildx builder of two
// nodes, one per platform, into one index, and checks that each node built
// only its own platform.
func TestMultiNodeBuilder(t *testing.T) {
	nodes := map[string]string{
		"linux/amd64": daemon(t, "linux/amd64"),
		"linux/arm64": daemon(t, "linux/arm64"),
	}
	name := fmt.Sprintf("cst-multi-%d", time.Now().UnixNano())
	run(t, "docker", "buildx", "create", "--name", name, "--driver", "remote",
		"--platform", "linux/amd64", nodes["linux/amd64"])
	t.Cleanup(func() {
		exec.Command("docker", "buildx", "rm", name).Run() //nolint:errcheck // best effort
	})
	run(t, "docker", "buildx", "create", "--append", "--name", name, "--driver", "remote",
		"--platform", "linux/arm64", nodes["linux/arm64"])
	dir := specDir(t, nodeSpec)
	ref := uniqueRef("nodes")
	run(t, "docker", "buildx", "build", "--builder", name,
		"-f", filepath.Join(dir, "variant.yaml"), "--platform", "linux/amd64,linux/arm64",
		"--build-arg", "CST_SKIP_TESTS=1", "--output", pushOutput(ref), dir)
	imgs := readIndex(t, ref, execDir)
	for plat, addr := range nodes {
		img := imgs[plat]
		if img == nil {
			t.Fatalf("index %s has no %s image", ref, plat)
		}
		m, err := elfMachine(img.content["opt/executables/age"])
		if want := machines[strings.TrimPrefix(plat, "linux/")]; err != nil || m != want {
			t.Errorf("%s: age is ELF for %v (err %v), want %v", plat, m, err, want)
		}
		checkNodeBuilt(t, addr, plat)
	}
}

// checkNodeBuilt asserts that the node at addr holds the final stage of its
// own platform in its cache and none of the other platform.
func checkNodeBuilt(t *testing.T, addr, plat string) {
	t.Helper()
	other := "linux/arm64"
	if plat == other {
		other = "linux/amd64"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "buildctl", "--addr", addr, "du", "--verbose").
		CombinedOutput()
	if err != nil {
		t.Fatalf("buildctl du on the %s node: %v\n%s", plat, err, out)
	}
	du := string(out)
	own := "[" + plat + " final] write /usr/share/cst/tools.json"
	if !strings.Contains(du, own) || strings.Contains(du, "["+other+" final]") {
		t.Errorf("the %s node's cache should hold %q and no %s step:\n%s", plat, own, other,
			tail(du))
	}
}
