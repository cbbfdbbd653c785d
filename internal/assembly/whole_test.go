// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// TestWholeResourceMoveMatchesSpanBySpan: an owning stage moves a resource
// whose spans are all of one trace into the trace's group whole
// (holdWhole); with spanBySpan set it moves each span under a copy of the
// resource instead. Fed the same calls (whole resources, mixed ones, spans
// without ids, local roots, resources without scopes, a logs pipeline
// switched on halfway with records for held spans, a queue that refuses
// every fifth batch) under several bounds, with storage, both hold,
// store and forward the same things: counts, chunks and storage items
// after every call, every forwarded batch byte for byte, and what a
// restart restores from each storage.
func TestWholeResourceMoveMatchesSpanBySpan(t *testing.T) {
	configs := []struct {
		name   string
		mutate func(*Config)
	}{
		{"defaults", func(*Config) {}},
		{"root_grace_0", func(c *Config) { c.RootGrace = 0 }},
		{"max_traces_3", func(c *Config) { c.MaxTraces = 3 }},
		{"max_bytes_4000", func(c *Config) { c.MaxBytes = 4000 }},
	}
	for _, c := range configs {
		for _, failEvery := range []int{0, 5} {
			t.Run(fmt.Sprintf("%s/fail_every_%d", c.name, failEvery), func(t *testing.T) {
				for seed := uint64(1); seed <= 20; seed++ {
					compareWholeAndSpanBySpan(t, seed, c.mutate, failEvery)
				}
			})
		}
	}
}

func compareWholeAndSpanBySpan(t *testing.T, seed uint64, mutate func(*Config), failEvery int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	cfg := DefaultConfig(20000)
	cfg.MaxSpans = 40 + rng.IntN(80) // bounds release traces early too
	mutate(&cfg)
	whole := newRecordingStage(t, cfg, failEvery, false)
	bySpan := newRecordingStage(t, cfg, failEvery, true)
	for _, r := range []*recordingStage{whole, bySpan} {
		require.NoError(t, r.st.Restore(context.Background(), r.client)) // empty: storage on
	}
	logsAt := 10 + rng.IntN(30) // holdWhole stops with the logs join
	var seen []spanKey
	moved := 0
	for call := range 40 {
		what := fmt.Sprintf("seed %d call %d", seed, call)
		if call == logsAt {
			whole.st.EnableLogs()
			bySpan.st.EnableLogs()
		}
		td := randomCall(rng)
		seen = appendKeys(seen, td)
		mine := ptrace.NewTraces()
		td.CopyTo(mine)
		errWhole := whole.st.ConsumeTraces(context.Background(), mine)
		errBySpan := bySpan.st.ConsumeTraces(context.Background(), td)
		require.Equal(t, errBySpan, errWhole, "%s: errors", what)
		for r := 0; r < mine.ResourceSpans().Len(); r++ {
			if mine.ResourceSpans().At(r).ScopeSpans().Len() == 0 && td.ResourceSpans().At(r).ScopeSpans().Len() > 0 {
				moved++ // holdWhole left it empty
			}
		}
		if call >= logsAt && len(seen) > 0 {
			k := seen[rng.IntN(len(seen))]
			sp := ptrace.NewSpan()
			sp.SetTraceID(k.traceID)
			sp.SetSpanID(k.spanID)
			for _, st := range []*Stage{whole.st, bySpan.st} {
				st.ConsumeLogs(context.Background(), annotationLogs(sp, "gen_ai.evaluation.result", map[string]any{"gen_ai.evaluation.name": "relevance"}))
			}
		}
		d := time.Duration(rng.IntN(3000)) * time.Millisecond
		whole.clock.Advance(d)
		bySpan.clock.Advance(d)
		whole.st.Sweep()
		bySpan.st.Sweep()
		requireSameHeld(t, bySpan, whole, what)
	}
	require.Positive(t, moved, "seed %d: holdWhole never ran", seed)

	// A restart from each storage restores the same spans.
	wholeAgain := newRecordingStage(t, cfg, 0, false)
	bySpanAgain := newRecordingStage(t, cfg, 0, true)
	require.NoError(t, wholeAgain.st.Restore(context.Background(), whole.client))
	require.NoError(t, bySpanAgain.st.Restore(context.Background(), bySpan.client))
	for _, r := range []*recordingStage{whole, bySpan, wholeAgain, bySpanAgain} {
		require.NoError(t, r.st.Shutdown(context.Background()))
	}
	requireSameBatches(t, bySpan.out, whole.out, fmt.Sprintf("seed %d forwarded", seed))
	requireSameBatches(t, bySpanAgain.out, wholeAgain.out, fmt.Sprintf("seed %d restored", seed))
}

