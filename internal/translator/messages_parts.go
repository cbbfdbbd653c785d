// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Content parts (§5.4): semconv parts, OpenAI / Vercel typed parts,
// blobs and URIs, and tool calls and tool results in every shape.

// addContent adds a content value (string, list of parts, a part).
func (c *msgConv) addContent(b *msgBuilder, x any, depth int) {
	if depth > maxMsgDepth {
		return
	}
	switch t := x.(type) {
	case nil:
	case string:
		c.addContentString(b, t, depth)
	case []any:
		for _, p := range t {
			c.addPart(b, p, depth+1)
		}
	case map[string]any:
		if isPartMap(t) {
			c.addMapPart(b, t, depth+1)
			return
		}
		if inner, ok := mAny(t, "parts", "content"); ok {
			c.addContent(b, inner, depth+1)
			return
		}
		b.addText(c.v.capContent(marshalAny(t)))
	default:
		if s := asString(t); s != "" {
			b.addText(s)
		}
	}
}

// addContentString is addContent for a string (without boxing it): a
// JSON part list or part is converted, anything else is text.
func (c *msgConv) addContentString(b *msgBuilder, t string, depth int) {
	if depth > maxMsgDepth || t == "" {
		return
	}
	// A part list is reached at depth+2 (addContent → addPart →
	// addMapPart); read without its tree when of the fast shape.
	if tt := strings.TrimSpace(t); tt != "" && tt[0] == '[' && c.fastContent(b, tt, depth+2) {
		return
	}
	d, decoded := c.decodeContentString(t)
	if decoded {
		switch dd := d.(type) {
		case []any:
			if isPartList(dd) {
				c.addContent(b, dd, depth+1)
				return
			}
		case map[string]any:
			if isPartMap(dd) {
				c.addMapPart(b, dd, depth+1)
				return
			}
		}
	}
	b.addText(c.v.capContent(t))
}

func (c *msgConv) addPart(b *msgBuilder, p any, depth int) {
	if depth > maxMsgDepth {
		return
	}
	switch x := p.(type) {
	case nil:
	case string:
		if x != "" {
			b.addText(c.v.capContent(x))
		}
	case map[string]any:
		c.addMapPart(b, x, depth)
	case []any:
		for _, e := range x {
			c.addPart(b, e, depth+1)
		}
	default:
		if s := asString(x); s != "" {
			b.addText(s)
		}
	}
}

// addToolCallsString is addToolCallsValue for a string: a JSON list of
// tool calls (read without its tree when it has the fast shape) or call.
func (c *msgConv) addToolCallsString(b *msgBuilder, t string, depth int) {
	if depth > maxMsgDepth {
		return
	}
	if tt := strings.TrimSpace(t); depth+1 <= maxMsgDepth && tt != "" && tt[0] == '[' && c.fastCalls(b, tt) {
		return
	}
	if d, ok := c.decodeContentString(t); ok {
		c.addToolCallsValue(b, d, depth+1)
	}
}

// textOfValue is textOf(valueToAny(val)) without boxing a string value.
func (c *msgConv) textOfValue(val pcommon.Value) string {
	if val.Type() == pcommon.ValueTypeStr {
		return c.v.capContent(val.Str())
	}
	return c.textOf(valueToAny(val))
}

// textOf returns a text-ish value as a string (non-strings as JSON).
func (c *msgConv) textOf(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return c.v.capContent(t)
	case map[string]any, []any:
		return c.v.capContent(marshalAny(t))
	}
	return asString(x)
}

// addMapPart converts one content part or block.
func (c *msgConv) addMapPart(b *msgBuilder, x map[string]any, depth int) {
	if depth > maxMsgDepth {
		return
	}
	t, _ := x["type"].(string)
	switch strings.ToLower(t) {
	case "text", "input_text", "output_text":
		v, _ := mAny(x, "content", "text")
		if s := c.textOf(v); s != "" {
			b.addText(s)
		}
	case "refusal":
		if s := c.textOf(x["refusal"]); s != "" {
			b.addText(s)
		} else if s := c.textOf(x["content"]); s != "" {
			b.addText(s)
		}
	case "reasoning", "thinking", "redacted_thinking":
		v, _ := mAny(x, "content", "text", "thinking", "reasoning", "summary")
		c.addReasoning(c.textOf(v))
	case "tool_call", "tool-call", "tool_use", "function_call", "toolcall", "tooluse":
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(x))
	case "tool_call_response", "tool-result", "tool_result", "function_call_output", "toolresult":
		id := mStr(x, "id", "toolCallId", "tool_call_id", "tool_use_id", "call_id", "toolUseId")
		var res any
		if v, ok := mAny(x, "response", "result", "output", "content"); ok {
			res = v
		}
		b.results = append(b.results, c.toolResultMsg(id, mStr(x, "toolName", "name"), res, depth))
	case "blob":
		data, _ := mAny(x, "content", "data")
		c.addBlob(b, mStr(x, "mime_type", "mimeType", "media_type", "mediaType"), mStr(x, "modality"), asString(data))
	case "uri":
		c.addURI(b, mStr(x, "mime_type", "mimeType"), mStr(x, "modality"), mStr(x, "uri", "url"), x)
	case "file", "input_file":
		c.addFile(b, x)
	case "image", "image_url", "input_image":
		c.addImage(b, x)
	case "":
		c.addBlock(b, x, depth)
	default:
		c.addGeneric(b, x)
	}
}

