// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/respanai/respanexporter/internal/genai"
)

// Source selection for prompt_messages / completion_message (§4).

// extractPromptMessages returns the prompt messages of a model-call span
// from the first source present, in §4's order; nil when none.
func extractPromptMessages(v *spanView) []Message {
	c := newMsgConv(v)
	out := c.promptMessages()
	c.flushReasoning("prompt_reasoning")
	return out
}

func (c *msgConv) promptMessages() []Message {
	v := c.v
	var sys []Message
	if val, ok := v.get(genai.SystemInstructions); ok {
		sys = c.systemInstructionsValue(val)
	}
	// [SC] gen_ai.input.messages.
	if val, ok := v.get(genai.InputMessages); ok {
		if msgs := c.fromValue(val, "user", 0); len(msgs) > 0 {
			return withSystem(sys, msgs)
		}
	}
	// [SC] operation.details span events (merged).
	if evSys := c.operationDetails(genai.SystemInstructions); len(evSys) > 0 && len(sys) == 0 {
		sys = c.systemInstructions(evSys[0])
	}
	var msgs []Message
	for _, x := range c.operationDetails(genai.InputMessages) {
		msgs = append(msgs, c.fromAny(x, "user", 0)...)
	}
	if len(msgs) > 0 {
		return withSystem(sys, msgs)
	}
	// [OI] llm.input_messages.{i}.*
	if v.hasFlat.oiInput {
		if msgs := c.oiMessages("llm.input_messages.", "user"); len(msgs) > 0 {
			return msgs
		}
	}
	// [TL] gen_ai.prompt.{i}.*
	if v.hasFlat.genAIPrompt {
		if msgs := c.tlMessages("gen_ai.prompt.", "user"); len(msgs) > 0 {
			return msgs
		}
	}
	// [AI] ai.prompt.messages
	if val, ok := v.get("ai.prompt.messages"); ok {
		if msgs := c.fromValue(val, "user", 0); len(msgs) > 0 {
			return msgs
		}
	}
	// [SC-old] message events, then gen_ai.content.prompt events.
	if msgs := c.eventMessages(true); len(msgs) > 0 {
		v.consume(genai.Prompt) // OpenLIT duplicates the event on the span
		return msgs
	}
	// span attribute gen_ai.prompt.
	if val, ok := v.get(genai.Prompt); ok {
		if msgs := c.promptValue(val); len(msgs) > 0 {
			return msgs
		}
	}
	// [ADK] gcp.vertex.agent.llm_request.
	if val, ok := v.get("gcp.vertex.agent.llm_request"); ok {
		if m, ok := structured(val).(map[string]any); ok && len(m) > 0 {
			if msgs := c.fromMap(m, "user", 0); len(msgs) > 0 {
				return msgs
			}
		}
	}
	// [LFI] request_data.messages.
	if val, ok := v.get("request_data"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if _, has := m["messages"]; has {
				if msgs := c.fromMap(m, "user", 0); len(msgs) > 0 {
					return msgs
				}
			}
		}
	}
	// [OI] llm.prompts.{i}.prompt.text (completions API).
	if ps := oiPrompts(v); len(ps) > 0 {
		for _, p := range ps {
			msgs = c.emit(msgs, Message{Role: "user", Content: c.v.text(p)})
		}
		return msgs
	}
	// Cloudflare gen_ai.prompt_json.
	if val, ok := v.get("gen_ai.prompt_json"); ok {
		if msgs := c.fromValue(val, "user", 0); len(msgs) > 0 {
			return msgs
		}
	}
	// [AI] ai.prompt wrapper {system?, prompt?, messages?}.
	if val, ok := v.get("ai.prompt"); ok {
		if msgs := c.fromValue(val, "user", 0); len(msgs) > 0 {
			return msgs
		}
	}
	// [LF] langfuse.observation.input of a generation.
	if msgs := c.langfusePrompt(); len(msgs) > 0 {
		return msgs
	}
	// [OI] input.value holding a request body with a messages array.
	if val, ok := v.peek("input.value"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if _, isList := m["messages"].([]any); isList {
				if msgs := c.fromMap(m, "user", 0); len(msgs) > 0 {
					v.consume("input.value")
					return msgs
				}
			}
		}
	}
	if len(sys) > 0 {
		return sys
	}
	return nil
}

