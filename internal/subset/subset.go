// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package subset copies some of the spans of a ptrace.Traces into a new
// one, each under a copy of its resource and scope (attributes, schema
// URLs), with the grouping and order of the source. The retry of a partly
// delivered batch re-sends only the unsent spans with it; the assembly
// stage forwards a batch without the spans it holds, and stores those.
// The source is never modified: it may be shared and read-only.
package subset // import "github.com/respanai/respanexporter/internal/subset"

import "go.opentelemetry.io/collector/pdata/ptrace"

// Pos is where a span stands in its Traces: the indexes of its resource,
// scope and span, and N, its position counting every span before it.
type Pos struct {
	Resource, Scope, Span, N int
}

// Traces returns the spans of td for which keep is true. When edit is not
// nil it is called with each copy (to change the copy, not td).
func Traces(td ptrace.Traces, keep func(Pos) bool, edit func(Pos, ptrace.Span)) ptrace.Traces {
	out := ptrace.NewTraces()
	p := Pos{}
	rss := td.ResourceSpans()
	for p.Resource = 0; p.Resource < rss.Len(); p.Resource++ {
		rs := rss.At(p.Resource)
		var drs ptrace.ResourceSpans
		haveRS := false
		sss := rs.ScopeSpans()
		for p.Scope = 0; p.Scope < sss.Len(); p.Scope++ {
			ss := sss.At(p.Scope)
			var dss ptrace.ScopeSpans
			haveSS := false
			spans := ss.Spans()
			for p.Span = 0; p.Span < spans.Len(); p.Span, p.N = p.Span+1, p.N+1 {
				if !keep(p) {
					continue
				}
				if !haveRS {
					drs = appendResource(out, rs)
					haveRS = true
				}
				if !haveSS {
					dss = appendScope(drs, ss)
					haveSS = true
				}
				dst := dss.Spans().AppendEmpty()
				spans.At(p.Span).CopyTo(dst)
				if edit != nil {
					edit(p, dst)
				}
			}
		}
	}
	return out
}

func appendResource(td ptrace.Traces, rs ptrace.ResourceSpans) ptrace.ResourceSpans {
	drs := td.ResourceSpans().AppendEmpty()
	rs.Resource().CopyTo(drs.Resource())
	drs.SetSchemaUrl(rs.SchemaUrl())
	return drs
}

func appendScope(drs ptrace.ResourceSpans, ss ptrace.ScopeSpans) ptrace.ScopeSpans {
	dss := drs.ScopeSpans().AppendEmpty()
	ss.Scope().CopyTo(dss.Scope())
	dss.SetSchemaUrl(ss.SchemaUrl())
	return dss
}
