package graph

import (
	"context"
	"fmt"
	"os"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// releaseSHA256 is a release's checksum for a platform, if the spec has one.
// Keys match in normal form: linux/arm64/v8 and linux/aarch64 are linux/arm64.
func releaseSHA256(r *spec.Release, p ocispecs.Platform) string {
	want := platforms.Format(platforms.Normalize(p))
	for k, v := range r.SHA256 {
		kp, err := platforms.Parse(k)
		if err == nil && platforms.Format(platforms.Normalize(kp)) == want {
			return v
		}
	}
	return ""
}

// download fetches a URL; BuildKit verifies the checksum when there is one.
func download(url, file, sum string, name llb.ConstraintsOpt, at []llb.ConstraintsOpt) llb.State {
	opts := []llb.HTTPOption{llb.Filename(file), name}
	if sum != "" {
		opts = append(opts, llb.Checksum(digest.NewDigestFromEncoded(digest.SHA256, sum)))
	}
	for _, c := range at {
		opts = append(opts, c)
	}
	return llb.HTTP(url, opts...)
}

// release downloads one release for the target platform and returns a
// filesystem holding only its executable, named after the release.
func release(ctx context.Context, r *spec.Release, i int, o *Options) (llb.State, error) {
	field := fmt.Sprintf("builder.releases[%d]", i)
	version, sum := r.Version, releaseSHA256(r, o.Target)
	u, member, err := r.For(o.Target.Architecture)
	if err != nil {
		return llb.State{}, o.errorf(field+".url", "%v", err)
	}
	if r.GitHub != "" {
		a, err := resolveGitHub(ctx, r, field, o)
		if err != nil {
			return llb.State{}, err
		}
		version, sum, u = a.tag, a.sha256, a.url
		if _, member, err = r.WithVersion(a.version).For(o.Target.Architecture); err != nil {
			return llb.State{}, o.errorf(field+".extract", "%v", err)
		}
		o.remember(Tool{Name: r.Name, Kind: "release", Version: a.tag, Source: u, SHA256: sum})
	}
	file := spec.URLFileName(u)
	dl := download(u, file, sum,
		stepName(o.Target, "release", fmt.Sprintf("%s %s: %s", r.Name, version, u)),
		o.about(field, r.Name))
	if r.Extract == "" {
		return llb.Scratch().File(llb.Copy(dl, file, "/"+r.Name, &llb.CopyInfo{
			Mode: &llb.ChmodOpt{Mode: os.FileMode(0o755)},
		}), stepName(o.Target, "release", "take "+r.Name)), nil
	}
	st, err := extract(dl, file, member, r.Name, 0o755,
		stepName(o.Target, "release", fmt.Sprintf("extract %s from %s", member, file)), o)
	if err != nil {
		return llb.State{}, o.errorf(field+".extract", "%v", err)
	}
	return st, nil
}

// extract runs the frontend's own extract helper on a downloaded archive
// and returns a filesystem holding only the member, as out.
func extract(dl llb.State, file, member, out string, mode os.FileMode,
	name llb.ConstraintsOpt, o *Options) (llb.State, error) {
	if o.Helper == nil {
		return llb.State{}, fmt.Errorf("the frontend's own image is unknown, so it cannot " +
			"extract archives")
	}
	run := o.Helper.Run(
		llb.Args([]string{HelperBinary, "extract", "-member", member, "-out", "/out/" + out,
			"-mode", fmt.Sprintf("%04o", mode), "/in/" + file}),
		llb.Platform(o.Build),
		name,
		llb.AddMount("/in", dl, llb.Readonly),
	)
	return run.AddMount("/out", llb.Scratch()), nil
}

// addFiles downloads the spec's files into the image, owned by root.
func addFiles(st llb.State, files []spec.FileDownload, o *Options) (llb.State, error) {
	for i := range files {
		f := &files[i]
		field := fmt.Sprintf("final.files[%d]", i)
		file := spec.URLFileName(f.URL)
		mode, err := spec.FileMode(f.Mode)
		if err != nil {
			return llb.State{}, o.errorf(field+".mode", "%v", err)
		}
		src := download(f.URL, file, f.SHA256,
			stepName(o.Target, "file", fmt.Sprintf("%s: %s", f.Path, f.URL)),
			o.about(field, f.Path))
		srcPath := "/" + file
		if f.Extract != "" {
			src, err = extract(src, file, f.Extract, "file", os.FileMode(mode),
				stepName(o.Target, "file", fmt.Sprintf("extract %s from %s", f.Extract, file)), o)
			if err != nil {
				return llb.State{}, o.errorf(field+".extract", "%v", err)
			}
			srcPath = "/file"
		}
		st = st.File(llb.Copy(src, srcPath, f.Path, &llb.CopyInfo{
			CreateDestPath: true,
			ChownOpt:       &llb.ChownOpt{User: &llb.UserOpt{UID: 0}, Group: &llb.UserOpt{UID: 0}},
			Mode:           &llb.ChmodOpt{Mode: os.FileMode(mode)},
		}), stepName(o.Target, "final", "add "+f.Path))
	}
	return st, nil
}
