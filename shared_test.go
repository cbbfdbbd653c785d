// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/metadatatest"
	"github.com/respanai/respanexporter/internal/translator"
)

func newTestTelemetry(t testing.TB) *metadata.TelemetryBuilder {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(metadatatest.NewSettings(tt).TelemetrySettings)
	require.NoError(t, err)
	t.Cleanup(tb.Shutdown)
	return tb
}

// BenchmarkTracesPath compares what a ConsumeTraces call costs:
//
//   - exporterhelper: the exporter as it was before the logs signal (the
//     exporterhelper called directly);
//   - no_logs_pipeline: the same behind the shared component, as the
//     factory builds it when no logs pipeline uses the exporter;
//   - logs_pipeline_passthrough: a logs pipeline feeds the exporter and
//     the batch has no span to wait for (every span checked, none held);
//   - logs_pipeline_held: every span is a content-less chat span that
//     waits (copied into the waiting area) and is flushed by the bound.
//
// The send itself is stubbed out (the translator returns nothing to send)
// and the queue is off, so the numbers are the path's own cost. 100 spans
// per batch.
func BenchmarkTracesPath(b *testing.B) {
	newHelperWait := func(b *testing.B, wait bool) (*Config, *testEnvB) {
		cfg := testConfig("http://localhost")
		cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
		cfg.Assembly.MaxSpans = 1000
		cfg.Assembly.WaitForTraces = wait
		tt := componenttest.NewTelemetry()
		b.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
		set := metadatatest.NewSettings(tt)
		exp, err := newExporter(cfg, set)
		require.NoError(b, err)
		exp.translate = func(ptrace.Traces) *translator.Result { return &translator.Result{} }
		exp.withFact = func(ptrace.Traces, translator.PriorFacts) *translator.Result { return &translator.Result{} }
		te, err := wrapExporter(context.Background(), set, exp)
		require.NoError(b, err)
		require.NoError(b, te.Start(context.Background(), componenttest.NewNopHost()))
		return cfg, &testEnvB{te: te, exp: exp}
	}
	newHelper := func(b *testing.B) (*Config, *testEnvB) { return newHelperWait(b, false) }
	run := func(b *testing.B, consume func(context.Context, ptrace.Traces) error, td ptrace.Traces) {
		// Held spans need fresh ids each time (a span that already waits
		// passes as a duplicate); renumbering 100 ids is in the loop for
		// that case only.
		_, renumber := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.operation.name")
		if !renumber {
			td.MarkReadOnly()
		}
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		ctx := context.Background()
		n := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if renumber {
				for i := 0; i < spans.Len(); i++ {
					spans.At(i).SetSpanID(spanID(n))
					n++
				}
			}
			if err := consume(ctx, td); err != nil {
				b.Fatal(err)
			}
		}
	}

	b.Run("exporterhelper", func(b *testing.B) {
		_, h := newHelper(b)
		defer func() { require.NoError(b, h.te.Shutdown(context.Background())) }()
		run(b, h.te.ConsumeTraces, makeTraces(1, 1, 100))
	})
	b.Run("no_logs_pipeline", func(b *testing.B) {
		cfg, h := newHelper(b)
		side := sharedExporters.attachTraces(cfg, component.MustNewID("respan"), h.te, nil, h.exp, newTestTelemetry(b), zap.NewNop())
		defer func() { require.NoError(b, side.Shutdown(context.Background())) }()
		run(b, side.ConsumeTraces, makeTraces(1, 1, 100))
	})
	b.Run("trace_waiting", func(b *testing.B) {
		// Every span is copied into its trace's group; the span bound
		// releases the oldest traces (100 spans a batch, 1000 held).
		cfg, h := newHelperWait(b, true)
		side := sharedExporters.attachTraces(cfg, component.MustNewID("respan"), h.te, nil, h.exp, newTestTelemetry(b), zap.NewNop())
		defer func() { require.NoError(b, side.Shutdown(context.Background())) }()
		run(b, side.ConsumeTraces, makeTraces(1, 1, 100))
	})
	withLogs := func(b *testing.B, td ptrace.Traces) {
		cfg, h := newHelper(b)
		side := sharedExporters.attachTraces(cfg, component.MustNewID("respan"), h.te, nil, h.exp, newTestTelemetry(b), zap.NewNop())
		ls := sharedExporters.attachLogs(cfg, component.MustNewID("respan"), newTestTelemetry(b), zap.NewNop())
		defer func() {
			require.NoError(b, side.Shutdown(context.Background()))
			require.NoError(b, ls.Shutdown(context.Background()))
		}()
		run(b, side.ConsumeTraces, td)
	}
	b.Run("logs_pipeline_passthrough", func(b *testing.B) { withLogs(b, makeTraces(1, 1, 100)) })
	b.Run("logs_pipeline_held", func(b *testing.B) { withLogs(b, manyChatSpans(100)) })
}

