// Copyright The respanexporter Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"strings"
	"testing"
)

// encoderMessages cover every way a message is written: string, null and
// parts-tree content, names, tool calls with and without ids and
// arguments, and strings needing every kind of escape.
func encoderMessages(s string) []Message {
	return []Message{
		{Role: "system", Content: s},
		{Role: "user", Content: []any{map[string]any{"type": "text", "text": s}, map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:x"}}}},
		{Role: "assistant", Content: nil, ToolCalls: []ToolCall{{ID: "c1", Name: "f", Arguments: `{"q":` + quoteString(s) + `}`}, {Name: s}}},
		{Role: "tool", Content: s, ToolCallID: "c1", Name: s},
		{Role: "critic", Content: ""},
	}
}

// TestDeferredMatchesText: input/output written from messages (escaped
// once for both levels) are the bytes of the same field holding the
// messages' JSON text.
func TestDeferredMatchesText(t *testing.T) {
	for _, s := range append(appendStringSeeds, "plain", strings.Repeat("x\"\\\n", 40)) {
		checkDeferred(t, s)
	}
}

func FuzzDeferredMatchesText(f *testing.F) {
	for _, s := range appendStringSeeds {
		f.Add(s)
	}
	f.Fuzz(checkDeferred)
}

func checkDeferred(t *testing.T, s string) {
	msgs := encoderMessages(s)
	deferred := SpanLog{TraceID: "t", SpanID: "s", inputMsgs: deferMessages(msgs, false), outputMsgs: deferMessages(msgs[3:4], true)}
	text := SpanLog{TraceID: "t", SpanID: "s", Input: messagesJSON(msgs), Output: messageJSON(&msgs[3])}
	a, b := string(deferred.AppendJSON(nil)), string(text.AppendJSON(nil))
	if a != b {
		t.Fatalf("deferred encoding differs for %q:\ndeferred: %s\ntext:     %s", s, a, b)
	}
	if !json.Valid([]byte(a)) {
		t.Fatalf("invalid JSON for %q: %s", s, a)
	}
}

// TestEncoderContentHook: the hook sees every content leaf (message
// contents, text parts, tool arguments, tool results, input and output
// text) and nothing else; without it the bytes are AppendJSON's.
func TestEncoderContentHook(t *testing.T) {
	msgs := encoderMessages("SECRET")
	sl := &SpanLog{TraceID: "t", SpanID: "s", SpanName: "SECRET-name", PromptMessages: msgs, CompletionMessage: &msgs[3],
		inputMsgs: deferMessages(msgs, false), Output: `"SECRET out"`, Metadata: []MetadataEntry{{Key: "k", Value: "SECRET-meta"}}}
	var leaves []string
	e := &Encoder{Content: func(s string) string {
		leaves = append(leaves, s)
		return strings.ReplaceAll(s, "SECRET", "[X]")
	}}
	out := string(e.AppendJSON(nil, sl))
	if !json.Valid([]byte(out)) {
		t.Fatalf("invalid JSON: %s", out)
	}
	// Not content: span name, tool names, names, metadata keep the text.
	for _, keep := range []string{`"span_name":"SECRET-name"`, `"name":"SECRET"`, `SECRET-meta`} {
		if !strings.Contains(out, keep) {
			t.Errorf("hook touched a non-content field (%s missing): %s", keep, out)
		}
	}
	var got struct {
		Prompt []struct {
			Content   any `json:"content"`
			ToolCalls []struct {
				Function struct{ Arguments string } `json:"function"`
			} `json:"tool_calls"`
		} `json:"prompt_messages"`
		Input, Output string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Prompt[0].Content != "[X]" || got.Prompt[3].Content != "[X]" || !strings.Contains(got.Prompt[2].ToolCalls[0].Function.Arguments, "[X]") {
		t.Errorf("content, tool result or arguments not hooked: %+v", got.Prompt)
	}
	if parts, _ := got.Prompt[1].Content.([]any); len(parts) != 2 || parts[0].(map[string]any)["text"] != "[X]" {
		t.Errorf("text part not hooked: %v", got.Prompt[1].Content)
	}
	// In input, only the two names (not content) keep the text.
	if strings.Count(got.Input, "SECRET") != 2 || strings.Count(got.Input, "[X]") != 4 || got.Output != `"[X] out"` {
		t.Errorf("input/output not hooked: %q %q", got.Input, got.Output)
	}
	if len(leaves) == 0 {
		t.Fatal("hook never called")
	}
	if plain := string((*Encoder)(nil).AppendJSON(nil, sl)); plain != string(sl.AppendJSON(nil)) || !strings.Contains(plain, "SECRET out") {
		t.Errorf("nil encoder differs from AppendJSON or hooked anyway")
	}
}
