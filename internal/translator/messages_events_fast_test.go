// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// blockSeeds are content strings on both sides of the content reader's
// edge (messages_fast_content.go): Converse blocks, typed parts, tool
// results of text/json blocks, and the shapes that must still take the
// general way.
var blockSeeds = []string{
	`[{"text":"hi"}]`,
	` [{"text":"a"},{"text":"b \"q\" \u00e9"}] `,
	"\u00a0" + `[{"text":"nbsp"}]`,
	`[{"text":""},{"text":"x"}]`,
	`[{"text":"a","thought":true}]`,
	`[{"text":1}]`,
	`[{"text":null}]`,
	`[{"text":"a","text":"b"}]`,
	`[{"toolUse":{"toolUseId":"t1","name":"f","input":{"b":1,"a":[2,1e400]}}}]`,
	`[{"text":"Let me look."},{"toolUse":{"toolUseId":"t1","name":"f","input":{}}}]`,
	`[{"toolUse":{"toolUseId":"t1","name":"f","function":{"name":"g"}}}]`,
	`[{"toolUse":{"toolUseId":"t1","id":"t2","name":"f"}}]`,
	`[{"toolUse":"x"}]`,
	`[{"toolUse":{"name":7}}]`,
	`[{"toolResult":{"toolUseId":"t1","status":"success","content":[{"text":"ok"}]}}]`,
	`[{"toolResult":{"toolUseId":"t1","content":[{"json":{"b":1,"a":"\u00e9"}},{"text":"b"}]}}]`,
	`[{"toolResult":{"id":"t1","content":"as a string"}}]`,
	`[{"toolResult":{"toolUseId":"","id":"t2","content":null}}]`,
	`[{"toolResult":{"toolUseId":"t1","toolUseId":"t2"}}]`,
	`[{"toolResult":{"toolUseId":7}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"text":"a","json":{"b":1}},{"json":null},{"json":"s"},{"json":2.50}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"text":"a"},{"other":1}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"text":{"x":1}}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"text":"a","text":"b"}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"json":1,"json":2}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":["s",{"text":"a"}]}}]`,
	`[{"toolResult":{"toolUseId":"t","content":[{"text":"` + strings.Repeat("x", 300) + `"},{"text":"` + strings.Repeat("y", 300) + `"},{"text":"z"}]}}]`,
	`[{"toolResult":"x"}]`,
	`[{"json":{"a":[1,2],"b":{"c":null}}}]`,
	`[{"json":[1]}]`,
	`[{"json":"s"}]`,
	`[{"json":null}]`,
	`[{"json":1e400}]`,
	`[{"type":"text","text":"typed"},{"text":"block"}]`,
	`[{"type":"toolCall","id":"c","name":"f"}]`,
	`[{"type":"ToolResult","id":"c","content":"x"}]`,
	`[{"type":"tool_use","id":"c","name":"f","input":{"q":1}}]`,
	`[{"type":"tool_result","tool_use_id":"c","content":[{"type":"text","text":"r"}]}]`,
	`[{"type":"image","source":{}}]`,
	`[{"image":{"format":"png","source":{"bytes":"AAAA"}}}]`,
	`[{"cachePoint":{}}]`,
	`[]`, `[ ]`, `[1]`, `["s"]`, `[{}]`, `[{"text":"a"}`, `[{"text":"a"}] x`, `[{"text":"a"},]`,
	`[{"role":"user","content":"x"}]`,
	`[{"text":"` + strings.Repeat(`\"`, 400) + `"}]`,
	`[{"text":"bad` + "\xff" + `utf8"}]`,
	`[{"text":"\ud800"}]`,
	`[{"toolResult":{"toolUseId":"t","content":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}]`,
	`[{"json":` + strings.Repeat(`{"a":`, 60) + `1` + strings.Repeat("}", 60) + `}]`,
	`{"text":"an object, not a list"}`,
	`plain text`,
	`[not json`,
}

