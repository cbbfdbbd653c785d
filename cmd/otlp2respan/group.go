// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Translating a trace needs all of its spans at once (identifiers,
// workflow names and usage are propagated along the tree), but a trace's
// spans may be spread over any number of requests and files. traceGrouper
// collects the requests of every input and hands them back in groups,
// each holding whole traces:
//
//   - While the inputs read so far fit in the memory budget, they stay in
//     memory and form a single group, in input order (so the output for
//     small inputs is exactly that of translating everything as one batch).
//   - Past the budget, every request is split by hash(trace id) into N
//     bucket files (OTLP protobuf, resource and scope kept) in a temporary
//     directory; N is chosen from the total input size so that each bucket
//     fits the budget. Each bucket is then one group: whole traces, input
//     order within the bucket.

// defaultGroupBytes is the input (OTLP/JSON bytes) translated at once. The
// decoded form takes a few times its JSON size; 16 MiB keeps import and
// convert near 150 MB of RSS whatever the input size.
const defaultGroupBytes = 16 << 20

const (
	maxBuckets = 256
	// unknownInputBuckets: with a pipe or stdin among the inputs the total
	// size is unknown; this many buckets keep up to 1 GiB of it per 16 MiB.
	unknownInputBuckets = 64
)

// spanRecord is a piece of one request of one input.
type spanRecord struct {
	file   int // index of the input it came from
	traces ptrace.Traces
}

type traceGrouper struct {
	budget   int64
	size     int64 // total input bytes, as known before reading
	unknown  bool  // some input has an unknown size
	mem      []spanRecord
	memBytes int64

	// After the spill.
	dir     string
	n       int
	files   []*os.File
	writers []*bufio.Writer
	sizes   []int64
	marsh   ptrace.ProtoMarshaler
	hdr     []byte
}

func newTraceGrouper(budget, size int64, unknown bool) *traceGrouper {
	if budget <= 0 {
		budget = defaultGroupBytes
	}
	return &traceGrouper{budget: budget, size: size, unknown: unknown}
}

// spilled reports whether the grouper went to disk.
func (g *traceGrouper) spilled() bool { return g.n > 0 }

// add takes a request of input file; inputBytes is its size in the input.
func (g *traceGrouper) add(file int, td ptrace.Traces, inputBytes int) error {
	if !g.spilled() {
		if g.memBytes+int64(inputBytes) <= g.budget {
			g.mem = append(g.mem, spanRecord{file: file, traces: td})
			g.memBytes += int64(inputBytes)
			return nil
		}
		if err := g.spill(); err != nil {
			return err
		}
	}
	return g.write(file, td)
}

// spill moves what is in memory to the bucket files.
func (g *traceGrouper) spill() error {
	n := int((max(g.size, g.memBytes) + g.budget - 1) / g.budget)
	if g.unknown {
		n = max(n, unknownInputBuckets)
	}
	n = min(max(n, 2), maxBuckets)
	dir, err := os.MkdirTemp("", "otlp2respan-*")
	if err != nil {
		return fmt.Errorf("creating a temporary directory for grouping spans by trace: %w", err)
	}
	g.dir, g.n = dir, n
	g.files = make([]*os.File, n)
	g.writers = make([]*bufio.Writer, n)
	g.sizes = make([]int64, n)
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("bucket-%03d.pb", i)))
		if err != nil {
			return fmt.Errorf("creating a temporary bucket file: %w", err)
		}
		g.files[i] = f
		g.writers[i] = bufio.NewWriterSize(f, 32<<10)
	}
	mem := g.mem
	g.mem, g.memBytes = nil, 0
	for _, r := range mem {
		if err := g.write(r.file, r.traces); err != nil {
			return err
		}
	}
	return nil
}

func bucketOf(id pcommon.TraceID, n int) int {
	h := fnv.New64a()
	_, _ = h.Write(id[:])
	return int(h.Sum64() % uint64(n))
}

