// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package join // import "github.com/respanai/respanexporter/internal/join"

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/genai"
	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/subset"
)

// The logs join: a bounded waiting area in front of the sending queue where
// model-call spans without content wait for their content log records and
// records wait for their span. A joined span leaves with the records folded
// in as span events (see foldRecords), so the translator, which already
// reads those events, stays the only place that builds messages.
//
// Life of an entry (one per trace id + span id):
//   - records first (the usual case: the SDKs export logs every 1 s, spans
//     every 5 s): the records wait; the span, when it comes, is folded and
//     forwarded in the same ConsumeTraces call as the spans it arrived with
//     (so batch-local translation such as identifier propagation still sees
//     its neighbours), unless its call is not complete yet;
//   - span first: the span waits until its call is complete (all choices
//     or an output record, or an input record for a failed call) or until
//     the window ends;
//   - whatever is still waiting when its time is up goes on: a span without
//     content (with a warning), records without a span are counted and
//     dropped.
//
// Entries wait in one of two FIFO lists, each with a fixed delay, so the
// list order is the deadline order and every operation is O(1): the window
// list (spans, records of finished calls) and the call list (input records
// of calls still running, which wait up to max_call_duration).

// spanKey identifies a span.
type spanKey struct {
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
}

type waitClass uint8

const (
	classWindow waitClass = iota
	classCall
)

// releaseReason says why an entry stopped waiting (the "reason" attribute).
type releaseReason uint8

const (
	releaseComplete releaseReason = iota // not a metric value: the normal join
	releaseExpired
	releaseEvicted
	releaseShutdown
	releaseNoSpanID
	numReleaseReasons
)

var releaseReasonNames = [numReleaseReasons]string{"", "expired", "evicted", "shutdown", "no_span_id"}

// bound says which bound forced an early flush.
type bound uint8

const (
	boundSpans bound = iota
	boundBytes
	numBounds
)

var boundNames = [numBounds]string{"max_spans", "max_bytes"}

// AttrExporterWarnings is the span attribute the join adds to a span sent
// without the content it waited for. The translator moves it into the span
// log's warnings; docs/logs-join.md describes when it is set.
const AttrExporterWarnings = genai.ExporterWarnings

// origin is the context the spans of one ConsumeTraces call are forwarded
// with once they stop waiting: its values (client metadata, used by
// sending_queue partitioning) are kept, its cancellation is not (the call
// returns long before the spans are sent). Entries share the pointer, which
// also groups them back into one forwarded batch.
type origin struct{ ctx context.Context }

type entry struct {
	key        spanKey
	class      waitClass
	prev, next *entry
	since      time.Time // the wait (re)started; deadline = since + class delay
	bytes      int64

	// The span, once it arrived: an owned copy in its own Traces (one
	// resource, one scope, one span).
	hasSpan bool
	span    ptrace.Traces
	origin  *origin
	isError bool
	expect  int // gen_ai.choice records that complete the call

	recs       []record
	hasInput   bool
	choices    int
	outputSeen bool // an output record (operation.details, content.completion)
}

// ended reports whether the call's end was seen in its records.
func (e *entry) ended() bool {
	if e.outputSeen {
		return true
	}
	if e.hasSpan {
		return e.choices >= e.expect
	}
	return e.choices > 0
}

// complete reports whether a waiting span has all the content it will get:
// its call ended, or it failed (no choices will come) and its input is here.
func (e *entry) complete() bool {
	return e.ended() || (e.isError && e.hasInput)
}

func (e *entry) addRecord(r record) {
	e.recs = append(e.recs, r)
	e.bytes += r.size
	switch r.kind {
	case recInput:
		e.hasInput = true
	case recChoice:
		if r.name == evChoice {
			e.choices++
		} else {
			e.outputSeen = true
		}
	case recDetails:
		e.hasInput = e.hasInput || r.hasInput
		e.outputSeen = e.outputSeen || r.hasOutput
	}
}

// waitList is an intrusive FIFO list; all its entries share one delay, so
// the head has the earliest deadline.
type waitList struct {
	head, tail *entry
	delay      time.Duration
}

func (l *waitList) pushBack(e *entry) {
	e.prev, e.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = e
	} else {
		l.head = e
	}
	l.tail = e
}

