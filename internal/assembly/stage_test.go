// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/tracetest"
	"github.com/respanai/respanexporter/internal/translator"
)

// Tests of trace waiting. Spans are built by hand: trace t, span ids 1..n,
// parent 0 for a root.

func traceID(t byte) pcommon.TraceID {
	return pcommon.TraceID{t, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
}
func sid(n byte) pcommon.SpanID { return pcommon.SpanID{0xee, 0, 0, 0, 0, 0, 0, n} }

type spanSpec struct {
	trace, id, parent byte
	attrs             map[string]any
	kind              ptrace.SpanKind
	flags             uint32
}

func spansOf(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, s := range specs {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(traceID(s.trace))
		sp.SetSpanID(sid(s.id))
		if s.parent != 0 {
			sp.SetParentSpanID(sid(s.parent))
		}
		sp.SetName("op")
		sp.SetKind(s.kind)
		sp.SetFlags(s.flags)
		_ = sp.Attributes().FromRaw(s.attrs)
	}
	return td
}

func newTraceEnv(t *testing.T, mutate func(*Config)) *joinEnv {
	return newStageEnv(t, mutate, nil, false)
}

// sweep advances the clock and runs one tick of the expiry loop.
func (e *joinEnv) sweep(d time.Duration) {
	e.clock.Advance(d)
	e.join.Sweep()
}

func (e *joinEnv) sentIDs() []string {
	var out []string
	for _, r := range e.requests() {
		out = append(out, r.ids...)
	}
	return out
}

// TestTraceWaitsForItsRoot: children wait for the root; the trace leaves
// root_grace after it, whole, in one batch; identifiers set on the root
// only reach every child.
func TestTraceWaitsForItsRoot(t *testing.T) {
	env := newTraceEnv(t, nil)
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 3, parent: 2}))
	env.sweep(time.Second)
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 2, parent: 1}))
	env.sweep(10 * time.Second)
	assert.Empty(t, env.requests(), "no root yet: the trace waits (max_wait 60 s)")
	assert.Equal(t, int64(2), env.waiting())
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_traces_waiting"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_assembly_spans_waiting"))
	assert.Positive(t, env.counter("otelcol_exporter_respan_assembly_bytes_waiting"))

	env.sendTraces(spansOf(spanSpec{trace: 1, id: 1, attrs: map[string]any{"user.id": "u-1", "session.id": "s-1"}}))
	env.sweep(defaultRootGrace - time.Millisecond)
	assert.Empty(t, env.requests(), "root_grace not over")
	env.sweep(time.Millisecond)
	reqs := env.requests()
	require.Len(t, reqs, 1, "the whole trace in one batch")
	assert.ElementsMatch(t, []string{sid(1).String(), sid(2).String(), sid(3).String()}, reqs[0].ids)
	for id, l := range env.spanLogs() {
		assert.Equal(t, "u-1", l["customer_identifier"], id)
		assert.Equal(t, "s-1", l["thread_identifier"], id)
	}
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_releases", "reason=root"))
	assert.Equal(t, int64(3), env.counter("otelcol_exporter_respan_assembly_released_spans", "reason=root"))
	assert.Zero(t, env.waiting())
	assert.Zero(t, env.counter("otelcol_exporter_respan_assembly_traces_waiting"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_assembly_bytes_waiting"))

	// The wait histogram has one point per span: 13 s, 12 s and 2 s.
	m, err := env.tt.GetMetric("otelcol_exporter_respan_assembly_wait_duration")
	require.NoError(t, err)
	h := m.Data.(metricdata.Histogram[float64])
	require.Len(t, h.DataPoints, 1)
	assert.Equal(t, uint64(3), h.DataPoints[0].Count)
	assert.InDelta(t, 13+12+2, h.DataPoints[0].Sum, 0.01)
}

// TestTraceMaxWait: without a root the trace leaves after max_wait.
func TestTraceMaxWait(t *testing.T) {
	env := newTraceEnv(t, func(c *Config) { c.MaxWait = 10 * time.Second })
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 2, parent: 1}))
	env.sweep(9 * time.Second)
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 3, parent: 1}))
	assert.Empty(t, env.requests())
	env.sweep(time.Second)
	require.Len(t, env.requests(), 1)
	assert.Len(t, env.requests()[0].ids, 2)
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_releases", "reason=timeout"))
}

