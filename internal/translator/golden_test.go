package translator

// Golden tests: the acceptance criteria for Translate.
//
// Every fixture under testdata/fixtures (copied from the shared research
// fixtures; CI has no /work/shared) is translated with DefaultOptions, the
// result is encoded with EncodeArray and decoded again, and the decoded wire
// JSON is checked:
//
//   - against NAME.expected.json (generic, data driven: span id → field →
//     value, plus the derived keys is_error, prompt_roles, tool_call_names,
//     completion_text);
//   - against the hand-written expectations below, transcribed from
//     NAME.expected.md (messages, input/output, provider, tokens, params,
//     tools, metadata, errors, warnings, per-trace totals);
//   - against the global invariants every span log must satisfy.
//
// Every failure names fixture, span id, field, want and got, and checks use
// t.Errorf so one run prints the whole list.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

const fixturesDir = "testdata/fixtures"

// latencyTolerance is the tolerance for latency and other float fields.
const latencyTolerance = 1e-6

// goldenFixtures lists every fixture; TestGoldenFixtureListComplete makes
// sure none in testdata/fixtures is forgotten.
var goldenFixtures = []string{
	"01-otel-genai-semconv-latest",
	"02-otel-genai-events-legacy",
	"03-openllmetry-workflow",
	"04-openinference",
	"05-vercel-ai-sdk",
	"06-openlit",
	"09-errored-llm-call",
	"10-embedding-calls",
}

// ---------------------------------------------------------------------------
// Loading, encoding, decoding
// ---------------------------------------------------------------------------

func loadTracesFile(t testing.TB, path string) ptrace.Traces {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatalf("ptrace.JSONUnmarshaler %s: %v", path, err)
	}
	return td
}

// wireLogs encodes res.Logs with EncodeArray, checks the bytes are valid
// JSON, and decodes them into generic maps (numbers as float64).
func wireLogs(t testing.TB, label string, res *Result) ([]byte, []map[string]any) {
	t.Helper()
	if res == nil {
		t.Fatalf("%s: Translate returned a nil *Result", label)
	}
	raw := EncodeArray(nil, res.Logs)
	if !json.Valid(raw) {
		t.Fatalf("%s: EncodeArray output is not valid JSON: %s", label, clip(string(raw), 600))
	}
	var logs []map[string]any
	if err := json.Unmarshal(raw, &logs); err != nil {
		t.Fatalf("%s: decode EncodeArray output: %v%s", label, err, locateDecodeError(raw))
	}
	if len(logs) != len(res.Logs) {
		t.Fatalf("%s: EncodeArray produced %d objects for %d logs", label, len(logs), len(res.Logs))
	}
	// Each log alone must encode to the same object as inside the array.
	for i, l := range res.Logs {
		one := l.AppendJSON(nil)
		var m map[string]any
		if err := json.Unmarshal(one, &m); err != nil {
			t.Errorf("%s: log %d: AppendJSON is not a valid JSON object: %v", label, i, err)
			continue
		}
		if !reflect.DeepEqual(m, logs[i]) {
			t.Errorf("%s: log %d: AppendJSON differs from its element in EncodeArray", label, i)
		}
	}
	return raw, logs
}

// locateDecodeError names the log and key whose value does not decode
// (e.g. a number like 1e400 that is valid JSON syntax but no float64).
func locateDecodeError(raw []byte) string {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return ""
	}
	for i, one := range arr {
		var obj map[string]json.RawMessage
		if json.Unmarshal(one, &obj) != nil {
			return fmt.Sprintf(" (log %d is not an object)", i)
		}
		var id string
		_ = json.Unmarshal(obj["span_unique_id"], &id)
		for _, k := range sortedKeys(obj) {
			var v any
			if err := json.Unmarshal(obj[k], &v); err != nil {
				return fmt.Sprintf(" (log %d, span %s, key %q: %s)", i, id, k, clip(string(obj[k]), 300))
			}
		}
	}
	return ""
}

// srcSpan is what the invariants need to know about an input span.
type srcSpan struct {
	traceID, spanID, parentID string
	name                      string
	start, end                uint64
	scopeName, serviceName    string
}

// sourceSpans lists the spans of td in input order.
func sourceSpans(td ptrace.Traces) []srcSpan {
	var out []srcSpan
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		service := ""
		if v, ok := rss.At(i).Resource().Attributes().Get("service.name"); ok {
			service = v.AsString()
		}
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			scope := sss.At(j).Scope().Name()
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				ss := srcSpan{
					traceID: s.TraceID().String(),
					spanID:  s.SpanID().String(),
					name:    s.Name(),
					start:   uint64(s.StartTimestamp()),
					end:     uint64(s.EndTimestamp()),

					scopeName:   scope,
					serviceName: service,
				}
				if !s.ParentSpanID().IsEmpty() {
					ss.parentID = s.ParentSpanID().String()
				}
				out = append(out, ss)
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Formatting helpers for failure messages
// ---------------------------------------------------------------------------

// absentT marks "absent or null" in wants and "not present" in gots.
type absentT struct{}

var absent = absentT{}

func show(v any) string {
	switch x := v.(type) {
	case absentT:
		return "<absent>"
	case nil:
		return "null"
	case string:
		return clip(fmt.Sprintf("%q", x), 400)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return clip(fmt.Sprintf("%#v", v), 400)
	}
	return clip(string(b), 400)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

// ---------------------------------------------------------------------------
// Checker for one span log
// ---------------------------------------------------------------------------

type logCheck struct {
	t       testing.TB
	fixture string
	span    string
	log     map[string]any
}

func (c *logCheck) fail(field string, want, got any) {
	c.t.Helper()
	c.t.Errorf("%s span %s: %s: want %s, got %s", c.fixture, c.span, field, show(want), show(got))
}

func (c *logCheck) failf(field, format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s span %s: %s: %s", c.fixture, c.span, field, fmt.Sprintf(format, args...))
}

// get returns the wire value of a top-level key (absent when missing).
func (c *logCheck) get(key string) any {
	v, ok := c.log[key]
	if !ok {
		return absent
	}
	return v
}

func isAbsent(v any) bool {
	if v == nil {
		return true
	}
	_, ok := v.(absentT)
	return ok
}

func (c *logCheck) absent(key string) {
	c.t.Helper()
	if got := c.get(key); !isAbsent(got) {
		c.fail(key, absent, got)
	}
}

func (c *logCheck) str(key, want string) {
	c.t.Helper()
	got := c.get(key)
	if s, ok := got.(string); !ok || s != want {
		c.fail(key, want, got)
	}
}

func (c *logCheck) contains(key, sub string) {
	c.t.Helper()
	got := c.get(key)
	s, ok := got.(string)
	if !ok || !strings.Contains(s, sub) {
		c.failf(key, "want a string containing %s, got %s", show(sub), show(got))
	}
}

func (c *logCheck) num(key string, want float64) {
	c.t.Helper()
	got := c.get(key)
	f, ok := got.(float64)
	if !ok || math.Abs(f-want) > latencyTolerance {
		c.fail(key, want, got)
	}
}

// intv checks an integer field (exact).
func (c *logCheck) intv(key string, want int64) {
	c.t.Helper()
	got := c.get(key)
	f, ok := got.(float64)
	if !ok || f != float64(want) {
		c.fail(key, want, got)
	}
}

// intOrAbsent accepts either absence or the given integer ("may be omitted").
func (c *logCheck) intOrAbsent(key string, want int64) {
	c.t.Helper()
	got := c.get(key)
	if isAbsent(got) {
		return
	}
	if f, ok := got.(float64); !ok || f != float64(want) {
		c.failf(key, "want %d or absent, got %s", want, show(got))
	}
}

func (c *logCheck) boolv(key string, want bool) {
	c.t.Helper()
	got := c.get(key)
	if b, ok := got.(bool); !ok || b != want {
		c.fail(key, want, got)
	}
}

func (c *logCheck) strs(key string, want ...string) {
	c.t.Helper()
	got := c.get(key)
	arr, ok := got.([]any)
	if !ok || len(arr) != len(want) {
		c.fail(key, want, got)
		return
	}
	for i := range want {
		if s, ok := arr[i].(string); !ok || s != want[i] {
			c.fail(key, want, got)
			return
		}
	}
}

// jsonText checks that key is a string holding JSON semantically equal to
// wantJSON (key order and whitespace are not part of the contract).
func (c *logCheck) jsonText(key, wantJSON string) {
	c.t.Helper()
	want := mustDecode(c.t, wantJSON)
	got := c.get(key)
	s, ok := got.(string)
	if !ok {
		c.failf(key, "want a JSON string semantically equal to %s, got %s", clip(wantJSON, 400), show(got))
		return
	}
	dec, err := decodeJSONText(s)
	if err != nil {
		c.failf(key, "want JSON text semantically equal to %s, got invalid JSON %s (%v)", clip(wantJSON, 400), show(s), err)
		return
	}
	if !reflect.DeepEqual(dec, want) {
		c.failf(key, "want (semantically) %s, got %s", show(want), show(dec))
	}
}

// jsonValue checks a field carried as a JSON value (not a string), e.g.
// tools, tool_choice.
func (c *logCheck) jsonValue(key, wantJSON string) {
	c.t.Helper()
	want := mustDecode(c.t, wantJSON)
	got := c.get(key)
	if !reflect.DeepEqual(got, want) {
		c.fail(key, want, got)
	}
}

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSONText(s)
	if err != nil {
		t.Fatalf("bad JSON in test expectation %q: %v", s, err)
	}
	return v
}

func decodeJSONText(s string) (any, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

// wm is an expected OpenAI-shaped message.
type wm struct {
	Role       string
	Content    any // nil (JSON null / absent) or string
	Name       string
	ToolCallID string
	ToolCalls  []wtc
}

// wtc is an expected tool call; Args is JSON text compared semantically.
type wtc struct{ ID, Name, Args string }

func sysMsg(s string) wm  { return wm{Role: "system", Content: s} }
func userMsg(s string) wm { return wm{Role: "user", Content: s} }
func asstMsg(s string) wm { return wm{Role: "assistant", Content: s} }
func asstCalls(calls ...wtc) wm {
	return wm{Role: "assistant", Content: nil, ToolCalls: calls}
}
func toolMsg(id, content string) wm { return wm{Role: "tool", ToolCallID: id, Content: content} }

// compareMessage compares one decoded message against want. path names the
// field in failure messages. Tool-message content and tool-call arguments
// are compared semantically when both sides are JSON.
func (c *logCheck) compareMessage(path string, got any, want wm) {
	c.t.Helper()
	m, ok := got.(map[string]any)
	if !ok {
		c.fail(path, "a message object", got)
		return
	}
	if r, _ := m["role"].(string); r != want.Role {
		c.fail(path+".role", want.Role, valueOrAbsent(m, "role"))
	}
	gotContent := valueOrAbsent(m, "content")
	switch wc := want.Content.(type) {
	case nil:
		if !isAbsent(gotContent) {
			c.fail(path+".content", nil, gotContent)
		}
	case string:
		gs, ok := gotContent.(string)
		switch {
		case !ok:
			c.fail(path+".content", wc, gotContent)
		case want.Role == "tool":
			if !jsonOrTextEqual(gs, wc) {
				c.failf(path+".content", "want (semantically) %s, got %s", show(wc), show(gs))
			}
		case gs != wc:
			c.fail(path+".content", wc, gs)
		}
	}
	if want.Name != "" {
		if n, _ := m["name"].(string); n != want.Name {
			c.fail(path+".name", want.Name, valueOrAbsent(m, "name"))
		}
	}
	if want.ToolCallID != "" || want.Role == "tool" {
		if id, _ := m["tool_call_id"].(string); id != want.ToolCallID {
			c.fail(path+".tool_call_id", want.ToolCallID, valueOrAbsent(m, "tool_call_id"))
		}
	}
	gotCalls := valueOrAbsent(m, "tool_calls")
	if len(want.ToolCalls) == 0 {
		if arr, ok := gotCalls.([]any); ok && len(arr) > 0 || (!isAbsent(gotCalls) && !ok) {
			c.fail(path+".tool_calls", absent, gotCalls)
		}
		return
	}
	arr, ok := gotCalls.([]any)
	if !ok || len(arr) != len(want.ToolCalls) {
		c.failf(path+".tool_calls", "want %d tool calls %s, got %s", len(want.ToolCalls), show(want.ToolCalls), show(gotCalls))
		return
	}
	for j, wc := range want.ToolCalls {
		p := fmt.Sprintf("%s.tool_calls[%d]", path, j)
		tc, ok := arr[j].(map[string]any)
		if !ok {
			c.fail(p, "a tool call object", arr[j])
			continue
		}
		if id, _ := tc["id"].(string); id != wc.ID {
			c.fail(p+".id", wc.ID, valueOrAbsent(tc, "id"))
		}
		if typ, _ := tc["type"].(string); typ != "function" {
			c.fail(p+".type", "function", valueOrAbsent(tc, "type"))
		}
		fn, ok := tc["function"].(map[string]any)
		if !ok {
			c.fail(p+".function", "an object {name, arguments}", valueOrAbsent(tc, "function"))
			continue
		}
		if n, _ := fn["name"].(string); n != wc.Name {
			c.fail(p+".function.name", wc.Name, valueOrAbsent(fn, "name"))
		}
		args, ok := fn["arguments"].(string)
		if !ok {
			c.failf(p+".function.arguments", "want a JSON string (OpenAI shape) equal to %s, got %s", wc.Args, show(valueOrAbsent(fn, "arguments")))
			continue
		}
		if !jsonOrTextEqual(args, wc.Args) {
			c.failf(p+".function.arguments", "want (semantically) %s, got %s", show(wc.Args), show(args))
		}
	}
}

func valueOrAbsent(m map[string]any, k string) any {
	v, ok := m[k]
	if !ok {
		return absent
	}
	return v
}

// jsonOrTextEqual compares two strings semantically when both are JSON,
// else exactly.
func jsonOrTextEqual(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := decodeJSONText(got)
	w, err2 := decodeJSONText(want)
	if err1 != nil || err2 != nil {
		return false
	}
	return reflect.DeepEqual(g, w)
}

func (c *logCheck) compareMessageList(path string, got any, want []wm) {
	c.t.Helper()
	arr, ok := got.([]any)
	if !ok {
		c.failf(path, "want %d messages (roles %v), got %s", len(want), rolesOf(want), show(got))
		return
	}
	if len(arr) != len(want) {
		c.failf(path, "want %d messages (roles %v), got %d: %s", len(want), rolesOf(want), len(arr), show(got))
		return
	}
	for i := range want {
		c.compareMessage(fmt.Sprintf("%s[%d]", path, i), arr[i], want[i])
	}
}

func rolesOf(ms []wm) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Role
	}
	return out
}

