// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ---- helpers (prefixed mt to stay clear of other test files) ----

type mtEv struct {
	name  string
	t     uint64
	attrs map[string]any
}

func mtView(t testing.TB, opts *Options, attrs map[string]any, evs ...mtEv) *spanView {
	t.Helper()
	span := ptrace.NewSpan()
	if err := span.Attributes().FromRaw(attrs); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		ev := span.Events().AppendEmpty()
		ev.SetName(e.name)
		ev.SetTimestamp(pcommon.Timestamp(e.t))
		if err := ev.Attributes().FromRaw(e.attrs); err != nil {
			t.Fatal(err)
		}
	}
	if opts == nil {
		o := DefaultOptions()
		opts = &o
	}
	v := newSpanView(opts)
	v.reset(span, "test.scope", pcommon.NewMap(), false)
	return v
}

// mtNorm makes encoded messages comparable: tool-call "type" dropped,
// JSON arguments and JSON tool-message contents decoded.
func mtNorm(x any) any {
	list, _ := x.([]any)
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if tcs, ok := m["tool_calls"].([]any); ok {
			for _, tc := range tcs {
				tm := tc.(map[string]any)
				delete(tm, "type")
				if f, ok := tm["function"].(map[string]any); ok {
					if s, ok := f["arguments"].(string); ok && json.Valid([]byte(s)) {
						var d any
						_ = json.Unmarshal([]byte(s), &d)
						f["arguments"] = d
					}
				}
			}
		}
		if m["role"] == "tool" {
			if s, ok := m["content"].(string); ok && looksLikeJSONContainer(s) && json.Valid([]byte(s)) {
				var d any
				_ = json.Unmarshal([]byte(s), &d)
				m["content"] = d
			}
		}
	}
	return list
}

func mtEncode(t testing.TB, msgs []Message) []byte {
	t.Helper()
	raw := appendMessages(nil, msgs)
	if !json.Valid(raw) {
		t.Fatalf("messages encode to invalid JSON: %s", raw)
	}
	return raw
}

func mtCheck(t testing.TB, label string, got []Message, want string) {
	t.Helper()
	raw := mtEncode(t, got)
	var g, w any
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if want == "" {
		if len(got) != 0 {
			t.Errorf("%s: want no messages, got %s", label, raw)
		}
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want JSON: %v", label, err)
	}
	if !reflect.DeepEqual(mtNorm(g), mtNorm(w)) {
		t.Errorf("%s:\n got %s\nwant %s", label, raw, want)
	}
}

func mtHasWarning(v *spanView, sub string) bool {
	for _, w := range v.warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// ---- fixtures ----

func mtFixtureViews(t *testing.T, file string) map[string]*spanView {
	t.Helper()
	path := filepath.Join("testdata", "fixtures", file)
	data, err := os.ReadFile(path)
	if err != nil {
		path = filepath.Join("/work/shared/fixtures", file)
		if data, err = os.ReadFile(path); err != nil {
			t.Skipf("fixture %s not available: %v", file, err)
		}
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*spanView{}
	opts := DefaultOptions()
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				sp := ss.Spans().At(k)
				v := newSpanView(&opts)
				v.reset(sp, ss.Scope().Name(), rs.Resource().Attributes(), sp.ParentSpanID().IsEmpty())
				out[sp.SpanID().String()] = v
			}
		}
	}
	return out
}

type mtFixtureCase struct {
	file, span       string
	prompt, complete string // JSON; "-" = don't check
	tools            string // JSON; "-" = don't check, "" = none
	toolChoice       any    // nil = expect none; "-" = don't check
	finish           []any  // nil = don't check
}