// addBlock converts a provider-native block without "type" (Bedrock
// Converse, Anthropic, Gemini parts). The key checks run in this order.
func (c *msgConv) addBlock(b *msgBuilder, x map[string]any, depth int) {
	if s, ok := x["text"]; ok {
		if th, _ := x["thought"].(bool); th {
			c.addReasoning(c.textOf(s))
			return
		}
		if str := c.textOf(s); str != "" {
			b.addText(str)
		}
		return
	}
	if c.converseToolBlock(b, x, depth) || c.geminiFunctionBlock(b, x, depth) ||
		c.converseReasoningBlock(x) || c.geminiDataBlock(b, x) || c.converseMediaBlock(b, x) {
		return
	}
	if inner, ok := mAny(x, "content", "parts"); ok {
		c.addContent(b, inner, depth+1)
		return
	}
	if len(x) > 0 {
		b.addText(c.v.capContent(marshalAny(x)))
	}
}

// addGeneric keeps an unknown part as a generic content part (capped).
func (c *msgConv) addGeneric(b *msgBuilder, x map[string]any) {
	j := marshalAny(x)
	if lim := c.v.opts.MaxContentBytes; lim > 0 && len(j) > lim {
		b.addText(c.v.capContent(j))
		return
	}
	b.addRaw(saneNumbers(x, 0))
}

// saneNumbers returns x with JSON numbers that do not fit a float64 (e.g.
// 1e400, valid JSON syntax but rejected by most decoders) turned into
// strings, so trees we pass through stay decodable.
func saneNumbers(x any, depth int) any {
	if depth > maxDepth {
		return nil
	}
	switch t := x.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); err != nil {
			return string(t)
		}
		return t
	case map[string]any:
		for k, e := range t {
			t[k] = saneNumbers(e, depth+1)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = saneNumbers(e, depth+1)
		}
		return t
	}
	return x
}

func blobPlaceholder(kind string, n int) string {
	if kind == "" {
		kind = "binary"
	}
	return "[" + kind + " content omitted: " + strconv.Itoa(n) + " bytes base64]"
}

func isImage(mime, modality string) bool {
	return strings.EqualFold(modality, "image") || strings.HasPrefix(strings.ToLower(mime), "image/")
}