// prompt checks prompt_messages and, as the .md states for LLM spans, that
// input is the JSON of the same messages.
func (c *logCheck) prompt(msgs ...wm) {
	c.t.Helper()
	c.compareMessageList("prompt_messages", c.get("prompt_messages"), msgs)
	c.inputMessages(msgs...)
}

// completion checks completion_message and that output is its JSON.
func (c *logCheck) completion(m wm) {
	c.t.Helper()
	c.compareMessage("completion_message", c.get("completion_message"), m)
	c.outputMessage(m)
}

// inputMessages checks that input is JSON text of the given message list.
func (c *logCheck) inputMessages(msgs ...wm) {
	c.t.Helper()
	dec, ok := c.decodedTextField("input")
	if !ok {
		return
	}
	c.compareMessageList("input(decoded)", dec, msgs)
}

// outputMessage checks that output is JSON text of the given message.
func (c *logCheck) outputMessage(m wm) {
	c.t.Helper()
	dec, ok := c.decodedTextField("output")
	if !ok {
		return
	}
	c.compareMessage("output(decoded)", dec, m)
}

func (c *logCheck) decodedTextField(key string) (any, bool) {
	c.t.Helper()
	got := c.get(key)
	s, ok := got.(string)
	if !ok {
		c.fail(key, "a JSON string", got)
		return nil, false
	}
	dec, err := decodeJSONText(s)
	if err != nil {
		c.failf(key, "want valid JSON text, got %s (%v)", show(s), err)
		return nil, false
	}
	return dec, true
}

// ---------------------------------------------------------------------------
// Provider, metadata, usage
// ---------------------------------------------------------------------------

// respanProviderIDs is the default canonical → Respan provider_id map of
// docs/conventions.md §5.6 step 5, written out again here rather than taken
// from DefaultProviderIDs, so that the expectations do not follow a change
// of the defaults.
var respanProviderIDs = map[string]string{
	"openai":             "openai",
	"azure.ai.openai":    "azure",
	"azure.ai.inference": "azure",
	"anthropic":          "anthropic",
	"aws.bedrock":        "bedrock",
	"gcp.gemini":         "google",
	"gcp.gen_ai":         "google",
	"gcp.vertex_ai":      "vertex_ai",
	"mistral_ai":         "mistral",
	"x_ai":               "xai",
}

// provider checks provider_id for the canonical provider the .md names.
func (c *logCheck) provider(canonical string) {
	c.t.Helper()
	want := canonical
	if id, ok := respanProviderIDs[canonical]; ok {
		want = id
	}
	got := c.get("provider_id")
	if s, ok := got.(string); !ok || s != want {
		c.failf("provider_id", "want %q (canonical provider %q), got %s", want, canonical, show(got))
	}
}

func (c *logCheck) metadata() (map[string]any, bool) {
	m, ok := c.log["metadata"].(map[string]any)
	return m, ok
}

func (c *logCheck) metaGet(key string) any {
	m, ok := c.metadata()
	if !ok {
		return absent
	}
	return valueOrAbsent(m, key)
}

