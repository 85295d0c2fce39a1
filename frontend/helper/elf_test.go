package helper_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/helper"
)

// elfHeader returns the 64-byte header of a little-endian ELF64 file for
// machine, with no sections or program headers: enough for debug/elf.
func elfHeader(t *testing.T, machine elf.Machine, typ elf.Type) []byte {
	t.Helper()
	h := elf.Header64{
		Type:      uint16(typ),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Ehsize:    64,
		Phentsize: 56,
		Shentsize: 64,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, h); err != nil {
		t.Fatalf("binary.Write(Header64) = %v", err)
	}
	return b.Bytes()
}

// writeFiles creates dir/name with each content.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, dt := range files {
		if err := os.WriteFile(filepath.Join(dir, name), dt, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTestBinary copies the running test binary, a real ELF executable for
// runtime.GOARCH, into dir as name.
func copyTestBinary(t *testing.T, dir, name string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the test binary is not ELF on %s", runtime.GOOS)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable() = %v", err)
	}
	in, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckELFTestBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTestBinary(t, dir, "self")
	var out bytes.Buffer
	if err := helper.CheckELF(dir, runtime.GOARCH, &out); err != nil {
		t.Fatalf("CheckELF(test binary, %s) = %v, want no error", runtime.GOARCH, err)
	}
	if want := "self: ELF for " + runtime.GOARCH + "\n"; out.String() != want {
		t.Errorf("CheckELF(test binary) printed %q, want %q", out.String(), want)
	}
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	err := helper.CheckELF(dir, other, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "self: built for ") {
		t.Errorf("CheckELF(test binary, %s) = %v, want self: built for ...", other, err)
	}
}

func TestCheckELF(t *testing.T) {
	t.Parallel()
	arm64 := elfHeader(t, elf.EM_AARCH64, elf.ET_EXEC)
	tests := []struct {
		name    string
		files   map[string][]byte
		arch    string
		wantOut string
		wantErr []string // each a line of the error, in order; nil for none
	}{
		{
			name:    "arm64 executable",
			files:   map[string][]byte{"yq": arm64},
			arch:    "arm64",
			wantOut: "yq: ELF for arm64\n",
		},
		{
			name: "static and position-independent executables",
			files: map[string][]byte{
				"a": elfHeader(t, elf.EM_RISCV, elf.ET_DYN),
				"b": elfHeader(t, elf.EM_RISCV, elf.ET_EXEC),
			},
			arch:    "riscv64",
			wantOut: "a: ELF for riscv64\nb: ELF for riscv64\n",
		},
		{
			name:    "empty directory",
			files:   map[string][]byte{},
			arch:    "amd64",
			wantOut: "",
		},
		{
			name:    "text file",
			files:   map[string][]byte{"script": []byte("#!/bin/sh\necho hi\n")},
			arch:    "arm64",
			wantErr: []string{"script: not an ELF file: "},
		},
		{
			name:    "empty file",
			files:   map[string][]byte{"empty": nil},
			arch:    "arm64",
			wantErr: []string{"empty: not an ELF file: "},
		},
		{
			name:    "wrong architecture",
			files:   map[string][]byte{"yq": arm64},
			arch:    "amd64",
			wantErr: []string{"yq: built for EM_AARCH64, want EM_X86_64"},
		},
		{
			name:    "object file",
			files:   map[string][]byte{"x.o": elfHeader(t, elf.EM_AARCH64, elf.ET_REL)},
			arch:    "arm64",
			wantErr: []string{"x.o: ELF type ET_REL is not an executable"},
		},
		{
			name: "every bad file reported in name order, good ones printed",
			files: map[string][]byte{
				"c-text": []byte("not elf"),
				"b-good": arm64,
				"a-x86":  elfHeader(t, elf.EM_X86_64, elf.ET_EXEC),
				"d-core": elfHeader(t, elf.EM_AARCH64, elf.ET_CORE),
			},
			arch:    "arm64",
			wantOut: "b-good: ELF for arm64\n",
			wantErr: []string{
				"a-x86: built for EM_X86_64, want EM_AARCH64",
				"c-text: not an ELF file: ",
				"d-core: ELF type ET_CORE is not an executable",
			},
		},
		{
			name:    "unknown architecture",
			files:   map[string][]byte{"yq": arm64},
			arch:    "mips",
			wantErr: []string{`no ELF machine known for architecture "mips"`},
		},
		{
			name:    "no architecture",
			files:   map[string][]byte{"yq": arm64},
			wantErr: []string{`no ELF machine known for architecture ""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			var out bytes.Buffer
			err := helper.CheckELF(dir, tt.arch, &out)
			checkLines(t, "CheckELF", err, tt.wantErr)
			if out.String() != tt.wantOut {
				t.Errorf("CheckELF(%s) printed %q, want %q", tt.arch, out.String(), tt.wantOut)
			}
		})
	}
}

// checkLines checks that err has one line per entry of want, each starting
// with that entry.
func checkLines(t *testing.T, what string, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("%s() = %v, want no error", what, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s() = nil, want %q", what, want)
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("%s() = %q, want %d lines starting %q", what, err, len(want), want)
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("%s() line %d = %q, want prefix %q", what, i, got[i], want[i])
		}
	}
}

func TestCheckELFArchitectures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arch    string
		machine elf.Machine
	}{
		{"amd64", elf.EM_X86_64},
		{"386", elf.EM_386},
		{"arm64", elf.EM_AARCH64},
		{"arm", elf.EM_ARM},
		{"ppc64le", elf.EM_PPC64},
		{"s390x", elf.EM_S390},
		{"riscv64", elf.EM_RISCV},
	}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, map[string][]byte{"tool": elfHeader(t, tt.machine, elf.ET_EXEC)})
			if err := helper.CheckELF(dir, tt.arch, io.Discard); err != nil {
				t.Errorf("CheckELF(%v file, %s) = %v, want no error", tt.machine, tt.arch, err)
			}
		})
	}
}

func TestCheckELFIgnoresNonRegularFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"yq": elfHeader(t, elf.EM_AARCH64, elf.ET_EXEC)})
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// Neither the directory's text file nor the links are looked at.
	writeFiles(t, sub, map[string][]byte{"notes": []byte("text")})
	if err := os.Symlink("yq", filepath.Join(dir, "yq-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/notes", filepath.Join(dir, "notes-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := helper.CheckELF(dir, "arm64", &out); err != nil {
		t.Fatalf("CheckELF() = %v, want no error", err)
	}
	if want := "yq: ELF for arm64\n"; out.String() != want {
		t.Errorf("CheckELF() printed %q, want %q", out.String(), want)
	}
}

func TestCheckELFMissingDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nope")
	err := helper.CheckELF(dir, "arm64", io.Discard)
	if !os.IsNotExist(err) {
		t.Errorf("CheckELF(%s) = %v, want a not-exist error", dir, err)
	}
}
