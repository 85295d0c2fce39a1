package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// downloads has three releases, two sources and three files.
var downloads = lines(
	"version: 1",
	"name: base",
	"builder:",
	"  releases:",
	"    - name: trivy",
	"      version: 0.50.0",
	"      url: https://x.org/trivy_${ARCH}.tgz",
	"      extract: trivy",
	"    - name: jq",
	"      version: 1.7.1",
	"      url: https://x.org/jq_${ARCH}",
	"    - name: yq",
	"      version: 4.0.0",
	"      url: https://x.org/yq_${ARCH}",
	"  sources:",
	"    - {name: hello, git: https://x.org/hello.git, ref: v1, image: golang, run: make}",
	"    - {name: bye, git: https://x.org/bye.git, ref: v1, image: golang, run: make}",
	"final:",
	"  files:",
	"    - {url: https://x.org/a.txt, path: /opt/a.txt}",
	"    - {url: https://x.org/b.txt, path: /opt/b.txt}",
	"    - {url: https://x.org/c.txt, path: /opt/c.txt}",
)

func TestLoadAllMergesDownloads(t *testing.T) {
	t.Parallel()
	child := lines(
		"version: 1",
		"name: child",
		"extends: base.yaml",
		"builder:",
		"  releases:",
		"    - name: jq",
		"      version: 1.8.0",
		"      url: https://x.org/jq-${VERSION}_${ARCH}",
		"    - name: kubectl",
		"      version: 1.30.0",
		"      url: https://dl.k8s.io/v${VERSION}/bin/linux/${ARCH}/kubectl",
		"  sources:",
		"    - {name: bye, git: https://x.org/bye.git, ref: v2, image: golang, run: make}",
		"final:",
		"  files:",
		"    - {url: https://x.org/b2.txt, path: /opt/b.txt, mode: '0600'}",
		"    - {url: https://x.org/d.txt, path: /opt/d.txt}",
		"remove:",
		"  releases: [trivy]",
		"  sources: [hello]",
		"  files: [/opt/a.txt]",
	)
	ctx := context{"base.yaml": downloads}
	f, err := spec.LoadAll("child.yaml", []byte(child), ctx.read)
	if err != nil {
		t.Fatalf("LoadAll() = %v", err)
	}
	s := f.Spec
	var rels, srcs, files []string
	for _, r := range s.Builder.Releases {
		rels = append(rels, r.Name+"@"+r.Version)
	}
	for _, src := range s.Builder.Sources {
		srcs = append(srcs, src.Name+"@"+src.Ref)
	}
	for _, fd := range s.Final.Files {
		files = append(files, fd.Path+"="+spec.URLFileName(fd.URL)+":"+fd.Mode)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"releases", rels, []string{"jq@1.8.0", "yq@4.0.0", "kubectl@1.30.0"}},
		{"jq url", s.Builder.Releases[0].URL, "https://x.org/jq-${VERSION}_${ARCH}"},
		{"sources", srcs, []string{"bye@v2"}},
		{"files", files, []string{"/opt/b.txt=b2.txt:0600", "/opt/c.txt=c.txt:",
			"/opt/d.txt=d.txt:"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("merged %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	// Entries keep the position where they were written, in either file.
	positions := map[string]spec.Pos{
		"builder.releases[0]":         {Line: 6, Column: 7},
		"builder.releases[0].version": {Line: 7, Column: 16},
		"builder.releases[1]":         {File: "base.yaml", Line: 12, Column: 7},
		"builder.releases[1].url":     {File: "base.yaml", Line: 14, Column: 12},
		"builder.releases[2]":         {Line: 9, Column: 7},
		"builder.sources[0]":          {Line: 13, Column: 7},
		"builder.sources[0].ref":      {Line: 13, Column: 52},
		"final.files[0].mode":         {Line: 16, Column: 59},
		"final.files[1]":              {File: "base.yaml", Line: 22, Column: 7},
		"final.files[2]":              {Line: 17, Column: 7},
	}
	for field, want := range positions {
		if got := f.Pos(field); got != want {
			t.Errorf("Pos(%q) = %+v, want %+v", field, got, want)
		}
	}
	r, err := f.Resolve(nil, spec.PredefinedArgs(arm64, amd64))
	if err != nil {
		t.Fatalf("Resolve() = %v", err)
	}
	if u, _, _ := r.Builder.Releases[2].For("arm64"); u != "https://dl.k8s.io/v1.30.0/bin/"+
		"linux/arm64/kubectl" {
		t.Errorf("merged kubectl For(arm64) = %q", u)
	}
}

func TestLoadAllDownloadErrors(t *testing.T) {
	t.Parallel()
	badParent := strings.Replace(downloads, "      url: https://x.org/yq_${ARCH}",
		"      url: ftp://x.org/yq_${ARCH}", 1)
	empty := lines("version: 1", "name: empty")
	tests := []struct {
		name string
		ctx  context
		doc  string
		want []string
	}{
		{
			name: "dangling release",
			ctx:  context{"base.yaml": downloads},
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  releases: [kubectl]"),
			want: []string{"child.yaml:4:14: remove.releases[0]: ",
				`"kubectl" is not defined in base.yaml, so there is nothing to remove`},
		},
		{
			name: "dangling source",
			ctx:  context{"base.yaml": downloads},
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  sources: [trivy]"),
			want: []string{"child.yaml:4:13: remove.sources[0]: ",
				`"trivy" is not defined in base.yaml`},
		},
		{
			name: "dangling file",
			ctx:  context{"base.yaml": downloads},
			doc: lines("version: 1", "extends: base.yaml", "remove:",
				"  files: [/opt/a.txt, /opt/z.txt]"),
			want: []string{"child.yaml:4:23: remove.files[1]: ",
				`"/opt/z.txt" is not defined in base.yaml`},
		},
		{
			name: "file removed by its name instead of its path",
			ctx:  context{"base.yaml": downloads},
			doc:  lines("version: 1", "extends: base.yaml", "remove:", "  files: [a.txt]"),
			want: []string{"remove.files[0]: ", `"a.txt" is not defined in base.yaml`},
		},
		{
			name: "removes from a parent without downloads",
			ctx:  context{"empty.yaml": empty},
			doc: lines("version: 1", "extends: empty.yaml", "remove:", "  releases: [a]",
				"  sources: [b]", "  files: [/c]"),
			want: []string{
				`child.yaml:4:14: remove.releases[0]: "a" is not defined in empty.yaml`,
				`child.yaml:5:13: remove.sources[0]: "b" is not defined in empty.yaml`,
				`child.yaml:6:11: remove.files[0]: "/c" is not defined in empty.yaml`,
			},
		},
		{
			// yq is the parent's third release and the merged spec's second.
			name: "invalid parent entry keeps its position",
			ctx:  context{"base.yaml": badParent},
			doc: lines("version: 1", "extends: base.yaml", "remove:", "  releases: [trivy]",
				"  sources: [hello]"),
			want: []string{"base.yaml:14:12: builder.releases[1].url: invalid URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := spec.LoadAll("child.yaml", []byte(tt.doc), tt.ctx.read)
			if err == nil {
				_, err = f.Resolve(nil, spec.PredefinedArgs(arm64, amd64))
			}
			if err == nil {
				t.Fatalf("LoadAll() and Resolve() = nil error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadAll() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