// write splits td by bucket and appends each part to its bucket file.
func (g *traceGrouper) write(file int, td ptrace.Traces) error {
	parts := map[int]ptrace.Traces{}
	one, same := -1, true
	forEachSpan(td, func(sp ptrace.Span) {
		b := bucketOf(sp.TraceID(), g.n)
		if one < 0 {
			one = b
		} else if b != one {
			same = false
		}
	})
	if one < 0 {
		return nil // no spans
	}
	if same {
		parts[one] = td
	} else {
		routeSpans(td, false, func(sp ptrace.Span) ptrace.Traces {
			b := bucketOf(sp.TraceID(), g.n)
			p, ok := parts[b]
			if !ok {
				p = ptrace.NewTraces()
				parts[b] = p
			}
			return p
		})
	}
	for b, p := range parts {
		body, err := g.marsh.MarshalTraces(p)
		if err != nil {
			return fmt.Errorf("encoding spans for a temporary bucket: %w", err)
		}
		g.hdr = binary.AppendUvarint(g.hdr[:0], uint64(file))
		g.hdr = binary.AppendUvarint(g.hdr, uint64(len(body)))
		if _, err := g.writers[b].Write(g.hdr); err != nil {
			return fmt.Errorf("writing a temporary bucket: %w", err)
		}
		if _, err := g.writers[b].Write(body); err != nil {
			return fmt.Errorf("writing a temporary bucket: %w", err)
		}
		g.sizes[b] += int64(len(g.hdr) + len(body))
	}
	return nil
}

// groups calls fn with each group of records, whole traces per group; a
// record's traces may be moved from by fn. Each bucket is deleted once
// read. It stops at fn's first error.
func (g *traceGrouper) groups(fn func(recs []spanRecord) error) error {
	if !g.spilled() {
		recs := g.mem
		g.mem = nil
		if len(recs) == 0 {
			return nil
		}
		return fn(recs)
	}
	for i, w := range g.writers {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("writing a temporary bucket: %w", err)
		}
		g.writers[i] = nil
	}
	for i, f := range g.files {
		if g.sizes[i] == 0 {
			continue
		}
		recs, err := readBucket(f)
		_ = f.Close()
		_ = os.Remove(f.Name())
		g.files[i] = nil
		if err != nil {
			return err
		}
		if err := fn(recs); err != nil {
			return err
		}
	}
	return nil
}

func readBucket(f *os.File) ([]spanRecord, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("reading a temporary bucket: %w", err)
	}
	br := bufio.NewReaderSize(f, 256<<10)
	var um ptrace.ProtoUnmarshaler
	var recs []spanRecord
	var body []byte
	for {
		file, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		n, err2 := binary.ReadUvarint(br)
		if err != nil || err2 != nil {
			return nil, fmt.Errorf("reading a temporary bucket %s: corrupt record", f.Name())
		}
		if uint64(cap(body)) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, fmt.Errorf("reading a temporary bucket %s: %w", f.Name(), err)
		}
		td, err := um.UnmarshalTraces(body)
		if err != nil {
			return nil, fmt.Errorf("reading a temporary bucket %s: %w", f.Name(), err)
		}
		recs = append(recs, spanRecord{file: int(file), traces: td})
	}
}

// close removes the temporary files.
func (g *traceGrouper) close() {
	for _, f := range g.files {
		if f != nil {
			_ = f.Close()
		}
	}
	if g.dir != "" {
		_ = os.RemoveAll(g.dir)
	}
	g.mem = nil
}

// routeSpans copies (or moves) each span of td to the batch dst picks for
// it, under a copy of its resource and scope: one resource and scope
// entry per source entry and destination, in source order.
func routeSpans(td ptrace.Traces, move bool, dst func(ptrace.Span) ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		dstRS := map[ptrace.Traces]ptrace.ResourceSpans{}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			dstSS := map[ptrace.Traces]ptrace.ScopeSpans{}
			for k := 0; k < ss.Spans().Len(); k++ {
				sp := ss.Spans().At(k)
				d := dst(sp)
				dss, ok := dstSS[d]
				if !ok {
					drs, ok := dstRS[d]
					if !ok {
						drs = d.ResourceSpans().AppendEmpty()
						rs.Resource().CopyTo(drs.Resource())
						drs.SetSchemaUrl(rs.SchemaUrl())
						dstRS[d] = drs
					}
					dss = drs.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(dss.Scope())
					dss.SetSchemaUrl(ss.SchemaUrl())
					dstSS[d] = dss
				}
				if move {
					sp.MoveTo(dss.Spans().AppendEmpty())
				} else {
					sp.CopyTo(dss.Spans().AppendEmpty())
				}
			}
		}
	}
}

// mergeRecords moves the spans of recs into one batch, in order.
func mergeRecords(recs []spanRecord) ptrace.Traces {
	all := ptrace.NewTraces()
	for i := range recs {
		recs[i].traces.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		recs[i] = spanRecord{}
	}
	return all
}
