// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"container/heap"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/subset"
)

// The assembly stage: one waiting area in front of the sending queue.
//
// Spans wait in groups. With trace waiting on, a group is a trace: its
// spans are moved (or copied) in as they arrive and leave together once
// its root (or a local root) has arrived plus root_grace, or max_wait
// after its first span, or when a bound forces the oldest group out. A
// trace that already left is remembered (Memory); its later spans form a
// late group that
// waits root_grace. With trace waiting off, only model calls awaiting their
// content records wait, each in a group of its own (the logs join as it
// was). Either way a group does not leave while a model call in it still
// awaits content, until that call's logs_join.window has passed.
//
// Groups are ordered twice: by deadline in a heap (expiry), and by arrival
// of their first span in a list (the bounds release the oldest first).
// Every operation is O(log groups) or O(1); the expiry loop ticks.

// OTLP SpanFlags bits (opentelemetry-proto trace.proto, SpanFlags): bit 8
// says whether the parent's is-remote property is known, bit 9 whether the
// parent is remote. pdata exposes the raw flags only.
const (
	flagContextHasIsRemote = 0x100
	flagContextIsRemote    = 0x200
)

// isLocalRoot reports whether span is the top of what its process sent
// of a trace: no parent, or a server/consumer span whose parent is known
// to be in another process. A span whose SDK does not set the remote flag
// is not taken for a local root (its trace waits for its root or max_wait).
func isLocalRoot(span ptrace.Span) bool {
	if span.ParentSpanID().IsEmpty() {
		return true
	}
	switch span.Kind() {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		f := span.Flags()
		return f&flagContextHasIsRemote != 0 && f&flagContextIsRemote != 0
	}
	return false
}

// releaseReason says why a group left (the "reason" attribute).
type releaseReason uint8

const (
	relRoot releaseReason = iota
	relTimeout
	relLate
	relContent
	relBounds
	relShutdown
	numRelReasons
)

var relNames = [numRelReasons]string{"root", "timeout", "late", "content", "bounds", "shutdown"}

// joinReasonOf maps a group's release to the reason a model call in it
// went without content.
func joinReasonOf(r releaseReason) joinReason {
	switch r {
	case relBounds:
		return joinEvicted
	case relShutdown:
		return joinShutdown
	}
	return joinExpired
}

// groupKey is a trace (span zero) or, with trace waiting off, one span.
type groupKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// chunk is the spans a group received from one ConsumeTraces call.
type chunk struct {
	at   time.Time
	n    int
	pseq uint64 // the storage item holding these spans (0: none)
}

type group struct {
	key      groupKey
	late     bool // the trace left before: these spans are late
	rootSeen bool
	firstAt  time.Time
	readyAt  time.Time // the trace is complete (root + grace, or max_wait)
	awaitEnd time.Time // the last content window of its model calls ends
	pending  int       // model calls still awaiting content

	td ptrace.Traces // the spans, moved or copied in: the group's own
	// shared: resources of td left empty at placement, whose attributes
	// are copied from a resource shared with the call's other groups when
	// the group leaves (finish), once per batch.
	shared  []sharedRef
	chunks  []chunk
	entries []*entry                       // spans with records or awaiting them
	index   map[pcommon.SpanID]ptrace.Span // built when records need it
	spans   int
	bytes   int64
	origin  *origin

	heapIdx      int
	older, newer *group
	mark         uint64 // the ConsumeTraces call that last touched it
}

func (g *group) deadline() time.Time {
	if g.pending > 0 && g.awaitEnd.After(g.readyAt) {
		return g.awaitEnd
	}
	return g.readyAt
}

func (g *group) reason() releaseReason {
	switch {
	case g.late:
		return relLate
	case g.rootSeen:
		return relRoot
	case !g.key.span.IsEmpty() && g.pending == 0:
		return relContent
	}
	return relTimeout
}

// lookup finds a held span of the group by id.
func (g *group) lookup(id pcommon.SpanID) (ptrace.Span, bool) {
	if g.index == nil {
		g.index = make(map[pcommon.SpanID]ptrace.Span, g.spans)
		rss := g.td.ResourceSpans()
		for r := 0; r < rss.Len(); r++ {
			sss := rss.At(r).ScopeSpans()
			for s := 0; s < sss.Len(); s++ {
				spans := sss.At(s).Spans()
				for i := 0; i < spans.Len(); i++ {
					g.index[spans.At(i).SpanID()] = spans.At(i)
				}
			}
		}
	}
	sp, ok := g.index[id]
	return sp, ok
}

// groupHeap orders groups by deadline.
type groupHeap []*group

func (h groupHeap) Len() int           { return len(h) }
func (h groupHeap) Less(i, j int) bool { return h[i].deadline().Before(h[j].deadline()) }
func (h groupHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *groupHeap) Push(x any) {
	g := x.(*group)
	g.heapIdx = len(*h)
	*h = append(*h, g)
}
func (h *groupHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	g.heapIdx = -1
	return g
}

