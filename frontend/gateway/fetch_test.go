package gateway_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cst-frontend/cst-frontend/frontend/gateway"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
)

// githubStub is a stub that also answers the frontend's fetches: a solve
// of nothing but one HTTP source returns the body served for its URL as the
// file "response", or no file when none is served. Those solves are
// recorded in fetches, not in builds.
type githubStub struct {
	*stub
	bodies map[string]string
	// noResult is a URL whose fetch returns a result without a reference.
	noResult string

	mu      sync.Mutex
	fetches []*pb.Definition
}

func (s *githubStub) Solve(ctx context.Context, req client.SolveRequest) (*client.Result,
	error) {
	ops, err := decodeOps(req.Definition)
	if err != nil {
		return nil, err
	}
	// llb.HTTP marshals to its source and the op that returns it.
	src := ops[0].GetSource()
	if len(ops) != 2 || src == nil || !strings.HasPrefix(src.Identifier, "https://") {
		return s.stub.Solve(ctx, req)
	}
	s.mu.Lock()
	s.fetches = append(s.fetches, req.Definition)
	s.mu.Unlock()
	res := client.NewResult()
	if src.Identifier == s.noResult {
		return res, nil
	}
	r := &ref{files: map[string][]byte{}}
	if body, ok := s.bodies[src.Identifier]; ok {
		r.files["response"] = []byte(body)
	}
	res.SetRef(r)
	return res, nil
}

const (
	ghLatest  = "https://ghe.example.com/api/v3/repos/acme/hello/releases/latest"
	ghDL      = "https://ghe.example.com/acme/hello/releases/download/"
	githubRow = 6 // the line of the release's github field in githubVariant
)

// githubVariant builds for two platforms with one release from GitHub.
var githubVariant = lines(
	"version: 1",
	"platforms: [linux/amd64, linux/arm64]",
	"builder:",
	"  releases:",
	"    - name: hello",
	"      github: acme/hello",
	"      version: latest",
	`      asset: 'hello_${VERSION}_linux_${ARCH}\.tar\.gz'`,
	"      arch: {amd64: x86_64, arm64: aarch64}",
	"      extract: hello_${VERSION}/hello",
	`      checksums: 'hello_${VERSION}_checksums\.txt'`,
	"      api: https://ghe.example.com/api/v3/",
	"final:",
	"  base: debian:bookworm",
)

var (
	sum1 = strings.Repeat("1", 64)
	sum2 = strings.Repeat("2", 64)
)

// githubBodies is what the fake GitHub serves when its latest release is
// version; the arm64 asset's sha256 is sum1 for 1.x and sum2 otherwise.
func githubBodies(version string) map[string]string {
	tag := "v" + version
	names := []string{"hello_" + version + "_linux_x86_64.tar.gz",
		"hello_" + version + "_linux_aarch64.tar.gz", "hello_" + version + "_checksums.txt"}
	var assets []string
	for _, n := range names {
		assets = append(assets, fmt.Sprintf(`{"name": %q, "browser_download_url": %q}`, n,
			ghDL+tag+"/"+n))
	}
	armSum := sum2
	if strings.HasPrefix(version, "1.") {
		armSum = sum1
	}
	return map[string]string{
		ghLatest: fmt.Sprintf(`{"tag_name": %q, "assets": [%s]}`, tag,
			strings.Join(assets, ", ")),
		ghDL + tag + "/" + names[2]: lines(strings.Repeat("0", 64)+"  "+names[0],
			armSum+"  "+names[1]),
	}
}

// buildGitHub runs gateway.Build against a githubStub serving doc and bodies.
func buildGitHub(doc string, bodies map[string]string, opts map[string]string) (
	*githubStub, error) {
	s := &githubStub{stub: newStub(doc, opts), bodies: bodies}
	_, err := gateway.Build(context.Background(), s)
	return s, err
}

// downloads returns a build's HTTP sources: URL to checksum.
func downloads(t *testing.T, def *pb.Definition) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, st := range steps(t, def) {
		if src := st.op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "https://") {
			m[src.Identifier] = src.Attrs[pb.AttrHTTPChecksum]
		}
	}
	return m
}

