// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package benchdata

import (
	"math/rand/v2"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Interleave returns the spans of td as one process's batch span processor
// exports them: under one resource (td's first), one scope per
// instrumentation scope name, the spans of concurrent traces mixed in a
// seed-dependent order. Traces then share resources and scopes, which
// Traces alone never does (it gives every agent run a resource of its own).
func Interleave(td ptrace.Traces, seed uint64) ptrace.Traces {
	type placed struct {
		span  ptrace.Span
		scope int
	}
	out := ptrace.NewTraces()
	rss := td.ResourceSpans()
	if rss.Len() == 0 {
		return out
	}
	rs := out.ResourceSpans().AppendEmpty()
	rss.At(0).Resource().CopyTo(rs.Resource())
	rs.SetSchemaUrl(rss.At(0).SchemaUrl())
	scopes := map[string]int{}
	var spans []placed
	for r := 0; r < rss.Len(); r++ {
		sss := rss.At(r).ScopeSpans()
		for s := 0; s < sss.Len(); s++ {
			ss := sss.At(s)
			i, ok := scopes[ss.Scope().Name()]
			if !ok {
				i = rs.ScopeSpans().Len()
				scopes[ss.Scope().Name()] = i
				dst := rs.ScopeSpans().AppendEmpty()
				ss.Scope().CopyTo(dst.Scope())
				dst.SetSchemaUrl(ss.SchemaUrl())
			}
			for k := 0; k < ss.Spans().Len(); k++ {
				spans = append(spans, placed{ss.Spans().At(k), i})
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x1e_a7e))
	rng.Shuffle(len(spans), func(a, b int) { spans[a], spans[b] = spans[b], spans[a] })
	for _, p := range spans {
		p.span.CopyTo(rs.ScopeSpans().At(p.scope).Spans().AppendEmpty())
	}
	return out
}
