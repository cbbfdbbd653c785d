// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/respanai/respanexporter/internal/genai"
)

// Tool definitions and tool_choice (§4 rows `tools`, `tool_choice`).

// maxTools caps the number of tool definitions kept.
const maxTools = 1024

// extractTools normalises tool definitions to
// [{type:"function", function:{name, description, parameters}}] from the
// first §4 source present; nil when none.
func extractTools(v *spanView) []any {
	// [SC] gen_ai.tool.definitions.
	if val, ok := v.get(genai.ToolDefinitions); ok {
		if out := normaliseToolList(v, structured(val)); len(out) > 0 {
			return out
		}
	}
	// [TL-old] llm.request.functions.{i}.*
	if v.hasFlat.tlFunctions {
		var out []any
		for _, g := range collectFlat(v, "llm.request.functions.") {
			m := map[string]any{}
			for _, f := range g.fields {
				m[f.sub] = structured(f.val)
			}
			if t := normaliseTool(v, m); t != nil {
				out = append(out, t)
				if len(out) >= maxTools {
					break
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	// [OI] llm.tools.{i}.tool.json_schema.
	if v.hasFlat.oiTools {
		var out []any
		for _, g := range collectFlat(v, "llm.tools.") {
			val, ok := g.fields.get("tool.json_schema")
			if !ok {
				// Some emitters flatten the schema itself.
				m := map[string]any{}
				for _, f := range g.fields {
					m[strings.TrimPrefix(f.sub, "tool.")] = structured(f.val)
				}
				if t := normaliseTool(v, m); t != nil {
					out = append(out, t)
				}
				continue
			}
			if m, ok := structured(val).(map[string]any); ok {
				if t := normaliseTool(v, m); t != nil {
					out = append(out, t)
				}
			} else if val.Type() == pcommon.ValueTypeStr && looksLikeJSONContainer(val.Str()) {
				v.warn("unparseable JSON in tool definition")
			}
			if len(out) >= maxTools {
				break
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	// [AI] ai.prompt.tools (array of JSON strings, or one JSON array).
	if val, ok := v.get("ai.prompt.tools"); ok {
		if out := normaliseToolList(v, structured(val)); len(out) > 0 {
			return out
		}
	}
	// llm.invocation_parameters.tools
	if val, ok := v.peek("llm.invocation_parameters"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if out := normaliseToolList(v, m["tools"]); len(out) > 0 {
				return out
			}
			if out := normaliseToolList(v, m["functions"]); len(out) > 0 {
				return out
			}
		}
	}
	// Logfire request_data.tools.
	if val, ok := v.peek("request_data"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if out := normaliseToolList(v, m["tools"]); len(out) > 0 {
				return out
			}
		}
	}
	// [ADK] llm_request.config.tools[].function_declarations.
	if val, ok := v.peek("gcp.vertex.agent.llm_request"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			var out []any
			if cfg, ok := m["config"].(map[string]any); ok {
				tools, _ := cfg["tools"].([]any)
				for _, t := range tools {
					tm, ok := t.(map[string]any)
					if !ok {
						continue
					}
					decls, _ := mAny(tm, "function_declarations", "functionDeclarations")
					out = append(out, normaliseToolList(v, decls)...)
					if len(out) >= maxTools {
						break
					}
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	// [PA] model_request_parameters.function_tools (+ output_tools).
	if val, ok := v.get("model_request_parameters"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			out := normaliseToolList(v, m["function_tools"])
			out = append(out, normaliseToolList(v, m["output_tools"])...)
			if len(out) > 0 {
				return out
			}
		}
	}
	// [ST] gen_ai.agent.tools (names only).
	if val, ok := v.peek("gen_ai.agent.tools"); ok {
		if out := normaliseToolList(v, structured(val)); len(out) > 0 {
			return out
		}
	}
	return nil
}

// normaliseToolList normalises a list (or single object) of definitions.
func normaliseToolList(v *spanView, x any) []any {
	switch t := x.(type) {
	case nil:
		return nil
	case string:
		if strings.TrimSpace(t) == "" {
			return nil
		}
		d := decodeMaybeJSON(t)
		if ds, ok := d.(string); ok {
			if looksLikeJSONContainer(ds) {
				v.warn("unparseable JSON in tool definition")
				return nil
			}
			// A bare tool name.
			return []any{toolDef(truncateRunes(strings.TrimSpace(ds), 256), nil, nil)}
		}
		return normaliseToolList(v, d)
	case map[string]any:
		// {"tools": [...]} wrapper.
		if inner, ok := t["tools"]; ok {
			return normaliseToolList(v, inner)
		}
		if tool := normaliseTool(v, t); tool != nil {
			return []any{tool}
		}
		return nil
	case []any:
		var out []any
		for _, e := range t {
			switch et := e.(type) {
			case string:
				out = append(out, normaliseToolList(v, et)...)
			case map[string]any:
				if tool := normaliseTool(v, et); tool != nil {
					out = append(out, tool)
				}
			}
			if len(out) >= maxTools {
				break
			}
		}
		return out
	}
	return nil
}

// normaliseTool converts one definition of any shape (OpenAI nested, flat
// semconv/Vercel, Anthropic input_schema, Gemini/pydantic-ai
// parameters_json_schema) to the OpenAI shape; nil without a name.
func normaliseTool(v *spanView, m map[string]any) any {
	src, nested := m, false
	if f, ok := m["function"].(map[string]any); ok {
		src, nested = f, true
	}
	name := strings.TrimSpace(mStr(src, "name"))
	if name == "" {
		name = strings.TrimSpace(mStr(m, "name", "id"))
	}
	if name == "" {
		return nil
	}
	desc := mStr(src, "description")
	if desc == "" && nested {
		desc = mStr(m, "description")
	}
	params, _ := mAny(src, "parameters", "inputSchema", "input_schema", "parameters_json_schema",
		"parametersJsonSchema", "json_schema", "schema")
	if params == nil && nested {
		params, _ = mAny(m, "parameters", "inputSchema", "input_schema", "parameters_json_schema")
	}
	if s, ok := params.(string); ok {
		if isEmptyContent(s) {
			params = nil
		} else {
			d := decodeMaybeJSON(s)
			if ds, isStr := d.(string); isStr && looksLikeJSONContainer(ds) {
				v.warn("unparseable JSON in tool definition")
			}
			params = d
		}
	}
	// Vercel wraps JSON schemas as {jsonSchema: {...}}.
	if pm, ok := params.(map[string]any); ok {
		if js, ok := pm["jsonSchema"].(map[string]any); ok && len(pm) <= 2 {
			params = js
		}
	}
	var descAny any
	if desc != "" {
		descAny = v.capContent(desc)
	}
	return toolDef(truncateRunes(name, 256), descAny, saneNumbers(params, 0))
}

func toolDef(name string, desc, params any) map[string]any {
	fn := map[string]any{"name": name}
	if desc != nil {
		fn["description"] = desc
	}
	if params != nil {
		fn["parameters"] = params
	}
	return map[string]any{"type": "function", "function": fn}
}

// extractToolChoice returns tool_choice per §4: [AI] ai.prompt.toolChoice →
// llm.invocation_parameters.tool_choice → [OL] gen_ai.request.tool_choice
// (→ Logfire request_data.tool_choice); nil when none.
func extractToolChoice(v *spanView) any {
	if val, ok := v.get("ai.prompt.toolChoice"); ok {
		if tc := toolChoiceAttr(val); tc != nil {
			return tc
		}
	}
	if m := v.llmInvocation(); m.set {
		if tc := normaliseToolChoice(m.get("tool_choice")); tc != nil {
			return tc
		}
	}
	if val, ok := v.get("gen_ai.request.tool_choice"); ok {
		if tc := toolChoiceAttr(val); tc != nil {
			return tc
		}
	}
	if val, ok := v.peek("request_data"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if tc := normaliseToolChoice(m["tool_choice"]); tc != nil {
				return tc
			}
		}
	}
	return nil
}

// normaliseToolChoice maps the AI SDK {type, toolName}, Anthropic
// {type:auto|any|tool|none, name} and OpenAI shapes to OpenAI's.
func normaliseToolChoice(x any) any {
	switch t := x.(type) {
	case string:
		s := strings.ToLower(strings.TrimSpace(t))
		switch s {
		case "":
			return nil
		case "auto", "none", "required":
			return s
		case "any":
			return "required"
		}
		if looksLikeJSONContainer(s) {
			return nil
		}
		// A bare tool name.
		return map[string]any{"type": "function", "function": map[string]any{"name": truncateRunes(strings.TrimSpace(t), 256)}}
	case map[string]any:
		return toolChoiceOf(func(k string) any { return t[k] })
	}
	return nil
}

// toolChoiceKeys are the members toolChoiceOf reads of an object.
var toolChoiceKeys = [...]string{"type", "function", "toolName", "name", "mode"}

// toolChoiceOf is normaliseToolChoice of an object, read through member
// (nil for an absent key).
func toolChoiceOf(member func(key string) any) any {
	str := func(k string) string { return asString(member(k)) }
	typ := strings.ToLower(str("type"))
	if f, ok := member("function").(map[string]any); ok {
		if name := mStr(f, "name"); name != "" {
			return map[string]any{"type": "function", "function": map[string]any{"name": truncateRunes(name, 256)}}
		}
	}
	switch typ {
	case "auto", "none", "required":
		return typ
	case "any":
		return "required"
	case "tool", "function":
		name := str("toolName")
		if name == "" {
			name = str("name")
		}
		if name != "" {
			return map[string]any{"type": "function", "function": map[string]any{"name": truncateRunes(name, 256)}}
		}
	}
	if m := member("mode"); m != nil { // Gemini function_calling_config
		return normaliseToolChoice(m)
	}
	return nil
}

// toolChoiceAttr is normaliseToolChoice of an attribute. An object sent
// as JSON text, the usual way, has only the members toolChoiceOf reads
// decoded; invalid text is no tool choice, as its string would be.
func toolChoiceAttr(val pcommon.Value) any {
	if val.Type() != pcommon.ValueTypeStr || firstNonSpace(val.Str()) != '{' {
		return normaliseToolChoice(structured(val))
	}
	var members [len(toolChoiceKeys)]any
	if !pickMembers(val.Str(), toolChoiceKeys[:], members[:]) {
		return nil
	}
	return toolChoiceOf(func(k string) any {
		if i := slices.Index(toolChoiceKeys[:], k); i >= 0 {
			return members[i]
		}
		return nil
	})
}