// TestLocalRoot: a server span whose parent is flagged remote ends the
// wait like a root; one without the flag (or whose flag says local) does
// not.
func TestLocalRoot(t *testing.T) {
	const remote = flagContextHasIsRemote | flagContextIsRemote
	cases := []struct {
		name  string
		kind  ptrace.SpanKind
		flags uint32
		root  bool
	}{
		{"server, remote parent", ptrace.SpanKindServer, remote, true},
		{"consumer, remote parent", ptrace.SpanKindConsumer, remote | 0x01, true},
		{"server, flags unknown", ptrace.SpanKindServer, 0, false},
		{"server, parent local", ptrace.SpanKindServer, flagContextHasIsRemote, false},
		{"internal, remote parent", ptrace.SpanKindInternal, remote, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newTraceEnv(t, nil)
			env.sendTraces(spansOf(spanSpec{trace: 1, id: 5, parent: 4}, spanSpec{trace: 1, id: 4, parent: 9, kind: c.kind, flags: c.flags}))
			env.sweep(defaultRootGrace)
			if c.root {
				assert.Len(t, env.requests(), 1)
			} else {
				assert.Empty(t, env.requests())
			}
		})
	}
}

// TestLateSpansAndMemory: a span arriving after its trace left waits
// root_grace with the other late spans and is translated with what the
// trace established; the memory forgets after its TTL.
func TestLateSpansAndMemory(t *testing.T) {
	env := newTraceEnv(t, nil)
	env.sendTraces(spansOf(
		spanSpec{trace: 1, id: 1, attrs: map[string]any{"user.id": "u-1", "traceloop.workflow.name": "support"}},
		spanSpec{trace: 1, id: 2, parent: 1},
	))
	env.sweep(defaultRootGrace)
	require.Len(t, env.requests(), 1)
	assert.True(t, env.join.Memory().Released(traceID(1)))

	env.sendTraces(spansOf(spanSpec{trace: 1, id: 3, parent: 2}))
	env.sweep(time.Second)
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 4, parent: 3}))
	env.sweep(time.Second)
	require.Len(t, env.requests(), 2, "the late spans leave together, root_grace after the first")
	assert.ElementsMatch(t, []string{sid(3).String(), sid(4).String()}, env.requests()[1].ids)
	logs := env.spanLogs()
	for _, id := range []byte{3, 4} {
		assert.Equal(t, "u-1", logs[sid(id).String()]["customer_identifier"])
		assert.Equal(t, "support", logs[sid(id).String()]["span_workflow_name"])
	}
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_releases", "reason=late"))

	// Past the TTL the trace is new again: a span waits for a root.
	env.sweep(defaultMemoryTTL + time.Second)
	assert.False(t, env.join.Memory().Released(traceID(1)))
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 5, parent: 2}))
	env.sweep(defaultRootGrace)
	assert.Len(t, env.requests(), 2)
}

// TestBoundsReleaseOldestTrace: the trace bound releases the oldest trace
// at once; the span bound too; nothing is refused.
func TestBoundsReleaseOldestTrace(t *testing.T) {
	env := newTraceEnv(t, func(c *Config) { c.MaxTraces = 2; c.MaxSpans = 5 })
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 2, parent: 1}))
	env.sweep(time.Second)
	env.sendTraces(spansOf(spanSpec{trace: 2, id: 2, parent: 1}))
	env.sweep(time.Second)
	env.sendTraces(spansOf(spanSpec{trace: 3, id: 2, parent: 1}))
	require.Len(t, env.requests(), 1, "a third trace: the oldest leaves")
	assert.Equal(t, traceID(1).String(), env.spanLogs()[sid(2).String()]["trace_unique_id"])
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_releases", "reason=bounds"))

	// Four spans more for trace 3: six spans wait, over max_spans (5):
	// trace 2 (the oldest) leaves.
	env.sendTraces(spansOf(spanSpec{trace: 3, id: 3, parent: 1}, spanSpec{trace: 3, id: 4, parent: 1},
		spanSpec{trace: 3, id: 5, parent: 1}, spanSpec{trace: 3, id: 6, parent: 1}))
	require.Len(t, env.requests(), 2)
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_assembly_releases", "reason=bounds"))
	assert.Equal(t, int64(5), env.waiting())
}

