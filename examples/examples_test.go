// Package examples holds one small spec per feature. This test loads, merges,
// validates and converts each of them to LLB for both platforms, without a
// daemon; the integration suite builds them for real.
package examples

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// fetch reads a URL for the GitHub example's lookups.
func fetch(_ context.Context, u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func TestExamplesConvert(t *testing.T) {
	t.Parallel()
	srv, err := fixtures.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	args := map[string]string{"GITHUB_API": srv.URL + "/github/api"}
	specs, err := filepath.Glob("*/variant.yaml")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	read := func(p string) ([]byte, error) { return os.ReadFile(filepath.Join("..", p)) }
	for _, name := range specs {
		t.Run(filepath.Dir(name), func(t *testing.T) {
			dt, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(dt), "# syntax=cst-frontend\n") {
				t.Errorf("%s does not start with # syntax=cst-frontend", name)
			}
			f, err := spec.LoadAll("examples/"+name, dt, read)
			if err != nil {
				t.Fatalf("LoadAll(%s) = %v", name, err)
			}
			if _, err := fixtures.Convert(context.Background(), f, args, fetch); err != nil {
				t.Fatalf("Convert(%s) = %v", name, err)
			}
		})
	}
}
