// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"strings"
	"testing"
)

func bigSpanLog(contentBytes int) *SpanLog {
	body := strings.Repeat("é", contentBytes/2) // two bytes per rune
	return &SpanLog{
		TraceID: "0123456789abcdef0123456789abcdef", SpanID: "0123456789abcdef",
		SpanName: "chat", LogType: "chat", Model: "gpt-4o",
		PromptMessages: []Message{{Role: "user", Content: body}},
		CompletionMessage: &Message{Role: "assistant", ToolCalls: []ToolCall{
			{ID: "c1", Name: "f", Arguments: `{"q":"` + body + `"}`},
		}},
		Input:        marshalAny([]any{map[string]any{"role": "user", "content": body}}),
		Output:       `"` + body + `"`,
		PromptTokens: someInt(10),
	}
}

func TestShrinkFitsAndStaysValid(t *testing.T) {
	for _, limit := range []int{200_000, 50_000, 5_000, 2_000} {
		sl := bigSpanLog(400_000)
		if !sl.Shrink(limit) {
			t.Fatalf("limit %d: Shrink reported no fit", limit)
		}
		enc := sl.AppendJSON(nil)
		if len(enc) > limit {
			t.Fatalf("limit %d: encoding is %d bytes", limit, len(enc))
		}
		if !json.Valid(enc) {
			t.Fatalf("limit %d: invalid JSON", limit)
		}
		var decoded map[string]any
		if err := json.Unmarshal(enc, &decoded); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"input", "output"} {
			if s, ok := decoded[k].(string); ok && !json.Valid([]byte(s)) {
				t.Fatalf("limit %d: %s is not JSON text after shrinking: %.80q", limit, k, s)
			}
		}
		if decoded["prompt_tokens"] != float64(10) || decoded["span_unique_id"] != "0123456789abcdef" {
			t.Fatalf("limit %d: identity or usage lost: %v", limit, decoded)
		}
		if !strings.Contains(decoded["warnings"].(string), "cut to fit") {
			t.Fatalf("limit %d: no warning about the cut", limit)
		}
	}
}

func TestShrinkKeepsFittingSpanUnchanged(t *testing.T) {
	sl := bigSpanLog(1000)
	before := string(sl.AppendJSON(nil))
	if !sl.Shrink(len(before)) {
		t.Fatal("a span that fits must report fit")
	}
	if after := string(sl.AppendJSON(nil)); after != before {
		t.Fatal("Shrink changed a span that already fit")
	}
}

func TestShrinkImpossible(t *testing.T) {
	sl := bigSpanLog(10_000)
	sl.SpanName = strings.Repeat("n", 255)
	if sl.Shrink(100) {
		t.Fatal("a 100-byte limit cannot hold ids and a 255-char name")
	}
	if !json.Valid(sl.AppendJSON(nil)) {
		t.Fatal("invalid JSON after a failed shrink")
	}
}
