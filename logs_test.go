// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

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

func zapNop() *zap.Logger { return zap.NewNop() }

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
	newHelper := func(b *testing.B) (*Config, *testEnvB) {
		cfg := testConfig("http://localhost")
		cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
		cfg.LogsJoin.MaxSpans = 1000
		tt := componenttest.NewTelemetry()
		b.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
		set := metadatatest.NewSettings(tt)
		exp, err := newExporter(cfg, set)
		require.NoError(b, err)
		exp.translate = func(ptrace.Traces) *translator.Result { return &translator.Result{} }
		te, err := wrapExporter(context.Background(), set, exp)
		require.NoError(b, err)
		require.NoError(b, te.Start(context.Background(), componenttest.NewNopHost()))
		return cfg, &testEnvB{te: te}
	}
	run := func(b *testing.B, consume func(context.Context, ptrace.Traces) error, td ptrace.Traces) {
		// Held spans need fresh ids each time (a span that already waits
		// passes as a duplicate); renumbering 100 ids is in the loop for
		// that case only.
		renumber := awaitsContent(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0))
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
		side := sharedExporters.attachTraces(cfg, h.te, zap.NewNop())
		defer func() { require.NoError(b, side.Shutdown(context.Background())) }()
		run(b, side.ConsumeTraces, makeTraces(1, 1, 100))
	})
	withLogs := func(b *testing.B, td ptrace.Traces) {
		cfg, h := newHelper(b)
		side := sharedExporters.attachTraces(cfg, h.te, zap.NewNop())
		ls := sharedExporters.attachLogs(cfg, newTestTelemetry(b), zap.NewNop())
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
		var te exporter.Traces = &tracesSide{s: &sharedExporter{}, te: &nop}
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
	te exporter.Traces
}
