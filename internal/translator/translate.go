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
	v, _ := t.views.Get().(*spanView)
	if v == nil {
		v = newSpanView(&t.opts)
	}
	defer t.putView(v)
	v.providerIDs = t.providerIDs

	// One allocation for all span logs and facts of the batch.
	total := td.SpanCount()
	res.batch = t.batchMemory(total)
	v.batch, v.metaSlab = res.batch, nil
	slab, facts := res.batch.slab[:0], res.batch.facts[:0]
	res.Logs = res.batch.logs[:0]
	v.tools = &t.tools
	redact := newRedactState(t.opts.Redactor) // nil when redaction is off
	rss := td.ResourceSpans()
	for ri := 0; ri < rss.Len(); ri++ {
		rs := rss.At(ri)
		resource := rs.Resource().Attributes()
		// What the resource and each scope give every span's metadata is
		// computed once for all their spans.
		v.resMeta = v.resourceMetaFor(resource)
		sss := rs.ScopeSpans()
		for si := 0; si < sss.Len(); si++ {
			ss := sss.At(si)
			scope := ss.Scope()
			v.scope = v.scopeMetaFor(scope)
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
				f := translateSpan(v, sl)
				// REDACTION HOOK (issue 13): every content leaf of the
				// finished span log goes through the configured redactor
				// before linking and encoding. Keep this call when moving
				// the message path; TestRedactionHookCoversEverySource
				// fails without it.
				if redact != nil {
					redact.redactSpanLog(sl)
				}
				res.TruncatedFields += v.truncated
				res.Logs = append(res.Logs, sl)
				facts = append(facts, f)
			}
		}
	}
	if prior == nil {
		t.linkBatch(res.Logs, facts, &res.batch.link)
	} else {
		res.batch.pub = factsOf(res.batch.pub, res.Logs, facts)
		res.Facts = res.batch.pub
		logs, all, n := priorLinks(res.Logs, facts, prior)
		res.FromPrior = n
		t.linkBatch(logs, all, &res.batch.link)
	}
	if redact != nil {
		res.Redactions = redact.counted()
	}
	res.Problems = problems(res)
	return res
}

// batchMemory is the memory of one batch's span logs and facts: the
// largest allocations of a translation (a SpanLog is ~850 bytes), reused
// across batches through Release.
type batchMemory struct {
	slab  []SpanLog
	facts []spanFacts
	logs  []*SpanLog
	pub   []SpanFact // Result.Facts (TranslateWith)
	// meta holds the blocks the span logs' metadata slices are cut from
	// (spanView.sortedMeta), handed out in order and kept for the next
	// batch; metaUsed counts the blocks this batch has taken.
	meta     [][]MetadataEntry
	metaUsed int
	link     linkMemory
}

// metaBlock returns an empty block of at least n entries for sortedMeta:
// the next kept block when it is large enough, else a new one, kept too.
// A kept block too small for n is replaced where it stands, so a batch
// never keeps more blocks than it used.
func (b *batchMemory) metaBlock(n int) []MetadataEntry {
	if b.metaUsed < len(b.meta) {
		i := b.metaUsed
		b.metaUsed++
		if cap(b.meta[i]) < n {
			b.meta[i] = make([]MetadataEntry, 0, max(n, metaBlockEntries))
		}
		return b.meta[i][:0]
	}
	blk := make([]MetadataEntry, 0, max(n, metaBlockEntries))
	b.meta = append(b.meta, blk)
	b.metaUsed = len(b.meta)
	return blk
}

const (
	// metaBlockEntries is the size of a metadata block: a thousand spans'
	// metadata takes a few.
	metaBlockEntries = 1024
	// maxKeptMetaEntries bounds the metadata blocks a released batch
	// keeps: a batch of hostile spans must not make every later one clear
	// (and the pool hold) its blocks.
	maxKeptMetaEntries = 1 << 16
)

// linkMemory is linkBatch's scratch, kept with the batch's memory so that
// linking a batch of a pooled size allocates nothing.
type linkMemory struct {
	index     map[spanKey]int
	ints      []int // parent, depth, order and dedupeUsage's arrays, cut in turn
	used      int
	state     []uint8
	tops      map[pcommon.TraceID]int // into topList
	topList   []traceTop
	inherited []identifiers
	open      map[usageKey]int
}

// reset readies the scratch for a batch of n span logs.
func (m *linkMemory) reset(n int) {
	if m.index == nil {
		m.index = make(map[spanKey]int, n)
		m.tops = map[pcommon.TraceID]int{}
		m.open = map[usageKey]int{}
	}
	clear(m.index)
	clear(m.tops)
	clear(m.open)
	m.used = 0
	m.topList = m.topList[:0]
}

// release drops what the scratch holds of the batch's strings.
func (m *linkMemory) release() {
	clear(m.topList[:cap(m.topList)])
	clear(m.inherited[:cap(m.inherited)])
	// A hostile batch must not make every later one keep its scratch.
	if cap(m.ints) > 1<<20 {
		*m = linkMemory{}
	}
}

