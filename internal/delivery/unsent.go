// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/subset"
	"github.com/respanai/respanexporter/internal/translator"
)

// UnsentTraces rebuilds, from td, a ptrace.Traces that holds only the spans
// the given span logs came from, keeping their resources and scopes (with
// attributes and schema URLs) and their order in td. It is what the retry
// sender re-sends after a partial failure, so spans already delivered are
// not sent twice. td is not modified.
func UnsentTraces(td ptrace.Traces, logs []*translator.SpanLog) ptrace.Traces {
	want := make(map[translator.SourceRef]bool, len(logs))
	for _, l := range logs {
		want[l.Source] = true
	}
	return subset.Traces(td, func(p subset.Pos) bool {
		return want[translator.SourceRef{Resource: p.Resource, Scope: p.Scope, Span: p.Span}]
	}, nil)
}
