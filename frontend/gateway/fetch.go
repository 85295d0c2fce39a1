package gateway

import (
	"context"
	"fmt"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// fetcher reads URLs for GitHub release lookups. BuildKit downloads them, so
// the frontend itself needs no network, a release that did not change is
// not fetched again, and a secret HTTP_AUTH_TOKEN_<host> authenticates.
// Each URL is read once per build, for all platforms.
type fetcher struct {
	c client.Client

	mu   sync.Mutex
	urls map[string]*fetched
}

type fetched struct {
	once sync.Once
	dt   []byte
	err  error
}

func newFetcher(c client.Client) *fetcher {
	return &fetcher{c: c, urls: map[string]*fetched{}}
}

// fetch implements graph.Options.Fetch.
func (f *fetcher) fetch(ctx context.Context, url string) ([]byte, error) {
	f.mu.Lock()
	e, ok := f.urls[url]
	if !ok {
		e = &fetched{}
		f.urls[url] = e
	}
	f.mu.Unlock()
	e.once.Do(func() { e.dt, e.err = f.get(ctx, url) })
	return e.dt, e.err
}

func (f *fetcher) get(ctx context.Context, url string) ([]byte, error) {
	st := llb.HTTP(url, llb.Filename("response"),
		llb.Header(llb.HTTPHeader{Accept: "application/vnd.github+json"}),
		llb.WithCustomNamef("[internal] fetch %s", url))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := f.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, fmt.Errorf("fetch %s: no result", url)
	}
	return ref.ReadFile(ctx, client.ReadRequest{Filename: "response"})
}
