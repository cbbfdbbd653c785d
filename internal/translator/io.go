// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/respanai/respanexporter/internal/genai"
)

// contentText turns a content attribute into the JSON text Respan wants in
// input/output: valid JSON strings pass through, plain text becomes a JSON
// string literal, structured values are marshalled. Placeholders ("{}",
// "N/A", …) count as absent. Broken JSON is kept as a string and warned.
func contentText(v *spanView, key string, val pcommon.Value) (string, bool) {
	if val.Type() == pcommon.ValueTypeStr {
		s := val.Str()
		if isEmptyContent(s) {
			return "", false
		}
		valid := validJSON(s)
		if looksLikeJSONContainer(s) && !valid {
			v.warn("attribute " + key + " holds invalid JSON (truncated?); sent as text")
		}
		if !valid || isJSONScalarText(s) {
			// Plain text: cut the text itself, then encode it, so the
			// receiver sees a clean prefix and the marker.
			return v.quoted(v.capContent(s)), true
		}
		return v.capJSONText(v.passthroughJSON(s)), true
	}
	tree := valueToAny(val)
	if tree == nil {
		return "", false
	}
	if isEmptyTree(tree) {
		return "", false
	}
	return v.capJSONText(marshalAny(tree)), true
}

func isEmptyTree(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return isEmptyContent(x)
	}
	return false
}

// capJSONText applies the content cap to JSON text. A cut JSON document is
// no longer JSON, so a capped value is re-wrapped as a JSON string literal
// holding the cut text and the marker: input/output stay valid JSON.
func (v *spanView) capJSONText(s string) string {
	limit := v.opts.MaxContentBytes
	if limit <= 0 || len(s) <= limit {
		return s
	}
	cut := v.capContent(s)
	return quoteString(cut)
}

// firstContent returns the first present, non-placeholder content
// attribute. Every key of the list is consumed.
func firstContent(v *spanView, keys ...string) (string, bool) {
	text, found := "", false
	for _, k := range keys {
		if val, ok := v.peek(k); ok {
			if text, found = contentText(v, k, val); found {
				break
			}
		}
	}
	v.consumeAll(keys...)
	return text, found
}

// worstCaseJSONLen bounds the JSON length of msgs from above without
// reading their content: every byte escaped to six, generous per-message
// and per-call overheads; parts-tree content counts as too long.
func worstCaseJSONLen(msgs []Message) int {
	est := 2
	for i := range msgs {
		m := &msgs[i]
		est += 96 + len(m.Role) + 6*(len(m.Name)+len(m.ToolCallID))
		switch c := m.Content.(type) {
		case string:
			est += 6 * len(c)
		case nil:
		default:
			return math.MaxInt
		}
		for _, tc := range m.ToolCalls {
			est += 96 + 6*(len(tc.ID)+len(tc.Name)+len(tc.Arguments))
		}
	}
	return est
}

// deferredFits reports whether msgs can stay deferred: their JSON text
// (one message when single, else the list) is within the content cap, so
// that writing it at encode time gives what capJSONText would have kept.
// The length is computed exactly, without writing the text.
func deferredFits(v *spanView, msgs []Message, single bool) bool {
	limit := v.opts.MaxContentBytes
	if limit <= 0 {
		return true
	}
	if worstCaseJSONLen(msgs) <= limit {
		return true // the usual case, without a pass over the content
	}
	n, ok := 0, true
	if single && len(msgs) == 1 {
		n, ok = messageJSONLen(&msgs[0])
	} else {
		n, ok = messagesJSONLen(msgs)
	}
	return ok && n <= limit
}

// messagesText renders messages for input/output: one message as an
// object, several as an array (§4).
func messagesText(v *spanView, msgs []Message, single bool) string {
	if single && len(msgs) == 1 {
		return v.capJSONText(messageJSON(&msgs[0]))
	}
	return v.capJSONText(messagesJSON(msgs))
}

// contentField is the value of a non-model span's input or output: JSON
// text, or messages whose JSON text is written into the request body when
// the span log is encoded (as model calls' are), never held as a string.
type contentField struct {
	text string
	msgs deferredMessages
}

func textField(s string) contentField { return contentField{text: s} }

// messagesField is messagesText(v, msgs, single) as a field: deferred when
// the text fits the content cap (deferredFits), so that encoding writes the
// same bytes. With a redactor the text is made now: redaction treats JSON
// text and messages differently (ids, roles, a list emptied by role rules),
// and these fields have always been redacted as text.
func messagesField(v *spanView, msgs []Message, single bool) contentField {
	if v.opts.Redactor == nil && deferredFits(v, msgs, single) {
		return contentField{msgs: deferMessages(msgs, single)}
	}
	return textField(messagesText(v, msgs, single))
}