func (l *waitList) remove(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// Join is the waiting area. Its methods are safe for concurrent use.
type Join struct {
	cfg Config
	// forward hands spans to the sending queue (the exporterhelper).
	forward func(context.Context, ptrace.Traces) error
	tel     *metadata.TelemetryBuilder
	logger  *zap.Logger
	now     func() time.Time

	mu      sync.Mutex
	entries map[spanKey]*entry
	lists   [2]waitList
	bytes   int64
	seq     uint64
	closed  bool
	stopCh  chan struct{}
	doneCh  chan struct{}
}

// New returns a join that hands spans on to forward (the exporterhelper's
// ConsumeTraces) and records its metrics with tel. Call Start to run the
// expiry loop and Shutdown to flush what waits.
func New(cfg Config, forward func(context.Context, ptrace.Traces) error, tel *metadata.TelemetryBuilder, logger *zap.Logger) *Join {
	j := &Join{
		cfg:     cfg,
		forward: forward,
		tel:     tel,
		logger:  logger,
		now:     time.Now,
		entries: make(map[spanKey]*entry),
	}
	j.lists[classWindow].delay = cfg.Window
	j.lists[classCall].delay = cfg.MaxCallDuration
	return j
}

// Config returns the configuration the join runs with.
func (j *Join) Config() Config { return j.cfg }

// sweepInterval is how often expired entries are looked for: a tenth of
// the window (a span waits at most 10% longer than configured), between
// 10 ms and 500 ms.
func (j *Join) sweepInterval() time.Duration {
	return min(max(j.cfg.Window/10, 10*time.Millisecond), 500*time.Millisecond)
}

// Start runs the expiry loop. Safe to call more than once.
func (j *Join) Start() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.stopCh != nil || j.closed {
		return
	}
	j.stopCh, j.doneCh = make(chan struct{}), make(chan struct{})
	go j.run(j.stopCh, j.doneCh, j.sweepInterval())
}

func (j *Join) run(stop <-chan struct{}, done chan<- struct{}, every time.Duration) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			j.expire()
		}
	}
}

// Shutdown stops the loop and sends everything that waits: spans are
// forwarded (before the sending queue drains), records without a span are
// counted and dropped. Safe without start and more than once.
func (j *Join) Shutdown(ctx context.Context) error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	stop, done := j.stopCh, j.doneCh
	j.mu.Unlock()
	if stop != nil {
		close(stop)
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var out effects
	j.mu.Lock()
	out.begin(j)
	for _, l := range []*waitList{&j.lists[classWindow], &j.lists[classCall]} {
		for e := l.head; e != nil; e = l.head {
			j.remove(e)
			out.release(e, releaseShutdown)
		}
	}
	out.end(j)
	j.mu.Unlock()
	j.finish(context.Background(), &out)
	return nil
}

// expire releases every entry whose time is up.
func (j *Join) expire() {
	now := j.now()
	var out effects
	j.mu.Lock()
	out.begin(j)
	for c := range j.lists {
		l := &j.lists[c]
		for e := l.head; e != nil && !now.Before(e.since.Add(l.delay)); e = l.head {
			j.remove(e)
			out.release(e, releaseExpired)
		}
	}
	out.end(j)
	j.mu.Unlock()
	j.finish(context.Background(), &out)
}

// spanAct is what ConsumeTraces does with one span.
type spanAct struct {
	fold *entry // records to fold into the span, which goes on now
	hold bool   // the span waits
}

