// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
)

// fastSeeds are message lists on both sides of the fast path's edge.
var fastSeeds = []string{
	`[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
	`[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"a"},{"type":"text","content":"b"}]}]`,
	`[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":{"b":2,"a":[1,2.50,1e400]}}],"finish_reason":"tool_call"}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"text","value":"ok"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":null}]}]`,
	// Results transcoded without their tree (fastResult) and the shapes
	// that must still take the general way.
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"results":[{"id":"a","score":0.5,"text":"\u00e9"}],"took_ms":12,"b":1,"b":2}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"value":3}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"t\u0079pe":"json","value":{"a":1}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":7}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[ ]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[1,"x",{"text":"t"}]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[{"text":"a"},{"json":{"k":[1,2]}}]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[{"text":"a"},{"other":1}]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":[{"text":"a"},"b"]}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"n":1e400,"m":-0,"s":"\ud800"}}]}]`,
	// Results sent as strings (read with the part), escaped and not.
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","content":"plain result"}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","content":"line\n\"q\" \u00e9"}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","content":"{\"looks\":\"like json\"}"}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","content":""}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"as response"}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","content":"a","result":"b"}]}]`,
	// {type, value} wrappers: a value marshalled (transcoded from its
	// text), unwrapped further (text, error-text, content), or no wrapper
	// at all (a type that is not a string, no value, a later duplicate).
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","value":{"z":1,"a":[true,null]}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"value":[2,1],"type":"error-json"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","value":null}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","value":"a string"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"j\u0073on","value":{"a":1}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"text","value":{"a":1}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"error-text","value":"bad"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"content","value":[{"text":"a"}]}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","type":"text","value":"t"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"text","type":"json","value":{"b":1}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","type":1,"value":{"b":1}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","value":1,"value":{"c":[]}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json"}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":{"type":"json","value":` + strings.Repeat(`{"a":`, 60) + `1` + strings.Repeat("}", 60) + `}}]}]`,
	`[{"role":"tool","content":[{"type":"tool-result","toolCallId":"c","toolName":"f","output":{"type":"json","value":{"r":[1,{"y":"\u00e9","x":2}]}}}]}]`,
	`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":` + strings.Repeat(`{"a":`, 60) + `1` + strings.Repeat("}", 60) + `}]}]`,
	`[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":"{\"x\":1}"}]}]`,
	`[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":{"a":1,"a":"\u00e9\"x\ud800","b":{"z":[],"y":{}},"c":-0.0}}]}]`,
	`[{"role":"assistant","parts":[{"type":"tool_call","name":"f","arguments":null}]}]`,
	`[{"role":"user","content":"plain"},{"role":"assistant","content":[{"type":"text","text":"t"}]}]`,
	`[{"role":"user","content":"{\"looks\":\"like json\"}"}]`,
	`[{"role":"user","content":"  "}, {"role":"user","content":""}]`,
	`[{"role":"critic","name":"","content":"x"},{"role":"Reviewer 2","content":"y"},{"role":"","content":"z"}]`,
	`[{"role":"user","name":"ann","parts":[]}]`,
	`[{"role":"user","parts":[{"type":"TEXT","content":"upper"},{"type":"text"},{"type":"text","text":"t","content":"c"}]}]`,
	`[{"role":"user","parts":[{"type":"text","content":"e\u0301\n\"q\"\ud83d\ude00 \ud800"}]}]`,
	`[{"role":"user","parts":[{"type":"text","content":"x","extra":{"deep":[1]}}]}]`,
	`[{"role":"user","role":"assistant","content":"dup"}]`,
	`[{"role":"user","content":"a","parts":[]}]`,
	`[{"role":"user","parts":[{"type":"image","content":"x"}]}]`,
	`[{"role":"user","content":"a"},]`,
	`[{"role":"user","content":"a"}] x`,
	`[{"role":null,"content":"a"}]`,
	`[{"role":"user","content":"a","finish_reason":"stop"}]`,
	`[{"role":"user","parts":["bare string"]}]`,
	`[{"role":"user","parts":[{"type":"text","content":"` + "\x01" + `"}]}]`,
	"\u00a0" + `[{"role":"user","content":"nbsp"}]`,
	`[ ]`,
	`[{"role":"user","content":"x","providerOptions":{"a":1},"providerOptions":2}]`,
	`[{"role":"user","content":"x","reasoning":"r"}]`,
	`[{"role":"user","content":"x","lc":1,"kwargs":{}}]`,
	`[{"content":"sys text","type":"text"},{"type":"input_text","text":"more"}]`,
	`[{"type":"text","content":null,"text":"t"}]`,
	`[{"type":"tool-call","toolCallId":"c","toolName":"f","input":{"a":1}},{"type":"tool-result","toolCallId":"c","toolName":"f","output":{"type":"json","value":{"r":[1]}}}]`,
	`[{"role":"assistant","content":[{"type":"tool-call","toolCallId":"c","toolName":"f","input":{"a":1},"providerOptions":{}}]},{"role":"tool","content":[{"type":"tool-result","toolCallId":"c","toolName":"f","output":{"type":"text","value":"done"}}]}]`,
	`[{"args":"{\"orderId\":\"2018\"}","toolCallId":"call_1","toolCallType":"function","toolName":"createTicket"}]`,
	`[{"id":"a","toolCallId":"b","name":"f"}]`,
	`[{"name":"f","function":{"name":"g"}}]`,
	`[{"id":7,"name":"f"}]`,
	`[{"type":"text","role":"user","content":"x"}]`,
	`["a",{"name":"f"}]`,
	// OpenAI chat messages: tool_calls with function objects, null
	// content, tool_call_id and the keys a tool message's id falls back to.
	`[{"role":"system","content":"s"},{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_7Q","type":"function","function":{"name":"lookup","arguments":"{\"order_id\":\"A-1\"}"}}]},{"role":"tool","tool_call_id":"call_7Q","content":"{\"status\":\"shipped\"}"}]`,
	`[{"role":"assistant","content":"let me look","tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"b":1,"a":2}}},{"id":"c2","name":"outer","function":{"name":"inner","args":"x"}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","arguments":"outer","function":{"name":"f","arguments":null}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","arguments":"outer","function":{"name":"f"}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"a","args":"b"}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","function":"not an object"}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","function":null,"name":"n"}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":7}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","name":"o","function":{"name":7}}]}]`,
	`[{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","name":"g"}}]}]`,
	`[{"role":"assistant","tool_calls":[]},{"role":"assistant","tool_calls":null,"function_call":null,"audio":null,"annotations":[],"content":"x"}]`,
	`[{"role":"assistant","tool_calls":[1]}]`,
	`[{"role":"assistant","tool_calls":{"id":"c1"}}]`,
	`[{"role":"assistant","tool_calls":"[]"}]`,
	`[{"role":"assistant","function_call":{"name":"f","arguments":"{}"}}]`,
	`[{"role":"assistant","content":null}]`,
	`[{"role":"assistant","content":null,"parts":[{"type":"text","content":"p"}]}]`,
	`[{"role":"assistant","content":null,"content":"second"}]`,
	`[{"role":"assistant","content":"first","content":null}]`,
	`[{"role":"tool","id":"i1","content":"r"},{"role":"tool","tool_use_id":"u1","content":"r"},{"role":"tool","id":"","tool_use_id":"u2","content":"r"}]`,
	`[{"role":"tool","tool_call_id":"t","toolCallId":"u","content":"r"}]`,
	// Content strings holding JSON objects: a tool's result stays text, a
	// part (or what may be one) is the general path's.
	`[{"role":"tool","tool_call_id":"c","content":"{\"status\":\"shipped\",\"eta\":[1,2]}"},{"role":"tool","content":" {\"a\":1} "}]`,
	`[{"role":"user","content":"{\"type\":\"text\",\"text\":\"x\"}"}]`,
	`[{"role":"user","content":"{\"text\":\"block\"}"}]`,
	`[{"role":"user","content":"{\"role\":\"user\",\"text\":\"x\"}"}]`,
	`[{"role":"user","content":"{\"content\":\"x\",\"toolUse\":{}}"}]`,
	`[{"role":"user","content":"{\"type\":7,\"text\":\"x\"}"}]`,
	`[{"role":"user","content":"{\"type\":\"x\",\"type\":\"TEXT\"}"}]`,
	`[{"role":"user","content":"{\"type\":\"text\",\"type\":\"x\"}"}]`,
	`[{"role":"user","content":"{\"parts\":1,\"json\":2}"}]`,
	`[{"role":"user","content":"{\"t\u0079pe\":\"text\",\"text\":\"x\"}"}]`,
	`[{"role":"user","content":"{\"a\":1"}]`,
	`[{"role":"user","content":"{\"a\":1} x"}]`,
	`[{"role":"user","content":"{}"}]`,
	`[{"role":"tool","toolCallId":"u","id":"i","content":"r"},{"role":"user","id":7,"content":"x"},{"role":"tool","tool_call_id":"","id":"i2"}]`,
	`[{"role":"assistant","tool_calls":[` + strings.Repeat(`{"id":"c","function":{"name":"f","arguments":"{}"}},`, 300) + `{"id":"last"}]}]`,
	`[{"role":"user","content":"` + strings.Repeat("long ", 400) + `"}]`,
	`[{"role":"user","parts":[{"type":"tool_call_response","id":"r","response":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}]}]`,
}