func TestMessagesFixtures(t *testing.T) {
	const (
		sys01   = `{"role":"system","content":"You are TravelPlanner. Use tools for live data. Answer in two sentences."}`
		user01  = `{"role":"user","content":"What's the weather in Paris tomorrow? Should I pack an umbrella?"}`
		tc01    = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_VSPygqKTWdrhaFErNvMV18Yl","function":{"name":"get_weather","arguments":{"location":"Paris, FR","date":"2026-08-21"}}}]}`
		strQ    = `{"role":"user","content":"Will it snow in Denver this weekend?"}`
		strTC   = `{"role":"assistant","content":null,"tool_calls":[{"id":"tooluse_Q2tq8wXyRk6fV3bN","function":{"name":"get_forecast","arguments":{"city":"Denver","days":2}}}]}`
		strTool = `{"role":"tool","tool_call_id":"tooluse_Q2tq8wXyRk6fV3bN","content":"Sat: snow 70%, 5-10cm; Sun: clear, -2/6C"}`
		tlSys   = `{"role":"system","content":"You are a travel planner. Always check the weather before planning."}`
		tlUser  = `{"role":"user","content":"Plan 3 days in Lisbon; check the weather first."}`
		tlTC    = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_7QvN0bq3ZsK1mXn2","function":{"name":"get_weather","arguments":{"city":"Lisbon","days":3}}}]}`
		oiSys   = `{"role":"system","content":"Answer using only the provided context. Call tools for UI paths."}`
		oiUser  = `{"role":"user","content":"Context:\nAPI keys can be rotated from Settings > Security > API keys. Create a new key, update clients, then revoke the old key.\nRevoked keys stop working immediately; there is no grace period.\n\nQuestion: How do I rotate an API key?"}`
		oiTC    = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_kP4sT9vX2mQ7","function":{"name":"lookup_setting_path","arguments":{"setting":"api_keys"}}}]}`
		oiTools = `[{"type":"function","function":{"name":"lookup_setting_path","description":"Return the UI path for a setting","parameters":{"type":"object","properties":{"setting":{"type":"string"}},"required":["setting"]}}}]`
		aiSys   = `{"role":"system","content":"You are a support bot for Acme."}`
		aiUser  = `{"role":"user","content":"My order #1182 hasn't arrived."}`
		aiTC    = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_Xq2LmN8pR4","function":{"name":"lookupOrder","arguments":{"orderId":"1182"}}}]}`
		aiTools = `[{"type":"function","function":{"name":"lookupOrder","description":"Look up an order by id","parameters":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}}}]`
		v7User  = `{"role":"user","content":"Can I change the shipping address on order #1190?"}`
		v7Out   = `{"role":"assistant","content":"Yes, as long as it hasn't shipped: open the order, choose 'Edit address', and save."}`
	)
	cases := []mtFixtureCase{
		{file: "01-otel-genai-semconv-latest.json", span: "2b3c4d5e6f708192",
			prompt: "[" + sys01 + "," + user01 + "]", complete: "[" + tc01 + "]",
			tools:      `[{"type":"function","function":{"name":"get_weather","description":"Get the weather forecast for a city and date","parameters":{"type":"object","properties":{"location":{"type":"string"},"date":{"type":"string","format":"date"}},"required":["location","date"]}}}]`,
			toolChoice: nil, finish: []any{"tool_call"}},
		{file: "01-otel-genai-semconv-latest.json", span: "4d5e6f708192a3b4",
			prompt:   "[" + sys01 + "," + user01 + "," + tc01 + `,{"role":"tool","tool_call_id":"call_VSPygqKTWdrhaFErNvMV18Yl","content":{"forecast":"light rain","temp_c_min":14,"temp_c_max":18,"precip_prob":0.8}}]`,
			complete: `[{"role":"assistant","content":"Tomorrow Paris expects light rain with 14-18°C. Yes, pack an umbrella."}]`,
			tools:    "", toolChoice: nil, finish: []any{"stop"}},
		{file: "01-otel-genai-semconv-latest.json", span: "1a2b3c4d5e6f7081",
			prompt:   "[" + user01 + "]",
			complete: `[{"role":"assistant","content":"Tomorrow Paris expects light rain with 14-18°C. Yes, pack an umbrella."}]`, tools: "-", toolChoice: "-"},
		{file: "02-otel-genai-events-legacy.json", span: "a100000000000003",
			prompt: "[" + strQ + "]", complete: "[" + strTC + "]", tools: "", toolChoice: nil, finish: []any{"tool_use"}},
		{file: "02-otel-genai-events-legacy.json", span: "a100000000000006",
			prompt:   "[" + strQ + "," + strTC + "," + strTool + "]",
			complete: `[{"role":"assistant","content":"Yes - expect snow on Saturday (70% chance, 5-10 cm) and clearing skies on Sunday."}]`,
			tools:    "", toolChoice: nil, finish: []any{"end_turn"}},
		{file: "02-otel-genai-events-legacy.json", span: "a100000000000001",
			prompt:   "[" + strQ + "]",
			complete: `[{"role":"assistant","content":"Yes - expect snow on Saturday (70% chance, 5-10 cm) and clearing skies on Sunday.\n"}]`,
			tools:    `[{"type":"function","function":{"name":"get_forecast"}}]`, toolChoice: nil},
		{file: "02-otel-genai-events-legacy.json", span: "b200000000000001",
			prompt: `[{"role":"system","content":"You are a helpful math assistant."},{"role":"user","content":"What is 17% of 240?"},` +
				`{"role":"assistant","content":null,"tool_calls":[{"id":"call_calc_01","function":{"name":"calculator","arguments":{"expression":"0.17*240"}}}]},` +
				`{"role":"tool","tool_call_id":"call_calc_01","content":"40.8"}]`,
			complete: `[{"role":"assistant","content":"17% of 240 is 40.8."}]`, tools: "", toolChoice: nil, finish: []any{"stop"}},
		{file: "02-otel-genai-events-legacy.json", span: "c300000000000001",
			prompt:   `[{"role":"system","content":"Reply in French."},{"role":"user","content":"Say hello"}]`,
			complete: `[{"role":"assistant","content":"Bonjour !"}]`, tools: "", toolChoice: nil},
		{file: "03-openllmetry-workflow.json", span: "d2e1b0a9f8c7d6e5",
			prompt: "[" + tlSys + "," + tlUser + "]", complete: "[" + tlTC + "]",
			tools:      `[{"type":"function","function":{"name":"get_weather","description":"Get a multi-day forecast for a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}}]`,
			toolChoice: nil, finish: []any{"tool_calls"}},
		{file: "03-openllmetry-workflow.json", span: "f4a3d2c1b0e9f8a7",
			prompt:   "[" + tlSys + "," + tlUser + "," + tlTC + `,{"role":"tool","tool_call_id":"call_7QvN0bq3ZsK1mXn2","content":"[{\"day\": 1, \"summary\": \"sunny\", \"high_c\": 27}, {\"day\": 2, \"summary\": \"partly cloudy\", \"high_c\": 25}, {\"day\": 3, \"summary\": \"showers\", \"high_c\": 22}]"}]`,
			complete: `[{"role":"assistant","content":"Day 1: Alfama walk and Tram 28 (sunny). Day 2: Belem and LX Factory. Day 3: Gulbenkian museum (showers expected)."}]`,
			tools:    "-", toolChoice: nil, finish: []any{"stop"}},
		{file: "04-openinference.json", span: "3132333435363738",
			prompt: "[" + oiSys + "," + oiUser + "]", complete: "[" + oiTC + "]", tools: oiTools, toolChoice: "auto"},
		{file: "04-openinference.json", span: "5152535455565758",
			prompt:   "[" + oiSys + "," + oiUser + "," + oiTC + `,{"role":"tool","tool_call_id":"call_kP4sT9vX2mQ7","name":"lookup_setting_path","content":"Settings > Security > API keys"}]`,
			complete: `[{"role":"assistant","content":"Go to Settings > Security > API keys, create a new key, switch your clients to it, then revoke the old key (revocation is immediate)."}]`,
			tools:    oiTools, toolChoice: "auto"},
		{file: "05-vercel-ai-sdk.json", span: "aa00000000000002",
			prompt: "[" + aiSys + "," + aiUser + "]", complete: "[" + aiTC + "]", tools: aiTools, toolChoice: "auto", finish: []any{"tool-calls"}},
		{file: "05-vercel-ai-sdk.json", span: "aa00000000000004",
			prompt:   "[" + aiSys + "," + aiUser + "," + aiTC + `,{"role":"tool","tool_call_id":"call_Xq2LmN8pR4","content":{"status":"in_transit","carrier":"UPS","eta":"2026-08-23"}}]`,
			complete: `[{"role":"assistant","content":"I checked order #1182: it's in transit with UPS and should arrive by Aug 23."}]`,
			tools:    aiTools, toolChoice: "auto", finish: []any{"stop"}},
		{file: "05-vercel-ai-sdk.json", span: "aa00000000000001",
			prompt:   "[" + aiSys + "," + aiUser + "]",
			complete: `[{"role":"assistant","content":"I checked order #1182: it's in transit with UPS and should arrive by Aug 23."}]`, tools: "", toolChoice: nil},
		{file: "05-vercel-ai-sdk.json", span: "bb00000000000003",
			prompt: "[" + aiSys + "," + v7User + "]", complete: "[" + v7Out + "]", tools: "", toolChoice: nil, finish: []any{"stop"}},
		{file: "06-openlit.json", span: "cc00000000000001",
			prompt:   `[{"role":"user","content":"How do I reset my password?"}]`,
			complete: `[{"role":"assistant","content":"To reset your password, open Settings > Account > Password, click 'Reset', and follow the emailed link (valid for 30 minutes)."}]`,
			tools:    "", toolChoice: nil},
		{file: "06-openlit.json", span: "cc00000000000002",
			prompt:   `[{"role":"system","content":"You are the FAQ assistant for Acme. Cite the policy section."},{"role":"user","content":"What is your refund window?"}]`,
			complete: `[{"role":"assistant","content":"Refunds are accepted within 30 days of delivery (Policy 4.2)."}]`,
			tools:    "", toolChoice: nil, finish: []any{"end_turn"}},
	}
	views := map[string]map[string]*spanView{}
	for _, tc := range cases {
		t.Run(tc.file[:2]+"/"+tc.span, func(t *testing.T) {
			if views[tc.file] == nil {
				views[tc.file] = mtFixtureViews(t, tc.file)
			}
			v := views[tc.file][tc.span]
			if v == nil {
				t.Fatalf("span %s not in %s", tc.span, tc.file)
			}
			if tc.prompt != "-" {
				mtCheck(t, "prompt", extractPromptMessages(v), tc.prompt)
			}
			if tc.complete != "-" {
				mtCheck(t, "completion", extractCompletionMessages(v), tc.complete)
			}
			if tc.tools != "-" {
				got := extractTools(v)
				if tc.tools == "" {
					if got != nil {
						t.Errorf("tools: want none, got %s", marshalAny(got))
					}
				} else {
					var g, w any
					_ = json.Unmarshal([]byte(marshalAny(got)), &g)
					_ = json.Unmarshal([]byte(tc.tools), &w)
					if !reflect.DeepEqual(g, w) {
						t.Errorf("tools:\n got %s\nwant %s", marshalAny(got), tc.tools)
					}
				}
			}
			if tc.toolChoice != "-" {
				if got := extractToolChoice(v); !reflect.DeepEqual(got, tc.toolChoice) {
					t.Errorf("tool_choice: got %#v want %#v", got, tc.toolChoice)
				}
			}
			if tc.finish != nil {
				if got := metaTreeOf(v, "finish_reasons"); !reflect.DeepEqual(got, tc.finish) {
					t.Errorf("finish_reasons: got %#v want %#v", got, tc.finish)
				}
			}
		})
	}
}

