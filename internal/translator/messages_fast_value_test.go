// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// structuredValue is the OTLP value an SDK sending structured attributes
// would give for the JSON text s; ok is false when s is no JSON list.
func structuredValue(s string) (pcommon.Value, bool) {
	var x any
	if err := json.Unmarshal([]byte(s), &x); err != nil {
		return pcommon.Value{}, false
	}
	if _, isList := x.([]any); !isList {
		return pcommon.Value{}, false
	}
	v := pcommon.NewValueEmpty()
	if err := v.FromRaw(x); err != nil {
		return pcommon.Value{}, false
	}
	return v, true
}

// structuredSeeds are values of the types JSON text cannot give (integers,
// bytes, NaN), and arguments deeper than valueToAny keeps.
func structuredSeeds() []pcommon.Value {
	var out []pcommon.Value
	add := func(fill func(part pcommon.Map)) {
		v := pcommon.NewValueSlice()
		m := v.Slice().AppendEmpty().SetEmptyMap()
		m.PutStr("role", "assistant")
		fill(m.PutEmptySlice("parts").AppendEmpty().SetEmptyMap())
		out = append(out, v)
	}
	call := func(fill func(args pcommon.Map)) func(pcommon.Map) {
		return func(p pcommon.Map) {
			p.PutStr("type", "tool_call")
			p.PutStr("id", "c1")
			p.PutStr("name", "f")
			fill(p)
		}
	}
	add(call(func(p pcommon.Map) { p.PutInt("arguments", 7) }))
	add(call(func(p pcommon.Map) { p.PutDouble("arguments", math.NaN()) }))
	add(call(func(p pcommon.Map) { p.PutDouble("arguments", 2.5) }))
	add(call(func(p pcommon.Map) { p.PutEmptyBytes("arguments").FromRaw([]byte("raw")) }))
	add(call(func(p pcommon.Map) { p.PutBool("arguments", true) }))
	add(call(func(p pcommon.Map) { p.PutEmpty("arguments") }))
	add(call(func(p pcommon.Map) { p.PutStr("arguments", `{"x":1}`) }))
	add(call(func(p pcommon.Map) {
		a := p.PutEmptyMap("arguments")
		a.PutInt("n", 3)
		a.PutDouble("f", math.Inf(1))
		a.PutEmptyBytes("b").FromRaw([]byte{0, 1})
		a.PutEmptySlice("l").AppendEmpty().SetStr("é\"")
	}))
	add(call(func(p pcommon.Map) {
		m := p.PutEmptyMap("arguments")
		for i := 0; i < 70; i++ {
			m = m.PutEmptyMap("a")
		}
		m.PutInt("deep", 1)
	}))
	add(call(func(p pcommon.Map) { p.PutInt("id", 9) }))
	add(func(p pcommon.Map) {
		p.PutStr("type", "tool_call_response")
		p.PutStr("id", "c1")
		p.PutInt("response", 4)
	})
	add(func(p pcommon.Map) {
		p.PutStr("type", "tool_call_response")
		p.PutStr("id", "c1")
		p.PutEmpty("response")
	})
	result := func(fill func(r pcommon.Map)) func(pcommon.Map) {
		return func(p pcommon.Map) {
			p.PutStr("type", "tool_call_response")
			p.PutStr("id", "c1")
			fill(p.PutEmptyMap("response"))
		}
	}
	add(result(func(r pcommon.Map) { r.PutInt("n", 1); r.PutDouble("x", math.NaN()); r.PutStr("s", "é") }))
	add(result(func(r pcommon.Map) { r.PutStr("type", "json"); r.PutInt("value", 2) }))
	add(result(func(r pcommon.Map) { r.PutStr("type", "text"); r.PutStr("value", "wrapped") }))
	add(result(func(r pcommon.Map) { r.PutInt("type", 3); r.PutStr("value", "not a wrapper") }))
	add(result(func(r pcommon.Map) {}))
	add(result(func(r pcommon.Map) {
		for i := 0; i < 70; i++ {
			r = r.PutEmptyMap("a")
		}
	}))
	add(func(p pcommon.Map) {
		p.PutStr("type", "text")
		p.PutEmptyBytes("content").FromRaw([]byte("bytes"))
	})
	add(func(p pcommon.Map) {
		p.PutStr("type", "text")
		p.PutEmpty("content")
		p.PutStr("text", "t")
	})
	// Lists of parts (system instructions): members two levels deep, so
	// deep values are cut where valueToAny of the list cuts them.
	for _, n := range []int{59, 60, 61, 62, 63, 64} {
		for _, kind := range []string{"tool_call", "tool_call_response"} {
			v := pcommon.NewValueSlice()
			p := v.Slice().AppendEmpty().SetEmptyMap()
			p.PutStr("type", kind)
			p.PutStr("id", "c1")
			p.PutStr("name", "f")
			key := "arguments"
			if kind == "tool_call_response" {
				key = "response"
			}
			m := p.PutEmptyMap(key)
			for i := 0; i < n; i++ {
				m = m.PutEmptyMap("a")
			}
			m.PutInt("deep", 1)
			out = append(out, v)
		}
	}
	v0 := pcommon.NewValueSlice()
	p0 := v0.Slice().AppendEmpty().SetEmptyMap()
	p0.PutStr("type", "text")
	p0.PutStr("content", "be brief")
	out = append(out, v0)
	// Keys the structured reader leaves to the general path, last in
	// their map (a map built from JSON has a random order).
	for _, k := range []string{"reasoning", "type", "tool_calls", "id", "tool_call_id", "function_call", "text", "kwargs"} {
		v := pcommon.NewValueSlice()
		m := v.Slice().AppendEmpty().SetEmptyMap()
		m.PutStr("role", "tool")
		m.PutStr("content", "c")
		m.PutStr(k, "v")
		out = append(out, v)
	}
	// A role that is no string, and a content that is a map.
	v := pcommon.NewValueSlice()
	m := v.Slice().AppendEmpty().SetEmptyMap()
	m.PutInt("role", 1)
	out = append(out, v)
	v = pcommon.NewValueSlice()
	m = v.Slice().AppendEmpty().SetEmptyMap()
	m.PutStr("role", "user")
	m.PutEmptyMap("content").PutStr("text", "x")
	out = append(out, v)
	return out
}