// Stage is the assembly stage. Its methods are safe for concurrent use.
type Stage struct {
	cfg      Config
	jc       JoinConfig
	maxSpans int
	maxBytes int64
	// forward hands spans to the sending queue (the exporterhelper).
	forward func(context.Context, ptrace.Traces) error
	tel     *metadata.TelemetryBuilder
	logger  *zap.Logger
	memory  *Memory
	persist *persister // nil without storage
	now     func() time.Time
	// logs is set once a logs pipeline feeds the stage: only then do model
	// calls wait for content.
	logs atomic.Bool
	// owned: the caller hands over what it passes to ConsumeTraces (the
	// component declares MutatesData), so held spans are moved, not copied.
	owned bool
	// spanBySpan turns the whole-resource move off (tests compare the two
	// ways of holding spans).
	spanBySpan bool

	mu             sync.Mutex
	entries        map[spanKey]*entry
	lists          [2]waitList
	records        int // entries without a span (record groups)
	groups         map[groupKey]*group
	heap           groupHeap
	oldest, newest *group
	spans          int
	bytes          int64
	seq, calls     uint64
	closed         bool
	stopCh, doneCh chan struct{}
	// blocked: released batches the sending queue refused (full);
	// nextRetry: when the sweep offers them again.
	blocked   []*heldBatch
	nextRetry time.Time
}

// retryBlockedEvery spaces the offers of batches the queue refused.
const retryBlockedEvery = 250 * time.Millisecond

// New returns a stage that hands spans on to forward (the exporterhelper's
// ConsumeTraces) and records its metrics with tel. Call Start to run the
// expiry loop and Shutdown to flush what waits.
func New(cfg Config, jc JoinConfig, forward func(context.Context, ptrace.Traces) error, tel *metadata.TelemetryBuilder, logger *zap.Logger) *Stage {
	s := &Stage{
		cfg:      cfg,
		jc:       jc,
		maxSpans: cfg.MaxSpans,
		maxBytes: cfg.MaxBytes,
		forward:  forward,
		tel:      tel,
		logger:   logger,
		memory:   NewMemory(cfg.LateSpanMemory),
		now:      time.Now,
		entries:  make(map[spanKey]*entry),
		groups:   make(map[groupKey]*group),
	}
	// The deprecated logs_join bounds lower the stage's when set.
	if jc.MaxSpans > 0 && jc.MaxSpans < s.maxSpans {
		s.maxSpans = jc.MaxSpans
	}
	if jc.MaxBytes > 0 && jc.MaxBytes < s.maxBytes {
		s.maxBytes = jc.MaxBytes
	}
	s.lists[classWindow].delay = jc.Window
	s.lists[classCall].delay = jc.MaxCallDuration
	return s
}

// Memory is the stage's late-span memory (nil when disabled), shared with
// the translation behind the sending queue.
func (s *Stage) Memory() *Memory { return s.memory }

// Config returns the configuration the stage runs with.
func (s *Stage) Config() (Config, JoinConfig) { return s.cfg, s.jc }

// TakeOwnership tells the stage that the Traces given to ConsumeTraces are
// its own (the component declares MutatesData: true, so the pipeline
// clones for other consumers): held spans are then moved out of them
// instead of copied. Call before the first span.
func (s *Stage) TakeOwnership() { s.owned = true }

// EnableLogs tells the stage a logs pipeline feeds it: from now on model
// calls without content wait for their content records.
func (s *Stage) EnableLogs() { s.logs.Store(true) }

// Active reports whether ConsumeTraces does anything but forward.
func (s *Stage) Active() bool { return s.cfg.WaitForTraces || s.logs.Load() }

// sweepInterval is how often due groups are looked for: a tenth of the
// shortest wait (a group waits at most 10% longer than configured),
// between 10 ms and 500 ms.
func (s *Stage) sweepInterval() time.Duration {
	d := s.jc.Window
	if s.cfg.WaitForTraces && s.cfg.RootGrace > 0 && s.cfg.RootGrace < d {
		d = s.cfg.RootGrace
	}
	return min(max(d/10, 10*time.Millisecond), 500*time.Millisecond)
}

// Start runs the expiry loop. Safe to call more than once.
func (s *Stage) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopCh != nil || s.closed {
		return
	}
	s.stopCh, s.doneCh = make(chan struct{}), make(chan struct{})
	go s.run(s.stopCh, s.doneCh, s.sweepInterval())
}

func (s *Stage) run(stop <-chan struct{}, done chan<- struct{}, every time.Duration) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.expire()
		}
	}
}

// Shutdown stops the loop and sends everything that waits, oldest first
// (before the sending queue drains); records without a span are counted
// and dropped. Safe without Start and more than once.
func (s *Stage) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	stop, done := s.stopCh, s.doneCh
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.retryBlocked(context.Background()) // what the queue still refuses now is logged as lost
	var out effects
	s.mu.Lock()
	out.begin(s)
	for g := s.oldest; g != nil; g = s.oldest {
		s.detach(g)
		out.release(g, relShutdown)
	}
	for _, l := range []*waitList{&s.lists[classWindow], &s.lists[classCall]} {
		for e := l.head; e != nil; e = l.head {
			s.removeRecords(e)
			out.orphan(e, joinShutdown)
		}
	}
	out.end(s)
	s.mu.Unlock()
	s.finish(context.Background(), &out)
	return nil
}

func (s *Stage) isBlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.blocked) > 0
}

