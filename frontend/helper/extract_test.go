package helper_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cst-frontend/cst-frontend/frontend/helper"
	"github.com/cst-frontend/cst-frontend/test/fixtures"
)

// member is where the release fixtures keep their executable.
const member = "hello_1.0.0/bin/hello"

// pack packs entries into dir/name, an archive of the type ext names, and
// returns its path.
func pack(t *testing.T, dir, name, ext string, entries []fixtures.Entry) string {
	t.Helper()
	dt, err := fixtures.Pack(ext, entries)
	if err != nil {
		t.Fatalf("Pack(%s) = %v", ext, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, dt, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawTar writes a tar of headers, each with no content, to dir/name.
func rawTar(t *testing.T, dir, name string, headers ...*tar.Header) string {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range headers {
		h.ModTime = time.Unix(0, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("WriteHeader(%s) = %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func executable(t *testing.T, goarch string) []byte {
	t.Helper()
	exe, err := fixtures.Executable(goarch, "hello from "+goarch+"\n")
	if err != nil {
		t.Fatalf("Executable(%s) = %v", goarch, err)
	}
	return exe
}

func TestExtractRoundTrip(t *testing.T) {
	t.Parallel()
	exe := executable(t, "arm64")
	entries := []fixtures.Entry{
		{Name: "hello_1.0.0/README", Data: []byte("read me\n"), Mode: 0o644},
		{Name: member, Data: exe, Mode: 0o600},
		{Name: "hello_1.0.0/LICENSE", Data: []byte("MIT\n"), Mode: 0o644},
	}
	for _, ext := range fixtures.Extensions {
		for _, mode := range []os.FileMode{0o755, 0o640} {
			t.Run(ext+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				archive := pack(t, dir, "hello_1.0.0_linux_aarch64."+ext, ext, entries)
				out := filepath.Join(dir, "hello")
				if err := helper.Extract(archive, member, out, mode); err != nil {
					t.Fatalf("Extract(%s, %s) = %v, want no error", ext, member, err)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, exe) {
					t.Errorf("Extract(%s) wrote %d bytes, want the %d of the member", ext,
						len(got), len(exe))
				}
				st, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode() != mode {
					t.Errorf("Extract(%s, mode %v) wrote mode %v, want %v", ext, mode,
						st.Mode(), mode)
				}
			})
		}
	}
}

// TestExtractNames checks how members are matched: by their clean name,
// never by a name that leaves the archive.
func TestExtractNames(t *testing.T) {
	t.Parallel()
	data := []byte("payload")
	tests := []struct {
		name    string
		entries []fixtures.Entry
		member  string
		wantErr string // "" when the member is extracted
	}{
		{
			name:    "entry written with ./",
			entries: []fixtures.Entry{{Name: "./bin/hello", Data: data, Mode: 0o755}},
			member:  "bin/hello",
		},
		{
			name:    "member written with ./",
			entries: []fixtures.Entry{{Name: "bin/hello", Data: data, Mode: 0o755}},
			member:  "./bin/hello",
		},
		{
			name:    "entry with a .. that stays inside",
			entries: []fixtures.Entry{{Name: "lib/../bin/hello", Data: data, Mode: 0o755}},
			member:  "bin/hello",
		},
		{
			name:    "missing member",
			entries: []fixtures.Entry{{Name: "bin/hello", Data: data, Mode: 0o755}},
			member:  "bin/hallo",
			wantErr: `the archive has no member "bin/hallo"`,
		},
		{
			name:    "absolute entry never matches a relative member",
			entries: []fixtures.Entry{{Name: "/bin/hello", Data: data, Mode: 0o755}},
			member:  "bin/hello",
			wantErr: `the archive has no member "bin/hello"`,
		},
		{
			name:    "entry above the root never matches a clean member",
			entries: []fixtures.Entry{{Name: "../hello", Data: data, Mode: 0o755}},
			member:  "hello",
			wantErr: `the archive has no member "hello"`,
		},
		{
			name:    "entry that climbs out through a directory",
			entries: []fixtures.Entry{{Name: "bin/../../hello", Data: data, Mode: 0o755}},
			member:  "hello",
			wantErr: `the archive has no member "hello"`,
		},
		{
			name:    "absolute member",
			entries: []fixtures.Entry{{Name: "/bin/hello", Data: data, Mode: 0o755}},
			member:  "/bin/hello",
			wantErr: `refused member "/bin/hello": its path leaves the archive`,
		},
		{
			name:    "member above the root",
			entries: []fixtures.Entry{{Name: "bin/../../hello", Data: data, Mode: 0o755}},
			member:  "../hello",
			wantErr: `refused member "bin/../../hello": its path leaves the archive`,
		},
		{
			name:    "symbolic link inside the archive",
			entries: []fixtures.Entry{{Name: "bin/hello", Link: "../libexec/hello"}},
			member:  "bin/hello",
			wantErr: `member "bin/hello" is a link to "../libexec/hello"; ` +
				`extract "libexec/hello" instead`,
		},
		{
			name:    "symbolic link out of the archive",
			entries: []fixtures.Entry{{Name: "bin/hello", Link: "../../etc/passwd"}},
			member:  "bin/hello",
			wantErr: `refused member "bin/hello": it links to "../../etc/passwd", ` +
				"outside the archive",
		},
		{
			name:    "absolute symbolic link",
			entries: []fixtures.Entry{{Name: "hello", Link: "/etc/passwd"}},
			member:  "hello",
			wantErr: `refused member "hello": it links to "/etc/passwd", outside the archive`,
		},
	}
	for _, tt := range tests {
		for _, ext := range []string{"tar", "tar.gz"} {
			t.Run(tt.name+"/"+ext, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				archive := pack(t, dir, "a."+ext, ext, tt.entries)
				out := filepath.Join(dir, "out")
				err := helper.Extract(archive, tt.member, out, 0o755)
				checkExtract(t, tt.member, out, err, tt.wantErr, data)
			})
		}
	}
}

// checkExtract checks Extract's result: the data in out, or the error
// wantErr and no out.
func checkExtract(t *testing.T, member, out string, err error, wantErr string, data []byte) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Errorf("Extract(%q) = %v, want %s", member, err, wantErr)
		}
		if _, serr := os.Stat(out); !errors.Is(serr, fs.ErrNotExist) {
			t.Errorf("Extract(%q) failed but wrote %s (%v), want nothing", member, out, serr)
		}
		return
	}
	if err != nil {
		t.Fatalf("Extract(%q) = %v, want no error", member, err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Errorf("Extract(%q) wrote %q, want %q", member, got, data)
	}
}

func TestExtractTarLinksAndTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		header  *tar.Header
		member  string
		wantErr string
	}{
		{
			name:   "hard link inside the archive",
			header: &tar.Header{Name: "bin/hello", Typeflag: tar.TypeLink, Linkname: "opt/hello"},
			member: "bin/hello",
			wantErr: `member "bin/hello" is a link to "opt/hello"; ` +
				`extract "opt/hello" instead`,
		},
		{
			name:   "hard link out of the archive",
			header: &tar.Header{Name: "bin/hello", Typeflag: tar.TypeLink, Linkname: "../x"},
			member: "bin/hello",
			wantErr: `refused member "bin/hello": it links to "../x", ` +
				"outside the archive",
		},
		{
			name: "absolute hard link",
			header: &tar.Header{Name: "bin/hello", Typeflag: tar.TypeLink,
				Linkname: "/etc/shadow"},
			member:  "bin/hello",
			wantErr: `refused member "bin/hello": it links to "/etc/shadow", outside the archive`,
		},
		{
			name:    "directory",
			header:  &tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
			member:  "bin",
			wantErr: `member "bin/" is not a regular file`,
		},
		{
			name:    "device",
			header:  &tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666},
			member:  "dev/null",
			wantErr: `member "dev/null" is not a regular file`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			archive := rawTar(t, dir, "a.tar", tt.header)
			out := filepath.Join(dir, "out")
			err := helper.Extract(archive, tt.member, out, 0o755)
			checkExtract(t, tt.member, out, err, tt.wantErr, nil)
		})
	}
}

