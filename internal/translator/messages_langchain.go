// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// LangChain / LangSmith shapes: serialised messages (lc/kwargs), LLMResult
// generations, LangSmith prompt lists.

// langChainRole maps a serialised LangChain message class to a role.
func langChainRole(class string, kw map[string]any) string {
	class = strings.TrimSuffix(class, "Chunk")
	switch class {
	case "HumanMessage":
		return "user"
	case "AIMessage":
		return "assistant"
	case "SystemMessage":
		return "system"
	case "ToolMessage", "FunctionMessage":
		return "tool"
	case "ChatMessage":
		return roleOf(kw["role"])
	}
	return roleOf(kw["type"])
}

func (c *msgConv) fromLangChain(m, kw map[string]any, def string, depth int) []Message {
	class := ""
	if ids, ok := m["id"].([]any); ok && len(ids) > 0 {
		class, _ = ids[len(ids)-1].(string)
	}
	role := langChainRole(class, kw)
	if role == "" {
		role = def
	}
	msg := map[string]any{"role": role}
	for _, k := range []string{"content", "name", "tool_call_id", "tool_calls"} {
		if x, ok := kw[k]; ok {
			msg[k] = x
		}
	}
	if add, ok := kw["additional_kwargs"].(map[string]any); ok {
		if _, has := msg["tool_calls"]; !has {
			if tc, ok := add["tool_calls"]; ok {
				msg["tool_calls"] = tc
			}
		}
		if fc, ok := add["function_call"]; ok {
			msg["function_call"] = fc
		}
	}
	if tcs, ok := msg["tool_calls"].([]any); ok && len(tcs) == 0 {
		delete(msg, "tool_calls")
	}
	return c.fromMessageMap(msg, role, depth+1)
}

// langChainGenerations converts a LangChain LLMResult.
func (c *msgConv) langChainGenerations(m map[string]any, depth int) ([]Message, bool) {
	gens, ok := m["generations"].([]any)
	if !ok {
		return nil, false
	}
	var out []Message
	for _, g := range gens {
		list, ok := g.([]any)
		if !ok {
			list = []any{g}
		}
		for _, gi := range list {
			gm, ok := gi.(map[string]any)
			if !ok {
				continue
			}
			if msg, ok := gm["message"]; ok {
				out = append(out, c.fromAny(msg, "assistant", depth+1)...)
			} else {
				out = append(out, c.fromAny(gm["text"], "assistant", depth+1)...)
			}
		}
	}
	return out, true
}

// langSmithPrompts converts LangSmith LLM inputs: {"prompts": [...]}.
func (c *msgConv) langSmithPrompts(m map[string]any, depth int) ([]Message, bool) {
	ps, ok := m["prompts"].([]any)
	if !ok {
		return nil, false
	}
	return c.fromList(ps, "user", depth+1), true
}