// expire offers refused batches again, then releases every group and
// record group whose time is up.
func (s *Stage) expire() {
	now := s.now()
	// Each refused offer counts in otelcol_exporter_enqueue_failed_spans:
	// offer again at most every retryBlockedEvery.
	s.mu.Lock()
	due := len(s.blocked) > 0 && !now.Before(s.nextRetry)
	if due {
		s.nextRetry = now.Add(retryBlockedEvery)
	}
	s.mu.Unlock()
	if due {
		s.retryBlocked(context.Background())
	}
	var out effects
	s.mu.Lock()
	out.begin(s)
	s.releaseDue(now, &out)
	for c := range s.lists {
		l := &s.lists[c]
		for e := l.head; e != nil && !now.Before(e.since.Add(l.delay)); e = l.head {
			s.removeRecords(e)
			out.orphan(e, joinExpired)
		}
	}
	out.end(s)
	s.mu.Unlock()
	s.finish(context.Background(), &out)
}

// spanAct is what ConsumeTraces does with one span.
type spanAct struct {
	fold *entry // records to fold into the span, which goes on now
	hold bool   // the span waits
}

// placeKey locates a copy destination: group, source resource and scope
// (scope -1: the resource itself).
type placeKey struct {
	g        *group
	res, scp int
}

// placer moves (or copies) the spans of one ConsumeTraces call into their
// groups one by one, under one resource and scope per group and source
// resource/scope. Scopes are copied per group; a source resource is
// copied once per call and shared by the groups its spans went to, each
// of which gets its own copy only when it leaves, one per batch (a
// resource often carries the spans of many traces: a batch span
// processor's export). Resources held whole bypass it (holdWhole).
type placer struct {
	rs  map[placeKey]ptrace.ResourceSpans
	ss  map[placeKey]ptrace.SpanSlice
	cnk map[*group]int
	res map[int]*sharedResource // by source resource index
}

// sharedResource is a copy of a source resource, not changed once made
// until its last group takes it: groups that leave read it concurrently,
// outside the stage's lock, so they take it under its own.
type sharedResource struct {
	mu  sync.Mutex
	res pcommon.Resource
	// users counts the groups that have not taken it yet. Counted up
	// under the stage's lock while the call that made it places spans,
	// before any of those groups can leave (leaving takes that lock too);
	// counted down under mu as each takes it.
	users int
}

// copyTo gives dst the resource's attributes: a copy, or the resource
// itself for the last group to take it (a resource of one trace is then
// copied once, as before it was shared).
func (sr *sharedResource) copyTo(dst pcommon.Resource) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	sr.users--
	if sr.users == 0 {
		sr.res.MoveTo(dst)
		return
	}
	sr.res.CopyTo(dst)
}

// skip notes that a group took the resource without a copy (merged
// under another group's).
func (sr *sharedResource) skip() {
	sr.mu.Lock()
	sr.users--
	sr.mu.Unlock()
}

// sharedRef says that resource at of a group's td takes sr's attributes.
type sharedRef struct {
	at int
	sr *sharedResource
}

func (p *placer) place(g *group, ri, si int, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, now time.Time, move bool) ptrace.Span {
	if p.ss == nil {
		p.rs, p.ss = map[placeKey]ptrace.ResourceSpans{}, map[placeKey]ptrace.SpanSlice{}
	}
	k := placeKey{g, ri, si}
	dst, ok := p.ss[k]
	if !ok {
		rk := placeKey{g, ri, -1}
		drs, ok := p.rs[rk]
		if !ok {
			drs = g.td.ResourceSpans().AppendEmpty()
			drs.SetSchemaUrl(rs.SchemaUrl())
			sr := p.sharedFor(ri, rs)
			sr.users++ // under the stage's lock, before any group can leave
			g.shared = append(g.shared, sharedRef{at: g.td.ResourceSpans().Len() - 1, sr: sr})
			p.rs[rk] = drs
		}
		dss := drs.ScopeSpans().AppendEmpty()
		ss.Scope().CopyTo(dss.Scope())
		dss.SetSchemaUrl(ss.SchemaUrl())
		dst = dss.Spans()
		p.ss[k] = dst
	}
	held := dst.AppendEmpty()
	if move {
		span.MoveTo(held)
	} else {
		span.CopyTo(held)
	}
	p.arrived(g, now, 1)
	return held
}

// sharedFor returns the shared copy of source resource ri, made on first
// use.
func (p *placer) sharedFor(ri int, rs ptrace.ResourceSpans) *sharedResource {
	if sr := p.res[ri]; sr != nil {
		return sr
	}
	if p.res == nil {
		p.res = map[int]*sharedResource{}
	}
	sr := &sharedResource{res: pcommon.NewResource()}
	rs.Resource().CopyTo(sr.res)
	p.res[ri] = sr
	return sr
}

// arrived counts n spans of this call in g's chunk.
func (p *placer) arrived(g *group, now time.Time, n int) {
	if p.cnk == nil {
		p.cnk = map[*group]int{}
	}
	ci, ok := p.cnk[g]
	if !ok {
		g.chunks = append(g.chunks, chunk{at: now})
		ci = len(g.chunks) - 1
		p.cnk[g] = ci
	}
	g.chunks[ci].n += n
}

