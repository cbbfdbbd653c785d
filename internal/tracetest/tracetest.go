// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package tracetest builds small ptrace.Traces for the tests of the
// exporter's packages, so that they share one notion of "span n".
package tracetest // import "github.com/respanai/respanexporter/internal/tracetest"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SpanID returns the 8-byte id whose hex form identifies span n.
func SpanID(n int) pcommon.SpanID {
	return pcommon.SpanID{0xaa, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// Make builds resources×scopes×spans spans with unique ids (SpanID(0),
// SpanID(1), … in order); the resource attribute "res" and the scope name
// ("scope-a", "scope-b", …) keep their position.
func Make(resources, scopes, spans int) ptrace.Traces {
	td := ptrace.NewTraces()
	n := 0
	for r := 0; r < resources; r++ {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutInt("res", int64(r))
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
		for s := 0; s < scopes; s++ {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("scope-" + string(rune('a'+s)))
			for i := 0; i < spans; i++ {
				sp := ss.Spans().AppendEmpty()
				sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(r + 1)})
				sp.SetSpanID(SpanID(n))
				sp.SetName("span")
				n++
			}
		}
	}
	return td
}

// SpanIDs lists the span ids of td in order.
func SpanIDs(td ptrace.Traces) []string {
	var out []string
	for r := 0; r < td.ResourceSpans().Len(); r++ {
		rs := td.ResourceSpans().At(r)
		for s := 0; s < rs.ScopeSpans().Len(); s++ {
			spans := rs.ScopeSpans().At(s).Spans()
			for i := 0; i < spans.Len(); i++ {
				out = append(out, spans.At(i).SpanID().String())
			}
		}
	}
	return out
}
