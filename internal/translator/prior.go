// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SpanFact is what one translated span contributes to the trace-level
// passes (identifier and workflow propagation, nested-usage
// de-duplication): its ids, its own identifiers and workflow fields, and
// whether it is a model call with which usage. A caller that keeps the
// facts of spans already sent can hand them back to TranslateWith, so that
// a span translated later than the rest of its trace (a late span) is
// linked to them as if they were in its batch. Facts are small and carry
// no content; the zero value is not useful.
type SpanFact struct {
	f    spanFacts
	name string // span name, for the root-name workflow fallback
	root bool   // the span has no parent
}

// TraceID is the trace the span belongs to.
func (s *SpanFact) TraceID() pcommon.TraceID { return s.f.traceID }

// SpanID is the span's id.
func (s *SpanFact) SpanID() pcommon.SpanID { return s.f.spanID }

// Size estimates the memory the fact holds, in bytes (for bounding a
// cache of facts).
func (s *SpanFact) Size() int {
	const fixed = 176 // the struct itself: ids, usage, string headers
	ids := s.f.ids
	return fixed + len(s.name) + len(s.f.workflow) + len(s.f.marker) +
		len(ids.customer) + len(ids.email) + len(ids.name) + len(ids.thread) + len(ids.traceGroup)
}

// PriorFacts returns the facts remembered for a trace (nil when none). It
// is called at most once per distinct trace id of a batch.
type PriorFacts func(pcommon.TraceID) []SpanFact

// TranslateWith translates td like Translate, linking its spans to the
// prior facts of their traces: a prior span is an ancestor, a sibling or a
// descendant exactly as if it were in td, but produces no span log (it was
// sent already). What linking can change flows one way only: a span of td
// inherits identifiers and workflow name from prior spans and has its
// usage suppressed when a prior nested model call reported the same; a
// prior span is never changed. A prior fact whose span is also in td is
// ignored (td wins: a retry, or a duplicate delivery).
//
// Facts lists the facts of every span translated (for the caller to
// remember), and FromPrior counts the span logs whose trace had prior
// facts.
func (t *Translator) TranslateWith(td ptrace.Traces, prior PriorFacts) *Result {
	return t.translate(td, prior)
}

// priorLinks appends stand-in span logs and facts for the prior spans of
// the batch's traces, returning how many span logs of the batch belong to
// a trace with prior facts. The stand-ins take part in linkBatch and are
// discarded after it.
func priorLinks(logs []*SpanLog, facts []spanFacts, prior PriorFacts) ([]*SpanLog, []spanFacts, int) {
	inBatch := make(map[spanKey]struct{}, len(facts))
	for _, f := range facts {
		inBatch[spanKey{f.traceID, f.spanID}] = struct{}{}
	}
	asked := map[pcommon.TraceID][]SpanFact{}
	var last pcommon.TraceID
	var lastFacts []SpanFact
	fromPrior := 0
	n := len(logs)
	for i := 0; i < n; i++ {
		tid := facts[i].traceID
		if tid != last || i == 0 {
			pf, done := asked[tid]
			if !done {
				pf = prior(tid)
				asked[tid] = pf
				for k := range pf {
					p := &pf[k]
					if _, dup := inBatch[spanKey{p.f.traceID, p.f.spanID}]; dup {
						continue
					}
					stub := &SpanLog{SpanName: p.name, SpanID: p.f.spanID.String()}
					if !p.root {
						stub.ParentID = p.f.parentID.String()
					}
					logs = append(logs, stub)
					facts = append(facts, p.f)
				}
			}
			last, lastFacts = tid, pf
		}
		if len(lastFacts) > 0 {
			fromPrior++
		}
	}
	return logs, facts, fromPrior
}

// factsOf converts the facts of the translated spans for the caller.
func factsOf(dst []SpanFact, logs []*SpanLog, facts []spanFacts) []SpanFact {
	out := dst[:0]
	if cap(out) < len(facts) {
		out = make([]SpanFact, len(facts))
	}
	out = out[:len(facts)]
	for i := range facts {
		f := facts[i]
		// Only the fields linking compares are kept: prompt and completion
		// tokens decide whether nested usage is the same.
		f.usage = usage{prompt: f.usage.prompt, completion: f.usage.completion}
		out[i] = SpanFact{f: f, name: logs[i].SpanName, root: logs[i].ParentID == ""}
	}
	return out
}
