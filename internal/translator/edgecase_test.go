// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// Edge-case tests: bad input of every kind. The exact output for the inputs
// in testdata/edge is held by their golden files (golden_test.go); the
// tests here state the repair each input is there for (what is kept,
// dropped, cut or warned about), in terms that survive unrelated changes of
// the output. Inputs JSON cannot express (NaN/±Inf, invalid UTF-8,
// megabyte contents, a 300-span batch) are built with pdata. Every output
// also passes checkOutput.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/translator"
)

// spanLogs is a checked translation indexed by span id.
type spanLogs struct {
	t     *testing.T
	label string
	res   *translator.Result
	list  []map[string]any
	by    map[string]map[string]any
}

func edgeRun(t *testing.T, label string, td ptrace.Traces, opts translator.Options) spanLogs {
	t.Helper()
	res, logs := translateChecked(t, label, td, opts)
	s := spanLogs{t: t, label: label, res: res, list: logs, by: map[string]map[string]any{}}
	for _, l := range logs {
		s.by[fmt.Sprint(l["span_unique_id"])] = l
	}
	return s
}

func edgeFile(t *testing.T, name string) spanLogs {
	t.Helper()
	return edgeRun(t, "edge/"+name, loadTraces(t, filepath.Join(edgeDir, name)), translator.DefaultOptions())
}

