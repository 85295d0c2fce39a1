package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// Rules lists every rule, in the order findings are reported.
var Rules = []*Rule{
	{Name: "UnpinnedVersion", check: unpinnedVersion,
		Description: "A Go tool or a release is not pinned to a version"},
	{Name: "ReleaseWithoutChecksum", check: releaseWithoutChecksum,
		Description: "A release download is not verified for a platform being built"},
	{Name: "FileWithoutChecksum", check: fileWithoutChecksum,
		Description: "A downloaded file has no sha256"},
	{Name: "ImageNotPinned", check: imageNotPinned,
		Description: "An image is not pinned by digest"},
	{Name: "BranchRef", check: branchRef,
		Description: "A git source builds a branch, not a tag or a commit"},
	{Name: "UnpinnedPipPackage", check: unpinnedPip,
		Description: "A pip package has no exact version"},
	{Name: "DuplicatePackage", check: duplicatePackage,
		Description: "An apt package is listed twice"},
	{Name: "ExecutableShadowsPackage", check: shadowsPackage,
		Description: "An executable has the name of an apt package it hides on PATH"},
	{Name: "UnverifiedDownloadInRun", check: unverifiedDownload,
		Description: "A run step downloads with curl or wget without checking a checksum"},
	{Name: "UnusedArg", check: unusedArg,
		Description: "An arg is declared but never used"},
	{Name: "SecretInEnv", check: secretInEnv,
		Description: "A variable named like a secret is set in the image's environment"},
}

func unpinnedVersion(c *checker) {
	if g := c.s.Builder.Go; g != nil {
		for i, t := range g.Tools {
			if t.Version == "latest" {
				c.report(fmt.Sprintf("builder.go.tools[%d].version", i),
					fmt.Sprintf("%s is installed at latest; pin a version such as v1.2.3",
						t.Module))
			}
		}
	}
	for i, r := range c.s.Builder.Releases {
		if r.Version == "latest" {
			c.report(fmt.Sprintf("builder.releases[%d].version", i),
				fmt.Sprintf("release %s follows the latest upstream release; pin a tag", r.Name))
		}
	}
}

func releaseWithoutChecksum(c *checker) {
	for i, r := range c.s.Builder.Releases {
		if r.GitHub != "" && r.Checksums != "" {
			continue
		}
		for _, p := range c.platforms {
			if _, ok := r.SHA256[p]; !ok {
				c.report(fmt.Sprintf("builder.releases[%d]", i),
					fmt.Sprintf("release %s has no sha256 for %s", r.Name, p))
			}
		}
	}
}

func fileWithoutChecksum(c *checker) {
	for i, f := range c.s.Final.Files {
		if f.SHA256 == "" {
			c.report(fmt.Sprintf("final.files[%d]", i),
				fmt.Sprintf("%s is downloaded without a sha256", f.Path))
		}
	}
}

func imageNotPinned(c *checker) {
	images := map[string]string{"final.base": c.s.Final.Base}
	if g := c.s.Builder.Go; g != nil && len(g.Tools) > 0 {
		images["builder.go.image"] = g.Image
	}
	for i, src := range c.s.Builder.Sources {
		images[fmt.Sprintf("builder.sources[%d].image", i)] = src.Image
	}
	for _, field := range sortedKeys(images) {
		ref := images[field]
		if !strings.Contains(ref, "@sha256:") {
			c.report(field, fmt.Sprintf("%s may change under the same tag; pin it as "+
				"%s@sha256:<digest>", ref, ref))
		}
	}
}

var (
	commitHash = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
	tagLike    = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*([-+][0-9A-Za-z.-]+)?$`)
)

func branchRef(c *checker) {
	for i, src := range c.s.Builder.Sources {
		if !commitHash.MatchString(src.Ref) && !tagLike.MatchString(src.Ref) {
			c.report(fmt.Sprintf("builder.sources[%d].ref", i),
				fmt.Sprintf("%q looks like a branch, which moves; pin a tag or a commit", src.Ref))
		}
	}
}

func unpinnedPip(c *checker) {
	if p := c.s.Final.Pip; p != nil {
		for i, req := range p.Packages {
			if !strings.Contains(req, "==") {
				c.report(fmt.Sprintf("final.pip.packages[%d]", i),
					fmt.Sprintf("%s has no exact version; pin it as %s==X.Y.Z", req, req))
			}
		}
	}
}

// packageName is an apt package's name without its version or arch.
func packageName(p string) string {
	name, _, _ := strings.Cut(p, "=")
	name, _, _ = strings.Cut(name, ":")
	return name
}

func duplicatePackage(c *checker) {
	seen := map[string]bool{}
	for i, p := range c.file.Spec.Final.Apt.Packages {
		if seen[packageName(p)] {
			c.report(fmt.Sprintf("final.apt.packages[%d]", i),
				fmt.Sprintf("%s is already listed", packageName(p)))
		}
		seen[packageName(p)] = true
	}
}

func shadowsPackage(c *checker) {
	var pkgs []string
	for _, p := range c.s.Final.Apt.Packages {
		pkgs = append(pkgs, packageName(p))
	}
	check := func(field, name string) {
		if slices.Contains(pkgs, name) {
			c.report(field, fmt.Sprintf("executable %s comes first on PATH and hides the %s "+
				"apt package's; rename it or drop the package", name, name))
		}
	}
	if g := c.s.Builder.Go; g != nil {
		for i, t := range g.Tools {
			check(fmt.Sprintf("builder.go.tools[%d]", i), t.OutputName())
		}
	}
	for i, r := range c.s.Builder.Releases {
		check(fmt.Sprintf("builder.releases[%d]", i), r.Name)
	}
}

var (
	downloader = regexp.MustCompile(`\b(curl|wget)\b`)
	verifier   = regexp.MustCompile(`\b(sha(1|256|512)sum|gpg|gpgv|cosign|minisign)\b`)
)

func unverifiedDownload(c *checker) {
	for i, step := range c.s.Final.Run {
		if downloader.MatchString(step.Shell) && !verifier.MatchString(step.Shell) {
			c.report(fmt.Sprintf("final.run[%d].shell", i),
				fmt.Sprintf("step %s downloads without verifying; check a sha256 or use "+
					"final.files or builder.releases", step.Name))
		}
	}
}

func unusedArg(c *checker) {
	texts := []string{string(c.file.Data)}
	for _, p := range c.file.Parents {
		texts = append(texts, string(p.Data))
	}
	all := strings.Join(texts, "\n")
	for _, name := range sortedKeys(c.file.Spec.Args) {
		if name == spec.VersionArg {
			continue // it labels the image
		}
		ref := regexp.MustCompile(`\$(\{` + name + `\}|` + name + `\b)`)
		if !ref.MatchString(all) {
			c.report("args."+name, fmt.Sprintf("%s is declared but never used", name))
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var secretName = regexp.MustCompile(`(?i)(token|password|passwd|secret|api_?key|private_?key)`)

func secretInEnv(c *checker) {
	for _, name := range sortedKeys(c.s.Final.Env) {
		if secretName.MatchString(name) {
			c.report("final.env."+name, fmt.Sprintf("%s stays in the image's config, readable by "+
				"anyone who pulls it; pass secrets to run steps with secrets: instead", name))
		}
	}
}
