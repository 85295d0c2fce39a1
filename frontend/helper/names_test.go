package helper_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/helper"
)

func TestCheckNames(t *testing.T) {
	t.Parallel()
	taken := []string{"-taken", "yq=the Go tool github.com/mikefarah/yq/v4",
		"-taken", "trivy=the release trivy"}
	tests := []struct {
		name    string
		sources map[string][]string // by index: the files a source wrote
		wantErr []string
	}{
		{name: "distinct", sources: map[string][]string{"0": {"terraform"}, "1": {"kubectl"}}},
		{
			name:    "a source writes a Go tool's name",
			sources: map[string][]string{"0": {"terraform", "yq"}},
			wantErr: []string{"source s0 writes yq, which the Go tool " +
				"github.com/mikefarah/yq/v4 writes too"},
		},
		{
			name:    "two sources write one name",
			sources: map[string][]string{"0": {"tool"}, "1": {"tool", "trivy"}},
			wantErr: []string{"source s1 writes tool, which source s0 writes too",
				"source s1 writes trivy, which the release trivy writes too"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"check-names"}, taken...)
			for _, n := range []string{"0", "1"} {
				files, ok := tt.sources[n]
				if !ok {
					continue
				}
				args = append(args, "-source", n+"=s"+n)
				for _, f := range files {
					p := filepath.Join(dir, n, f)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte("x"), 0o755); err != nil {
						t.Fatal(err)
					}
				}
			}
			var out bytes.Buffer
			err := helper.Run(append(args, dir), &out)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Run(%q) = %v, want no error", args, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Run(%q) = nil, want errors %q", args, tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Run(%q) = %v, want it to say %q", args, err, want)
				}
			}
		})
	}
}

func TestCheckNamesUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"check-names"},
		{"check-names", "-taken", "novalue", "/d"},
		{"check-names", "-source", "x=name", "/d"},
	} {
		if err := helper.Run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("Run(%q) = nil, want a usage error", args)
		}
	}
}
