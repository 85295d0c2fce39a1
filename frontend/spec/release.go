package spec

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// ArchToken is the token ${ARCH} stands for on a target architecture.
func (r *Release) ArchToken(goarch string) string {
	if t, ok := r.Arch[goarch]; ok {
		return t
	}
	return goarch
}

// For expands ${VERSION} and ${ARCH} in the URL and the member to extract,
// for a target architecture.
func (r *Release) For(goarch string) (rawURL, member string, err error) {
	lookup := func(name string) (string, bool) {
		switch name {
		case "VERSION":
			return r.Version, true
		case "ARCH":
			return r.ArchToken(goarch), true
		}
		return "", false
	}
	if rawURL, err = Expand(r.URL, lookup); err != nil {
		return "", "", err
	}
	member, err = Expand(r.Extract, lookup)
	return rawURL, member, err
}

// Archive types, told from a download's file name.
const (
	ArchiveRaw   = "raw"
	ArchiveTar   = "tar"
	ArchiveTarGz = "tar.gz"
	ArchiveTarXz = "tar.xz"
	ArchiveTarZs = "tar.zst"
	ArchiveTarBz = "tar.bz2"
	ArchiveZip   = "zip"
)

// ArchiveType tells the archive type from a file name.
func ArchiveType(name string) string {
	n := strings.ToLower(name)
	for _, t := range []struct{ suffix, kind string }{
		{".tar.gz", ArchiveTarGz}, {".tgz", ArchiveTarGz},
		{".tar.xz", ArchiveTarXz}, {".txz", ArchiveTarXz},
		{".tar.zst", ArchiveTarZs}, {".tzst", ArchiveTarZs},
		{".tar.bz2", ArchiveTarBz}, {".tbz2", ArchiveTarBz},
		{".tar", ArchiveTar}, {".zip", ArchiveZip},
	} {
		if strings.HasSuffix(n, t.suffix) {
			return t.kind
		}
	}
	return ArchiveRaw
}

// URLFileName is the last path element of a URL, without its query. As
// BuildKit names the downloaded file, it is "download" when the path has no
// usable name, such as https://example.com/.
func URLFileName(rawURL string) string {
	name := path.Base(rawURL)
	if u, err := url.Parse(rawURL); err == nil {
		name = path.Base(u.Path)
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." || name == "/" ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return "download"
	}
	return name
}

// Pattern expands ${VERSION} and ${ARCH} in an asset pattern, quoted, and
// compiles it to match a whole asset name.
func (r *Release) Pattern(pattern, version, goarch string) (*regexp.Regexp, error) {
	expanded, err := Expand(pattern, func(name string) (string, bool) {
		switch name {
		case "VERSION":
			return regexp.QuoteMeta(version), true
		case "ARCH":
			return regexp.QuoteMeta(r.ArchToken(goarch)), true
		}
		return "", false
	})
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile("^(?:" + expanded + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}
	return re, nil
}

// WithVersion returns the release with Version set, for resolving
// ${VERSION} in extract after a GitHub lookup.
func (r Release) WithVersion(version string) *Release {
	r.Version = version
	return &r
}
