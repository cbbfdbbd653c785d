package translator

// Edge-case tests: bad input of every kind the issue lists. Each asserts a
// behaviour (what is kept, dropped, cut, warned about), plus, for every
// output, that EncodeArray produced valid UTF-8 JSON that decodes and that
// the global invariants of golden_test.go hold.
//
// Cases JSON can express live in testdata/edge/*.json; NaN/±Inf, invalid
// UTF-8, megabyte contents and the 300-span batch are built with pdata.

import (
	"encoding/base64"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const edgeDir = "testdata/edge"

// edgeRun translates td with opts, checks the encoded output (valid JSON,
// valid UTF-8, decodes, invariants) and returns the result and the decoded
// logs indexed by span id.
func edgeRun(t *testing.T, label string, td ptrace.Traces, opts Options) (*Result, []map[string]any, map[string]*logCheck) {
	t.Helper()
	var res *Result
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: Translate panicked: %v", label, r)
			}
		}()
		res = New(opts).Translate(td)
	}()
	raw, logs := wireLogs(t, label, res)
	if !utf8.Valid(raw) {
		t.Errorf("%s: EncodeArray output is not valid UTF-8", label)
	}
	checkInvariants(t, label, logs, sourceSpans(td))
	by := map[string]*logCheck{}
	for _, l := range logs {
		id, _ := l["span_unique_id"].(string)
		by[id] = &logCheck{t: t, fixture: label, span: id, log: l}
	}
	return res, logs, by
}

func edgeFile(t *testing.T, name string) (*Result, []map[string]any, map[string]*logCheck) {
	t.Helper()
	td := loadTracesFile(t, filepath.Join(edgeDir, name))
	return edgeRun(t, "edge/"+name, td, DefaultOptions())
}

// need returns the checker of span id, failing when there is no log for it.
func need(t *testing.T, by map[string]*logCheck, label, id string) *logCheck {
	t.Helper()
	c, ok := by[id]
	if !ok {
		t.Errorf("%s span %s: no span log produced for this span", label, id)
		return nil
	}
	return c
}

func (c *logCheck) hasWarning() {
	c.t.Helper()
	if s, _ := c.get("warnings").(string); s == "" {
		c.failf("warnings", "want a warning describing the problem, got %s", show(c.get("warnings")))
	}
}

// ---------------------------------------------------------------------------
// ids: empty / all-zero trace and span ids, all-zero parent
// ---------------------------------------------------------------------------

func TestEdgeIDs(t *testing.T) {
	const label = "edge/ids.json"
	res, logs, by := edgeFile(t, "ids.json")
	if got := res.Dropped[DropMissingTraceID]; got != 2 {
		t.Errorf("%s: Dropped[%s]: want 2 (empty and all-zero trace id), got %d (Dropped=%v)", label, DropMissingTraceID, got, res.Dropped)
	}
	if got := res.Dropped[DropMissingSpanID]; got != 2 {
		t.Errorf("%s: Dropped[%s]: want 2 (empty and all-zero span id), got %d (Dropped=%v)", label, DropMissingSpanID, got, res.Dropped)
	}
	if len(res.Problems) == 0 {
		t.Errorf("%s: Problems: want the drops reported, got none", label)
	}
	want := []string{"1111111111111111", "4444444444444444", "5555555555555555"}
	var got []string
	for _, l := range logs {
		id, _ := l["span_unique_id"].(string)
		got = append(got, id)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: kept spans: want %v (the rest of the batch, in order), got %v", label, want, got)
	}
	if c := need(t, by, label, "1111111111111111"); c != nil {
		c.absent("span_parent_id")
	}
	if c := need(t, by, label, "4444444444444444"); c != nil {
		c.absent("span_parent_id") // all-zero parent ⇒ root
		c.str("trace_unique_id", "0af7651916cd43dd8448eb211c80319d")
	}
	if c := need(t, by, label, "5555555555555555"); c != nil {
		c.str("span_parent_id", "1111111111111111")
	}
}

// ---------------------------------------------------------------------------
// attr-types: unexpected AnyValue types at well-known keys
// ---------------------------------------------------------------------------