// TestTraceModelCallWaitsForContent: a content-less model call holds its
// trace past root_grace until its records arrive; records that arrive
// for a span already held (not a model call) are folded too.
func TestTraceModelCallWaitsForContent(t *testing.T) {
	env := newTraceEnv(t, nil)
	td := loadTracesFixture(t, "chat_tool_call_traces.json")
	env.sendTraces(td)
	env.sweep(defaultRootGrace)
	assert.Empty(t, env.requests(), "the root is here but two chat calls await content")
	env.sendLogs(loadLogsFixture(t, "chat_tool_call_logs.json"))
	require.Len(t, env.requests(), 1, "content complete and root_grace over: the trace leaves")
	assertChatJoined(t, env)
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_assembly_releases", "reason=root"))
}

// TestTraceShutdownFlushes: everything that waits leaves on shutdown,
// oldest first.
func TestTraceShutdownFlushes(t *testing.T) {
	env := newTraceEnv(t, nil)
	env.sendTraces(spansOf(spanSpec{trace: 1, id: 2, parent: 1}))
	env.sendTraces(spansOf(spanSpec{trace: 2, id: 2, parent: 1}))
	env.shutdown()
	assert.Len(t, env.sentIDs(), 2)
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_assembly_releases", "reason=shutdown"))
	assert.Zero(t, env.waiting())
	// After shutdown, spans pass at once.
	env.sendTraces(spansOf(spanSpec{trace: 3, id: 2, parent: 1}))
	assert.Len(t, env.sentIDs(), 3)
}

// TestMemoryBounds: the memory keeps at most max_spans facts (a trace
// counts one more), forgetting the least recently used trace.
func TestMemoryBounds(t *testing.T) {
	m := NewMemory(MemoryConfig{MaxSpans: 10, TTL: time.Minute})
	tr := newTestTranslator()
	for tb := byte(1); tb <= 4; tb++ {
		res := tr.TranslateWith(spansOf(spanSpec{trace: tb, id: 1}, spanSpec{trace: tb, id: 2, parent: 1}, spanSpec{trace: tb, id: 3, parent: 1}), m.Facts)
		m.Remember(res.Facts)
		m.Remember(res.Facts) // a retry adds nothing
	}
	traces, facts := m.Len()
	assert.LessOrEqual(t, traces+facts, 10)
	assert.Nil(t, m.Facts(traceID(1)), "the least recently used trace is forgotten")
	assert.Len(t, m.Facts(traceID(4)), 3)
	assert.Nil(t, NewMemory(MemoryConfig{}), "max_spans 0 disables the memory")
}

func newTestTranslator() *translator.Translator { return translator.New(translator.DefaultOptions()) }

// TestFullQueueKeepsReleasedSpans: when the sending queue refuses a
// released trace (full), the stage keeps it, refuses new spans with a
// retryable error instead of acknowledging what it could not queue, and
// sends it at a later sweep once the queue has room.
func TestFullQueueKeepsReleasedSpans(t *testing.T) {
	full := true
	var sent []string
	st := New(DefaultConfig(20000), DefaultJoinConfig(), func(_ context.Context, td ptrace.Traces) error {
		if full {
			return errors.New("sending queue is full")
		}
		sent = append(sent, tracetest.SpanIDs(td)...)
		return nil
	}, nopTelemetry(t), zap.NewNop())
	clock := newFakeClock()
	st.SetClock(clock.Now)
	client := newMapClient()
	require.NoError(t, st.Restore(context.Background(), client))

	require.NoError(t, st.ConsumeTraces(context.Background(), spansOf(spanSpec{trace: 1, id: 1}, spanSpec{trace: 1, id: 2, parent: 1})))
	clock.Advance(defaultRootGrace)
	st.Sweep()
	assert.Empty(t, sent)
	st.mu.Lock()
	assert.Equal(t, 2, st.spans, "the refused trace still counts as waiting")
	st.mu.Unlock()
	assert.Equal(t, 1, client.items(), "and stays in storage")
	err := st.ConsumeTraces(context.Background(), spansOf(spanSpec{trace: 2, id: 1}))
	require.ErrorIs(t, err, errQueueFull, "new spans are refused while released ones wait")
	assert.False(t, consumererror.IsPermanent(err))

	full = false
	clock.Advance(retryBlockedEvery)
	st.Sweep()
	assert.ElementsMatch(t, []string{sid(1).String(), sid(2).String()}, sent)
	assert.Zero(t, client.items())
	require.NoError(t, st.ConsumeTraces(context.Background(), spansOf(spanSpec{trace: 2, id: 1})), "room again: accepted")
	require.NoError(t, st.Shutdown(context.Background()))
	assert.Len(t, sent, 3)
}
