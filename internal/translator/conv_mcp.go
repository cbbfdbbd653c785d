// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// MCP spans (semconv v1.39+, and the draft names of the Python contrib
// instrumentation).
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// mcpLogType maps an MCP span (mcp.method.name) to a log type: tools/call
// is a tool call, every other method (initialize, tools/list,
// resources/read, notifications, …) a task, even at the root of a trace.
func mcpLogType(v *spanView) string {
	m := v.str("mcp.method.name")
	if m == "" {
		return ""
	}
	if m == "tools/call" {
		return "tool"
	}
	return "task"
}

// mcpMetadata records the MCP ids and versions under short metadata keys.
func mcpMetadata(v *spanView) {
	if !v.has("mcp.method.name") {
		return
	}
	for _, kv := range [...][2]string{
		{"mcp.method.name", "mcp_method"},
		{"mcp.session.id", "mcp_session_id"},
		{"mcp.protocol.version", "mcp_protocol_version"},
		{"mcp.resource.uri", "mcp_resource_uri"},
		{"jsonrpc.protocol.version", "jsonrpc_protocol_version"},
		{"rpc.response.status_code", "jsonrpc_error_code"},
	} {
		if s := v.str(kv[0]); s != "" {
			v.setMetaStr(kv[1], s)
		}
	}
	ids := []string{"jsonrpc.request.id", "rpc.jsonrpc.request_id", "mcp.request.id"}
	if s := v.firstString(ids...); s != "" {
		v.setMetaStr("jsonrpc_request_id", s)
	}
	v.consumeAll(ids...)
	v.consume("mcp.tool.name") // sent as span_tools
}

// mcpArguments rebuilds the arguments of opentelemetry-instrumentation-mcp,
// which writes each as mcp.request.argument.<name> holding its JSON.
func mcpArguments(v *spanView) (string, bool) {
	if !v.hasFlat.mcpArguments {
		return "", false
	}
	var args map[string]any
	v.forPrefix("mcp.request.argument.", func(rest string, val pcommon.Value) {
		if rest == "" {
			return
		}
		if args == nil {
			args = map[string]any{}
		}
		s := valueString(val)
		if d, ok := decodeJSON(s); ok {
			args[rest] = d
		} else {
			args[rest] = s
		}
	})
	if args == nil {
		return "", false
	}
	return v.capJSONText(marshalAny(args)), true
}

// jsonRPCStatus maps a JSON-RPC error code (MCP's error.type and
// rpc.response.status_code) to an HTTP-like status_code: request errors are
// 4xx, server errors 500. 0 when s is no JSON-RPC error code.
func jsonRPCStatus(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n >= 0 {
		return 0
	}
	switch n {
	case -32700, -32600, -32602:
		return 400
	case -32601:
		return 404
	case -32002: // MCP: resource not found
		return 404
	}
	return 500
}