func quoteJSON(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFastContentMatchGeneral: content strings read by the content
// reader give what decoding them gave, in a message (fromMessageMap's
// content) and in a tool result's content.
func TestFastContentMatchGeneral(t *testing.T) {
	for _, s := range blockSeeds {
		checkFastContent(t, s)
	}
}

func checkFastContent(t *testing.T, s string) {
	t.Helper()
	q := quoteJSON(t, s)
	for _, list := range []string{
		`[{"role":"user","content":` + q + `}]`,
		`[{"role":"assistant","content":` + q + `,"finish_reason":"stop"}]`,
		`[{"role":"tool","tool_call_id":"c","content":` + q + `}]`,
		`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":` + q + `}]}]`,
	} {
		for _, def := range []string{"user", "assistant"} {
			if fast, general := convertBoth(t, list, def); fast != general {
				t.Fatalf("content %q in %s (%s):\nfast:    %s\ngeneral: %s", s, list, def, fast, general)
			}
		}
	}
	// As a tool result's value itself (fastResult's block lists).
	if strings.HasPrefix(strings.TrimSpace(s), "[") && json.Valid([]byte(s)) {
		list := `[{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":` + s + `}]}]`
		if fast, general := convertBoth(t, list, "user"); fast != general {
			t.Fatalf("result %q:\nfast:    %s\ngeneral: %s", s, fast, general)
		}
	}
}

func FuzzFastContent(f *testing.F) {
	for _, s := range blockSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFastContent(t, s)
	})
}

// eventBodies are event bodies, as attributes (key=value pairs of string
// attributes, with a few of other types) or gen_ai.event.content.
type eventCase struct {
	name  string
	attrs map[string]any
}

func eventCases(t testing.TB) []eventCase {
	var out []eventCase
	names := []string{"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message", "gen_ai.choice"}
	for _, s := range blockSeeds {
		for _, n := range names {
			out = append(out,
				eventCase{n, map[string]any{"content": s}},
				eventCase{n, map[string]any{"message": s, "finish_reason": "end_turn"}},
				eventCase{n, map[string]any{"message": s, "id": "call_1", "tool.result": s}},
				eventCase{n, map[string]any{"gen_ai.event.content": `{"role":"assistant","content":` + quoteJSON(t, s) + `}`}},
				eventCase{n, map[string]any{"gen_ai.event.content": `{"finish_reason":"stop","index":0,"message":{"content":` + quoteJSON(t, s) + `}}`}},
			)
		}
	}
	bodies := []map[string]any{
		{"content": "plain", "role": "tool", "id": "call_9"},
		{"content": "plain", "role": "critic"},
		{"content": "plain", "role": "Assistant", "name": "bob"},
		{"content": "plain", "role": 7},
		{"content": 7},
		{"content": "", "message": "fallback"},
		{"message": "only message", "finishReason": "length"},
		{"message": "both", "finish_reason": "stop", "finishReason": "length"},
		{"content": "x", "tool_calls": `[{"id":"c","function":{"name":"f","arguments":"{}"}}]`},
		{"content": "x", "reasoning": "r"},
		{"content": "x", "stop_reason": "end"},
		{"content": "x", "tool.result": map[string]any{"a": 1}},
		{"content": "   "},
		{"index": int64(1), "message": "second"},
		{"gen_ai.system": "aws.bedrock", "content": `[{"text":"sys"}]`},
		{"gen_ai.event.content": `{"role":"user","content":"What is 17% of 240?"}`},
		{"gen_ai.event.content": ` {"role":"tool","content":"40.8","id":"call_calc_01"} `},
		{"gen_ai.event.content": "\u00a0" + `{"role":"user","content":"nbsp"}`},
		{"gen_ai.event.content": `{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}`},
		{"gen_ai.event.content": `{"finish_reason":"stop","index":0,"message":{"role":"critic","content":"c"}}`},
		{"gen_ai.event.content": `{"finish_reason":"stop","message":{}}`},
		{"gen_ai.event.content": `{"finish_reason":"stop","message":{"role":"assistant"}}`},
		{"gen_ai.event.content": `{"finish_reason":null,"message":"m"}`},
		{"gen_ai.event.content": `{"message":"m","message":"n"}`},
		{"gen_ai.event.content": `{"content":null}`},
		{"gen_ai.event.content": `{"role":"user","content":"a"} trailing`},
		{"gen_ai.event.content": `{"role":"user","content":"a"`},
		{"gen_ai.event.content": `"{\"role\":\"user\",\"content\":\"double\"}"`},
		{"gen_ai.event.content": `[{"role":"user","content":"list"}]`},
		{"gen_ai.event.content": `not json`},
		{"gen_ai.event.content": `{"role":"user","content":"x","gen_ai.system":"s","extra":{"deep":[1]}}`},
		{"gen_ai.event.content": map[string]any{"role": "user", "content": "a map"}},
		{},
	}
	for _, body := range bodies {
		for _, n := range names {
			out = append(out, eventCase{n, body})
		}
	}
	return out
}