// BenchmarkTracesWrapper isolates what the shared component adds to a
// ConsumeTraces call without a logs pipeline: the same no-op exporter
// called directly and through tracesSide.
func BenchmarkTracesWrapper(b *testing.B) {
	td := makeTraces(1, 1, 100)
	td.MarkReadOnly()
	ctx := context.Background()
	var nop nopTraces
	b.Run("direct", func(b *testing.B) {
		var te exporter.Traces = &nop
		for b.Loop() {
			_ = te.ConsumeTraces(ctx, td)
		}
	})
	b.Run("shared_component", func(b *testing.B) {
		var te exporter.Traces = &tracesSide{side: side{s: &sharedExporter{}}, te: &nop}
		for b.Loop() {
			_ = te.ConsumeTraces(ctx, td)
		}
	})
}

type nopTraces struct{ n int }

func (*nopTraces) Start(context.Context, component.Host) error { return nil }
func (*nopTraces) Shutdown(context.Context) error              { return nil }
func (*nopTraces) Capabilities() consumer.Capabilities         { return consumer.Capabilities{} }
func (n *nopTraces) ConsumeTraces(context.Context, ptrace.Traces) error {
	n.n++
	return nil
}

type testEnvB struct {
	te  exporter.Traces
	exp *respanExporter
}

// manyChatSpans returns n content-less chat spans (ids 1..n) in one batch:
// spans the logs join holds.
func manyChatSpans(n int) ptrace.Traces {
	td := makeTraces(1, 1, n)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < n; i++ {
		spans.At(i).Attributes().PutStr("gen_ai.operation.name", "chat")
	}
	return td
}

func loadJoinFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "logsjoin", name))
	require.NoError(t, err)
	return b
}

// TestSharedJoinWiring: the factory builds one instance for the traces and
// the logs pipeline of one config; records that reach the logs side are
// joined onto the spans of the traces side and leave in the same request
// as the spans they came with; the instance lives until its last
// component stops, and that stop flushes what still waits.
func TestSharedJoinWiring(t *testing.T) {
	srv, cfg := sinkServer(t)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	env := newTestEnv(t, cfg)
	f := NewFactory()
	te, err := f.CreateTraces(context.Background(), env.set, cfg)
	require.NoError(t, err)
	le, err := f.CreateLogs(context.Background(), env.set, cfg)
	require.NoError(t, err)
	require.Same(t, te.(*tracesSide).s, le.(*logsSide).s, "one instance for both pipelines")
	host := componenttest.NewNopHost()
	require.NoError(t, te.Start(context.Background(), host))
	require.NoError(t, le.Start(context.Background(), host))

	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(loadJoinFixture(t, "chat_tool_call_logs.json"))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(loadJoinFixture(t, "chat_tool_call_traces.json"))
	require.NoError(t, err)
	require.NoError(t, le.ConsumeLogs(context.Background(), ld))
	require.NoError(t, te.ConsumeTraces(context.Background(), td))
	require.Equal(t, 1, srv.Requests(), "the joined spans leave with the batch they came with")
	assert.Equal(t, []string{"a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "0a0a0a0a0a0a0a0a"}, sinkIDs(srv), "input order kept")
	assert.NotEmpty(t, srv.Spans()[0].Fields["prompt_messages"], "records folded into the span")
	assert.Empty(t, srv.Violations())
	metadatatest.AssertEqualExporterRespanLogsJoinSpansJoined(t, env.tt, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())

	// A span that waits: stopping the traces side first changes nothing,
	// the last stop flushes it into a queue that still runs.
	streaming, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(loadJoinFixture(t, "streaming_traces.json"))
	require.NoError(t, err)
	require.NoError(t, te.ConsumeTraces(context.Background(), streaming))
	require.Equal(t, 1, srv.Requests(), "the content-less chat span waits")
	require.NoError(t, te.Shutdown(context.Background()))
	require.Equal(t, 1, srv.Requests(), "stopping the traces side first flushes nothing")
	require.NoError(t, le.Shutdown(context.Background()))
	require.Equal(t, 2, srv.Requests())
	assert.Equal(t, "c3c3c3c3c3c3c3c3", srv.Spans()[3].SpanID)
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_logs_join_spans_without_content", "reason=shutdown"))
}

// TestNoLogsPipelineNothingWaits: with only a traces pipeline the exporter
// is exactly the traces exporter: model-call spans without content leave
// at once and untouched.
func TestNoLogsPipelineNothingWaits(t *testing.T) {
	s, cfg := sinkServer(t)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	te, err := NewFactory().CreateTraces(context.Background(), newTestEnv(t, cfg).set, cfg)
	require.NoError(t, err)
	require.False(t, te.(*tracesSide).s.stage.Load().Active(), "trace waiting off and no logs pipeline: the stage does nothing")
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, te.Shutdown(context.Background())) }()

	td := mustTraces(t, "streaming_traces.json")
	td.MarkReadOnly()
	require.NoError(t, te.ConsumeTraces(context.Background(), td))
	require.Equal(t, 1, s.Requests())
	require.Len(t, s.Spans(), 1)
	got := s.Spans()[0]
	assert.NotContains(t, fmt.Sprint(got.Fields["warnings"], got.Metadata), "prompt/completion")
}