// wholeTrace reports whether every span of rs (at least one) belongs to
// one trace and has a span id, and returns that trace. SDKs that flush at
// the end of a request or an agent run (serverless handlers, per-run
// exporters) send each trace under a resource of its own.
func wholeTrace(rs ptrace.ResourceSpans) (pcommon.TraceID, bool) {
	var id pcommon.TraceID
	seen := false
	sss := rs.ScopeSpans()
	for sc := 0; sc < sss.Len(); sc++ {
		spans := sss.At(sc).Spans()
		for i := 0; i < spans.Len(); i++ {
			span := spans.At(i)
			t := span.TraceID()
			if t.IsEmpty() || span.SpanID().IsEmpty() || (seen && t != id) {
				return pcommon.TraceID{}, false
			}
			id, seen = t, true
		}
	}
	return id, seen
}

// holdWhole moves rs, all of whose spans belong to trace id (wholeTrace),
// into that trace's group and counts them as place and count would one by
// one. Called with s.mu held, only for an owned td without logs join.
func (s *Stage) holdWhole(rs ptrace.ResourceSpans, id pcommon.TraceID, now time.Time, origin func() *origin, p *placer) *group {
	g := s.traceGroup(id, now, origin)
	// What the per-span path copies, moved: resource, schema URL, scopes
	// (not the deprecated scope field a proto decoder may have filled).
	held := g.td.ResourceSpans().AppendEmpty()
	rs.Resource().MoveTo(held.Resource())
	held.SetSchemaUrl(rs.SchemaUrl())
	rs.ScopeSpans().MoveAndAppendTo(held.ScopeSpans())
	n, empty := 0, false
	sss := held.ScopeSpans()
	for sc := 0; sc < sss.Len(); sc++ {
		spans := sss.At(sc).Spans()
		for i := 0; i < spans.Len(); i++ {
			span := spans.At(i)
			s.noteRoot(g, span, now)
			s.count(g, span)
		}
		n += spans.Len()
		empty = empty || spans.Len() == 0
	}
	if empty {
		// Span by span, a scope is only copied for a span it holds.
		sss.RemoveIf(func(ss ptrace.ScopeSpans) bool { return ss.Spans().Len() == 0 })
	}
	p.arrived(g, now, n)
	return g
}

// traceGroup returns the group of trace id, created when absent (a late
// group when the trace left before). Called with s.mu held.
func (s *Stage) traceGroup(id pcommon.TraceID, now time.Time, origin func() *origin) *group {
	gk := groupKey{trace: id}
	g := s.groups[gk]
	if g == nil {
		g = s.newGroup(gk, now, origin())
		g.late = s.memory.Released(id)
		if g.late {
			g.readyAt = now.Add(s.cfg.RootGrace)
		} else {
			g.readyAt = now.Add(s.cfg.MaxWait)
		}
	}
	return g
}

// noteRoot shortens the wait of g to root_grace when span is its (local)
// root. Called with s.mu held.
func (s *Stage) noteRoot(g *group, span ptrace.Span, now time.Time) {
	if !g.late && isLocalRoot(span) {
		g.rootSeen = true
		if t := now.Add(s.cfg.RootGrace); t.Before(g.readyAt) {
			g.readyAt = t
		}
	}
}

// count adds held, a span now in g, to what g and the stage hold. Called
// with s.mu held.
func (s *Stage) count(g *group, held ptrace.Span) {
	size := int64(spanSizer.SpanSize(held))
	g.spans++
	g.bytes += size
	s.spans++
	s.bytes += size
	if g.index != nil {
		g.index[held.SpanID()] = held
	}
}

// newGroup adds an empty group. Called with s.mu held.
func (s *Stage) newGroup(k groupKey, now time.Time, org *origin) *group {
	g := &group{key: k, firstAt: now, readyAt: now, td: ptrace.NewTraces(), origin: org, heapIdx: -1}
	s.groups[k] = g
	g.older = s.newest
	if s.newest != nil {
		s.newest.newer = g
	} else {
		s.oldest = g
	}
	s.newest = g
	return g
}

