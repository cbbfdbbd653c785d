// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import "strings"

// OpenAI shapes: chat / completion request bodies and responses, choices,
// image and file parts (Chat Completions and Responses API).

// requestBody converts request bodies and wrappers: {system?, messages},
// {system?, prompt} (OpenAI, Anthropic, Vercel, Logfire request_data).
func (c *msgConv) requestBody(m map[string]any, def string, depth int) ([]Message, bool) {
	if msgs, ok := m["messages"]; ok {
		if _, isStr := msgs.(string); !isStr || looksLikeJSONContainer(msgs.(string)) {
			var out []Message
			out = append(out, c.fromAny(msgs, def, depth+1)...)
			if p, ok := m["prompt"]; ok {
				out = append(out, c.fromAny(p, "user", depth+1)...)
			}
			sys, _ := mAny(m, "system", "system_instruction", "systemInstruction", "instructions")
			return withSystem(c.systemMessages(sys, depth+1), out), true
		}
	}
	if p, ok := m["prompt"]; ok {
		if _, hasSys := m["system"]; hasSys || len(m) == 1 {
			out := c.fromAny(p, "user", depth+1)
			return withSystem(c.systemMessages(m["system"], depth+1), out), true
		}
	}
	return nil, false
}

// openAIChoices converts an OpenAI chat / completion response.
func (c *msgConv) openAIChoices(m map[string]any, depth int) ([]Message, bool) {
	choices, ok := m["choices"].([]any)
	if !ok {
		return nil, false
	}
	var out []Message
	for _, ch := range choices {
		cm, ok := ch.(map[string]any)
		if !ok {
			continue
		}
		if fr, ok := mAny(cm, "finish_reason", "finishReason"); ok {
			c.addFinish(fr)
		}
		if msg, ok := mAny(cm, "message", "delta"); ok {
			out = append(out, c.fromAny(msg, "assistant", depth+1)...)
		} else if t, ok := cm["text"]; ok {
			out = append(out, c.fromAny(t, "assistant", depth+1)...)
		}
	}
	return out, true
}

// choiceLike converts one choice: {message, finish_reason, index}, tool
// calls possibly beside the message.
func (c *msgConv) choiceLike(m map[string]any, def string, depth int) ([]Message, bool) {
	msg, ok := m["message"]
	if !ok {
		return nil, false
	}
	if _, hasContent := m["content"]; hasContent {
		return nil, false
	}
	if fr, ok := mAny(m, "finish_reason", "finishReason"); ok {
		c.addFinish(fr)
	}
	switch mm := msg.(type) {
	case map[string]any:
		if _, hasTC := mm["tool_calls"]; !hasTC {
			if tc, ok := m["tool_calls"]; ok {
				cp := make(map[string]any, len(mm)+1)
				for k, val := range mm {
					cp[k] = val
				}
				cp["tool_calls"] = tc
				mm = cp
			}
		}
		return c.fromMap(mm, def, depth+1), true
	default:
		b := &msgBuilder{role: def}
		c.addContent(b, msg, depth+1)
		c.addToolCallsValue(b, m["tool_calls"], depth+1)
		return c.finishMsg(nil, b), true
	}
}

// addImage handles OpenAI image_url, Responses input_image, Vercel image
// and Anthropic image parts.
func (c *msgConv) addImage(b *msgBuilder, x map[string]any) {
	mime := mStr(x, "mediaType", "mimeType", "media_type", "mime_type")
	var url string
	switch iu := x["image_url"].(type) {
	case string:
		url = iu
	case map[string]any:
		url = mStr(iu, "url")
	}
	if url == "" {
		url = mStr(x, "url")
	}
	if url == "" {
		if s, ok := x["image"].(string); ok {
			url = s
		}
	}
	if src, ok := x["source"].(map[string]any); ok && url == "" {
		if mime == "" {
			mime = mStr(src, "media_type", "mediaType")
		}
		if d := mStr(src, "data"); d != "" {
			c.addBlob(b, firstNonEmpty(mime, "image/png"), "image", d)
			return
		}
		url = mStr(src, "url")
	}
	if url == "" {
		if d := mStr(x, "data"); d != "" {
			c.addBlob(b, firstNonEmpty(mime, "image/png"), "image", d)
			return
		}
		b.addText("[image]")
		return
	}
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "data:") {
		c.addURI(b, firstNonEmpty(mime, "image/*"), "image", url, x)
		return
	}
	// A bare base64 payload.
	c.addBlob(b, firstNonEmpty(mime, "image/png"), "image", url)
}

// addFile handles semconv file parts (file_id), OpenAI file parts and
// Vercel file parts (data + mediaType).
func (c *msgConv) addFile(b *msgBuilder, x map[string]any) {
	if id := mStr(x, "file_id"); id != "" {
		b.addRaw(map[string]any{"type": "file", "file": map[string]any{"file_id": id}})
		return
	}
	if f, ok := x["file"].(map[string]any); ok {
		if id := mStr(f, "file_id"); id != "" {
			b.addRaw(map[string]any{"type": "file", "file": map[string]any{"file_id": id}})
			return
		}
		if d := mStr(f, "file_data"); d != "" {
			if len(d) > maxInlineBlobBytes {
				b.addText(blobPlaceholder(firstNonEmpty(mStr(f, "filename"), "file"), len(d)))
				return
			}
		}
		c.addGeneric(b, x)
		return
	}
	mime := mStr(x, "mediaType", "mimeType", "mime_type", "media_type")
	data := mStr(x, "data", "file_data", "url", "uri")
	if data == "" {
		b.addText("[" + firstNonEmpty(mStr(x, "filename"), mime, "file") + "]")
		return
	}
	if strings.HasPrefix(data, "http://") || strings.HasPrefix(data, "https://") {
		c.addURI(b, mime, mStr(x, "modality"), data, x)
		return
	}
	c.addBlob(b, mime, mStr(x, "modality"), strings.TrimPrefix(data, "data:"+mime+";base64,"))
}