// convertBoth converts s with and without the fast path on fresh views and
// returns a description of everything each left behind.
func convertBoth(t testing.TB, s, def string) (fast, general string) {
	return fastAndGeneral(func() string {
		opts := DefaultOptions()
		opts.MaxContentBytes = 512
		span := ptrace.NewSpan()
		v := newSpanView(&opts)
		v.reset(span, "s", pcommon.NewMap(), false)
		msgs := messagesFromAny(v, s, def)
		out := string(appendMessages(nil, msgs))
		// The other two entry points: system instructions (a list of
		// parts) and a tool-call list.
		c := newMsgConv(v)
		out += "\nsystem " + string(appendMessages(nil, c.systemInstructions(s)))
		b := &msgBuilder{role: "assistant"}
		c.addToolCallsValue(b, s, 1)
		out += "\ncalls " + string(appendMessages(nil, c.finishMsg(nil, b)))
		meta := string(appendMetadataEntries(nil, v.sortedMeta()))
		return out + "\nmeta " + meta + "\nwarnings " + strings.Join(v.warnings, "|") + "\ntruncated " + string(rune('0'+v.truncated))
	})
}

func TestFastMessagesMatchGeneral(t *testing.T) {
	inputs := append([]string(nil), fastSeeds...)
	// Every message-list attribute of the benchmark traffic and the fixtures.
	add := func(td ptrace.Traces) {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					spans.At(k).Attributes().Range(func(_ string, v pcommon.Value) bool {
						if v.Type() == pcommon.ValueTypeStr && strings.HasPrefix(strings.TrimSpace(v.Str()), "[") {
							inputs = append(inputs, v.Str())
						}
						return true
					})
				}
			}
		}
	}
	add(benchdata.Traces(300, 7))
	files, _ := filepath.Glob("testdata/fixtures/*.json")
	for _, f := range files {
		if strings.HasSuffix(f, ".expected.json") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b); err == nil {
			add(td)
		}
	}
	taken := 0
	for _, s := range inputs {
		for _, def := range []string{"user", "assistant"} {
			fast, general := convertBoth(t, s, def)
			if fast != general {
				t.Errorf("fast path differs for %q (%s):\nfast:    %s\ngeneral: %s", s, def, fast, general)
			}
		}
		var r fastReader
		if t := strings.TrimSpace(s); t != "" && t[0] == '[' && r.read(t, nil) {
			taken++
		}
	}
	// The benchmark traffic's semconv lists are the shape the fast path is for.
	t.Logf("fast path read %d of %d message lists", taken, len(inputs))
	if taken < len(inputs)/4 {
		t.Errorf("fast path read only %d of %d message lists", taken, len(inputs))
	}
}