// recordingStage is an owning trace-waiting stage with storage whose
// forwarded batches are kept encoded; its forward refuses every
// failEvery-th batch (0: none), as a full queue does.
type recordingStage struct {
	st     *Stage
	out    [][]byte
	clock  *fakeClock
	client *mapClient
	calls  int
}

func newRecordingStage(t *testing.T, cfg Config, failEvery int, spanBySpan bool) *recordingStage {
	r := &recordingStage{clock: newFakeClock(), client: newMapClient()}
	r.st = New(cfg, DefaultJoinConfig(), func(_ context.Context, td ptrace.Traces) error {
		r.calls++
		if failEvery > 0 && r.calls%failEvery == 0 {
			return errors.New("sending queue is full")
		}
		b, err := tracesMarshaler.MarshalTraces(td)
		require.NoError(t, err)
		r.out = append(r.out, b)
		return nil
	}, nopTelemetry(t), zap.NewNop())
	r.st.SetClock(r.clock.Now)
	r.st.TakeOwnership()
	r.st.spanBySpan = spanBySpan
	return r
}

func requireSameHeld(t *testing.T, want, got *recordingStage, what string) {
	t.Helper()
	for _, r := range []*recordingStage{want, got} {
		r.st.mu.Lock()
		for _, g := range r.st.groups {
			n := 0
			for _, c := range g.chunks {
				n += c.n
			}
			require.Equal(t, g.spans, n, "%s: a group's chunks count its spans", what)
			require.Equal(t, g.spans, g.td.SpanCount(), "%s: a group counts what it holds", what)
		}
		r.st.mu.Unlock()
	}
	require.Equal(t, want.st.spans, got.st.spans, "%s: spans waiting", what)
	require.Equal(t, want.st.bytes, got.st.bytes, "%s: bytes waiting", what)
	require.Equal(t, len(want.st.groups), len(got.st.groups), "%s: traces waiting", what)
	require.Equal(t, len(want.client.m), len(got.client.m), "%s: storage items", what)
	for k, v := range want.client.m {
		require.True(t, bytes.Equal(v, got.client.m[k]), "%s: storage item %s", what, k)
	}
}

func requireSameBatches(t *testing.T, want, got [][]byte, what string) {
	t.Helper()
	require.Equal(t, len(want), len(got), "%s: batches", what)
	for i := range want {
		require.True(t, bytes.Equal(want[i], got[i]), "%s: batch %d differs", what, i)
	}
}

func appendKeys(keys []spanKey, td ptrace.Traces) []spanKey {
	eachSpan(td, func(sp ptrace.Span) { keys = append(keys, spanKey{sp.TraceID(), sp.SpanID()}) })
	return keys
}

// eachSpan calls f with every span of td, in order.
func eachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	eachSpanUnder(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) { f(sp) })
}

// eachSpanUnder calls f with every span of td, in order, and the resource
// and scope it is under.
func eachSpanUnder(td ptrace.Traces, f func(ptrace.ResourceSpans, ptrace.ScopeSpans, ptrace.Span)) {
	rss := td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		sss := rss.At(r).ScopeSpans()
		for s := 0; s < sss.Len(); s++ {
			spans := sss.At(s).Spans()
			for i := 0; i < spans.Len(); i++ {
				f(rss.At(r), sss.At(s), spans.At(i))
			}
		}
	}
}

// resourceID is the res.id attribute the shared-resource tests give each
// source resource.
func resourceID(rs ptrace.ResourceSpans) string {
	v, _ := rs.Resource().Attributes().Get("res.id")
	return v.Str()
}

