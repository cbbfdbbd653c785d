// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
)

// contentSeeds are content strings on every edge of the streaming content
// paths: escapes, invalid UTF-8, double encoding (with escaped openers and
// whitespace), pretty-printing, placeholders, nesting at maxDepth, and
// text longer than the caps of contentViews.
var contentSeeds = []string{
	`{"a":1}`, `  {"b": [1, 2.50, 1e400, -0, true, null], "a": "x"}  `, "{\n\t\"a\": 1\n}", "[\n]", `[]`, `{}`,
	`"plain literal"`, `"\"quoted\" \u00e9 \ud83d\ude00 \ud800"`, `"{\"x\":1}"`, "\"\\n\\t {\\\"x\\\": [1]}\"",
	`"\u007b\"a\":1}"`, `"\u005B1]"`, `"\u0020\u000a["`, `"[1,"`, `"{not json}"`, `" [1] "`, `"\"[1]\""`,
	`""`, `"[]"`, `N/A`, `null`, `42`, `true`, `plain text`, `{"a":`, `[1,2`, "{\"a\":\"bad\xffutf8\"}",
	"bad\xffutf8", `{"k":"\u0000\u001f\u2028"}`, `{"dup":1,"dup":2}`, `{"\u0062":1,"a":2,"b":3}`,
	`{"esc":"\/\b\f\n\r\t"}`, "{\"a\":\r\n1}", "\u00a0{\"a\":1}", "{\"a\":1}\u00a0",
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	`"` + strings.Repeat(`[`, maxDepth) + strings.Repeat(`]`, maxDepth) + `"`,
	`{"long":"` + strings.Repeat("long text ", 80) + `"}`, "[\n" + strings.Repeat(`"x", `, 200) + "1\n]",
	`"` + strings.Repeat(`{\"k\":\"v\"}`, 1) + `"`, strings.Repeat("plain ", 200),
}

// contentViews returns fresh views with no cap, a small cap, and a cap
// that falls inside the seeds' longer texts.
func contentViews() []*spanView { return spanViews(ptrace.NewSpan()) }

// spanViews is contentViews on span.
func spanViews(span ptrace.Span) []*spanView {
	var out []*spanView
	for _, limit := range []int{0, 16, 300} {
		opts := DefaultOptions()
		opts.MaxContentBytes = limit
		v := newSpanView(&opts)
		v.reset(span, "s", pcommon.NewMap(), false)
		out = append(out, v)
	}
	return out
}

// fastAndGeneral runs describe with the fast paths on, then off.
func fastAndGeneral(describe func() string) (fast, general string) {
	run := func(on bool) string {
		saved := useFastMessages
		useFastMessages = on
		defer func() { useFastMessages = saved }()
		return describe()
	}
	return run(true), run(false)
}

// viewState describes what a conversion left on a view besides its result.
func viewState(v *spanView) string {
	return "\nmeta " + string(appendMetadataEntries(nil, v.sortedMeta())) +
		"\nwarnings " + strings.Join(v.warnings, "|") + "\ntruncated " + string(rune('0'+v.truncated))
}

// contentTextTree is contentText as it was before the streaming path: the
// double encoding decoded into a tree, toJSONText validating again, and
// encoding/json compacting.
func contentTextTree(v *spanView, key string, val pcommon.Value) (string, bool) {
	if val.Type() != pcommon.ValueTypeStr {
		return contentText(v, key, val)
	}
	s := val.Str()
	if isEmptyContent(s) {
		return "", false
	}
	valid := validJSON(s)
	if looksLikeJSONContainer(s) && !valid {
		v.warn("attribute " + key + " holds invalid JSON (truncated?); sent as text")
	}
	if !valid || isJSONScalarText(s) {
		return quoteString(v.capContent(s)), true
	}
	d := s
	if firstNonSpace(s) == '"' {
		if inner, ok := decodeJSON(s); ok {
			if str, isStr := inner.(string); isStr && looksLikeJSONContainer(str) && validJSON(str) {
				d = str
			}
		}
	}
	if validJSON(d) && !isJSONScalarText(d) {
		if strings.ContainsAny(d, "\n\t") {
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(d)); err == nil {
				d = b.String()
			}
		}
		return v.capJSONText(d), true
	}
	return v.capJSONText(quoteString(d)), true
}