// systemInstructions converts gen_ai.system_instructions ([Part], a bare
// string, or a list of strings) to a system message.
func (c *msgConv) systemInstructions(x any) []Message {
	if s, ok := x.(string); ok {
		if out, done := c.systemFast(s); done {
			return out
		}
		if d, decoded := c.decodeContentString(s); decoded {
			x = d
		}
	}
	// A list of messages with roles: convert as messages.
	if list, ok := x.([]any); ok && len(list) > 0 {
		if m, ok := list[0].(map[string]any); ok {
			if _, hasRole := m["role"]; hasRole {
				return c.fromList(list, "system", 0)
			}
		}
	}
	b := &msgBuilder{role: "system"}
	c.addContent(b, x, 1)
	return c.finishMsg(nil, b)
}

// systemInstructionsValue is systemInstructions(valueToAny(val)), reading
// the usual string value without boxing it into an any first.
func (c *msgConv) systemInstructionsValue(val pcommon.Value) []Message {
	if val.Type() == pcommon.ValueTypeStr {
		if out, done := c.systemFast(val.Str()); done {
			return out
		}
	}
	// A structured list of parts (the general path reaches them at depth
	// 2, as for a string).
	if val.Type() == pcommon.ValueTypeSlice {
		b := &msgBuilder{role: "system"}
		if c.fastValueParts(b, val, 2) {
			return c.finishMsg(nil, b)
		}
	}
	return c.systemInstructions(valueToAny(val))
}

// systemFast is what systemInstructions does with a string before decoding
// it: a placeholder is no message, and a list of parts (the usual shape) is
// read without its tree (the general path reaches the parts at depth 2).
// done is false when the string is left to the general path.
func (c *msgConv) systemFast(s string) (out []Message, done bool) {
	if isEmptyContent(s) {
		return nil, true
	}
	if t := strings.TrimSpace(s); t != "" && t[0] == '[' {
		b := &msgBuilder{role: "system"}
		if c.fastParts(b, t, 2) {
			return c.finishMsg(nil, b), true
		}
	}
	return nil, false
}

// promptValue converts a gen_ai.prompt value: a JSON message list (or
// LangSmith run inputs), else OpenLIT "role: content" lines, else one user
// message.
func (c *msgConv) promptValue(val pcommon.Value) []Message {
	if val.Type() != pcommon.ValueTypeStr {
		return c.fromAny(valueToAny(val), "user", 0)
	}
	s := val.Str()
	if isEmptyContent(s) {
		return nil
	}
	// A message list of the fast shape, read without its tree; the tree
	// would be handed to fromAny at depth 0, the list as text is met at
	// depth -1 (see messagesFromValue).
	if out, ok := c.fastStringMessages(s, "user"); ok {
		if len(out) > 0 {
			return out
		}
		return c.emit(nil, Message{Role: "user", Content: c.v.cappedText(s)})
	}
	if d, decoded := c.decodeContentString(s); decoded {
		if msgs := c.fromAny(d, "user", 0); len(msgs) > 0 {
			return msgs
		}
		return c.emit(nil, Message{Role: "user", Content: c.v.cappedText(s)})
	}
	if msgs := c.roleLines(s); len(msgs) > 0 {
		return msgs
	}
	return c.emit(nil, Message{Role: "user", Content: c.v.cappedText(s)})
}

// fastStringMessages is fromAny(decoded s, def, 0) for a string s that
// holds a message list of the fast shape; ok is false, with nothing done,
// for anything else.
func (c *msgConv) fastStringMessages(s, def string) ([]Message, bool) {
	t := strings.TrimSpace(s)
	if t == "" || t[0] != '[' {
		return nil, false
	}
	return c.fastMessages(t, def, -1)
}

// completionValue converts a gen_ai.completion value: a JSON message list
// or response, else one assistant message.
func (c *msgConv) completionValue(val pcommon.Value) []Message {
	if val.Type() != pcommon.ValueTypeStr {
		return c.fromAny(valueToAny(val), "assistant", 0)
	}
	s := val.Str()
	if isEmptyContent(s) {
		return nil
	}
	if out, ok := c.fastStringMessages(s, "assistant"); ok {
		if len(out) > 0 {
			return out
		}
		return c.emit(nil, Message{Role: "assistant", Content: c.v.cappedText(s)})
	}
	if d, decoded := c.decodeContentString(s); decoded {
		if msgs := c.fromAny(d, "assistant", 0); len(msgs) > 0 {
			return msgs
		}
	}
	return c.emit(nil, Message{Role: "assistant", Content: c.v.cappedText(s)})
}

