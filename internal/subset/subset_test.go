// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package subset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/tracetest"
)

func TestTracesKeepsGroupingAndEditsOnlyTheCopy(t *testing.T) {
	td := tracetest.Make(2, 2, 2) // spans 0..7
	td.MarkReadOnly()
	all := tracetest.SpanIDs(td)
	var seen []Pos
	out := Traces(td, func(p Pos) bool { return p.N == 1 || p.N >= 6 }, func(p Pos, sp ptrace.Span) {
		seen = append(seen, p)
		sp.SetName("edited")
	})
	assert.Equal(t, []string{all[1], all[6], all[7]}, tracetest.SpanIDs(out))
	assert.Equal(t, []Pos{{0, 0, 1, 1}, {1, 1, 0, 6}, {1, 1, 1, 7}}, seen)
	require.Equal(t, 2, out.ResourceSpans().Len(), "one entry per resource with kept spans")
	assert.Equal(t, 1, out.ResourceSpans().At(1).ScopeSpans().Len(), "one entry per scope with kept spans")
	assert.Equal(t, "scope-b", out.ResourceSpans().At(1).ScopeSpans().At(0).Scope().Name())
	assert.Equal(t, "span", td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).Name(), "source untouched")
}
