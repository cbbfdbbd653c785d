// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// invocationSeeds are invocation-parameters texts: the usual objects, every
// member readParams reads in every type, duplicates, escapes and texts
// that are no object.
var invocationSeeds = []string{
	`{"model":"gpt-4.1-mini","temperature":0,"max_tokens":1024}`,
	` {"temperature":0.2,"top_p":1,"frequency_penalty":-0.5,"presence_penalty":1e-7,"stream":true} `,
	`{"max_completion_tokens":"512","max_output_tokens":64,"stop":["\n","END"],"tool_choice":{"type":"function","function":{"name":"w"}}}`,
	`{"stop":"END","tool_choice":"auto","tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}`,
	`{"temperature":1,"temperature":0.5,"stream":false,"stream":"true"}`,
	`{"t\u0065mperature":0.3,"top_p":null,"stop":[1,"a",null],"max_tokens":1e400}`,
	`{"nested":{"temperature":9},"list":[{"max_tokens":1}],"s":"\u00e9\ud800"}`,
	`{}`,
	`{"temperature":0.1,}`,
	`{"temperature":0.1} x`,
	`[{"temperature":0.1}]`,
	`"{\"temperature\":0.1}"`,
	`not json`,
	`{"deep":` + strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70) + `}`,
}

// checkInvocation: the members picked from the text and the metadata text
// are what the decoded object gives (its members; marshalAny of it).
func checkInvocation(t *testing.T, s string) {
	t.Helper()
	v := newSpanView(&Options{})
	val := pcommon.NewValueStr(s)
	got, meta := v.invocation(val)

	tree, _ := structured(val).(map[string]any)
	want := invocationParamsOf(tree)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: picked members\n%#v\nwant the decoded object's\n%#v", s, got.vals, want.vals)
	}
	switch {
	case tree == nil && meta != nil:
		t.Fatalf("%q is no object, yet metadata gets %#v", s, meta)
	case tree != nil:
		var text string
		switch m := meta.(type) {
		case jsonText:
			text = string(m)
		case map[string]any:
			text = marshalAny(m)
		default:
			t.Fatalf("%q: metadata gets %T", s, meta)
		}
		if w := marshalAny(tree); text != w {
			t.Fatalf("%q: metadata text\n%s\nwant\n%s", s, text, w)
		}
	}
}

// fuzzSeeds fuzzes check from seeds.
func fuzzSeeds(f *testing.F, seeds []string, check func(*testing.T, string)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(check)
}

// TestReadersMatchTrees: each reader that takes what it needs from JSON
// text gives, on every seed, what the decoded tree gives (the fuzz targets
// below explore from the same seeds).
func TestReadersMatchTrees(t *testing.T) {
	for _, c := range []struct {
		seeds []string
		check func(*testing.T, string)
	}{{invocationSeeds, checkInvocation}, {toolChoiceSeeds, checkToolChoice}, {objectSeeds, checkObjectMembers}} {
		for _, s := range c.seeds {
			c.check(t, s)
		}
	}
}

func TestInvocationParamsFromText(t *testing.T) {
	// Read from the text, the usual object costs no tree: the metadata
	// text is the only thing written.
	v := newSpanView(&Options{})
	p, meta := v.invocation(pcommon.NewValueStr(invocationSeeds[0]))
	if _, isText := meta.(jsonText); !isText || !p.set {
		t.Fatalf("the usual object was not read from its text: %T, set %v", meta, p.set)
	}
	if f, _ := anyFloat(p.get("temperature")); f != 0 || p.get("max_tokens") == nil {
		t.Fatalf("members temperature %v, max_tokens %v", p.get("temperature"), p.get("max_tokens"))
	}
}

func FuzzInvocationParams(f *testing.F) { fuzzSeeds(f, invocationSeeds, checkInvocation) }

