// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package benchdata

// Fixture traffic: the shared fixtures' traces, copied with fresh ids, as
// the load harness (bench/) sends them and the translator's fixture
// micro-benchmark translates them. Their messages are a few hundred bytes,
// as many chat applications send.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// LoadFixtures reads every OTLP/JSON fixture of dir (NAME.json, not the
// NAME.expected.json expectations), in name order.
func LoadFixtures(dir string) ([]ptrace.Traces, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(paths)
	var out []ptrace.Traces
	var names []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".expected.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil {
			return nil, nil, fmt.Errorf("fixture %s: %w", p, err)
		}
		if td.SpanCount() == 0 {
			continue
		}
		out = append(out, td)
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no fixtures (*.json with spans) in %s (-fixtures sets the directory; run from the repository root)", dir)
	}
	return out, names, nil
}

// FixtureTraces returns whole copies of the fixtures, cycling through them
// from a seed-dependent start, until there are at least spansPer spans.
// Every copy gets fresh trace and span ids (parents and links inside the
// copy follow), so that no two traces of the load share an id: the
// exporter keeps per-trace state across batches, and the stand-in counts
// spans by id.
func FixtureTraces(fx []ptrace.Traces, spansPer int, seed uint64) ptrace.Traces {
	rng := rand.New(rand.NewPCG(seed, 0xf1_7e_5eed))
	out := ptrace.NewTraces()
	n := 0
	for c := 0; n < spansPer; c++ {
		src := fx[(int(seed)+c)%len(fx)]
		first := out.ResourceSpans().Len()
		for i := 0; i < src.ResourceSpans().Len(); i++ {
			src.ResourceSpans().At(i).CopyTo(out.ResourceSpans().AppendEmpty())
		}
		n += src.SpanCount()
		rewriteIDs(out.ResourceSpans(), first, rng)
	}
	return out
}

// rewriteIDs gives the spans of rss[first:] new random trace and span ids,
// mapping each old id to one new id so that parent links and span links
// within the copy stay intact. Links to spans outside the copy are left.
func rewriteIDs(rss ptrace.ResourceSpansSlice, first int, rng *rand.Rand) {
	traces := map[pcommon.TraceID]pcommon.TraceID{}
	spanIDs := map[pcommon.SpanID]pcommon.SpanID{}
	each := func(f func(s ptrace.Span)) {
		for i := first; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					f(spans.At(k))
				}
			}
		}
	}
	each(func(s ptrace.Span) {
		if _, ok := traces[s.TraceID()]; !ok {
			traces[s.TraceID()] = randomTraceID(rng)
		}
		spanIDs[s.SpanID()] = randomSpanID(rng)
	})
	each(func(s ptrace.Span) {
		s.SetTraceID(traces[s.TraceID()])
		s.SetSpanID(spanIDs[s.SpanID()])
		if p := s.ParentSpanID(); !p.IsEmpty() {
			// A parent outside the fixture (a remote caller) still gets a
			// per-copy id, so that copies do not share a parent either.
			if _, ok := spanIDs[p]; !ok {
				spanIDs[p] = randomSpanID(rng)
			}
			s.SetParentSpanID(spanIDs[p])
		}
		links := s.Links()
		for l := 0; l < links.Len(); l++ {
			ln := links.At(l)
			t, okT := traces[ln.TraceID()]
			sp, okS := spanIDs[ln.SpanID()]
			if okT && okS {
				ln.SetTraceID(t)
				ln.SetSpanID(sp)
			}
		}
	})
}

func randomTraceID(rng *rand.Rand) pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(rng.UintN(256))
	}
	id[0] |= 1 // never all zero
	return id
}

func randomSpanID(rng *rand.Rand) pcommon.SpanID {
	var id pcommon.SpanID
	for i := range id {
		id[i] = byte(rng.UintN(256))
	}
	id[7] |= 1
	return id
}