// lineRoles are the roles OpenLIT writes at the start of a line.
var lineRoles = map[string]bool{
	"system": true, "user": true, "assistant": true, "tool": true, "developer": true,
	"human": true, "ai": true, "model": true, "function": true,
}

// roleLines parses OpenLIT's "role: content" text; nil when the text does
// not start with a role line.
func (c *msgConv) roleLines(s string) []Message {
	var out []Message
	var cur *Message
	var sb strings.Builder
	flush := func() {
		if cur != nil {
			cur.Content = c.v.capContent(sb.String())
			out = c.emit(out, *cur)
			cur = nil
			sb.Reset()
		}
	}
	rest := s
	first := true
	for len(rest) > 0 || first {
		line, tail, found := strings.Cut(rest, "\n")
		rest = tail
		role := ""
		if head, body, ok := strings.Cut(line, ":"); ok && len(head) <= 16 {
			if lineRoles[strings.ToLower(strings.TrimSpace(head))] && head == strings.TrimLeft(head, " \t") {
				role = normRole(head)
				line = strings.TrimPrefix(body, " ")
			}
		}
		if first && role == "" {
			return nil
		}
		first = false
		if role != "" {
			flush()
			cur = &Message{Role: role}
			sb.WriteString(line)
		} else {
			if lim := c.v.opts.MaxContentBytes; lim <= 0 || sb.Len() <= lim {
				sb.WriteByte('\n')
				sb.WriteString(line)
			}
		}
		if !found || c.full {
			break
		}
	}
	flush()
	return out
}

// oiPrompts returns OpenInference completions-API prompts.
func oiPrompts(v *spanView) []string {
	if v.hasFlat.oiPrompts {
		if ps := flatTexts(v, "llm.prompts.", "prompt.text", "text"); len(ps) > 0 {
			return ps
		}
	}
	if val, ok := v.get("llm.prompts"); ok {
		switch x := valueToAny(val).(type) {
		case string:
			if strings.TrimSpace(x) != "" {
				return []string{v.capContent(x)}
			}
		case []any:
			var out []string
			for _, e := range x {
				if s := marshalOrString(e); s != "" {
					out = append(out, v.capContent(s))
				}
			}
			return out
		}
	}
	return nil
}

// extractCompletionMessages returns one message per choice from the first
// source present in §4's completion order; nil when none. Finish reasons go
// to metadata "finish_reasons", reasoning to metadata "reasoning".
func extractCompletionMessages(v *spanView) []Message {
	c := newMsgConv(v)
	out := c.completionMessages()
	c.flushReasoning("reasoning")
	c.flushFinish()
	return out
}