// at returns the value at path (map keys and slice indices) in span log
// id, nil when absent; a missing span log fails the test.
func (s spanLogs) at(id string, path ...any) any {
	s.t.Helper()
	v, ok := any(s.by[id]), s.by[id] != nil
	if !ok {
		s.t.Errorf("%s: no span log for span %s", s.label, id)
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func (s spanLogs) str(id string, path ...any) string {
	s.t.Helper()
	v, _ := s.at(id, path...).(string)
	return v
}

func (s spanLogs) num(id string, path ...any) (float64, bool) {
	s.t.Helper()
	n, ok := s.at(id, path...).(json.Number)
	f, _ := n.Float64()
	return f, ok
}

// decoded is the JSON value that the string field (input, output) holds.
func (s spanLogs) decoded(id, field string) any {
	s.t.Helper()
	v, err := decodeJSON(s.str(id, field))
	if err != nil {
		s.t.Errorf("%s span %s: %s is not JSON text: %v", s.label, id, field, err)
	}
	return v
}

// expect fails unless the value at path equals want, compared as JSON
// (numbers as numbers); want nil means absent.
func (s spanLogs) expect(id string, want any, path ...any) {
	s.t.Helper()
	b, _ := json.Marshal(want)
	var w any
	_ = decodeInto(b, &w)
	for _, d := range diffValue("", w, s.at(id, path...)) {
		s.t.Errorf("%s span %s %v: %s", s.label, id, path, d)
	}
}

// absent fails for each field present in span log id.
func (s spanLogs) absent(id string, fields ...string) {
	s.t.Helper()
	for _, f := range fields {
		if v := s.at(id, f); v != nil {
			s.t.Errorf("%s span %s: %s: want absent, got %s", s.label, id, f, show(v))
		}
	}
}

func (s spanLogs) warned(id, about string) {
	s.t.Helper()
	if w := s.str(id, "warnings"); !strings.Contains(w, about) {
		s.t.Errorf("%s span %s: want a warning about %q, got %q", s.label, id, about, w)
	}
}

func (s spanLogs) ids() []string {
	var out []string
	for _, l := range s.list {
		out = append(out, fmt.Sprint(l["span_unique_id"]))
	}
	return out
}

func TestEdgeIDs(t *testing.T) {
	s := edgeFile(t, "ids.json")
	for reason, n := range map[translator.DropReason]int{translator.DropMissingTraceID: 2, translator.DropMissingSpanID: 2} {
		if s.res.Dropped[reason] != n {
			t.Errorf("Dropped[%s]: want %d (one empty, one all-zero), got %v", reason, n, s.res.Dropped)
		}
	}
	if len(s.res.Problems) == 0 {
		t.Error("Problems: want the drops reported, got none")
	}
	if got := strings.Join(s.ids(), ","); got != "1111111111111111,4444444444444444,5555555555555555" {
		t.Errorf("kept spans: want the rest of the batch in order, got %s", got)
	}
	s.absent("1111111111111111", "span_parent_id")
	s.absent("4444444444444444", "span_parent_id") // all-zero parent: a root
	s.expect("4444444444444444", "0af7651916cd43dd8448eb211c80319d", "trace_unique_id")
	s.expect("5555555555555555", "1111111111111111", "span_parent_id")
}

func TestEdgeAttributeTypesFile(t *testing.T) {
	s := edgeFile(t, "attr-types.json")
	const id = "a000000000000001"
	if len(s.list) != 1 || len(s.res.Dropped) != 0 {
		t.Fatalf("want 1 span log and no drops, got %d, Dropped=%v", len(s.list), s.res.Dropped)
	}
	s.expect(id, "chat", "log_type")
	s.expect(id, "openai", "provider_id")
	// Lenient numbers (§5.1, §4): decimal strings and integral doubles are
	// token counts; negative counts and non-numbers are left out.
	s.expect(id, 12, "prompt_tokens")
	s.expect(id, 7, "completion_tokens")
	s.expect(id, 19, "total_request_tokens")
	s.absent(id, "prompt_cache_hit_tokens", "usage", "max_tokens", "temperature", "top_p", "stream", "tools",
		"thread_identifier") // an empty array is no id
	// A single output message given as an object (not an array) is read.
	s.expect(id, map[string]any{"role": "assistant", "content": "hi"}, "completion_message")
	// Maps and slices are plain trees sent as JSON strings, never the OTLP
	// encoding; Bytes are base64 or left out (§5.1, §5.9).
	s.expect(id, `{"a":{"b":[1,"x",{"c":true}]}}`, "metadata", "custom.nested")
	s.expect(id, `[1,"two",3.5,false]`, "metadata", "custom.slice")
	if v := s.at(id, "metadata", "custom.bytes"); v != nil && v != "aGVsbG8=" {
		t.Errorf("metadata.custom.bytes: want base64 or absent, got %s", show(v))
	}
	if md := show(s.at(id, "metadata")); strings.Contains(md, "kvlistValue") || strings.Contains(md, "arrayValue") || strings.Contains(md, "bytesValue") {
		t.Errorf("metadata carries the OTLP AnyValue encoding: %s", md)
	}
	// An integer beyond 2^53 keeps its exact decimal value.
	if n, _ := s.at(id, "metadata", "custom.int").(json.Number); n != "9007199254740993" {
		t.Errorf("metadata.custom.int: want 9007199254740993 exactly, got %s", show(s.at(id, "metadata", "custom.int")))
	}
}

// TestEdgeAnyTypeAnyKey puts every AnyValue type (and oddities) at every key
// the mapping reads. Each span must yield exactly one log, nothing panics,
// and every output passes checkOutput.
func TestEdgeAnyTypeAnyKey(t *testing.T) {
	keys := []string{
		"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model", "gen_ai.response.model",
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions",
		"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.tool.name", "gen_ai.prompt", "gen_ai.completion",
		"gen_ai.prompt.0.content", "gen_ai.prompt.0.role", "gen_ai.prompt.0.tool_calls.0.arguments", "gen_ai.completion.0.content",
		"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.total_tokens", "gen_ai.usage.cost",
		"gen_ai.usage.cache_read.input_tokens", "gen_ai.request.temperature", "gen_ai.request.max_tokens", "gen_ai.request.top_p",
		"gen_ai.request.stream", "gen_ai.request.stop_sequences", "gen_ai.response.finish_reasons", "gen_ai.response.time_to_first_chunk",
		"gen_ai.conversation.id", "gen_ai.agent.name", "gen_ai.workflow.name", "user.id", "session.id",
		"traceloop.span.kind", "traceloop.entity.input", "traceloop.entity.output", "traceloop.workflow.name", "traceloop.entity.path",
		"traceloop.association.properties.user_id", "openinference.span.kind", "input.value", "output.value", "metadata", "tag.tags",
		"llm.invocation_parameters", "llm.input_messages.0.message.content", "llm.tools.0.tool.json_schema", "llm.token_count.prompt",
		"llm.cost.total", "embedding.embeddings.0.embedding.text", "retrieval.documents.0.document.content",
		"ai.operationId", "ai.prompt", "ai.prompt.messages", "ai.prompt.tools", "ai.response.text", "ai.response.toolCalls",
		"ai.response.msToFirstChunk", "ai.usage.promptTokens", "ai.values", "ai.telemetry.metadata.userId",
		"respan.entity.log_type", "respan.customer_params.customer_identifier", "respan.metadata.x", "langfuse.observation.type",
		"gcp.vertex.agent.llm_request", "gcp.vertex.agent.llm_response", "http.response.status_code", "error.type", "",
	}
	type valueCase struct {
		name string
		set  func(v pcommon.Value)
	}
	deep := func(v pcommon.Value) {
		m := v.SetEmptyMap()
		for i := 0; i < 200; i++ {
			m = m.PutEmptyMap("d")
		}
		m.PutStr("leaf", "x")
	}
	values := []valueCase{
		{"empty", func(v pcommon.Value) {}},
		{"str-empty", func(v pcommon.Value) { v.SetStr("") }},
		{"str-text", func(v pcommon.Value) { v.SetStr("not json {") }},
		{"str-json-object", func(v pcommon.Value) { v.SetStr(`{"role":"user","content":"x","n":1e400}`) }},
		{"str-json-array", func(v pcommon.Value) { v.SetStr(`[{"role":7,"parts":"nope"},null,[],{"type":"text"}]`) }},
		{"str-double-encoded", func(v pcommon.Value) { v.SetStr(`"[{\"role\":\"user\",\"content\":\"x\"}]"`) }},
		{"int-neg", func(v pcommon.Value) { v.SetInt(-1) }},
		{"int-max", func(v pcommon.Value) { v.SetInt(math.MaxInt64) }},
		{"double-nan", func(v pcommon.Value) { v.SetDouble(math.NaN()) }},
		{"double-inf", func(v pcommon.Value) { v.SetDouble(math.Inf(1)) }},
		{"double-neg-inf", func(v pcommon.Value) { v.SetDouble(math.Inf(-1)) }},
		{"double-huge", func(v pcommon.Value) { v.SetDouble(1e300) }},
		{"bool", func(v pcommon.Value) { v.SetBool(true) }},
		{"bytes", func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte{0, 1, 2, 0xff}) }},
		{"slice-empty", func(v pcommon.Value) { v.SetEmptySlice() }},
		{"slice-mixed", func(v pcommon.Value) {
			s := v.SetEmptySlice()
			s.AppendEmpty().SetStr("a")
			s.AppendEmpty().SetDouble(math.NaN())
			s.AppendEmpty().SetEmptyMap().PutStr("role", "user")
			s.AppendEmpty().SetEmptySlice().AppendEmpty().SetInt(3)
			s.AppendEmpty()
		}},
		{"map-empty", func(v pcommon.Value) { v.SetEmptyMap() }},
		{"map-message", func(v pcommon.Value) {
			m := v.SetEmptyMap()
			m.PutStr("role", "user")
			m.PutEmptySlice("parts").AppendEmpty().SetEmptyMap().PutStr("type", "text")
			m.PutDouble("content", math.Inf(1))
		}},
		{"map-deep", deep},
	}
	for _, op := range []string{"", "chat", "execute_tool", "invoke_agent", "embeddings"} {
		for ki, k := range keys {
			name := fmt.Sprintf("op=%s/key=%s", op, k)
			t.Run(name, func(t *testing.T) {
				td := ptrace.NewTraces()
				ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
				for vi, vc := range values {
					s := ss.Spans().AppendEmpty()
					s.SetTraceID(pcommon.TraceID{0xab, byte(ki), byte(vi), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
					s.SetSpanID(pcommon.SpanID{0xcd, byte(ki), byte(vi), 1, 2, 3, 4, 5})
					s.SetName(fmt.Sprintf("%s=%s", k, vc.name))
					s.SetStartTimestamp(pcommon.Timestamp(1787227200000000000))
					s.SetEndTimestamp(pcommon.Timestamp(1787227201000000000))
					if op != "" && k != "gen_ai.operation.name" {
						s.Attributes().PutStr("gen_ai.operation.name", op)
					}
					vc.set(s.Attributes().PutEmpty(k))
				}
				s := edgeRun(t, "any-type-any-key/"+name, td, translator.DefaultOptions())
				if len(s.list) != len(values) {
					t.Errorf("want one log per span (%d), got %d (Dropped=%v)", len(values), len(s.list), s.res.Dropped)
				}
			})
		}
	}
}

func newChatSpan(td ptrace.Traces, spanByte byte) ptrace.Span {
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	ss.Scope().SetName("edge.builder")
	s := ss.Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{spanByte, 1, 2, 3, 4, 5, 6, 7})
	s.SetName("chat gpt-4o")
	s.SetKind(ptrace.SpanKindClient)
	s.SetStartTimestamp(pcommon.Timestamp(1787227200000000000))
	s.SetEndTimestamp(pcommon.Timestamp(1787227202000000000))
	a := s.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	return s
}

func userText(text string) []any { return []any{map[string]any{"role": "user", "content": text}} }

func TestEdgeNaNAndInf(t *testing.T) {
	td := ptrace.NewTraces()
	a := newChatSpan(td, 0x11).Attributes()
	for k, v := range map[string]float64{
		"gen_ai.usage.input_tokens": math.NaN(), "gen_ai.usage.output_tokens": math.Inf(1), "gen_ai.usage.total_tokens": math.Inf(-1),
		"gen_ai.usage.cache_read.input_tokens": math.NaN(), "gen_ai.usage.cost": math.NaN(), "gen_ai.request.temperature": math.NaN(),
		"gen_ai.request.top_p": math.Inf(1), "gen_ai.request.frequency_penalty": math.Inf(-1), "gen_ai.request.presence_penalty": math.NaN(),
		"gen_ai.request.max_tokens": math.Inf(1), "gen_ai.response.time_to_first_chunk": math.Inf(1), "custom.nan": math.NaN(),
	} {
		a.PutDouble(k, v)
	}
	a.PutEmptySlice("custom.nan_slice").AppendEmpty().SetDouble(math.Inf(-1))
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`)
	// The same as strings: lenient parsing must not make numbers of them.
	a2 := newChatSpan(td, 0x12).Attributes()
	a2.PutStr("gen_ai.usage.input_tokens", "NaN")
	a2.PutStr("gen_ai.usage.output_tokens", "+Inf")
	a2.PutStr("gen_ai.request.temperature", "-Infinity")
	a2.PutStr("gen_ai.usage.cost", "NaN")

	s := edgeRun(t, "edge/nan-inf", td, translator.DefaultOptions())
	for _, id := range []string{"1101020304050607", "1201020304050607"} {
		// NaN/±Inf are absent: never null, 0 or a huge number.
		s.absent(id, "prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "cost",
			"temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens", "time_to_first_token")
		s.expect(id, "chat", "log_type")
		s.expect(id, "gpt-4o", "model")
		s.expect(id, 2, "latency")
	}
	s.expect("1101020304050607", userText("hi"), "prompt_messages")
}

func TestEdgeInvalidUTF8(t *testing.T) {
	td := ptrace.NewTraces()
	s1 := newChatSpan(td, 0x21)
	s1.SetName("bad\xff\xfename")
	a := s1.Attributes()
	a.PutStr("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"caf\xe9 \xc3\x28 ok\"}]}]")
	a.PutStr("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"r\xe9ponse\"}]}]")
	a.PutStr("user.id", "u\xff1")
	a.PutStr("custom.\xffkey", "v\xc3\x28")
	a.PutStr("custom.val", "\xed\xa0\x80 surrogate half")
	a.PutEmptyBytes("custom.bin").FromRaw([]byte{0xff, 0xfe})
	s2 := newChatSpan(td, 0x22)
	s2.SetName("flattened \xc0\xaf")
	a2 := s2.Attributes()
	a2.Remove("gen_ai.operation.name")
	a2.PutStr("llm.request.type", "chat")
	a2.PutStr("gen_ai.prompt.0.role", "us\xffer")
	a2.PutStr("gen_ai.prompt.0.content", "hello \xf0\x9f\x98")
	a2.PutStr("gen_ai.completion.0.content", "\x80\x81")

	s := edgeRun(t, "edge/invalid-utf8", td, translator.DefaultOptions())
	// Invalid bytes become U+FFFD; the text around them is kept.
	const id = "2101020304050607"
	for _, c := range []struct {
		path           []any
		prefix, suffix string
	}{
		{[]any{"span_name"}, "bad\uFFFD", "name"},
		{[]any{"prompt_messages", 0, "content"}, "caf\uFFFD", " ok"},
		{[]any{"completion_message", "content"}, "r\uFFFD", "ponse"},
		{[]any{"customer_identifier"}, "u\uFFFD", "1"},
	} {
		if got := s.str(id, c.path...); !strings.HasPrefix(got, c.prefix) || !strings.HasSuffix(got, c.suffix) {
			t.Errorf("span %s %v: want %q…%q with U+FFFD for the invalid bytes, got %q", id, c.path, c.prefix, c.suffix, got)
		}
	}
	if got := s.str("2201020304050607", "span_name"); !strings.HasPrefix(got, "flattened ") {
		t.Errorf("flattened span: span_name %q: want the name kept", got)
	}
	if got := s.str("2201020304050607", "prompt_messages", 0, "content"); !strings.HasPrefix(got, "hello ") {
		t.Errorf("flattened span: prompt_messages[0].content %q: want \"hello \\uFFFD\"", got)
	}
}

func TestEdgeMegabyteContent(t *testing.T) {
	opts := translator.DefaultOptions()
	limit := opts.MaxContentBytes
	if limit <= 0 {
		t.Fatalf("DefaultOptions().MaxContentBytes = %d: expected a content cap", limit)
	}
	// Two-byte runes at an odd offset, so that a cut at any byte would split one.
	big := "x" + strings.Repeat("é", limit)
	td := ptrace.NewTraces()
	chat := newChatSpan(td, 0x31).Attributes()
	m := chat.PutEmptySlice("gen_ai.input.messages").AppendEmpty().SetEmptyMap()
	m.PutStr("role", "user")
	p := m.PutEmptySlice("parts").AppendEmpty().SetEmptyMap()
	p.PutStr("type", "text")
	p.PutStr("content", big)
	chat.PutInt("gen_ai.usage.input_tokens", 1)
	chat.PutInt("gen_ai.usage.output_tokens", 1)
	tool := newChatSpan(td, 0x32)
	tool.SetName("execute_tool fetch")
	ta := tool.Attributes()
	ta.PutStr("gen_ai.operation.name", "execute_tool")
	ta.Remove("gen_ai.request.model")
	ta.Remove("gen_ai.provider.name")
	ta.PutStr("gen_ai.tool.name", "fetch")
	ta.PutStr("gen_ai.tool.call.result", big)
	small := newChatSpan(td, 0x33).Attributes()
	small.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"short"}]}]`)
	small.PutInt("gen_ai.usage.input_tokens", 1)
	small.PutInt("gen_ai.usage.output_tokens", 1)

	s := edgeRun(t, "edge/megabyte", td, opts)
	if s.res.TruncatedFields < 2 {
		t.Errorf("Result.TruncatedFields: want >= 2 (a message content, a tool output), got %d", s.res.TruncatedFields)
	}
	// The content is cut at a rune boundary close to the cap and marked;
	// its JSON encoding is not (input stays valid JSON, checkOutput).
	checkCut := func(what, got string) {
		kept, marked := strings.CutSuffix(got, translator.TruncationMarker)
		switch {
		case !marked:
			t.Errorf("%s: want it to end with TruncationMarker, got …%q", what, got[max(0, len(got)-60):])
		case len(kept) > limit || len(kept) < limit-utf8.UTFMax:
			t.Errorf("%s: want about MaxContentBytes (%d) bytes before the marker, got %d", what, limit, len(kept))
		case !utf8.ValidString(kept) || !strings.HasPrefix(big, kept):
			t.Errorf("%s: want a prefix of the original text cut at a rune boundary", what)
		}
	}
	checkCut("chat prompt_messages[0].content", s.str("3101020304050607", "prompt_messages", 0, "content"))
	s.warned("3101020304050607", "truncat")
	if in := s.str("3101020304050607", "input"); strings.HasSuffix(in, translator.TruncationMarker) {
		t.Error("chat input: the JSON text itself was cut; cut the contents, then encode")
	}
	s.expect("3201020304050607", "tool", "log_type")
	out, _ := s.decoded("3201020304050607", "output").(string)
	checkCut("tool output (a JSON string)", out)
	s.warned("3201020304050607", "truncat")
	s.absent("3301020304050607", "warnings")
	s.expect("3301020304050607", userText("short"), "prompt_messages")
}

