// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"testing"
)

func TestToolSpanNames(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		tool  string
	}{
		{"semconv", map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "a"}, "a"},
		{"openinference", map[string]any{"openinference.span.kind": "TOOL", "tool.name": "b"}, "b"},
		{"ai sdk", map[string]any{"ai.operationId": "ai.toolCall", "ai.toolCall.name": "c"}, "c"},
		{"openllmetry", map[string]any{"traceloop.span.kind": "tool", "traceloop.entity.name": "d"}, "d"},
		{"openllmetry enum spelling", map[string]any{"traceloop.span.kind": "TraceloopSpanKindValues.TOOL", "traceloop.entity.name": "e"}, "e"},
		{"langfuse", map[string]any{"langfuse.observation.type": "tool"}, "lf-span-name"},
		// A task's entity name is not a tool.
		{"openllmetry task", map[string]any{"traceloop.span.kind": "task", "traceloop.entity.name": "g"}, ""},
	}
	for i, c := range cases {
		name := "span"
		if c.name == "langfuse" {
			name = "lf-span-name"
		}
		logs := decodeLogs(t, DefaultOptions(), convTrace(t, convSpan{id: byte(i + 1), scope: "s", name: name, attrs: c.attrs}))
		l := logs[sid(byte(i+1))]
		if c.tool == "" {
			want(t, l, "span_tools", nil)
			continue
		}
		if l["log_type"] != "tool" {
			t.Errorf("%s: log_type %v", c.name, l["log_type"])
		}
		want(t, l, "span_tools", []any{c.tool})
	}
}
