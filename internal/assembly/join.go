// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"context"
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
	"github.com/respanai/respanexporter/internal/subset"
)

// The logs join, inside the assembly stage: model-call spans without
// content wait for their content log records and records wait for their
// span. A joined span leaves with the records folded in as span events (see
// foldRecords), so the translator, which already reads those events, stays
// the only place that builds messages.
//
// An entry (one per trace id + span id) holds the records of a span and,
// once the span is held by the stage, a handle to it:
//   - records first (the usual case: the SDKs export logs every 1 s, spans
//     every 5 s): the records wait in one of two FIFO lists, each with a
//     fixed delay, so the list order is the deadline order: the window list
//     (records of finished calls) and the call list (input records of calls
//     still running, which wait up to max_call_duration);
//   - span first: the span's group (its trace, or the span alone with trace
//     waiting off) waits until the call is complete (all choices or an
//     output record, or an input record for a failed call) or until the
//     window ends;
//   - records are folded when the group leaves; a model call without
//     content leaves with a warning, records without a span are counted and
//     dropped when their time is up.

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

// joinReason says why records or a model call stopped waiting for each
// other (the "reason" attribute of the join's metrics).
type joinReason uint8

const (
	joinComplete joinReason = iota // not a metric value: the normal join
	joinExpired
	joinEvicted
	joinShutdown
	joinNoSpanID
	numJoinReasons
)

var joinReasonNames = [numJoinReasons]string{"", "expired", "evicted", "shutdown", "no_span_id"}

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

	// The span, once it arrived: a handle into the group holding it.
	hasSpan bool
	span    ptrace.Span
	group   *group
	awaits  bool // a model call waiting for its content records
	done    bool // counted out of its group's pending calls
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
	case recAnnotation:
		// An evaluation of the output, or the exception that ended the
		// call: either way the call is over.
		e.outputSeen = true
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

var (
	spanSizer ptrace.ProtoMarshaler
	logSizer  plog.ProtoMarshaler
)

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
	case recAnnotation:
		return 3
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

// placeToolResults moves each tool message that precedes the assistant
// message whose tool_calls it answers to just after that message, among
// the results of that message's calls in the order of its calls (a result
// already following the message stays; a moved one goes before the first
// follower answering a later call). OpenAI rejects a tool message that
// does not follow its call, so such an order is never right.
//
// O(n log n) in the records: one index of call ids, a binary search per
// tool message for the first assistant message after it that made the
// call, a sort of the moved results per message, and one merge.
func placeToolResults(in []record) {
	type callAt struct{ msg, pos int }
	var calls map[string][]callAt // assistant messages in order, per call id
	for j := range in {
		for p, id := range in[j].callIDs {
			if calls == nil {
				calls = map[string][]callAt{}
			}
			calls[id] = append(calls[id], callAt{j, p})
		}
	}
	if calls == nil {
		return
	}
	type move struct{ rec, target, pos int }
	var moves []move
	for i := range in {
		id := in[i].toolID
		if id == "" {
			continue
		}
		cs := calls[id]
		k := sort.Search(len(cs), func(k int) bool { return cs[k].msg > i })
		if k < len(cs) {
			moves = append(moves, move{i, cs[k].msg, cs[k].pos})
		}
	}
	if len(moves) == 0 {
		return
	}
	// By target, then call position, then original order.
	sort.SliceStable(moves, func(a, b int) bool {
		if moves[a].target != moves[b].target {
			return moves[a].target < moves[b].target
		}
		return moves[a].pos < moves[b].pos
	})
	moved := make([]bool, len(in))
	for _, m := range moves {
		moved[m.rec] = true
	}
	callPos := func(j int, id string) int {
		for _, c := range calls[id] {
			if c.msg == j {
				return c.pos
			}
		}
		return -1
	}
	out := make([]record, 0, len(in))
	mi := 0
	for j := 0; j < len(in); j++ {
		if moved[j] {
			continue
		}
		out = append(out, in[j])
		if mi >= len(moves) || moves[mi].target != j {
			continue
		}
		// Merge the results moved after t with those already following it.
		t := j
		for j+1 < len(in) && !moved[j+1] && in[j+1].toolID != "" {
			p := callPos(t, in[j+1].toolID)
			if p < 0 {
				break
			}
			for mi < len(moves) && moves[mi].target == t && moves[mi].pos < p {
				out = append(out, in[moves[mi].rec])
				mi++
			}
			j++
			out = append(out, in[j])
		}
		for mi < len(moves) && moves[mi].target == t {
			out = append(out, in[moves[mi].rec])
			mi++
		}
	}
	copy(in, out)
}

// addJoinWarning notes on a span that it was sent without the content it
// waited for.
func addJoinWarning(span ptrace.Span, why joinReason) {
	msg := "no prompt/completion log records arrived for this model call within logs_join.window"
	switch why {
	case joinEvicted:
		msg = "sent without prompt/completion: the assembly stage was full (assembly.max_spans, max_bytes or max_traces), so the span left before its window ended"
	case joinShutdown:
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
