// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/respanai/respanexporter/internal/sink"
)

// bodyRecorder keeps every request body the stand-in receives, so the test
// can search all of it, not only the fields the sink parses.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
	next   http.Handler
}

func (b *bodyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, raw)
	b.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	b.next.ServeHTTP(w, r)
}

func (b *bodyRecorder) all() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Join(b.bodies, []byte("\n"))
}

// The values of each kind, as they are sent by the application. Each must
// be absent from every byte the stand-in receives.
var e2ePII = map[string]string{
	"email":  "jane.doe@example.com",
	"phone":  "+1 415 555 2671",
	"card":   "4111 1111 1111 1111",
	"iban":   "DE89 3704 0044 0532 0130 00",
	"ipv4":   "203.0.113.45",
	"ipv6":   "2001:db8:85a3::8a2e:370:7334",
	"sk":     "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2",
	"aws":    "AKIAIOSFODNN7EXAMPLE",
	"jwt":    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
	"bearer": "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZTEyMzQ1",
}

// piiSentence carries every kind at once, inside ordinary text.
func piiSentence(prefix string) string {
	return prefix + ": write to " + e2ePII["email"] + ", call " + e2ePII["phone"] + ", charge " + e2ePII["card"] +
		", wire to " + e2ePII["iban"] + ", seen from " + e2ePII["ipv4"] + " and " + e2ePII["ipv6"] +
		"; keys " + e2ePII["sk"] + " " + e2ePII["aws"] + " token " + e2ePII["jwt"] + " header " + e2ePII["bearer"] + "."
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPIIRedactionEndToEnd runs examples/pii-redaction.yaml in the real
// distribution: a trace whose prompts (JSON attributes and flattened keys),
// tool-call arguments and results, and content log records joined onto
// their span carry every kind of value the built-in detectors know. The
// stand-in must receive none of them anywhere in any request body, and
// everything else (the span tree, names, models, usage, tool names,
// identifiers, the surrounding text) intact.
func TestPIIRedactionEndToEnd(t *testing.T) {
	s := sink.New(sink.Options{APIKey: "e2e-pii-key", Logf: func(format string, args ...any) { t.Logf("sink: "+format, args...) }})
	rec := &bodyRecorder{next: s}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	col := startCollector(t, "otelcol-respan", cleanEnv("RESPAN_API_KEY=e2e-pii-key", "RESPAN_ENDPOINT="+srv.URL), httpAddr,
		example("pii-redaction.yaml"),
		set("receivers::otlp::protocols::grpc::endpoint", grpcAddr),
		set("receivers::otlp::protocols::http::endpoint", httpAddr),
		set("exporters::respan::sending_queue::batch::flush_timeout", "200ms"),
		noSelfMetrics,
	)

	tp := tracerProvider(t, httpExporter(t, httpAddr), "pii-app")
	tr := tp.Tracer("e2e/pii")
	lp := newLogSDK(t, httpAddr).lp
	logger := lp.Logger("opentelemetry.instrumentation.openai_v2")

	ctx, root := tr.Start(context.Background(), "support-agent", trace.WithAttributes(
		attribute.String("openinference.span.kind", "AGENT"),
		attribute.String("input.value", piiSentence("agent input")),
		attribute.String("output.value", piiSentence("agent output")),
		attribute.String("session.id", "thread-pii"),
	))

	// Semconv chat: system instructions, prompt, and an assistant tool call
	// whose arguments carry the values.
	args := map[string]any{"to": e2ePII["email"], "phone": e2ePII["phone"], "card": e2ePII["card"], "note": piiSentence("args")}
	_, chat := tr.Start(ctx, "chat gpt-4o", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o"),
		attribute.String("gen_ai.system_instructions", jsonText([]any{map[string]any{"type": "text", "content": piiSentence("system")}})),
		attribute.String("gen_ai.input.messages", jsonText([]any{
			map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": piiSentence("semconv prompt")}}},
		})),
		attribute.String("gen_ai.output.messages", jsonText([]any{
			map[string]any{"role": "assistant", "finish_reason": "tool_call", "parts": []any{
				map[string]any{"type": "tool_call", "id": "call_pii_1", "name": "send_invoice", "arguments": args},
			}},
		})),
		attribute.Int("gen_ai.usage.input_tokens", 31),
		attribute.Int("gen_ai.usage.output_tokens", 7),
	))
	chat.End()

	// The tool run: arguments and result as JSON attributes.
	_, tool := tr.Start(ctx, "execute_tool send_invoice", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", "send_invoice"),
		attribute.String("gen_ai.tool.call.id", "call_pii_1"),
		attribute.String("gen_ai.tool.call.arguments", jsonText(args)),
		attribute.String("gen_ai.tool.call.result", jsonText(map[string]any{"status": "sent", "receipt": piiSentence("result")})),
	))
	tool.End()

	// OpenLLMetry flattened prompt and completion.
	_, flat := tr.Start(ctx, "openai.chat", trace.WithAttributes(
		attribute.String("llm.request.type", "chat"),
		attribute.String("gen_ai.system", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.String("gen_ai.prompt.0.role", "user"),
		attribute.String("gen_ai.prompt.0.content", piiSentence("flattened prompt")),
		attribute.String("gen_ai.completion.0.role", "assistant"),
		attribute.String("gen_ai.completion.0.content", piiSentence("flattened answer")),
		attribute.Int("gen_ai.usage.prompt_tokens", 12),
		attribute.Int("gen_ai.usage.completion_tokens", 4),
	))
	flat.End()

	// A chat span without content, its messages sent as log records.
	lctx, joined := tr.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.system", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.Int("gen_ai.usage.input_tokens", 25),
		attribute.Int("gen_ai.usage.output_tokens", 9),
	))
	now := time.Now()
	emit := func(event string, body ...otellog.KeyValue) {
		var r otellog.Record
		r.SetEventName(event)
		r.SetTimestamp(now)
		r.SetBody(otellog.MapValue(body...))
		r.AddAttributes(otellog.String("gen_ai.system", "openai"))
		logger.Emit(lctx, r)
	}
	emit("gen_ai.user.message", otellog.String("content", piiSentence("log record prompt")))
	emit("gen_ai.choice",
		otellog.Int("index", 0),
		otellog.String("finish_reason", "stop"),
		otellog.Map("message", otellog.String("role", "assistant"), otellog.String("content", piiSentence("log record answer"))))
	joined.End()
	root.End()

	flushCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := lp.ForceFlush(flushCtx); err != nil {
		t.Fatalf("log SDK flush: %v", err)
	}
	flush(t, tp)

	waitSpans(t, s, 5)
	settle()
	assertClean(t, "sink", s)

	body := rec.all()
	if len(body) == 0 {
		t.Fatal("no request body recorded")
	}
	for kind, v := range e2ePII {
		// The bearer credential alone: "Bearer " itself may stay.
		needle := strings.TrimPrefix(v, "Bearer ")
		if bytes.Contains(body, []byte(needle)) {
			t.Errorf("%s value %q reached the ingest API", kind, needle)
		}
	}
	for _, ph := range []string{"[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[IP]", "[SECRET]"} {
		if !bytes.Contains(body, []byte(ph)) {
			t.Errorf("placeholder %s not in the body", ph)
		}
	}

	want := map[string]struct {
		model  string
		tokens int64
		text   string // surrounding text that must survive
	}{
		"support-agent":             {"", 0, "agent input: write to [EMAIL]"},
		"chat gpt-4o":               {"gpt-4o", 31, "semconv prompt: write to [EMAIL], call [PHONE], charge [CARD], wire to [IBAN], seen from [IP] and [IP]; keys [SECRET] [SECRET] token [SECRET] header Bearer [SECRET]."},
		"execute_tool send_invoice": {"", 0, "result: write to [EMAIL]"},
		"openai.chat":               {"gpt-4o-mini", 12, "flattened answer: write to [EMAIL]"},
		"chat gpt-4o-mini":          {"gpt-4o-mini", 25, "log record answer: write to [EMAIL]"},
	}
	got := map[string]bool{}
	for _, sl := range s.Spans() {
		w, ok := want[sl.SpanName]
		if !ok {
			t.Errorf("unexpected span log %q", sl.SpanName)
			continue
		}
		got[sl.SpanName] = true
		raw := string(sl.Raw)
		if w.model != "" && sl.Model != w.model {
			t.Errorf("%s: model %q, want %q", sl.SpanName, sl.Model, w.model)
		}
		if sl.PromptTokens != w.tokens {
			t.Errorf("%s: prompt_tokens %d, want %d", sl.SpanName, sl.PromptTokens, w.tokens)
		}
		if sl.ThreadIdentifier != "thread-pii" {
			t.Errorf("%s: thread_identifier %q, want it kept", sl.SpanName, sl.ThreadIdentifier)
		}
		if !strings.Contains(raw, w.text) && !strings.Contains(raw, jsonEscaped(w.text)) {
			t.Errorf("%s: the text around the values is gone, want %q in %s", sl.SpanName, w.text, raw)
		}
		md, _ := sl.Fields["metadata"].(map[string]any)
		if flag, _ := md["redacted"].(string); flag == "" {
			t.Errorf("%s: no metadata.redacted flag", sl.SpanName)
		}
		for _, k := range []string{"input", "output"} {
			if v, _ := sl.Fields[k].(string); v != "" && !json.Valid([]byte(v)) {
				t.Errorf("%s: %s is not JSON text any more: %s", sl.SpanName, k, v)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("span logs received: %v, want %d", got, len(want))
	}
	for _, s := range []string{`send_invoice`, `call_pii_1`} {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("%s lost: tool names and call ids are not content", s)
		}
	}
	assertNoDeprecations(t, col)
}

// jsonEscaped is s as it appears inside a JSON string literal that is itself
// inside JSON text (input/output hold JSON text).
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}
