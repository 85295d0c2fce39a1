package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/cst-frontend/cst-frontend/frontend/spec"
)

// DefaultGitHubAPI is the GitHub API a release's api field defaults to.
const DefaultGitHubAPI = "https://api.github.com"

// githubAsset is the download a GitHub release lookup found.
type githubAsset struct {
	url     string
	tag     string
	version string // the tag without a leading v
	sha256  string
}

// githubRelease is the part of the GitHub API's release object used here.
type githubRelease struct {
	TagName string `json:"tag_name"`
	Assets  []struct {
		Name string `json:"name"`
		URL  string `json:"browser_download_url"`
	} `json:"assets"`
}

// resolveGitHub looks a release up through the API and picks the asset for
// the target, with its checksum from the spec or from the publisher's
// checksum asset.
func resolveGitHub(ctx context.Context, r *spec.Release, field string, o *Options) (
	githubAsset, error) {
	if o.Fetch == nil {
		return githubAsset{}, o.errorf(field+".github", "this build cannot fetch from the "+
			"GitHub API")
	}
	api := strings.TrimSuffix(r.API, "/")
	if api == "" {
		api = DefaultGitHubAPI
	}
	endpoint := api + "/repos/" + r.GitHub + "/releases/tags/" + url.PathEscape(r.Version)
	if r.Version == "latest" {
		endpoint = api + "/repos/" + r.GitHub + "/releases/latest"
	}
	dt, err := o.Fetch(ctx, endpoint)
	if err != nil {
		return githubAsset{}, o.errorf(field+".github", "look up %s: %v", endpoint, err)
	}
	var rel githubRelease
	if err := json.Unmarshal(dt, &rel); err != nil || rel.TagName == "" {
		return githubAsset{}, o.errorf(field+".github", "%s did not answer with a release", endpoint)
	}
	a := githubAsset{tag: rel.TagName, version: strings.TrimPrefix(rel.TagName, "v")}
	name, err := pickAsset(r, r.Asset, &rel, a.version, o)
	if err != nil {
		return githubAsset{}, o.errorf(field+".asset", "%v", err)
	}
	a.url = assetURL(&rel, name)
	if a.sha256 = releaseSHA256(r, o.Target); a.sha256 == "" && r.Checksums != "" {
		if a.sha256, err = publishedSum(ctx, r, &rel, a.version, name, o); err != nil {
			return githubAsset{}, o.errorf(field+".checksums", "%v", err)
		}
	}
	return a, nil
}

// pickAsset returns the one asset name a pattern matches.
func pickAsset(r *spec.Release, pattern string, rel *githubRelease, version string,
	o *Options) (string, error) {
	re, err := r.Pattern(pattern, version, o.Target.Architecture)
	if err != nil {
		return "", err
	}
	var names, matches []string
	for _, a := range rel.Assets {
		names = append(names, a.Name)
		if re.MatchString(a.Name) {
			matches = append(matches, a.Name)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("%q matches no asset of release %s for %s; its assets are %s",
			re.String(), rel.TagName, o.Target.Architecture, strings.Join(names, ", "))
	}
	return "", fmt.Errorf("%q matches %d assets of release %s for %s: %s; make it match one",
		re.String(), len(matches), rel.TagName, o.Target.Architecture, strings.Join(matches, ", "))
}

func assetURL(rel *githubRelease, name string) string {
	for _, a := range rel.Assets {
		if a.Name == name {
			return a.URL
		}
	}
	return ""
}

// publishedSum reads the asset's sha256 from the publisher's checksum asset.
func publishedSum(ctx context.Context, r *spec.Release, rel *githubRelease,
	version, asset string, o *Options) (string, error) {
	name, err := pickAsset(r, r.Checksums, rel, version, o)
	if err != nil {
		return "", err
	}
	dt, err := o.Fetch(ctx, assetURL(rel, name))
	if err != nil {
		return "", fmt.Errorf("fetch %s: %w", name, err)
	}
	if sum, ok := findSum(dt, asset); ok {
		return sum, nil
	}
	return "", fmt.Errorf("%s lists no sha256 for %s", name, asset)
}

var (
	gnuSum = regexp.MustCompile(`^([0-9a-fA-F]{64}) [ *]?(\S+)$`)
	bsdSum = regexp.MustCompile(`^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$`)
)

// findSum finds a file's sha256 in a checksum list, in the format of
// sha256sum or of BSD's sha256 -r.
func findSum(list []byte, file string) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(list))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := gnuSum.FindStringSubmatch(line); m != nil && strings.TrimPrefix(m[2], "./") == file {
			return strings.ToLower(m[1]), true
		}
		if m := bsdSum.FindStringSubmatch(line); m != nil && m[1] == file {
			return strings.ToLower(m[2]), true
		}
	}
	return "", false
}