// fixtureSpans returns the spans of the fixtures testdata/fixtures/NAME.json
// (NAME a glob; the .expected.json expectations are left out).
func fixtureSpans(t testing.TB, name string) []ptrace.Span {
	t.Helper()
	files, err := filepath.Glob("testdata/fixtures/" + name + ".json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture %s: %v", name, err)
	}
	var spans []ptrace.Span
	for _, f := range files {
		if strings.HasSuffix(f, ".expected.json") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, span := range ss.Spans().All() {
					spans = append(spans, span)
				}
			}
		}
	}
	return spans
}

func putAny(m pcommon.Map, k string, v any) {
	switch x := v.(type) {
	case string:
		m.PutStr(k, x)
	case int:
		m.PutInt(k, int64(x))
	case int64:
		m.PutInt(k, x)
	case map[string]any:
		if err := m.PutEmptyMap(k).FromRaw(x); err != nil {
			panic(err)
		}
	}
}

// eventsBoth converts span's event messages, both sides, with and without
// the fast path, and describes everything left behind.
func eventsBoth(span ptrace.Span) (fast, general string) {
	return fastAndGeneral(func() string {
		var out string
		for _, v := range spanViews(span) {
			out += "\ninput " + string(appendMessages(nil, eventMessages(v, true)))
			out += "\noutput " + string(appendMessages(nil, eventMessages(v, false)))
			out += viewState(v)
		}
		return out
	})
}

// TestFastEventsMatchGeneral: span-event messages read by the fast path
// give what the general path's maps gave: each case alone, all cases of
// one body together, and every fixture span with events.
func TestFastEventsMatchGeneral(t *testing.T) {
	cases := eventCases(t)
	check := func(span ptrace.Span, what string) {
		t.Helper()
		if fast, general := eventsBoth(span); fast != general {
			t.Fatalf("%s:\nfast:    %s\ngeneral: %s", what, fast, general)
		}
	}
	for _, c := range cases {
		span := ptrace.NewSpan()
		ev := span.Events().AppendEmpty()
		ev.SetName(c.name)
		for k, v := range c.attrs {
			putAny(ev.Attributes(), k, v)
		}
		check(span, fmt.Sprintf("%s %q", c.name, c.attrs))
	}
	// A conversation: every name with one body, in order.
	for i := 0; i+5 <= len(cases); i += 5 {
		span := ptrace.NewSpan()
		for _, c := range cases[i : i+5] {
			ev := span.Events().AppendEmpty()
			ev.SetName(c.name)
			for k, v := range c.attrs {
				putAny(ev.Attributes(), k, v)
			}
		}
		check(span, fmt.Sprintf("conversation of cases %d-%d", i, i+4))
	}
	n, taken, all := 0, 0, 0
	for _, span := range fixtureSpans(t, "*") {
		if span.Events().Len() > 0 {
			n++
			check(span, "fixture span "+span.Name())
			taken, all = countFastEvents(span, taken, all)
		}
	}
	if n == 0 {
		t.Fatal("no fixture span with events")
	}
	// The fixtures' message events are the shapes the fast path is for.
	t.Logf("fast path read %d of %d fixture message events", taken, all)
	if taken < all*3/4 {
		t.Errorf("fast path read only %d of %d fixture message events", taken, all)
	}
}