func TestExtractZip(t *testing.T) {
	t.Parallel()
	data := []byte("payload")
	tests := []struct {
		name    string
		entries []fixtures.Entry
		dirs    []string // directory entries written after entries
		member  string
		wantErr string
	}{
		{
			name:    "entry written with ./",
			entries: []fixtures.Entry{{Name: "./bin/hello", Data: data}},
			member:  "bin/hello",
		},
		{
			name:    "symbolic link inside the archive",
			entries: []fixtures.Entry{{Name: "bin/hello", Link: "hello-1.0"}},
			member:  "bin/hello",
			wantErr: `refused member "bin/hello": it is a symbolic link`,
		},
		{
			name:    "symbolic link out of the archive",
			entries: []fixtures.Entry{{Name: "hello", Link: "../../etc/passwd"}},
			member:  "hello",
			wantErr: `refused member "hello": it is a symbolic link`,
		},
		{
			name:    "entry above the root never matches a clean member",
			entries: []fixtures.Entry{{Name: "../hello", Data: data}},
			member:  "hello",
			wantErr: `the archive has no member "hello"`,
		},
		{
			name:    "absolute entry never matches a relative member",
			entries: []fixtures.Entry{{Name: "/hello", Data: data}},
			member:  "hello",
			wantErr: `the archive has no member "hello"`,
		},
		{
			name:    "member above the root",
			entries: []fixtures.Entry{{Name: "../hello", Data: data}},
			member:  "../hello",
			wantErr: `refused member "../hello": its path leaves the archive`,
		},
		{
			name:    "directory",
			dirs:    []string{"bin/"},
			member:  "bin",
			wantErr: `member "bin/" is not a regular file`,
		},
		{
			name:    "missing member",
			entries: []fixtures.Entry{{Name: "bin/hello", Data: data}},
			member:  "hello",
			wantErr: `the archive has no member "hello"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			archive := pack(t, dir, "a.zip", "zip", tt.entries)
			if len(tt.dirs) > 0 {
				archive = zipDirs(t, dir, tt.dirs)
			}
			out := filepath.Join(dir, "out")
			err := helper.Extract(archive, tt.member, out, 0o755)
			checkExtract(t, tt.member, out, err, tt.wantErr, data)
		})
	}
}

// zipDirs writes a zip of directory entries to dir/dirs.zip.
func zipDirs(t *testing.T, dir string, dirs []string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, d := range dirs {
		if _, err := zw.Create(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "dirs.zip")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtractErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entries := []fixtures.Entry{{Name: member, Data: []byte("hello"), Mode: 0o755}}
	tgz := pack(t, dir, "hello.tar.gz", "tar.gz", entries)
	raw := filepath.Join(dir, "hello_linux_aarch64")
	garbage := []byte("this is not an archive of any kind")
	writeFiles(t, dir, map[string][]byte{
		"hello_linux_aarch64": garbage,
		"bad.tar.gz":          garbage,
		"bad.tar.xz":          garbage,
		"bad.tar.zst":         garbage,
		"bad.tar.bz2":         garbage,
		"bad.zip":             garbage,
		"bad.tar":             garbage,
		"exists":              []byte("keep me"),
	})
	tests := []struct {
		name    string
		archive string
		out     string
		wantErr string // the start of the error
		wantIs  error
	}{
		{name: "raw file", archive: raw, wantErr: "hello_linux_aarch64 is not an archive"},
		{name: "missing archive", archive: filepath.Join(dir, "no.tar"), wantIs: fs.ErrNotExist},
		{name: "existing output", archive: tgz, out: "exists", wantIs: fs.ErrExist},
		{
			name: "output in a missing directory", archive: tgz, out: "no/such/dir",
			wantIs: fs.ErrNotExist,
		},
		{
			name: "corrupt gzip", archive: filepath.Join(dir, "bad.tar.gz"),
			wantErr: "read bad.tar.gz: ",
		},
		{
			name: "corrupt xz", archive: filepath.Join(dir, "bad.tar.xz"),
			wantErr: "read bad.tar.xz: ",
		},
		{
			name: "corrupt zstd", archive: filepath.Join(dir, "bad.tar.zst"),
			wantErr: "read the archive: ",
		},
		{
			name: "corrupt bzip2", archive: filepath.Join(dir, "bad.tar.bz2"),
			wantErr: "read the archive: ",
		},
		{name: "corrupt zip", archive: filepath.Join(dir, "bad.zip"), wantErr: "read bad.zip: "},
		{
			name: "corrupt tar", archive: filepath.Join(dir, "bad.tar"),
			wantErr: "read the archive: ",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(dir, "out"+string(rune('a'+i)))
			if tt.out != "" {
				out = filepath.Join(dir, tt.out)
			}
			err := helper.Extract(tt.archive, member, out, 0o755)
			switch {
			case err == nil:
				t.Fatalf("Extract(%s) = nil, want an error", tt.name)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("Extract(%s) = %v, want %v", tt.name, err, tt.wantIs)
			case tt.wantErr != "" && !strings.HasPrefix(err.Error(), tt.wantErr):
				t.Errorf("Extract(%s) = %v, want an error starting %q", tt.name, err, tt.wantErr)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "exists")); string(got) != "keep me" {
		t.Errorf("Extract over an existing file left %q, want it untouched", got)
	}
}

func TestRunExtract(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []byte("hello")
	tgz := pack(t, dir, "hello_1.0.0.tar.gz", "tar.gz",
		[]fixtures.Entry{{Name: member, Data: data, Mode: 0o644}})
	const usage = "usage: extract -member PATH -out FILE [-mode 0755] ARCHIVE"
	tests := []struct {
		name     string
		args     []string
		wantOut  string
		wantErr  string
		wantMode os.FileMode
	}{
		{
			name:     "default mode",
			args:     []string{"extract", "-member", member, "-out", "%OUT", tgz},
			wantOut:  "extracted " + member + " from hello_1.0.0.tar.gz\n",
			wantMode: 0o755,
		},
		{
			name:     "mode",
			args:     []string{"extract", "-member=" + member, "-out=%OUT", "-mode=0640", tgz},
			wantOut:  "extracted " + member + " from hello_1.0.0.tar.gz\n",
			wantMode: 0o640,
		},
		{
			name:    "invalid mode",
			args:    []string{"extract", "-member", member, "-out", "%OUT", "-mode", "0999", tgz},
			wantErr: `invalid mode "0999"; want octal such as 0644 or 0755`,
		},
		{
			name:    "missing member",
			args:    []string{"extract", "-member", "hello", "-out", "%OUT", tgz},
			wantErr: `the archive has no member "hello"`,
		},
		{
			name:    "no archive",
			args:    []string{"extract", "-member", member, "-out", "%OUT"},
			wantErr: usage,
		},
		{
			name:    "two archives",
			args:    []string{"extract", "-member", member, "-out", "%OUT", tgz, tgz},
			wantErr: usage,
		},
		{
			name:    "unknown flag",
			args:    []string{"extract", "-file", member, tgz},
			wantErr: usage + ": flag provided but not defined: -file",
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(dir, "out"+string(rune('a'+i)))
			args := make([]string, len(tt.args))
			for j, a := range tt.args {
				args[j] = strings.ReplaceAll(a, "%OUT", out)
			}
			var stderr bytes.Buffer
			err := helper.Run(args, &stderr)
			if stderr.String() != tt.wantOut {
				t.Errorf("Run(%q) printed %q, want %q", args, stderr.String(), tt.wantOut)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("Run(%q) = %v, want %s", args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run(%q) = %v, want no error", args, err)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode() != tt.wantMode {
				t.Errorf("Run(%q) wrote mode %v, want %v", args, st.Mode(), tt.wantMode)
			}
		})
	}
	if !helper.Is("extract") {
		t.Errorf("Is(%q) = false, want true", "extract")
	}
}
