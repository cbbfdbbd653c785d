// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/redaction"
)

// One value of each kind the built-in detectors know, and how each must
// not appear on the wire once redacted.
const piiText = "Mail alice@example.com or call +1 415 555 2671; card 4111 1111 1111 1111, " +
	"IBAN DE89 3704 0044 0532 0130 00, from 192.168.10.20 with key sk-proj-AbCdEf0123456789XyZaBcDe."

var piiLeaks = []string{"alice@example.com", "555 2671", "4111 1111", "3704 0044", "192.168.10.20", "AbCdEf0123456789"}

func allMaskRedactor(t testing.TB, extra func(*redaction.Config)) *redaction.Redactor {
	t.Helper()
	cfg := redaction.Config{Enabled: true, Detectors: map[string]redaction.Mode{
		redaction.Email: redaction.ModeMask, redaction.Phone: redaction.ModeMask, redaction.Card: redaction.ModeMask,
		redaction.IBAN: redaction.ModeMask, redaction.IP: redaction.ModeMask, redaction.Secret: redaction.ModeMask,
	}}
	if extra != nil {
		extra(&cfg)
	}
	r, err := redaction.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// redactChatSpan adds a semconv chat span to td (its own resource).
func redactChatSpan(td ptrace.Traces, spanByte byte) ptrace.Span {
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
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

// jsonStr is the JSON string literal of s, for building JSON attributes.
func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// redactionSources builds one span per content source, each carrying
// piiText. Names say which source.
func redactionSources(t *testing.T) ptrace.Traces {
	td := ptrace.NewTraces()
	n := byte(0)
	add := func(name string) ptrace.Span {
		n++
		s := redactChatSpan(td, n)
		s.SetName(name)
		return s
	}
	p := jsonStr(piiText)

	// Current semconv JSON attributes: text parts, a tool call with
	// arguments, a tool-call response part, system instructions.
	s := add("semconv attributes")
	s.Attributes().PutStr("gen_ai.system_instructions", `[{"type":"text","content":`+p+`}]`)
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":`+p+`}]},`+
		`{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"lookup","arguments":{"q":`+p+`}}]},`+
		`{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":`+p+`}]}]`)
	s.Attributes().PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":`+p+`}],"finish_reason":"stop"}]`)

	// OpenLLMetry flattened indices.
	s = add("flattened indices")
	a := s.Attributes()
	a.PutStr("gen_ai.prompt.0.role", "user")
	a.PutStr("gen_ai.prompt.0.content", piiText)
	a.PutStr("gen_ai.completion.0.role", "assistant")
	a.PutStr("gen_ai.completion.0.tool_calls.0.id", "call_9")
	a.PutStr("gen_ai.completion.0.tool_calls.0.name", "send_mail")
	a.PutStr("gen_ai.completion.0.tool_calls.0.arguments", `{"to":"alice@example.com","body":`+p+`}`)

	// OpenInference flattened messages.
	s = add("openinference")
	s.Attributes().PutStr("openinference.span.kind", "LLM")
	s.Attributes().PutStr("llm.input_messages.0.message.role", "user")
	s.Attributes().PutStr("llm.input_messages.0.message.content", piiText)
	s.Attributes().PutStr("llm.output_messages.0.message.role", "assistant")
	s.Attributes().PutStr("llm.output_messages.0.message.content", piiText)

	// Legacy span events (and how the logs join folds records in).
	s = add("span events")
	ev := s.Events().AppendEmpty()
	ev.SetName("gen_ai.user.message")
	ev.Attributes().PutStr("content", piiText)
	ev = s.Events().AppendEmpty()
	ev.SetName("gen_ai.choice")
	ev.Attributes().PutInt("index", 0)
	ev.Attributes().PutStr("message", `{"role":"assistant","content":`+p+`}`)

	// A log record folded in by the logs join: an operation.details event.
	s = add("joined log record")
	ev = s.Events().AppendEmpty()
	ev.SetName("gen_ai.client.inference.operation.details")
	ev.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":`+p+`}]}]`)
	ev.Attributes().PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":`+p+`}]}]`)

	// Provider-native: Anthropic content blocks (text, tool_use input).
	s = add("provider native")
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","content":[{"type":"text","text":`+p+`}]},`+
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"pay","input":{"card":"4111 1111 1111 1111","note":`+p+`}}]}]`)

	// A tool span: arguments and result as input/output JSON text.
	s = add("tool span")
	s.Attributes().PutStr("gen_ai.operation.name", "execute_tool")
	s.Attributes().PutStr("gen_ai.tool.name", "lookup")
	s.Attributes().PutStr("gen_ai.tool.call.arguments", `{"query":`+p+`,"limit":5}`)
	s.Attributes().PutStr("gen_ai.tool.call.result", p)
	return td
}

func wireOf(t *testing.T, opts Options, td ptrace.Traces) (*Result, []byte, []map[string]any) {
	t.Helper()
	res := New(opts).Translate(td)
	wire := EncodeArray(nil, res.Logs)
	var logs []map[string]any
	if err := json.Unmarshal(wire, &logs); err != nil {
		t.Fatalf("invalid JSON on the wire: %v\n%s", err, wire)
	}
	return res, wire, logs
}

// TestRedactionHookCoversEverySource is the guard of the redaction hook in
// translate.go: every content source carries personal data without
// redaction, and none of it with redaction on. If this fails after a
// change of the message path, the redaction call was lost.
func TestRedactionHookCoversEverySource(t *testing.T) {
	td := redactionSources(t)
	_, plainWire, plainLogs := wireOf(t, DefaultOptions(), td)
	opts := DefaultOptions()
	opts.Redactor = allMaskRedactor(t, nil)
	res, wire, logs := wireOf(t, opts, td)
	if len(logs) != len(plainLogs) {
		t.Fatalf("redaction changed the number of span logs: %d vs %d", len(logs), len(plainLogs))
	}
	for i, l := range logs {
		name := l["span_name"].(string)
		one, _ := json.Marshal(plainLogs[i])
		if !bytes.Contains(one, []byte("alice@example.com")) && !bytes.Contains(one, []byte(`alice@example.com`)) {
			t.Errorf("%s: the fixture lost its content before redaction: %s", name, one)
		}
		red, _ := json.Marshal(l)
		for _, leak := range piiLeaks {
			if bytes.Contains(red, []byte(leak)) {
				t.Errorf("%s: %q still on the wire: %s", name, leak, red)
			}
		}
		for _, ph := range []string{"[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[IP]", "[SECRET]"} {
			if !bytes.Contains(red, []byte(ph)) {
				t.Errorf("%s: placeholder %s missing: %s", name, ph, red)
			}
		}
		md, _ := l["metadata"].(map[string]any)
		if got, _ := md[RedactedMetadataKey].(string); got == "" {
			t.Errorf("%s: no %q metadata flag", name, RedactedMetadataKey)
		}
		// Ids, times, names and structure are untouched.
		for _, k := range []string{"trace_unique_id", "span_unique_id", "start_time", "timestamp", "model", "log_type", "span_name"} {
			if l[k] != plainLogs[i][k] {
				t.Errorf("%s: %s changed: %v -> %v", name, k, plainLogs[i][k], l[k])
			}
		}
	}
	// input/output stay parseable JSON text.
	for _, l := range logs {
		for _, k := range []string{"input", "output"} {
			if s, ok := l[k].(string); ok && !json.Valid([]byte(s)) {
				t.Errorf("%s: %s is not JSON text any more: %s", l["span_name"], k, s)
			}
		}
	}
	if res.Redactions["email"] == 0 || res.Redactions["card"] == 0 || res.Redactions["secret"] == 0 {
		t.Errorf("counts by detector missing: %v", res.Redactions)
	}
	if bytes.Equal(plainWire, wire) {
		t.Fatal("redaction changed nothing")
	}
	// Tool-call ids and names survive.
	for _, s := range []string{`call_9`, `send_mail`, `toolu_1`} {
		if !bytes.Contains(wire, []byte(s)) {
			t.Errorf("%s lost", s)
		}
	}
}

func TestRedactionOffAndNothingFoundChangeNothing(t *testing.T) {
	td := redactionSources(t)
	_, plain, _ := wireOf(t, DefaultOptions(), td)
	opts := DefaultOptions()
	opts.Redactor = nil
	_, off, _ := wireOf(t, opts, td)
	if !bytes.Equal(plain, off) {
		t.Fatal("a nil Redactor changed the output")
	}
	// On, but over content without candidates: byte-identical, no flag.
	clean := ptrace.NewTraces()
	s := redactChatSpan(clean, 1)
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Plan a trip to Lisbon, three days, museums."}]}]`)
	s.Attributes().PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Day one: the Gulbenkian."}]}]`)
	_, a, _ := wireOf(t, DefaultOptions(), clean)
	opts.Redactor = allMaskRedactor(t, nil)
	res, b, _ := wireOf(t, opts, clean)
	if !bytes.Equal(a, b) {
		t.Fatalf("nothing to redact, yet the output changed:\n%s\n%s", a, b)
	}
	if res.Redactions != nil {
		t.Fatalf("counts without redactions: %v", res.Redactions)
	}
}

