// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/respanai/respanexporter/internal/sink"
)

// wantSpan is what one span log must carry. Zero fields are not checked,
// except Parent, which is always compared ("" = root).
type wantSpan struct {
	Name         string
	Parent       string // span id of the parent; "" for a root
	LogType      string
	Model        string
	Provider     string
	PromptTokens int64
	OutputTokens int64
	Customer     string
	Thread       string
	Workflow     string
	Error        bool
	// Prompt lists "role: content" of prompt_messages, in order.
	Prompt []string
	// Completion is the completion_message content.
	Completion string
	// Input and Output are substrings of the input / output fields.
	Input, Output string
}

// TestSDKToSink sends traces from the OpenTelemetry Go SDK over OTLP/HTTP
// and OTLP/gRPC, with gen-AI attributes of three conventions (OTel GenAI
// semantic conventions, OpenLLMetry, OpenInference), through the real
// otelcol-respan binary; the stand-in must receive each span once, with ids,
// parents, log types, models, usage, messages and identifiers.
func TestSDKToSink(t *testing.T) {
	s, sinkURL := startSink(t, "sink", "e2e-sdk-key")
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	cfg := writeConfig(t, "sdk.yaml", fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
exporters:
  respan:
    endpoint: %s
    api_key: e2e-sdk-key
    sending_queue:
      batch:
        flush_timeout: 200ms
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [respan]
  telemetry:
    metrics:
      level: none
`, grpcAddr, httpAddr, sinkURL))
	col := startCollector(t, "otelcol-respan", nil, httpAddr, cfg)
	col.waitListening(grpcAddr, startTimeout)

	want := map[string]wantSpan{} // by "trace/span"
	add := func(sc trace.SpanContext, w wantSpan) {
		want[sink.SpanKey(sc.TraceID().String(), sc.SpanID().String())] = w
	}

	// Over OTLP/HTTP: OTel GenAI semantic conventions (JSON messages in
	// gen_ai.input.messages / gen_ai.output.messages), identifiers on the
	// agent span only (the exporter propagates them to its children), and
	// a failed tool call.
	tpHTTP := tracerProvider(t, httpExporter(t, httpAddr), "support-bot")
	{
		tr := tpHTTP.Tracer("e2e/semconv")
		ctx, agent := tr.Start(context.Background(), "invoke_agent SupportBot", trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "invoke_agent"),
			attribute.String("gen_ai.agent.name", "SupportBot"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.conversation.id", "conv_e2e_1"),
			attribute.String("user.id", "cust_e2e_1"),
		))
		_, chat := tr.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.request.model", "gpt-4o-mini"),
			attribute.String("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
			attribute.String("gen_ai.input.messages", `[{"role":"system","parts":[{"type":"text","content":"You are a support bot."}]},{"role":"user","parts":[{"type":"text","content":"What is your refund window?"}]}]`),
			attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"30 days from delivery."}],"finish_reason":"stop"}]`),
			attribute.Int("gen_ai.usage.input_tokens", 21),
			attribute.Int("gen_ai.usage.output_tokens", 6),
		))
		chat.End()
		_, tool := tr.Start(ctx, "execute_tool lookup_order", trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "execute_tool"),
			attribute.String("gen_ai.tool.name", "lookup_order"),
			attribute.String("gen_ai.tool.call.id", "call_e2e_1"),
		))
		tool.SetStatus(codes.Error, "order service timed out")
		tool.End()
		agent.End()

		root := agent.SpanContext().SpanID().String()
		add(agent.SpanContext(), wantSpan{Name: "invoke_agent SupportBot", LogType: "agent", Customer: "cust_e2e_1", Thread: "conv_e2e_1"})
		add(chat.SpanContext(), wantSpan{
			Name: "chat gpt-4o-mini", Parent: root, LogType: "chat",
			Model: "gpt-4o-mini-2024-07-18", Provider: "openai", PromptTokens: 21, OutputTokens: 6,
			Customer: "cust_e2e_1", Thread: "conv_e2e_1",
			Prompt:     []string{"system: You are a support bot.", "user: What is your refund window?"},
			Completion: "30 days from delivery.",
		})
		add(tool.SpanContext(), wantSpan{Name: "execute_tool lookup_order", Parent: root, LogType: "tool", Error: true, Customer: "cust_e2e_1"})
	}
	flush(t, tpHTTP)

	// Over OTLP/gRPC: OpenLLMetry (flattened gen_ai.prompt.N.* keys) and
	// OpenInference (llm.input_messages.N.message.*).
	tpGRPC := tracerProvider(t, grpcExporter(t, grpcAddr), "travel-app")
	{
		tr := tpGRPC.Tracer("opentelemetry.instrumentation.openai.v1")
		assoc := []attribute.KeyValue{
			attribute.String("traceloop.workflow.name", "support_flow"),
			attribute.String("traceloop.association.properties.user_id", "cust_e2e_2"),
			attribute.String("traceloop.association.properties.session_id", "sess_e2e_2"),
		}
		ctx, wf := tr.Start(context.Background(), "support_flow.workflow", trace.WithAttributes(append([]attribute.KeyValue{
			attribute.String("traceloop.span.kind", "workflow"),
			attribute.String("traceloop.entity.name", "support_flow"),
			attribute.String("traceloop.entity.input", `{"question": "Where is my parcel?"}`),
		}, assoc...)...))
		_, chat := tr.Start(ctx, "openai.chat", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(append([]attribute.KeyValue{
			attribute.String("llm.request.type", "chat"),
			attribute.String("gen_ai.system", "openai"),
			attribute.String("gen_ai.request.model", "gpt-4o"),
			attribute.String("gen_ai.response.model", "gpt-4o-2024-08-06"),
			attribute.String("gen_ai.prompt.0.role", "system"),
			attribute.String("gen_ai.prompt.0.content", "You answer in one sentence."),
			attribute.String("gen_ai.prompt.1.role", "user"),
			attribute.String("gen_ai.prompt.1.content", "Where is my parcel?"),
			attribute.String("gen_ai.completion.0.role", "assistant"),
			attribute.String("gen_ai.completion.0.content", "It is out for delivery."),
			attribute.String("gen_ai.completion.0.finish_reason", "stop"),
			attribute.Int("gen_ai.usage.prompt_tokens", 25),
			attribute.Int("gen_ai.usage.completion_tokens", 9),
		}, assoc...)...))
		chat.End()
		wf.End()
		add(wf.SpanContext(), wantSpan{Name: "support_flow.workflow", LogType: "workflow", Workflow: "support_flow",
			Customer: "cust_e2e_2", Thread: "sess_e2e_2", Input: "Where is my parcel?"})
		add(chat.SpanContext(), wantSpan{
			Name: "openai.chat", Parent: wf.SpanContext().SpanID().String(), LogType: "chat",
			Model: "gpt-4o-2024-08-06", Provider: "openai", PromptTokens: 25, OutputTokens: 9,
			Customer: "cust_e2e_2", Thread: "sess_e2e_2", Workflow: "support_flow",
			Prompt:     []string{"system: You answer in one sentence.", "user: Where is my parcel?"},
			Completion: "It is out for delivery.",
		})

		oi := tpGRPC.Tracer("openinference.instrumentation.langchain")
		ctx, chain := oi.Start(context.Background(), "RetrievalQA", trace.WithAttributes(
			attribute.String("openinference.span.kind", "CHAIN"),
			attribute.String("input.value", `{"question": "How do I rotate an API key?"}`),
			attribute.String("input.mime_type", "application/json"),
			attribute.String("output.value", "Create a new key, switch clients, revoke the old one."),
			attribute.String("user.id", "cust_e2e_3"),
			attribute.String("session.id", "thread_e2e_3"),
		))
		_, llm := oi.Start(ctx, "ChatCompletion", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("openinference.span.kind", "LLM"),
			attribute.String("llm.model_name", "gpt-4.1-mini-2025-04-14"),
			attribute.String("llm.provider", "openai"),
			attribute.String("llm.input_messages.0.message.role", "system"),
			attribute.String("llm.input_messages.0.message.content", "Answer from the docs."),
			attribute.String("llm.input_messages.1.message.role", "user"),
			attribute.String("llm.input_messages.1.message.content", "How do I rotate an API key?"),
			attribute.String("llm.output_messages.0.message.role", "assistant"),
			attribute.String("llm.output_messages.0.message.content", "Create a new key, switch clients, revoke the old one."),
			attribute.Int("llm.token_count.prompt", 40),
			attribute.Int("llm.token_count.completion", 8),
			attribute.Int("llm.token_count.total", 48),
			attribute.String("user.id", "cust_e2e_3"),
			attribute.String("session.id", "thread_e2e_3"),
		))
		llm.End()
		chain.End()
		add(chain.SpanContext(), wantSpan{Name: "RetrievalQA", LogType: "workflow", Customer: "cust_e2e_3", Thread: "thread_e2e_3",
			Input: "rotate an API key", Output: "revoke the old one"})
		add(llm.SpanContext(), wantSpan{
			Name: "ChatCompletion", Parent: chain.SpanContext().SpanID().String(), LogType: "chat",
			Model: "gpt-4.1-mini-2025-04-14", PromptTokens: 40, OutputTokens: 8,
			Customer: "cust_e2e_3", Thread: "thread_e2e_3",
			Prompt:     []string{"system: Answer from the docs.", "user: How do I rotate an API key?"},
			Completion: "Create a new key, switch clients, revoke the old one.",
		})
	}
	flush(t, tpGRPC)

	waitSpans(t, s, len(want))
	settle()
	assertClean(t, "sink", s)

	got := map[string]sink.SpanLog{}
	for _, sl := range s.Spans() {
		got[sl.Key()] = sl
	}
	if len(got) != len(want) {
		t.Errorf("sink has %d distinct span logs, want %d", len(got), len(want))
	}
	for key, w := range want {
		sl, ok := got[key]
		if !ok {
			t.Errorf("span %s (%s) never arrived", w.Name, key)
			continue
		}
		checkSpan(t, sl, w)
	}
	// Resource attributes land in metadata (metadata::resource_attributes: selected).
	for _, sl := range got {
		if sl.Metadata["service.name"] == nil || sl.Metadata["environment"] != "e2e" {
			t.Errorf("%s: metadata lacks service.name / environment=e2e: %v", sl.SpanName, sl.Metadata)
		}
	}
	if st := s.Statuses(); st[200] == 0 || len(st) != 1 {
		t.Errorf("sink answered %v, want only 200s", st)
	}
}