func TestMessagesFixtureEventsAndEmbeddings(t *testing.T) {
	v02 := mtFixtureViews(t, "02-otel-genai-events-legacy.json")
	// execute_tool span: the tool message event (Strands puts the call args there).
	mtCheck(t, "tool span input", eventMessages(v02["a100000000000004"], true),
		`[{"role":"tool","tool_call_id":"tooluse_Q2tq8wXyRk6fV3bN","content":"{\"city\": \"Denver\", \"days\": 2}"}]`)
	mtCheck(t, "tool span output", eventMessages(v02["a100000000000004"], false),
		`[{"role":"assistant","content":"Sat: snow 70%, 5-10cm; Sun: clear, -2/6C"}]`)
	cyc := v02["a100000000000002"]
	mtCheck(t, "cycle output", eventMessages(cyc, false),
		`[{"role":"assistant","content":null,"tool_calls":[{"id":"tooluse_Q2tq8wXyRk6fV3bN","function":{"name":"get_forecast","arguments":{"city":"Denver","days":2}}}]}]`)
	if _, ok := cyc.metaOf("tool_result"); !ok {
		t.Errorf("tool.result not recorded in metadata: %v", cyc.meta)
	}

	v04 := mtFixtureViews(t, "04-openinference.json")
	if got := extractEmbeddingInputs(v04["1112131415161718"]); !reflect.DeepEqual(got, []any{"How do I rotate an API key?"}) {
		t.Errorf("OI embedding inputs: %#v", got)
	}
	v10 := mtFixtureViews(t, "10-embedding-calls.json")
	if got := extractEmbeddingInputs(v10["0e00000000000001"]); got != nil {
		t.Errorf("semconv embeddings without content: %#v", got)
	}
	if got := extractEmbeddingInputs(v10["0e00000000000002"]); !reflect.DeepEqual(got, []any{"The quick brown fox", "jumps over the lazy dog"}) {
		t.Errorf("TL embedding inputs: %#v", got)
	}
	for _, id := range []string{"0e00000000000003", "0e00000000000004"} {
		if got := extractEmbeddingInputs(v10[id]); !reflect.DeepEqual(got, []any{"Refund policy: 30 days.", "Shipping: 3-5 business days."}) {
			t.Errorf("Vercel ai.values %s: %#v", id, got)
		}
	}
	v09 := mtFixtureViews(t, "09-errored-llm-call.json")
	found := false
	for _, v := range v09 {
		if msgs := extractPromptMessages(v); len(msgs) > 0 {
			found = true
			mtCheck(t, "09 prompt", msgs, `[{"role":"system","content":"You are a churn analyst."},{"role":"user","content":"Summarize our Q2 churn drivers using the rows provided."}]`)
			if c := extractCompletionMessages(v); c != nil {
				t.Errorf("09: unexpected completion %v", c)
			}
		}
	}
	if !found {
		t.Error("09: no prompt found")
	}
}

// ---- messagesFromAny shapes ----

