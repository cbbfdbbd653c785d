// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// Fuzz targets for Translate. Both check the same invariants on whatever
// they build (fuzzCheck): those of checkOutput, which every golden and edge
// output passes too (the ingest contract, ids, times, order), and besides:
// no panic, every log carries the ids of the span it came from, every input
// span is either translated or counted as dropped, the translation is
// deterministic and leaves its input alone.
//
// CI runs each briefly:
//
//	go test -run='^$' -fuzz='^FuzzTranslate$' -fuzztime=20s ./internal/translator
//	go test -run='^$' -fuzz='^FuzzAttributes$' -fuzztime=20s ./internal/translator
//
// Without -fuzz, `go test` runs the seeds below and any failing inputs saved
// under testdata/fuzz/ as ordinary tests.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

// fuzzCheck translates td and checks the invariants.
func fuzzCheck(t *testing.T, td ptrace.Traces) {
	t.Helper()
	fuzzCheckWith(t, td, translator.DefaultOptions())
}

// fuzzCheckWith is fuzzCheck with the given options.
func fuzzCheckWith(t *testing.T, td ptrace.Traces, opts translator.Options) {
	t.Helper()
	m := &ptrace.JSONMarshaler{}
	before, err := m.MarshalTraces(td)
	if err != nil {
		t.Fatalf("marshal input: %v", err)
	}

	tr := translator.New(opts)
	res := tr.Translate(td)
	if res == nil {
		t.Fatal("Translate returned nil")
	}
	// The invariants every output satisfies (invariants_test.go).
	checkOutput(t, "fuzz", res, td)
	out := translator.EncodeArray(nil, res.Logs)

	dropped := 0
	for reason, n := range res.Dropped {
		if n < 0 {
			t.Fatalf("negative drop count %d for %s", n, reason)
		}
		dropped += n
	}
	if got, want := len(res.Logs)+dropped, td.SpanCount(); got != want {
		t.Fatalf("%d logs + %d dropped != %d input spans (dropped: %v)", len(res.Logs), dropped, want, res.Dropped)
	}
	if res.TruncatedFields < 0 {
		t.Fatalf("TruncatedFields = %d", res.TruncatedFields)
	}

	for i, l := range res.Logs {
		if l == nil {
			t.Fatalf("log %d is nil", i)
		}
		if l.TraceID == "" || l.SpanID == "" {
			t.Fatalf("log %d has empty ids: trace %q span %q", i, l.TraceID, l.SpanID)
		}
		span, ok := sourceSpan(td, l.Source)
		if !ok {
			t.Fatalf("log %d: Source %+v is not a span of the input", i, l.Source)
		}
		if l.TraceID != span.TraceID().String() || l.SpanID != span.SpanID().String() {
			t.Fatalf("log %d: ids %s/%s, source span has %s/%s", i, l.TraceID, l.SpanID, span.TraceID(), span.SpanID())
		}
		one := l.AppendJSON(nil)
		if !json.Valid(one) {
			t.Fatalf("log %d: AppendJSON produced invalid JSON: %.500q", i, one)
		}
		var obj map[string]any
		if err := json.Unmarshal(one, &obj); err != nil {
			t.Fatalf("log %d: not a JSON object: %v", i, err)
		}
		if obj["trace_unique_id"] != l.TraceID || obj["span_unique_id"] != l.SpanID {
			t.Fatalf("log %d: encoded ids %v/%v, want %s/%s", i, obj["trace_unique_id"], obj["span_unique_id"], l.TraceID, l.SpanID)
		}
	}

	again := translator.EncodeArray(nil, tr.Translate(td).Logs)
	if !bytes.Equal(out, again) {
		t.Fatalf("Translate is not deterministic:\n%.300s\n%.300s", out, again)
	}
	after, err := m.MarshalTraces(td)
	if err != nil {
		t.Fatalf("marshal input after Translate: %v", err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("Translate modified its input")
	}
}

func sourceSpan(td ptrace.Traces, ref translator.SourceRef) (ptrace.Span, bool) {
	rss := td.ResourceSpans()
	if ref.Resource < 0 || ref.Resource >= rss.Len() {
		return ptrace.Span{}, false
	}
	sss := rss.At(ref.Resource).ScopeSpans()
	if ref.Scope < 0 || ref.Scope >= sss.Len() {
		return ptrace.Span{}, false
	}
	spans := sss.At(ref.Scope).Spans()
	if ref.Span < 0 || ref.Span >= spans.Len() {
		return ptrace.Span{}, false
	}
	return spans.At(ref.Span), true
}

// ---- FuzzTranslate: arbitrary OTLP/JSON ------------------------------------

// fuzzSeedRequests are small hand-written OTLP/JSON requests that reach
// corners the generated traces do not.
var fuzzSeedRequests = []string{
	`{}`,
	`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","spanId":"","name":"no ids"}]}]}]}`,
	`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00000000000000000000000000000000","spanId":"0000000000000001","name":"zero trace"}]}]}]}`,
	`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","parentSpanId":"0102030405060708","name":"own parent","startTimeUnixNano":"9","endTimeUnixNano":"3"}]}]}]}`,
	`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"chat","attributes":[
		{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
		{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"\\ud800 bad surrogate \u2028\"}]}"}},
		{"key":"gen_ai.output.messages","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"role","value":{"intValue":"7"}},{"key":"parts","value":{"stringValue":"not a list"}}]}}]}}},
		{"key":"gen_ai.usage.input_tokens","value":{"stringValue":"12abc"}},
		{"key":"gen_ai.usage.output_tokens","value":{"doubleValue":1e300}},
		{"key":"gen_ai.request.temperature","value":{"stringValue":"NaN"}},
		{"key":"gen_ai.prompt.99999999999999999999.content","value":{"stringValue":"huge index"}},
		{"key":"gen_ai.prompt.-1.role","value":{"stringValue":"negative index"}},
		{"key":"llm.input_messages.0.message.contents.0.message_content.text","value":{"bytesValue":"3q2+7w=="}}]}]}]}]}`,
	`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"kvlistValue":{}}}]},"scopeSpans":[{"scope":{"name":"ai"},"spans":[
		{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1111111111111111","name":"ai.generateText","attributes":[{"key":"ai.prompt","value":{"stringValue":"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"image\":\"data:...\"}]}]}"}}]},
		{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"2222222222222222","parentSpanId":"1111111111111111","name":"ai.generateText.doGenerate","events":[{"name":"gen_ai.content.prompt","attributes":[{"key":"gen_ai.prompt","value":{"stringValue":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}}]}],"status":{"code":2,"message":"boom"}}]}]}]}`,
}

func FuzzTranslate(f *testing.F) {
	for _, s := range fuzzSeedRequests {
		f.Add([]byte(s))
	}
	m := &ptrace.JSONMarshaler{}
	for _, td := range benchdata.Corpus(1) {
		b, err := m.MarshalTraces(td)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// The shared fixtures, when a colleague has copied them in.
	paths, _ := filepath.Glob(filepath.Join("testdata", "fixtures", "*.json"))
	for _, p := range paths {
		if strings.HasSuffix(p, ".expected.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			t.Skip()
		}
		fuzzCheck(t, td)
	})
}

// ---- FuzzAttributes: fuzzed values at the keys that matter ----------------

// fuzzValues puts one of the fuzzed values at a key (put), its type picked
// by state, so that every key sees strings, numbers, bools, bytes and
// structures.
type fuzzValues struct {
	key   string
	str   string
	i     int64
	f     float64
	raw   []byte
	state uint64 // picks types; advanced on every put
}

func (fv *fuzzValues) next() uint64 {
	// splitmix64: deterministic for one input, different per key.
	fv.state += 0x9e3779b97f4a7c15
	z := fv.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (fv *fuzzValues) put(m pcommon.Map, k string) {
	switch fv.next() % 12 {
	case 0, 1, 2, 3: // strings are what most keys carry
		m.PutStr(k, fv.str)
	case 4:
		m.PutStr(k, string(fv.raw))
	case 5:
		m.PutInt(k, fv.i)
	case 6:
		m.PutDouble(k, fv.f)
	case 7:
		m.PutBool(k, fv.i&1 == 1)
	case 8:
		m.PutEmptyBytes(k).FromRaw(fv.raw)
	case 9:
		s := m.PutEmptySlice(k)
		s.AppendEmpty().SetStr(fv.str)
		s.AppendEmpty().SetInt(fv.i)
		kv := s.AppendEmpty().SetEmptyMap()
		kv.PutStr("role", fv.key)
		kv.PutStr("content", fv.str)
	case 10:
		kv := m.PutEmptyMap(k)
		kv.PutStr("role", fv.str)
		kv.PutDouble("content", fv.f)
		kv.PutEmptySlice("parts").AppendEmpty().SetEmptyMap().PutStr("content", string(fv.raw))
	case 11:
		m.PutStr(k, strconv.FormatInt(fv.i, 10))
	}
}

// keysThatMatter are attribute keys the translator reads, across the
// conventions. "%d" is replaced by a fuzzed index, "%k" by the fuzzed key.
var keysThatMatter = []string{
	// OTel GenAI semconv (latest and older)
	"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system",
	"gen_ai.request.model", "gen_ai.response.model", "gen_ai.response.id",
	"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
	"gen_ai.tool.definitions", "gen_ai.tool.name", "gen_ai.tool.call.id",
	"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.agent.name",
	"gen_ai.conversation.id", "gen_ai.response.finish_reasons",
	"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
	"gen_ai.usage.prompt_tokens", "gen_ai.usage.completion_tokens", "gen_ai.usage.total_tokens",
	"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
	"gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.cost",
	"gen_ai.request.temperature", "gen_ai.request.top_p", "gen_ai.request.max_tokens",
	"gen_ai.request.frequency_penalty", "gen_ai.request.presence_penalty",
	"gen_ai.request.stop_sequences", "gen_ai.request.stream",
	"gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token",
	"gen_ai.prompt", "gen_ai.completion", "user.id", "session.id",
	"error.type", "server.address",
	// Newer conventions (conv_*.go): pending semconv, Langfuse, MCP, Strands
	"gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cost.amount", "gen_ai.usage.cost.currency",
	"gen_ai.client.operation.time_to_first_chunk",
	"langfuse.observation.type", "langfuse.observation.input", "langfuse.observation.output",
	"langfuse.observation.usage_details", "langfuse.observation.model.parameters",
	"langfuse.observation.completion_start_time", "langfuse.observation.level",
	"langfuse.observation.status_message", "langfuse.trace.name", "langfuse.trace.metadata",
	"langfuse.observation.metadata.%k",
	"mcp.method.name", "mcp.tool.name", "mcp.request.argument.%k", "mcp.session.id", "rpc.response.status_code",
	"system_prompt",
	// OpenLLMetry flattened
	"gen_ai.prompt.%d.role", "gen_ai.prompt.%d.content", "gen_ai.prompt.%d.tool_call_id",
	"gen_ai.prompt.%d.tool_calls.%d.arguments", "gen_ai.prompt.%k.content",
	"gen_ai.completion.%d.role", "gen_ai.completion.%d.content",
	"gen_ai.completion.0.tool_calls.%d.name", "gen_ai.completion.0.tool_calls.%d.arguments",
	"llm.request.type", "llm.request.functions.%d.name", "llm.request.functions.%d.parameters",
	"llm.usage.total_tokens", "llm.is_streaming",
	"traceloop.span.kind", "traceloop.entity.name", "traceloop.entity.path",
	"traceloop.entity.input", "traceloop.entity.output", "traceloop.workflow.name",
	"traceloop.association.properties.%k", "traceloop.association.properties.user_id",
	// OpenInference
	"openinference.span.kind", "input.value", "output.value", "input.mime_type",
	"llm.input_messages.%d.message.role", "llm.input_messages.%d.message.content",
	"llm.input_messages.%d.message.contents.%d.message_content.text",
	"llm.input_messages.%d.message.tool_calls.%d.tool_call.function.arguments",
	"llm.output_messages.%d.message.content", "llm.output_messages.0.message.role",
	"llm.model_name", "llm.provider", "llm.invocation_parameters",
	"llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total",
	"llm.cost.total", "llm.tools.%d.tool.json_schema", "retrieval.documents.%d.document.content",
	"embedding.embeddings.%d.embedding.text", "metadata", "tag.tags",
	// Vercel AI SDK
	"ai.operationId", "ai.prompt", "ai.prompt.messages", "ai.prompt.tools", "ai.response.text",
	"ai.response.toolCalls", "ai.usage.promptTokens", "ai.usage.completionTokens",
	"ai.telemetry.functionId", "ai.telemetry.metadata.%k", "ai.model.id", "ai.model.provider",
	"ai.response.msToFirstChunk", "ai.toolCall.args", "ai.toolCall.result",
	// Respan / Keywords AI
	"respan.metadata.%k", "keywordsai.metadata.%k", "respan.customer_params.customer_identifier",
	"respan.threads.thread_identifier", "respan.trace.trace_group_identifier",
	"%k",
}

func expandKey(pattern string, fv *fuzzValues) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '%' && i+1 < len(pattern) {
			switch pattern[i+1] {
			case 'd':
				// Small indexes mostly, sometimes the fuzzed int itself.
				if n := fv.next(); n%4 == 0 {
					b.WriteString(strconv.FormatInt(fv.i, 10))
				} else {
					b.WriteString(strconv.FormatUint(n%4, 10))
				}
				i++
				continue
			case 'k':
				b.WriteString(fv.key)
				i++
				continue
			}
		}
		b.WriteByte(pattern[i])
	}
	return b.String()
}

