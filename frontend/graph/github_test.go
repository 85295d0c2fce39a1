package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/graph"
	"github.com/cst-frontend/cst-frontend/test/fixtures"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// fakeGitHub is an Options.Fetch that answers from fixed bodies by URL and
// records the URLs read. An answer is a body string or an error; a URL
// with no answer is not found.
type fakeGitHub struct {
	answers map[string]any

	mu    sync.Mutex
	calls []string
}

func (f *fakeGitHub) fetch(_ context.Context, url string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, url)
	switch a := f.answers[url].(type) {
	case string:
		return []byte(a), nil
	case error:
		return nil, a
	}
	return nil, fmt.Errorf("GET %s: 404 Not Found", url)
}

const (
	// latestURL is the default API's endpoint for acme/hello's latest release.
	latestURL = graph.DefaultGitHubAPI + "/repos/acme/hello/releases/latest"
	// dlBase is where the fake release assets download from.
	dlBase = "https://github.com/acme/hello/releases/download/"
)

// releaseJSON is the API's answer for a release with assets, which
// download from dlBase + tag/name.
func releaseJSON(t *testing.T, tag string, assets ...string) string {
	t.Helper()
	dt, err := fixtures.ReleaseJSON(tag, dlBase+tag+"/", assets)
	if err != nil {
		t.Fatalf("ReleaseJSON(%s) = %v", tag, err)
	}
	return string(dt)
}

// Assets of acme/hello v1.2.0: one archive per architecture and a list of
// their checksums.
const (
	helloX86   = "hello_1.2.0_linux_x86_64.tar.gz"
	helloArm   = "hello_1.2.0_linux_aarch64.tar.gz"
	helloSums  = "hello_1.2.0_checksums.txt"
	sumsURL    = dlBase + "v1.2.0/" + helloSums
	helloAsset = `asset: 'hello_${VERSION}_linux_${ARCH}\.tar\.gz'`
	helloArch  = "arch: {amd64: x86_64, arm64: aarch64}"
	helloMbr   = "extract: hello_${VERSION}/hello"
	helloCheck = `checksums: 'hello_${VERSION}_checksums\.txt'`
)

// helloRelease is the API's answer for acme/hello v1.2.0.
func helloRelease(t *testing.T) string {
	return releaseJSON(t, "v1.2.0", helloX86, helloArm, helloSums)
}

// githubDoc is a spec with one github release: the item starts on line 4
// with its name, github is on line 5, version on 6 and more from line 7.
func githubDoc(version string, more ...string) string {
	l := []string{"version: 1", "builder:", "  releases:", "    - name: hello",
		"      github: acme/hello", "      version: " + version}
	for _, m := range more {
		l = append(l, "      "+m)
	}
	return lines(l...)
}

// convertGitHub converts doc for target with fetch and returns the builder
// stage and the final image, marshalled.
func convertGitHub(t *testing.T, doc string, target ocispecs.Platform, f *fakeGitHub) (
	execs, final *ops) {
	t.Helper()
	data := []byte(doc)
	r := convert(t, doc, target, func(o *graph.Options) {
		withHelper(o)
		o.Fetch = f.fetch
		o.SourceMap = llb.NewSourceMap(nil, "variant.yaml", "YAML", data)
	})
	return marshal(t, r.execs), marshal(t, r.final)
}

// releaseStep is the progress name of a release's download.
func releaseStep(target ocispecs.Platform, tag, url string) string {
	return "[" + platforms.Format(target) + " release] hello " + tag + ": " + url
}

func TestGitHubReleaseEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		version  string
		more     []string
		endpoint string
	}{
		{name: "latest from the default api", version: "latest", endpoint: latestURL},
		{name: "tag", version: "v1.2.0",
			endpoint: "https://api.github.com/repos/acme/hello/releases/tags/v1.2.0"},
		{name: "tag without v", version: "1.2.0",
			endpoint: "https://api.github.com/repos/acme/hello/releases/tags/1.2.0"},
		{name: "custom api with a trailing slash", version: "latest",
			more:     []string{"api: https://ghe.example.com/api/v3/"},
			endpoint: "https://ghe.example.com/api/v3/repos/acme/hello/releases/latest"},
		{name: "custom api and tag", version: "v1.2.0",
			more:     []string{"api: https://ghe.example.com/api/v3"},
			endpoint: "https://ghe.example.com/api/v3/repos/acme/hello/releases/tags/v1.2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{tt.endpoint: helloRelease(t)}}
			doc := githubDoc(tt.version, append([]string{helloAsset, helloArch}, tt.more...)...)
			g, _ := convertGitHub(t, doc, arm64, f)
			if want := []string{tt.endpoint}; !slices.Equal(f.calls, want) {
				t.Errorf("Fetch calls = %q, want %q", f.calls, want)
			}
			url := dlBase + "v1.2.0/" + helloArm
			name := releaseStep(arm64, "v1.2.0", url)
			checkDownload(t, g, name, url, helloArm, "")
			checkLine(t, g, name, 4)
		})
	}
}

