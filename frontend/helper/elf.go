package helper

import (
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// machines maps the GOARCH names of target platforms to ELF machines.
var machines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"386":     elf.EM_386,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
	"riscv64": elf.EM_RISCV,
}

func checkELFCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-elf", flag.ContinueOnError)
	arch := fs.String("arch", "", "GOARCH of the target platform")
	dir, err := parse(fs, usageCheckELF, args)
	if err != nil {
		return err
	}
	return CheckELF(dir, *arch, stderr)
}

// CheckELF checks that every regular file in dir is an ELF executable for
// arch, and reports every one that is not.
func CheckELF(dir, arch string, out io.Writer) error {
	want, ok := machines[arch]
	if !ok {
		return fmt.Errorf("no ELF machine known for architecture %q", arch)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := checkFile(filepath.Join(dir, e.Name()), want); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
			continue
		}
		fmt.Fprintf(out, "%s: ELF for %s\n", e.Name(), arch)
	}
	return errors.Join(errs...)
}

func checkFile(path string, want elf.Machine) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not an ELF file: %w", err)
	}
	defer f.Close()
	if f.Machine != want {
		return fmt.Errorf("built for %v, want %v", f.Machine, want)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %v is not an executable", f.Type)
	}
	return nil
}
