// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
	"testing"
)

func TestStrandsContent(t *testing.T) {
	td := convTrace(t,
		convSpan{id: 1, scope: "strands-agents", name: "invoke_agent A", attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.system": "strands-agents", "gen_ai.agent.name": "A",
			"system_prompt": `"Be helpful."`, "gen_ai.usage.input_tokens": 360, "gen_ai.usage.output_tokens": 43},
			events: []convEvent{{"gen_ai.user.message", map[string]any{"content": `[{"text":"hi"}]`}}}},
		convSpan{id: 2, parent: 1, scope: "strands-agents", name: "chat", attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.system": "strands-agents", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 150, "gen_ai.usage.output_tokens": 25},
			events: []convEvent{
				{"gen_ai.user.message", map[string]any{"content": `[{"text":"hi"}]`}},
				{"gen_ai.assistant.message", map[string]any{"content": `[{"toolUse":{"name":"f","toolUseId":"t1","input":{"a":1}}}]`}},
				{"gen_ai.tool.message", map[string]any{"content": `[{"toolResult":{"toolUseId":"t1","status":"success","content":[{"json":{"ok":true}}]}}]`}},
				{"gen_ai.choice", map[string]any{"finish_reason": "toolUse", "message": `[{"type":"toolUse","name":"g","toolUseId":"t2","input":{"b":2}}]`}},
			}},
		// system_prompt on a span that is not Strands' is not read.
		convSpan{id: 3, scope: "other", name: "agent", attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "system_prompt": "secret sauce", "gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"q"}]}]`}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	agent, chat, other := logs[sid(1)], logs[sid(2)], logs[sid(3)]
	wantJSONText(t, agent, "input", `[{"role":"system","content":"Be helpful."},{"role":"user","content":"hi"}]`)
	want(t, agent, "prompt_tokens", nil)
	if agg, _ := metaJSON(t, agent, "aggregated_usage").(map[string]any); agg["prompt_tokens"] != float64(360) {
		t.Errorf("agent aggregate: %v", agg)
	}
	pm, _ := chat["prompt_messages"].([]any)
	if len(pm) != 3 {
		t.Fatalf("chat prompt_messages: %s", show(pm))
	}
	call := pm[1].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)
	if call["id"] != "t1" || call["function"].(map[string]any)["name"] != "f" {
		t.Errorf("Bedrock toolUse block: %v", call)
	}
	if tm := pm[2].(map[string]any); tm["role"] != "tool" || tm["tool_call_id"] != "t1" || tm["content"] != `{"ok":true}` {
		t.Errorf("json tool result: %v", tm)
	}
	cm, _ := chat["completion_message"].(map[string]any)
	calls, _ := cm["tool_calls"].([]any)
	if len(calls) != 1 || calls[0].(map[string]any)["id"] != "t2" {
		t.Errorf("typed toolUse block: %s", show(cm))
	}
	if strings.Contains(show(other["input"]), "secret sauce") {
		t.Errorf("system_prompt of a non-Strands span was read: %v", other["input"])
	}
}