func TestMessagesFromAnyShapes(t *testing.T) {
	smallPNG := strings.Repeat("iVBORw0KGgo", 4)
	bigBlob := strings.Repeat("A", maxInlineBlobBytes+1)
	cases := []struct {
		name string
		raw  any
		role string
		want string
		meta map[string]any
	}{
		{"bare string", "hello", "user", `[{"role":"user","content":"hello"}]`, nil},
		{"bare string output", "hi there", "assistant", `[{"role":"assistant","content":"hi there"}]`, nil},
		{"empty placeholders", "{}", "user", ``, nil},
		{"single message object", map[string]any{"role": "user", "content": "x"}, "user", `[{"role":"user","content":"x"}]`, nil},
		{"semconv multi text parts joined", `[{"role":"user","parts":[{"type":"text","content":"a"},{"type":"text","content":"b"}]}]`, "user",
			`[{"role":"user","content":"a\nb"}]`, nil},
		{"semconv reasoning to metadata", `[{"role":"assistant","parts":[{"type":"reasoning","content":"think"},{"type":"text","content":"answer"}],"finish_reason":"stop"}]`, "assistant",
			`[{"role":"assistant","content":"answer"}]`, map[string]any{"reasoning": "think", "finish_reasons": []any{"stop"}}},
		{"semconv small blob image", []any{map[string]any{"role": "user", "parts": []any{
			map[string]any{"type": "text", "content": "what is this"},
			map[string]any{"type": "blob", "modality": "image", "mime_type": "image/png", "content": smallPNG}}}}, "user",
			`[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,` + smallPNG + `"}}]}]`, nil},
		{"semconv big blob placeholder", []any{map[string]any{"role": "user", "parts": []any{
			map[string]any{"type": "blob", "modality": "image", "mime_type": "image/png", "content": bigBlob}}}}, "user",
			`[{"role":"user","content":"[image/png content omitted: 65537 bytes base64]"}]`, nil},
		{"semconv uri and file", `[{"role":"user","parts":[{"type":"uri","modality":"image","uri":"https://x/y.png"},{"type":"file","modality":"document","file_id":"file-1"}]}]`, "user",
			`[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"file","file":{"file_id":"file-1"}}]}]`, nil},
		{"semconv tool_call string args", `[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":"{\"a\":1}"}]}]`, "assistant",
			`[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"a":1}}}]}]`, nil},
		{"semconv tool_call without args", `[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f"}]}]`, "assistant",
			`[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"f","arguments":{}}}]}]`, nil},
		{"tool response keys: response, result, content", `[{"role":"tool","parts":[{"type":"tool_call_response","id":"a","response":"r1"},{"type":"tool_call_response","id":"b","result":{"x":1}},{"type":"tool_call_response","id":"c","content":"r3"}]}]`, "user",
			`[{"role":"tool","tool_call_id":"a","content":"r1"},{"role":"tool","tool_call_id":"b","content":{"x":1}},{"role":"tool","tool_call_id":"c","content":"r3"}]`, nil},
		{"pydantic-ai user message with tool results", `[{"role":"user","parts":[{"type":"tool_call_response","id":"call_1","name":"get","result":"42"}]},{"role":"user","parts":[{"type":"tool_call_response","id":"call_2","result":1},{"type":"text","content":"and now?"}]}]`, "user",
			`[{"role":"tool","tool_call_id":"call_1","content":"42"},{"role":"tool","tool_call_id":"call_2","content":"1"},{"role":"user","content":"and now?"}]`, nil},
		{"openai messages", `[{"role":"developer","content":"be nice"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://i/x.jpg"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"ok"}]`, "user",
			`[{"role":"developer","content":"be nice"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://i/x.jpg"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]},{"role":"tool","tool_call_id":"c","content":"ok"}]`, nil},
		{"role normalisation", `[{"role":"human","content":"a"},{"role":"AI","content":"b"},{"role":"bot","content":"c"},{"role":"model","content":"d"},{"role":"function","name":"f","content":"e"},{"role":"Critic","content":"f"},{"role":"us\u00ffer!","content":"g"}]`, "user",
			`[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":"d"},{"role":"tool","name":"f","content":"e"},{"role":"user","name":"Critic","content":"f"},{"role":"user","content":"g"}]`, nil},
		{"vercel parts", `[{"role":"assistant","content":[{"type":"reasoning","text":"hmm"},{"type":"text","text":"let me look"},{"type":"tool-call","toolCallId":"t1","toolName":"lookup","args":{"q":"x"}}]},{"role":"tool","content":[{"type":"tool-result","toolCallId":"t1","toolName":"lookup","output":{"type":"text","value":"found"}},{"type":"tool-result","toolCallId":"t2","toolName":"lookup","result":{"n":2}}]}]`, "user",
			`[{"role":"assistant","content":"let me look","tool_calls":[{"id":"t1","function":{"name":"lookup","arguments":{"q":"x"}}}]},{"role":"tool","tool_call_id":"t1","content":"found"},{"role":"tool","tool_call_id":"t2","content":{"n":2}}]`,
			map[string]any{"prompt_reasoning": "hmm"}},
		{"vercel image and file parts", `[{"role":"user","content":[{"type":"image","image":"https://img/a.png"},{"type":"file","data":"JVBERi0=","mediaType":"application/pdf"}]}]`, "user",
			`[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://img/a.png"}},{"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0="}}]}]`, nil},
		{"gemini contents", map[string]any{
			"model":  "gemini-2.0-flash",
			"config": map[string]any{"system_instruction": "Be terse.", "temperature": 0.1},
			"contents": []any{
				map[string]any{"role": "user", "parts": []any{map[string]any{"text": "weather?"}, map[string]any{"inline_data": map[string]any{"mime_type": "image/jpeg", "data": "AAAA"}}}},
				map[string]any{"role": "model", "parts": []any{map[string]any{"function_call": map[string]any{"id": "fc1", "name": "get_weather", "args": map[string]any{"city": "Oslo"}}}}},
				map[string]any{"role": "user", "parts": []any{map[string]any{"function_response": map[string]any{"id": "fc1", "name": "get_weather", "response": map[string]any{"temp": 3}}}}},
				map[string]any{"role": "model", "parts": []any{map[string]any{"text": "thinking...", "thought": true}, map[string]any{"text": "3 degrees"}}},
			}}, "user",
			`[{"role":"system","content":"Be terse."},{"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"fc1","function":{"name":"get_weather","arguments":{"city":"Oslo"}}}]},{"role":"tool","tool_call_id":"fc1","content":{"temp":3}},{"role":"assistant","content":"3 degrees"}]`,
			map[string]any{"prompt_reasoning": "thinking..."}},
		{"langchain serialised", `{"messages":[[{"lc":1,"type":"constructor","id":["langchain","schema","messages","SystemMessage"],"kwargs":{"content":"sys"}},{"lc":1,"type":"constructor","id":["langchain","schema","messages","HumanMessage"],"kwargs":{"content":"hello","type":"human"}},{"lc":1,"type":"constructor","id":["langchain_core","messages","AIMessage"],"kwargs":{"content":"","tool_calls":[{"name":"search","args":{"q":"x"},"id":"tc9","type":"tool_call"}]}},{"lc":1,"type":"constructor","id":["langchain_core","messages","ToolMessage"],"kwargs":{"content":"result","tool_call_id":"tc9"}}]]}`, "user",
			`[{"role":"system","content":"sys"},{"role":"user","content":"hello"},{"role":"assistant","content":null,"tool_calls":[{"id":"tc9","function":{"name":"search","arguments":{"q":"x"}}}]},{"role":"tool","tool_call_id":"tc9","content":"result"}]`, nil},
		{"langchain dict types", `[{"type":"human","content":"q"},{"type":"ai","content":"a"}]`, "user",
			`[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]`, nil},
		{"strands blocks", `[{"role":"user","content":[{"text":"q"}]},{"role":"assistant","content":[{"text":"calling"},{"toolUse":{"toolUseId":"tu1","name":"calc","input":{"x":1}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"tu1","status":"success","content":[{"json":{"v":2}},{"text":"done"}]}}]},{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"QUJD"}}}]}]`, "user",
			`[{"role":"user","content":"q"},{"role":"assistant","content":"calling","tool_calls":[{"id":"tu1","function":{"name":"calc","arguments":{"x":1}}}]},{"role":"tool","tool_call_id":"tu1","content":"{\"v\":2}\ndone"},{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,QUJD"}}]}]`, nil},
		{"bare block list is one message", `[{"text":"line1"},{"text":"line2"}]`, "assistant",
			`[{"role":"assistant","content":"line1\nline2"}]`, nil},
		{"anthropic blocks", `[{"role":"assistant","content":[{"type":"thinking","thinking":"plan"},{"type":"text","text":"ok"},{"type":"tool_use","id":"tu","name":"f","input":{"a":"b"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"tu","content":[{"type":"text","text":"res"}]}]}]`, "user",
			`[{"role":"assistant","content":"ok","tool_calls":[{"id":"tu","function":{"name":"f","arguments":{"a":"b"}}}]},{"role":"tool","tool_call_id":"tu","content":"res"}]`,
			map[string]any{"prompt_reasoning": "plan"}},
		{"openai response choices", `{"id":"x","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"A"}},{"index":1,"finish_reason":"length","message":{"role":"assistant","content":"B"}}]}`, "assistant",
			`[{"role":"assistant","content":"A"},{"role":"assistant","content":"B"}]`, map[string]any{"finish_reasons": []any{"stop", "length"}}},
		{"vercel wrapper", `{"system":"S","prompt":"P"}`, "user",
			`[{"role":"system","content":"S"},{"role":"user","content":"P"}]`, nil},
		{"request body with system", `{"model":"claude","system":[{"type":"text","text":"S"}],"messages":[{"role":"user","content":"u"}]}`, "user",
			`[{"role":"system","content":"S"},{"role":"user","content":"u"}]`, nil},
		{"responses api items", `[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"function_call","call_id":"fc","name":"f","arguments":"{\"a\":1}"},{"type":"function_call_output","call_id":"fc","output":"done"}]`, "user",
			`[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"fc","function":{"name":"f","arguments":{"a":1}}}]},{"role":"tool","tool_call_id":"fc","content":"done"}]`, nil},
		{"tool calls on a user message are split", `[{"role":"user","parts":[{"type":"text","content":"x"},{"type":"tool_call","id":"c","name":"f","arguments":{}}]}]`, "user",
			`[{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]},{"role":"user","content":"x"}]`, nil},
		{"content that is JSON but not parts stays a string", `[{"role":"tool","tool_call_id":"t","content":"[1,2,3]"}]`, "user",
			`[{"role":"tool","tool_call_id":"t","content":[1,2,3]}]`, nil},
		{"unknown part kept generic", `[{"role":"assistant","parts":[{"type":"server_tool_call","id":"s","name":"web","server_tool_call":{"q":"x"}}]}]`, "assistant",
			`[{"role":"assistant","content":[{"type":"server_tool_call","id":"s","name":"web","server_tool_call":{"q":"x"}}]}]`, nil},
		{"non-message object yields nothing", map[string]any{"question": "x"}, "user", ``, nil},
		{"numbers", int64(42), "user", `[{"role":"user","content":"42"}]`, nil},
		{"nil", nil, "user", ``, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := mtView(t, nil, map[string]any{})
			got := messagesFromAny(v, tc.raw, tc.role)
			mtCheck(t, tc.name, got, tc.want)
			for k, want := range tc.meta {
				if got := metaTreeOf(v, k); !reflect.DeepEqual(got, want) {
					t.Errorf("meta %s: got %#v want %#v", k, got, want)
				}
			}
		})
	}
}