// TestContentTextMatchesTree: the streaming content path sends the bytes,
// warnings and truncation counts the tree path did.
func TestContentTextMatchesTree(t *testing.T) {
	for _, s := range contentSeeds {
		checkContentText(t, s)
	}
}

func checkContentText(t *testing.T, s string) {
	t.Helper()
	val := pcommon.NewValueStr(s)
	streamed, tree := contentViews(), contentViews()
	for i := range streamed {
		got, gotOK := contentText(streamed[i], "k", val)
		want, wantOK := contentTextTree(tree[i], "k", val)
		got += viewState(streamed[i])
		want += viewState(tree[i])
		if got != want || gotOK != wantOK {
			t.Fatalf("contentText(%q), cap %d:\nstreamed: %v %s\ntree:     %v %s", s, streamed[i].opts.MaxContentBytes, gotOK, got, wantOK, want)
		}
	}
	if validJSON(s) {
		var b bytes.Buffer
		if json.Compact(&b, []byte(s)) == nil && string(appendCompactJSON(nil, s)) != b.String() {
			t.Fatalf("appendCompactJSON(%q) = %q, encoding/json.Compact %q", s, appendCompactJSON(nil, s), b.String())
		}
	}
}

// FuzzContentStreams checks the streaming content paths against the tree
// paths they replace, on any input.
func FuzzContentStreams(f *testing.F) {
	for _, s := range messageSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkContentText(t, s)
		checkMessagesFromValue(t, s)
		checkDocuments(t, s)
	})
}

// nestedResults are tool results wrapped in {type:"text", value:…} k
// times, around the depth where resultText gives up: a fast path that
// counted depth from the wrong level would cut one of them differently.
func nestedResults() []string {
	var out []string
	for k := 18; k <= 24; k++ {
		res := strings.Repeat(`{"type":"text","value":`, k) + `"deep"` + strings.Repeat(`}`, k)
		out = append(out, `[{"role":"tool","parts":[{"type":"tool_call_response","id":"c","response":`+res+`}]}]`)
	}
	return out
}

// messageSeeds are the message-list inputs of the attribute-value readers.
func messageSeeds() []string {
	seeds := append(append([]string(nil), fastSeeds...), nestedResults()...)
	return append(seeds, contentSeeds...)
}

// readValueBoth converts s as an attribute value with and without the fast
// reader, as non-model spans' messages and system instructions are read.
func readValueBoth(t testing.TB, s, def string) (fast, general string) {
	return fastAndGeneral(func() string {
		var out string
		for _, v := range contentViews() {
			val := pcommon.NewValueStr(s)
			out += "\nmessages " + string(appendMessages(nil, messagesFromValue(v, val, def)))
			out += "\nsystem " + string(appendMessages(nil, systemMessagesFromValue(v, val)))
			out += viewState(v)
		}
		return out
	})
}

// TestMessagesFromValueMatchTree: non-model spans' message lists read by
// the fast reader give what the tree of structured gave.
func TestMessagesFromValueMatchTree(t *testing.T) {
	for _, s := range messageSeeds() {
		checkMessagesFromValue(t, s)
	}
}

func checkMessagesFromValue(t *testing.T, s string) {
	t.Helper()
	// The value readers that skip boxing a string give what the boxed
	// general entry points give.
	val := pcommon.NewValueStr(s)
	unboxed, boxed := contentViews(), contentViews()
	for i := range unboxed {
		cu, cb := newMsgConv(unboxed[i]), newMsgConv(boxed[i])
		got := string(appendMessages(nil, cu.fromValue(val, "user", 0))) +
			string(appendMessages(nil, cu.systemInstructionsValue(val))) + viewState(unboxed[i])
		want := string(appendMessages(nil, cb.fromAny(valueToAny(val), "user", 0))) +
			string(appendMessages(nil, cb.systemInstructions(valueToAny(val)))) + viewState(boxed[i])
		if got != want {
			t.Fatalf("value readers of %q:\nunboxed: %s\nboxed:   %s", s, got, want)
		}
	}
	for _, def := range []string{"user", "assistant"} {
		if fast, general := readValueBoth(t, s, def); fast != general {
			t.Fatalf("messages of %q (%s):\nfast:    %s\ngeneral: %s", s, def, fast, general)
		}
	}
}

