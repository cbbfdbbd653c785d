// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// logSDK is the OpenTelemetry Go log SDK exporting OTLP/HTTP to addr, the
// way the GenAI instrumentations emit content records; records leave only
// on flush (or after a minute).
type logSDK struct {
	t  *testing.T
	lp *sdklog.LoggerProvider
}

func newLogSDK(t *testing.T, addr string) *logSDK {
	t.Helper()
	exp, err := otlploghttp.New(context.Background(), otlploghttp.WithEndpoint(addr), otlploghttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp, sdklog.WithExportInterval(time.Minute))))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = lp.Shutdown(ctx)
	})
	return &logSDK{t: t, lp: lp}
}

// emit logs one content event (name, map body) in ctx's span.
func (l *logSDK) emit(ctx context.Context, event string, body ...otellog.KeyValue) {
	var r otellog.Record
	r.SetEventName(event)
	r.SetTimestamp(time.Now())
	r.SetBody(otellog.MapValue(body...))
	l.lp.Logger("opentelemetry.instrumentation.openai_v2").Emit(ctx, r)
}

// chatContent logs a call's user message and its one choice.
func (l *logSDK) chatContent(ctx context.Context, question, answer string) {
	l.emit(ctx, "gen_ai.user.message", otellog.String("content", question))
	l.emit(ctx, "gen_ai.choice", otellog.Int("index", 0), otellog.String("finish_reason", "stop"),
		otellog.Map("message", otellog.String("role", "assistant"), otellog.String("content", answer)))
}

func (l *logSDK) flush() {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.lp.ForceFlush(ctx); err != nil {
		l.t.Fatalf("log SDK flush: %v", err)
	}
}