// randomCall is one ConsumeTraces call: resources holding one trace (the
// whole-resource case), several traces, spans without ids, or no scopes,
// from a small pool of traces so that they span calls, come late and see
// roots and local roots.
func randomCall(rng *rand.Rand) ptrace.Traces {
	td := ptrace.NewTraces()
	for range 1 + rng.IntN(4) {
		rs := td.ResourceSpans().AppendEmpty()
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.38.0")
		rs.Resource().Attributes().PutStr("service.name", []string{"api", "worker", "agent"}[rng.IntN(3)])
		if rng.IntN(8) == 0 {
			continue // a resource without scopes
		}
		mixed := rng.IntN(3) == 0
		trace := byte(rng.IntN(12))
		for range 1 + rng.IntN(3) {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("scope")
			for range rng.IntN(5) {
				sp := ss.Spans().AppendEmpty()
				tr := trace
				if mixed {
					tr = byte(rng.IntN(12))
				}
				sp.SetTraceID(traceID(tr))
				sp.SetSpanID(sid(byte(1 + rng.IntN(250))))
				switch rng.IntN(12) {
				case 0:
					// a root: the trace leaves root_grace later
				case 1:
					sp.SetSpanID(pcommon.SpanID{}) // passes at once
				case 2:
					sp.SetTraceID(pcommon.TraceID{}) // passes at once
				case 3:
					// a local root: a server span whose parent is remote
					sp.SetParentSpanID(sid(byte(1 + rng.IntN(250))))
					sp.SetKind(ptrace.SpanKindServer)
					sp.SetFlags(flagContextHasIsRemote | flagContextIsRemote)
				default:
					sp.SetParentSpanID(sid(byte(1 + rng.IntN(250))))
				}
				sp.SetName("op")
				sp.Attributes().PutInt("n", int64(rng.IntN(1000)))
				sp.Attributes().PutStr("payload", string(make([]byte, rng.IntN(64))))
			}
		}
	}
	return td
}

// TestSharedResourcesKeepEverySpansResource: spans of many traces under
// a few resources (as a batch span processor exports them) leave with
// their own resource's attributes and schema URL and their own scope,
// each exactly once, whether the stage owns its input or copies it and
// however the traces' groups leave (together, one by one, at shutdown):
// the groups of one source resource share one copy of it, copied (or, for
// the last, moved) as each leaves, and merged under one resource per
// batch.
func TestSharedResourcesKeepEverySpansResource(t *testing.T) {
	for _, owned := range []bool{true, false} {
		for seed := uint64(1); seed <= 30; seed++ {
			rng := rand.New(rand.NewPCG(seed, 3))
			cfg := DefaultConfig(20000)
			cfg.MaxSpans = 20 + rng.IntN(200)
			r := newRecordingStage(t, cfg, 0, true)
			r.st.owned = owned
			type origin struct{ resource, schema, scope string }
			want := map[spanKey]origin{}
			n := 0
			for call := range 12 {
				td := ptrace.NewTraces()
				for ri := range 1 + rng.IntN(3) {
					rs := td.ResourceSpans().AppendEmpty()
					res := fmt.Sprintf("call %d resource %d", call, ri)
					rs.Resource().Attributes().PutStr("res.id", res)
					rs.Resource().Attributes().PutInt("res.n", int64(ri))
					rs.SetSchemaUrl(fmt.Sprintf("https://example.com/schemas/%d", rng.IntN(2)))
					for si := range 1 + rng.IntN(2) {
						ss := rs.ScopeSpans().AppendEmpty()
						ss.Scope().SetName(fmt.Sprintf("scope %d", si))
						for range 1 + rng.IntN(30) {
							sp := ss.Spans().AppendEmpty()
							sp.SetTraceID(traceID(byte(rng.IntN(20))))
							n++
							id := pcommon.SpanID{byte(n >> 8), byte(n), 1, 2, 3, 4, 5, 6}
							sp.SetSpanID(id)
							if rng.IntN(6) > 0 {
								sp.SetParentSpanID(sid(1))
							}
							want[spanKey{sp.TraceID(), id}] = origin{res, rs.SchemaUrl(), ss.Scope().Name()}
						}
					}
				}
				require.NoError(t, r.st.ConsumeTraces(context.Background(), td))
				r.clock.Advance(time.Duration(rng.IntN(2500)) * time.Millisecond)
				r.st.Sweep()
			}
			require.NoError(t, r.st.Shutdown(context.Background()))
			got := map[spanKey]origin{}
			for i, b := range r.out {
				td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(b)
				require.NoError(t, err)
				rss := td.ResourceSpans()
				for k := 1; k < rss.Len(); k++ {
					require.NotEqual(t, resourceID(rss.At(k-1)), resourceID(rss.At(k)), "owned %v seed %d: neighbouring resources from one source, not merged", owned, seed)
				}
				eachSpanUnder(td, func(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, sp ptrace.Span) {
					key := spanKey{sp.TraceID(), sp.SpanID()}
					_, dup := got[key]
					require.False(t, dup, "owned %v seed %d: span %v forwarded twice", owned, seed, key)
					got[key] = origin{resourceID(rs), rs.SchemaUrl(), ss.Scope().Name()}
				})
				requireTracesContiguous(t, td, fmt.Sprintf("owned %v seed %d batch %d", owned, seed, i))
			}
			require.Equal(t, want, got, "owned %v seed %d", owned, seed)
		}
	}
}