// checkSpan compares one received span log with its expectation.
func checkSpan(t *testing.T, sl sink.SpanLog, w wantSpan) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s (%s): %s", w.Name, sl.Key(), fmt.Sprintf(format, args...))
	}
	eq := func(field, got, want string) {
		t.Helper()
		if want != "" && got != want {
			errorf("%s = %q, want %q", field, got, want)
		}
	}
	eq("span_name", sl.SpanName, w.Name)
	if sl.ParentID != w.Parent {
		errorf("span_parent_id = %q, want %q", sl.ParentID, w.Parent)
	}
	eq("log_type", sl.LogType, w.LogType)
	eq("model", sl.Model, w.Model)
	eq("provider_id", sl.ProviderID, w.Provider)
	eq("customer_identifier", sl.CustomerIdentifier, w.Customer)
	eq("thread_identifier", sl.ThreadIdentifier, w.Thread)
	eq("span_workflow_name", sl.SpanWorkflowName, w.Workflow)
	if w.PromptTokens != 0 && sl.PromptTokens != w.PromptTokens {
		errorf("prompt_tokens = %d, want %d", sl.PromptTokens, w.PromptTokens)
	}
	if w.OutputTokens != 0 && sl.CompletionTokens != w.OutputTokens {
		errorf("completion_tokens = %d, want %d", sl.CompletionTokens, w.OutputTokens)
	}
	if sl.IsError() != w.Error {
		errorf("is error = %v (status_code %d, status %q), want %v", sl.IsError(), sl.StatusCode, sl.Status, w.Error)
	}
	if w.Error && sl.ErrorMessage == "" {
		errorf("error_message is empty")
	}
	if w.Prompt != nil {
		if got := messageStrings(sl.Fields["prompt_messages"]); strings.Join(got, "\n") != strings.Join(w.Prompt, "\n") {
			errorf("prompt_messages = %q, want %q", got, w.Prompt)
		}
	}
	if w.Completion != "" {
		if got := messageStrings([]any{sl.Fields["completion_message"]}); len(got) != 1 || got[0] != "assistant: "+w.Completion {
			errorf("completion_message = %q, want %q", got, "assistant: "+w.Completion)
		}
	}
	if w.Input != "" && !strings.Contains(sl.Input, w.Input) {
		errorf("input = %q, want it to contain %q", sl.Input, w.Input)
	}
	if w.Output != "" && !strings.Contains(sl.Output, w.Output) {
		errorf("output = %q, want it to contain %q", sl.Output, w.Output)
	}
	if sl.StartTime.IsZero() || sl.Timestamp.Before(sl.StartTime) {
		errorf("start_time %v / timestamp %v are not a valid interval", sl.StartTime, sl.Timestamp)
	}
}

// messageStrings renders OpenAI-shaped messages as "role: content" (text
// parts joined).
func messageStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, m := range list {
		msg, ok := m.(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("<%T>", m))
			continue
		}
		role, _ := msg["role"].(string)
		out = append(out, role+": "+contentText(msg["content"]))
	}
	return out
}

func contentText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, p := range c {
			if pm, ok := p.(map[string]any); ok {
				if s, ok := pm["text"].(string); ok {
					parts = append(parts, s)
				}
			}
		}
		return strings.Join(parts, "")
	case nil:
		return ""
	default:
		return fmt.Sprint(c)
	}
}
