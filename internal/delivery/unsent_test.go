// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/tracetest"
	"github.com/respanai/respanexporter/internal/translator"
)

func TestUnsentTracesKeepsOnlyGivenSpansWithTheirResourceAndScope(t *testing.T) {
	td := tracetest.Make(2, 2, 3) // ids 0..11
	td.ResourceSpans().At(1).ScopeSpans().At(0).Scope().Attributes().PutStr("k", "v")
	td.ResourceSpans().At(1).ScopeSpans().At(0).SetSchemaUrl("https://scope.schema")
	all := tracetest.SpanIDs(td)
	logs := []*translator.SpanLog{
		{Source: translator.SourceRef{Resource: 1, Scope: 0, Span: 2}},
		{Source: translator.SourceRef{Resource: 0, Scope: 1, Span: 0}},
		{Source: translator.SourceRef{Resource: 1, Scope: 0, Span: 0}},
		{Source: translator.SourceRef{Resource: 1, Scope: 0, Span: 0}}, // duplicate
		{Source: translator.SourceRef{Resource: 5, Scope: 0, Span: 0}}, // out of range
		{Source: translator.SourceRef{Resource: 0, Scope: 0, Span: 9}}, // out of range
	}

	out := UnsentTraces(td, logs)

	assert.Equal(t, []string{all[3], all[6], all[8]}, tracetest.SpanIDs(out), "input order, no duplicates")
	require.Equal(t, 2, out.ResourceSpans().Len())
	r0 := out.ResourceSpans().At(0)
	v, _ := r0.Resource().Attributes().Get("res")
	assert.Equal(t, int64(0), v.Int())
	assert.Equal(t, "https://opentelemetry.io/schemas/1.26.0", r0.SchemaUrl())
	require.Equal(t, 1, r0.ScopeSpans().Len())
	assert.Equal(t, "scope-b", r0.ScopeSpans().At(0).Scope().Name())

	r1 := out.ResourceSpans().At(1)
	v, _ = r1.Resource().Attributes().Get("res")
	assert.Equal(t, int64(1), v.Int())
	require.Equal(t, 1, r1.ScopeSpans().Len(), "both spans share one scope entry")
	ss := r1.ScopeSpans().At(0)
	assert.Equal(t, "scope-a", ss.Scope().Name())
	assert.Equal(t, "https://scope.schema", ss.SchemaUrl())
	kv, _ := ss.Scope().Attributes().Get("k")
	assert.Equal(t, "v", kv.Str())

	assert.Equal(t, 12, td.SpanCount(), "td is not modified")
}

func TestUnsentTracesEmpty(t *testing.T) {
	out := UnsentTraces(tracetest.Make(1, 1, 2), nil)
	assert.Equal(t, 0, out.SpanCount())
	assert.Equal(t, ptrace.NewTraces().ResourceSpans().Len(), out.ResourceSpans().Len())
}
