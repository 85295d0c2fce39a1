package helper

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// maxMember bounds the size of an extracted member, against archive bombs.
const maxMember = 4 << 30

func extractCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	member := fs.String("member", "", "the archive member to extract")
	out := fs.String("out", "", "where to write it")
	mode := fs.String("mode", "0755", "the output file's mode, in octal")
	archive, err := parse(fs, usageExtract, args)
	if err != nil {
		return err
	}
	m, err := spec.FileMode(*mode)
	if err != nil {
		return err
	}
	if err := Extract(archive, *member, *out, os.FileMode(m)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "extracted %s from %s\n", *member, path.Base(archive))
	return nil
}

// Extract writes one member of an archive to out. The archive type comes
// from the archive's file name. A member whose name, or whose link target,
// leaves the archive's root is refused.
func Extract(archive, member, out string, mode os.FileMode) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader
	switch kind := spec.ArchiveType(path.Base(archive)); kind {
	case spec.ArchiveZip:
		return extractZip(f, member, out, mode)
	case spec.ArchiveRaw:
		return fmt.Errorf("%s is not an archive", path.Base(archive))
	default:
		if r, err = decompress(kind, f); err != nil {
			return fmt.Errorf("read %s: %w", path.Base(archive), err)
		}
	}
	return extractTar(tar.NewReader(r), member, out, mode)
}

func decompress(kind string, r io.Reader) (io.Reader, error) {
	switch kind {
	case spec.ArchiveTarGz:
		return gzip.NewReader(r)
	case spec.ArchiveTarXz:
		return xz.NewReader(r)
	case spec.ArchiveTarZs:
		d, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case spec.ArchiveTarBz:
		return bzip2.NewReader(r), nil
	}
	return r, nil
}

// safeName cleans an entry name and reports whether it stays inside the
// archive's root.
func safeName(name string) (string, bool) {
	if strings.HasPrefix(name, "/") {
		return name, false
	}
	clean := path.Clean(name)
	return clean, clean != ".." && !strings.HasPrefix(clean, "../")
}

// linkTarget resolves a symbolic link's target against the link's directory
// and reports whether it stays inside the archive's root.
func linkTarget(entry, target string) (string, bool) {
	if path.IsAbs(target) {
		return target, false
	}
	return safeName(path.Join(path.Dir(entry), target))
}

func extractTar(tr *tar.Reader, member, out string, mode os.FileMode) error {
	want := path.Clean(member)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the archive has no member %q", member)
		}
		if err != nil {
			return fmt.Errorf("read the archive: %w", err)
		}
		name, ok := safeName(h.Name)
		if name != want {
			continue
		}
		if !ok {
			return fmt.Errorf("refused member %q: its path leaves the archive", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			return writeFile(tr, out, mode)
		case tar.TypeSymlink, tar.TypeLink:
			target, inside := linkTarget(name, h.Linkname)
			if h.Typeflag == tar.TypeLink {
				target, inside = safeName(h.Linkname)
			}
			if !inside {
				return fmt.Errorf("refused member %q: it links to %q, outside the archive",
					h.Name, h.Linkname)
			}
			return fmt.Errorf("member %q is a link to %q; extract %q instead",
				h.Name, h.Linkname, target)
		default:
			return fmt.Errorf("member %q is not a regular file", h.Name)
		}
	}
}

func extractZip(f *os.File, member, out string, mode os.FileMode) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return fmt.Errorf("read %s: %w", path.Base(f.Name()), err)
	}
	want := path.Clean(member)
	for _, zf := range zr.File {
		name, ok := safeName(zf.Name)
		if name != want {
			continue
		}
		if !ok {
			return fmt.Errorf("refused member %q: its path leaves the archive", zf.Name)
		}
		if zf.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("refused member %q: it is a symbolic link", zf.Name)
		}
		if !zf.Mode().IsRegular() {
			return fmt.Errorf("member %q is not a regular file", zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return writeFile(rc, out, mode)
	}
	return fmt.Errorf("the archive has no member %q", member)
}

func writeFile(r io.Reader, out string, mode os.FileMode) error {
	w, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(w, io.LimitReader(r, maxMember+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxMember {
		err = fmt.Errorf("member is larger than %d bytes", int64(maxMember))
	}
	if err != nil {
		return err
	}
	return os.Chmod(out, mode)
}
