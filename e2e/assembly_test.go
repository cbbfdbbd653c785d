// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/respanai/respanexporter/internal/sink"
)

// assemblyConfig is a collector with the respan exporter in a traces and a
// logs pipeline, the assembly stage at its defaults; with storageDir, a
// file_storage extension holds the sending queue (and so the stage).
func assemblyConfig(t *testing.T, httpAddr, sinkURL, storageDir string) string {
	ext, extList, storage := "", "", ""
	if storageDir != "" {
		ext = fmt.Sprintf("extensions:\n  file_storage:\n    directory: %s\n    create_directory: true\n", storageDir)
		extList = "  extensions: [file_storage]\n"
		storage = "      storage: file_storage\n"
	}
	return writeConfig(t, "assembly.yaml", fmt.Sprintf(`%s
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  respan:
    endpoint: %s
    api_key: e2e-assembly-key
    sending_queue:
%s      batch:
        flush_timeout: 300ms
service:
%s  pipelines:
    traces:
      receivers: [otlp]
      exporters: [respan]
    logs:
      receivers: [otlp]
      exporters: [respan]
  telemetry:
    metrics:
      level: none
`, ext, httpAddr, sinkURL, storage, extList))
}

// TestAssemblySDKExportIntervals: the OpenTelemetry Go SDK's batch span
// processor exports every 200 ms while an agent run takes ~1.5 s, so the
// run's spans leave the application in several requests, children first,
// the root (the only span with the user and session ids) last. Every span
// log carries the root's identifiers and workflow name, and the outer of
// two nested model calls reporting the same usage has it suppressed.
func TestAssemblySDKExportIntervals(t *testing.T) {
	s, sinkURL := startSink(t, "sink", "")
	httpAddr := freeAddr(t)
	startCollector(t, "otelcol-respan", nil, httpAddr, assemblyConfig(t, httpAddr, sinkURL, ""))

	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(httpExporter(t, httpAddr), sdktrace.WithBatchTimeout(200*time.Millisecond)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	tr := tp.Tracer("e2e/assembly")
	ctx, root := tr.Start(context.Background(), "invoke_agent planner", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.agent.name", "planner"),
		attribute.String("user.id", "cust-sdk"),
		attribute.String("session.id", "sess-sdk"),
	))
	var outerID, innerID string
	for step := range 3 {
		sctx, outer := tr.Start(ctx, "chat gpt-4o", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", "gpt-4o"),
			attribute.Int("gen_ai.usage.input_tokens", 100+step),
			attribute.Int("gen_ai.usage.output_tokens", 20),
			attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"plan"}]}]`),
		))
		_, inner := tr.Start(sctx, "openai.chat", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("llm.request.type", "chat"),
			attribute.String("gen_ai.system", "openai"),
			attribute.String("gen_ai.request.model", "gpt-4o"),
			attribute.Int("gen_ai.usage.prompt_tokens", 100+step),
			attribute.Int("gen_ai.usage.completion_tokens", 20),
		))
		time.Sleep(250 * time.Millisecond) // past the SDK's export interval
		inner.End()
		time.Sleep(250 * time.Millisecond)
		outer.End()
		if step == 0 {
			outerID, innerID = outer.SpanContext().SpanID().String(), inner.SpanContext().SpanID().String()
		}
	}
	time.Sleep(250 * time.Millisecond)
	root.End()

	waitSpans(t, s, 7)
	settle()
	assertClean(t, "sink", s)
	spans := s.Spans()
	if len(spans) != 7 {
		t.Fatalf("%d span logs, want 7", len(spans))
	}
	for _, sl := range spans {
		if sl.CustomerIdentifier != "cust-sdk" || sl.Fields["thread_identifier"] != "sess-sdk" {
			t.Errorf("span %s (%s): customer %q thread %v, want the root's", sl.SpanName, sl.SpanID, sl.CustomerIdentifier, sl.Fields["thread_identifier"])
		}
		if sl.Fields["span_workflow_name"] == nil {
			t.Errorf("span %s (%s) has no span_workflow_name", sl.SpanName, sl.SpanID)
		}
		switch sl.SpanID {
		case outerID:
			if sl.PromptTokens != 0 {
				t.Errorf("outer model call kept its usage (%d prompt tokens): counted twice", sl.PromptTokens)
			}
		case innerID:
			if sl.PromptTokens != 100 {
				t.Errorf("inner model call has %d prompt tokens, want 100", sl.PromptTokens)
			}
		}
	}
}

// TestAssemblyKillWithFileStorage: spans wait in the assembly stage (their
// roots have not come) and content records wait for model-call spans when
// the collector is killed with SIGKILL. With file_storage, the restarted
// collector restores them; once the roots and the last call arrive, every
// span accepted before the kill is delivered, joined and with the root's
// identifiers.
func TestAssemblyKillWithFileStorage(t *testing.T) {
	s, sinkURL := startSink(t, "sink", "")
	httpAddr := freeAddr(t)
	dir := t.TempDir()
	cfg := assemblyConfig(t, httpAddr, sinkURL, dir)
	col := startCollector(t, "otelcol-respan (1st run)", nil, httpAddr, cfg)

	tp := tracerProvider(t, httpExporter(t, httpAddr), "agent-app")
	logs := newLogSDK(t, httpAddr)
	tr := tp.Tracer("e2e/assembly-kill")

	const traces = 10
	var roots []trace.Span
	var lateChats []trace.Span
	ids := map[string]string{} // span id → the user id of its trace
	for i := range traces {
		user := fmt.Sprintf("cust-%02d", i)
		ctx, root := tr.Start(context.Background(), "invoke_agent helper", trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "invoke_agent"), attribute.String("user.id", user)))
		roots = append(roots, root)
		ids[root.SpanContext().SpanID().String()] = user
		for j := range 2 {
			cctx, chat := tr.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "chat"),
				attribute.String("gen_ai.request.model", "gpt-4o-mini"),
				attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop"}),
				attribute.Int("gen_ai.usage.input_tokens", 7), attribute.Int("gen_ai.usage.output_tokens", 3)))
			logs.chatContent(cctx, fmt.Sprintf("q%d/%d", i, j), "a")
			ids[chat.SpanContext().SpanID().String()] = user
			if j == 1 {
				lateChats = append(lateChats, chat) // ends after the restart
				continue
			}
			chat.End()
		}
	}
	// Records of every call, then the first chat span of each trace: all
	// acknowledged, all waiting (no root yet; the second calls' records
	// wait for their spans).
	logs.flush()
	flush(t, tp)
	time.Sleep(300 * time.Millisecond)
	if n := s.SpanCount(); n != 0 {
		t.Fatalf("%d span logs sent before the roots came: the stage should hold them", n)
	}

	col.signal(syscall.SIGKILL)
	select {
	case <-col.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the collector did not die")
	}
	startCollector(t, "otelcol-respan (2nd run)", nil, httpAddr, cfg)
	for _, c := range lateChats {
		c.End()
	}
	for _, r := range roots {
		r.End()
	}
	flush(t, tp)

	waitSpans(t, s, len(ids))
	settle()
	got := map[string]sink.SpanLog{}
	for _, sl := range s.Spans() {
		got[sl.SpanID] = sl
	}
	for id, user := range ids {
		sl, ok := got[id]
		if !ok {
			t.Errorf("span %s accepted before the kill was never delivered", id)
			continue
		}
		if sl.CustomerIdentifier != user {
			t.Errorf("span %s (%s): customer %q, want %q", id, sl.SpanName, sl.CustomerIdentifier, user)
		}
		if sl.LogType == "chat" {
			if p, _ := sl.Fields["prompt_messages"].([]any); len(p) != 1 {
				t.Errorf("chat span %s: records restored from storage were not joined: prompt %v warnings %v", id, p, sl.Fields["warnings"])
			}
		}
	}
	if d := s.Duplicates(); len(d) > 0 {
		t.Logf("%d span(s) delivered twice (at-least-once across the kill)", len(d))
	}
}
