// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"fmt"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanKey identifies a span across the batch.
type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// Translate turns every span of td into a span log. It never panics on
// malformed input: spans without usable ids are dropped and counted, every
// other oddity is repaired and noted in the span's warnings.
func (t *Translator) Translate(td ptrace.Traces) *Result {
	return t.translate(td, nil)
}

// translate is Translate and TranslateWith: prior (optional) supplies the
// facts of spans of the batch's traces that were translated before.
func (t *Translator) translate(td ptrace.Traces, prior PriorFacts) *Result {
	res := &Result{Dropped: map[DropReason]int{}}
	v := newSpanView(&t.opts)
	v.providerIDs = t.providerIDs

	// One allocation for all span logs and facts of the batch.
	total := td.SpanCount()
	slab := make([]SpanLog, 0, total)
	facts := make([]spanFacts, 0, total)
	res.Logs = make([]*SpanLog, 0, total)
	v.batch = &batchCache{tools: map[string]cachedTools{}}
	rss := td.ResourceSpans()
	for ri := 0; ri < rss.Len(); ri++ {
		rs := rss.At(ri)
		resource := rs.Resource().Attributes()
		sss := rs.ScopeSpans()
		for si := 0; si < sss.Len(); si++ {
			ss := sss.At(si)
			scope := ss.Scope()
			spans := ss.Spans()
			for pi := 0; pi < spans.Len(); pi++ {
				span := spans.At(pi)
				if span.TraceID().IsEmpty() {
					res.Dropped[DropMissingTraceID]++
					continue
				}
				if span.SpanID().IsEmpty() {
					res.Dropped[DropMissingSpanID]++
					continue
				}
				isRoot := span.ParentSpanID().IsEmpty()
				v.reset(span, scope.Name(), resource, isRoot)
				slab = append(slab, SpanLog{Source: SourceRef{Resource: ri, Scope: si, Span: pi}})
				sl := &slab[len(slab)-1]
				f := translateSpan(v, sl, scope, resource)
				res.TruncatedFields += v.truncated
				res.Logs = append(res.Logs, sl)
				facts = append(facts, f)
			}
		}
	}
	if prior == nil {
		t.linkBatch(res.Logs, facts)
	} else {
		res.Facts = factsOf(res.Logs, facts)
		logs, all, n := priorLinks(res.Logs, facts, prior)
		res.FromPrior = n
		t.linkBatch(logs, all)
	}
	res.Problems = problems(res)
	return res
}

// problems describes each distinct issue of the batch once.
func problems(res *Result) []string {
	var out []string
	reasons := make([]string, 0, len(res.Dropped))
	for r, n := range res.Dropped {
		if n > 0 {
			reasons = append(reasons, fmt.Sprintf("%d span(s) dropped: %s", n, dropText(r)))
		}
	}
	sort.Strings(reasons)
	out = append(out, reasons...)
	if res.TruncatedFields > 0 {
		out = append(out, fmt.Sprintf("%d field(s) truncated to the configured size caps", res.TruncatedFields))
	}
	return out
}

func dropText(r DropReason) string {
	switch r {
	case DropMissingTraceID:
		return "empty or all-zero trace id (Respan requires trace_unique_id)"
	case DropMissingSpanID:
		return "empty or all-zero span id (Respan requires span_unique_id)"
	}
	return string(r)
}

// linkBatch runs the batch-local passes: identifier and workflow
// propagation (§5.8) and nested-usage de-duplication (§5.5).
func (t *Translator) linkBatch(logs []*SpanLog, facts []spanFacts) {
	if len(logs) == 0 {
		return
	}
	index := make(map[spanKey]int, len(logs))
	for i, f := range facts {
		index[spanKey{f.traceID, f.spanID}] = i
	}
	parent := make([]int, len(logs))
	for i, f := range facts {
		parent[i] = -1
		if f.parentID.IsEmpty() {
			continue
		}
		if p, ok := index[spanKey{f.traceID, f.parentID}]; ok && p != i {
			parent[i] = p
		}
	}
	depth := depths(parent)

	if t.opts.PropagateIdentifiers {
		propagate(logs, facts, parent, depth)
	} else {
		for i, sl := range logs {
			setIdentifiers(sl, facts[i].ids)
			sl.SpanWorkflowName = facts[i].workflow
			if sl.SpanWorkflowName == "" && sl.ParentID == "" {
				sl.SpanWorkflowName = facts[i].marker
			}
		}
	}
	if t.opts.DedupeNestedUsage {
		dedupeUsage(logs, facts, parent)
	}
}