// idsFrom takes a trace id, span id and parent span id from raw (zero
// padded, so short input yields empty ids that must be dropped).
func idsFrom(raw []byte, off int) (pcommon.TraceID, pcommon.SpanID, pcommon.SpanID) {
	var buf [32]byte
	if off < len(raw) {
		copy(buf[:], raw[off:])
	}
	var tid pcommon.TraceID
	var sid, pid pcommon.SpanID
	copy(tid[:], buf[0:16])
	copy(sid[:], buf[16:24])
	copy(pid[:], buf[24:32])
	return tid, sid, pid
}

func buildFuzzTraces(key, str string, i int64, fl float64, raw []byte) ptrace.Traces {
	fv := &fuzzValues{key: key, str: str, i: i, f: fl, raw: raw, state: uint64(i) ^ math.Float64bits(fl) ^ uint64(len(raw))<<32 ^ uint64(len(str))<<48}
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ra := rs.Resource().Attributes()
	ra.PutStr("service.name", str)
	fv.put(ra, "service.version")
	fv.put(ra, "deployment.environment.name")
	fv.put(ra, key)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(key)

	// A well-formed root, so that propagation and nesting code runs.
	root := ss.Spans().AppendEmpty()
	root.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	root.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
	root.SetName(str)
	root.SetStartTimestamp(pcommon.Timestamp(uint64(i)))
	root.SetEndTimestamp(pcommon.Timestamp(uint64(i) + uint64(math.Float64bits(fl)>>20)))
	fv.put(root.Attributes(), "gen_ai.operation.name")
	fv.put(root.Attributes(), "traceloop.workflow.name")
	fv.put(root.Attributes(), "user.id")
	fv.put(root.Attributes(), "respan.customer_params.customer_identifier")

	// Spans with the keys that matter; the first is the root's child, the
	// others take their ids (possibly empty or all-zero) from raw.
	for n := 0; n < 3; n++ {
		s := ss.Spans().AppendEmpty()
		if n == 0 {
			s.SetTraceID(root.TraceID())
			s.SetSpanID(pcommon.SpanID{2, 2, 2, 2, 2, 2, 2, 2})
			s.SetParentSpanID(root.SpanID())
		} else {
			tid, sid, pid := idsFrom(raw, (n-1)*32)
			s.SetTraceID(tid)
			s.SetSpanID(sid)
			s.SetParentSpanID(pid)
		}
		s.SetName(key)
		s.SetKind(ptrace.SpanKind(uint64(i) % 7))
		s.SetStartTimestamp(pcommon.Timestamp(binary.LittleEndian.Uint64(append(append([]byte{}, raw...), make([]byte, 8)...))))
		s.SetEndTimestamp(pcommon.Timestamp(uint64(i)))
		s.Status().SetCode(ptrace.StatusCode(uint64(i) % 3))
		s.Status().SetMessage(str)
		a := s.Attributes()
		for _, k := range keysThatMatter {
			if fv.next()%3 != 0 { // about a third of the keys per span
				continue
			}
			fv.put(a, expandKey(k, fv))
		}
		ev := s.Events().AppendEmpty()
		ev.SetName(pickEvent(fv.next()))
		ev.SetTimestamp(pcommon.Timestamp(uint64(i)))
		fv.put(ev.Attributes(), "content")
		fv.put(ev.Attributes(), "gen_ai.prompt")
		fv.put(ev.Attributes(), "message")
		fv.put(ev.Attributes(), "gen_ai.input.messages")
		fv.put(ev.Attributes(), "exception.message")
	}
	return td
}

