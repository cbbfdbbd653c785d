// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/examples/traces"
)

// bundledExamples are the example traces of examples/traces.
func bundledExamples() ([]*replaySource, error) {
	names, err := fs.Glob(traces.FS, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	srcs := make([]*replaySource, 0, len(names))
	for _, n := range names {
		srcs = append(srcs, &replaySource{name: "example:" + path.Base(n), open: func(ctx context.Context) (*openedInput, error) {
			f, err := traces.FS.Open(n)
			if err != nil {
				return nil, fmt.Errorf("bundled example: %w", err)
			}
			return &openedInput{name: "example:" + n, r: &ctxReader{ctx: ctx, r: f}, size: -1, stop: func() bool { return f.Close() == nil }}, nil
		}})
	}
	return srcs, nil
}

// chunkTraces splits td into pieces of at most maxSpans spans. Resource
// groups (a resource with its scopes and spans, as one OTLP request
// carries them) are kept whole when they fit, so spans of one request stay
// together; a group larger than maxSpans is split between its spans, each
// piece keeping the resource and scope. td is not modified.
func chunkTraces(td ptrace.Traces, maxSpans int) []ptrace.Traces {
	if maxSpans <= 0 || td.SpanCount() <= maxSpans {
		return []ptrace.Traces{td}
	}
	var out []ptrace.Traces
	cur, curSpans := ptrace.NewTraces(), 0
	flush := func() {
		if curSpans > 0 {
			out = append(out, cur)
			cur, curSpans = ptrace.NewTraces(), 0
		}
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		n := resourceSpanCount(rs)
		if n <= maxSpans {
			if curSpans+n > maxSpans {
				flush()
			}
			rs.CopyTo(cur.ResourceSpans().AppendEmpty())
			curSpans += n
			continue
		}
		// An oversized group: split it between spans, topping up the
		// current piece first.
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			var dstSS ptrace.ScopeSpans
			haveSS := false
			for k := 0; k < ss.Spans().Len(); k++ {
				if curSpans == maxSpans {
					flush()
					haveSS = false
				}
				if !haveSS {
					dstRS := cur.ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(dstRS.Resource())
					dstRS.SetSchemaUrl(rs.SchemaUrl())
					dstSS = dstRS.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(dstSS.Scope())
					dstSS.SetSchemaUrl(ss.SchemaUrl())
					haveSS = true
				}
				ss.Spans().At(k).CopyTo(dstSS.Spans().AppendEmpty())
				curSpans++
			}
		}
	}
	flush()
	return out
}

// latestTime is the latest span start or end in td (0 when none).
func latestTime(td ptrace.Traces) uint64 {
	var latest uint64
	forEachSpan(td, func(sp ptrace.Span) {
		latest = max(latest, uint64(sp.EndTimestamp()), uint64(sp.StartTimestamp()))
	})
	return latest
}

// shiftTimes moves every time in td (span start and end, event times) by
// shift, so that a file's durations and the spacing between its spans are
// kept. Zero timestamps stay zero.
func shiftTimes(td ptrace.Traces, shift time.Duration) {
	move := func(ts pcommon.Timestamp) pcommon.Timestamp {
		if ts == 0 {
			return 0
		}
		v := int64(ts) + int64(shift)
		if v <= 0 {
			return 1
		}
		return pcommon.Timestamp(v)
	}
	forEachSpan(td, func(sp ptrace.Span) {
		sp.SetStartTimestamp(move(sp.StartTimestamp()))
		sp.SetEndTimestamp(move(sp.EndTimestamp()))
		for i := 0; i < sp.Events().Len(); i++ {
			ev := sp.Events().At(i)
			ev.SetTimestamp(move(ev.Timestamp()))
		}
	})
}

// idRenewer gives every trace and span fresh random ids, consistently over
// all the requests of one file: parents and links that point at spans of
// the file follow them, so the trees are kept. Replaying the same file
// twice then creates new traces instead of re-sending known ids. Links
// into traces outside the file (known: its trace ids) are left alone.
type idRenewer struct {
	known  map[pcommon.TraceID]bool
	traces map[pcommon.TraceID]pcommon.TraceID
	spans  map[spanKey]pcommon.SpanID
}

type spanKey struct {
	t pcommon.TraceID
	s pcommon.SpanID
}

func newIDRenewer(known map[pcommon.TraceID]bool) *idRenewer {
	return &idRenewer{known: known, traces: map[pcommon.TraceID]pcommon.TraceID{}, spans: map[spanKey]pcommon.SpanID{}}
}

func (r *idRenewer) trace(old pcommon.TraceID) pcommon.TraceID {
	if old.IsEmpty() {
		return old
	}
	if n, ok := r.traces[old]; ok {
		return n
	}
	var n pcommon.TraceID
	_, _ = rand.Read(n[:])
	r.traces[old] = n
	return n
}

func (r *idRenewer) span(t pcommon.TraceID, old pcommon.SpanID) pcommon.SpanID {
	if old.IsEmpty() {
		return old
	}
	k := spanKey{t, old}
	if n, ok := r.spans[k]; ok {
		return n
	}
	var n pcommon.SpanID
	_, _ = rand.Read(n[:])
	r.spans[k] = n
	return n
}

func (r *idRenewer) renew(td ptrace.Traces) {
	forEachSpan(td, func(sp ptrace.Span) {
		oldTrace := sp.TraceID()
		sp.SetTraceID(r.trace(oldTrace))
		sp.SetSpanID(r.span(oldTrace, sp.SpanID()))
		sp.SetParentSpanID(r.span(oldTrace, sp.ParentSpanID()))
		for i := 0; i < sp.Links().Len(); i++ {
			l := sp.Links().At(i)
			if lt := l.TraceID(); r.known[lt] {
				l.SetTraceID(r.trace(lt))
				l.SetSpanID(r.span(lt, l.SpanID()))
			}
		}
	})
}

// resourceSpanCount is the number of spans of one resource group.
func resourceSpanCount(rs ptrace.ResourceSpans) int {
	n := 0
	for j := 0; j < rs.ScopeSpans().Len(); j++ {
		n += rs.ScopeSpans().At(j).Spans().Len()
	}
	return n
}

func forEachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				f(spans.At(k))
			}
		}
	}
}