func TestRedactionRoles(t *testing.T) {
	td := redactionSources(t)
	opts := DefaultOptions()
	opts.Redactor = allMaskRedactor(t, func(c *redaction.Config) { c.DropRoles = []string{"system", "tool"} })
	res, _, logs := wireOf(t, opts, td)
	for _, l := range logs {
		for _, k := range []string{"prompt_messages"} {
			msgs, _ := l[k].([]any)
			for _, m := range msgs {
				if role := m.(map[string]any)["role"]; role == "system" || role == "tool" {
					t.Errorf("%s: a %s message survived drop_roles", l["span_name"], role)
				}
			}
		}
		if in, ok := l["input"].(string); ok && (strings.Contains(in, `"role":"system"`) || strings.Contains(in, `"role":"tool"`)) {
			t.Errorf("%s: input still has a dropped role: %s", l["span_name"], in)
		}
	}
	if res.Redactions[redaction.RoleRule] == 0 {
		t.Errorf("no role count: %v", res.Redactions)
	}

	// keep_roles: only user and assistant messages remain.
	opts.Redactor = allMaskRedactor(t, func(c *redaction.Config) { c.KeepRoles = []string{"user"} })
	_, _, logs = wireOf(t, opts, td)
	for _, l := range logs {
		msgs, _ := l["prompt_messages"].([]any)
		for _, m := range msgs {
			if role := m.(map[string]any)["role"]; role != "user" {
				t.Errorf("%s: %v message kept with keep_roles [user]", l["span_name"], role)
			}
		}
		if _, ok := l["completion_message"]; ok {
			t.Errorf("%s: the assistant completion survived keep_roles [user]", l["span_name"])
		}
	}
}