// ---- extraction sources ----

func TestExtractPromptSources(t *testing.T) {
	cases := []struct {
		name   string
		attrs  map[string]any
		evs    []mtEv
		want   string
		warn   string
		compl  string // "-" = don't check
		finish []any
	}{
		{name: "system instructions not prepended when system exists",
			attrs: map[string]any{
				"gen_ai.system_instructions": `[{"type":"text","content":"SI"}]`,
				"gen_ai.input.messages":      `[{"role":"user","parts":[{"type":"text","content":"u"}]},{"role":"system","parts":[{"type":"text","content":"S"}]}]`},
			want: `[{"role":"user","content":"u"},{"role":"system","content":"S"}]`, compl: "-"},
		{name: "system instructions bare string",
			attrs: map[string]any{"gen_ai.system_instructions": "plain sys", "gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"u"}]}]`},
			want:  `[{"role":"system","content":"plain sys"},{"role":"user","content":"u"}]`, compl: "-"},
		{name: "input messages win over flattened",
			attrs: map[string]any{"gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"sc"}]}]`, "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "tl"},
			want:  `[{"role":"user","content":"sc"}]`, compl: "-"},
		{name: "operation.details events merged",
			evs: []mtEv{
				{name: "gen_ai.client.inference.operation.details", t: 1, attrs: map[string]any{
					"gen_ai.system_instructions": []any{map[string]any{"type": "text", "content": "S"}},
					"gen_ai.input.messages":      []any{map[string]any{"role": "user", "parts": []any{map[string]any{"type": "text", "content": "q"}}}}}},
				{name: "gen_ai.client.inference.operation.details", t: 2, attrs: map[string]any{
					"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"a"}],"finish_reason":"stop"}]`}}},
			want: `[{"role":"system","content":"S"},{"role":"user","content":"q"}]`, compl: `[{"role":"assistant","content":"a"}]`, finish: []any{"stop"}},
		{name: "OI flattened with contents image and legacy function call",
			attrs: map[string]any{
				"llm.input_messages.0.message.role":                                       "user",
				"llm.input_messages.0.message.contents.0.message_content.type":            "text",
				"llm.input_messages.0.message.contents.0.message_content.text":            "look",
				"llm.input_messages.0.message.contents.1.message_content.type":            "image",
				"llm.input_messages.0.message.contents.1.message_content.image.image.url": "https://x/img.png",
				"llm.input_messages.1.message.role":                                       "assistant",
				"llm.input_messages.1.message.function_call_name":                         "f",
				"llm.input_messages.1.message.function_call_arguments_json":               `{"k":1}`,
				"llm.output_messages.0.message.role":                                      "assistant",
				"llm.output_messages.0.message.content":                                   "fine",
			},
			want:  `[{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://x/img.png"}}]},{"role":"assistant","content":null,"tool_calls":[{"function":{"name":"f","arguments":{"k":1}}}]}]`,
			compl: `[{"role":"assistant","content":"fine"}]`},
		{name: "TL numeric sort, non-integer segments skipped, gaps warned",
			attrs: map[string]any{
				"gen_ai.prompt.10.role": "user", "gen_ai.prompt.10.content": "ten",
				"gen_ai.prompt.9.role": "assistant", "gen_ai.prompt.9.content": "nine",
				"gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "zero",
				"gen_ai.prompt.prompt_filter_results": `[{"x":1}]`, "gen_ai.prompt.error": "boom",
				"gen_ai.completion.0.content": "FILTERED", "gen_ai.completion.0.finish_reason": "content_filter",
			},
			want:  `[{"role":"system","content":"zero"},{"role":"assistant","content":"nine"},{"role":"user","content":"ten"}]`,
			warn:  "sparse message indices",
			compl: `[{"role":"assistant","content":"FILTERED"}]`, finish: []any{"content_filter"}},
		{name: "TL huge index is ignored cheaply",
			attrs: map[string]any{
				"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "hi",
				"gen_ai.prompt.4611686018427387904.content":  "evil",
				"gen_ai.prompt.10001.content":                "over cap",
				"gen_ai.prompt.99999999999999999999999.role": "user",
			},
			want: `[{"role":"user","content":"hi"}]`, warn: "above 10000", compl: "-"},
		{name: "TL content with JSON parts list and LangSmith message.* keys",
			attrs: map[string]any{
				"gen_ai.prompt.0.message.role":    "human",
				"gen_ai.prompt.0.message.content": "ls",
				"gen_ai.prompt.1.role":            "user",
				"gen_ai.prompt.1.content":         `[{"type":"text","text":"cap"},{"type":"image_url","image_url":{"url":"https://a/b.png"}}]`,
			},
			want:  `[{"role":"user","content":"ls"},{"role":"user","content":[{"type":"text","text":"cap"},{"type":"image_url","image_url":{"url":"https://a/b.png"}}]}]`,
			compl: "-"},
		{name: "broken JSON kept as text with warning",
			attrs: map[string]any{"gen_ai.input.messages": `[{"role": "user", "parts": [{"type": "text", "content": "trunc`},
			want:  `[{"role":"user","content":"[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"trunc"}]`,
			warn:  "unparseable JSON", compl: "-"},
		{name: "legacy events ordered by time",
			evs: []mtEv{
				{name: "gen_ai.user.message", t: 20, attrs: map[string]any{"content": "second"}},
				{name: "gen_ai.system.message", t: 10, attrs: map[string]any{"content": "first"}},
				{name: "gen_ai.choice", t: 30, attrs: map[string]any{"index": int64(1), "message": `{"role":"assistant","content":"B"}`, "finish_reason": "length"}},
				{name: "gen_ai.choice", t: 30, attrs: map[string]any{"index": int64(0), "message": `{"content":"A"}`, "finish_reason": "stop", "tool_calls": `[{"id":"x","type":"function","function":{"name":"f","arguments":"{}"}}]`}},
			},
			want:   `[{"role":"system","content":"first"},{"role":"user","content":"second"}]`,
			compl:  `[{"role":"assistant","content":"A","tool_calls":[{"id":"x","function":{"name":"f","arguments":{}}}]},{"role":"assistant","content":"B"}]`,
			finish: []any{"stop", "length"}},
		{name: "OpenLIT role lines",
			attrs: map[string]any{"gen_ai.prompt": "system: be brief\nuser: hi\nsecond line\nassistant: hello\nuser: bye", "gen_ai.completion": "done"},
			want:  `[{"role":"system","content":"be brief"},{"role":"user","content":"hi\nsecond line"},{"role":"assistant","content":"hello"},{"role":"user","content":"bye"}]`,
			compl: `[{"role":"assistant","content":"done"}]`},
		{name: "gen_ai.prompt plain text is one user message",
			attrs: map[string]any{"gen_ai.prompt": "Translate: cat"},
			want:  `[{"role":"user","content":"Translate: cat"}]`, compl: ""},
		{name: "gen_ai.prompt LangSmith run inputs without messages",
			attrs: map[string]any{"gen_ai.prompt": `{"question":"why?"}`},
			want:  `[{"role":"user","content":"{\"question\":\"why?\"}"}]`, compl: "-"},
		{name: "ADK llm_request and llm_response",
			attrs: map[string]any{
				"gcp.vertex.agent.llm_request":  `{"model":"gemini-2.5-flash","config":{"system_instruction":"You help.","tools":[{"function_declarations":[{"name":"get_time","description":"time","parameters":{"type":"OBJECT"}}]}]},"contents":[{"role":"user","parts":[{"text":"time?"}]}]}`,
				"gcp.vertex.agent.llm_response": `{"content":{"role":"model","parts":[{"function_call":{"id":"adk-1","name":"get_time","args":{}}}]},"finish_reason":"STOP"}`,
			},
			want:  `[{"role":"system","content":"You help."},{"role":"user","content":"time?"}]`,
			compl: `[{"role":"assistant","content":null,"tool_calls":[{"id":"adk-1","function":{"name":"get_time","arguments":{}}}]}]`, finish: []any{"STOP"}},
		{name: "ADK placeholders",
			attrs: map[string]any{"gcp.vertex.agent.llm_request": "{}", "gcp.vertex.agent.llm_response": "{}"},
			want:  ``, compl: ""},
		{name: "Logfire request_data / response_data",
			attrs: map[string]any{
				"request_data":  `{"model":"gpt-4o","messages":[{"role":"system","content":"S"},{"role":"user","content":"U"}]}`,
				"response_data": `{"message":{"role":"assistant","content":"R"},"usage":{"prompt_tokens":3}}`},
			want: `[{"role":"system","content":"S"},{"role":"user","content":"U"}]`, compl: `[{"role":"assistant","content":"R"}]`},
		{name: "OI llm.prompts and llm.choices",
			attrs: map[string]any{"llm.prompts.0.prompt.text": "Once upon", "llm.choices.0.completion.text": " a time"},
			want:  `[{"role":"user","content":"Once upon"}]`, compl: `[{"role":"assistant","content":" a time"}]`},
		{name: "Cloudflare prompt_json / completion_json",
			attrs: map[string]any{"gen_ai.prompt_json": `[{"role":"user","content":"cf"}]`, "gen_ai.completion_json": `{"choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`},
			want:  `[{"role":"user","content":"cf"}]`, compl: `[{"role":"assistant","content":"ok"}]`, finish: []any{"stop"}},
		{name: "OI input.value with messages array, output.value response",
			attrs: map[string]any{"input.value": `{"model":"m","messages":[{"role":"user","content":"iv"}]}`, "output.value": `{"choices":[{"message":{"role":"assistant","content":"ov"}}]}`},
			want:  `[{"role":"user","content":"iv"}]`, compl: `[{"role":"assistant","content":"ov"}]`},
		{name: "OI input.value without messages is not a prompt",
			attrs: map[string]any{"input.value": `{"question":"q"}`, "output.value": "plain"},
			want:  ``, compl: ""},
		{name: "Vercel result v<4 and reasoning",
			attrs: map[string]any{"ai.result.text": "old", "ai.result.toolCalls": `[{"toolCallType":"function","toolCallId":"c","toolName":"t","args":{"a":1}}]`, "ai.result.finishReason": "tool-calls"},
			want:  ``, compl: `[{"role":"assistant","content":"old","tool_calls":[{"id":"c","function":{"name":"t","arguments":{"a":1}}}]}]`, finish: []any{"tool-calls"}},
		{name: "Vercel response object",
			attrs: map[string]any{"ai.response.object": `{"answer":42}`},
			want:  ``, compl: `[{"role":"assistant","content":"{\"answer\":42}"}]`},
		{name: "Azure event content with tool message and choice tool calls",
			evs: []mtEv{
				{name: "gen_ai.user.message", t: 1, attrs: map[string]any{"gen_ai.event.content": `{"role":"user","content":"q"}`}},
				{name: "gen_ai.choice", t: 2, attrs: map[string]any{"gen_ai.event.content": `{"finish_reason":"tool_calls","index":0,"message":{"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]}}`}},
			},
			want:  `[{"role":"user","content":"q"}]`,
			compl: `[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"x":1}}}]}]`, finish: []any{"tool_calls"}},
		{name: "broken gen_ai.event.content",
			evs:  []mtEv{{name: "gen_ai.user.message", t: 1, attrs: map[string]any{"gen_ai.event.content": `{"role":"user","content":"cut`}}},
			want: `[{"role":"user","content":"{\"role\":\"user\",\"content\":\"cut"}]`, warn: "unparseable JSON", compl: ""},
		{name: "nothing",
			attrs: map[string]any{"gen_ai.request.model": "gpt-4o"}, want: ``, compl: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := mtView(t, nil, tc.attrs, tc.evs...)
			got := extractPromptMessages(v)
			mtCheck(t, "prompt", got, tc.want)
			if tc.compl != "-" {
				mtCheck(t, "completion", extractCompletionMessages(v), tc.compl)
			}
			if tc.warn != "" && !mtHasWarning(v, tc.warn) {
				t.Errorf("want warning %q, got %v", tc.warn, v.warnings)
			}
			if got := metaTreeOf(v, "finish_reasons"); tc.finish != nil && !reflect.DeepEqual(got, tc.finish) {
				t.Errorf("finish_reasons: got %#v want %#v", got, tc.finish)
			}
		})
	}
}

func TestExtractToolsAndChoice(t *testing.T) {
	weather := `{"type":"function","function":{"name":"w","description":"d","parameters":{"type":"object"}}}`
	cases := []struct {
		name   string
		attrs  map[string]any
		tools  string
		choice any
	}{
		{"semconv flat JSON", map[string]any{"gen_ai.tool.definitions": `[{"type":"function","name":"w","description":"d","parameters":{"type":"object"}}]`}, "[" + weather + "]", nil},
		{"semconv structured nested", map[string]any{"gen_ai.tool.definitions": []any{map[string]any{"type": "function", "function": map[string]any{"name": "w", "description": "d", "parameters": map[string]any{"type": "object"}}}}}, "[" + weather + "]", nil},
		{"anthropic input_schema", map[string]any{"gen_ai.tool.definitions": `[{"name":"w","description":"d","input_schema":{"type":"object"}}]`}, "[" + weather + "]", nil},
		{"TL functions with string params", map[string]any{"llm.request.functions.0.name": "w", "llm.request.functions.0.description": "d", "llm.request.functions.0.parameters": `{"type":"object"}`, "llm.request.functions.x.name": "skip"}, "[" + weather + "]", nil},
		{"OI llm.tools", map[string]any{"llm.tools.0.tool.json_schema": weather, "llm.invocation_parameters": `{"tool_choice":{"type":"function","function":{"name":"w"}}}`}, "[" + weather + "]", map[string]any{"type": "function", "function": map[string]any{"name": "w"}}},
		{"Vercel tools strings and toolChoice tool", map[string]any{"ai.prompt.tools": []any{`{"type":"function","name":"w","description":"d","inputSchema":{"type":"object"}}`}, "ai.prompt.toolChoice": `{"type":"tool","toolName":"w"}`}, "[" + weather + "]", map[string]any{"type": "function", "function": map[string]any{"name": "w"}}},
		{"Vercel toolChoice required", map[string]any{"ai.prompt.toolChoice": `{"type":"required"}`}, "", "required"},
		{"invocation parameters tools", map[string]any{"llm.invocation_parameters": `{"tools":[` + weather + `],"tool_choice":"none"}`}, "[" + weather + "]", "none"},
		{"ADK function declarations", map[string]any{"gcp.vertex.agent.llm_request": `{"config":{"tools":[{"function_declarations":[{"name":"w","description":"d","parameters":{"type":"object"}}]}]}}`}, "[" + weather + "]", nil},
		{"pydantic-ai function_tools", map[string]any{"model_request_parameters": `{"function_tools":[{"name":"w","description":"d","parameters_json_schema":{"type":"object"}}],"output_tools":[]}`}, "[" + weather + "]", nil},
		{"Strands agent tools names", map[string]any{"gen_ai.agent.tools": `["a","b"]`}, `[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}]`, nil},
		{"OpenLIT tool_choice anthropic any", map[string]any{"gen_ai.request.tool_choice": `{"type":"any"}`}, "", "required"},
		{"definitions without names dropped", map[string]any{"gen_ai.tool.definitions": `[{"type":"function"},{"description":"x"}]`}, "", nil},
		{"broken definitions warn", map[string]any{"gen_ai.tool.definitions": `[{"name":"w"`}, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := mtView(t, nil, tc.attrs)
			got := extractTools(v)
			if tc.tools == "" {
				if got != nil {
					t.Errorf("tools: want none, got %s", marshalAny(got))
				}
			} else {
				var g, w any
				_ = json.Unmarshal([]byte(marshalAny(got)), &g)
				if err := json.Unmarshal([]byte(tc.tools), &w); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("tools:\n got %s\nwant %s", marshalAny(got), tc.tools)
				}
			}
			if gc := extractToolChoice(v); !reflect.DeepEqual(gc, tc.choice) {
				t.Errorf("tool_choice: got %#v want %#v", gc, tc.choice)
			}
		})
	}
}

func TestEmbeddingAndCompletionStyle(t *testing.T) {
	v := mtView(t, nil, map[string]any{"input.value": `{"input":["a","b"],"model":"m"}`})
	if got := extractEmbeddingInputs(v); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("input.value list: %#v", got)
	}
	v = mtView(t, nil, map[string]any{"input.value": "just text"})
	if got := extractEmbeddingInputs(v); !reflect.DeepEqual(got, []any{"just text"}) {
		t.Errorf("input.value text: %#v", got)
	}
	v = mtView(t, nil, map[string]any{"ai.value": `"single"`})
	if got := extractEmbeddingInputs(v); !reflect.DeepEqual(got, []any{"single"}) {
		t.Errorf("ai.value: %#v", got)
	}

	v = mtView(t, nil, map[string]any{"llm.prompts.0.prompt.text": "P0", "llm.prompts.1.prompt.text": "P1", "llm.choices.0.completion.text": "C0"})
	p, c, ok := extractCompletionStyle(v)
	if !ok || p != "P0\nP1" || c != "C0" {
		t.Errorf("OI completion style: %q %q %v", p, c, ok)
	}
	v = mtView(t, nil, map[string]any{"gen_ai.prompt.0.user": "Say this", "gen_ai.completion.0.content": "This", "gen_ai.completion.0.finish_reason": "stop"})
	p, c, ok = extractCompletionStyle(v)
	if !ok || p != "Say this" || c != "This" {
		t.Errorf("TL completion style: %q %q %v", p, c, ok)
	}
	v = mtView(t, nil, map[string]any{"gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"x"}]}]`, "gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"y"}]}]`})
	p, c, ok = extractCompletionStyle(v)
	if !ok || p != "x" || c != "y" {
		t.Errorf("semconv completion style: %q %q %v", p, c, ok)
	}
	v = mtView(t, nil, map[string]any{})
	if _, _, ok := extractCompletionStyle(v); ok {
		t.Error("empty span reported completion style")
	}
}

// ---- hostile input ----

func TestMessagesContentCap(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxContentBytes = 64
	long := strings.Repeat("é", 100)
	v := mtView(t, &opts, map[string]any{
		"gen_ai.input.messages":  `[{"role":"user","parts":[{"type":"text","content":"` + long + `"}]}]`,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"tool_call","id":"c","name":"f","arguments":{"k":"` + long + `"}}]}]`,
	})
	pm := extractPromptMessages(v)
	cm := extractCompletionMessages(v)
	if len(pm) != 1 || len(cm) != 1 {
		t.Fatalf("got %d/%d messages", len(pm), len(cm))
	}
	s, _ := pm[0].Content.(string)
	if !strings.HasSuffix(s, TruncationMarker) || len(s) > 64+len(TruncationMarker) {
		t.Errorf("content not capped: %q", s)
	}
	a := cm[0].ToolCalls[0].Arguments
	if !strings.HasSuffix(a, TruncationMarker) || len(a) > 64+len(TruncationMarker) {
		t.Errorf("arguments not capped: %q", a)
	}
	if v.truncated == 0 || !mtHasWarning(v, "truncated") {
		t.Error("truncation not counted")
	}
	mtEncode(t, pm)
	mtEncode(t, cm)
}