// requireTracesContiguous fails unless the spans of each trace follow
// each other in the batch td: the sending queue's batcher splits a
// request in order, and a trace cut apart is translated in pieces.
func requireTracesContiguous(t *testing.T, td ptrace.Traces, what string) {
	t.Helper()
	done := map[pcommon.TraceID]bool{}
	var cur pcommon.TraceID
	eachSpan(td, func(sp ptrace.Span) {
		if id := sp.TraceID(); id != cur {
			require.False(t, done[id], "%s: the spans of trace %v are not together", what, id)
			done[cur], cur = true, id
		}
	})
}

// TestSharedResourcesConcurrently: callers and the expiry loop release
// groups that share resources at the same time (run with -race); every
// span leaves once, under its resource.
func TestSharedResourcesConcurrently(t *testing.T) {
	cfg := DefaultConfig(20000)
	cfg.RootGrace = time.Millisecond
	cfg.MaxWait = 5 * time.Millisecond
	var mu sync.Mutex
	forwarded := map[spanKey]string{}
	st := New(cfg, DefaultJoinConfig(), func(_ context.Context, td ptrace.Traces) error {
		mu.Lock()
		defer mu.Unlock()
		eachSpanUnder(td, func(rs ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
			key := spanKey{sp.TraceID(), sp.SpanID()}
			if _, dup := forwarded[key]; dup {
				t.Errorf("span %v forwarded twice", key)
			}
			forwarded[key] = resourceID(rs)
		})
		return nil
	}, nopTelemetry(t), zap.NewNop())
	st.TakeOwnership()
	st.Start()
	var wg sync.WaitGroup
	sent := make([]map[spanKey]string, 4)
	for w := range 4 {
		sent[w] = map[spanKey]string{}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for call := range 50 {
				td := ptrace.NewTraces()
				rs := td.ResourceSpans().AppendEmpty()
				res := fmt.Sprintf("worker %d call %d", w, call)
				rs.Resource().Attributes().PutStr("res.id", res)
				spans := rs.ScopeSpans().AppendEmpty().Spans()
				for i := range 20 {
					sp := spans.AppendEmpty()
					sp.SetTraceID(traceID(byte(rng.IntN(8))))
					sp.SetSpanID(pcommon.SpanID{byte(w), byte(call), byte(i), 1})
					if rng.IntN(4) > 0 {
						sp.SetParentSpanID(sid(1))
					}
					sent[w][spanKey{sp.TraceID(), sp.SpanID()}] = res
				}
				require.NoError(t, st.ConsumeTraces(context.Background(), td))
			}
		})
	}
	wg.Wait()
	require.NoError(t, st.Shutdown(context.Background()))
	want := map[spanKey]string{}
	for _, m := range sent {
		maps.Copy(want, m)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, want, forwarded)
}
