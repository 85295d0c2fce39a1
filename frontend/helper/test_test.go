package helper_test

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/helper"
)

// result writes what a test run leaves: its output and its exit code.
func result(t *testing.T, output, exit string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		helper.TestOutput: []byte(output),
		helper.TestExit:   []byte(exit),
	})
	return dir
}

func TestCheckTest(t *testing.T) {
	t.Parallel()
	const version = "yq (https://github.com/mikefarah/yq/) version v4.54.3\n"
	yq := helper.TestWant{Name: "yq", Cmd: "yq --version", Expect: `version v4\.54\.3`}
	tests := []struct {
		name   string
		output string
		exit   string
		want   helper.TestWant
		// wantErr are parts of the error, nil when the test passes.
		wantErr []string
	}{
		{name: "pass", output: version, exit: "0\n", want: yq},
		{name: "pass without a trailing newline", output: version, exit: "0", want: yq},
		{
			name: "expected non-zero exit", output: "sh: no-such-command: not found\n",
			exit: "127\n",
			want: helper.TestWant{Name: "missing", Cmd: "no-such-command", Exit: 127},
		},
		{
			name: "empty expect matches anything", output: "", exit: "0\n",
			want: helper.TestWant{Name: "quiet", Cmd: "true"},
		},
		{
			name: "wrong exit", output: version, exit: "2\n", want: yq,
			wantErr: []string{
				"test yq failed: `yq --version` exited 2, want 0; output:\n" + version,
			},
		},
		{
			name: "output does not match", output: "yq version v4.40.0\n", exit: "0\n",
			want: yq,
			wantErr: []string{
				"test yq failed: `yq --version` output does not match " +
					`"version v4\\.54\\.3"; output:` + "\nyq version v4.40.0\n",
			},
		},
		{
			name: "both wrong", output: "command not found\n", exit: "127\n", want: yq,
			wantErr: []string{
				"test yq failed", "`yq --version`", "exited 127, want 0 and output does not match",
				"output:\ncommand not found\n",
			},
		},
		{
			name: "unreadable exit code", output: version, exit: "killed\n", want: yq,
			wantErr: []string{`test yq: unreadable exit code "killed\n"`},
		},
		{
			name: "empty exit code", output: version, exit: "", want: yq,
			wantErr: []string{`test yq: unreadable exit code ""`},
		},
		{
			name: "invalid expect", output: version, exit: "0\n",
			want:    helper.TestWant{Name: "bad", Cmd: "true", Expect: "("},
			wantErr: []string{"test bad: error parsing regexp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := result(t, tt.output, tt.exit)
			var out bytes.Buffer
			err := helper.CheckTest(dir, tt.want, &out)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("CheckTest(%+v) = %v, want no error", tt.want, err)
				}
				if want := "test " + tt.want.Name + " passed\n"; out.String() != want {
					t.Errorf("CheckTest(%+v) printed %q, want %q", tt.want, out.String(), want)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckTest(%+v) = nil, want an error", tt.want)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("CheckTest(%+v) = %q, want it to contain %q", tt.want, err, want)
				}
			}
			if out.Len() != 0 {
				t.Errorf("CheckTest(%+v) printed %q on failure, want nothing", tt.want,
					out.String())
			}
		})
	}
}

func TestCheckTestMissingFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{helper.TestOutput, helper.TestExit} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := result(t, "out", "0")
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			err := helper.CheckTest(dir, helper.TestWant{Name: "t"}, io.Discard)
			if !os.IsNotExist(err) {
				t.Errorf("CheckTest() without %s = %v, want a not-exist error", name, err)
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	elfDir := t.TempDir()
	writeFiles(t, elfDir, map[string][]byte{"yq": elfHeader(t, elf.EM_AARCH64, elf.ET_EXEC)})
	testDir := result(t, "hello from aarch64\n", "0\n")
	usageELF := "usage: check-elf -arch GOARCH DIR"
	usageTest := "usage: check-test -name NAME -cmd COMMAND -expect REGEXP -exit CODE DIR"
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string // a prefix of the error; "" for none
	}{
		{
			name:    "check-elf",
			args:    []string{"check-elf", "-arch", "arm64", elfDir},
			wantOut: "yq: ELF for arm64\n",
		},
		{
			name:    "check-elf with a failure",
			args:    []string{"check-elf", "-arch=amd64", elfDir},
			wantErr: "yq: built for EM_AARCH64, want EM_X86_64",
		},
		{
			name: "check-test",
			args: []string{"check-test", "-name", "greeting", "-cmd", "cat /etc/greeting",
				"-expect", "^hello from (x86_64|aarch64)", "-exit", "0", testDir},
			wantOut: "test greeting passed\n",
		},
		{
			name: "check-test with a failure",
			args: []string{"check-test", "-name", "greeting", "-cmd", "cat /etc/greeting",
				"-expect", "^bye", "-exit", "1", testDir},
			wantErr: "test greeting failed: `cat /etc/greeting` exited 0, want 1 and output",
		},
		{name: "no subcommand", wantErr: "unknown helper; want one of [check-elf check-names check-test"},
		{
			name:    "unknown subcommand",
			args:    []string{"check-everything", elfDir},
			wantErr: "unknown helper; want one of [check-elf check-names check-test",
		},
		{
			name:    "unknown flag",
			args:    []string{"check-elf", "-arc", "arm64", elfDir},
			wantErr: usageELF + ": flag provided but not defined: -arc",
		},
		{
			name:    "flag without value",
			args:    []string{"check-elf", "-arch"},
			wantErr: usageELF + ": flag needs an argument: -arch",
		},
		{
			name:    "exit code that is not a number",
			args:    []string{"check-test", "-name", "t", "-exit", "one", testDir},
			wantErr: usageTest + `: invalid value "one" for flag -exit`,
		},
		{name: "missing dir", args: []string{"check-elf", "-arch", "arm64"}, wantErr: usageELF},
		{
			name:    "missing dir for check-test",
			args:    []string{"check-test", "-name", "t"},
			wantErr: usageTest,
		},
		{
			name:    "two dirs",
			args:    []string{"check-elf", "-arch", "arm64", elfDir, testDir},
			wantErr: usageELF,
		},
		{
			// Flags after the directory are arguments, not flags.
			name:    "flag after the dir",
			args:    []string{"check-elf", elfDir, "-arch", "arm64"},
			wantErr: usageELF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := helper.Run(tt.args, &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Run(%q) = %v, want no error", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("Run(%q) = %v, want an error starting %q", tt.args, err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("Run(%q) printed %q, want %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"check-elf", true},
		{"check-test", true},
		{"", false},
		{"check", false},
		{"CHECK-ELF", false},
		{"-check-elf", false},
	}
	for _, tt := range tests {
		if got := helper.Is(tt.name); got != tt.want {
			t.Errorf("Is(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
}