func (f contentField) setInput(sl *SpanLog)  { sl.Input, sl.inputMsgs = f.text, f.msgs }
func (f contentField) setOutput(sl *SpanLog) { sl.Output, sl.outputMsgs = f.text, f.msgs }

// systemPromptMessage returns a system message from gen_ai.system_instructions
// or Strands' gen_ai.agent.system_prompt, or nil.
func systemPromptMessage(v *spanView) *Message {
	if val, ok := v.get(genai.SystemInstructions); ok {
		msgs := systemMessagesFromValue(v, val)
		var parts []string
		for _, m := range msgs {
			if s, ok := m.Content.(string); ok && s != "" {
				parts = append(parts, s)
			}
		}
		if len(parts) > 0 {
			return &Message{Role: "system", Content: v.cappedText(strings.Join(parts, "\n"))}
		}
	}
	if s := v.str("gen_ai.agent.system_prompt"); s != "" {
		return &Message{Role: "system", Content: v.cappedText(s)}
	}
	if s := strandsSystemPrompt(v); s != "" {
		return &Message{Role: "system", Content: v.cappedText(s)}
	}
	return nil
}

// prependSystem adds sys unless the list already starts with a system or
// developer message.
func prependSystem(sys *Message, msgs []Message) []Message {
	if sys == nil {
		return msgs
	}
	if len(msgs) > 0 && (msgs[0].Role == "system" || msgs[0].Role == "developer") {
		return msgs
	}
	return append([]Message{*sys}, msgs...)
}

// nonModelInput implements §4's input precedence for spans that are not
// model calls (workflow, task, agent, tool, …).
func nonModelInput(v *spanView, logType string) (contentField, bool) {
	if s, ok := firstContent(v, "langfuse.observation.input", "langfuse.trace.input", "traceloop.entity.input", "input.value",
		genai.ToolCallArguments, "ai.toolCall.args", "gcp.vertex.agent.tool_call_args", "tool_arguments"); ok {
		return textField(s), true
	}
	if logType == "tool" {
		if s, ok := eventAttrContent(v, genai.EventToolMessage, "content"); ok {
			return textField(s), true
		}
		if s, ok := mcpArguments(v); ok {
			return textField(s), true
		}
	}
	if val, ok := v.get(genai.InputMessages); ok {
		if msgs := prependSystem(systemPromptMessage(v), messagesFromValue(v, val, "user")); len(msgs) > 0 {
			return messagesField(v, msgs, false), true
		}
	}
	if val, ok := v.get("pydantic_ai.all_messages"); ok {
		if msgs := messagesFromValue(v, val, "user"); len(msgs) > 0 {
			return messagesField(v, msgs, false), true
		}
	}
	if s, ok := firstContent(v, "ai.prompt"); ok {
		return textField(s), true
	}
	if v.has("ai.values") || v.has("ai.value") {
		if texts := extractEmbeddingInputs(v); len(texts) > 0 {
			v.setMeta("embedding_count", int64(len(texts)))
			return textField(v.capJSONText(marshalAny(texts))), true
		}
	}
	if msgs := eventMessages(v, true); len(msgs) > 0 {
		return messagesField(v, prependSystem(systemPromptMessage(v), msgs), false), true
	}
	if s, ok := firstContent(v, "gen_ai.workflow.input"); ok {
		return textField(s), true
	}
	return contentField{}, false
}

// nonModelOutput implements §4's output precedence for non-model spans.
func nonModelOutput(v *spanView, logType string) (contentField, bool) {
	if s, ok := firstContent(v, "langfuse.observation.output", "langfuse.trace.output", "traceloop.entity.output", "output.value",
		genai.ToolCallResult, "ai.toolCall.result", "gcp.vertex.agent.tool_response", "tool_response"); ok {
		return textField(s), true
	}
	if val, ok := v.get(genai.OutputMessages); ok {
		if msgs := messagesFromValue(v, val, "assistant"); len(msgs) > 0 {
			return messagesField(v, msgs, true), true
		}
	}
	if s, ok := firstContent(v, "final_result", "ai.response.text", "ai.response.object"); ok {
		return textField(s), true
	}
	if logType == "tool" {
		if s, ok := toolChoiceEventOutput(v); ok {
			return textField(s), true
		}
	}
	if msgs := eventMessages(v, false); len(msgs) > 0 {
		return messagesField(v, msgs[len(msgs)-1:], true), true
	}
	if v.hasFlat.oiDocuments {
		if text := retrievalDocumentsText(v); text != "" {
			return textField(v.capJSONText(text)), true
		}
	}
	if s, ok := firstContent(v, "gen_ai.workflow.output"); ok {
		return textField(s), true
	}
	return contentField{}, false
}