// ConsumeTraces holds the spans of td in their groups (trace waiting), or
// passes them on folding in records that already wait for them and keeps
// model calls that still await content (trace waiting off). Spans that are
// not held are forwarded in one call with ctx, and its error is returned.
// td is not modified, unless the stage took ownership (TakeOwnership): then
// held spans are moved out of it, and resources held whole are left empty.
func (s *Stage) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	logs := s.logs.Load()
	if !s.cfg.WaitForTraces && !logs {
		return s.forward(ctx, td)
	}
	if s.isBlocked() {
		// Released spans still wait for room in the queue (the sweep offers
		// them again): refuse new ones, retryable, as the full queue would.
		return errQueueFull
	}
	now := s.now()
	var (
		out     effects
		acts    []spanAct // nil while every span passes unchanged
		org     *origin
		p       placer
		touched []*group
	)
	origin := func() *origin {
		if org == nil {
			org = &origin{ctx: context.WithoutCancel(ctx)}
		}
		return org
	}
	// Held spans are moved out of an owned td: what is stored is encoded
	// first (all of td; spans that are not held are only those without ids,
	// which the translator drops anyway).
	var stored []byte
	move := s.owned
	if s.owned && s.persist != nil {
		var err error
		if stored, err = tracesMarshaler.MarshalTraces(td); err != nil {
			// Stored below from td, which must then keep the held spans.
			stored, move = nil, false
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.forward(ctx, td)
	}
	out.begin(s)
	s.calls++
	mark := s.calls
	n := 0
	rss := td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		rs := rss.At(r)
		if move && !s.spanBySpan && s.cfg.WaitForTraces && !logs && len(s.entries) == 0 {
			if id, ok := wholeTrace(rs); ok {
				// Every span of rs waits in one trace's group: the
				// resource moves there as it is, instead of each span
				// into a new span under a copy of the resource. It is
				// left empty in td, so its spans take no position in
				// acts (nor in rebuildTraces' count, which skips it).
				if acts == nil {
					acts = make([]spanAct, td.SpanCount())
				}
				g := s.holdWhole(rs, id, now, origin, &p)
				if g.mark != mark {
					g.mark = mark
					touched = append(touched, g)
				}
				continue
			}
		}
		sss := rs.ScopeSpans()
		for sc := 0; sc < sss.Len(); sc++ {
			ss := sss.At(sc)
			spans := ss.Spans()
			for i := 0; i < spans.Len(); i, n = i+1, n+1 {
				span := spans.At(i)
				key := spanKey{span.TraceID(), span.SpanID()}
				if key.traceID.IsEmpty() || key.spanID.IsEmpty() {
					continue // the translator drops and counts these
				}
				var e *entry
				if len(s.entries) > 0 {
					e = s.entries[key]
				}
				if e != nil && e.hasSpan {
					continue // a duplicate of a held model call passes as it is
				}
				awaits := logs && awaitsContent(span)
				if !s.cfg.WaitForTraces && e == nil && !awaits {
					continue
				}
				if acts == nil {
					acts = make([]spanAct, td.SpanCount())
				}
				var g *group
				if s.cfg.WaitForTraces {
					g = s.traceGroup(key.traceID, now, origin)
					s.noteRoot(g, span, now)
				} else {
					// Trace waiting off: only model calls wait, alone.
					if e != nil {
						e.isError = span.Status().Code() == ptrace.StatusCodeError
						e.expect = expectedChoices(span)
						e.hasSpan = true
						if !awaits || e.complete() {
							// Records are here (and, for a model call, all
							// of them): fold them in and let the span go on.
							s.removeRecords(e)
							acts[n].fold = e
							out.joined(e)
							continue
						}
						e.hasSpan = false
					}
					g = s.newGroup(groupKey{key.traceID, key.spanID}, now, origin())
				}
				if g.mark != mark {
					g.mark = mark
					touched = append(touched, g)
				}
				held := p.place(g, r, sc, rs, ss, span, now, move)
				s.count(g, held)
				if e != nil || awaits {
					s.attach(g, key, e, held, span, awaits, now)
				}
				acts[n].hold = true
			}
		}
	}
	for _, g := range touched {
		if g.heapIdx < 0 {
			heap.Push(&s.heap, g)
		} else {
			heap.Fix(&s.heap, g.heapIdx)
		}
	}
	var pseq uint64
	if s.persist != nil && len(p.cnk) > 0 {
		units := 0
		for g, ci := range p.cnk {
			units += g.chunks[ci].n
		}
		pseq = s.persist.reserve(units)
		for g, ci := range p.cnk {
			g.chunks[ci].pseq = pseq
		}
	}
	s.enforceBounds(&out)
	s.releaseDue(now, &out)
	out.end(s)
	s.mu.Unlock()

	if pseq != 0 {
		// Before returning: what the receiver acknowledges is stored.
		if stored == nil {
			held := subset.Traces(td, func(p subset.Pos) bool { return acts[p.N].hold }, nil)
			stored, _ = tracesMarshaler.MarshalTraces(held)
		}
		s.persist.write(ctx, pseq, itemTraces, stored)
	}
	var err error
	if acts == nil {
		err = s.forward(ctx, td)
	} else if rest := rebuildTraces(td, acts); rest.SpanCount() > 0 {
		err = s.forward(ctx, rest)
	}
	s.finish(ctx, &out)
	return err
}

// attach links a held span to its entry (records that waited for it, or a
// new one for a model call awaiting content). Called with s.mu held.
func (s *Stage) attach(g *group, key spanKey, e *entry, held, span ptrace.Span, awaits bool, now time.Time) {
	if e == nil {
		e = &entry{key: key}
		s.entries[key] = e
	} else {
		// A record group waiting for its span: its bytes move to the group.
		s.lists[e.class].remove(e)
		s.records--
		g.bytes += e.bytes
	}
	e.hasSpan = true
	e.span = held
	e.group = g
	e.awaits = awaits
	e.isError = span.Status().Code() == ptrace.StatusCodeError
	e.expect = expectedChoices(span)
	g.entries = append(g.entries, e)
	if awaits && !e.complete() {
		g.pending++
		if t := now.Add(s.jc.Window); t.After(g.awaitEnd) {
			g.awaitEnd = t
		}
	} else {
		e.done = true
	}
}

