// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package genai

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestSpanHasContent(t *testing.T) {
	cases := []struct {
		name  string
		build func(s ptrace.Span)
		want  bool
	}{
		{"no attributes", func(ptrace.Span) {}, false},
		{"model and usage only", func(s ptrace.Span) {
			s.Attributes().PutStr(OperationName, "chat")
			s.Attributes().PutInt("gen_ai.usage.input_tokens", 3)
		}, false},
		{"system instructions alone", func(s ptrace.Span) { s.Attributes().PutStr(SystemInstructions, "be brief") }, false},
		{"semconv input messages", func(s ptrace.Span) { s.Attributes().PutStr(InputMessages, "[]") }, true},
		{"openinference value", func(s ptrace.Span) { s.Attributes().PutStr("input.value", "hi") }, true},
		{"flattened openllmetry", func(s ptrace.Span) { s.Attributes().PutStr("gen_ai.prompt.0.content", "hi") }, true},
		{"flattened openinference", func(s ptrace.Span) { s.Attributes().PutStr("llm.output_messages.0.message.role", "assistant") }, true},
		{"prefix lookalike", func(s ptrace.Span) { s.Attributes().PutStr("gen_ai.prompt_json", "{}") }, false},
		{"choice event", func(s ptrace.Span) { s.Events().AppendEmpty().SetName(EventChoice) }, true},
		{"other event", func(s ptrace.Span) { s.Events().AppendEmpty().SetName("exception") }, false},
	}
	for _, c := range cases {
		s := ptrace.NewSpan()
		c.build(s)
		if got := SpanHasContent(s); got != c.want {
			t.Errorf("%s: SpanHasContent = %v, want %v", c.name, got, c.want)
		}
	}
}