func TestEdgeFlattenedIndices(t *testing.T) {
	done := make(chan spanLogs)
	go func() { done <- edgeFile(t, "flattened.json") }()
	var s spanLogs
	select {
	case s = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Translate did not finish in 20s (huge flattened index allocated?)")
	}
	// Numeric order 0, 7, 10 (not 0, 10, 7); the gaps and the non-numeric
	// prompt_filter_results left out; sparse indices reported.
	const sparse = "b000000000000001"
	want := []any{
		map[string]any{"role": "system", "content": "zero"},
		map[string]any{"role": "assistant", "content": "seven"},
		map[string]any{"role": "user", "content": "ten"},
	}
	s.expect(sparse, want, "prompt_messages")
	s.expect(sparse, map[string]any{"role": "assistant", "content": "done"}, "completion_message")
	s.warned(sparse, "sparse")
	// Index 0 kept; negative, overflowing and non-integer indices skipped;
	// huge ones never allocate.
	const huge = "b000000000000002"
	s.expect(huge, "first", "prompt_messages", 0, "content")
	if pm, _ := s.at(huge, "prompt_messages").([]any); len(pm) > 2 || strings.Contains(show(pm), "negative") ||
		strings.Contains(show(pm), "not an integer") || strings.Contains(show(pm), "overflows") {
		t.Errorf("huge indices: want at most index 0 and the max-int64 one, got %s", show(pm))
	}
	s.warned(huge, "index")
}