// depths computes each span's distance to its top-most in-batch ancestor.
// Cycles (possible with hostile ids) are cut by a step bound.
func depths(parent []int) []int {
	depth := make([]int, len(parent))
	for i := range parent {
		d, p := 0, parent[i]
		for p >= 0 && d <= len(parent) {
			d++
			p = parent[p]
		}
		depth[i] = d
	}
	return depth
}

// ancestors calls fn for each in-batch ancestor, nearest first; fn returns
// false to stop. Cycle-safe.
func ancestors(parent []int, i int, fn func(a int) bool) {
	for steps, p := 0, parent[i]; p >= 0 && steps <= len(parent); steps++ {
		if !fn(p) {
			return
		}
		p = parent[p]
	}
}

func propagate(logs []*SpanLog, facts []spanFacts, parent, depth []int) {
	// Per trace: the top-most span holding each identifier and the
	// top-most span holding a workflow marker.
	type traceTop struct {
		ids          identifiers
		idDepth      [5]int
		marker       string
		markerDepth  int
		rootName     string
		rootIsModel  bool
		hasRootFound bool
	}
	tops := map[pcommon.TraceID]*traceTop{}
	for i, f := range facts {
		tt := tops[f.traceID]
		if tt == nil {
			tt = &traceTop{markerDepth: -1, idDepth: [5]int{-1, -1, -1, -1, -1}}
			tops[f.traceID] = tt
		}
		d := depth[i]
		fields := [5]string{f.ids.customer, f.ids.email, f.ids.name, f.ids.thread, f.ids.traceGroup}
		dst := [5]*string{&tt.ids.customer, &tt.ids.email, &tt.ids.name, &tt.ids.thread, &tt.ids.traceGroup}
		for k := range fields {
			if fields[k] != "" && (tt.idDepth[k] < 0 || d < tt.idDepth[k]) {
				*dst[k] = fields[k]
				tt.idDepth[k] = d
			}
		}
		if f.marker != "" && (tt.markerDepth < 0 || d < tt.markerDepth) {
			tt.marker, tt.markerDepth = f.marker, d
		}
		if logs[i].ParentID == "" && !tt.hasRootFound {
			tt.rootName, tt.rootIsModel, tt.hasRootFound = logs[i].SpanName, f.modelCall, true
		}
	}
	for i, sl := range logs {
		ids := facts[i].ids
		ancestors(parent, i, func(a int) bool {
			ids.fill(facts[a].ids)
			return !ids.complete()
		})
		tt := tops[facts[i].traceID]
		ids.fill(tt.ids)
		setIdentifiers(sl, ids)

		switch {
		case facts[i].workflow != "":
			sl.SpanWorkflowName = facts[i].workflow
		case tt.marker != "":
			sl.SpanWorkflowName = tt.marker
		case tt.hasRootFound && !tt.rootIsModel:
			sl.SpanWorkflowName = tt.rootName
		}
	}
}

func setIdentifiers(sl *SpanLog, ids identifiers) {
	sl.CustomerIdentifier = ids.customer
	sl.CustomerEmail = ids.email
	sl.CustomerName = ids.name
	sl.ThreadIdentifier = ids.thread
	sl.TraceGroupIdentifier = ids.traceGroup
}

// dedupeUsage keeps usage on the innermost of nested model-call spans
// reporting the same tokens; outer copies move to metadata.suppressed_usage.
func dedupeUsage(logs []*SpanLog, facts []spanFacts, parent []int) {
	suppressed := make([]bool, len(logs))
	for i, f := range facts {
		if !f.modelCall || !(f.usage.prompt.Set || f.usage.completion.Set) {
			continue
		}
		ancestors(parent, i, func(a int) bool {
			af := facts[a]
			if af.modelCall && !suppressed[a] && af.usage.prompt == f.usage.prompt && af.usage.completion == f.usage.completion {
				suppressed[a] = true
				sl := logs[a]
				m := af.usage.asMap()
				m["reason"] = "same usage reported by nested model-call span"
				m["child_span_id"] = logs[i].SpanID
				sl.SetMetadata("suppressed_usage", m)
				sl.PromptTokens, sl.CompletionTokens, sl.TotalRequestTokens = OptInt{}, OptInt{}, OptInt{}
				sl.CacheHitTokens, sl.CacheCreationTokns, sl.ReasoningTokens = OptInt{}, OptInt{}, OptInt{}
				sl.Cost = OptFloat{}
			}
			return true
		})
	}
}