// scalarText is the canonical text of a metadata scalar (Respan coerces
// metadata values to strings, so 1024, 1024.0 and "1024" are the same).
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%g", x)
	case int:
		return fmt.Sprintf("%d", x)
	case int64:
		return fmt.Sprintf("%d", x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// meta checks a scalar metadata entry.
func (c *logCheck) meta(key string, want any) {
	c.t.Helper()
	got := c.metaGet(key)
	if isAbsent(got) || scalarText(got) != scalarText(want) {
		c.fail("metadata."+key, want, got)
	}
}

// metaOneOf checks a scalar metadata entry that the .md names with one key
// while §4 would put it under another (e.g. model_parameters.seed): the
// first of keys that is present must equal want. A key "a/b" means
// metadata.a (a JSON object string) → b.
func (c *logCheck) metaOneOf(want any, keys ...string) {
	c.t.Helper()
	for _, k := range keys {
		got, ok := c.metaPath(k)
		if !ok {
			continue
		}
		if scalarText(got) != scalarText(want) {
			c.fail("metadata."+k, want, got)
		}
		return
	}
	c.failf("metadata."+keys[0], "want %s (accepted keys: %s), got <absent>", show(want), strings.Join(keys, ", "))
}

// metaNoneOf checks none of the keys is present.
func (c *logCheck) metaNoneOf(keys ...string) {
	c.t.Helper()
	for _, k := range keys {
		if got, ok := c.metaPath(k); ok {
			c.fail("metadata."+k, absent, got)
		}
	}
}

func (c *logCheck) metaPath(k string) (any, bool) {
	parent, child, nested := strings.Cut(k, "/")
	got := c.metaGet(parent)
	if isAbsent(got) {
		return nil, false
	}
	if !nested {
		return got, true
	}
	tree := metaTree(got)
	m, ok := tree.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := m[child]
	return v, ok && v != nil
}

// metaTree decodes a metadata value that is a tree sent as a JSON string.
func metaTree(v any) any {
	if s, ok := v.(string); ok {
		if d, err := decodeJSONText(s); err == nil {
			return d
		}
	}
	return v
}

// metaJSON checks a metadata entry whose value is an object or array (sent
// as a JSON string): decoded and compared semantically.
func (c *logCheck) metaJSON(key, wantJSON string) {
	c.t.Helper()
	want := mustDecode(c.t, wantJSON)
	got := c.metaGet(key)
	if isAbsent(got) {
		c.fail("metadata."+key, want, got)
		return
	}
	if s, ok := got.(string); ok {
		dec, err := decodeJSONText(s)
		if err != nil {
			c.failf("metadata."+key, "want a JSON string of %s, got non-JSON %s", show(want), show(s))
			return
		}
		got = dec
	} else {
		c.failf("metadata."+key, "want %s sent as a JSON string (metadata values are strings or primitives), got raw %s", show(want), show(got))
		return
	}
	if !reflect.DeepEqual(got, want) {
		c.fail("metadata."+key+"(decoded)", want, got)
	}
}

func (c *logCheck) metaAbsent(key string) {
	c.t.Helper()
	if got := c.metaGet(key); !isAbsent(got) {
		c.fail("metadata."+key, absent, got)
	}
}

func (c *logCheck) metaPresent(key string) {
	c.t.Helper()
	if got := c.metaGet(key); isAbsent(got) {
		c.failf("metadata."+key, "want present, got <absent>")
	}
}

func (c *logCheck) metaPrefix(key, prefix string) {
	c.t.Helper()
	got := c.metaGet(key)
	if s, ok := got.(string); !ok || !strings.HasPrefix(s, prefix) {
		c.failf("metadata."+key, "want a string starting with %s, got %s", show(prefix), show(got))
	}
}

// finishReason accepts metadata.finish_reasons (array) containing want or
// metadata.finish_reason == want (§4: "finish_reason → metadata.finish_reason(s)").
func (c *logCheck) finishReason(want string) {
	c.t.Helper()
	if got := c.metaGet("finish_reasons"); !isAbsent(got) {
		if arr, ok := metaTree(got).([]any); ok {
			for _, v := range arr {
				if v == want {
					return
				}
			}
		}
		if got == want {
			return
		}
		c.failf("metadata.finish_reasons", "want an array containing %q, got %s", want, show(got))
		return
	}
	if got := c.metaGet("finish_reason"); got == want {
		return
	} else {
		c.failf("metadata.finish_reason(s)", "want finish_reason %q or finish_reasons [%q], got %s", want, want, show(got))
	}
}

// usageAlias maps the many spellings of usage keys the .md files use for
// metadata.aggregated_usage onto one vocabulary (see the closing note: the
// .md files are inconsistent here).
var usageAlias = map[string]string{
	"prompt": "prompt", "prompt_tokens": "prompt", "input": "prompt", "input_tokens": "prompt",
	"completion": "completion", "completion_tokens": "completion", "output": "completion", "output_tokens": "completion",
	"total": "total", "total_tokens": "total", "total_request_tokens": "total",
	"cache_read": "cache_read", "cache_read_tokens": "cache_read", "cache_read_input_tokens": "cache_read",
	"cache_read.input_tokens": "cache_read", "prompt_cache_hit_tokens": "cache_read", "cached_input_tokens": "cache_read",
	"cache_write": "cache_write", "cache_write_tokens": "cache_write", "cache_write_input_tokens": "cache_write",
	"cache_creation": "cache_write", "cache_creation_input_tokens": "cache_write", "cache_creation.input_tokens": "cache_write",
	"prompt_cache_creation_tokens": "cache_write", "cache_creation_tokens": "cache_write",
	"tokens": "tokens",
}

func normUsage(m map[string]any) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		f, ok := v.(float64)
		if !ok {
			if s, isStr := v.(string); isStr {
				if _, err := fmt.Sscanf(s, "%g", &f); err != nil {
					continue
				}
			} else {
				continue
			}
		}
		if a, ok := usageAlias[k]; ok {
			out[a] = f
		} else {
			out[k] = f
		}
	}
	return out
}

// aggUsage checks metadata.aggregated_usage: every expected entry (after
// key normalisation) must be present with the same value; additional keys
// are allowed. An expected "tokens" (AI SDK embeddings) is satisfied by
// tokens, prompt or total.
func (c *logCheck) aggUsage(want map[string]float64) {
	c.t.Helper()
	got := c.metaGet("aggregated_usage")
	if isAbsent(got) {
		c.fail("metadata.aggregated_usage", want, got)
		return
	}
	tree, ok := metaTree(got).(map[string]any)
	if !ok {
		c.failf("metadata.aggregated_usage", "want a JSON object string like %s, got %s", show(want), show(got))
		return
	}
	norm := normUsage(tree)
	wantNorm := normUsage(toAnyMap(want))
	keys := sortedKeys(wantNorm)
	for _, k := range keys {
		w := wantNorm[k]
		if k == "tokens" {
			if norm["tokens"] == w || norm["prompt"] == w || norm["total"] == w {
				continue
			}
		} else if g, ok := norm[k]; ok && g == w {
			continue
		}
		c.failf("metadata.aggregated_usage", "want %s=%g (keys normalised: input/prompt, output/completion, total, cache_read, cache_write), got %s", k, w, show(tree))
	}
}

func toAnyMap(m map[string]float64) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// noUsage asserts no token/cost field is on the log (non-LLM spans, errors).
func (c *logCheck) noUsage() {
	c.t.Helper()
	for _, k := range []string{"prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "prompt_cache_creation_tokens", "cost", "usage"} {
		c.absent(k)
	}
}

// tokens checks prompt/completion/total.
func (c *logCheck) tokens(prompt, completion, total int64) {
	c.t.Helper()
	c.intv("prompt_tokens", prompt)
	if completion < 0 {
		c.absent("completion_tokens")
	} else {
		c.intv("completion_tokens", completion)
	}
	c.intv("total_request_tokens", total)
}

// ---------------------------------------------------------------------------
// Global invariants
// ---------------------------------------------------------------------------