// hostileValues are attribute values of every type and shape.
func hostileValues() []any {
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	deepObj := strings.Repeat(`{"content":`, 3000) + `"x"` + strings.Repeat("}", 3000)
	var nested any = "leaf"
	for i := 0; i < 40; i++ {
		if i%2 == 0 {
			nested = map[string]any{"role": "user", "content": []any{nested, map[string]any{"type": "text", "content": "t"}}}
		} else {
			nested = []any{map[string]any{"type": "text", "content": nested}, "s"}
		}
	}
	return []any{
		"", "   ", "null", "{}", "[]", "N/A", "\xff\xfe invalid utf8 \xc3", "[{", `{"role":`, deep, deepObj,
		`"\"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"double\\\"}]\""`,
		strings.Repeat("x", 2<<20), "user: a\nassistant: b\n\n\n",
		int64(-1), int64(1 << 62), 3.5, true, []byte{0, 1, 2, 0xff},
		[]any{}, []any{nil, int64(1), "s", []any{"x"}, map[string]any{}},
		map[string]any{}, map[string]any{"role": int64(5), "content": map[string]any{"type": int64(1)}},
		map[string]any{"parts": "notalist", "role": []any{"x"}},
		[]any{map[string]any{"role": "user", "parts": []any{map[string]any{"type": "blob", "content": []byte("bin")}, map[string]any{"type": "tool_call", "arguments": 1.5}, map[string]any{"type": "tool_call_response"}}}},
		[]any{map[string]any{"toolResult": map[string]any{"content": []any{map[string]any{"json": nil}}}}, map[string]any{"toolUse": "x"}},
		nested,
	}
}