// ConsumeLogs adds the content records of ld to the waiting area; other
// records are counted and ignored. It never fails: records are not
// retried, and what is dropped is counted.
func (s *Stage) ConsumeLogs(ctx context.Context, ld plog.Logs) {
	type keyed struct {
		key spanKey
		rec record
	}
	var (
		recs             []keyed
		ignored, noSpans int64
	)
	// Convert before locking: it copies the records' values.
	rls := ld.ResourceLogs()
	for r := 0; r < rls.Len(); r++ {
		sls := rls.At(r).ScopeLogs()
		for sc := 0; sc < sls.Len(); sc++ {
			lrs := sls.At(sc).LogRecords()
			for i := 0; i < lrs.Len(); i++ {
				lr := lrs.At(i)
				name, kind := classifyRecord(lr)
				if kind == recNone {
					ignored++
					continue
				}
				key := spanKey{lr.TraceID(), lr.SpanID()}
				if key.traceID.IsEmpty() || key.spanID.IsEmpty() {
					noSpans++
					continue
				}
				size := int64(logSizer.LogRecordSize(lr))
				recs = append(recs, keyed{key, newRecord(lr, name, kind, size)})
			}
		}
	}
	if ignored > 0 {
		s.tel.ExporterRespanLogsJoinRecordsIgnored.Add(ctx, ignored)
	}
	if noSpans > 0 {
		s.tel.ExporterRespanLogsJoinRecordsOrphaned.Add(ctx, noSpans,
			metric.WithAttributes(attribute.String("reason", joinReasonNames[joinNoSpanID])))
	}
	if len(recs) == 0 {
		return
	}

	now := s.now()
	var out effects
	s.mu.Lock()
	out.begin(s)
	if s.closed {
		out.orphans[joinShutdown] += int64(len(recs))
		out.end(s)
		s.mu.Unlock()
		s.finish(ctx, &out)
		return
	}
	var pseq uint64
	if s.persist != nil {
		pseq = s.persist.reserve(len(recs))
	}
	var touched []*entry
	for _, kr := range recs {
		kr.rec.pseq = pseq
		e := s.entries[kr.key]
		if e == nil && s.cfg.WaitForTraces {
			// The span may be held already, with no entry yet.
			if g := s.groups[groupKey{trace: kr.key.traceID}]; g != nil {
				if held, ok := g.lookup(kr.key.spanID); ok {
					e = &entry{key: kr.key, hasSpan: true, span: held, group: g, done: true}
					s.entries[kr.key] = e
					g.entries = append(g.entries, e)
				}
			}
		}
		if e == nil {
			e = &entry{key: kr.key}
			s.entries[kr.key] = e
			s.records++
		} else if !e.hasSpan {
			s.lists[e.class].remove(e)
		}
		kr.rec.seq = s.seq
		s.seq++
		e.addRecord(kr.rec)
		s.bytes += kr.rec.size
		if e.hasSpan {
			e.group.bytes += kr.rec.size
			if len(touched) == 0 || touched[len(touched)-1] != e {
				touched = append(touched, e)
			}
			continue
		}
		// Records of a finished call wait one window for their span, input
		// records of a call in progress wait for the call to end.
		e.class = classCall
		if e.ended() {
			e.class = classWindow
		}
		e.since = now
		s.lists[e.class].pushBack(e)
	}
	for _, e := range touched {
		if e.done || !e.complete() || s.entries[e.key] != e {
			continue
		}
		e.done = true
		g := e.group
		g.pending--
		if g.heapIdx >= 0 {
			heap.Fix(&s.heap, g.heapIdx)
		}
	}
	s.enforceBounds(&out)
	s.releaseDue(now, &out)
	out.end(s)
	s.mu.Unlock()
	if pseq != 0 {
		if b, err := logsMarshaler.MarshalLogs(ld); err == nil {
			s.persist.write(ctx, pseq, itemLogs, b)
		}
	}
	s.finish(ctx, &out)
}

// releaseDue releases the groups whose deadline has passed. Called with
// s.mu held.
func (s *Stage) releaseDue(now time.Time, out *effects) {
	for len(s.heap) > 0 && !s.heap[0].deadline().After(now) {
		g := s.heap[0]
		s.detach(g)
		out.release(g, g.reason())
	}
}

// enforceBounds releases the oldest groups (and drops the oldest record
// groups) until the stage is within its bounds. Called with s.mu held.
func (s *Stage) enforceBounds(out *effects) {
	for s.spans+s.records > s.maxSpans || s.bytes > s.maxBytes || len(s.groups) > s.cfg.MaxTraces {
		g := s.oldest
		e := s.oldestRecords()
		switch {
		case g != nil && (e == nil || !e.since.Before(g.firstAt)):
			s.detach(g)
			out.release(g, relBounds)
		case e != nil:
			s.removeRecords(e)
			out.orphan(e, joinEvicted)
		default:
			return
		}
	}
}

// oldestRecords returns the record group whose wait started first.
func (s *Stage) oldestRecords() *entry {
	w, c := s.lists[classWindow].head, s.lists[classCall].head
	switch {
	case w == nil:
		return c
	case c == nil:
		return w
	case c.since.Before(w.since):
		return c
	}
	return w
}

// removeRecords takes a record group (no span) out of the waiting area.
// Called with s.mu held.
func (s *Stage) removeRecords(e *entry) {
	delete(s.entries, e.key)
	s.lists[e.class].remove(e)
	s.records--
	s.bytes -= e.bytes
}