// take returns n zeroed ints cut from the scratch.
func (m *linkMemory) take(n int) []int {
	if cap(m.ints)-m.used < n {
		// Earlier cuts keep the old array; the next batch starts in this
		// one, large enough for all of it.
		m.ints = make([]int, max(2*cap(m.ints), 8*n))
		m.used = 0
	}
	out := m.ints[m.used : m.used+n : m.used+n]
	m.used += n
	clear(out)
	return out
}

// batchMemory returns memory for total span logs, a released batch's when
// one is large enough.
func (t *Translator) batchMemory(total int) *batchMemory {
	if b, ok := t.batches.Get().(*batchMemory); ok {
		if cap(b.slab) >= total {
			return b
		}
		t.batches.Put(b) // for a larger batch later
	}
	return &batchMemory{
		slab:  make([]SpanLog, 0, total),
		facts: make([]spanFacts, 0, total),
		logs:  make([]*SpanLog, 0, total),
	}
}

// Release hands the memory of res's span logs back for the next batch.
// Neither res.Logs, res.Facts nor any span log of it may be used
// afterwards (their strings may: those are not reused). Calling it is optional: a result
// never released is collected as usual.
func (t *Translator) Release(res *Result) {
	b := res.batch
	if b == nil {
		return
	}
	res.batch, res.Logs, res.Facts = nil, nil, nil
	// Cleared so that a pooled batch keeps nothing of this one alive.
	clear(b.slab[:cap(b.slab)])
	clear(b.facts[:cap(b.facts)])
	clear(b.logs[:cap(b.logs)])
	clear(b.pub[:cap(b.pub)])
	kept := 0
	for _, blk := range b.meta {
		kept += cap(blk)
	}
	if kept > maxKeptMetaEntries {
		b.meta = nil
	}
	for _, blk := range b.meta {
		clear(blk[:cap(blk)])
	}
	b.metaUsed = 0
	b.link.release()
	// Batches of a huge translation are not kept.
	if cap(b.slab) <= 1<<16 {
		t.batches.Put(b)
	}
}