func TestEdgeAttributeTypesFile(t *testing.T) {
	const label = "edge/attr-types.json"
	res, logs, by := edgeFile(t, "attr-types.json")
	if len(logs) != 1 || totalDropped(res) != 0 {
		t.Fatalf("%s: want 1 span log and no drops, got %d logs, Dropped=%v", label, len(logs), res.Dropped)
	}
	c := need(t, by, label, "a000000000000001")
	if c == nil {
		return
	}
	c.str("log_type", "chat")
	c.provider("openai")
	// Lenient numbers (§5.1, §4): decimal strings and integral doubles are
	// token counts; negative counts and non-numbers are absent.
	c.intv("prompt_tokens", 12)
	c.intv("completion_tokens", 7)
	c.intv("total_request_tokens", 19)
	c.absent("prompt_cache_hit_tokens")
	c.absent("usage") // reasoning tokens given as a map: not a number
	c.absent("max_tokens")
	c.absent("temperature")
	c.absent("top_p")
	c.absent("stream")
	c.absent("tools")
	c.absent("thread_identifier") // empty array is not an id
	if m := c.get("model"); !isAbsent(m) {
		if _, ok := m.(string); !ok {
			c.fail("model", "a string or absent", m)
		}
	}
	// A single output message given as an object (not an array) is tolerated.
	c.compareMessage("completion_message", c.get("completion_message"), asstMsg("hi"))
	// §5.1: Bytes → base64 string; Map/Slice → plain trees (never the OTLP
	// encoding), sent as JSON strings in metadata.
	// Bytes: base64 (§5.1) or dropped (§5.9 strips base64 blobs from
	// metadata) — never the OTLP object or a Go byte-slice dump.
	if v := c.metaGet("custom.bytes"); !isAbsent(v) && v != "aGVsbG8=" {
		c.fail("metadata.custom.bytes", "base64 \"aGVsbG8=\" or absent", v)
	}
	c.metaJSON("custom.nested", `{"a":{"b":[1,"x",{"c":true}]}}`)
	c.metaJSON("custom.slice", `[1,"two",3.5,false]`)
	if b := fmt.Sprint(c.get("metadata")); strings.Contains(b, "kvlistValue") || strings.Contains(b, "arrayValue") || strings.Contains(b, "bytesValue") {
		c.failf("metadata", "contains the raw OTLP AnyValue encoding: %s", clip(b, 400))
	}
	// Integers beyond 2^53 must survive as their exact decimal value.
	if v := c.metaGet("custom.int"); !isAbsent(v) {
		if s := scalarText(v); s != "9007199254740993" && s != "9.007199254740993e+15" {
			// float64 decoding of the wire loses the last digit; accept a
			// string "9007199254740993" or the number.
			if _, isStr := v.(string); isStr {
				c.fail("metadata.custom.int", "9007199254740993", v)
			}
		}
	}
}

// TestEdgeAnyTypeAnyKey puts every AnyValue type (and oddities) at every key
// the mapping reads. Each span must yield exactly one log, nothing panics,
// the output stays valid, and the invariants hold (e.g. tokens only on LLM
// types, integer tokens, string input/output holding JSON).
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
			label := fmt.Sprintf("any-type-any-key/op=%s/key=%s", op, k)
			t.Run(fmt.Sprintf("op=%s/key=%s", op, k), func(t *testing.T) {
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
				res, logs, _ := edgeRun(t, label, td, DefaultOptions())
				if len(logs) != len(values) {
					t.Errorf("%s: want one log per span (%d), got %d (Dropped=%v)", label, len(values), len(logs), res.Dropped)
				}
			})
		}
	}
}

// ---------------------------------------------------------------------------
// NaN and ±Inf at numeric keys
// ---------------------------------------------------------------------------

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

