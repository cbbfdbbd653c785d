// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// Strands Agents (TypeScript and Python).
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// strandsSystemPrompt returns the agent's system prompt that Strands TS
// writes as system_prompt (JSON-encoded text) on its invoke_agent span.
// Only Strands spans are read: system_prompt is too generic a key.
func strandsSystemPrompt(v *spanView) string {
	if !isStrands(v) {
		return ""
	}
	s := v.str("system_prompt")
	if s == "" {
		return ""
	}
	if d, ok := decodeJSON(s); ok {
		if str, isStr := d.(string); isStr {
			return str
		}
		if list, isList := d.([]any); isList {
			// A list of content blocks ({"text": …}).
			var parts []string
			for _, e := range list {
				if m, isMap := e.(map[string]any); isMap {
					if t, isStr := m["text"].(string); isStr && t != "" {
						parts = append(parts, t)
					}
				}
			}
			return strings.Join(parts, "\n")
		}
	}
	return s
}

// isStrands reports a span of Strands Agents: its scope (strands-agents in
// TS, strands.telemetry.tracer in Python) or its framework marker.
func isStrands(v *spanView) bool {
	if strings.HasPrefix(v.scopeName, "strands") {
		return true
	}
	for _, k := range []string{"gen_ai.system", "gen_ai.provider.name"} {
		if val, ok := v.peek(k); ok && valueString(val) == "strands-agents" {
			return true
		}
	}
	return false
}