var (
	reTraceID = regexp.MustCompile(`^[0-9a-f]{32}$`)
	reSpanID  = regexp.MustCompile(`^[0-9a-f]{16}$`)
	reTime    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$`)

	respanLogTypes = map[string]bool{
		"text": true, "chat": true, "completion": true, "response": true, "embedding": true,
		"transcription": true, "speech": true, "workflow": true, "task": true, "tool": true,
		"agent": true, "handoff": true, "guardrail": true, "function": true, "custom": true,
		"generation": true, "unknown": true,
	}
	llmLogTypes  = map[string]bool{"chat": true, "completion": true, "response": true, "generation": true, "embedding": true}
	allowedRoles = map[string]bool{"system": true, "user": true, "assistant": true, "tool": true, "developer": true}
	usageKeys    = []string{"prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "prompt_cache_creation_tokens", "cost", "usage"}
)

// checkInvariants checks what must hold for every span log of any input.
// src lists the input spans (nil to skip the source comparisons).
func checkInvariants(t testing.TB, label string, logs []map[string]any, src []srcSpan) {
	t.Helper()
	bySpan := map[string]srcSpan{}
	for _, s := range src {
		bySpan[s.spanID] = s
	}
	for i, l := range logs {
		sid, _ := l["span_unique_id"].(string)
		c := &logCheck{t: t, fixture: label, span: fmt.Sprintf("%s(#%d)", sid, i), log: l}
		fail := func(field, format string, args ...any) {
			t.Helper()
			c.failf(field, "invariant: "+format, args...)
		}
		tid, ok := l["trace_unique_id"].(string)
		if !ok || !reTraceID.MatchString(tid) || tid == strings.Repeat("0", 32) {
			fail("trace_unique_id", "want 32 lower-case hex digits, not all zero, got %s", show(c.get("trace_unique_id")))
		}
		if !reSpanID.MatchString(sid) || sid == strings.Repeat("0", 16) {
			fail("span_unique_id", "want 16 lower-case hex digits, not all zero, got %s", show(c.get("span_unique_id")))
		}
		if p, present := l["span_parent_id"]; present {
			ps, ok := p.(string)
			if !ok || !reSpanID.MatchString(ps) || ps == strings.Repeat("0", 16) {
				fail("span_parent_id", "when present want 16 lower-case hex digits (never \"\", null or all zero), got %s", show(p))
			}
		}
		for _, k := range []string{"start_time", "timestamp"} {
			if v, present := l[k]; present {
				s, ok := v.(string)
				if !ok || !reTime.MatchString(s) {
					fail(k, "want RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ), got %s", show(v))
				} else if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
					fail(k, "not a parseable RFC 3339 time: %s", show(v))
				}
			}
		}
		if v, present := l["latency"]; present {
			f, ok := v.(float64)
			if !ok || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				fail("latency", "want a finite number >= 0, got %s", show(v))
			}
		}
		name, ok := l["span_name"].(string)
		if !ok {
			fail("span_name", "want a string, got %s", show(c.get("span_name")))
		} else if n := utf8.RuneCountInString(name); n > 255 {
			fail("span_name", "want at most 255 characters, got %d", n)
		} else if !utf8.ValidString(name) {
			fail("span_name", "not valid UTF-8: %q", name)
		}
		lt, ok := l["log_type"].(string)
		if !ok || !respanLogTypes[lt] {
			fail("log_type", "want one of Respan's log types, got %s", show(c.get("log_type")))
		}
		for _, k := range []string{"input", "output"} {
			v, present := l[k]
			if !present {
				continue
			}
			s, ok := v.(string)
			if !ok {
				fail(k, "want a string holding JSON, got %s", show(v))
			} else if !json.Valid([]byte(s)) {
				fail(k, "want a string holding valid JSON, got %s", show(s))
			}
		}
		if !llmLogTypes[lt] {
			for _, k := range usageKeys {
				if v, present := l[k]; present {
					fail(k, "tokens/cost only on LLM-type logs (chat, completion, response, generation, embedding), log_type %q has %s", lt, show(v))
				}
			}
		}
		for _, k := range []string{"prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "prompt_cache_creation_tokens"} {
			if v, present := l[k]; present {
				f, ok := v.(float64)
				if !ok || f < 0 || f != math.Trunc(f) {
					fail(k, "want a non-negative integer, got %s", show(v))
				}
			}
		}
		if v, present := l["cost"]; present {
			if f, ok := v.(float64); !ok || f < 0 {
				fail("cost", "want a non-negative number, got %s", show(v))
			}
		}
		if v, present := l["prompt_messages"]; present {
			arr, ok := v.([]any)
			if !ok {
				fail("prompt_messages", "want an array, got %s", show(v))
			}
			for j, m := range arr {
				mm, _ := m.(map[string]any)
				if r, _ := mm["role"].(string); !allowedRoles[r] {
					fail(fmt.Sprintf("prompt_messages[%d].role", j), "want one of system,user,assistant,tool,developer, got %s", show(valueOrAbsent(mm, "role")))
				}
			}
		}
		if !llmLogTypes[lt] {
			for _, k := range []string{"prompt_messages", "completion_message", "completion_messages"} {
				if v, present := l[k]; present {
					fail(k, "messages only on LLM-type logs (§4), log_type %q has %s", lt, show(v))
				}
			}
		}
		if v, present := l["completion_message"]; present {
			mm, ok := v.(map[string]any)
			if r, _ := mm["role"].(string); !ok || !allowedRoles[r] {
				fail("completion_message.role", "want a valid role, got %s", show(v))
			}
		}
		if v, present := l["status_code"]; present {
			if f, ok := v.(float64); !ok || f != math.Trunc(f) || f < 100 || f > 599 {
				fail("status_code", "want an HTTP-like integer, got %s", show(v))
			}
		}
		if v, present := l["warnings"]; present {
			if _, ok := v.(string); !ok {
				fail("warnings", "want a string, got %s", show(v))
			}
		}
		if v, present := l["metadata"]; present {
			m, ok := v.(map[string]any)
			if !ok {
				fail("metadata", "want an object, got %s", show(v))
			}
			for _, k := range sortedKeys(m) {
				switch m[k].(type) {
				case map[string]any, []any:
					fail("metadata."+k, "metadata values must be primitives (trees are sent as JSON strings), got %s", show(m[k]))
				}
			}
		}

		s, known := bySpan[sid]
		if src == nil || !known {
			if src != nil {
				fail("span_unique_id", "no input span has this id")
			}
			continue
		}
		if tid != s.traceID {
			fail("trace_unique_id", "want the source trace id %q, got %s", s.traceID, show(tid))
		}
		if s.parentID == "" {
			if p, present := l["span_parent_id"]; present {
				fail("span_parent_id", "root span (no/zero parent) must not carry span_parent_id, got %s", show(p))
			}
		} else if p, _ := l["span_parent_id"].(string); p != s.parentID {
			fail("span_parent_id", "want source parent %q, got %s", s.parentID, show(c.get("span_parent_id")))
		}
		if want := truncateToRunes(s.name, 255); utf8.ValidString(s.name) && name != want {
			fail("span_name", "want the source name %s, got %s", show(want), show(name))
		}
		if saneTime(s.start) {
			if want := formatMicro(s.start); l["start_time"] != want {
				fail("start_time", "want %q (source start), got %s", want, show(c.get("start_time")))
			}
		}
		if saneTime(s.end) && s.end >= s.start {
			if want := formatMicro(s.end); l["timestamp"] != want {
				fail("timestamp", "want %q (source end), got %s", want, show(c.get("timestamp")))
			}
		}
	}
}

// saneTime: a source time the output must reproduce exactly (non-zero and
// within int64 nanoseconds); other times may be omitted.
func saneTime(unixNano uint64) bool { return unixNano != 0 && unixNano <= math.MaxInt64 }

func formatMicro(unixNano uint64) string {
	return time.Unix(0, int64(unixNano)).UTC().Format("2006-01-02T15:04:05.000000Z")
}

func truncateToRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// ---------------------------------------------------------------------------
// expected.json (generic checks)
// ---------------------------------------------------------------------------

type expectedFile struct {
	Fixture string                    `json:"fixture"`
	Spans   map[string]map[string]any `json:"spans"`
}

func loadExpected(t testing.TB, name string) expectedFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixturesDir, name+".expected.json"))
	if err != nil {
		t.Fatalf("read expected.json: %v", err)
	}
	var e expectedFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("decode %s.expected.json: %v", name, err)
	}
	return e
}

// genericCheck applies one field of expected.json.
func (c *logCheck) genericCheck(field string, want any) {
	c.t.Helper()
	// "optional" values depend on an optional setting (fixtures README):
	// either the bare string "optional" or an object {"optional": …}
	// possibly with the value under the default options in "default".
	if s, ok := want.(string); ok && s == "optional" {
		return
	}
	if m, ok := want.(map[string]any); ok {
		if _, opt := m["optional"]; opt {
			d, hasDefault := m["default"]
			if !hasDefault {
				return
			}
			want = d
		}
	}
	switch field {
	case "latency":
		if isAbsent(want) {
			c.absent(field)
			return
		}
		c.num(field, want.(float64))
	case "is_error":
		c.isError(want == true)
	case "prompt_roles":
		got := c.get("prompt_messages")
		if want == nil {
			if arr, ok := got.([]any); !isAbsent(got) && (!ok || len(arr) > 0) {
				c.fail("prompt_roles(prompt_messages)", absent, got)
			}
			return
		}
		wantRoles := toStrings(want)
		arr, ok := got.([]any)
		if !ok {
			c.fail("prompt_roles", wantRoles, got)
			return
		}
		gotRoles := make([]string, len(arr))
		for i, m := range arr {
			mm, _ := m.(map[string]any)
			gotRoles[i], _ = mm["role"].(string)
		}
		if !reflect.DeepEqual(gotRoles, wantRoles) {
			c.fail("prompt_roles", wantRoles, gotRoles)
		}
	case "tool_call_names":
		var gotNames []string
		cm, _ := c.get("completion_message").(map[string]any)
		if calls, ok := cm["tool_calls"].([]any); ok {
			for _, tc := range calls {
				tm, _ := tc.(map[string]any)
				fn, _ := tm["function"].(map[string]any)
				n, _ := fn["name"].(string)
				gotNames = append(gotNames, n)
			}
		}
		if want == nil {
			if len(gotNames) > 0 {
				c.fail("tool_call_names", absent, gotNames)
			}
			return
		}
		wantNames := toStrings(want)
		if !reflect.DeepEqual(gotNames, wantNames) {
			c.failf("tool_call_names", "want %s, got %s (completion_message %s)", show(wantNames), show(gotNames), show(c.get("completion_message")))
		}
	case "completion_text":
		cm, ok := c.get("completion_message").(map[string]any)
		if want == nil {
			if ok && !isAbsent(valueOrAbsent(cm, "content")) {
				c.fail("completion_text", absent, cm["content"])
			}
			return
		}
		if !ok {
			c.fail("completion_text(completion_message.content)", want, c.get("completion_message"))
			return
		}
		if got, _ := cm["content"].(string); got != want {
			c.fail("completion_text(completion_message.content)", want, valueOrAbsent(cm, "content"))
		}
	case "input", "output":
		if want == nil {
			c.absent(field)
			return
		}
		ws, _ := want.(string)
		if json.Valid([]byte(ws)) {
			c.jsonText(field, ws)
		} else {
			b, _ := json.Marshal(ws)
			c.jsonText(field, string(b))
		}
	default:
		if want == nil {
			c.absent(field)
			return
		}
		got := c.get(field)
		if wf, ok := want.(float64); ok {
			if gf, ok := got.(float64); !ok || math.Abs(gf-wf) > latencyTolerance {
				c.fail(field, want, got)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			c.fail(field, want, got)
		}
	}
}

// isError: true ⇔ status_code >= 400 and error_message present.
func (c *logCheck) isError(want bool) {
	c.t.Helper()
	code, _ := c.get("status_code").(float64)
	em, hasMsg := c.get("error_message").(string)
	hasMsg = hasMsg && em != ""
	if want {
		if code < 400 || !hasMsg {
			c.failf("is_error", "want an error (status_code >= 400 and error_message set), got status_code %s, error_message %s", show(c.get("status_code")), show(c.get("error_message")))
		}
		return
	}
	if code >= 400 || hasMsg {
		c.failf("is_error", "want no error (status_code < 400, no error_message), got status_code %s, error_message %s", show(c.get("status_code")), show(c.get("error_message")))
	}
}

func toStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, len(arr))
	for i, x := range arr {
		out[i], _ = x.(string)
	}
	return out
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

// TestGoldenFixtureListComplete fails when a fixture is added to
// testdata/fixtures without a golden test.
func TestGoldenFixtureListComplete(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixturesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, n := range goldenFixtures {
		known[n] = true
		for _, suffix := range []string{".json", ".expected.json", ".expected.md"} {
			if _, err := os.Stat(filepath.Join(fixturesDir, n+suffix)); err != nil {
				t.Errorf("fixture %s: missing %s%s in %s", n, n, suffix, fixturesDir)
			}
		}
		if _, ok := goldenSpecs[n]; !ok {
			t.Errorf("fixture %s: no hand-written expectations in goldenSpecs", n)
		}
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		base = strings.TrimSuffix(base, ".expected")
		if !known[base] {
			t.Errorf("fixture %s in %s has no golden test (add it to goldenFixtures)", base, fixturesDir)
		}
	}
}

func TestGoldenFixtures(t *testing.T) {
	for _, name := range goldenFixtures {
		t.Run(name, func(t *testing.T) {
			runGoldenFixture(t, name)
		})
	}
}

func runGoldenFixture(t *testing.T, name string) {
	td := loadTracesFile(t, filepath.Join(fixturesDir, name+".json"))
	src := sourceSpans(td)
	res := New(DefaultOptions()).Translate(td)
	_, logs := wireLogs(t, name, res)

	byID := map[string]map[string]any{}
	for _, l := range logs {
		id, _ := l["span_unique_id"].(string)
		if _, dup := byID[id]; dup {
			t.Errorf("%s span %s: more than one span log for this span", name, id)
		}
		byID[id] = l
	}

	t.Run("invariants", func(t *testing.T) {
		checkInvariants(t, name, logs, src)
		if len(logs) != len(src) {
			t.Errorf("%s: want one span log per input span (%d), got %d", name, len(src), len(logs))
		}
		if n := totalDropped(res); n != 0 {
			t.Errorf("%s: no span of a fixture may be dropped, Dropped=%v", name, res.Dropped)
		}
		// §4 metadata: resource service.name (ResourceMetadata "selected"
		// by default) and otel.scope.name on every span log.
		for _, s := range src {
			l := byID[s.spanID]
			if l == nil {
				continue
			}
			c := &logCheck{t: t, fixture: name, span: s.spanID, log: l}
			if s.serviceName != "" {
				c.meta("service.name", s.serviceName)
			}
			if s.scopeName != "" {
				c.meta("otel.scope.name", s.scopeName)
			}
		}
		// Output keeps input order.
		for i := 0; i < len(logs) && i < len(src); i++ {
			if id, _ := logs[i]["span_unique_id"].(string); id != src[i].spanID {
				t.Errorf("%s: log %d: want span %s (input order), got %s", name, i, src[i].spanID, id)
				break
			}
		}
	})

	exp := loadExpected(t, name)
	spec := goldenSpecs[name]
	ids := map[string]bool{}
	for id := range exp.Spans {
		ids[id] = true
	}
	for id := range spec.spans {
		ids[id] = true
	}
	for _, s := range src {
		if !ids[s.spanID] {
			t.Errorf("%s: input span %s has no expectation (test bug)", name, s.spanID)
		}
	}
	for _, id := range sortedKeys(ids) {
		t.Run(id, func(t *testing.T) {
			l, ok := byID[id]
			if !ok {
				t.Errorf("%s span %s: no span log produced for this span (got %d logs in total)", name, id, len(logs))
				return
			}
			c := &logCheck{t: t, fixture: name, span: id, log: l}
			if fields, ok := exp.Spans[id]; ok {
				for _, f := range sortedKeys(fields) {
					c.genericCheck(f, fields[f])
				}
			}
			if fn := spec.spans[id]; fn != nil {
				fn(c)
			} else {
				t.Errorf("%s span %s: no hand-written expectations (test bug)", name, id)
			}
		})
	}

	if len(spec.totals) > 0 {
		t.Run("trace_totals", func(t *testing.T) {
			for _, tt := range spec.totals {
				var p, cpl, cost float64
				for _, l := range logs {
					if l["trace_unique_id"] != tt.trace {
						continue
					}
					f, _ := l["prompt_tokens"].(float64)
					p += f
					f, _ = l["completion_tokens"].(float64)
					cpl += f
					f, _ = l["cost"].(float64)
					cost += f
				}
				if p != tt.prompt || cpl != tt.completion {
					t.Errorf("%s trace %s: totals counted by Respan: want prompt %g / completion %g, got %g / %g", name, tt.trace, tt.prompt, tt.completion, p, cpl)
				}
				if math.Abs(cost-tt.cost) > 1e-12 {
					t.Errorf("%s trace %s: total cost: want %g, got %g", name, tt.trace, tt.cost, cost)
				}
			}
		})
	}
}

func totalDropped(res *Result) int {
	n := 0
	for _, v := range res.Dropped {
		n += v
	}
	return n
}

// ---------------------------------------------------------------------------
// Hand-written expectations, transcribed from NAME.expected.md
// ---------------------------------------------------------------------------

type traceTotal struct {
	trace              string
	prompt, completion float64
	cost               float64
}

type goldenSpec struct {
	spans  map[string]func(c *logCheck)
	totals []traceTotal
}

// Texts used more than once.
const (
	q01      = "What's the weather in Paris tomorrow? Should I pack an umbrella?"
	sys01    = "You are TravelPlanner. Use tools for live data. Answer in two sentences."
	answer01 = "Tomorrow Paris expects light rain with 14-18°C. Yes, pack an umbrella."
	call01   = "call_VSPygqKTWdrhaFErNvMV18Yl"
	args01   = `{"location":"Paris, FR","date":"2026-08-21"}`
	result01 = `{"forecast":"light rain","temp_c_min":14,"temp_c_max":18,"precip_prob":0.8}`

	q02      = "Will it snow in Denver this weekend?"
	toolID02 = "tooluse_Q2tq8wXyRk6fV3bN"
	args02   = `{"city": "Denver", "days": 2}`
	result02 = "Sat: snow 70%, 5-10cm; Sun: clear, -2/6C"
	answer02 = "Yes - expect snow on Saturday (70% chance, 5-10 cm) and clearing skies on Sunday."

	sys03    = "You are a travel planner. Always check the weather before planning."
	user03   = "Plan 3 days in Lisbon; check the weather first."
	call03   = "call_7QvN0bq3ZsK1mXn2"
	args03   = `{"city": "Lisbon", "days": 3}`
	forecast = `[{"day": 1, "summary": "sunny", "high_c": 27}, {"day": 2, "summary": "partly cloudy", "high_c": 25}, {"day": 3, "summary": "showers", "high_c": 22}]`
	itin03   = "Day 1: Alfama walk and Tram 28 (sunny). Day 2: Belem and LX Factory. Day 3: Gulbenkian museum (showers expected)."
	tools03  = `[{"type":"function","function":{"name":"get_weather","description":"Get a multi-day forecast for a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}}]`

	sys04    = "Answer using only the provided context. Call tools for UI paths."
	user04   = "Context:\nAPI keys can be rotated from Settings > Security > API keys. Create a new key, update clients, then revoke the old key.\nRevoked keys stop working immediately; there is no grace period.\n\nQuestion: How do I rotate an API key?"
	call04   = "call_kP4sT9vX2mQ7"
	args04   = `{"setting":"api_keys"}`
	path04   = "Settings > Security > API keys"
	answer04 = "Go to Settings > Security > API keys, create a new key, switch your clients to it, then revoke the old key (revocation is immediate)."
	tools04  = `[{"type":"function","function":{"name":"lookup_setting_path","description":"Return the UI path for a setting","parameters":{"type":"object","properties":{"setting":{"type":"string"}},"required":["setting"]}}}]`
	params04 = `{"type": "object", "properties": {"setting": {"type": "string"}}, "required": ["setting"]}`

	sys05     = "You are a support bot for Acme."
	user05a   = "My order #1182 hasn't arrived."
	call05    = "call_Xq2LmN8pR4"
	args05    = `{"orderId":"1182"}`
	result05  = `{"status":"in_transit","carrier":"UPS","eta":"2026-08-23"}`
	answer05a = "I checked order #1182: it's in transit with UPS and should arrive by Aug 23."
	tools05   = `[{"type":"function","function":{"name":"lookupOrder","description":"Look up an order by id","parameters":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}}}]`
	user05b   = "Can I change the shipping address on order #1190?"
	answer05b = "Yes, as long as it hasn't shipped: open the order, choose 'Edit address', and save."

	errmsg09 = "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in organization org-Acme on tokens per min (TPM): Limit 30000, Used 29817, Requested 1204. Please try again in 2.04s.', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}"
)

// ok200 checks a successful span: status_code 200, no error_message.
func (c *logCheck) ok200() {
	c.t.Helper()
	c.intv("status_code", 200)
	c.absent("error_message")
}

var goldenSpecs = map[string]goldenSpec{
	// -------------------------------------------------------------------
	"01-otel-genai-semconv-latest": {
		spans: map[string]func(c *logCheck){
			"1a2b3c4d5e6f7081": func(c *logCheck) { // invoke_agent TravelPlanner
				c.absent("span_parent_id")
				c.str("log_type", "agent")
				c.str("model", "gpt-4o")
				c.provider("openai")
				c.noUsage()
				c.aggUsage(map[string]float64{"input_tokens": 474, "output_tokens": 55})
				c.inputMessages(userMsg(q01))
				c.outputMessage(asstMsg(answer01))
				c.finishReason("stop")
				c.str("span_workflow_name", "TravelPlanner")
				c.absent("span_path")
				c.str("customer_identifier", "cust_8841")
				c.str("thread_identifier", "conv_5j66UpCpwteGg4YSxUnt7lPY")
				c.ok200()
				c.num("latency", 6.21)
				c.meta("agent_id", "agent_travel_planner")
				c.meta("agent_version", "3.1.0")
				c.meta("otel.scope.name", "travel_assistant.agent")
				c.meta("service.name", "travel-assistant")
				// The .md names the resource attribute; 06's .md names the key
				// "environment" (see closing note), so accept both spellings.
				c.metaOneOf("staging", "environment", "deployment.environment.name")
			},
			"2b3c4d5e6f708192": func(c *logCheck) { // chat gpt-4o (JSON-string content)
				c.str("span_parent_id", "1a2b3c4d5e6f7081")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-2024-08-06")
				c.meta("request_model", "gpt-4o")
				c.provider("openai")
				c.prompt(sysMsg(sys01), userMsg(q01))
				c.completion(asstCalls(wtc{call01, "get_weather", args01}))
				c.tokens(212, 24, 236)
				c.intv("prompt_cache_hit_tokens", 128)
				c.num("temperature", 0.2)
				c.intv("max_tokens", 512)
				c.num("top_p", 1.0)
				c.num("frequency_penalty", 0)
				c.num("presence_penalty", 0)
				c.boolv("stream", true)
				c.num("time_to_first_token", 0.41)
				c.jsonValue("tools", `[{"type":"function","function":{"name":"get_weather","description":"Get the weather forecast for a city and date","parameters":{"type":"object","properties":{"location":{"type":"string"},"date":{"type":"string","format":"date"}},"required":["location","date"]}}}]`)
				c.strs("span_tools", "get_weather")
				c.str("span_workflow_name", "TravelPlanner")
				c.str("customer_identifier", "cust_8841")
				c.str("thread_identifier", "conv_5j66UpCpwteGg4YSxUnt7lPY")
				c.ok200()
				c.num("latency", 1.83)
				c.metaJSON("finish_reasons", `["tool_call"]`)
				c.meta("response_id", "chatcmpl-C7mK2p9xQ1aZ")
				c.metaOneOf(42, "seed", "model_parameters/seed")
				c.metaOneOf("text", "output_type", "model_parameters/output_type")
				c.meta("server.address", "api.openai.com")
			},
			"3c4d5e6f708192a3": func(c *logCheck) { // execute_tool get_weather
				c.str("span_parent_id", "1a2b3c4d5e6f7081")
				c.str("log_type", "tool")
				c.absent("model")
				c.absent("provider_id")
				c.noUsage()
				c.jsonText("input", `{"location": "Paris, FR", "date": "2026-08-21"}`)
				c.jsonText("output", `{"forecast": "light rain", "temp_c_min": 14, "temp_c_max": 18, "precip_prob": 0.8}`)
				c.strs("span_tools", "get_weather")
				c.str("span_workflow_name", "TravelPlanner")
				c.str("customer_identifier", "cust_8841")
				c.str("thread_identifier", "conv_5j66UpCpwteGg4YSxUnt7lPY")
				c.ok200()
				c.num("latency", 0.63)
				c.meta("tool_call_id", call01)
				c.meta("tool_type", "function")
				c.meta("tool_description", "Get the weather forecast for a city and date")
			},
			"4d5e6f708192a3b4": func(c *logCheck) { // chat gpt-4o (structured AnyValue content)
				c.str("span_parent_id", "1a2b3c4d5e6f7081")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-2024-08-06")
				c.provider("openai")
				c.prompt(sysMsg(sys01), userMsg(q01), asstCalls(wtc{call01, "get_weather", args01}), toolMsg(call01, result01))
				c.completion(asstMsg(answer01))
				c.tokens(262, 31, 293)
				c.num("temperature", 0.2)
				c.intv("max_tokens", 512)
				c.boolv("stream", true)
				c.num("time_to_first_token", 0.38)
				c.str("span_workflow_name", "TravelPlanner")
				c.str("customer_identifier", "cust_8841")
				c.str("thread_identifier", "conv_5j66UpCpwteGg4YSxUnt7lPY")
				c.ok200()
				c.num("latency", 3.43)
				// Structured content must be decoded, never the stringified OTLP AnyValue.
				for _, k := range []string{"input", "prompt_messages", "output"} {
					if b, _ := json.Marshal(c.get(k)); bytes.Contains(b, []byte("kvlistValue")) || bytes.Contains(b, []byte("arrayValue")) || bytes.Contains(b, []byte("stringValue")) {
						c.failf(k, "contains the raw OTLP AnyValue encoding: %s", clip(string(b), 300))
					}
				}
			},
		},
		totals: []traceTotal{{"7f3c1a2b9d8e4f60a1b2c3d4e5f60718", 474, 55, 0}},
	},

	// -------------------------------------------------------------------
	"02-otel-genai-events-legacy": {
		spans: map[string]func(c *logCheck){
			"a100000000000001": func(c *logCheck) { // invoke_agent weather_agent (Strands)
				c.absent("span_parent_id")
				c.str("log_type", "agent")
				c.str("model", "us.anthropic.claude-sonnet-4-20250514-v1:0")
				c.provider("aws.bedrock")
				c.meta("framework", "strands-agents")
				c.noUsage()
				c.aggUsage(map[string]float64{"prompt": 1890, "completion": 164, "total": 2054, "cache_read": 0, "cache_write": 0})
				c.inputMessages(sysMsg("You are a concise weather assistant."), userMsg(q02))
				c.outputMessage(asstMsg(answer02 + "\n"))
				c.finishReason("end_turn")
				c.str("span_workflow_name", "weather_agent")
				c.absent("span_path")
				c.absent("customer_identifier")
				c.absent("thread_identifier")
				c.ok200()
				c.num("latency", 5.82)
				c.metaJSON("agent_tools", `["get_forecast"]`)
			},
			"a100000000000002": func(c *logCheck) { // execute_event_loop_cycle 1
				c.str("span_parent_id", "a100000000000001")
				c.str("log_type", "task")
				c.absent("model")
				c.noUsage()
				c.inputMessages(userMsg(q02))
				c.outputMessage(asstCalls(wtc{toolID02, "get_forecast", args02}))
				c.metaPresent("tool_result")
				c.meta("event_loop.cycle_id", "6f0c4a59-2d3e-4b39-9b5e-1f6a5d6c9e11")
				c.str("span_workflow_name", "weather_agent")
				c.ok200()
				c.num("latency", 3.305)
			},
			"a100000000000003": func(c *logCheck) { // chat (cycle 1)
				c.str("span_parent_id", "a100000000000002")
				c.str("log_type", "chat")
				c.str("model", "us.anthropic.claude-sonnet-4-20250514-v1:0")
				c.provider("aws.bedrock")
				c.meta("framework", "strands-agents")
				c.prompt(userMsg(q02))
				c.completion(asstCalls(wtc{toolID02, "get_forecast", args02}))
				c.finishReason("tool_use")
				c.tokens(1002, 96, 1098)
				c.num("time_to_first_token", 0.612)
				c.num("latency", 2.14)
				c.meta("gen_ai.server.request.duration", 2140)
				c.str("span_workflow_name", "weather_agent")
				c.ok200()
			},
			"a100000000000004": func(c *logCheck) { // execute_tool get_forecast
				c.str("span_parent_id", "a100000000000002")
				c.str("log_type", "tool")
				c.noUsage()
				c.jsonText("input", args02)
				c.jsonText("output", `"Sat: snow 70%, 5-10cm; Sun: clear, -2/6C"`)
				c.strs("span_tools", "get_forecast")
				c.meta("tool_call_id", toolID02)
				c.meta("tool_status", "success")
				c.meta("framework", "strands-agents")
				c.str("span_workflow_name", "weather_agent")
				c.ok200()
				c.num("latency", 1.14)
			},
			"a100000000000005": func(c *logCheck) { // execute_event_loop_cycle 2
				c.str("span_parent_id", "a100000000000001")
				c.str("log_type", "task")
				c.noUsage()
				c.inputMessages(userMsg(q02), asstCalls(wtc{toolID02, "get_forecast", args02}), toolMsg(toolID02, result02))
				c.absent("output")
				c.str("span_workflow_name", "weather_agent")
				c.ok200()
				c.num("latency", 2.495)
			},
			"a100000000000006": func(c *logCheck) { // chat (cycle 2)
				c.str("span_parent_id", "a100000000000005")
				c.str("log_type", "chat")
				c.str("model", "us.anthropic.claude-sonnet-4-20250514-v1:0")
				c.provider("aws.bedrock")
				c.prompt(userMsg(q02), asstCalls(wtc{toolID02, "get_forecast", args02}), toolMsg(toolID02, result02))
				c.completion(asstMsg(answer02))
				c.finishReason("end_turn")
				c.tokens(888, 68, 956)
				c.num("time_to_first_token", 0.54)
				c.num("latency", 2.48)
				c.str("span_workflow_name", "weather_agent")
				c.ok200()
			},
			"b200000000000001": func(c *logCheck) { // Azure AI Inference chat
				c.absent("span_parent_id")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-mini-2024-07-18")
				c.meta("request_model", "gpt-4o-mini")
				c.provider("azure.ai.inference")
				c.meta("server.address", "contoso-eastus.openai.azure.com")
				c.prompt(
					sysMsg("You are a helpful math assistant."),
					userMsg("What is 17% of 240?"),
					asstCalls(wtc{"call_calc_01", "calculator", `{"expression":"0.17*240"}`}),
					toolMsg("call_calc_01", "40.8"),
				)
				c.completion(asstMsg("17% of 240 is 40.8."))
				c.finishReason("stop")
				c.tokens(96, 12, 108)
				c.num("temperature", 0)
				c.intv("max_tokens", 256)
				c.absent("span_workflow_name")
				c.absent("customer_identifier")
				c.absent("thread_identifier")
				c.ok200()
				c.num("latency", 1.43)
			},
			"c300000000000001": func(c *logCheck) { // v1.26 prompt/completion events
				c.absent("span_parent_id")
				c.str("log_type", "chat")
				c.str("model", "gpt-3.5-turbo-0125")
				c.provider("openai")
				c.prompt(sysMsg("Reply in French."), userMsg("Say hello"))
				c.completion(asstMsg("Bonjour !"))
				c.tokens(23, 9, 32)
				c.num("temperature", 0.7)
				c.absent("span_workflow_name")
				c.ok200()
				c.num("latency", 0.69)
			},
		},
		totals: []traceTotal{
			{"c0ffee1234567890abcdef0123456789", 1890, 164, 0},
			{"0e1d2c3b4a5968778695a4b3c2d1e0f1", 96, 12, 0},
			{"5a4b3c2d1e0f11223344556677889900", 23, 9, 0},
		},
	},

	// -------------------------------------------------------------------
	"03-openllmetry-workflow": {
		spans: map[string]func(c *logCheck){
			"b7ad6b7169203331": func(c *logCheck) { // plan_trip.workflow
				c.common03()
				c.absent("span_parent_id")
				c.str("log_type", "workflow")
				c.absent("span_path")
				c.absent("model")
				c.absent("provider_id")
				c.noUsage()
				c.jsonText("input", `{"args": ["Lisbon", 3], "kwargs": {}}`)
				c.jsonText("output", `{"city": "Lisbon", "itinerary": "`+itin03+`"}`)
				c.meta("entity_name", "plan_trip")
				c.num("latency", 7.4)
			},
			"c1f0a9e2d3b4c5a6": func(c *logCheck) { // research_destination.task
				c.common03()
				c.str("span_parent_id", "b7ad6b7169203331")
				c.str("log_type", "task")
				c.str("span_path", "research_destination")
				c.noUsage()
				c.jsonText("input", `{"args": ["Lisbon", 3], "kwargs": {}}`)
				c.jsonText("output", `"`+itin03+`"`)
				c.num("latency", 7.385)
			},
			"d2e1b0a9f8c7d6e5": func(c *logCheck) { // openai.chat (first call)
				c.common03()
				c.str("span_parent_id", "c1f0a9e2d3b4c5a6")
				c.str("log_type", "chat")
				c.str("span_path", "research_destination")
				c.str("model", "gpt-4o-mini-2024-07-18")
				c.meta("request_model", "gpt-4o-mini")
				c.provider("openai")
				c.prompt(sysMsg(sys03), userMsg(user03))
				c.completion(asstCalls(wtc{call03, "get_weather", args03}))
				c.finishReason("tool_calls")
				c.tokens(156, 22, 178)
				c.intOrAbsent("prompt_cache_hit_tokens", 0)
				c.num("temperature", 0.7)
				c.intv("max_tokens", 800)
				c.boolv("stream", false)
				c.jsonValue("tools", tools03)
				c.strs("span_tools", "get_weather")
				c.meta("api_base", "https://api.openai.com/v1/")
				c.meta("response_id", "chatcmpl-AaB1cD2eF3")
				c.metaAbsent("llm.headers")
				c.num("latency", 1.61)
			},
			"e3f2c1b0a9d8e7f6": func(c *logCheck) { // get_weather.tool
				c.common03()
				c.str("span_parent_id", "c1f0a9e2d3b4c5a6")
				c.str("log_type", "tool")
				c.str("span_path", "research_destination.get_weather")
				c.noUsage()
				c.jsonText("input", `{"args": [], "kwargs": {"city": "Lisbon", "days": 3}}`)
				c.jsonText("output", forecast)
				c.strs("span_tools", "get_weather")
				c.num("latency", 0.47)
			},
			"f4a3d2c1b0e9f8a7": func(c *logCheck) { // openai.chat (second call, streaming)
				c.common03()
				c.str("span_parent_id", "c1f0a9e2d3b4c5a6")
				c.str("log_type", "chat")
				c.str("span_path", "research_destination")
				c.str("model", "gpt-4o-mini-2024-07-18")
				c.provider("openai")
				c.prompt(sysMsg(sys03), userMsg(user03), asstCalls(wtc{call03, "get_weather", args03}), toolMsg(call03, forecast))
				c.completion(asstMsg(itin03))
				c.finishReason("stop")
				c.tokens(243, 118, 361)
				c.boolv("stream", true)
				c.absent("time_to_first_token")
				c.num("temperature", 0.7)
				c.intv("max_tokens", 800)
				c.jsonValue("tools", tools03)
				c.metaAbsent("llm.headers")
				c.num("latency", 5.27)
			},
		},
		totals: []traceTotal{{"0af7651916cd43dd8448eb211c80319c", 399, 140, 0}},
	},

	// -------------------------------------------------------------------
	"04-openinference": {
		spans: map[string]func(c *logCheck){
			"0102030405060708": func(c *logCheck) { // RetrievalQA (CHAIN root)
				c.common04()
				c.absent("span_parent_id")
				c.str("log_type", "workflow")
				c.absent("model")
				c.noUsage()
				c.jsonText("input", `{"question": "How do I rotate an API key?"}`)
				c.jsonText("output", `"`+answer04+`"`)
				c.num("latency", 4.21)
			},
			"1112131415161718": func(c *logCheck) { // CreateEmbeddings
				c.common04()
				c.str("span_parent_id", "0102030405060708")
				c.str("log_type", "embedding")
				c.str("model", "text-embedding-3-small")
				c.provider("openai")
				c.jsonText("input", `["How do I rotate an API key?"]`)
				c.absent("prompt_messages")
				c.absent("completion_message")
				c.absent("output") // vectors are not copied by default
				c.meta("embedding_count", 1)
				c.tokens(8, -1, 8)
				c.metaJSON("invocation_parameters", `{"model": "text-embedding-3-small", "encoding_format": "float"}`)
				c.num("latency", 0.23)
			},
			"2122232425262728": func(c *logCheck) { // VectorStoreRetriever
				c.common04()
				c.str("span_parent_id", "0102030405060708")
				c.str("log_type", "task")
				c.meta("span_kind", "RETRIEVER")
				c.noUsage()
				c.jsonText("input", `"How do I rotate an API key?"`)
				c.jsonText("output", `[{"id":"kb-112","score":0.83,"content":"API keys can be rotated from Settings > Security > API keys. Create a new key, update clients, then revoke the old key.","metadata":{"source":"kb/security.md"}},{"id":"kb-047","score":0.71,"content":"Revoked keys stop working immediately; there is no grace period.","metadata":{"source":"kb/keys.md"}}]`)
				c.num("latency", 0.15)
			},
			"3132333435363738": func(c *logCheck) { // ChatCompletion (first call)
				c.common04()
				c.str("span_parent_id", "0102030405060708")
				c.str("log_type", "chat")
				c.str("model", "gpt-4.1-mini-2025-04-14")
				c.provider("openai")
				c.prompt(sysMsg(sys04), userMsg(user04))
				c.completion(asstCalls(wtc{call04, "lookup_setting_path", args04}))
				c.tokens(512, 19, 531)
				c.intv("prompt_cache_hit_tokens", 384)
				c.num("temperature", 0)
				c.intv("max_tokens", 400)
				c.jsonValue("tool_choice", `"auto"`)
				c.jsonValue("tools", tools04)
				c.strs("span_tools", "lookup_setting_path")
				c.num("latency", 1.08)
			},
			"4142434445464748": func(c *logCheck) { // lookup_setting_path (TOOL)
				c.common04()
				c.str("span_parent_id", "0102030405060708")
				c.str("log_type", "tool")
				c.noUsage()
				c.jsonText("input", `{"setting": "api_keys"}`)
				c.jsonText("output", `"`+path04+`"`)
				c.strs("span_tools", "lookup_setting_path")
				c.meta("tool_description", "Return the UI path for a setting")
				c.metaJSON("tool_parameters", params04)
				c.num("latency", 0.05)
			},
			"5152535455565758": func(c *logCheck) { // ChatCompletion (final answer)
				c.common04()
				c.str("span_parent_id", "0102030405060708")
				c.str("log_type", "chat")
				c.str("model", "gpt-4.1-mini-2025-04-14")
				c.provider("openai")
				c.prompt(sysMsg(sys04), userMsg(user04),
					asstCalls(wtc{call04, "lookup_setting_path", args04}),
					wm{Role: "tool", ToolCallID: call04, Name: "lookup_setting_path", Content: path04})
				c.completion(asstMsg(answer04))
				c.tokens(560, 42, 602)
				c.num("cost", 0.0002912)
				c.num("temperature", 0)
				c.intv("max_tokens", 400)
				c.jsonValue("tool_choice", `"auto"`)
				c.jsonValue("tools", tools04)
				c.boolv("stream", true)
				c.num("latency", 2.63)
			},
		},
		totals: []traceTotal{{"5b8aa5a2d2c872e8321cf37308d69df2", 1080, 61, 0.0002912}},
	},

	// -------------------------------------------------------------------
	"05-vercel-ai-sdk": {
		spans: map[string]func(c *logCheck){
			"aa00000000000001": func(c *logCheck) { // ai.streamText wrapper
				c.common05a()
				c.absent("span_parent_id")
				c.str("log_type", "workflow")
				c.str("model", "gpt-4o")
				c.provider("openai")
				c.noUsage()
				c.aggUsage(map[string]float64{"prompt": 689, "completion": 71})
				c.jsonText("input", `{"system":"You are a support bot for Acme.","messages":[{"role":"user","content":"My order #1182 hasn't arrived."}]}`)
				c.jsonText("output", `"`+answer05a+`"`)
				c.finishReason("stop")
				c.metaOneOf(1024, "max_output_tokens", "model_parameters/max_output_tokens")
				c.metaOneOf(2, "max_retries", "model_parameters/max_retries")
				c.metaOneOf(true, "stream", "model_parameters/stream")
				c.num("latency", 3.9)
			},
			"aa00000000000002": func(c *logCheck) { // doStream call 1
				c.common05a()
				c.str("span_parent_id", "aa00000000000001")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-2024-08-06")
				c.meta("request_model", "gpt-4o")
				c.provider("openai")
				c.prompt(sysMsg(sys05), userMsg(user05a))
				c.completion(asstCalls(wtc{call05, "lookupOrder", args05}))
				c.finishReason("tool-calls")
				c.tokens(312, 18, 330)
				c.intOrAbsent("prompt_cache_hit_tokens", 0)
				c.intv("max_tokens", 1024)
				c.boolv("stream", true)
				c.num("time_to_first_token", 0.4027)
				c.jsonValue("tools", tools05)
				c.jsonValue("tool_choice", `"auto"`)
				c.strs("span_tools", "lookupOrder")
				c.num("latency", 1.195)
			},
			"aa00000000000003": func(c *logCheck) { // ai.toolCall
				c.common05a()
				c.str("span_parent_id", "aa00000000000001")
				c.str("log_type", "tool")
				c.noUsage()
				c.jsonText("input", args05)
				c.jsonText("output", result05)
				c.strs("span_tools", "lookupOrder")
				c.meta("tool_name", "lookupOrder")
				c.meta("tool_call_id", call05)
				c.num("latency", 0.275)
			},
			"aa00000000000004": func(c *logCheck) { // doStream call 2
				c.common05a()
				c.str("span_parent_id", "aa00000000000001")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-2024-08-06")
				c.provider("openai")
				c.prompt(sysMsg(sys05), userMsg(user05a), asstCalls(wtc{call05, "lookupOrder", args05}), toolMsg(call05, result05))
				c.completion(asstMsg(answer05a))
				c.finishReason("stop")
				c.tokens(377, 53, 430)
				c.boolv("stream", true)
				c.num("time_to_first_token", 0.3551)
				c.intv("max_tokens", 1024)
				c.jsonValue("tools", tools05)
				c.jsonValue("tool_choice", `"auto"`)
				c.num("latency", 2.4)
			},
			"bb00000000000001": func(c *logCheck) { // v7 invoke_agent
				c.absent("span_parent_id")
				c.str("log_type", "agent")
				c.str("model", "gpt-4o-mini")
				c.provider("openai")
				c.noUsage()
				c.aggUsage(map[string]float64{"input": 208, "output": 35})
				c.inputMessages(sysMsg(sys05), userMsg(user05b))
				c.outputMessage(asstMsg(answer05b))
				c.metaOneOf(0.3, "temperature", "model_parameters/temperature")
				c.metaOneOf(512, "max_tokens", "model_parameters/max_tokens")
				c.metaJSON("finish_reasons", `["stop"]`)
				c.str("span_workflow_name", "support-chat")
				c.absent("customer_identifier")
				c.absent("thread_identifier")
				c.ok200()
				c.num("latency", 1.02)
			},
			"bb00000000000002": func(c *logCheck) { // step 1
				c.str("span_parent_id", "bb00000000000001")
				c.str("log_type", "task")
				c.absent("model")
				c.noUsage()
				c.absent("input")
				c.absent("output")
				c.str("span_workflow_name", "support-chat")
				c.ok200()
				c.num("latency", 1.012)
			},
			"bb00000000000003": func(c *logCheck) { // v7 chat
				c.str("span_parent_id", "bb00000000000002")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-mini-2024-07-18")
				c.provider("openai")
				c.prompt(sysMsg(sys05), userMsg(user05b))
				c.completion(asstMsg(answer05b))
				c.tokens(208, 35, 243)
				c.num("temperature", 0.3)
				c.intv("max_tokens", 512)
				c.num("time_to_first_token", 0.291)
				c.absent("stream")
				c.num("latency", 0.854)
				c.meta("time_per_output_chunk", 0.016)
				c.meta("response_id", "chatcmpl-V7aa01")
				c.str("span_workflow_name", "support-chat")
				c.ok200()
			},
		},
		totals: []traceTotal{
			{"9c1b2a3d4e5f60718293a4b5c6d7e8f9", 689, 71, 0},
			{"4d3c2b1a0f9e8d7c6b5a493827160504", 208, 35, 0},
		},
	},

	// -------------------------------------------------------------------
	"06-openlit": {
		spans: map[string]func(c *logCheck){
			"cc00000000000001": func(c *logCheck) { // OpenLIT legacy
				c.absent("span_parent_id")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o-2024-08-06")
				c.meta("request_model", "gpt-4o")
				c.provider("openai")
				c.prompt(userMsg("How do I reset my password?"))
				c.completion(asstMsg("To reset your password, open Settings > Account > Password, click 'Reset', and follow the emailed link (valid for 30 minutes)."))
				c.tokens(38, 52, 90)
				c.num("cost", 0.000615)
				c.num("temperature", 1.0)
				c.num("top_p", 1.0)
				c.num("frequency_penalty", 0)
				c.num("presence_penalty", 0)
				c.absent("max_tokens")
				c.absent("stop")
				c.metaNoneOf("seed", "model_parameters/seed")
				c.absent("customer_identifier")
				c.boolv("stream", true)
				c.num("time_to_first_token", 0.3875)
				c.num("latency", 1.02)
				c.absent("span_workflow_name")
				c.absent("span_path")
				c.absent("thread_identifier")
				c.ok200()
				c.meta("environment", "production")
				c.metaOneOf("auto", "service_tier", "model_parameters/service_tier")
				c.meta("time_per_output_token", 0.0121)
				c.meta("sdk", "openlit 1.33.8")
				c.metaJSON("finish_reasons", `["stop"]`)
				c.meta("response_id", "chatcmpl-OL1t9z")
				c.meta("server.address", "api.openai.com")
			},
			"cc00000000000002": func(c *logCheck) { // OpenLIT current (Anthropic)
				c.absent("span_parent_id")
				c.str("log_type", "chat")
				c.str("model", "claude-sonnet-4-5-20250929")
				c.meta("request_model", "claude-sonnet-4-5")
				c.provider("anthropic")
				c.prompt(sysMsg("You are the FAQ assistant for Acme. Cite the policy section."), userMsg("What is your refund window?"))
				c.completion(asstMsg("Refunds are accepted within 30 days of delivery (Policy 4.2)."))
				c.finishReason("end_turn")
				c.tokens(1450, 210, 1660)
				c.intv("prompt_cache_hit_tokens", 1200)
				c.intv("prompt_cache_creation_tokens", 0)
				c.num("cost", 0.00426)
				c.num("temperature", 0.3)
				c.intv("max_tokens", 1024)
				c.boolv("stream", false)
				c.num("latency", 4.38)
				c.absent("span_workflow_name")
				c.absent("span_path")
				c.absent("customer_identifier")
				c.absent("thread_identifier")
				c.ok200()
				c.meta("response_id", "msg_01XFDUDYJgAACzvnptvVoYEL")
				c.meta("server.address", "api.anthropic.com")
			},
		},
		totals: []traceTotal{
			{"e1d2c3b4a5968778695a4b3c2d1e0f00", 38, 52, 0.000615},
			{"e1d2c3b4a5968778695a4b3c2d1e0f01", 1450, 210, 0.00426},
		},
	},

	// -------------------------------------------------------------------
	"09-errored-llm-call": {
		spans: map[string]func(c *logCheck){
			"f100000000000001": func(c *logCheck) { // answer_question.workflow (ERROR)
				c.common09()
				c.absent("span_parent_id")
				c.str("log_type", "workflow")
				c.absent("model")
				c.noUsage()
				c.jsonText("input", `{"args": ["Summarize our Q2 churn drivers"], "kwargs": {}}`)
				c.absent("output")
				c.intv("status_code", 429)
				c.contains("error_message", "RateLimitError: "+errmsg09)
				c.meta("exception.type", "openai.RateLimitError")
				c.metaPrefix("exception.stacktrace", "Traceback (most recent call last):")
				c.num("latency", 2.71)
			},
			"f100000000000002": func(c *logCheck) { // fetch_context.task (handled exception)
				c.common09()
				c.str("span_parent_id", "f100000000000001")
				c.str("log_type", "task")
				c.str("span_path", "fetch_context")
				c.noUsage()
				c.jsonText("input", `{"args": ["Q2 churn"], "kwargs": {}}`)
				c.jsonText("output", `{"source": "warehouse", "rows": 12, "cache": "miss"}`)
				c.ok200()
				c.contains("warnings", "exception recorded on non-error span: redis.exceptions.TimeoutError: Timeout reading from socket")
				c.num("latency", 1.245)
			},
			"f100000000000003": func(c *logCheck) { // chat gpt-4o (429)
				c.common09()
				c.str("span_parent_id", "f100000000000001")
				c.str("log_type", "chat")
				c.str("model", "gpt-4o")
				c.provider("openai")
				c.prompt(sysMsg("You are a churn analyst."), userMsg("Summarize our Q2 churn drivers using the rows provided."))
				c.absent("completion_message")
				c.absent("output")
				c.noUsage() // no usage on an errored call: never send zeros
				c.num("temperature", 0.3)
				c.intv("max_tokens", 300)
				c.intv("status_code", 429)
				c.contains("error_message", errmsg09)
				c.absent("warnings")
				c.meta("error.type", "RateLimitError")
				c.meta("exception.type", "openai.RateLimitError")
				c.meta("server.address", "api.openai.com")
				c.num("latency", 1.44)
			},
			"f100000000000004": func(c *logCheck) { // POST (httpx)
				c.common09()
				c.str("span_parent_id", "f100000000000003")
				c.str("log_type", "task")
				c.absent("model")
				c.noUsage()
				c.intv("status_code", 429)
				c.contains("error_message", "429")
				c.meta("url.full", "https://api.openai.com/v1/chat/completions")
				c.meta("http.request.method", "POST")
				c.num("latency", 1.415)
			},
		},
		totals: []traceTotal{{"a3f2c7e1b9d04e5f8a6b7c8d9e0f1a2b", 0, 0, 0}},
	},

	// -------------------------------------------------------------------
	"10-embedding-calls": {
		spans: map[string]func(c *logCheck){
			"0e00000000000001": func(c *logCheck) { // semconv embeddings
				c.absent("span_parent_id")
				c.str("log_type", "embedding")
				c.str("model", "text-embedding-3-small")
				c.provider("openai")
				c.absent("input")
				c.absent("output")
				c.absent("prompt_messages")
				c.absent("completion_message")
				c.tokens(42, -1, 42)
				c.meta("dimension_count", 1536)
				c.metaJSON("encoding_formats", `["float"]`)
				c.meta("server.address", "api.openai.com")
				c.absent("span_workflow_name")
				c.absent("customer_identifier")
				c.absent("thread_identifier")
				c.ok200()
				c.num("latency", 0.18)
			},
			"0e00000000000002": func(c *logCheck) { // OpenLLMetry embeddings
				c.absent("span_parent_id")
				c.str("log_type", "embedding")
				c.str("model", "text-embedding-ada-002-v2")
				c.meta("request_model", "text-embedding-ada-002")
				c.provider("openai")
				c.jsonText("input", `["The quick brown fox", "jumps over the lazy dog"]`)
				c.absent("prompt_messages")
				c.absent("completion_message")
				c.tokens(10, -1, 10)
				c.str("customer_identifier", "indexer-bot")
				c.boolv("stream", false)
				c.ok200()
				c.num("latency", 0.24)
			},
			"0e00000000000003": func(c *logCheck) { // ai.embedMany wrapper
				c.absent("span_parent_id")
				c.str("log_type", "workflow")
				c.str("model", "text-embedding-3-large")
				c.provider("openai")
				c.noUsage()
				c.aggUsage(map[string]float64{"tokens": 14})
				c.jsonText("input", `["Refund policy: 30 days.", "Shipping: 3-5 business days."]`)
				c.absent("output")
				c.meta("embedding_count", 2)
				c.str("span_workflow_name", "kb-indexer")
				c.ok200()
				c.num("latency", 0.31)
			},
			"0e00000000000004": func(c *logCheck) { // ai.embedMany.doEmbed
				c.str("span_parent_id", "0e00000000000003")
				c.str("log_type", "embedding")
				c.str("model", "text-embedding-3-large")
				c.provider("openai")
				c.jsonText("input", `["Refund policy: 30 days.", "Shipping: 3-5 business days."]`)
				c.absent("output")
				c.absent("prompt_messages")
				c.meta("embedding_count", 2)
				c.tokens(14, -1, 14)
				c.str("span_workflow_name", "kb-indexer")
				c.ok200()
				c.num("latency", 0.296)
			},
		},
		totals: []traceTotal{
			{"10000000000000000000000000000e01", 42, 0, 0},
			{"10000000000000000000000000000e02", 10, 0, 0},
			{"10000000000000000000000000000e03", 14, 0, 0},
		},
	},
}

// Trace-wide expectations stated once in a .md.

func (c *logCheck) common03() {
	c.t.Helper()
	c.str("customer_identifier", "u_9921")
	c.str("thread_identifier", "sess_2f8a")
	c.meta("tenant", "acme")
	c.str("span_workflow_name", "plan_trip")
	c.ok200()
}

func (c *logCheck) common04() {
	c.t.Helper()
	c.str("customer_identifier", "user-7731")
	c.str("thread_identifier", "thread-44c1")
	c.meta("tenant", "acme")
	c.meta("app_version", "2.4.1")
	c.metaJSON("tags", `["docs","prod"]`)
	c.str("span_workflow_name", "RetrievalQA")
	c.absent("span_path")
	c.ok200()
}

func (c *logCheck) common05a() {
	c.t.Helper()
	c.str("customer_identifier", "user_5521")
	c.str("thread_identifier", "sess_b71")
	c.meta("plan", "pro")
	c.str("span_workflow_name", "support-chat")
	c.absent("span_path")
	c.ok200()
}

func (c *logCheck) common09() {
	c.t.Helper()
	c.str("span_workflow_name", "answer_question")
	c.str("customer_identifier", "u_314")
	c.str("thread_identifier", "s_9c2")
}
