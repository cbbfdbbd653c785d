// Copyright The Respan Authors
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
	// Written together with prompt_messages / completion_message(s), in
	// one pass (msgWriter.side), the fields are the same bytes again.
	for _, out := range [][]Message{msgs[3:4], msgs[2:4]} {
		mirrored := SpanLog{TraceID: "t", SpanID: "s", PromptMessages: msgs, CompletionMessage: &out[0],
			inputMsgs: deferMessages(msgs, false), outputMsgs: deferMessages(out, true)}
		if len(out) > 1 {
			mirrored.CompletionMessages = out
		}
		asText := mirrored
		asText.materialize()
		if !mirrored.inputMsgs.mirrors(mirrored.PromptMessages, nil) || !mirrored.outputMsgs.mirrors(mirrored.CompletionMessages, mirrored.CompletionMessage) {
			t.Fatal("the mirrored case is not mirrored")
		}
		if a, b := string(mirrored.AppendJSON(nil)), string(asText.AppendJSON(nil)); a != b {
			t.Fatalf("mirrored encoding differs for %q:\nmirrored: %s\ntext:     %s", s, a, b)
		}
	}
	plain := []Message{msgs[0], msgs[2], msgs[3], msgs[4]}
	if n, ok := messagesJSONLen(plain); !ok || n != len(messagesJSON(plain)) {
		t.Fatalf("messagesJSONLen %d, want %d for %q", n, len(messagesJSON(plain)), s)
	}
	if _, ok := messagesJSONLen(msgs); ok {
		t.Fatal("messagesJSONLen computed a parts tree")
	}
	for i := range msgs {
		if i == 1 {
			continue // parts-tree content is not computed
		}
		if n, ok := messageJSONLen(&msgs[i]); !ok || n != len(messageJSON(&msgs[i])) {
			t.Fatalf("messageJSONLen of message %d: %d, want %d for %q", i, n, len(messageJSON(&msgs[i])), s)
		}
	}
	// The cheap bound deferredFits tries first never undercuts the length.
	if n, _ := messagesJSONLen(plain); worstCaseJSONLen(plain) < n {
		t.Fatalf("worstCaseJSONLen %d below the length %d for %q", worstCaseJSONLen(plain), n, s)
	}
	if got, want := stringBodyLen(s), len(appendStringBody(nil, s, false)); got != want {
		t.Fatalf("stringBodyLen %d, want %d for %q", got, want, s)
	}
	if !json.Valid([]byte(a)) {
		t.Fatalf("invalid JSON for %q: %s", s, a)
	}
}
