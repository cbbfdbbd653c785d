// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"testing"
)

func TestMCPSpans(t *testing.T) {
	td := convTrace(t,
		convSpan{id: 1, scope: "mcp", name: "initialize", attrs: map[string]any{
			"mcp.method.name": "initialize", "mcp.session.id": "s1", "mcp.protocol.version": "2025-11-25", "jsonrpc.request.id": "0"}},
		convSpan{id: 2, parent: 1, scope: "mcp", name: "tools/call weather", attrs: map[string]any{
			"mcp.method.name": "tools/call", "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "weather",
			"gen_ai.tool.call.arguments": map[string]any{"city": "Oslo"}, "gen_ai.tool.call.result": `{"content":[],"isError":false}`,
			"mcp.session.id": "s1", "jsonrpc.request.id": "5"}},
		convSpan{id: 3, parent: 1, scope: "mcp", name: "resources/read", attrs: map[string]any{
			"mcp.method.name": "resources/read", "mcp.resource.uri": "file:///a.md", "rpc.jsonrpc.request_id": "6"}},
		convSpan{id: 4, parent: 1, scope: "mcp", name: "tools/call bad", errMsg: "Method not found", attrs: map[string]any{
			"mcp.method.name": "tools/call", "gen_ai.tool.name": "bad", "error.type": "-32601"}},
		convSpan{id: 5, parent: 1, scope: "mcp", name: "tools/call broken", errMsg: "boom", attrs: map[string]any{
			"mcp.method.name": "tools/call", "gen_ai.tool.name": "broken", "error.type": "tool_error"}},
		// Python contrib draft: arguments one attribute each, JSON-encoded.
		convSpan{id: 6, scope: "opentelemetry.instrumentation.mcp", name: "tools/call search", attrs: map[string]any{
			"mcp.method.name": "tools/call", "mcp.tool.name": "search", "mcp.request.id": int64(7),
			"mcp.request.argument.query": `"rate limits"`, "mcp.request.argument.k": "3", "mcp.request.argument.raw": "not json {"}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	init, call, read, notFound, toolErr, contrib := logs[sid(1)], logs[sid(2)], logs[sid(3)], logs[sid(4)], logs[sid(5)], logs[sid(6)]
	want(t, init, "log_type", "task") // a root MCP span is still a task
	md := metadataOf(t, init)
	if md["mcp_method"] != "initialize" || md["mcp_session_id"] != "s1" || md["mcp_protocol_version"] != "2025-11-25" || md["jsonrpc_request_id"] != "0" {
		t.Errorf("initialize metadata: %v", md)
	}
	want(t, call, "log_type", "tool")
	want(t, call, "span_tools", []any{"weather"})
	wantJSONText(t, call, "input", `{"city":"Oslo"}`)
	wantJSONText(t, call, "output", `{"content":[],"isError":false}`)
	want(t, read, "log_type", "task")
	if md := metadataOf(t, read); md["mcp_resource_uri"] != "file:///a.md" || md["jsonrpc_request_id"] != "6" {
		t.Errorf("resources/read metadata: %v", md)
	}
	want(t, notFound, "status_code", 404)
	want(t, notFound, "error_message", "Method not found")
	want(t, toolErr, "status_code", 500)
	want(t, contrib, "log_type", "tool")
	want(t, contrib, "span_tools", []any{"search"})
	wantJSONText(t, contrib, "input", `{"query":"rate limits","k":3,"raw":"not json {"}`)
	if md := metadataOf(t, contrib); md["jsonrpc_request_id"] != "7" || md["mcp.tool.name"] != nil {
		t.Errorf("contrib metadata: %v", md)
	}
}
