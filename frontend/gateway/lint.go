package gateway

import (
	"context"
	"fmt"

	"github.com/containerd/platforms"
	"github.com/cst-frontend/cst-frontend/frontend/lint"
	"github.com/cst-frontend/cst-frontend/frontend/spec"
	"github.com/moby/buildkit/frontend/gateway/client"
	sublint "github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/pb"
)

// lintFindings runs the lint rules on the spec resolved for the build
// platform, for the platforms being built.
func (b *build) lintFindings() ([]lint.Finding, error) {
	s, err := b.resolveOnBuild()
	if err != nil {
		return nil, err
	}
	targets := []string{platforms.Format(b.buildPlatform())}
	if len(b.bc.TargetPlatforms) > 0 {
		targets = targets[:0]
		for _, p := range b.bc.TargetPlatforms {
			targets = append(targets, platforms.Format(platforms.Normalize(p)))
		}
	}
	return lint.Check(b.file, s, targets), nil
}

// lintResults answers --call=check: every finding, located in the spec
// files.
func (b *build) lintResults(ctx context.Context) (*sublint.LintResults, error) {
	if err := b.prepare(ctx, false); err != nil {
		return nil, b.srcs.withSource(err)
	}
	found, err := b.lintFindings()
	if err != nil {
		return nil, b.srcs.withSource(err)
	}
	res := &sublint.LintResults{}
	for _, sm := range b.srcs.all(b.file) {
		res.AddSource(sm)
	}
	for _, f := range found {
		loc := location(b.file, f.Field)
		res.Warnings = append(res.Warnings, sublint.Warning{
			RuleName:    f.Rule.Name,
			Description: f.Rule.Description,
			URL:         f.Rule.URL(),
			Detail:      detail(b.file, f),
			Location:    loc,
		})
	}
	return res, nil
}

// warnFindings reports the lint findings as warnings of the build, once.
func (b *build) warnFindings(ctx context.Context) error {
	found, err := b.lintFindings()
	if err != nil {
		return err
	}
	for _, f := range found {
		loc := location(b.file, f.Field)
		sm := b.srcs.all(b.file)[loc.SourceIndex]
		info := &pb.SourceInfo{Filename: sm.Filename, Language: sm.Language, Data: sm.Data}
		if sm.Definition != nil {
			info.Definition = sm.Definition.ToPB()
		}
		b.srcs.entry.Warn(ctx, fmt.Sprintf("%s: %s", f.Rule.Name, detail(b.file, f)), client.WarnOpts{
			SourceInfo: info,
			Range:      loc.Ranges,
			URL:        f.Rule.URL(),
			Detail:     [][]byte{[]byte(f.Rule.Description)},
		})
	}
	return nil
}

// detail is a finding's detail, naming the file when the field is written in
// a spec that this one extends: docker buildx labels every source of a
// check's results with the entry spec's name.
func detail(f *spec.File, fd lint.Finding) string {
	if file := f.Pos(fd.Field).File; file != "" && file != f.Name {
		return fmt.Sprintf("%s (in %s)", fd.Detail, file)
	}
	return fd.Detail
}
