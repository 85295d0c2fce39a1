package spec

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
)

var (
	sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)
	archToken = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)
	goarch    = regexp.MustCompile(`^[a-z0-9]+$`)
)

func (v *validation) releases(rels []Release) {
	for i := range rels {
		r := &rels[i]
		field := fmt.Sprintf("builder.releases[%d]", i)
		switch {
		case r.Name == "":
			v.add(field+".name", "missing; name the executable, e.g. trivy")
		case !fileName.MatchString(r.Name):
			v.add(field+".name", "invalid file name %q; use letters, digits, '.', '_', "+
				"'+' and '-'", r.Name)
		}
		if r.Version == "" {
			v.add(field+".version", "missing; pin the release's version")
		}
		for _, k := range sortedKeys(r.Arch) {
			if !goarch.MatchString(k) || !archToken.MatchString(r.Arch[k]) {
				v.add(field+".arch."+k, "invalid arch token %q for %q; want a GOARCH name "+
					"such as arm64 mapped to a token such as aarch64", r.Arch[k], k)
			}
		}
		v.sha256s(field+".sha256", r.SHA256)
		v.releaseURL(field, r)
	}
}

// releaseURL checks the URL and member of a release with the tokens of a
// typical architecture in place.
func (v *validation) releaseURL(field string, r *Release) {
	switch {
	case r.URL != "" && r.GitHub != "":
		v.add(field+".github", "a release has url or github, not both")
		return
	case r.GitHub != "":
		v.githubRelease(field, r)
		return
	case r.URL == "":
		v.add(field+".url", "missing; give the download URL, with ${VERSION} and ${ARCH}, "+
			"or github: owner/name with an asset pattern")
		return
	case r.Asset != "" || r.Checksums != "" || r.API != "":
		v.add(field+".url", "asset, checksums and api belong to the github form; "+
			"remove them or use github instead of url")
	}
	u, member, err := r.For("amd64")
	if err != nil {
		v.add(field+".url", "%v", err)
		return
	}
	v.download(field+".url", u)
	if r.Extract != "" {
		v.member(field+".extract", member)
		v.archive(field+".extract", u)
	}
}

// archive checks that a URL one member is extracted from names an archive.
func (v *validation) archive(field, u string) {
	if ArchiveType(URLFileName(u)) == ArchiveRaw {
		v.add(field, "the URL's file name %q is not an archive "+
			"(.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2, .zip); leave extract out for a raw "+
			"file", URLFileName(u))
	}
}

func (v *validation) download(field, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.add(field, "invalid URL %q; want an http or https URL", raw)
	}
}

// member checks the path of an archive member: relative, inside the archive.
func (v *validation) member(field, m string) {
	if path.IsAbs(m) || path.Clean(m) != m || m == "." || strings.HasPrefix(m, "../") {
		v.add(field, "invalid archive member %q; want a clean relative path such as "+
			"bin/tool", m)
	}
}

func (v *validation) sha256s(field string, sums map[string]string) {
	seen := map[string]string{}
	for _, p := range sortedKeys(sums) {
		pl, err := platforms.Parse(p)
		norm := platforms.Format(platforms.Normalize(pl))
		switch {
		case err != nil || !strings.Contains(p, "/"):
			v.add(field+"."+p, "invalid platform %q; want os/arch such as linux/arm64", p)
		case seen[norm] != "":
			v.add(field+"."+p, "%q names the same platform as %q; give one checksum per "+
				"platform", p, seen[norm])
		default:
			seen[norm] = p
		}
		if !sha256Hex.MatchString(sums[p]) {
			v.add(field+"."+p, "invalid sha256 %q; want 64 lowercase hex digits", sums[p])
		}
	}
}

func (v *validation) files(files []FileDownload) {
	seen := map[string]string{}
	for i, f := range files {
		field := fmt.Sprintf("final.files[%d]", i)
		if f.URL == "" {
			v.add(field+".url", "missing; give the download URL")
		} else {
			v.download(field+".url", f.URL)
		}
		switch {
		case f.Path == "":
			v.add(field+".path", "missing; give the absolute path in the image")
		case !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path || f.Path == "/":
			v.add(field+".path", "invalid path %q; want a clean absolute file path such as "+
				"/opt/lists/words.txt", f.Path)
		case seen[f.Path] != "":
			v.add(field+".path", "path %q is already used by %s", f.Path, seen[f.Path])
		default:
			seen[f.Path] = field
		}
		if f.SHA256 != "" && !sha256Hex.MatchString(f.SHA256) {
			v.add(field+".sha256", "invalid sha256 %q; want 64 lowercase hex digits", f.SHA256)
		}
		if f.Extract != "" {
			v.member(field+".extract", f.Extract)
		}
		if f.Extract != "" && f.URL != "" {
			v.archive(field+".extract", f.URL)
		}
		if _, err := FileMode(f.Mode); err != nil {
			v.add(field+".mode", "%v", err)
		}
	}
}

// FileMode parses a file mode such as 0755; empty means 0644.
func FileMode(s string) (uint32, error) {
	if s == "" {
		return 0o644, nil
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("invalid mode %q; want octal such as 0644 or 0755", s)
	}
	return uint32(m), nil
}

var gitRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/+-]*$`)

func (v *validation) sources(srcs []Source) {
	seen := map[string]string{}
	for i, src := range srcs {
		field := fmt.Sprintf("builder.sources[%d]", i)
		v.stepName(field, src.Name, seen)
		u, err := url.Parse(src.Git)
		switch {
		case src.Git == "":
			v.add(field+".git", "missing; give the repository URL")
		case err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" &&
			u.Scheme != "ssh" && u.Scheme != "git":
			v.add(field+".git", "invalid repository URL %q; want https://, http://, ssh:// "+
				"or git://", src.Git)
		}
		switch {
		case src.Ref == "":
			v.add(field+".ref", "missing; pin a tag, a branch or a full commit hash")
		case !gitRef.MatchString(src.Ref) || strings.Contains(src.Ref, ".."):
			v.add(field+".ref", "invalid git ref %q", src.Ref)
		}
		if src.Image == "" {
			v.add(field+".image", "missing; name the image that runs the command")
		} else {
			v.image(field+".image", src.Image)
		}
		if strings.TrimSpace(src.Run) == "" {
			v.add(field+".run", "missing; give the command that writes executables to /out")
		}
	}
}

var githubRepo = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)

// githubRelease checks the github form with the tokens of a typical
// architecture and version in place.
func (v *validation) githubRelease(field string, r *Release) {
	if !githubRepo.MatchString(r.GitHub) {
		v.add(field+".github", "invalid repository %q; want owner/name", r.GitHub)
	}
	if r.API != "" {
		v.download(field+".api", r.API)
	}
	patterns := map[string]string{"asset": r.Asset, "checksums": r.Checksums}
	if r.Asset == "" {
		v.add(field+".asset", "missing; give a regular expression matching the asset's "+
			"name, with ${VERSION} and ${ARCH}")
	}
	for _, key := range []string{"asset", "checksums"} {
		if patterns[key] == "" {
			continue
		}
		if _, err := r.Pattern(patterns[key], "1.0.0", "amd64"); err != nil {
			v.add(field+"."+key, "%v", err)
		}
	}
	if r.Extract != "" {
		if _, member, err := r.For("amd64"); err == nil {
			v.member(field+".extract", member)
		}
	}
}