func TestGitHubReleaseArch(t *testing.T) {
	t.Parallel()
	sums := lines(sumA+"  "+helloX86, sumB+"  "+helloArm)
	doc := githubDoc("latest", helloAsset, helloArch, helloMbr, helloCheck)
	for _, tt := range []struct {
		target ocispecs.Platform
		asset  string
		sum    string
	}{
		{target: amd64, asset: helloX86, sum: sumA},
		{target: arm64, asset: helloArm, sum: sumB},
	} {
		t.Run(platforms.Format(tt.target), func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{latestURL: helloRelease(t), sumsURL: sums}}
			g, _ := convertGitHub(t, doc, tt.target, f)
			if want := []string{latestURL, sumsURL}; !slices.Equal(f.calls, want) {
				t.Errorf("Fetch calls = %q, want %q", f.calls, want)
			}
			url := dlBase + "v1.2.0/" + tt.asset
			name := releaseStep(tt.target, "v1.2.0", url)
			dl := checkDownload(t, g, name, url, tt.asset, tt.sum)
			checkLine(t, g, name, 4)
			// ${VERSION} in extract is the tag without its v.
			prefix := "[" + platforms.Format(tt.target) + " release] "
			checkExtractOp(t, g, prefix+"extract hello_1.2.0/hello from "+tt.asset, dl,
				"hello_1.2.0/hello", "hello", "0755", tt.asset)
		})
	}
}

func TestGitHubReleaseChecksumFormats(t *testing.T) {
	t.Parallel()
	other := sumA + "  " + helloX86
	tests := []struct {
		name string
		list string
	}{
		{name: "sha256sum text", list: lines(other, sumB+"  "+helloArm)},
		{name: "sha256sum binary", list: lines(other, sumB+" *"+helloArm)},
		{name: "one space", list: lines(other, sumB+" "+helloArm)},
		{name: "relative path", list: lines(other, sumB+"  ./"+helloArm)},
		{name: "bsd", list: lines("SHA256 ("+helloX86+") = "+sumA,
			"SHA256 ("+helloArm+") = "+sumB)},
		{name: "uppercase hex", list: lines(other, strings.ToUpper(sumB)+"  "+helloArm)},
		{name: "crlf and blank lines", list: "\r\n" + other + "\r\n" + sumB + "  " +
			helloArm + "\r\n\r\n"},
		{name: "indented, without a final newline", list: "  " + sumB + "  " + helloArm},
		{name: "other sums first", list: lines(
			strings.Repeat("f", 128)+"  "+helloArm, // sha512, not sha256
			sumC+"  "+helloArm+".sig",
			sumD+"  other/"+helloArm,
			sumB+"  "+helloArm)},
	}
	doc := githubDoc("latest", helloAsset, helloArch, helloMbr, helloCheck)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{
				latestURL: helloRelease(t), sumsURL: tt.list,
			}}
			g, _ := convertGitHub(t, doc, arm64, f)
			url := dlBase + "v1.2.0/" + helloArm
			checkDownload(t, g, releaseStep(arm64, "v1.2.0", url), url, helloArm, sumB)
		})
	}
}

func TestGitHubReleaseSpecSHA256Wins(t *testing.T) {
	t.Parallel()
	doc := githubDoc("latest", helloAsset, helloArch, helloMbr, helloCheck,
		"sha256: {linux/arm64/v8: "+sumC+"}")
	sums := lines(sumA+"  "+helloX86, sumB+"  "+helloArm)
	tests := []struct {
		target ocispecs.Platform
		asset  string
		sum    string
		calls  []string
	}{
		// The spec's checksum is used; the publisher's list is not read.
		{target: arm64, asset: helloArm, sum: sumC, calls: []string{latestURL}},
		// The spec has none for amd64: the publisher's is used.
		{target: amd64, asset: helloX86, sum: sumA, calls: []string{latestURL, sumsURL}},
	}
	for _, tt := range tests {
		t.Run(platforms.Format(tt.target), func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{latestURL: helloRelease(t), sumsURL: sums}}
			g, final := convertGitHub(t, doc, tt.target, f)
			if !slices.Equal(f.calls, tt.calls) {
				t.Errorf("Fetch calls = %q, want %q", f.calls, tt.calls)
			}
			url := dlBase + "v1.2.0/" + tt.asset
			checkDownload(t, g, releaseStep(tt.target, "v1.2.0", url), url, tt.asset, tt.sum)
			tools := toolList(t, final, tt.target)
			if len(tools) != 1 || tools[0].SHA256 != tt.sum {
				t.Errorf("tool list = %+v, want sha256 %s", tools, tt.sum)
			}
		})
	}
}

func TestGitHubReleaseQuotesVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tag    string
		arch   string
		assets []string
		want   string
	}{
		{
			// Unquoted, the dots would match any character.
			name: "dots", tag: "v1.2.0",
			assets: []string{"hello_1x2y0_arm64", "hello_1.2.0_arm64", "hello_1.2.0_arm64.sbom"},
			want:   "hello_1.2.0_arm64",
		},
		{
			// Unquoted, + would repeat the 0 and match no asset.
			name: "plus", tag: "v1.0.0+build.1",
			assets: []string{"hello_1.0.00build.1_arm64", "hello_1.0.0+build.1_arm64"},
			want:   "hello_1.0.0+build.1_arm64",
		},
		{
			name: "arch token", tag: "v1.2.0", arch: "arch: {arm64: arm.v8+}",
			assets: []string{"hello_1.2.0_armxv88", "hello_1.2.0_arm.v8+"},
			want:   "hello_1.2.0_arm.v8+",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{
				latestURL: releaseJSON(t, tt.tag, tt.assets...),
			}}
			more := []string{"asset: hello_${VERSION}_${ARCH}"}
			if tt.arch != "" {
				more = append(more, tt.arch)
			}
			g, _ := convertGitHub(t, githubDoc("latest", more...), arm64, f)
			url := dlBase + tt.tag + "/" + tt.want
			checkDownload(t, g, releaseStep(arm64, tt.tag, url), url, tt.want, "")
		})
	}
}

// toolList reads the tool list the final image of target is given.
func toolList(t *testing.T, g *ops, target ocispecs.Platform) []graph.Tool {
	t.Helper()
	op, _ := g.one(t, "["+platforms.Format(target)+" final] write "+graph.ToolList)
	for _, a := range op.GetFile().GetActions() {
		if m := a.GetMkfile(); m != nil {
			var tools []graph.Tool
			if err := json.Unmarshal(m.Data, &tools); err != nil {
				t.Fatalf("tool list = %s: %v", m.Data, err)
			}
			return tools
		}
	}
	t.Fatalf("%s writes no file", graph.ToolList)
	return nil
}