// ConsumeTraces passes spans on, folding in records that already wait for
// them, and keeps model-call spans that still await content. Spans that are
// not held are forwarded in one call with ctx, and its error is returned,
// exactly as without the join.
func (j *Join) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	now := j.now()
	var (
		out  effects
		acts []spanAct // nil while every span passes unchanged
		org  *origin
	)
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return j.forward(ctx, td)
	}
	out.begin(j)
	n := 0
	rss := td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		rs := rss.At(r)
		sss := rs.ScopeSpans()
		for s := 0; s < sss.Len(); s++ {
			ss := sss.At(s)
			spans := ss.Spans()
			for i := 0; i < spans.Len(); i, n = i+1, n+1 {
				span := spans.At(i)
				key := spanKey{span.TraceID(), span.SpanID()}
				if key.traceID.IsEmpty() || key.spanID.IsEmpty() {
					continue // the translator drops and counts these
				}
				var e *entry
				if len(j.entries) > 0 {
					e = j.entries[key]
				}
				if e != nil && e.hasSpan {
					continue // a duplicate of a waiting span passes as it is
				}
				awaits := awaitsContent(span)
				if e == nil && !awaits {
					continue
				}
				if acts == nil {
					acts = make([]spanAct, td.SpanCount())
				}
				if e == nil {
					e = &entry{key: key}
					j.entries[key] = e
				} else {
					j.lists[e.class].remove(e)
				}
				e.hasSpan = true
				e.isError = span.Status().Code() == ptrace.StatusCodeError
				e.expect = expectedChoices(span)
				if !awaits || e.complete() {
					// Records are here (and, for a model call, all of them):
					// fold them in place and let the span go on now.
					delete(j.entries, key)
					j.bytes -= e.bytes
					acts[n].fold = e
					out.joined(e)
					continue
				}
				if org == nil {
					org = &origin{ctx: context.WithoutCancel(ctx)}
				}
				e.origin = org
				e.span = copySpan(rs, ss, span)
				size := int64(spanSizer.ResourceSpansSize(e.span.ResourceSpans().At(0)))
				e.bytes += size
				j.bytes += size
				e.class, e.since = classWindow, now
				j.lists[classWindow].pushBack(e)
				acts[n].hold = true
			}
		}
	}
	j.enforceBounds(&out)
	out.end(j)
	j.mu.Unlock()

	var err error
	if acts == nil {
		err = j.forward(ctx, td)
	} else if rest := rebuildTraces(td, acts); rest.SpanCount() > 0 {
		err = j.forward(ctx, rest)
	}
	j.finish(ctx, &out)
	return err
}