// addBlob adds base64 data as an image_url / input_audio / file part, or
// a placeholder when it is larger than maxInlineBlobBytes.
func (c *msgConv) addBlob(b *msgBuilder, mime, modality, data string) {
	data = strings.TrimSpace(data)
	kind := mime
	if kind == "" {
		kind = modality
	}
	if data == "" {
		b.addText("[" + firstNonEmpty(kind, "blob") + "]")
		return
	}
	if len(data) > maxInlineBlobBytes {
		b.addText(blobPlaceholder(kind, len(data)))
		return
	}
	if strings.HasPrefix(data, "data:") || strings.HasPrefix(data, "http://") || strings.HasPrefix(data, "https://") {
		if isImage(mime, modality) {
			b.addRaw(map[string]any{"type": "image_url", "image_url": map[string]any{"url": data}})
			return
		}
	}
	if mime == "" {
		switch strings.ToLower(modality) {
		case "image":
			mime = "image/png"
		default:
			mime = "application/octet-stream"
		}
	}
	uri := "data:" + mime + ";base64," + data
	switch {
	case isImage(mime, modality):
		b.addRaw(map[string]any{"type": "image_url", "image_url": map[string]any{"url": uri}})
	case strings.EqualFold(modality, "audio") || strings.HasPrefix(strings.ToLower(mime), "audio/"):
		format := strings.TrimPrefix(strings.ToLower(mime), "audio/")
		if format == "mpeg" {
			format = "mp3"
		}
		b.addRaw(map[string]any{"type": "input_audio", "input_audio": map[string]any{"data": data, "format": format}})
	default:
		b.addRaw(map[string]any{"type": "file", "file": map[string]any{"file_data": uri}})
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// addURI adds a URI reference: images become image_url parts, other
// modalities are kept as a generic part.
func (c *msgConv) addURI(b *msgBuilder, mime, modality, uri string, orig map[string]any) {
	if uri == "" {
		b.addText("[" + firstNonEmpty(mime, modality, "uri") + "]")
		return
	}
	if strings.HasPrefix(uri, "data:") && len(uri) > maxInlineBlobBytes {
		b.addText(blobPlaceholder(firstNonEmpty(mime, modality), len(uri)))
		return
	}
	uri = c.v.capContent(uri)
	if isImage(mime, modality) {
		b.addRaw(map[string]any{"type": "image_url", "image_url": map[string]any{"url": uri}})
		return
	}
	part := map[string]any{"type": "uri", "uri": uri}
	if mime != "" {
		part["mime_type"] = mime
	}
	if modality != "" {
		part["modality"] = modality
	}
	b.addRaw(part)
}

// argsText renders tool-call arguments as JSON text.
func (c *msgConv) argsText(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return c.v.capContent(t)
	}
	return c.v.capContent(marshalAny(x))
}

// toolCallFromMap reads one tool call of any shape: semconv tool_call part,
// OpenAI {id, function{name, arguments}}, LangChain {name, args, id},
// Vercel {toolCallId, toolName, input|args}, Bedrock toolUse, Gemini
// function_call, Anthropic tool_use, Responses function_call.
func (c *msgConv) toolCallFromMap(m map[string]any) ToolCall {
	tc := ToolCall{
		ID:   truncateRunes(mStr(m, "id", "toolCallId", "tool_call_id", "call_id", "toolUseId"), 256),
		Name: truncateRunes(mStr(m, "name", "toolName", "function_name"), 256),
	}
	if tc.ID == "" {
		tc.ID = truncateRunes(mStr(m, "toolUseId"), 256)
	}
	if f, ok := m["function"].(map[string]any); ok {
		if tc.Name == "" {
			tc.Name = truncateRunes(mStr(f, "name"), 256)
		}
		if a, ok := mAny(f, "arguments", "args", "parameters"); ok {
			tc.Arguments = c.argsText(a)
			return tc
		}
	}
	if a, ok := mAny(m, "arguments", "args", "input", "parameters", "arguments_json"); ok {
		tc.Arguments = c.argsText(a)
	}
	return tc
}

// addToolCallsValue adds tool calls from a list (or JSON string of one).
func (c *msgConv) addToolCallsValue(b *msgBuilder, x any, depth int) {
	if depth > maxMsgDepth {
		return
	}
	switch t := x.(type) {
	case string:
		c.addToolCallsString(b, t, depth)
	case []any:
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				if len(b.toolCalls) >= maxMessages {
					return
				}
				b.toolCalls = append(b.toolCalls, c.toolCallFromMap(m))
			}
		}
	case map[string]any:
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(t))
	}
}

// resultText renders a tool result: strings as-is, Vercel {type, value}
// outputs unwrapped, lists of text/json blocks joined, other trees as JSON.
func (c *msgConv) resultText(x any, depth int) string {
	if depth > maxMsgDepth {
		return ""
	}
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return c.v.capContent(t)
	case map[string]any:
		if typ, ok := t["type"].(string); ok {
			if val, has := t["value"]; has {
				switch typ {
				case "text", "error-text":
					return c.resultText(val, depth+1)
				case "content":
					return c.resultText(val, depth+1)
				default:
					return c.v.capContent(marshalAny(val))
				}
			}
		}
		return c.v.capContent(marshalAny(t))
	case []any:
		allBlocks := len(t) > 0
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				allBlocks = false
				break
			}
			_, hasText := m["text"]
			_, hasJSON := m["json"]
			if !hasText && !hasJSON {
				allBlocks = false
				break
			}
		}
		if !allBlocks {
			return c.v.capContent(marshalAny(t))
		}
		var sb strings.Builder
		for i, e := range t {
			m := e.(map[string]any)
			if i > 0 {
				sb.WriteByte('\n')
			}
			if tx, ok := m["text"]; ok {
				if s, isStr := tx.(string); isStr {
					sb.WriteString(s)
				} else {
					sb.WriteString(marshalAny(tx))
				}
			} else {
				sb.WriteString(marshalAny(m["json"]))
			}
			if lim := c.v.opts.MaxContentBytes; lim > 0 && sb.Len() > lim {
				break
			}
		}
		return c.v.capContent(sb.String())
	}
	return asString(x)
}

func (c *msgConv) toolResultMsg(id, name string, res any, depth int) Message {
	return c.toolResult(id, name, c.resultText(res, depth+1))
}

// toolResult is the tool message of a result whose text is known.
func (c *msgConv) toolResult(id, name, text string) Message {
	m := Message{Role: "tool", ToolCallID: truncateRunes(id, 256), Content: c.v.text(text)}
	if m.ToolCallID == "" {
		m.Name = truncateRunes(name, 256)
	}
	return m
}