// detach takes group g out of the waiting area. Called with s.mu held.
func (s *Stage) detach(g *group) {
	if g.heapIdx >= 0 {
		heap.Remove(&s.heap, g.heapIdx)
	}
	delete(s.groups, g.key)
	if g.older != nil {
		g.older.newer = g.newer
	} else {
		s.oldest = g.newer
	}
	if g.newer != nil {
		g.newer.older = g.older
	} else {
		s.newest = g.older
	}
	g.older, g.newer = nil, nil
	s.spans -= g.spans
	s.bytes -= g.bytes
	for _, e := range g.entries {
		if s.entries[e.key] == e {
			delete(s.entries, e.key)
		}
	}
	if g.key.span.IsEmpty() {
		s.memory.MarkReleased(g.key.trace)
	}
}

// effects collects, under the lock, what to send and count once it is
// released.
type effects struct {
	groups []releasedGroup
	// orphans counts dropped records by reason.
	orphans [numJoinReasons]int64
	// joinedNow: spans folded on their way through and their records.
	joinedNow, recordsNow int64
	// units: spans and records that left, by storage item.
	units map[uint64]int

	traces0, spans0, bytes0 int64
	dTraces, dSpans, dBytes int64
}

type releasedGroup struct {
	g   *group
	why releaseReason
}

func (o *effects) begin(s *Stage) {
	o.traces0, o.spans0, o.bytes0 = int64(len(s.groups)), int64(s.spans), s.bytes
}

func (o *effects) end(s *Stage) {
	o.dTraces, o.dSpans, o.dBytes = int64(len(s.groups))-o.traces0, int64(s.spans)-o.spans0, s.bytes-o.bytes0
}

func (o *effects) release(g *group, why releaseReason) {
	o.groups = append(o.groups, releasedGroup{g, why})
}

func (o *effects) joined(e *entry) {
	o.joinedNow++
	o.recordsNow += int64(len(e.recs))
	o.recordsLeft(e)
}

// orphan counts the records of a record group dropped for why.
func (o *effects) orphan(e *entry, why joinReason) {
	o.orphans[why] += int64(len(e.recs))
	o.recordsLeft(e)
}

// recordsLeft notes that e's records no longer wait (for the storage).
func (o *effects) recordsLeft(e *entry) {
	for i := range e.recs {
		if q := e.recs[i].pseq; q != 0 {
			o.left(q, 1)
		}
	}
}

func (o *effects) left(pseq uint64, n int) {
	if o.units == nil {
		o.units = map[uint64]int{}
	}
	o.units[pseq] += n
}

// heldBatch is released spans of one origin on their way to the sending
// queue, with the storage units they hold. A batch the queue refuses
// (full) is kept, still counted as waiting, and offered again at the next
// sweep; while one is kept, ConsumeTraces refuses new spans (retryable),
// so what the receiver acknowledged is never dropped for a full queue.
type heldBatch struct {
	o     *origin
	td    ptrace.Traces
	spans int
	bytes int64
	units map[uint64]int
	// tail: the shared resource the batch's last resource took (nil when
	// it has none of its own); see take.
	tail *sharedResource
}

// take moves g's spans into the batch, after the spans already in it, so
// that each trace's spans stay together (the sending queue's batcher
// splits a request in order). A resource g shares with other groups gets
// its attributes here, a copy (or the shared one, for its last group);
// when g's first resource shares the batch's last one, g's scopes go under
// that one instead, without a copy: the traces of a batch span
// processor's export, leaving together, share one resource.
func (b *heldBatch) take(g *group) {
	rss := g.td.ResourceSpans()
	n := rss.Len()
	var tail *sharedResource
	merged := false
	for i, ref := range g.shared {
		rs := rss.At(ref.at)
		if i == 0 && ref.at == 0 && ref.sr == b.tail {
			dst := b.td.ResourceSpans().At(b.td.ResourceSpans().Len() - 1)
			rs.ScopeSpans().MoveAndAppendTo(dst.ScopeSpans())
			ref.sr.skip()
			merged = true
		} else {
			ref.sr.copyTo(rs.Resource())
		}
		if ref.at == n-1 {
			tail = ref.sr
		}
	}
	if merged {
		first := true // the merged resource, now empty
		rss.RemoveIf(func(ptrace.ResourceSpans) bool {
			drop := first
			first = false
			return drop
		})
	}
	g.shared = nil
	b.tail = tail
	rss.MoveAndAppendTo(b.td.ResourceSpans())
}

func (b *heldBatch) left(pseq uint64, n int) {
	if b.units == nil {
		b.units = map[uint64]int{}
	}
	b.units[pseq] += n
}

// errQueueFull is ConsumeTraces' answer while released spans wait for room
// in the sending queue: retryable, as the queue's own refusal is.
var errQueueFull = errors.New("respan: the sending queue is full; spans released by the assembly stage are waiting for room")