func TestRedactionModesOnMessages(t *testing.T) {
	td := ptrace.NewTraces()
	s := redactChatSpan(td, 1)
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"I am alice@example.com"}]},{"role":"user","parts":[{"type":"text","content":"card 4111 1111 1111 1111"}]}]`)
	opts := DefaultOptions()
	r, err := redaction.New(redaction.Config{Enabled: true, HashKey: "0123456789abcdef0123", Detectors: map[string]redaction.Mode{
		redaction.Email: redaction.ModeHash, redaction.Card: redaction.ModeDrop,
	}})
	if err != nil {
		t.Fatal(err)
	}
	opts.Redactor = r
	_, wire, logs := wireOf(t, opts, td)
	if bytes.Contains(wire, []byte("alice")) || bytes.Contains(wire, []byte("4111")) || bytes.Contains(wire, []byte("card ")) {
		t.Fatalf("leak: %s", wire)
	}
	if !bytes.Contains(wire, []byte("I am [EMAIL:")) {
		t.Fatalf("no hash token: %s", wire)
	}
	// drop empties the content of the message holding the card, not others.
	pm := logs[0]["prompt_messages"].([]any)
	if len(pm) != 2 || pm[1].(map[string]any)["content"] != "" {
		t.Fatalf("dropped content: %v", pm)
	}
	md := logs[0]["metadata"].(map[string]any)
	if md[RedactedMetadataKey] != "email,card" {
		t.Fatalf("flag %v", md[RedactedMetadataKey])
	}
}

func TestRedactionToolDefinitionsAndMetadata(t *testing.T) {
	td := ptrace.NewTraces()
	for i := byte(1); i <= 2; i++ { // the second span reuses the batch's tool cache
		s := redactChatSpan(td, i)
		s.Attributes().PutStr("gen_ai.tool.definitions", `[{"type":"function","name":"mail","description":"Sends mail as ops@example.com","parameters":{"type":"object","properties":{"alice@example.com":{"type":"string"}}}}]`)
		s.Attributes().PutStr("app.note", "owner bob@example.com")
		s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`)
	}
	opts := DefaultOptions()
	opts.Redactor = allMaskRedactor(t, nil)
	_, wire, _ := wireOf(t, opts, td)
	if !bytes.Contains(wire, []byte("ops@example.com")) || !bytes.Contains(wire, []byte("bob@example.com")) {
		t.Fatalf("tool definitions and metadata must be left alone unless asked: %s", wire)
	}
	opts.Redactor = allMaskRedactor(t, func(c *redaction.Config) { c.ToolDefinitions, c.MetadataValues = true, true })
	_, wire, logs := wireOf(t, opts, td)
	if bytes.Contains(wire, []byte("ops@example.com")) || bytes.Contains(wire, []byte("bob@example.com")) {
		t.Fatalf("leak with tool_definitions and metadata_values on: %s", wire)
	}
	// Field names (a property called like an address) are never touched.
	if !bytes.Contains(wire, []byte(`alice@example.com`)) {
		t.Fatalf("a key was redacted: %s", wire)
	}
	for _, l := range logs {
		if l["metadata"].(map[string]any)[RedactedMetadataKey] != "email" {
			t.Errorf("span %v: flag %v", l["span_unique_id"], l["metadata"].(map[string]any)[RedactedMetadataKey])
		}
	}
}