func pickEvent(n uint64) string {
	names := []string{"gen_ai.content.prompt", "gen_ai.content.completion", "gen_ai.user.message",
		"gen_ai.system.message", "gen_ai.choice", "gen_ai.client.inference.operation.details", "exception",
		"gen_ai.evaluation.result", "gen_ai.client.operation.exception"}
	return names[n%uint64(len(names))]
}

func FuzzAttributes(f *testing.F) {
	f.Add("gen_ai.prompt.0.content", "Hello, world", int64(0), 0.5, []byte("0123456789abcdef01234567"))
	f.Add("role", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`, int64(3), 1.0, []byte{})
	f.Add("", `{"role":"user","content":[{"type":"text","text":"x"}]}`, int64(-1), math.Inf(1), bytes.Repeat([]byte{0xff}, 64))
	f.Add("llm.input_messages.1.message.content", "\xff\xfe invalid utf-8 \u2028 \x00", int64(math.MaxInt64), math.NaN(), []byte("\x00\x00\x00\x00"))
	f.Add("gen_ai.usage.input_tokens", "9223372036854775808", int64(math.MinInt64), math.Copysign(0, -1), []byte(`{"a":[1,2,{"b":null}]}`))
	f.Add("traceloop.association.properties.customer_id", strings.Repeat("é", 600), int64(1_787_220_900_000_000_000), 1e-7, []byte(strings.Repeat("[", 200)))
	// Keys of the conventions of conv_*.go.
	f.Add("langfuse.observation.usage_details", `{"input":5,"output":-1,"total":"x","input_cached_tokens":1e400,"prompt_tokens_details":[]}`, int64(2), 0.1, []byte(`{"x":1}`))
	f.Add("langfuse.observation.completion_start_time", `"\"2026-13-45T99:99:99Z\""`, int64(0), -1.0, []byte("\""))
	f.Add("mcp.request.argument.", `{"deep":[[[[[[[[[]]]]]]]]]}`, int64(-32602), 0.0, []byte("tools/call"))
	f.Add("system_prompt", `[{"text":{"nested":true}},"x",null]`, int64(1), 2.5, []byte("strands-agents"))
	f.Fuzz(func(t *testing.T, key, str string, i int64, fl float64, raw []byte) {
		fuzzCheck(t, buildFuzzTraces(key, str, i, fl, raw))
	})
}

// FuzzAttributesRedacted is FuzzAttributes with every built-in detector on
// (mask, hash and drop), a custom pattern, a role rule, tool definitions
// and metadata values: redaction must keep every invariant of fuzzCheck
// (valid JSON, no panic, determinism, input untouched).
func FuzzAttributesRedacted(f *testing.F) {
	f.Add("gen_ai.prompt.0.content", "mail alice@example.com, card 4111 1111 1111 1111", int64(0), 0.5, []byte("0123456789abcdef01234567"))
	f.Add("gen_ai.input.messages", `[{"role":"system","content":"key sk-abcdefghijklmnopqrstuvwx"},{"role":"user","content":"10.0.0.1"}]`, int64(3), 1.0, []byte{})
	f.Add("gen_ai.tool.call.arguments", `{"iban":"DE89 3704 0044 0532 0130 00","to":"+1 415 555 2671"}`, int64(-1), math.Inf(1), bytes.Repeat([]byte{0xff}, 64))
	f.Add("llm.input_messages.1.message.content", "\xff\xfe a\\u0040b.co \u2028 \x00 Bearer abcdefghijklmnop1234", int64(math.MaxInt64), math.NaN(), []byte("\x00\x00\x00\x00"))
	r, err := redaction.New(redaction.Config{
		Enabled: true, HashKey: "fuzz-key-0123456789",
		Detectors: map[string]redaction.Mode{
			redaction.Email: redaction.ModeMask, redaction.Phone: redaction.ModeHash, redaction.Card: redaction.ModeDrop,
			redaction.IBAN: redaction.ModeMask, redaction.IP: redaction.ModeHash, redaction.Secret: redaction.ModeMask,
		},
		Patterns:        []redaction.PatternConfig{{Name: "ticket", Regex: `TKT-[0-9]+`}},
		DropRoles:       []string{"system"},
		ToolDefinitions: true, MetadataValues: true,
	})
	if err != nil {
		f.Fatal(err)
	}
	opts := translator.DefaultOptions()
	opts.Redactor = r
	f.Fuzz(func(t *testing.T, key, str string, i int64, fl float64, raw []byte) {
		fuzzCheckWith(t, buildFuzzTraces(key, str, i, fl, raw), opts)
	})
}