func FuzzFastMessages(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, general := convertBoth(t, s, "user")
		if fast != general {
			t.Errorf("fast path differs for %q:\nfast:    %s\ngeneral: %s", s, fast, general)
		}
	})
}

// benchMessageList is a semconv message list of 6 messages of ~450 bytes of
// text each, with the escapes chat text has (quotes, newlines, \u escapes).
var benchMessageList = func() string {
	para := `The \"quarterly\" report shows revenue up 12% \u2014 driven by the caf\u00e9 segment.\nNext steps:\tconfirm. `
	var b strings.Builder
	b.WriteString(`[`)
	for i := 0; i < 6; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat(para, 4) + `"}]}`)
	}
	b.WriteString(`]`)
	return b.String()
}()

// BenchmarkMessageListRead: the fast path's reading of a message list (its
// strings unescaped into an arena) against building its tree, and against
// validation alone. docs/benchmarks.md sets these beside
// github.com/valyala/fastjson on the same list.
func BenchmarkMessageListRead(b *testing.B) {
	b.Run("fast-reader", func(b *testing.B) {
		// The reader and the arena are reused, as a pooled span view's are.
		var r fastReader
		var arena byteArena
		b.SetBytes(int64(len(benchMessageList)))
		b.ReportAllocs()
		for b.Loop() {
			if !r.read(benchMessageList, &arena) || len(r.msgs) != 6 {
				b.Fatal("not read")
			}
		}
	})
	b.Run("tree", func(b *testing.B) {
		b.SetBytes(int64(len(benchMessageList)))
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := parseJSON(benchMessageList); !ok {
				b.Fatal("not parsed")
			}
		}
	})
	b.Run("validate", func(b *testing.B) {
		b.SetBytes(int64(len(benchMessageList)))
		b.ReportAllocs()
		for b.Loop() {
			if !validJSON(benchMessageList) {
				b.Fatal("not valid")
			}
		}
	})
}
