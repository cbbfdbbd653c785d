// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// Tool spans: the tool's name in every convention's spelling.
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// toolNameKeys are the attributes naming the tool a span runs.
var toolNameKeys = newKeyList("gen_ai.tool.name", "tool.name", "ai.toolCall.name", "mcp.tool.name")

// toolSpanName returns the tool a tool span runs, in every convention's
// spelling: semconv gen_ai.tool.name, OpenInference tool.name, the AI SDK's
// ai.toolCall.name, MCP's draft mcp.tool.name, OpenLLMetry's
// traceloop.entity.name on traceloop.span.kind=tool spans, and the name of
// a Langfuse tool observation.
func toolSpanName(v *spanView) string {
	// Nothing is consumed: the names stay in metadata (tool_name,
	// entity_name) too, as they did before span_tools read them.
	if name := v.firstListString(&toolNameKeys); name != "" {
		return name
	}
	if kind := strings.ToLower(strings.TrimPrefix(v.firstString("traceloop.span.kind"), "TraceloopSpanKindValues.")); kind == "tool" {
		return v.firstString("traceloop.entity.name")
	}
	// A Langfuse tool observation is named after its tool (startObservation
	// takes the name first); it has no other tool attribute.
	if strings.EqualFold(v.firstString("langfuse.observation.type"), "tool") {
		return truncateRunes(strings.TrimSpace(v.span.Name()), 256)
	}
	return ""
}