func TestEdgeNaNAndInf(t *testing.T) {
	const label = "edge/nan-inf"
	td := ptrace.NewTraces()
	s := newChatSpan(td, 0x11)
	a := s.Attributes()
	a.PutDouble("gen_ai.usage.input_tokens", math.NaN())
	a.PutDouble("gen_ai.usage.output_tokens", math.Inf(1))
	a.PutDouble("gen_ai.usage.total_tokens", math.Inf(-1))
	a.PutDouble("gen_ai.usage.cache_read.input_tokens", math.NaN())
	a.PutDouble("gen_ai.usage.cost", math.NaN())
	a.PutDouble("gen_ai.request.temperature", math.NaN())
	a.PutDouble("gen_ai.request.top_p", math.Inf(1))
	a.PutDouble("gen_ai.request.frequency_penalty", math.Inf(-1))
	a.PutDouble("gen_ai.request.presence_penalty", math.NaN())
	a.PutDouble("gen_ai.request.max_tokens", math.Inf(1))
	a.PutDouble("gen_ai.response.time_to_first_chunk", math.Inf(1))
	a.PutDouble("custom.nan", math.NaN())
	a.PutEmptySlice("custom.nan_slice").AppendEmpty().SetDouble(math.Inf(-1))
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`)

	// Same keys as decimal strings "NaN"/"Inf" (lenient parsing must not
	// turn them into numbers either).
	s2 := newChatSpan(td, 0x12)
	a2 := s2.Attributes()
	a2.PutStr("gen_ai.usage.input_tokens", "NaN")
	a2.PutStr("gen_ai.usage.output_tokens", "+Inf")
	a2.PutStr("gen_ai.request.temperature", "-Infinity")
	a2.PutStr("gen_ai.usage.cost", "NaN")

	_, logs, by := edgeRun(t, label, td, DefaultOptions())
	if len(logs) != 2 {
		t.Fatalf("%s: want 2 logs, got %d", label, len(logs))
	}
	for _, id := range []string{"1101020304050607", "1201020304050607"} {
		c := need(t, by, label, id)
		if c == nil {
			continue
		}
		for _, k := range []string{"prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "cost",
			"temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens", "time_to_first_token"} {
			c.absent(k) // NaN/±Inf are absent, never null, 0 or a huge number
		}
		c.str("log_type", "chat")
		c.str("model", "gpt-4o")
		c.num("latency", 2)
	}
	if c := by["1101020304050607"]; c != nil {
		c.compareMessageList("prompt_messages", c.get("prompt_messages"), []wm{userMsg("hi")})
	}
}

// ---------------------------------------------------------------------------
// Invalid UTF-8
// ---------------------------------------------------------------------------

func TestEdgeInvalidUTF8(t *testing.T) {
	const label = "edge/invalid-utf8"
	td := ptrace.NewTraces()
	s := newChatSpan(td, 0x21)
	s.SetName("bad\xff\xfename")
	a := s.Attributes()
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

	_, logs, by := edgeRun(t, label, td, DefaultOptions())
	if len(logs) != 2 {
		t.Fatalf("%s: want 2 logs, got %d", label, len(logs))
	}
	if c := need(t, by, label, "2101020304050607"); c != nil {
		name, _ := c.get("span_name").(string)
		if !strings.HasPrefix(name, "bad") || !strings.HasSuffix(name, "name") || !strings.Contains(name, "\uFFFD") {
			c.failf("span_name", "want invalid bytes replaced by U+FFFD (\"bad\\uFFFD…name\"), got %q", name)
		}
		pm, _ := c.get("prompt_messages").([]any)
		if len(pm) != 1 {
			c.fail("prompt_messages", "one user message", c.get("prompt_messages"))
		} else {
			m, _ := pm[0].(map[string]any)
			content, _ := m["content"].(string)
			if !strings.HasPrefix(content, "caf") || !strings.HasSuffix(content, " ok") || !strings.Contains(content, "\uFFFD") {
				c.failf("prompt_messages[0].content", "want the text kept with U+FFFD for invalid bytes, got %q", content)
			}
		}
		cm, _ := c.get("completion_message").(map[string]any)
		if content, _ := cm["content"].(string); !strings.HasPrefix(content, "r") || !strings.HasSuffix(content, "ponse") {
			c.failf("completion_message.content", "want the text kept with U+FFFD for invalid bytes, got %s", show(c.get("completion_message")))
		}
		if cid, _ := c.get("customer_identifier").(string); !strings.HasPrefix(cid, "u") || !strings.HasSuffix(cid, "1") {
			c.failf("customer_identifier", "want the id kept (invalid byte replaced), got %s", show(c.get("customer_identifier")))
		}
	}
	if c := need(t, by, label, "2201020304050607"); c != nil {
		if name, _ := c.get("span_name").(string); !strings.HasPrefix(name, "flattened ") {
			c.failf("span_name", "want the name kept with invalid bytes replaced, got %q", name)
		}
		pm, _ := c.get("prompt_messages").([]any)
		if len(pm) != 1 {
			c.fail("prompt_messages", "one message from gen_ai.prompt.0.*", c.get("prompt_messages"))
		} else if m, _ := pm[0].(map[string]any); !strings.HasPrefix(fmt.Sprint(m["content"]), "hello ") {
			c.failf("prompt_messages[0].content", "want \"hello \\uFFFD\", got %s", show(m["content"]))
		}
	}
}

// ---------------------------------------------------------------------------
// Megabyte content: truncated, marked, warned, counted
// ---------------------------------------------------------------------------

func TestEdgeMegabyteContent(t *testing.T) {
	const label = "edge/megabyte"
	opts := DefaultOptions()
	max := opts.MaxContentBytes
	if max <= 0 {
		t.Fatalf("DefaultOptions().MaxContentBytes = %d: expected a content cap", max)
	}
	// Two-byte runes so that a cut at an arbitrary byte would split one.
	big := "x" + strings.Repeat("é", max) // > 2 MiB, odd byte offset
	td := ptrace.NewTraces()

	s := newChatSpan(td, 0x31)
	msgs := s.Attributes().PutEmptySlice("gen_ai.input.messages")
	m := msgs.AppendEmpty().SetEmptyMap()
	m.PutStr("role", "user")
	p := m.PutEmptySlice("parts").AppendEmpty().SetEmptyMap()
	p.PutStr("type", "text")
	p.PutStr("content", big)
	s.Attributes().PutInt("gen_ai.usage.input_tokens", 1)
	s.Attributes().PutInt("gen_ai.usage.output_tokens", 1)

	tool := newChatSpan(td, 0x32)
	tool.SetName("execute_tool fetch")
	ta := tool.Attributes()
	ta.PutStr("gen_ai.operation.name", "execute_tool")
	ta.Remove("gen_ai.request.model")
	ta.Remove("gen_ai.provider.name")
	ta.PutStr("gen_ai.tool.name", "fetch")
	ta.PutStr("gen_ai.tool.call.result", big)

	small := newChatSpan(td, 0x33)
	small.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"short"}]}]`)
	small.Attributes().PutInt("gen_ai.usage.input_tokens", 1)
	small.Attributes().PutInt("gen_ai.usage.output_tokens", 1)

	res, logs, by := edgeRun(t, label, td, opts)
	if len(logs) != 3 {
		t.Fatalf("%s: want 3 logs, got %d", label, len(logs))
	}
	if res.TruncatedFields < 2 {
		t.Errorf("%s: Result.TruncatedFields: want >= 2 (one message content, one tool output), got %d", label, res.TruncatedFields)
	}
	checkCut := func(c *logCheck, field, got string) {
		c.t.Helper()
		if !strings.HasSuffix(got, TruncationMarker) {
			c.failf(field, "want the value to end with TruncationMarker %q, got …%q", TruncationMarker, tail(got, 60))
			return
		}
		kept := strings.TrimSuffix(got, TruncationMarker)
		if len(kept) > max || len(got) > max+len(TruncationMarker) {
			c.failf(field, "want at most MaxContentBytes (%d) bytes before the marker, got %d", max, len(kept))
		}
		if len(kept) < max-utf8.UTFMax {
			c.failf(field, "want the cut close to MaxContentBytes (%d), kept only %d bytes", max, len(kept))
		}
		if !utf8.ValidString(kept) || !strings.HasPrefix(big, kept) {
			c.failf(field, "want a prefix of the original text cut at a rune boundary (cut the content, not its JSON encoding), got %q…%q", clip(kept, 12), tail(kept, 12))
		}
	}
	if c := need(t, by, label, "3101020304050607"); c != nil {
		pm, _ := c.get("prompt_messages").([]any)
		if len(pm) != 1 {
			c.fail("prompt_messages", "one user message", fmt.Sprintf("%d messages", len(pm)))
		} else {
			mm, _ := pm[0].(map[string]any)
			content, _ := mm["content"].(string)
			checkCut(c, "prompt_messages[0].content", content)
		}
		c.hasWarning()
		c.contains("warnings", "truncat")
		// input is the JSON of the (cut) messages: still valid JSON
		// (invariant) and not itself cut in the middle of the JSON.
		if in, _ := c.get("input").(string); strings.HasSuffix(in, TruncationMarker) {
			c.failf("input", "the JSON text itself was cut (ends with the marker): cut the contents, then encode")
		}
	}
	if c := need(t, by, label, "3201020304050607"); c != nil {
		c.str("log_type", "tool")
		dec, ok := c.decodedTextField("output")
		if ok {
			s, isStr := dec.(string)
			if !isStr {
				c.fail("output(decoded)", "a JSON string literal of the cut text", dec)
			} else {
				checkCut(c, "output(decoded)", s)
			}
		}
		c.hasWarning()
		c.contains("warnings", "truncat")
	}
	if c := need(t, by, label, "3301020304050607"); c != nil {
		c.absent("warnings")
		c.compareMessageList("prompt_messages", c.get("prompt_messages"), []wm{userMsg("short")})
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// ---------------------------------------------------------------------------
// Flattened indices: sparse, unsorted, huge, overflowing, non-numeric
// ---------------------------------------------------------------------------

func TestEdgeFlattenedIndices(t *testing.T) {
	const label = "edge/flattened.json"
	done := make(chan struct{})
	var (
		logs []map[string]any
		by   map[string]*logCheck
	)
	go func() {
		defer close(done)
		_, logs, by = edgeFile(t, "flattened.json")
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: Translate did not finish in 20s (huge flattened index allocated?)", label)
	}
	if len(logs) != 2 {
		t.Fatalf("%s: want 2 logs, got %d", label, len(logs))
	}
	if c := need(t, by, label, "b000000000000001"); c != nil {
		// Numeric order 0, 7, 10 (not lexicographic 0, 10, 7); gaps kept
		// out; the non-numeric prompt_filter_results skipped.
		c.prompt(sysMsg("zero"), asstMsg("seven"), userMsg("ten"))
		c.completion(asstMsg("done"))
		c.hasWarning() // sparse flattened indices are reported (§4 warnings)
	}
	if c := need(t, by, label, "b000000000000002"); c != nil {
		pm, ok := c.get("prompt_messages").([]any)
		if !ok || len(pm) == 0 {
			c.fail("prompt_messages", "at least the message of index 0", c.get("prompt_messages"))
		} else {
			c.compareMessage("prompt_messages[0]", pm[0], userMsg("first"))
			if len(pm) > 2 {
				c.failf("prompt_messages", "want at most index 0 and the max-int64 index (negative, overflowing and non-integer indices skipped), got %d messages: %s", len(pm), show(pm))
			}
			for _, m := range pm {
				mm, _ := m.(map[string]any)
				if s, _ := mm["content"].(string); s == "negative" || s == "not an integer" || s == "overflows int64" {
					c.failf("prompt_messages", "message from a non-index key %q must be skipped", s)
				}
			}
		}
		c.hasWarning()
	}
}

// ---------------------------------------------------------------------------
// Broken JSON in content attributes
// ---------------------------------------------------------------------------

func TestEdgeBrokenJSON(t *testing.T) {
	const label = "edge/broken-json.json"
	_, logs, by := edgeFile(t, "broken-json.json")
	if len(logs) != 2 {
		t.Fatalf("%s: want 2 logs, got %d", label, len(logs))
	}
	rawIn := `[{"role": "user", "parts": [{"type": "text", "content": "Hello, wor`
	rawOut := `[{"role": "assistant", "parts": [{"type": "text", "con`
	if c := need(t, by, label, "c000000000000001"); c != nil {
		c.str("log_type", "chat")
		c.hasWarning()
		// Kept as text: either input is the raw string (as a JSON string
		// literal) or the raw string became one user message.
		if !textKept(c, "input", "prompt_messages", rawIn) {
			c.failf("input/prompt_messages", "want the unparseable gen_ai.input.messages kept as text %q, got input %s, prompt_messages %s", rawIn, show(c.get("input")), show(c.get("prompt_messages")))
		}
		if !textKept(c, "output", "completion_message", rawOut) {
			c.failf("output/completion_message", "want the unparseable gen_ai.output.messages kept as text %q, got output %s, completion_message %s", rawOut, show(c.get("output")), show(c.get("completion_message")))
		}
		c.intv("prompt_tokens", 9)
	}
	if c := need(t, by, label, "c000000000000002"); c != nil {
		c.str("log_type", "tool")
		c.jsonText("input", jsonString(`{"city": "Par`))
		c.jsonText("output", jsonString(`[1, 2,`))
		c.hasWarning()
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteString(`"`)
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	b.WriteString(`"`)
	return b.String()
}

// textKept reports whether raw survives as the decoded text field or as the
// content of a message in msgField.
func textKept(c *logCheck, textField, msgField, raw string) bool {
	if s, ok := c.get(textField).(string); ok {
		if d, err := decodeJSONText(s); err == nil && d == raw {
			return true
		}
	}
	var msgs []any
	switch v := c.get(msgField).(type) {
	case []any:
		msgs = v
	case map[string]any:
		msgs = []any{v}
	}
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		if mm["content"] == raw {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Zero and reversed timestamps
// ---------------------------------------------------------------------------

func TestEdgeTimestamps(t *testing.T) {
	const label = "edge/timestamps.json"
	_, logs, by := edgeFile(t, "timestamps.json")
	if len(logs) != 6 {
		t.Fatalf("%s: want 6 logs (bad times never drop a span), got %d", label, len(logs))
	}
	if c := need(t, by, label, "d000000000000001"); c != nil { // both zero
		c.absent("start_time")
		c.absent("timestamp")
		if l, ok := c.get("latency").(float64); ok && l != 0 {
			c.fail("latency", "absent or 0", l)
		}
	}
	if c := need(t, by, label, "d000000000000002"); c != nil { // zero start
		// never 1970-01-01: omitted, or the only known time (the end)
		if st := c.get("start_time"); !isAbsent(st) && st != "2026-08-20T12:00:01.000000Z" {
			c.fail("start_time", "absent or the end time 2026-08-20T12:00:01.000000Z", st)
		}
		c.str("timestamp", "2026-08-20T12:00:01.000000Z")
		if l, ok := c.get("latency").(float64); ok && l != 0 {
			c.failf("latency", "want absent or 0 when the start is unknown (not seconds since 1970), got %v", l)
		}
	}
	if c := need(t, by, label, "d000000000000003"); c != nil { // zero end
		c.str("start_time", "2026-08-20T12:00:00.000000Z")
		// never 1970-01-01: omitted, or the only known time (the start)
		if ts := c.get("timestamp"); !isAbsent(ts) && ts != "2026-08-20T12:00:00.000000Z" {
			c.fail("timestamp", "absent or the start time 2026-08-20T12:00:00.000000Z", ts)
		}
		if l, ok := c.get("latency").(float64); ok && l != 0 {
			c.failf("latency", "want absent or 0 when the end is unknown, got %v", l)
		}
	}
	if c := need(t, by, label, "d000000000000004"); c != nil { // reversed
		if l, ok := c.get("latency").(float64); ok && l != 0 {
			c.failf("latency", "want 0 or absent for end < start (never negative, never |end-start|), got %v", l)
		}
		c.str("start_time", "2026-08-20T12:00:05.000000Z")
		if ts, ok := c.get("timestamp").(string); ok && ts < "2026-08-20T12:00:00.000000Z" {
			c.failf("timestamp", "want a valid RFC 3339 time, got %q", ts)
		}
		c.hasWarning()
	}
	if c := need(t, by, label, "d000000000000005"); c != nil { // sub-microsecond
		if l, ok := c.get("latency").(float64); !ok || l < 0 || l > 1e-5 {
			c.fail("latency", "about 1e-6 s (998 ns)", c.get("latency"))
		}
	}
}

// ---------------------------------------------------------------------------
// Long span names: cut to 255 characters (not bytes)
// ---------------------------------------------------------------------------

func TestEdgeLongSpanNames(t *testing.T) {
	const label = "edge/long-names.json"
	_, logs, by := edgeFile(t, "long-names.json")
	if len(logs) != 4 {
		t.Fatalf("%s: want 4 logs, got %d", label, len(logs))
	}
	cases := map[string]string{
		"e000000000000001": strings.Repeat("é", 255),
		"e000000000000002": strings.Repeat("a", 255),
		"e000000000000003": strings.Repeat("😀", 254) + "a",
		"e000000000000004": strings.Repeat("x", 255),
	}
	for id, want := range cases {
		if c := need(t, by, label, id); c != nil {
			got, _ := c.get("span_name").(string)
			if got != want {
				c.failf("span_name", "want the first 255 characters (%d bytes), got %d characters / %d bytes", len(want), utf8.RuneCountInString(got), len(got))
			}
		}
	}
}

// ---------------------------------------------------------------------------
// A 300-span batch with one bad span
// ---------------------------------------------------------------------------

func TestEdgeBatch300OneBad(t *testing.T) {
	const label = "edge/batch-300"
	const n, bad = 300, 137
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "batch")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("edge.batch")
	var wantIDs []string
	for i := 0; i < n; i++ {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(i % 3)})
		if i != bad {
			s.SetSpanID(pcommon.SpanID{0x10, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)})
			wantIDs = append(wantIDs, s.SpanID().String())
		}
		if i > 0 && i%10 != 0 {
			s.SetParentSpanID(pcommon.SpanID{0x10, 0, 0, 0, 0, 0, byte((i / 10 * 10) >> 8), byte(i / 10 * 10)})
		}
		s.SetName(fmt.Sprintf("span %d", i))
		s.SetStartTimestamp(pcommon.Timestamp(1787227200000000000 + uint64(i)*1000000))
		s.SetEndTimestamp(pcommon.Timestamp(1787227200500000000 + uint64(i)*1000000))
		a := s.Attributes()
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
	res, logs, _ := edgeRun(t, label, td, DefaultOptions())
	if len(logs) != n-1 {
		t.Errorf("%s: want %d logs (one bad span dropped), got %d", label, n-1, len(logs))
	}
	if got := res.Dropped[DropMissingSpanID]; got != 1 {
		t.Errorf("%s: Dropped[%s]: want 1, got %d (Dropped=%v)", label, DropMissingSpanID, got, res.Dropped)
	}
	if got := totalDropped(res); got != 1 {
		t.Errorf("%s: total dropped: want 1, got %d (Dropped=%v)", label, got, res.Dropped)
	}
	for i := 0; i < len(logs) && i < len(wantIDs); i++ {
		if id, _ := logs[i]["span_unique_id"].(string); id != wantIDs[i] {
			t.Errorf("%s: log %d: want span %s (input order kept), got %s", label, i, wantIDs[i], id)
			break
		}
	}
	// Each log's Source points back at its span.
	spans := ss.Spans()
	for i, l := range res.Logs {
		src := l.Source
		if src.Resource != 0 || src.Scope != 0 || src.Span < 0 || src.Span >= spans.Len() {
			t.Errorf("%s: log %d: Source %+v out of range", label, i, src)
			continue
		}
		if got := spans.At(src.Span).SpanID().String(); got != l.SpanID {
			t.Errorf("%s: log %d (span %s): Source %+v points at span %s", label, i, l.SpanID, src, got)
		}
	}
}

// TestEdgeBytesAttribute pins §5.1/§5.9: a Bytes value is sent as base64
// or not at all, never as the OTLP/JSON object or a byte-slice dump.
func TestEdgeBytesAttribute(t *testing.T) {
	const label = "edge/bytes"
	td := ptrace.NewTraces()
	s := newChatSpan(td, 0x41)
	raw := []byte{0, 1, 2, 250, 251, 252}
	s.Attributes().PutEmptyBytes("custom.blob").FromRaw(raw)
	_, _, by := edgeRun(t, label, td, DefaultOptions())
	if c := need(t, by, label, "4101020304050607"); c != nil {
		if v := c.metaGet("custom.blob"); !isAbsent(v) && v != base64.StdEncoding.EncodeToString(raw) {
			c.fail("metadata.custom.blob", base64.StdEncoding.EncodeToString(raw)+" or absent", v)
		}
		c.str("model", "gpt-4o")
	}
}