// eventAttrContent returns content text from the last event named name.
func eventAttrContent(v *spanView, name, attr string) (string, bool) {
	events := v.span.Events()
	for i := events.Len() - 1; i >= 0; i-- {
		e := events.At(i)
		if e.Name() != name {
			continue
		}
		for _, k := range []string{attr, genai.EventContent} {
			if val, ok := e.Attributes().Get(k); ok {
				if s, ok := contentText(v, k, val); ok {
					return s, true
				}
			}
		}
	}
	return "", false
}

// toolChoiceEventOutput returns a tool span's result from its last
// gen_ai.choice event; Bedrock-style text blocks are unwrapped to text.
func toolChoiceEventOutput(v *spanView) (string, bool) {
	events := v.span.Events()
	for i := events.Len() - 1; i >= 0; i-- {
		e := events.At(i)
		if e.Name() != evChoice {
			continue
		}
		for _, k := range []string{"message", "content", genai.EventContent} {
			val, ok := e.Attributes().Get(k)
			if !ok {
				continue
			}
			if text, ok := v.textBlocksOf(val); ok {
				return v.capJSONText(quoteString(text)), true
			}
			if s, ok := contentText(v, k, val); ok {
				return s, true
			}
		}
	}
	return "", false
}

// textBlocksOf is textBlocks(structured(val)), without the tree when the
// text tells: only a list, or a JSON string holding one, can be a block
// list, and a list is read with the pull parser.
func (v *spanView) textBlocksOf(val pcommon.Value) (string, bool) {
	if val.Type() == pcommon.ValueTypeStr {
		switch firstNonSpace(val.Str()) {
		case '[':
			if text, ok, sure := v.readTextBlocks(val.Str()); sure {
				return text, ok
			}
		case '"':
		default: // structured gives a string, or a map
			return "", false
		}
	}
	return textBlocks(structured(val))
}

// readTextBlocks reads s (a list) as textBlocks reads its tree. sure is
// false for an element with a duplicate text key or a text that is no
// string (its map keeps the last); any other element that is not a lone
// text string, or s not being valid JSON, makes it surely not a block
// list.
func (v *spanView) readTextBlocks(s string) (text string, ok, sure bool) {
	r := &v.fastContent
	r.blocks = r.blocks[:0]
	p := jsonParser{s: s, arena: &v.arena, scratch: &r.scratch}
	p.skipSpace()
	dup := false
	valid := p.each('[', ']', func() bool {
		var bl textBlock
		n := 0
		ok := p.members(func(key string) bool {
			if key != "text" {
				return false // a map of another key: surely no block
			}
			// A second text key, or a text that is no string (a later
			// duplicate could be one): the tree decides.
			if n++; n > 1 || p.peek() != '"' {
				dup = true
				return false
			}
			s, ok := p.stringValue()
			bl.text = s
			return ok
		})
		if !ok || n == 0 {
			return false
		}
		r.blocks = append(r.blocks, bl)
		return true
	})
	p.skipSpace()
	if dup {
		return "", false, false
	}
	if !valid || p.i != len(p.s) || len(r.blocks) == 0 {
		return "", false, true
	}
	buf := r.join[:0]
	for i := range r.blocks {
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, r.blocks[i].text...)
	}
	r.join = buf
	return v.arena.copyString(buf), true, true
}

// textBlocks joins a list of {"text": …} blocks; ok=false when the value
// is not exactly such a list.
func textBlocks(tree any) (string, bool) {
	list, ok := tree.([]any)
	if !ok || len(list) == 0 {
		return "", false
	}
	var parts []string
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || len(m) != 1 {
			return "", false
		}
		s, ok := m["text"].(string)
		if !ok {
			return "", false
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n"), true
}

// retrievalDocuments rebuilds OpenInference retrieval.documents.N.document.*
// into an array of {id, score, content, metadata} in index order. Output
// is written by retrievalDocumentsText (retrieval.go); this tree form is
// its fallback for duplicate fields and its reference in the tests.
func retrievalDocuments(v *spanView) []any {
	byIndex := map[int]map[string]any{}
	v.forPrefix("retrieval.documents.", func(rest string, val pcommon.Value) {
		dot := strings.IndexByte(rest, '.')
		if dot <= 0 {
			return
		}
		idx, err := strconv.Atoi(rest[:dot])
		if err != nil || idx < 0 || idx > maxFlatIndex {
			return
		}
		field := strings.TrimPrefix(rest[dot+1:], "document.")
		doc := byIndex[idx]
		if doc == nil {
			doc = map[string]any{}
			byIndex[idx] = doc
		}
		if field == "metadata" || field == "content" && val.Type() != pcommon.ValueTypeStr {
			doc[field] = structured(val)
			return
		}
		if field == "content" {
			doc[field] = v.capContent(val.Str())
			return
		}
		doc[field] = valueToAny(val)
	})
	idxs := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	out := make([]any, 0, len(idxs))
	for _, i := range idxs {
		out = append(out, byIndex[i])
	}
	return out
}
