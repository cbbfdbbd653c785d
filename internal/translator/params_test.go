// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
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

func TestInvocationParamsMatchTree(t *testing.T) {
	for _, s := range invocationSeeds {
		checkInvocation(t, s)
	}
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

func FuzzInvocationParams(f *testing.F) {
	for _, s := range invocationSeeds {
		f.Add(s)
	}
	f.Fuzz(checkInvocation)
}