func TestEdgeBrokenJSON(t *testing.T) {
	s := edgeFile(t, "broken-json.json")
	// Unparseable message JSON is kept as text (a message's content).
	const chat = "c000000000000001"
	s.expect(chat, "chat", "log_type")
	s.expect(chat, `[{"role": "user", "parts": [{"type": "text", "content": "Hello, wor`, "prompt_messages", 0, "content")
	s.expect(chat, `[{"role": "assistant", "parts": [{"type": "text", "con`, "completion_message", "content")
	s.expect(chat, 9, "prompt_tokens")
	s.warned(chat, "unparseable")
	// Broken tool arguments and results go as JSON string literals.
	const tool = "c000000000000002"
	s.expect(tool, "tool", "log_type")
	if in, out := s.decoded(tool, "input"), s.decoded(tool, "output"); in != `{"city": "Par` || out != `[1, 2,` {
		t.Errorf("tool input/output: want the broken texts as JSON strings, got %s / %s", show(in), show(out))
	}
	s.warned(tool, "invalid JSON")
}

func TestEdgeTimestamps(t *testing.T) {
	s := edgeFile(t, "timestamps.json")
	if len(s.list) != 6 {
		t.Fatalf("want 6 span logs (bad times never drop a span), got %d", len(s.list))
	}
	// Never 1970, never a negative or made-up latency: a missing time is
	// omitted or replaced by the other one; checkOutput checks the rest.
	s.absent("d000000000000001", "start_time", "timestamp")
	s.expect("d000000000000002", "2026-08-20T12:00:01.000000Z", "timestamp")
	s.expect("d000000000000003", "2026-08-20T12:00:00.000000Z", "start_time")
	s.expect("d000000000000004", "2026-08-20T12:00:05.000000Z", "start_time")
	s.warned("d000000000000004", "ends before it starts")
	for _, id := range []string{"d000000000000001", "d000000000000002", "d000000000000003", "d000000000000004"} {
		if l, ok := s.num(id, "latency"); ok && l != 0 {
			t.Errorf("span %s: latency %v: want 0 or absent when a time is missing or reversed", id, l)
		}
		for _, k := range []string{"start_time", "timestamp"} {
			if v := s.str(id, k); strings.HasPrefix(v, "1970") {
				t.Errorf("span %s: %s %s: a zero time must not be sent", id, k, v)
			}
		}
	}
	if l, ok := s.num("d000000000000005", "latency"); !ok || l <= 0 || l > 1e-5 {
		t.Errorf("sub-microsecond span: latency %v: want about 1e-6 s (998 ns)", l)
	}
}