// countFastEvents adds to taken the message events of span the fast path
// reads, and to all every message event.
func countFastEvents(span ptrace.Span, taken, all int) (int, int) {
	opts := DefaultOptions()
	v := newSpanView(&opts)
	v.reset(span, "s", pcommon.NewMap(), false)
	for _, ev := range span.Events().All() {
		c := newMsgConv(v)
		ok := false
		switch role := eventRole(ev.Name()); {
		case role != "":
			_, ok = c.fastInputEvent(nil, ev, role)
		case ev.Name() == evChoice:
			_, ok = c.fastChoiceEvent(nil, ev)
		default:
			continue
		}
		all++
		if ok {
			taken++
		}
	}
	return taken, all
}

// TestContentEventsMatchGeneral: v1.26 gen_ai.content.prompt and
// .completion values (promptValue, completionValue) read by the fast
// message reader give what their trees gave.
func TestContentEventsMatchGeneral(t *testing.T) {
	for _, s := range append(append([]string(nil), fastSeeds...), blockSeeds...) {
		checkContentEvents(t, s)
	}
}

func checkContentEvents(t *testing.T, s string) {
	t.Helper()
	span := ptrace.NewSpan()
	for _, kv := range [][2]string{{evContentPrompt, genai.Prompt}, {evContentComplete, genai.Completion}} {
		ev := span.Events().AppendEmpty()
		ev.SetName(kv[0])
		ev.Attributes().PutStr(kv[1], s)
	}
	if fast, general := eventsBoth(span); fast != general {
		t.Fatalf("content events of %q:\nfast:    %s\ngeneral: %s", s, fast, general)
	}
}

func FuzzContentEvents(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(checkContentEvents)
}

func FuzzFastEvents(f *testing.F) {
	names := []string{"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message", "gen_ai.choice"}
	for _, c := range eventCases(f) {
		s, _ := c.attrs["content"].(string)
		m, _ := c.attrs["message"].(string)
		ec, _ := c.attrs["gen_ai.event.content"].(string)
		for i, n := range names {
			if n == c.name {
				f.Add(uint8(i), s, m, ec)
			}
		}
	}
	f.Fuzz(func(t *testing.T, name uint8, content, message, eventContent string) {
		span := ptrace.NewSpan()
		ev := span.Events().AppendEmpty()
		ev.SetName(names[int(name)%len(names)])
		if content != "" {
			ev.Attributes().PutStr("content", content)
		}
		if message != "" {
			ev.Attributes().PutStr("message", message)
			ev.Attributes().PutStr("finish_reason", "stop")
		}
		if eventContent != "" {
			ev.Attributes().PutStr("gen_ai.event.content", eventContent)
		}
		// A second event of the other side, so both paths meet twice.
		ev2 := span.Events().AppendEmpty()
		ev2.SetName(names[(int(name)+4)%len(names)])
		ev2.Attributes().PutStr("content", content)
		if fast, general := eventsBoth(span); fast != general {
			t.Fatalf("fast:    %s\ngeneral: %s", fast, general)
		}
	})
}

// TestLangfuseInputMatchGeneral: langfuse.observation.input read without
// its tree (a message list, or an object's messages member) gives the
// messages, consumed attribute and tools its tree gave.
func TestLangfuseInputMatchGeneral(t *testing.T) {
	inputs := langfuseInputs(fastSeeds)
	n := 0
	for _, span := range fixtureSpans(t, "11-langfuse-sdk") {
		if val, ok := span.Attributes().Get("langfuse.observation.input"); ok {
			inputs = append(inputs, val.Str())
			n++
		}
	}
	if n == 0 {
		t.Fatal("no langfuse.observation.input in the Langfuse fixture")
	}
	for _, s := range inputs {
		checkLangfuseInput(t, s)
	}
}