// TestDeferredContentMatchesText: every span log of the benchmark traffic
// (agent and workflow spans included, whose messages are now deferred)
// encodes to the bytes it encodes to with input and output made text.
func TestDeferredContentMatchesText(t *testing.T) {
	opts := DefaultOptions()
	for _, limit := range []int{opts.MaxContentBytes, 64} {
		opts.MaxContentBytes = limit
		res := New(opts).Translate(benchdata.Traces(400, 3))
		deferred := 0
		for _, sl := range res.Logs {
			if sl.inputMsgs.set() || sl.outputMsgs.set() {
				deferred++
			}
			before := string(sl.AppendJSON(nil))
			sl.materialize()
			if after := string(sl.AppendJSON(nil)); before != after {
				t.Fatalf("cap %d: deferred encoding differs:\ndeferred: %s\ntext:     %s", limit, before, after)
			}
		}
		if deferred == 0 && limit > 64 {
			t.Fatalf("cap %d: no span log deferred its messages", limit)
		}
	}
}

// docSpans are the retrieval-document attribute sets the text writer is
// checked on for a string s: s in every field, documents out of order,
// index spellings that meet ("01" and "1"), a field set twice, values of
// every type.
func docSpans(s string) []func(pcommon.Map) {
	const p = "retrieval.documents."
	return []func(pcommon.Map){
		func(m pcommon.Map) {
			m.PutStr(p+"1.document.content", s)
			m.PutStr(p+"1.document.metadata", s)
			m.PutStr(p+"0.document.id", s)
			m.PutDouble(p+"0.document.score", 0.25)
			m.PutStr(p+"0.document.metadata", `{"source":"kb/a.md","n":[1,2.50]}`)
			m.PutStr(p+"0.document.content", "short")
		},
		func(m pcommon.Map) {
			m.PutStr(p+"2.document.z", s)
			m.PutInt(p+"2.document.a", -3)
			m.PutBool(p+"2.other", true)
			m.PutDouble(p+"2.document.nan", math.NaN())
			m.PutEmptyBytes(p + "2.document.bytes").FromRaw([]byte(s))
			m.PutEmptySlice(p + "2.document.list").AppendEmpty().SetStr(s)
			m.PutEmptyMap(p+"2.document.metadata").PutStr("k", s)
			m.PutEmptyMap(p+"2.document.content").PutInt("k", 1)
			m.PutEmpty(p + "2.document.empty")
			m.PutStr(p+"x.document.id", s)
			m.PutStr(p+"3", s)
			m.PutStr(p+"10001.document.id", s)
		},
		func(m pcommon.Map) {
			m.PutStr(p+"01.document.content", s)
			m.PutStr(p+"1.document.content", "second")
		},
		func(m pcommon.Map) {
			m.PutStr(p+"0.id", s)
			m.PutStr(p+"0.document.id", "two")
		},
	}
}

func checkDocuments(t *testing.T, s string) {
	t.Helper()
	if got, want := string(contentViews()[0].appendDecodedJSON(nil, s)), string(appendAny(nil, decodeMaybeJSON(s))); got != want {
		t.Fatalf("appendDecodedJSON(%q) = %s, tree %s", s, got, want)
	}
	for i, fill := range docSpans(s) {
		streamed, tree := contentViews(), contentViews()
		for k := range streamed {
			attrs := pcommon.NewMap()
			fill(attrs)
			span := ptrace.NewSpan()
			attrs.CopyTo(span.Attributes())
			streamed[k].reset(span, "s", pcommon.NewMap(), false)
			tree[k].reset(span, "s", pcommon.NewMap(), false)
			got := retrievalDocumentsText(streamed[k]) + viewState(streamed[k])
			want := marshalAny(retrievalDocuments(tree[k])) + viewState(tree[k])
			if got != want {
				t.Fatalf("documents %d of %q, cap %d:\nstreamed: %s\ntree:     %s", i, s, streamed[k].opts.MaxContentBytes, got, want)
			}
		}
	}
}

func TestRetrievalDocumentsMatchTree(t *testing.T) {
	for _, s := range contentSeeds {
		checkDocuments(t, s)
	}
}