func TestEdgeLongSpanNames(t *testing.T) {
	s := edgeFile(t, "long-names.json")
	// 255 characters, not bytes, never splitting a rune.
	for id, want := range map[string]string{
		"e000000000000001": strings.Repeat("é", 255),
		"e000000000000002": strings.Repeat("a", 255),
		"e000000000000003": strings.Repeat("😀", 254) + "a",
		"e000000000000004": strings.Repeat("x", 255),
	} {
		if got := s.str(id, "span_name"); got != want {
			t.Errorf("span %s: want the first 255 characters (%d bytes), got %d characters / %d bytes", id, len(want), utf8.RuneCountInString(got), len(got))
		}
	}
}

func TestEdgeBatch300OneBad(t *testing.T) {
	const n, bad = 300, 137
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "batch")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("edge.batch")
	var wantIDs []string
	for i := 0; i < n; i++ {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(i % 3)})
		if i != bad {
			sp.SetSpanID(pcommon.SpanID{0x10, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)})
			wantIDs = append(wantIDs, sp.SpanID().String())
		}
		if i > 0 && i%10 != 0 {
			sp.SetParentSpanID(pcommon.SpanID{0x10, 0, 0, 0, 0, 0, byte((i / 10 * 10) >> 8), byte(i / 10 * 10)})
		}
		sp.SetName(fmt.Sprintf("span %d", i))
		sp.SetStartTimestamp(pcommon.Timestamp(1787227200000000000 + uint64(i)*1000000))
		sp.SetEndTimestamp(pcommon.Timestamp(1787227200500000000 + uint64(i)*1000000))
		a := sp.Attributes()
		if i%2 == 0 {
			a.PutStr("gen_ai.operation.name", "chat")
			a.PutStr("gen_ai.request.model", "gpt-4o-mini")
			a.PutInt("gen_ai.usage.input_tokens", int64(i))
			a.PutInt("gen_ai.usage.output_tokens", 1)
		} else {
			a.PutStr("gen_ai.operation.name", "execute_tool")
			a.PutStr("gen_ai.tool.name", "t")
		}
	}
	s := edgeRun(t, "edge/batch-300", td, translator.DefaultOptions())
	if len(s.res.Dropped) != 1 || s.res.Dropped[translator.DropMissingSpanID] != 1 {
		t.Errorf("Dropped: want exactly the one span without id, got %v", s.res.Dropped)
	}
	if got := strings.Join(s.ids(), ","); got != strings.Join(wantIDs, ",") {
		t.Errorf("want the %d other spans in input order, got %d span logs", len(wantIDs), len(s.list))
	}
	// Each log's Source points back at its span.
	for i, l := range s.res.Logs {
		src := l.Source
		if src.Resource != 0 || src.Scope != 0 || src.Span < 0 || src.Span >= ss.Spans().Len() {
			t.Errorf("log %d: Source %+v out of range", i, src)
		} else if got := ss.Spans().At(src.Span).SpanID().String(); got != l.SpanID {
			t.Errorf("log %d (span %s): Source %+v points at span %s", i, l.SpanID, src, got)
		}
	}
}

// TestEdgeBytesAttribute pins §5.1/§5.9: a Bytes value is sent as base64
// or not at all, never as the OTLP/JSON object or a byte-slice dump.
func TestEdgeBytesAttribute(t *testing.T) {
	td := ptrace.NewTraces()
	raw := []byte{0, 1, 2, 250, 251, 252}
	newChatSpan(td, 0x41).Attributes().PutEmptyBytes("custom.blob").FromRaw(raw)
	s := edgeRun(t, "edge/bytes", td, translator.DefaultOptions())
	if v := s.at("4101020304050607", "metadata", "custom.blob"); v != nil && v != base64.StdEncoding.EncodeToString(raw) {
		t.Errorf("metadata.custom.blob: want %s or absent, got %s", base64.StdEncoding.EncodeToString(raw), show(v))
	}
	s.expect("4101020304050607", "gpt-4o", "model")
}