// toolChoiceSeeds are tool-choice texts of every convention and shape.
var toolChoiceSeeds = []string{
	`{"type":"auto"}`, `{"type":"NONE"}`, `{"type":"any"}`, `{"type":"required"}`,
	`{"type":"tool","toolName":"weather"}`, `{"type":"tool","name":"weather"}`, `{"type":"tool","toolName":"","name":"n"}`,
	`{"type":"function","function":{"name":"w"}}`, `{"function":{"name":""},"type":"auto"}`, `{"function":"f","type":"function","name":7}`,
	`{"mode":"ANY"}`, `{"mode":{"type":"auto"}}`, `{"mode":null,"type":"x"}`, `{"type":"auto","type":"none"}`,
	`{"t\u0079pe":"auto"}`, `{"type":true}`, `{"type":"auto"`, `{"type":"auto"} x`, ` {"type":"tool","toolName":"` + strings.Repeat("é", 300) + `"} `,
	`"auto"`, `"{\"type\":\"auto\"}"`, `weather`, ``, `[{"type":"auto"}]`,
}

// toolChoiceAttr gives what normaliseToolChoice of the decoded attribute
// gives.
func checkToolChoice(t *testing.T, s string) {
	t.Helper()
	val := pcommon.NewValueStr(s)
	got, want := toolChoiceAttr(val), normaliseToolChoice(structured(val))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: tool choice %#v, want %#v", s, got, want)
	}
}

func FuzzToolChoiceAttr(f *testing.F) { fuzzSeeds(f, toolChoiceSeeds, checkToolChoice) }

// objectSeeds are metadata objects sent as JSON text.
var objectSeeds = []string{
	`{"tenant":"acme","app_version":"2.4.1"}`,
	`{"user_id":"u1","session_id":7,"n":1.50,"big":1e400,"t":true,"f":false,"z":null,"e":""}`,
	`{"nested":{"b":[1,{"y":2,"x":1}],"a":"é"},"list":[],"o":{}}`,
	`{"a":1,"a":"second","b":{"k":1},"b":[2]}`,
	`{"k\u0065y":"v\"q\u00e9\ud800","":"empty key"}`,
	`{"deep":` + strings.Repeat(`{"a":`, 62) + `1` + strings.Repeat("}", 62) + `}`,
	`{"deep":` + strings.Repeat(`[`, 80) + strings.Repeat("]", 80) + `}`,
	`{"a":1,}`, `{"a":1} x`, `{"a":}`, `{}`, ` { } `, `[1]`, `"{\"a\":1}"`, `plain`,
	func() string { // more members than are read from text
		var b strings.Builder
		b.WriteString("{")
		for i := range maxTextMembers + 3 {
			fmt.Fprintf(&b, `"k%d":%d,`, i%(maxTextMembers+1), i)
		}
		b.WriteString(`"last":"x"}`)
		return b.String()
	}(),
}

// checkObjectMembers: the members read from the text give the entries the
// decoded object gives, value for value as metadata writes them.
func checkObjectMembers(t *testing.T, s string) {
	t.Helper()
	written := func(x any) any {
		switch y := x.(type) {
		case jsonText:
			return "text " + string(y)
		case map[string]any, []any:
			return "text " + marshalAny(y)
		}
		return x
	}
	asMap := func(es []MetadataEntry) map[string]any {
		m := map[string]any{}
		for _, e := range es {
			if _, dup := m[e.Key]; dup {
				t.Fatalf("%q: key %q given twice", s, e.Key)
			}
			m[e.Key] = written(e.Value)
		}
		return m
	}
	v := mtView(t, &Options{}, map[string]any{"metadata": s})
	got := asMap(v.objectMembers(nil, "metadata"))
	tree, _ := structured(pcommon.NewValueStr(s)).(map[string]any)
	want := map[string]any{}
	for k, x := range tree {
		want[k] = written(x)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: members\n%#v\nwant\n%#v", s, got, want)
	}
	if !v.consumed[0] {
		t.Fatalf("%q: the attribute was not consumed", s)
	}
}

func FuzzObjectMembers(f *testing.F) { fuzzSeeds(f, objectSeeds, checkObjectMembers) }
