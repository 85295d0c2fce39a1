//go:build integration

package integration

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// platformImage is one platform's image of a pushed index, read back from
// the registry: its config and its flattened filesystem.
type platformImage struct {
	platform string
	config   *v1.ConfigFile
	files    map[string]*tar.Header
	content  map[string][]byte // only for files under the executables dir
}

// remoteIndex fetches a pushed image index and its manifest.
func remoteIndex(t *testing.T, ref string) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(r)
	if err != nil {
		t.Fatalf("remote.Index(%s): %v", ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return idx, m
}

// readIndex fetches an image index and every platform image in it, skipping
// attestation manifests (platform unknown/unknown).
func readIndex(t *testing.T, ref, execDir string) map[string]*platformImage {
	t.Helper()
	idx, m := remoteIndex(t, ref)
	out := map[string]*platformImage{}
	for _, desc := range m.Manifests {
		if desc.Platform == nil || desc.Platform.OS == "unknown" {
			continue
		}
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		pi := readImage(t, img, execDir)
		pi.platform = desc.Platform.OS + "/" + desc.Platform.Architecture
		out[pi.platform] = pi
	}
	return out
}

func readImage(t *testing.T, img v1.Image, execDir string) *platformImage {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	pi := &platformImage{config: cfg, files: map[string]*tar.Header{},
		content: map[string][]byte{}}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	prefix := strings.TrimPrefix(execDir, "/") + "/"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := strings.TrimPrefix(h.Name, "./")
		pi.files[p] = h
		if strings.HasPrefix(p, prefix) && h.Typeflag == tar.TypeReg {
			if pi.content[p], err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	return pi
}

// elfMachine returns the machine an ELF file is built for.
func elfMachine(dt []byte) (elf.Machine, error) {
	f, err := elf.NewFile(bytes.NewReader(dt))
	if err != nil {
		return 0, err
	}
	return f.Machine, nil
}

// machines maps GOARCH names to ELF machines.
var machines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64,
	"arm64": elf.EM_AARCH64,
}

func envValue(cfg *v1.ConfigFile, key string) string {
	for _, kv := range cfg.Config.Env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}