// putView returns a view to the pool, dropping its references to the
// batch (the span logs keep what they use; the view's reused buffers and
// maps stay for the next batch).
func (t *Translator) putView(v *spanView) {
	v.span, v.attrs, v.resource = ptrace.Span{}, pcommon.Map{}, pcommon.Map{}
	v.batch, v.metaSlab = nil, nil // the batch's: its span logs hold them
	clear(v.keyPieces[:cap(v.keyPieces)])
	v.lastTools.forget()
	v.warnings = nil
	v.releaseMeta()
	v.idx.release()
	// The flat buffers are emptied per span, not cleared: drop what they
	// still reference of the batch before the view waits in the pool.
	clear(v.flatBuf[:cap(v.flatBuf)])
	clear(v.flatGroups[:cap(v.flatGroups)])
	v.fast.release()
	v.fastContent.release()
	v.evRefs = reuseBuf(v.evRefs)
	t.views.Put(v)
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
func (t *Translator) linkBatch(logs []*SpanLog, facts []spanFacts, m *linkMemory) {
	if len(logs) == 0 {
		return
	}
	m.reset(len(logs))
	index := m.index
	for i, f := range facts {
		index[spanKey{f.traceID, f.spanID}] = i
	}
	parent := m.take(len(logs))
	for i, f := range facts {
		parent[i] = -1
		if f.parentID.IsEmpty() {
			continue
		}
		if p, ok := index[spanKey{f.traceID, f.parentID}]; ok && p != i {
			parent[i] = p
		}
	}
	depth, order := treeOrder(parent, m)

	if t.opts.PropagateIdentifiers {
		propagate(logs, facts, parent, depth, order, m)
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
		dedupeUsage(logs, facts, parent, m)
	}
}

// treeOrder cuts parent cycles (possible with hostile ids: the span where a
// cycle closes becomes a top-most span) and returns every span's depth below
// its top-most in-batch ancestor and the spans in parent-before-child order.
// Each span is visited once, so a 50,000-deep chain costs what 50,000
// siblings cost.
func treeOrder(parent []int, m *linkMemory) (depth, order []int) {
	const (
		unseen = iota
		onPath
		placed
	)
	if cap(m.state) < len(parent) {
		m.state = make([]uint8, len(parent))
	}
	state := m.state[:len(parent)]
	clear(state)
	depth = m.take(len(parent))
	order = m.take(len(parent))[:0]
	path := m.take(len(parent))[:0]
	for i := range parent {
		path = path[:0]
		j := i
		for j >= 0 && state[j] == unseen {
			state[j] = onPath
			path = append(path, j)
			j = parent[j]
		}
		if j >= 0 && state[j] == onPath {
			// The walk came back to j: the last span of the path, whose
			// parent link closes the cycle, becomes its top-most span, so
			// that placing the path from its end puts every parent before
			// its children.
			parent[path[len(path)-1]] = -1
		}
		for k := len(path) - 1; k >= 0; k-- {
			n := path[k]
			if p := parent[n]; p >= 0 {
				depth[n] = depth[p] + 1
			}
			state[n] = placed
			order = append(order, n)
		}
	}
	return depth, order
}

// traceTop is, per trace, the top-most span holding each identifier and
// the top-most span holding a workflow marker (propagate).
type traceTop struct {
	ids          identifiers
	idDepth      [5]int
	marker       string
	markerDepth  int
	rootName     string
	rootIsModel  bool
	hasRootFound bool
}

func propagate(logs []*SpanLog, facts []spanFacts, parent, depth, order []int, m *linkMemory) {
	tops := m.tops
	for i, f := range facts {
		ti, ok := tops[f.traceID]
		if !ok {
			ti = len(m.topList)
			m.topList = append(m.topList, traceTop{markerDepth: -1, idDepth: [5]int{-1, -1, -1, -1, -1}})
			tops[f.traceID] = ti
		}
		tt := &m.topList[ti]
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
	// A span takes each identifier it lacks from its nearest ancestor that has
	// it: resolving parents first makes that one fill per span.
	if cap(m.inherited) < len(logs) {
		m.inherited = make([]identifiers, len(logs))
	}
	inherited := m.inherited[:len(logs)]
	for _, i := range order {
		inherited[i] = facts[i].ids
		if p := parent[i]; p >= 0 && !inherited[i].complete() {
			inherited[i].fill(inherited[p])
		}
	}
	for i, sl := range logs {
		ids := inherited[i]
		tt := &m.topList[tops[facts[i].traceID]]
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
// reporting the same tokens; outer copies move to metadata.suppressed_usage,
// naming the nearest nested span that reported them.
//
// It runs in linear time: one depth-first walk finds, for each model call, the
// nearest enclosing model call with the same usage.
// usageKey is a model call's token usage, as dedupeUsage compares it.
type usageKey struct{ prompt, completion OptInt }

func dedupeUsage(logs []*SpanLog, facts []spanFacts, parent []int, m *linkMemory) {
	counts := func(i int) bool {
		f := &facts[i]
		return f.modelCall && (f.usage.prompt.Set || f.usage.completion.Set)
	}
	n := len(logs)
	// Children lists in one slab (CSR), from the cycle-free parent links.
	start := m.take(n + 1)
	for _, p := range parent {
		if p >= 0 {
			start[p+1]++
		}
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	children := m.take(start[n])
	fillAt := append(m.take(n)[:0], start[:n]...)
	for c, p := range parent {
		if p >= 0 {
			children[fillAt[p]] = c
			fillAt[p]++
		}
	}

	nearest := m.take(n) // nearest enclosing model call with the same usage
	first := m.take(n)   // first same-usage descendant
	for i := range nearest {
		nearest[i], first[i] = -1, -1
	}
	// The model calls on the current root-to-span path, by usage: a stack
	// per usage threaded through below (open holds each top, below[i] the
	// call under i), so a push or pop allocates nothing.
	open := m.open
	below := m.take(n)
	push := func(k usageKey, i int) {
		below[i] = -1
		if on, ok := open[k]; ok {
			below[i] = on
		}
		open[k] = i
	}
	type frame struct{ span, next int }
	var stack []frame
	for root := 0; root < n; root++ {
		if parent[root] >= 0 {
			continue
		}
		stack = append(stack[:0], frame{span: root, next: start[root]})
		if counts(root) {
			k := usageKey{facts[root].usage.prompt, facts[root].usage.completion}
			push(k, root)
		}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < start[top.span+1] {
				c := children[top.next]
				top.next++
				if counts(c) {
					k := usageKey{facts[c].usage.prompt, facts[c].usage.completion}
					if on, ok := open[k]; ok {
						nearest[c] = on
					}
					push(k, c)
				}
				stack = append(stack, frame{span: c, next: start[c]})
				continue
			}
			if s := top.span; counts(s) {
				k := usageKey{facts[s].usage.prompt, facts[s].usage.completion}
				if below[s] < 0 {
					delete(open, k)
				} else {
					open[k] = below[s]
				}
			}
			stack = stack[:len(stack)-1]
		}
	}
	// Each outer copy names its nearest nested copy (the smallest span id
	// among several), so the result does not depend on the order spans
	// arrived in: the assembly stage holds a trace's spans in arrival
	// order, and a trace translated whole must give the same fields however
	// its spans came.
	for i, a := range nearest {
		if a >= 0 && (first[a] < 0 || logs[i].SpanID < logs[first[a]].SpanID) {
			first[a] = i
		}
	}
	var ms []usageMember
	for a, d := range first {
		if d < 0 {
			continue
		}
		af := facts[a]
		sl := logs[a]
		ms := append(af.usage.members(ms[:0]),
			usageMember{key: "reason", str: "same usage reported by nested model-call span"},
			usageMember{key: "child_span_id", str: logs[d].SpanID})
		text := withScratch(func(b []byte) []byte { return appendUsageJSON(b, ms) })
		sl.SetMetadata("suppressed_usage", jsonText(text))
		sl.PromptTokens, sl.CompletionTokens, sl.TotalRequestTokens = OptInt{}, OptInt{}, OptInt{}
		sl.CacheHitTokens, sl.CacheCreationTokns, sl.ReasoningTokens = OptInt{}, OptInt{}, OptInt{}
		sl.Cost = OptFloat{}
	}
}