func (c *msgConv) completionMessages() []Message {
	v := c.v
	if val, ok := v.get(genai.OutputMessages); ok {
		if msgs := c.fromValue(val, "assistant", 0); len(msgs) > 0 {
			return msgs
		}
	}
	var msgs []Message
	for i, x := range c.operationDetails(genai.OutputMessages) {
		part := c.fromAny(x, "assistant", 0)
		// The Responses API in streaming mode logs one record per output
		// item: items of later records continue the same choice. Several
		// messages inside one record are separate choices and stay apart.
		if i > 0 && len(part) == 1 && len(msgs) > 0 && mergeAssistant(&msgs[len(msgs)-1], &part[0]) {
			continue
		}
		msgs = append(msgs, part...)
	}
	if len(msgs) > 0 {
		return msgs
	}
	if v.hasFlat.oiOutput {
		if msgs := c.oiMessages("llm.output_messages.", "assistant"); len(msgs) > 0 {
			return msgs
		}
	}
	if v.hasFlat.genAICompletion {
		if msgs := c.tlMessages("gen_ai.completion.", "assistant"); len(msgs) > 0 {
			return msgs
		}
	}
	if msgs := c.vercelCompletion(); len(msgs) > 0 {
		return msgs
	}
	if msgs := c.eventMessages(false); len(msgs) > 0 {
		v.consume(genai.Completion)
		return msgs
	}
	if val, ok := v.get(genai.Completion); ok {
		if msgs := c.completionValue(val); len(msgs) > 0 {
			return msgs
		}
	}
	if val, ok := v.get("gcp.vertex.agent.llm_response"); ok {
		if m, ok := structured(val).(map[string]any); ok && len(m) > 0 {
			if fr, ok := mAny(m, "finish_reason", "finishReason"); ok {
				c.addFinish(fr)
			}
			if content, ok := m["content"]; ok {
				if msgs := c.fromAny(content, "assistant", 0); len(msgs) > 0 {
					return msgs
				}
			} else if msgs := c.fromMap(m, "assistant", 0); len(msgs) > 0 {
				return msgs
			}
		}
	}
	if val, ok := v.get("response_data"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			if msg, ok := m["message"]; ok {
				if msgs := c.fromAny(msg, "assistant", 0); len(msgs) > 0 {
					return msgs
				}
			} else if _, ok := m["choices"]; ok {
				if msgs := c.fromMap(m, "assistant", 0); len(msgs) > 0 {
					return msgs
				}
			}
		}
	}
	if v.hasFlat.oiChoices {
		for _, t := range flatTexts(v, "llm.choices.", "completion.text", "choice.text", "text") {
			msgs = c.emit(msgs, Message{Role: "assistant", Content: c.v.text(t)})
		}
		if len(msgs) > 0 {
			return msgs
		}
	}
	if val, ok := v.get("gen_ai.completion_json"); ok {
		if msgs := c.fromValue(val, "assistant", 0); len(msgs) > 0 {
			return msgs
		}
	}
	// [LF] langfuse.observation.output of a generation.
	if msgs := c.langfuseCompletion(); len(msgs) > 0 {
		return msgs
	}
	if val, ok := v.peek("output.value"); ok {
		if m, ok := structured(val).(map[string]any); ok {
			_, hasChoices := m["choices"].([]any)
			if hasChoices || roleOf(m["role"]) == "assistant" {
				if msgs := c.fromMap(m, "assistant", 0); len(msgs) > 0 {
					v.consume("output.value")
					return msgs
				}
			}
		}
	}
	return nil
}

// vercelCompletion builds the assistant message of a Vercel AI SDK call
// span from ai.response.text | ai.response.object and ai.response.toolCalls
// (v<4: ai.result.*).
func (c *msgConv) vercelCompletion() []Message {
	v := c.v
	b := &msgBuilder{role: "assistant"}
	found := false
	for _, p := range []string{"ai.response.", "ai.result."} {
		// String values (the usual case) are read as strings: boxing one
		// into an any for the general helpers costs an allocation.
		if val, ok := v.get(p + "text"); ok {
			if val.Type() == pcommon.ValueTypeStr {
				if str := val.Str(); str != "" {
					b.addText(v.capContent(str))
				}
				found = true
			} else if s := valueToAny(val); s != nil {
				c.addContent(b, s, 1)
				found = true
			}
		} else if val, ok := v.get(p + "object"); ok {
			if val.Type() == pcommon.ValueTypeStr {
				b.addText(v.capContent(val.Str()))
				found = true
			} else if s := valueToAny(val); s != nil {
				b.addText(c.textOf(s))
				found = true
			}
		}
		if val, ok := v.get(p + "toolCalls"); ok {
			if val.Type() == pcommon.ValueTypeStr {
				c.addToolCallsString(b, val.Str(), 1)
			} else {
				c.addToolCallsValue(b, valueToAny(val), 1)
			}
			found = true
		}
		if val, ok := v.get(p + "reasoningText"); ok {
			c.addReasoning(c.textOfValue(val))
		} else if val, ok := v.get(p + "reasoning"); ok {
			c.addReasoning(c.textOfValue(val))
		}
		if found {
			if fr := v.str(p + "finishReason"); fr != "" {
				c.addFinish(fr)
			}
			break
		}
	}
	if !found {
		return nil
	}
	return c.finishMsg(nil, b)
}

