// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// Gemini / ADK shapes: requests with contents, responses with candidates,
// function call / response, inline data and file data parts.

// geminiRequest converts a Gemini / ADK request: {contents,
// system_instruction | config.system_instruction}.
func (c *msgConv) geminiRequest(m map[string]any, def string, depth int) ([]Message, bool) {
	contents, ok := m["contents"]
	if !ok {
		return nil, false
	}
	out := c.fromAny(contents, def, depth+1)
	sys, _ := mAny(m, "system_instruction", "systemInstruction")
	if cfg, ok := m["config"].(map[string]any); ok && sys == nil {
		sys, _ = mAny(cfg, "system_instruction", "systemInstruction")
	}
	return withSystem(c.systemMessages(sys, depth+1), out), true
}

// geminiCandidates converts a Gemini response.
func (c *msgConv) geminiCandidates(m map[string]any, depth int) ([]Message, bool) {
	cands, ok := m["candidates"].([]any)
	if !ok {
		return nil, false
	}
	var out []Message
	for _, ch := range cands {
		cm, ok := ch.(map[string]any)
		if !ok {
			continue
		}
		if fr, ok := mAny(cm, "finish_reason", "finishReason"); ok {
			c.addFinish(fr)
		}
		out = append(out, c.fromAny(cm["content"], "assistant", depth+1)...)
	}
	return out, true
}

// geminiFunctionBlock converts a Gemini part holding a function call or
// a function response.
func (c *msgConv) geminiFunctionBlock(b *msgBuilder, x map[string]any, depth int) bool {
	for _, k := range []string{"function_call", "functionCall"} {
		if fc, ok := x[k].(map[string]any); ok {
			b.toolCalls = append(b.toolCalls, c.toolCallFromMap(fc))
			return true
		}
	}
	for _, k := range []string{"function_response", "functionResponse"} {
		if fr, ok := x[k].(map[string]any); ok {
			res, _ := mAny(fr, "response", "result", "content")
			b.results = append(b.results, c.toolResultMsg(mStr(fr, "id"), mStr(fr, "name"), res, depth))
			return true
		}
	}
	return false
}

// geminiDataBlock converts a Gemini part holding inline data or a file
// reference.
func (c *msgConv) geminiDataBlock(b *msgBuilder, x map[string]any) bool {
	for _, k := range []string{"inline_data", "inlineData"} {
		if d, ok := x[k].(map[string]any); ok {
			c.addBlob(b, mStr(d, "mime_type", "mimeType"), "", mStr(d, "data"))
			return true
		}
	}
	for _, k := range []string{"file_data", "fileData"} {
		if d, ok := x[k].(map[string]any); ok {
			c.addURI(b, mStr(d, "mime_type", "mimeType"), "", mStr(d, "file_uri", "fileUri"), d)
			return true
		}
	}
	return false
}