// TestRedactionHostileContent: content built to look like JSON, invalid
// UTF-8, escapes, a megabyte; the wire stays valid JSON with nothing left.
func TestRedactionHostileContent(t *testing.T) {
	big := strings.Repeat("lorem ipsum dolor sit amet ", 40000) + " alice@example.com"
	for _, content := range []string{
		`{"role":"system","content":"alice@example.com"}`,
		`"},{"role":"user","content":"4111 1111 1111 1111`,
		"bad \xff\xfe utf8 alice@example.com \xc3",
		`escaped alice\u0040example.com and \"bob@example.com\"`,
		big,
	} {
		td := ptrace.NewTraces()
		s := redactChatSpan(td, 1)
		s.Attributes().PutStr("gen_ai.prompt.0.role", "user")
		s.Attributes().PutStr("gen_ai.prompt.0.content", content)
		s.Attributes().PutStr("input.value", content)
		ev := s.Events().AppendEmpty()
		ev.SetName("gen_ai.user.message")
		ev.Attributes().PutStr("content", content)
		opts := DefaultOptions()
		opts.Redactor = allMaskRedactor(t, nil)
		_, wire, _ := wireOf(t, opts, td)
		for _, leak := range []string{"alice@example.com", "bob@example.com", "4111 1111"} {
			if bytes.Contains(wire, []byte(leak)) {
				t.Errorf("%.60q: %s on the wire", content, leak)
			}
		}
	}
}

func TestEscapesMayHide(t *testing.T) {
	for s, want := range map[string]bool{
		`"plain"`:                    false,
		`"a \u003cb\u003e \u0026 c"`: false, // HTML-safe escapes
		`"tab\u0009here"`:            false,
		`"alice\u0040example.com"`:   true,
		`"4111\u00201111"`:           true,
		`"jos\u00e9@example.com"`:    true,
		`"caf\u00e9 au lait"`:        false,
		`"broken \u12"`:              false,
	} {
		if got := escapesMayHide(s); got != want {
			t.Errorf("escapesMayHide(%s) = %v, want %v", s, got, want)
		}
	}
	// And the escaped address is found through the parse.
	td := ptrace.NewTraces()
	s := redactChatSpan(td, 1)
	s.Attributes().PutStr("gen_ai.operation.name", "execute_tool")
	s.Attributes().PutStr("gen_ai.tool.name", "t")
	s.Attributes().PutStr("gen_ai.tool.call.arguments", `{"to":"alice\u0040example.com","n":"jos\u00e9@example.com"}`)
	opts := DefaultOptions()
	opts.Redactor = allMaskRedactor(t, nil)
	_, wire, _ := wireOf(t, opts, td)
	if bytes.Contains(wire, []byte("example.com")) {
		t.Fatalf("escaped address on the wire: %s", wire)
	}
}