func TestMessagesHostileInputs(t *testing.T) {
	keys := []string{
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "ai.prompt.messages",
		"gen_ai.prompt", "gen_ai.completion", "gcp.vertex.agent.llm_request", "gcp.vertex.agent.llm_response",
		"request_data", "response_data", "gen_ai.prompt_json", "gen_ai.completion_json", "ai.prompt", "input.value",
		"output.value", "ai.response.text", "ai.response.toolCalls", "ai.response.object", "llm.prompts",
		"gen_ai.prompt.0.content", "gen_ai.prompt.0.role", "gen_ai.prompt.0.tool_calls.0.arguments",
		"gen_ai.completion.0.content", "llm.input_messages.0.message.content", "llm.output_messages.0.message.content",
		"llm.input_messages.0.message.contents.0.message_content.text", "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
		"gen_ai.tool.definitions", "llm.request.functions.0.parameters", "llm.tools.0.tool.json_schema", "ai.prompt.tools",
		"ai.prompt.toolChoice", "llm.invocation_parameters", "model_request_parameters", "gen_ai.agent.tools",
		"gen_ai.request.tool_choice", "embedding.embeddings.0.embedding.text", "ai.values", "ai.value",
		"llm.choices.0.completion.text", "llm.prompts.0.prompt.text",
	}
	opts := DefaultOptions()
	for _, val := range hostileValues() {
		for _, k := range keys {
			attrs := map[string]any{k: val}
			evAttrs := map[string]any{"content": val, "message": val, "gen_ai.event.content": val, "index": val,
				"gen_ai.input.messages": val, "gen_ai.output.messages": val, "gen_ai.prompt": val, "gen_ai.completion": val}
			v := mtView(t, &opts, attrs,
				mtEv{name: "gen_ai.user.message", t: 5, attrs: evAttrs},
				mtEv{name: "gen_ai.choice", t: 5, attrs: evAttrs},
				mtEv{name: "gen_ai.client.inference.operation.details", t: 1, attrs: evAttrs},
				mtEv{name: "gen_ai.content.prompt", t: 1, attrs: evAttrs},
			)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic for %s=%.80v: %v", k, val, r)
					}
				}()
				mtEncode(t, extractPromptMessages(v))
				mtEncode(t, extractCompletionMessages(v))
				if pv, ok := v.peek(k); ok {
					mtEncode(t, messagesFromAny(v, valueToAny(pv), "user"))
				}
				mtEncode(t, eventMessages(v, true))
				mtEncode(t, eventMessages(v, false))
				if b := appendAny(nil, extractTools(v)); !json.Valid(b) {
					t.Fatalf("tools invalid JSON: %s", b)
				}
				if b := appendAny(nil, extractToolChoice(v)); !json.Valid(b) {
					t.Fatalf("tool_choice invalid JSON: %s", b)
				}
				if b := appendAny(nil, extractEmbeddingInputs(v)); !json.Valid(b) {
					t.Fatalf("embedding inputs invalid JSON: %s", b)
				}
				extractCompletionStyle(v)
				if b := appendMetadataEntries(nil, v.sortedMeta()); !json.Valid(b) {
					t.Fatalf("metadata invalid JSON: %s", b)
				}
			}()
		}
	}
}