func TestGitHubToolList(t *testing.T) {
	t.Parallel()
	doc := lines(
		"version: 1",
		"builder:",
		"  releases:",
		"    - name: hello",
		"      github: acme/hello",
		"      version: latest",
		"      "+helloAsset,
		"      "+helloArch,
		"      "+helloCheck,
		"    - name: plain",
		"      version: 2.0.0",
		"      url: https://example.com/plain_${ARCH}",
	)
	sums := lines(sumA+"  "+helloX86, sumB+"  "+helloArm)
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		t.Run(platforms.Format(target), func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{latestURL: helloRelease(t), sumsURL: sums}}
			_, final := convertGitHub(t, doc, target, f)
			asset, sum := helloX86, sumA
			if target.Architecture == "arm64" {
				asset, sum = helloArm, sumB
			}
			want := []graph.Tool{
				{Name: "hello", Kind: "release", Version: "v1.2.0",
					Source: dlBase + "v1.2.0/" + asset, SHA256: sum},
				{Name: "plain", Kind: "release", Version: "2.0.0",
					Source: "https://example.com/plain_" + target.Architecture},
			}
			if got := toolList(t, final, target); !slices.Equal(got, want) {
				t.Errorf("tool list = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestGitHubReleaseErrors(t *testing.T) {
	t.Parallel()
	full := githubDoc("latest", helloAsset, helloArch, helloMbr, helloCheck)
	tagURL := "https://api.github.com/repos/acme/hello/releases/tags/v9.9.9"
	tests := []struct {
		name    string
		doc     string
		answers map[string]any
		noFetch bool
		want    string
		calls   []string
	}{
		{
			name: "no asset matches", doc: githubDoc("latest", "asset: 'hello_.*\\.zip'"),
			want: `variant.yaml:7:14: builder.releases[0].asset: "^(?:hello_.*\\.zip)$" ` +
				"matches no asset of release v1.2.0 for arm64; its assets are " +
				helloX86 + ", " + helloArm + ", " + helloSums,
		},
		{
			name: "several assets match", doc: githubDoc("latest", "asset: 'hello_.*'"),
			want: `variant.yaml:7:14: builder.releases[0].asset: "^(?:hello_.*)$" ` +
				"matches 3 assets of release v1.2.0 for arm64: " + helloX86 + ", " +
				helloArm + ", " + helloSums + "; make it match one",
		},
		{
			name: "the arch token is not mapped",
			doc:  githubDoc("latest", helloAsset),
			want: `variant.yaml:7:14: builder.releases[0].asset: ` +
				`"^(?:hello_1\\.2\\.0_linux_arm64\\.tar\\.gz)$" matches no asset`,
		},
		{
			name: "no checksums asset", doc: githubDoc("latest", helloAsset, helloArch,
				"checksums: 'SHA256SUMS'"),
			want: `variant.yaml:9:18: builder.releases[0].checksums: "^(?:SHA256SUMS)$" ` +
				"matches no asset of release v1.2.0 for arm64; its assets are",
		},
		{
			name: "checksum missing from the list", doc: full,
			answers: map[string]any{sumsURL: lines(sumA + "  " + helloX86)},
			want: "variant.yaml:10:18: builder.releases[0].checksums: " + helloSums +
				" lists no sha256 for " + helloArm,
			calls: []string{latestURL, sumsURL},
		},
		{
			name: "checksums list not found", doc: full,
			want: "variant.yaml:10:18: builder.releases[0].checksums: fetch " + helloSums +
				": GET " + sumsURL + ": 404 Not Found",
			calls: []string{latestURL, sumsURL},
		},
		{
			name: "release not found", doc: githubDoc("v9.9.9", helloAsset),
			want: "variant.yaml:5:15: builder.releases[0].github: look up " + tagURL +
				": GET " + tagURL + ": 404 Not Found",
			calls: []string{tagURL},
		},
		{
			name: "api failure", doc: full,
			answers: map[string]any{latestURL: errors.New("403 rate limit exceeded")},
			want: "variant.yaml:5:15: builder.releases[0].github: look up " + latestURL +
				": 403 rate limit exceeded",
			calls: []string{latestURL},
		},
		{
			name: "answer that is no json", doc: full,
			answers: map[string]any{latestURL: "<html>sign in</html>"},
			want: "variant.yaml:5:15: builder.releases[0].github: " + latestURL +
				" did not answer with a release",
		},
		{
			name: "answer without a tag", doc: full,
			answers: map[string]any{latestURL: `{"message": "Not Found"}`},
			want: "variant.yaml:5:15: builder.releases[0].github: " + latestURL +
				" did not answer with a release",
		},
		{
			name: "no fetch", doc: full, noFetch: true,
			want: "variant.yaml:5:15: builder.releases[0].github: this build cannot " +
				"fetch from the GitHub API",
			calls: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeGitHub{answers: map[string]any{latestURL: helloRelease(t)}}
			for k, v := range tt.answers {
				f.answers[k] = v
			}
			fs, s := resolve(t, tt.doc, arm64)
			o := options(fs, arm64)
			withHelper(o)
			if !tt.noFetch {
				o.Fetch = f.fetch
			}
			_, _, err := graph.Executables(context.Background(), s, o)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Executables(%q) = %v\nwant %s", tt.doc, err, tt.want)
			}
			calls := tt.calls
			if calls == nil {
				calls = []string{latestURL}
			}
			if len(calls) == 0 {
				calls = nil
			}
			if !slices.Equal(f.calls, calls) {
				t.Errorf("Fetch calls = %q, want %q", f.calls, calls)
			}
		})
	}
}

func TestGitHubToolListSourceOfTheSameName(t *testing.T) {
	t.Parallel()
	// A source's name is not an output name, so it may be a release's.
	doc := githubDoc("latest", helloAsset, helloArch) + lines(
		"  sources:",
		"    - name: hello",
		"      git: https://example.com/hello.git",
		"      ref: v1.0.0",
		"      image: golang:1.26",
		"      run: go build -o /out/hello-dev .",
	)
	f := &fakeGitHub{answers: map[string]any{latestURL: helloRelease(t)}}
	_, final := convertGitHub(t, doc, arm64, f)
	want := []graph.Tool{
		{Name: "hello", Kind: "release", Version: "v1.2.0",
			Source: dlBase + "v1.2.0/" + helloArm},
		{Name: "hello", Kind: "source", Version: "v1.0.0",
			Source: "https://example.com/hello.git"},
	}
	if got := toolList(t, final, arm64); !slices.Equal(got, want) {
		t.Errorf("tool list = %+v\nwant %+v", got, want)
	}
}
