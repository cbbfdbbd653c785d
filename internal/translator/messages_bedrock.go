// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// Bedrock Converse shapes: content blocks keyed by kind (toolUse,
// toolResult, reasoningContent, image, document, video, json, cachePoint).

// converseToolBlock converts a Bedrock Converse toolUse or toolResult
// block.
func (c *msgConv) converseToolBlock(b *msgBuilder, x map[string]any, depth int) bool {
	if tu, ok := x["toolUse"].(map[string]any); ok {
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(tu))
		return true
	}
	if tr, ok := x["toolResult"].(map[string]any); ok {
		id := mStr(tr, "toolUseId", "id")
		b.results = append(b.results, c.toolResultMsg(id, "", tr["content"], depth))
		return true
	}
	return false
}

// converseReasoningBlock records a Converse reasoningContent block.
func (c *msgConv) converseReasoningBlock(x map[string]any) bool {
	rc, ok := x["reasoningContent"].(map[string]any)
	if !ok {
		return false
	}
	if rt, ok := rc["reasoningText"].(map[string]any); ok {
		c.addReasoning(c.textOf(rt["text"]))
	} else {
		c.addReasoning(c.textOf(rc["text"]))
	}
	return true
}

// converseMediaBlock converts Converse image, document, video, json and
// cachePoint blocks.
func (c *msgConv) converseMediaBlock(b *msgBuilder, x map[string]any) bool {
	if img, ok := x["image"].(map[string]any); ok {
		format := mStr(img, "format")
		mime := ""
		if format != "" {
			mime = "image/" + strings.ToLower(format)
		}
		if src, ok := img["source"].(map[string]any); ok {
			if data := mStr(src, "bytes", "data"); data != "" {
				c.addBlob(b, mime, "image", data)
				return true
			}
			if u := mStr(src, "url", "uri"); u != "" {
				c.addURI(b, mime, "image", u, img)
				return true
			}
		}
		b.addText("[image]")
		return true
	}
	if _, ok := x["image"]; ok {
		b.addText("[image]")
		return true
	}
	for _, k := range []string{"document", "video"} {
		if d, ok := x[k]; ok {
			name := ""
			if dm, isMap := d.(map[string]any); isMap {
				name = mStr(dm, "name")
			}
			if name != "" {
				b.addText("[" + k + ": " + truncateRunes(name, 256) + "]")
			} else {
				b.addText("[" + k + "]")
			}
			return true
		}
	}
	if j, ok := x["json"]; ok {
		b.addText(c.textOf(j))
		return true
	}
	_, ok := x["cachePoint"]
	return ok
}