// TestSharedInstances: one instance per config, reference-counted.
func TestSharedInstances(t *testing.T) {
	f := NewFactory()
	set := newTestEnv(t, testConfig("http://localhost")).set
	cfg1, cfg2 := testConfig("http://localhost"), testConfig("http://localhost")
	t1, err := f.CreateTraces(context.Background(), set, cfg1)
	require.NoError(t, err)
	l1, err := f.CreateLogs(context.Background(), set, cfg1)
	require.NoError(t, err)
	t2, err := f.CreateTraces(context.Background(), set, cfg2)
	require.NoError(t, err)
	assert.Same(t, t1.(*tracesSide).s, l1.(*logsSide).s)
	assert.NotSame(t, t1.(*tracesSide).s, t2.(*tracesSide).s)
	assert.False(t, t2.(*tracesSide).s.stage.Load().Active(), "cfg2 has no logs pipeline (and trace waiting off)")

	host := componenttest.NewNopHost()
	for _, c := range []interface {
		Start(context.Context, component.Host) error
	}{t1, l1, t2} {
		require.NoError(t, c.Start(context.Background(), host))
	}
	require.NoError(t, t1.Shutdown(context.Background()))
	require.NoError(t, t1.Shutdown(context.Background()), "a second Shutdown is a no-op")
	sharedExporters.mu.Lock()
	_, live := sharedExporters.m[cfg1]
	sharedExporters.mu.Unlock()
	assert.True(t, live, "the logs side still holds the instance")
	require.NoError(t, l1.Shutdown(context.Background()))
	require.NoError(t, t2.Shutdown(context.Background()))
	sharedExporters.mu.Lock()
	defer sharedExporters.mu.Unlock()
	assert.NotContains(t, sharedExporters.m, cfg1)
	assert.NotContains(t, sharedExporters.m, cfg2)
}

func mustTraces(t *testing.T, name string) ptrace.Traces {
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(loadJoinFixture(t, name))
	require.NoError(t, err)
	return td
}

// TestRequestLargerThanQueueIsDelivered: more spans in one request than
// the sending queue holds (20,000 by default) used to be refused with the
// retryable "element size too large", which a client retries forever. The
// request goes around the queue and is delivered.
func TestRequestLargerThanQueueIsDelivered(t *testing.T) {
	s, cfg := sinkServer(t)
	env := newTestEnv(t, cfg)
	te, err := NewFactory().CreateTraces(context.Background(), env.set, cfg)
	require.NoError(t, err)
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	const n = queueSize + 5000
	require.NoError(t, te.ConsumeTraces(context.Background(), makeTraces(1, 1, n)), "no refusal for a request the queue cannot hold whole")
	require.NoError(t, te.Shutdown(context.Background()), "shutdown drains the queue")
	assert.Equal(t, n, s.SpanCount())
	assert.Empty(t, s.Duplicates())
	assert.Zero(t, env.counter(t, "otelcol_exporter_enqueue_failed_spans"))
}

// TestRequestLargerThanBytesQueueIsDelivered: the same with the bytes
// sizer, for a request holding one span larger than the whole queue.
func TestRequestLargerThanBytesQueueIsDelivered(t *testing.T) {
	s, cfg := sinkServer(t)
	q := cfg.QueueConfig.Get()
	q.Sizer = exporterhelper.RequestSizerTypeBytes
	q.QueueSize = 64 << 10
	q.Batch.Get().Sizer = exporterhelper.RequestSizerTypeBytes
	q.Batch.Get().MinSize, q.Batch.Get().MaxSize = 1024, 32<<10
	require.NoError(t, q.Validate())
	env := newTestEnv(t, cfg)
	te, err := NewFactory().CreateTraces(context.Background(), env.set, cfg)
	require.NoError(t, err)
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	td := makeTraces(1, 1, 3)
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).Attributes().PutStr("input.value", strings.Repeat("x", 100<<10))

	require.NoError(t, te.ConsumeTraces(context.Background(), td))
	require.NoError(t, te.Shutdown(context.Background()))
	assert.Equal(t, 3, s.SpanCount())
}
