// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"strconv"
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
		if !sl.Shrink(limit).Fits {
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
	if !sl.Shrink(len(before)).Fits {
		t.Fatal("a span that fits must report fit")
	}
	if after := string(sl.AppendJSON(nil)); after != before {
		t.Fatal("Shrink changed a span that already fit")
	}
}

func TestShrinkImpossible(t *testing.T) {
	sl := bigSpanLog(10_000)
	sl.SpanName = strings.Repeat("n", 255)
	if sl.Shrink(100).Fits {
		t.Fatal("a 100-byte limit cannot hold ids and a 255-char name")
	}
	if !json.Valid(sl.AppendJSON(nil)) {
		t.Fatal("invalid JSON after a failed shrink")
	}
}

// TestShrinkCutsLargestFirst: of a span over the limit only the fields
// above the common cap are cut; smaller content and metadata are kept
// whole, and what was cut is reported.
func TestShrinkCutsLargestFirst(t *testing.T) {
	big := strings.Repeat("b", 300_000)
	medium := strings.Repeat("m", 2_000)
	sl := &SpanLog{
		TraceID: "0123456789abcdef0123456789abcdef", SpanID: "0123456789abcdef",
		SpanName: "chat", LogType: "chat",
		PromptMessages: []Message{{Role: "system", Content: medium}, {Role: "user", Content: big}},
		Metadata: []MetadataEntry{
			{Key: "huge_blob", Value: strings.Repeat("h", 200_000)},
			{Key: "service.name", Value: "checkout"},
			{Key: "tenant", Value: medium},
		},
	}
	c := sl.Shrink(100_000)
	if !c.Fits || c.After > 100_000 || c.Before <= 100_000 {
		t.Fatalf("cut %+v", c)
	}
	if got := sl.PromptMessages[0].Content; got != medium {
		t.Fatalf("the small system message was cut: %d bytes", len(got.(string)))
	}
	if !strings.HasSuffix(sl.PromptMessages[1].Content.(string), TruncationMarker) {
		t.Fatal("the largest message was not cut")
	}
	if v, _ := sl.MetadataValue("tenant"); v != medium {
		t.Fatal("small metadata was cut")
	}
	if v, _ := sl.MetadataValue("service.name"); v != "checkout" {
		t.Fatal("metadata lost")
	}
	if v, ok := sl.MetadataValue("huge_blob"); !ok || !strings.HasSuffix(v.(string), TruncationMarker) {
		t.Fatalf("the huge metadata value is not cut but %v", ok)
	}
	want := map[string]bool{"prompt_messages[1].content": true, "metadata.huge_blob": true}
	if len(c.Fields) != 2 || !want[c.Fields[0]] || !want[c.Fields[1]] || len(c.Dropped) != 0 {
		t.Fatalf("reported cut: %+v", c)
	}
}

// TestShrinkNeverAddsAField: a span with no input or output but over 5 MiB
// of metadata keeps its metadata keys (values cut), gets no invented input
// or output, and says so in its warnings.
func TestShrinkNeverAddsAField(t *testing.T) {
	sl := &SpanLog{TraceID: "0123456789abcdef0123456789abcdef", SpanID: "0123456789abcdef", SpanName: "job", LogType: "task"}
	for i := 0; i < 6; i++ {
		sl.SetMetadata("blob"+strconv.Itoa(i), strings.Repeat("x", 1<<20))
	}
	sl.SetMetadata("customer_tier", "gold")
	c := sl.Shrink(5 << 20)
	if !c.Fits {
		t.Fatalf("does not fit: %+v", c)
	}
	var decoded map[string]any
	if err := json.Unmarshal(sl.AppendJSON(nil), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"input", "output", "prompt_messages", "completion_message"} {
		if _, ok := decoded[k]; ok {
			t.Fatalf("Shrink invented %q: %.80v", k, decoded[k])
		}
	}
	md, _ := decoded["metadata"].(map[string]any)
	if len(md) != 7 || md["customer_tier"] != "gold" {
		t.Fatalf("metadata keys lost: %d keys", len(md))
	}
	if !strings.Contains(decoded["warnings"].(string), "cut to fit") {
		t.Fatal("no warning")
	}
	if len(c.Dropped) != 0 || len(c.Fields) != 6 {
		t.Fatalf("cut %+v", c)
	}
}

// TestShrinkDropsMetadataOneAtATime: when cutting every value to the
// minimum is not enough, metadata keys go largest first, not all at once.
func TestShrinkDropsMetadataOneAtATime(t *testing.T) {
	sl := &SpanLog{TraceID: "0123456789abcdef0123456789abcdef", SpanID: "0123456789abcdef", SpanName: "job"}
	sl.SetMetadata("a_large", strings.Repeat("x", 5000))
	for i := 0; i < 20; i++ {
		sl.SetMetadata("k"+strconv.Itoa(i), "v")
	}
	base := len((&SpanLog{TraceID: sl.TraceID, SpanID: sl.SpanID, SpanName: "job", Warnings: []string{"content cut to fit the request size limit"}}).AppendJSON(nil))
	c := sl.Shrink(base + 200)
	if !c.Fits {
		t.Fatalf("%+v", c)
	}
	if len(c.Dropped) == 0 || c.Dropped[0] != "metadata.a_large" {
		t.Fatalf("the largest key must go first: %+v", c)
	}
	if len(sl.Metadata) == 0 {
		t.Fatal("metadata thrown away wholesale")
	}
}
