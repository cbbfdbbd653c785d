// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"cmp"
	"slices"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/translator"
)

// unsentTraces rebuilds, from td, a ptrace.Traces that holds only the spans
// the given span logs came from, keeping their resources and scopes (with
// attributes and schema URLs). It is what the retry sender re-sends after a
// partial failure, so spans already delivered are not sent twice. td is not
// modified.
func unsentTraces(td ptrace.Traces, logs []*translator.SpanLog) ptrace.Traces {
	refs := make([]translator.SourceRef, 0, len(logs))
	for _, l := range logs {
		refs = append(refs, l.Source)
	}
	slices.SortFunc(refs, func(a, b translator.SourceRef) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Span, b.Span))
	})
	refs = slices.Compact(refs)

	out := ptrace.NewTraces()
	var (
		dstRS      ptrace.ResourceSpans
		dstSS      ptrace.ScopeSpans
		lastRes    = -1
		lastScope  = -1
		srcRSSlice = td.ResourceSpans()
	)
	for _, ref := range refs {
		if ref.Resource < 0 || ref.Resource >= srcRSSlice.Len() {
			continue
		}
		srcRS := srcRSSlice.At(ref.Resource)
		if ref.Scope < 0 || ref.Scope >= srcRS.ScopeSpans().Len() {
			continue
		}
		srcSS := srcRS.ScopeSpans().At(ref.Scope)
		if ref.Span < 0 || ref.Span >= srcSS.Spans().Len() {
			continue
		}
		if ref.Resource != lastRes {
			dstRS = out.ResourceSpans().AppendEmpty()
			srcRS.Resource().CopyTo(dstRS.Resource())
			dstRS.SetSchemaUrl(srcRS.SchemaUrl())
			lastRes, lastScope = ref.Resource, -1
		}
		if ref.Scope != lastScope {
			dstSS = dstRS.ScopeSpans().AppendEmpty()
			srcSS.Scope().CopyTo(dstSS.Scope())
			dstSS.SetSchemaUrl(srcSS.SchemaUrl())
			lastScope = ref.Scope
		}
		srcSS.Spans().At(ref.Span).CopyTo(dstSS.Spans().AppendEmpty())
	}
	return out
}