func TestMessagesRawHostileTrees(t *testing.T) {
	v := mtView(t, nil, map[string]any{})
	for _, val := range hostileValues() {
		for _, role := range []string{"user", "assistant", "", "weird"} {
			mtEncode(t, messagesFromAny(v, val, role))
		}
	}
	// Trees built directly (not via pcommon) may hold NaN/Inf and odd types.
	nan := []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "content": nanValue()}}},
		map[string]any{"role": "assistant", "tool_calls": []any{map[string]any{"id": "x", "function": map[string]any{"name": "f", "arguments": map[string]any{"v": nanValue()}}}}}}
	msgs := messagesFromAny(v, nan, "user")
	mtEncode(t, msgs)
	if len(msgs) != 1 || msgs[0].ToolCalls[0].Arguments != `{"v":null}` {
		t.Errorf("NaN handling: %s", mtEncode(t, msgs))
	}
}

func nanValue() float64 {
	var z float64
	return z / z
}

func TestFlatIndexBounds(t *testing.T) {
	for _, tc := range []struct {
		seg        string
		n          int
		ok, tooBig bool
	}{
		{"0", 0, true, false}, {"9", 9, true, false}, {"10000", 10000, true, false},
		{"10001", 0, false, true}, {"4611686018427387904", 0, false, true}, {"00007", 7, true, false},
		{"-1", 0, false, false}, {"+1", 0, false, false}, {"1e3", 0, false, false}, {"", 0, false, false},
		{"prompt_filter_results", 0, false, false}, {strings.Repeat("9", 10000), 0, false, true},
	} {
		n, ok, big := parseFlatIndex(tc.seg)
		if n != tc.n || ok != tc.ok || big != tc.tooBig {
			t.Errorf("parseFlatIndex(%.20q) = %d %v %v", tc.seg, n, ok, big)
		}
	}
}

// Many flattened attributes with huge indices must stay cheap.
func TestFlatHugeIndicesCheap(t *testing.T) {
	attrs := map[string]any{}
	for i := 0; i < 2000; i++ {
		attrs["gen_ai.prompt."+strings.Repeat("9", 19)+string(rune('a'+i%26))+".content"] = "x"
		attrs["llm.input_messages.4611686018427387"+itoa3(i)+".message.content"] = "y"
	}
	attrs["gen_ai.prompt.3.content"] = "only"
	v := mtView(t, nil, attrs)
	got := extractPromptMessages(v)
	// OI has no valid index → falls through to TL.
	mtCheck(t, "huge", got, `[{"role":"user","content":"only"}]`)
	if !mtHasWarning(v, "sparse") || !mtHasWarning(v, "above 10000") {
		t.Errorf("warnings: %v", v.warnings)
	}
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/1000%10), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)})
}

func BenchmarkExtractPromptMessagesSemconv(b *testing.B) {
	attrs := map[string]any{
		"gen_ai.system_instructions": `[{"type":"text","content":"You are helpful."}]`,
		"gen_ai.input.messages":      `[{"role":"user","parts":[{"type":"text","content":"What's the weather?"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"c","name":"w","arguments":{"city":"Paris"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":{"t":14}}]}]`,
	}
	v := mtView(b, nil, attrs)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = extractPromptMessages(v)
	}
}

func TestMessagesOutOfRangeNumbers(t *testing.T) {
	v := mtView(t, nil, map[string]any{
		"gen_ai.tool.definitions": `[{"name":"f","parameters":{"maximum":1e400,"minimum":-1e999,"x":1.5}}]`,
		"gen_ai.input.messages":   `[{"role":"user","parts":[{"type":"custom","n":1e400}]}]`,
		"input.value":             `{"input":[1e400, 2]}`,
	})
	for _, b := range [][]byte{appendAny(nil, extractTools(v)), appendMessages(nil, extractPromptMessages(v)), appendAny(nil, extractEmbeddingInputs(v))} {
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			t.Errorf("not decodable: %s: %v", b, err)
		}
	}
}
