// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"
)

// TestLogsJoinSDK is issue 6's end-to-end case: the OpenTelemetry Go SDK
// sends a chat span WITHOUT content on the traces signal and the call's
// messages as log records (the official GenAI instrumentations' event
// model) on the logs signal, in separate OTLP requests. The same respan
// exporter sits in a traces and a logs pipeline, and the stand-in must
// receive ONE span log carrying the full, ordered prompt and completion.
func TestLogsJoinSDK(t *testing.T) {
	s, sinkURL := startSink(t, "sink", "")
	httpAddr := freeAddr(t)
	cfg := writeConfig(t, "logs-join.yaml", fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  respan:
    endpoint: %s
    api_key: e2e-logs-key
    logs_join:
      window: 5s
    sending_queue:
      batch:
        flush_timeout: 200ms
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [respan]
    logs:
      receivers: [otlp]
      exporters: [respan]
  telemetry:
    metrics:
      level: none
`, httpAddr, sinkURL))
	startCollector(t, "otelcol-respan", nil, httpAddr, cfg)

	tp := tracerProvider(t, httpExporter(t, httpAddr), "chat-app")
	lp := newLogSDK(t, httpAddr).lp
	logger := lp.Logger("opentelemetry.instrumentation.openai_v2")

	tr := tp.Tracer("opentelemetry.instrumentation.openai_v2")
	ctx, chat := tr.Start(context.Background(), "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.system", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.String("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
		attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop"}),
		attribute.Int("gen_ai.usage.input_tokens", 25),
		attribute.Int("gen_ai.usage.output_tokens", 9),
	))
	// Records of one call share a timestamp and are emitted in no fixed
	// order: the choice first here, the system message last.
	now := time.Now()
	emit := func(event string, body ...otellog.KeyValue) {
		var r otellog.Record
		r.SetEventName(event)
		r.SetTimestamp(now)
		r.SetBody(otellog.MapValue(body...))
		r.AddAttributes(otellog.String("gen_ai.system", "openai"))
		logger.Emit(ctx, r)
	}
	emit("gen_ai.choice",
		otellog.Int("index", 0),
		otellog.String("finish_reason", "stop"),
		otellog.Map("message", otellog.String("role", "assistant"), otellog.String("content", "Within 30 days of delivery.")))
	emit("gen_ai.user.message", otellog.String("content", "What is your refund window?"))
	emit("gen_ai.system.message", otellog.String("content", "You are the FAQ bot of Acme."))
	chat.End()

	// Logs first, then the span: two separate OTLP/HTTP requests.
	flushCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := lp.ForceFlush(flushCtx); err != nil {
		t.Fatalf("log SDK flush: %v", err)
	}
	flush(t, tp)

	waitSpans(t, s, 1)
	settle()
	spans := s.Spans()
	if len(spans) != 1 {
		t.Fatalf("the stand-in received %d span logs, want exactly 1 (records must not be sent as spans)", len(spans))
	}
	got := spans[0]
	if got.SpanID != chat.SpanContext().SpanID().String() || got.LogType != "chat" {
		t.Fatalf("span log %s (%s), want the chat span %s", got.SpanID, got.LogType, chat.SpanContext().SpanID())
	}
	prompt, _ := got.Fields["prompt_messages"].([]any)
	var roles, texts []string
	for _, m := range prompt {
		mm, _ := m.(map[string]any)
		roles = append(roles, fmt.Sprint(mm["role"]))
		texts = append(texts, fmt.Sprint(mm["content"]))
	}
	if fmt.Sprint(roles) != "[system user]" ||
		texts[0] != "You are the FAQ bot of Acme." || texts[1] != "What is your refund window?" {
		t.Errorf("prompt_messages roles %v contents %q, want [system user] in order", roles, texts)
	}
	completion, _ := got.Fields["completion_message"].(map[string]any)
	if completion["role"] != "assistant" || completion["content"] != "Within 30 days of delivery." {
		t.Errorf("completion_message = %v", completion)
	}
	var input []map[string]any
	if err := json.Unmarshal([]byte(got.Input), &input); err != nil || len(input) != 2 {
		t.Errorf("input is not the JSON of the two prompt messages: %q (%v)", got.Input, err)
	}
	if got.PromptTokens != 25 || got.CompletionTokens != 9 || got.Model != "gpt-4o-mini-2024-07-18" {
		t.Errorf("usage/model lost in the join: %d/%d %s", got.PromptTokens, got.CompletionTokens, got.Model)
	}
	if w, _ := got.Fields["warnings"].(string); w != "" {
		t.Errorf("a joined span must carry no join warning, got %q", w)
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %v", v)
	}
}
