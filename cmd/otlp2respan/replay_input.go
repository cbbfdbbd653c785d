// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/examples/traces"
)

// inputFile is one input of replay or import, decoded.
type inputFile struct {
	name     string // as given, "<stdin>", or "example:NAME"
	traces   ptrace.Traces
	requests int // OTLP requests in the file
}

// readInputFiles reads and decodes each name ('-' is stdin, at most once)
// with the one input reader. It returns the files that decoded and one
// message per problem.
func readInputFiles(names []string, stdin io.Reader) ([]inputFile, []string) {
	if stdinTwice(names) {
		return nil, []string{"- (standard input) given more than once"}
	}
	tds := make([]ptrace.Traces, len(names))
	for i := range tds {
		tds[i] = ptrace.NewTraces()
	}
	results, err := streamInputs(context.Background(), names, stdin, defaultMaxLineBytes, func(file int, req otlpRequest) error {
		req.Traces.ResourceSpans().MoveAndAppendTo(tds[file].ResourceSpans())
		return nil
	}, nil)
	if err != nil {
		return nil, []string{err.Error()}
	}
	var files []inputFile
	var errs []string
	for i, r := range results {
		if !r.ok() {
			errs = append(errs, r.problems()...)
			continue
		}
		files = append(files, inputFile{name: r.name, traces: tds[i], requests: r.requests})
	}
	return files, errs
}

// bundledExamples decodes the example traces of examples/traces.
func bundledExamples() ([]inputFile, error) {
	names, err := fs.Glob(traces.FS, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	files := make([]inputFile, 0, len(names))
	for _, n := range names {
		data, err := fs.ReadFile(traces.FS, n)
		if err != nil {
			return nil, err
		}
		td := ptrace.NewTraces()
		reqs, err := decodeOTLPJSON("example:"+n, data, td)
		if err != nil {
			return nil, fmt.Errorf("bundled example: %w", err)
		}
		files = append(files, inputFile{name: "example:" + path.Base(n), traces: td, requests: reqs})
	}
	return files, nil
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
		n := 0
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			n += rs.ScopeSpans().At(j).Spans().Len()
		}
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

// rebaseTimes shifts every time in td (span start and end, event times) by
// the same amount so that the latest span end is now; durations and the
// spacing between spans are kept. Zero timestamps stay zero. It returns
// the shift.
func rebaseTimes(td ptrace.Traces, now time.Time) time.Duration {
	var latest uint64
	forEachSpan(td, func(sp ptrace.Span) {
		latest = max(latest, uint64(sp.EndTimestamp()), uint64(sp.StartTimestamp()))
	})
	if latest == 0 {
		return 0
	}
	shift := now.UnixNano() - int64(latest)
	move := func(ts pcommon.Timestamp) pcommon.Timestamp {
		if ts == 0 {
			return 0
		}
		v := int64(ts) + shift
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
	return time.Duration(shift)
}

// renewIDs gives every trace and span in td fresh random ids, consistently:
// parents and links that point at spans of td follow them, so the trees are
// kept. Replaying the same file twice then creates new traces instead of
// re-sending known ids. Links into traces outside td are left alone.
func renewIDs(td ptrace.Traces) {
	traceMap := map[pcommon.TraceID]pcommon.TraceID{}
	type spanKey struct {
		t pcommon.TraceID
		s pcommon.SpanID
	}
	spanMap := map[spanKey]pcommon.SpanID{}
	newTrace := func(old pcommon.TraceID) pcommon.TraceID {
		if old.IsEmpty() {
			return old
		}
		if n, ok := traceMap[old]; ok {
			return n
		}
		var n pcommon.TraceID
		_, _ = rand.Read(n[:])
		traceMap[old] = n
		return n
	}
	newSpan := func(t pcommon.TraceID, old pcommon.SpanID) pcommon.SpanID {
		if old.IsEmpty() {
			return old
		}
		k := spanKey{t, old}
		if n, ok := spanMap[k]; ok {
			return n
		}
		var n pcommon.SpanID
		_, _ = rand.Read(n[:])
		spanMap[k] = n
		return n
	}
	forEachSpan(td, func(sp ptrace.Span) {
		oldTrace := sp.TraceID()
		sp.SetTraceID(newTrace(oldTrace))
		sp.SetSpanID(newSpan(oldTrace, sp.SpanID()))
		sp.SetParentSpanID(newSpan(oldTrace, sp.ParentSpanID()))
	})
	// Links follow only into traces of td; links to other traces are kept.
	forEachSpan(td, func(sp ptrace.Span) {
		for i := 0; i < sp.Links().Len(); i++ {
			l := sp.Links().At(i)
			lt := l.TraceID()
			if _, ok := traceMap[lt]; !ok {
				continue
			}
			l.SetTraceID(newTrace(lt))
			l.SetSpanID(newSpan(lt, l.SpanID()))
		}
	})
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