func langfuseInputs(lists []string) []string {
	out := []string{`{}`, `{"messages":{}}`, `{"messages":"[]"}`, `{"tools":[{"type":"function"}]}`, `{"messages":[],"messages":[{"role":"user","content":"last"}]}`,
		`{"messages":[{"role":"user","content":"a"}]`, `"{\"messages\":[]}"`, `[{"role":"user","content":"a"}]` + "\u00a0", " \n[]\t", `null`}
	for _, l := range lists {
		out = append(out, l, `{"messages":`+l+`,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			`{"model":"m","messages":`+l+`}`)
	}
	return out
}

// langfuseBoth converts a span whose attribute key holds s with convert,
// with and without the fast path, and describes what each left behind.
func langfuseBoth(key, s string, convert func(c *msgConv) []Message) (fast, general string) {
	return fastAndGeneral(func() string {
		span := ptrace.NewSpan()
		span.Attributes().PutStr(key, s)
		var out string
		for _, v := range spanViews(span) {
			c := newMsgConv(v)
			out += "\nmessages " + string(appendMessages(nil, convert(c)))
			c.flushFinish()
			out += fmt.Sprintf("\nconsumed %v", v.isConsumedKey(key))
			out += viewState(v)
		}
		return out
	})
}

func checkLangfuseInput(t *testing.T, s string) {
	t.Helper()
	if fast, general := langfuseBoth("langfuse.observation.input", s, (*msgConv).langfusePrompt); fast != general {
		t.Fatalf("langfuse input %q:\nfast:    %s\ngeneral: %s", s, fast, general)
	}
	// The tools member alone, against the whole tree's.
	span := ptrace.NewSpan()
	span.Attributes().PutStr("langfuse.observation.input", s)
	opts := DefaultOptions()
	v := newSpanView(&opts)
	v.reset(span, "s", pcommon.NewMap(), false)
	var want any
	if m, ok := structured(pcommon.NewValueStr(s)).(map[string]any); ok {
		want = m["tools"]
	}
	if got := langfuseTools(v); marshalAny(got) != marshalAny(want) {
		t.Fatalf("langfuse tools of %q: %s, want %s", s, marshalAny(got), marshalAny(want))
	}
}

func FuzzLangfuseInput(f *testing.F) {
	for _, s := range langfuseInputs(fastSeeds[:10]) {
		f.Add(s)
	}
	f.Fuzz(checkLangfuseInput)
}

// TestEventIndexMatchesTree: the index of a gen_ai.event.content object,
// read as its one member, is the index of the object's tree.
func TestEventIndexMatchesTree(t *testing.T) {
	for _, s := range []string{
		`{"index":2,"message":{"content":"x"}}`, `{"index":-1}`, `{"index":1.5}`, `{"index":"3"}`, `{"index":null}`,
		`{"index":1,"index":4}`, `{"index":1`, `{"message":"no \"index\" member"}`, ` {"index":7} `, `{"index":1e400}`,
		`"{\"index\":5}"`, `[{"index":1}]`, `{"a":{"index":9}}`,
	} {
		ev := ptrace.NewSpanEvent()
		ev.Attributes().PutStr("gen_ai.event.content", s)
		var want int64 // as eventIndex read it before: the tree, after the same cheap look
		if m, ok := decodeMaybeJSON(s).(map[string]any); ok && strings.Contains(s, `"index"`) {
			if n, ok := anyInt(m["index"]); ok {
				want = n
			}
		}
		if got := eventIndex(ev); got != want {
			t.Errorf("eventIndex(%s) = %d, want %d", s, got, want)
		}
	}
}

// TestTextBlocksMatchTree: a tool span's choice-event output read without
// its tree (textBlocksOf) is what textBlocks made of the tree.
func TestTextBlocksMatchTree(t *testing.T) {
	seeds := append(append([]string(nil), blockSeeds...),
		`[{"text":1,"text":"later"}]`, `[{"text":"a","text":1}]`, `[{"text":"a"},{"text":"b","x":1}]`, `[{"x":1}]`,
		`[{"text":"a"},{"text":"b"}]`+"\u00a0", `"[{\"text\":\"double\"}]"`, `{"text":"object"}`, `[{"text":"a"}] `, `[{"text":"a"},{}]`)
	for _, s := range seeds {
		checkTextBlocks(t, s)
	}
}

func checkTextBlocks(t *testing.T, s string) {
	t.Helper()
	opts := DefaultOptions()
	v := newSpanView(&opts)
	v.reset(ptrace.NewSpan(), "s", pcommon.NewMap(), false)
	val := pcommon.NewValueStr(s)
	got, gotOK := v.textBlocksOf(val)
	want, wantOK := textBlocks(structured(val))
	if got != want || gotOK != wantOK {
		t.Fatalf("text blocks of %q: %q %v, want %q %v", s, got, gotOK, want, wantOK)
	}
}

func FuzzTextBlocks(f *testing.F) {
	for _, s := range blockSeeds {
		f.Add(s)
	}
	f.Fuzz(checkTextBlocks)
}

// TestFastReadersReleased: a view going back to the pool keeps nothing of
// the batch in its fast readers' buffers.
func TestFastReadersReleased(t *testing.T) {
	tr := New(DefaultOptions())
	span := ptrace.NewSpan()
	opts := DefaultOptions()
	v := newSpanView(&opts)
	v.reset(span, "s", pcommon.NewMap(), false)
	c := newMsgConv(v)
	b := &msgBuilder{role: "user"}
	if !c.fastContent(b, `[{"text":"secret"},{"toolResult":{"toolUseId":"t","content":[{"text":"a"},{"text":"b"}]}}]`, 2) {
		t.Fatal("content not read by the fast path")
	}
	if _, ok := c.fastMessages(`[{"role":"user","content":"hello"}]`, "user", -1); !ok {
		t.Fatal("messages not read by the fast path")
	}
	tr.putView(v)
	for _, r := range []*fastReader{&v.fast, &v.fastContent} {
		for _, p := range r.parts[:cap(r.parts)] {
			if p.text != "" || p.id != "" || p.raw != "" {
				t.Errorf("a released reader still holds a part: %+v", p)
			}
		}
		for _, m := range r.msgs[:cap(r.msgs)] {
			if m.text != "" || m.role != "" {
				t.Errorf("a released reader still holds a message: %+v", m)
			}
		}
		for _, bl := range r.blocks[:cap(r.blocks)] {
			if bl.text != "" {
				t.Errorf("a released reader still holds a block: %+v", bl)
			}
		}
	}
}

// TestLangfuseOutputMatchGeneral: langfuse.observation.output read
// without its tree (a message list, or one message object) gives the
// messages and consumed attribute its tree gave.
func TestLangfuseOutputMatchGeneral(t *testing.T) {
	outputs := []string{`{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_7Q","type":"function","function":{"name":"lookup_order","arguments":"{\"order_id\":\"A-1042\"}"}}]}`,
		`{"role":"assistant","content":"plain"} `, `{"content":"no role"}`, `{"role":"assistant","content":"a"`, `"{\"role\":\"assistant\"}"`,
		`plain text`, `  `, `{}`, `{"role":"critic","content":"c","annotations":[],"audio":null}`}
	outputs = append(outputs, fastSeeds...)
	for _, s := range fastSeeds {
		// Each message of the seeds as an object of its own.
		var list []json.RawMessage
		if json.Unmarshal([]byte(s), &list) == nil {
			for _, m := range list {
				outputs = append(outputs, string(m))
			}
		}
	}
	for _, span := range fixtureSpans(t, "11-langfuse-sdk") {
		if val, ok := span.Attributes().Get("langfuse.observation.output"); ok {
			outputs = append(outputs, val.Str())
		}
	}
	for _, s := range outputs {
		checkLangfuseOutput(t, s)
	}
}

func checkLangfuseOutput(t *testing.T, s string) {
	t.Helper()
	if fast, general := langfuseBoth("langfuse.observation.output", s, (*msgConv).langfuseCompletion); fast != general {
		t.Fatalf("langfuse output %q:\nfast:    %s\ngeneral: %s", s, fast, general)
	}
}

func FuzzLangfuseOutput(f *testing.F) {
	for _, s := range fastSeeds[:20] {
		f.Add(s)
	}
	f.Add(`{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]}`)
	f.Fuzz(checkLangfuseOutput)
}