// send hands batches to the sending queue; those it refuses are kept for
// the next sweep. Outside the lock.
func (s *Stage) send(ctx context.Context, batches []*heldBatch) {
	for i, b := range batches {
		if err := s.forward(b.o.ctx, b.td); err != nil {
			s.mu.Lock()
			closed := s.closed
			if !closed {
				// Still waiting: counted again, offered again.
				s.blocked = append(s.blocked, batches[i:]...)
				for _, rest := range batches[i:] {
					s.spans += rest.spans
					s.bytes += rest.bytes
				}
			}
			s.mu.Unlock()
			if closed {
				s.logger.Warn("The sending queue refused spans flushed by the assembly stage at shutdown",
					zap.Int("spans", b.td.SpanCount()), zap.Error(err))
				continue
			}
			var n, size int64
			for _, rest := range batches[i:] {
				n += int64(rest.spans)
				size += rest.bytes
			}
			s.tel.ExporterRespanAssemblySpansWaiting.Add(ctx, n)
			s.tel.ExporterRespanAssemblyBytesWaiting.Add(ctx, size)
			s.logger.Debug("The sending queue is full; released spans wait in the assembly stage",
				zap.Int64("spans", n), zap.Error(err))
			return
		}
		if s.persist != nil && len(b.units) > 0 {
			s.persist.done(ctx, b.units)
		}
	}
}

// retryBlocked offers the batches the queue refused again. Outside the
// lock.
func (s *Stage) retryBlocked(ctx context.Context) {
	s.mu.Lock()
	batches := s.blocked
	s.blocked = nil
	var n, size int64
	for _, b := range batches {
		s.spans -= b.spans
		s.bytes -= b.bytes
		n += int64(b.spans)
		size += b.bytes
	}
	s.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	s.tel.ExporterRespanAssemblySpansWaiting.Add(ctx, -n)
	s.tel.ExporterRespanAssemblyBytesWaiting.Add(ctx, -size)
	s.send(ctx, batches)
}

// finish, outside the lock, folds the records of released groups into
// their spans, forwards the groups (one batch per origin) and records the
// telemetry.
func (s *Stage) finish(ctx context.Context, o *effects) {
	joined, records := o.joinedNow, o.recordsNow
	var (
		without       [numJoinReasons]int64
		releases      [numRelReasons]int64
		releasedSpans [numRelReasons]int64
	)
	var batches []*heldBatch
	now := s.now()
	for _, rg := range o.groups {
		g := rg.g
		bi := slices.IndexFunc(batches, func(b *heldBatch) bool { return b.o == g.origin })
		if bi < 0 {
			batches = append(batches, &heldBatch{o: g.origin, td: ptrace.NewTraces()})
			bi = len(batches) - 1
		}
		b := batches[bi]
		b.spans += g.spans
		b.bytes += g.bytes
		for _, c := range g.chunks {
			if c.pseq != 0 {
				b.left(c.pseq, c.n)
			}
		}
		for _, e := range g.entries {
			for i := range e.recs {
				if q := e.recs[i].pseq; q != 0 {
					b.left(q, 1)
				}
			}
			switch {
			case len(e.recs) > 0:
				foldRecords(e.span, e.recs)
				joined++
				records += int64(len(e.recs))
			case e.awaits:
				why := joinReasonOf(rg.why)
				addJoinWarning(e.span, why)
				without[why]++
			}
		}
		for _, c := range g.chunks {
			d := now.Sub(c.at).Seconds()
			for range c.n {
				s.tel.ExporterRespanAssemblyWaitDuration.Record(ctx, d)
			}
		}
		releases[rg.why]++
		releasedSpans[rg.why] += int64(g.spans)
		b.take(g)
	}
	s.send(ctx, batches)
	if s.persist != nil && len(o.units) > 0 {
		s.persist.done(ctx, o.units)
	}

	t := s.tel
	if joined > 0 {
		t.ExporterRespanLogsJoinSpansJoined.Add(ctx, joined)
		t.ExporterRespanLogsJoinRecordsJoined.Add(ctx, records)
	}
	for why, n := range without {
		if n > 0 {
			t.ExporterRespanLogsJoinSpansWithoutContent.Add(ctx, n,
				metric.WithAttributes(attribute.String("reason", joinReasonNames[why])))
		}
	}
	for why, n := range o.orphans {
		if n > 0 {
			t.ExporterRespanLogsJoinRecordsOrphaned.Add(ctx, n,
				metric.WithAttributes(attribute.String("reason", joinReasonNames[why])))
		}
	}
	for why := range releases {
		if releases[why] > 0 {
			attrs := metric.WithAttributes(attribute.String("reason", relNames[why]))
			t.ExporterRespanAssemblyReleases.Add(ctx, releases[why], attrs)
			t.ExporterRespanAssemblyReleasedSpans.Add(ctx, releasedSpans[why], attrs)
		}
	}
	if o.dTraces != 0 {
		t.ExporterRespanAssemblyTracesWaiting.Add(ctx, o.dTraces)
	}
	if o.dSpans != 0 {
		t.ExporterRespanAssemblySpansWaiting.Add(ctx, o.dSpans)
	}
	if o.dBytes != 0 {
		t.ExporterRespanAssemblyBytesWaiting.Add(ctx, o.dBytes)
	}
}

// SetClock replaces the stage's clock (and its memory's); tests and
// benchmarks drive time with it and call Sweep instead of waiting for the
// expiry loop. Call before the first span.
func (s *Stage) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
	if s.memory != nil {
		s.memory.mu.Lock()
		s.memory.now = now
		s.memory.mu.Unlock()
	}
}

// Sweep releases what is due now, as one tick of the expiry loop does.
func (s *Stage) Sweep() { s.expire() }