// ConsumeLogs adds the content records of ld to the waiting area; other
// records are counted and ignored. It never fails: records are not
// retried, and what is dropped is counted.
func (j *Join) ConsumeLogs(ctx context.Context, ld plog.Logs) {
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
		for s := 0; s < sls.Len(); s++ {
			lrs := sls.At(s).LogRecords()
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
		j.tel.ExporterRespanLogsJoinRecordsIgnored.Add(ctx, ignored)
	}
	if noSpans > 0 {
		j.tel.ExporterRespanLogsJoinRecordsOrphaned.Add(ctx, noSpans,
			metric.WithAttributes(attribute.String("reason", releaseReasonNames[releaseNoSpanID])))
	}
	if len(recs) == 0 {
		return
	}

	now := j.now()
	var out effects
	j.mu.Lock()
	out.begin(j)
	if j.closed {
		out.orphans[releaseShutdown] += int64(len(recs))
		out.end(j)
		j.mu.Unlock()
		j.finish(ctx, &out)
		return
	}
	var touched []*entry
	for _, kr := range recs {
		e := j.entries[kr.key]
		if e == nil {
			e = &entry{key: kr.key}
			j.entries[kr.key] = e
		} else if !e.hasSpan {
			j.lists[e.class].remove(e)
		}
		kr.rec.seq = j.seq
		j.seq++
		e.addRecord(kr.rec)
		j.bytes += kr.rec.size
		if e.hasSpan {
			// The span's own window governs; check it once the batch is in.
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
		j.lists[e.class].pushBack(e)
	}
	for _, e := range touched {
		if e.complete() && j.entries[e.key] == e {
			j.remove(e)
			out.release(e, releaseComplete)
		}
	}
	j.enforceBounds(&out)
	out.end(j)
	j.mu.Unlock()
	j.finish(ctx, &out)
}

// enforceBounds flushes the oldest entries until the waiting area is within
// max_spans and max_bytes. Called with j.mu held.
func (j *Join) enforceBounds(out *effects) {
	for len(j.entries) > j.cfg.MaxSpans || j.bytes > j.cfg.MaxBytes {
		e := j.oldest()
		if e == nil {
			return
		}
		limit := boundBytes
		if len(j.entries) > j.cfg.MaxSpans {
			limit = boundSpans
		}
		out.early[limit]++
		j.remove(e)
		out.release(e, releaseEvicted)
	}
}

// oldest returns the entry whose wait started first.
func (j *Join) oldest() *entry {
	w, c := j.lists[classWindow].head, j.lists[classCall].head
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

// remove takes e out of the waiting area. Called with j.mu held.
func (j *Join) remove(e *entry) {
	delete(j.entries, e.key)
	j.lists[e.class].remove(e)
	j.bytes -= e.bytes
}

// effects collects, under the lock, what to do and count once it is
// released.
type effects struct {
	spans []releasedSpan
	// orphans counts dropped records, early the flushes forced by a bound,
	// by reason / limit.
	orphans [numReleaseReasons]int64
	early   [numBounds]int64
	// joinedNow: spans folded in ConsumeTraces and their records.
	joinedNow, recordsNow int64

	entries0, bytes0 int64
	dEntries, dBytes int64
}

type releasedSpan struct {
	e   *entry
	why releaseReason
}

func (o *effects) begin(j *Join) { o.entries0, o.bytes0 = int64(len(j.entries)), j.bytes }
func (o *effects) end(j *Join) {
	o.dEntries, o.dBytes = int64(len(j.entries))-o.entries0, j.bytes-o.bytes0
}

func (o *effects) release(e *entry, why releaseReason) {
	if e.hasSpan {
		o.spans = append(o.spans, releasedSpan{e, why})
		return
	}
	o.orphans[why] += int64(len(e.recs))
}

func (o *effects) joined(e *entry) {
	o.joinedNow++
	o.recordsNow += int64(len(e.recs))
}

// finish, outside the lock, folds and forwards the released spans (grouped
// by the call they came with) and records the telemetry.
func (j *Join) finish(ctx context.Context, o *effects) {
	joined, records := o.joinedNow, o.recordsNow
	var without [numReleaseReasons]int64
	type group struct {
		o  *origin
		td ptrace.Traces
	}
	var groups []group
	for _, rsp := range o.spans {
		e := rsp.e
		span := e.span.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		if len(e.recs) > 0 {
			foldRecords(span, e.recs)
			joined++
			records += int64(len(e.recs))
		} else {
			addJoinWarning(span, rsp.why)
			without[rsp.why]++
		}
		gi := slices.IndexFunc(groups, func(g group) bool { return g.o == e.origin })
		if gi < 0 {
			groups = append(groups, group{o: e.origin, td: ptrace.NewTraces()})
			gi = len(groups) - 1
		}
		e.span.ResourceSpans().MoveAndAppendTo(groups[gi].td.ResourceSpans())
	}
	for _, g := range groups {
		if err := j.forward(g.o.ctx, g.td); err != nil {
			// The exporterhelper has logged and counted it (e.g. a full
			// queue); there is no caller to return it to.
			j.logger.Debug("Forwarding spans released by the logs join failed", zap.Error(err))
		}
	}

	t := j.tel
	if joined > 0 {
		t.ExporterRespanLogsJoinSpansJoined.Add(ctx, joined)
		t.ExporterRespanLogsJoinRecordsJoined.Add(ctx, records)
	}
	for why, n := range without {
		if n > 0 {
			t.ExporterRespanLogsJoinSpansWithoutContent.Add(ctx, n,
				metric.WithAttributes(attribute.String("reason", releaseReasonNames[why])))
		}
	}
	for why, n := range o.orphans {
		if n > 0 {
			t.ExporterRespanLogsJoinRecordsOrphaned.Add(ctx, n,
				metric.WithAttributes(attribute.String("reason", releaseReasonNames[why])))
		}
	}
	for limit, n := range o.early {
		if n > 0 {
			t.ExporterRespanLogsJoinEarlyFlushes.Add(ctx, n,
				metric.WithAttributes(attribute.String("limit", boundNames[limit])))
		}
	}
	if o.dEntries != 0 {
		t.ExporterRespanLogsJoinWaiting.Add(ctx, o.dEntries)
	}
	if o.dBytes != 0 {
		t.ExporterRespanLogsJoinWaitingBytes.Add(ctx, o.dBytes)
	}
}

var (
	spanSizer ptrace.ProtoMarshaler
	logSizer  plog.ProtoMarshaler
)

// copySpan returns an owned copy of span with its resource and scope.
func copySpan(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) ptrace.Traces {
	return subset.Span(rs, ss, span)
}

// rebuildTraces copies td without the held spans and with records folded
// into the joined ones, keeping the resource/scope grouping and order. td
// itself is not modified (it may be shared and read-only).
func rebuildTraces(td ptrace.Traces, acts []spanAct) ptrace.Traces {
	return subset.Traces(td,
		func(p subset.Pos) bool { return !acts[p.N].hold },
		func(p subset.Pos, dst ptrace.Span) {
			if a := acts[p.N]; a.fold != nil {
				foldRecords(dst, a.fold.recs)
			}
		})
}

// foldRecords appends the records to span as span events in message order,
// with timestamps that realise that order for the translator (which sorts
// message events by time, choices by time then index): input messages
// first, then choices, then operation details.
//
// Records of one call often share a timestamp (instrumentation-openai
// stamps all input messages with one Date.now()) and can arrive in any
// order, so within equal times: system messages first, then arrival order;
// choices by their index; a tool result that precedes the assistant message
// calling it is moved after that message. The folded events' timestamps are
// synthetic order keys starting at the span's start time.
func foldRecords(span ptrace.Span, recs []record) {
	orderRecords(recs)
	base := uint64(span.StartTimestamp())
	if base == 0 {
		for i := range recs {
			if t := recs[i].ts; t != 0 && (base == 0 || t < base) {
				base = t
			}
		}
	}
	evs := span.Events()
	evs.EnsureCapacity(evs.Len() + len(recs))
	for i := range recs {
		ev := evs.AppendEmpty()
		ev.SetName(recs[i].name)
		ev.SetTimestamp(pcommon.Timestamp(base + uint64(i)))
		recs[i].attrs.MoveTo(ev.Attributes())
	}
}

func recGroup(k recKind) int {
	switch k {
	case recInput:
		return 0
	case recChoice:
		return 1
	}
	return 2
}

// orderRecords sorts recs into message order (see foldRecords).
func orderRecords(recs []record) {
	sort.SliceStable(recs, func(a, b int) bool {
		x, y := &recs[a], &recs[b]
		gx, gy := recGroup(x.kind), recGroup(y.kind)
		if gx != gy {
			return gx < gy
		}
		if gx == 1 && x.index != y.index {
			return x.index < y.index
		}
		if x.ts != y.ts {
			return x.ts < y.ts
		}
		if gx == 0 && x.system != y.system {
			return x.system
		}
		return x.seq < y.seq
	})
	nIn := 0
	for nIn < len(recs) && recs[nIn].kind == recInput {
		nIn++
	}
	placeToolResults(recs[:nIn])
}

// maxToolReorder bounds the quadratic tool-result placement.
const maxToolReorder = 1024

// placeToolResults moves each tool message that precedes the assistant
// message whose tool_calls it answers to just after that message (after
// results of earlier calls of the same message). OpenAI rejects a tool
// message that does not follow its call, so such an order is never right.
func placeToolResults(in []record) {
	if len(in) > maxToolReorder {
		return
	}
	for i := 0; i < len(in); i++ {
		id := in[i].toolID
		if id == "" {
			continue
		}
		for j := i + 1; j < len(in); j++ {
			pos := slices.Index(in[j].callIDs, id)
			if pos < 0 {
				continue
			}
			k := j + 1
			for k < len(in) && in[k].toolID != "" {
				if p := slices.Index(in[j].callIDs, in[k].toolID); p < 0 || p > pos {
					break
				}
				k++
			}
			r := in[i]
			copy(in[i:k-1], in[i+1:k])
			in[k-1] = r
			i-- // a new record is at i now
			break
		}
	}
}

// addJoinWarning notes on a span that it was sent without the content it
// waited for.
func addJoinWarning(span ptrace.Span, why releaseReason) {
	msg := "no prompt/completion log records arrived for this model call within logs_join.window"
	switch why {
	case releaseEvicted:
		msg = "sent without prompt/completion: the logs join was full (logs_join.max_spans/max_bytes), so the span left before its window ended"
	case releaseShutdown:
		msg = "sent without prompt/completion: the collector shut down while the span waited for its log records"
	}
	attrs := span.Attributes()
	var list pcommon.Slice
	if v, ok := attrs.Get(AttrExporterWarnings); ok && v.Type() == pcommon.ValueTypeSlice {
		list = v.Slice()
	} else {
		list = attrs.PutEmptySlice(AttrExporterWarnings)
	}
	list.AppendEmpty().SetStr(msg)
}