// extractEmbeddingInputs returns the texts embedded or nil: OI
// embedding.embeddings.{i}.embedding.text, TL gen_ai.prompt.{i}.content,
// Vercel ai.values / ai.value, then input.value.
func extractEmbeddingInputs(v *spanView) []any {
	if v.hasFlat.oiEmbeddings {
		if ts := flatTexts(v, "embedding.embeddings.", "embedding.text"); len(ts) > 0 {
			return stringsToAny(ts)
		}
	}
	if v.hasFlat.genAIPrompt {
		if ts := flatTexts(v, "gen_ai.prompt.", "content", "message.content", "user"); len(ts) > 0 {
			return stringsToAny(ts)
		}
	}
	if val, ok := v.get("ai.values"); ok {
		x := valueToAny(val)
		if s, isStr := x.(string); isStr {
			x = decodeMaybeJSON(s)
		}
		if list, ok := x.([]any); ok && len(list) > 0 {
			out := make([]any, 0, len(list))
			for _, e := range list {
				out = append(out, embedItem(v, e))
			}
			return out
		}
		if x != nil {
			return []any{embedItem(v, x)}
		}
	}
	if val, ok := v.get("ai.value"); ok {
		if x := valueToAny(val); x != nil {
			return []any{embedItem(v, x)}
		}
	}
	if val, ok := v.peek("input.value"); ok {
		x := structured(val)
		if m, ok := x.(map[string]any); ok {
			x = m["input"]
			if x == nil {
				return nil
			}
		}
		switch t := x.(type) {
		case string:
			if isEmptyContent(t) {
				return nil
			}
			v.consume("input.value")
			return []any{v.capContent(t)}
		case []any:
			if len(t) == 0 {
				return nil
			}
			v.consume("input.value")
			out := make([]any, 0, len(t))
			for _, e := range t {
				out = append(out, embedItem(v, e))
			}
			return out
		}
	}
	return nil
}

// embedItem decodes one embedding input (Vercel double-encodes strings).
func embedItem(v *spanView, e any) any {
	if s, ok := e.(string); ok {
		d := decodeMaybeJSON(s)
		if ds, ok := d.(string); ok {
			return v.capContent(ds)
		}
		if _, isMap := d.(map[string]any); isMap {
			return v.capContent(s)
		}
		return saneNumbers(d, 0)
	}
	return saneNumbers(e, 0)
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// extractCompletionStyle returns the prompt and completion strings of a
// completion-style span (text_completion, OI llm.prompts.*); ok=false when
// neither is found.
func extractCompletionStyle(v *spanView) (prompt, completion string, ok bool) {
	if ps := oiPrompts(v); len(ps) > 0 {
		prompt = v.capContent(strings.Join(ps, "\n"))
	}
	if prompt == "" && v.hasFlat.genAIPrompt {
		if ts := flatTexts(v, "gen_ai.prompt.", "user", "content", "prompt"); len(ts) > 0 {
			prompt = v.capContent(strings.Join(ts, "\n"))
		}
	}
	if v.hasFlat.oiChoices {
		if ts := flatTexts(v, "llm.choices.", "completion.text", "choice.text", "text"); len(ts) > 0 {
			completion = ts[0]
		}
	}
	if completion == "" && v.hasFlat.genAICompletion {
		if ts := flatTexts(v, "gen_ai.completion.", "content", "text"); len(ts) > 0 {
			completion = ts[0]
		}
	}
	if prompt == "" {
		if msgs := extractPromptMessages(v); len(msgs) > 0 {
			var parts []string
			for i := range msgs {
				if t := messageText(&msgs[i]); t != "" {
					parts = append(parts, t)
				}
			}
			prompt = v.capContent(strings.Join(parts, "\n"))
		}
	}
	if completion == "" {
		if msgs := extractCompletionMessages(v); len(msgs) > 0 {
			completion = messageText(&msgs[0])
		}
	}
	return prompt, completion, prompt != "" || completion != ""
}

// mergeAssistant appends next to prev when both are assistant messages with
// plain-text (or no) content: texts are joined by a newline, tool calls
// concatenated. It reports whether it merged.
func mergeAssistant(prev, next *Message) bool {
	if prev.Role != "assistant" || next.Role != "assistant" {
		return false
	}
	pt, pOK := prev.Content.(string)
	nt, nOK := next.Content.(string)
	if (!pOK && prev.Content != nil) || (!nOK && next.Content != nil) {
		return false
	}
	switch {
	case pt == "":
		if next.Content != nil {
			prev.Content = nt
		}
	case nt != "":
		prev.Content = pt + "\n" + nt
	}
	prev.ToolCalls = append(prev.ToolCalls, next.ToolCalls...)
	return true
}