// valueReadersBoth converts a structured value through every entry point
// that takes one, with and without the fast path.
func valueReadersBoth(val pcommon.Value) (fast, general string) {
	return fastAndGeneral(func() string {
		var out string
		for _, v := range contentViews() {
			out += "\nmessages " + string(appendMessages(nil, messagesFromValue(v, val, "user")))
			out += "\nassistant " + string(appendMessages(nil, messagesFromValue(v, val, "assistant")))
			out += "\nsystem " + string(appendMessages(nil, systemMessagesFromValue(v, val)))
			c := newMsgConv(v)
			for _, depth := range []int{0, 1, maxMsgDepth - 4, maxMsgDepth - 3, maxMsgDepth, maxMsgDepth + 1} {
				out += "\nfromValue " + string(appendMessages(nil, c.fromValue(val, "user", depth)))
			}
			out += "\ninstructions " + string(appendMessages(nil, c.systemInstructionsValue(val)))
			out += viewState(v)
		}
		return out
	})
}

// TestFastValueMessagesMatchTree: structured message lists read by the
// fast path give what their valueToAny trees gave, for every seed list
// given as a structured value, the structured seeds, and the fixtures'
// structured attributes.
func TestFastValueMessagesMatchTree(t *testing.T) {
	var vals []pcommon.Value
	for _, s := range messageSeeds() {
		if v, ok := structuredValue(s); ok {
			vals = append(vals, v)
		}
	}
	vals = append(vals, structuredSeeds()...)
	fixture := 0
	for _, span := range fixtureSpans(t, "01-otel-genai-semconv-latest") {
		for k, v := range span.Attributes().All() {
			if v.Type() == pcommon.ValueTypeSlice && strings.HasPrefix(k, "gen_ai.") && k != "gen_ai.response.finish_reasons" {
				vals = append(vals, v)
				fixture++
			}
		}
	}
	if fixture == 0 {
		t.Fatal("no structured message attribute in the semconv fixture")
	}
	taken := 0
	for _, val := range vals {
		if fast, general := valueReadersBoth(val); fast != general {
			raw, _ := json.Marshal(val.AsRaw())
			t.Fatalf("structured %s:\nfast:    %s\ngeneral: %s", raw, fast, general)
		}
		var r fastReader
		if r.readValue(val) {
			taken++
		}
	}
	t.Logf("fast path read %d of %d structured lists (%d from the fixture)", taken, len(vals), fixture)
	if taken < len(vals)/4 {
		t.Errorf("fast path read only %d of %d structured lists", taken, len(vals))
	}
}

func FuzzFastValueMessages(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		val, ok := structuredValue(s)
		if !ok {
			return
		}
		if fast, general := valueReadersBoth(val); fast != general {
			t.Fatalf("structured %s:\nfast:    %s\ngeneral: %s", s, fast, general)
		}
	})
}