func TestBuildFetchesOncePerURL(t *testing.T) {
	t.Parallel()
	bodies := githubBodies("1.2.0")
	s, err := buildGitHub(githubVariant, bodies, nil)
	if err != nil {
		t.Fatalf("Build() = %v, want no error", err)
	}
	sumsURL := ghDL + "v1.2.0/hello_1.2.0_checksums.txt"
	var urls []string
	for _, def := range s.fetches {
		st := steps(t, def)
		src := st[0].op.GetSource()
		urls = append(urls, src.Identifier)
		if got := src.Attrs[pb.AttrHTTPHeaderPrefix+"accept"]; got !=
			"application/vnd.github+json" {
			t.Errorf("fetch %s Accept header = %q, want application/vnd.github+json",
				src.Identifier, got)
		}
		if got := src.Attrs[pb.AttrHTTPFilename]; got != "response" {
			t.Errorf("fetch %s file name = %q, want response", src.Identifier, got)
		}
		if want := "[internal] fetch " + src.Identifier; st[0].name != want {
			t.Errorf("fetch %s is named %q, want %q", src.Identifier, st[0].name, want)
		}
	}
	sort.Strings(urls)
	if want := []string{sumsURL, ghLatest}; !slices.Equal(urls, want) {
		t.Errorf("Build() fetched %q, want %q, once each for both platforms", urls, want)
	}
	if len(s.builds) != 2 {
		t.Fatalf("Build() solved %d builds, want 2", len(s.builds))
	}
	for i := range s.builds {
		p := finalPlatform(t, s.stub, i)
		want := map[string]string{
			ghDL + "v1.2.0/hello_1.2.0_linux_x86_64.tar.gz": "sha256:" + strings.Repeat("0", 64),
		}
		if p == "linux/arm64" {
			want = map[string]string{ghDL + "v1.2.0/hello_1.2.0_linux_aarch64.tar.gz": "sha256:" +
				sum1}
		}
		got := downloads(t, s.builds[i])
		if !maps.Equal(got, want) {
			t.Errorf("Build() for %s downloads %v, want %v", p, got, want)
		}
	}
}

func TestBuildFetchedReleaseChoosesAsset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		latest string
		url    string
		sum    string
	}{
		{latest: "1.2.0", url: ghDL + "v1.2.0/hello_1.2.0_linux_aarch64.tar.gz", sum: sum1},
		{latest: "2.0.0", url: ghDL + "v2.0.0/hello_2.0.0_linux_aarch64.tar.gz", sum: sum2},
	}
	for _, tt := range tests {
		t.Run(tt.latest, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"platform": "linux/arm64"}
			s, err := buildGitHub(githubVariant, githubBodies(tt.latest), opts)
			if err != nil {
				t.Fatalf("Build() = %v, want no error", err)
			}
			if len(s.builds) != 1 {
				t.Fatalf("Build() solved %d builds, want 1", len(s.builds))
			}
			got := downloads(t, s.builds[0])
			if len(got) != 1 || got[tt.url] != "sha256:"+tt.sum {
				t.Errorf("Build() downloads %v, want %s with sha256:%s", got, tt.url, tt.sum)
			}
			var names []string
			for _, st := range steps(t, s.builds[0]) {
				names = append(names, st.name)
			}
			want := "[linux/arm64 release] hello v" + tt.latest + ": " + tt.url
			if !slices.Contains(names, want) {
				t.Errorf("Build() steps = %q, want %q among them", names, want)
			}
		})
	}
}

func TestBuildFetchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bodies   map[string]string
		noResult string
		want     string
	}{
		{name: "no answer", bodies: map[string]string{},
			want: "variant.yaml:6:15: builder.releases[0].github: look up " + ghLatest +
				": open response: file does not exist"},
		{name: "no result", bodies: githubBodies("1.2.0"), noResult: ghLatest,
			want: "variant.yaml:6:15: builder.releases[0].github: look up " + ghLatest +
				": fetch " + ghLatest + ": no result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &githubStub{stub: newStub(githubVariant, nil), bodies: tt.bodies,
				noResult: tt.noResult}
			_, err := gateway.Build(context.Background(), s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build() = %v, want an error containing %q", err, tt.want)
			}
			if len(s.fetches) != 1 {
				t.Errorf("Build() fetched %d times, want once for both platforms",
					len(s.fetches))
			}
			if len(s.builds) != 0 {
				t.Errorf("Build() solved %d builds, want none", len(s.builds))
			}
			srcs := errdefs.Sources(err)
			if len(srcs) == 0 || len(srcs[len(srcs)-1].Ranges) == 0 {
				t.Fatalf("errdefs.Sources(%v) = %v, want the spec's line", err, srcs)
			}
			if r := srcs[len(srcs)-1].Ranges[0]; r.Start.Line != githubRow {
				t.Errorf("Build() error range starts on line %d, want %d", r.Start.Line,
					githubRow)
			}
		})
	}
}
