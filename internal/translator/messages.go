package translator

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Message normalisation (§5.4): every message shape the conventions use is
// turned into OpenAI-style Messages. This file holds the shape-agnostic
// converter (msgConv); messages_extract.go picks the source per §4,
// messages_flat.go rebuilds flattened keys and messages_events.go reads
// span-event messages.
//
// Decisions (documented here because the spec leaves them open):
//   - Roles are normalised by normRole: human→user, ai|model|bot|chatbot→
//     assistant, function|ipython→tool; system, developer, user, assistant and
//     tool are kept. Respan (and the package's output invariants) accept only
//     those five, so any other role (multi-agent speaker names, garbage) gets
//     the default role of the side (user for inputs, assistant for outputs)
//     and, when it is a plain identifier and the message has no name, is kept
//     as the message's name.
//   - Reasoning parts never become content. Reasoning of completion messages
//     goes to metadata "reasoning"; reasoning found in the prompt history
//     goes to metadata "prompt_reasoning" (so the current turn's reasoning is
//     not shadowed by the history's, setMeta being first-writer-wins).
//   - Tool calls found in a non-assistant message are split into their own
//     assistant message placed before it (OpenAI only allows tool_calls on
//     assistant messages).
//   - Tool messages produced from parts/blocks (tool_call_response,
//     tool-result, toolResult, function_response, …) carry Name only when
//     they have no tool_call_id.
//   - Messages that end up with no content, no tool calls and no
//     tool_call_id are dropped.

const (
	// maxFlatIndex caps flattened message indices (Langfuse uses the same).
	maxFlatIndex = 10000
	// maxMessages caps the messages produced for one field.
	maxMessages = 10000
	// maxInlineBlobBytes is the largest base64 payload kept inline as a
	// data: URI; larger blobs become a placeholder.
	maxInlineBlobBytes = 64 << 10
	// maxMsgDepth bounds recursion of the converter over nested shapes.
	maxMsgDepth = 24
)

// msgConv carries the per-call state of one message conversion.
type msgConv struct {
	v         *spanView
	reasoning []string
	finish    []any
	n         int
	full      bool
}

func newMsgConv(v *spanView) *msgConv { return &msgConv{v: v} }

// flushReasoning records collected reasoning text in metadata under key.
func (c *msgConv) flushReasoning(key string) {
	if len(c.reasoning) == 0 {
		return
	}
	c.v.setMeta(key, c.v.capContent(strings.Join(c.reasoning, "\n\n")))
	c.reasoning = nil
}

// flushFinish records the collected finish reasons in metadata.
func (c *msgConv) flushFinish() {
	if len(c.finish) == 0 {
		return
	}
	c.v.setMeta("finish_reasons", c.finish)
	c.finish = nil
}

func (c *msgConv) addFinish(x any) {
	s := strings.TrimSpace(asString(x))
	if s == "" || len(c.finish) >= 64 {
		return
	}
	c.finish = append(c.finish, truncateRunes(s, 64))
}

func (c *msgConv) addReasoning(s string) {
	if strings.TrimSpace(s) == "" || len(c.reasoning) >= 256 {
		return
	}
	c.reasoning = append(c.reasoning, c.v.capContent(s))
}

// messagesFromAny converts any decoded message-list shape to OpenAI
// messages; role is the default role of items that have none.
func messagesFromAny(v *spanView, raw any, role string) []Message {
	c := newMsgConv(v)
	role = normRole(role)
	if role == "" {
		role = "user"
	}
	out := c.fromAny(raw, role, 0)
	if role == "assistant" {
		c.flushReasoning("reasoning")
		c.flushFinish()
	} else {
		c.flushReasoning("prompt_reasoning")
	}
	return out
}

// normRole normalises a role name (see the file comment).
func normRole(s string) string {
	r := strings.ToLower(strings.TrimSpace(s))
	switch r {
	case "":
		return ""
	case "human", "user":
		return "user"
	case "ai", "model", "bot", "chatbot", "assistant":
		return "assistant"
	case "function", "tool", "ipython":
		return "tool"
	case "system", "developer":
		return r
	}
	return ""
}

// unknownRoleName returns a role outside the five Respan accepts, kept as
// the message name (the message itself takes the default role); "" when
// the role is known, empty or not a plain identifier.
func unknownRoleName(raw string) string {
	r := strings.TrimSpace(raw)
	if r == "" || normRole(r) != "" || len(r) > 64 {
		return ""
	}
	for i := 0; i < len(r); i++ {
		ch := r[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.' || ch == ' ') {
			return ""
		}
	}
	return r
}

// roleOf reads a role value from an arbitrary decoded value.
func roleOf(x any) string {
	s, _ := x.(string)
	return normRole(s)
}

// mStr returns the first non-empty primitive value among keys of m, as a
// string.
func mStr(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if x, ok := m[k]; ok {
			if s := asString(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// mAny returns the first present non-nil value among keys of m.
func mAny(m map[string]any, keys ...string) (any, bool) {
	for _, k := range keys {
		if x, ok := m[k]; ok && x != nil {
			return x, true
		}
	}
	return nil, false
}

// emit appends messages to out, honouring maxMessages.
func (c *msgConv) emit(out []Message, ms ...Message) []Message {
	for _, m := range ms {
		if c.n >= maxMessages {
			if !c.full {
				c.full = true
				c.v.warn("too many messages; extra messages dropped")
			}
			return out
		}
		c.n++
		out = append(out, m)
	}
	return out
}

// decodeContentString decodes a string that looks like JSON; a string that
// starts like a JSON container but does not parse is kept (with a warning).
func (c *msgConv) decodeContentString(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, false
	}
	ch := t[0]
	if ch != '{' && ch != '[' && ch != '"' {
		return s, false
	}
	d := decodeMaybeJSON(t)
	if ds, isStr := d.(string); isStr {
		if ds == t && looksLikeJSONContainer(t) {
			c.v.warn("unparseable JSON in message content kept as text")
			return s, false
		}
		if looksLikeJSONContainer(ds) {
			c.v.warn("unparseable JSON in message content kept as text")
		}
		return ds, false
	}
	return d, true
}

// fromAny converts a decoded value of unknown shape.
func (c *msgConv) fromAny(raw any, def string, depth int) []Message {
	if depth > maxMsgDepth || c.full {
		return nil
	}
	switch x := raw.(type) {
	case nil:
		return nil
	case string:
		if isEmptyContent(x) {
			return nil
		}
		d, decoded := c.decodeContentString(x)
		if decoded {
			return c.fromAny(d, def, depth+1)
		}
		s, _ := d.(string)
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return c.emit(nil, Message{Role: def, Content: c.v.capContent(s)})
	case []any:
		return c.fromList(x, def, depth)
	case map[string]any:
		return c.fromMap(x, def, depth)
	default:
		s := asString(x)
		if s == "" {
			return nil
		}
		return c.emit(nil, Message{Role: def, Content: s})
	}
}

// partTypes are "type" values of content parts (semconv, OpenAI, Vercel,
// Anthropic, Responses API). A map with one of these and no role is a part.
var partTypes = map[string]bool{
	"text": true, "input_text": true, "output_text": true, "reasoning": true, "thinking": true,
	"redacted_thinking": true, "tool_call": true, "tool-call": true, "tool_use": true,
	"function_call": true, "tool_call_response": true, "tool-result": true, "tool_result": true,
	"function_call_output": true, "blob": true, "uri": true, "file": true, "image": true,
	"image_url": true, "input_image": true, "input_audio": true, "audio": true, "refusal": true,
	"server_tool_call": true, "server_tool_call_response": true, "document": true,
	"input_file": true, "source": true,
}

// blockKeys are keys of provider-native content blocks without a "type"
// (Bedrock/Strands, Gemini).
var blockKeys = []string{"text", "toolUse", "toolResult", "reasoningContent", "image", "document",
	"video", "function_call", "functionCall", "function_response", "functionResponse",
	"inline_data", "inlineData", "file_data", "fileData", "json", "executable_code",
	"executableCode", "code_execution_result", "codeExecutionResult", "cachePoint", "guardContent"}

// isPartMap reports whether m is a content part / block rather than a
// message.
func isPartMap(m map[string]any) bool {
	if _, ok := m["role"]; ok {
		return false
	}
	if t, ok := m["type"].(string); ok {
		return partTypes[strings.ToLower(t)]
	}
	if _, ok := m["parts"]; ok {
		return false
	}
	if _, ok := m["content"]; ok {
		return false
	}
	for _, k := range blockKeys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// isPartList reports whether xs is a list of content parts (one message's
// content) rather than a list of messages.
func isPartList(xs []any) bool {
	if len(xs) == 0 {
		return false
	}
	for _, it := range xs {
		m, ok := it.(map[string]any)
		if !ok || !isPartMap(m) {
			return false
		}
	}
	return true
}

func (c *msgConv) fromList(xs []any, def string, depth int) []Message {
	if len(xs) == 0 || depth > maxMsgDepth {
		return nil
	}
	if isPartList(xs) {
		b := &msgBuilder{role: def}
		c.addContent(b, xs, depth+1)
		return c.finishMsg(nil, b)
	}
	var out []Message
	for _, it := range xs {
		if c.full {
			break
		}
		switch m := it.(type) {
		case map[string]any:
			out = append(out, c.fromMap(m, def, depth+1)...)
		case []any:
			out = append(out, c.fromList(m, def, depth+1)...)
		case string:
			out = append(out, c.fromAny(m, def, depth+1)...)
		case nil:
		default:
			if s := asString(m); s != "" {
				out = c.emit(out, Message{Role: def, Content: s})
			}
		}
	}
	return out
}

// langChainRoles maps serialised LangChain message classes to roles.
func langChainRole(class string, kw map[string]any) string {
	class = strings.TrimSuffix(class, "Chunk")
	switch class {
	case "HumanMessage":
		return "user"
	case "AIMessage":
		return "assistant"
	case "SystemMessage":
		return "system"
	case "ToolMessage", "FunctionMessage":
		return "tool"
	case "ChatMessage":
		return roleOf(kw["role"])
	}
	return roleOf(kw["type"])
}

func (c *msgConv) fromLangChain(m, kw map[string]any, def string, depth int) []Message {
	class := ""
	if ids, ok := m["id"].([]any); ok && len(ids) > 0 {
		class, _ = ids[len(ids)-1].(string)
	}
	role := langChainRole(class, kw)
	if role == "" {
		role = def
	}
	msg := map[string]any{"role": role}
	for _, k := range []string{"content", "name", "tool_call_id", "tool_calls"} {
		if x, ok := kw[k]; ok {
			msg[k] = x
		}
	}
	if add, ok := kw["additional_kwargs"].(map[string]any); ok {
		if _, has := msg["tool_calls"]; !has {
			if tc, ok := add["tool_calls"]; ok {
				msg["tool_calls"] = tc
			}
		}
		if fc, ok := add["function_call"]; ok {
			msg["function_call"] = fc
		}
	}
	if tcs, ok := msg["tool_calls"].([]any); ok && len(tcs) == 0 {
		delete(msg, "tool_calls")
	}
	return c.fromMessageMap(msg, role, depth+1)
}

// systemMessages converts a system prompt value (string, list of text
// blocks, Gemini Content) to system messages.
func (c *msgConv) systemMessages(x any, depth int) []Message {
	if x == nil || depth > maxMsgDepth {
		return nil
	}
	b := &msgBuilder{role: "system"}
	switch s := x.(type) {
	case string:
		if isEmptyContent(s) {
			return nil
		}
		c.addContent(b, s, depth+1)
	case map[string]any:
		if p, ok := mAny(s, "parts", "content", "text"); ok {
			c.addContent(b, p, depth+1)
		} else {
			c.addContent(b, s, depth+1)
		}
	default:
		c.addContent(b, s, depth+1)
	}
	return c.finishMsg(nil, b)
}

func hasRole(ms []Message, roles ...string) bool {
	for i := range ms {
		for _, r := range roles {
			if ms[i].Role == r {
				return true
			}
		}
	}
	return false
}

// withSystem prepends the system messages unless msgs already has a
// system or developer message.
func withSystem(sys, msgs []Message) []Message {
	if len(sys) == 0 || hasRole(msgs, "system", "developer") {
		return msgs
	}
	out := make([]Message, 0, len(sys)+len(msgs))
	out = append(out, sys...)
	return append(out, msgs...)
}

// fromMap converts one map: a wrapper (request/response body, LangChain
// serialisation, Gemini request, choice) or a single message.
func (c *msgConv) fromMap(m map[string]any, def string, depth int) []Message {
	if depth > maxMsgDepth || c.full {
		return nil
	}
	_, hasRoleKey := m["role"]
	// LangChain serialised message.
	if kw, ok := m["kwargs"].(map[string]any); ok {
		if _, lc := m["lc"]; lc {
			return c.fromLangChain(m, kw, def, depth)
		}
	}
	if !hasRoleKey {
		// Request bodies and wrappers: {system?, messages}, {system?, prompt}.
		if msgs, ok := m["messages"]; ok {
			if _, isStr := msgs.(string); !isStr || looksLikeJSONContainer(msgs.(string)) {
				var out []Message
				out = append(out, c.fromAny(msgs, def, depth+1)...)
				if p, ok := m["prompt"]; ok {
					out = append(out, c.fromAny(p, "user", depth+1)...)
				}
				sys, _ := mAny(m, "system", "system_instruction", "systemInstruction", "instructions")
				return withSystem(c.systemMessages(sys, depth+1), out)
			}
		}
		if p, ok := m["prompt"]; ok {
			if _, hasSys := m["system"]; hasSys || len(m) == 1 {
				out := c.fromAny(p, "user", depth+1)
				return withSystem(c.systemMessages(m["system"], depth+1), out)
			}
		}
		// Gemini / ADK request.
		if contents, ok := m["contents"]; ok {
			out := c.fromAny(contents, def, depth+1)
			sys, _ := mAny(m, "system_instruction", "systemInstruction")
			if cfg, ok := m["config"].(map[string]any); ok && sys == nil {
				sys, _ = mAny(cfg, "system_instruction", "systemInstruction")
			}
			return withSystem(c.systemMessages(sys, depth+1), out)
		}
		// OpenAI chat / completion response.
		if choices, ok := m["choices"].([]any); ok {
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
			return out
		}
		// Gemini response.
		if cands, ok := m["candidates"].([]any); ok {
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
			return out
		}
		// LangChain LLMResult.
		if gens, ok := m["generations"].([]any); ok {
			var out []Message
			for _, g := range gens {
				list, ok := g.([]any)
				if !ok {
					list = []any{g}
				}
				for _, gi := range list {
					gm, ok := gi.(map[string]any)
					if !ok {
						continue
					}
					if msg, ok := gm["message"]; ok {
						out = append(out, c.fromAny(msg, "assistant", depth+1)...)
					} else {
						out = append(out, c.fromAny(gm["text"], "assistant", depth+1)...)
					}
				}
			}
			return out
		}
		// Choice-like: {message, finish_reason, index}.
		if msg, ok := m["message"]; ok {
			if _, hasContent := m["content"]; !hasContent {
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
					return c.fromMap(mm, def, depth+1)
				default:
					b := &msgBuilder{role: def}
					c.addContent(b, msg, depth+1)
					c.addToolCallsValue(b, m["tool_calls"], depth+1)
					return c.finishMsg(nil, b)
				}
			}
		}
		// LangSmith LLM inputs: {"prompts": [...]}.
		if ps, ok := m["prompts"].([]any); ok {
			return c.fromList(ps, "user", depth+1)
		}
		if isPartMap(m) {
			// A bare part acting as an item (Responses API input items).
			b := &msgBuilder{role: def}
			c.addMapPart(b, m, depth+1)
			return c.finishMsg(nil, b)
		}
	}
	return c.fromMessageMap(m, def, depth)
}

// fromMessageMap converts a single message object.
func (c *msgConv) fromMessageMap(m map[string]any, def string, depth int) []Message {
	role := roleOf(m["role"])
	if role == "" {
		// LangChain dict form {"type": "human", "content": …}.
		if t, ok := m["type"].(string); ok {
			switch strings.ToLower(t) {
			case "human", "ai", "system", "tool", "function", "developer", "user", "assistant":
				role = normRole(t)
			}
		}
	}
	if role == "" {
		role = roleOf(m["author"])
	}
	if role == "" {
		role = def
	}
	rawRole, _ := m["role"].(string)
	content, hasContent := mAny(m, "content", "parts")
	if !hasContent {
		content, hasContent = mAny(m, "text")
	}
	_, hasTC := mAny(m, "tool_calls", "toolCalls", "function_call")
	if !hasContent && !hasTC {
		if _, ok := m["role"]; !ok {
			return nil // not a message
		}
	}
	b := &msgBuilder{role: role}
	b.name = truncateRunes(mStr(m, "name"), 256)
	if b.name == "" {
		b.name = unknownRoleName(rawRole)
	}
	b.toolCallID = mStr(m, "tool_call_id", "toolCallId")
	if b.toolCallID == "" && role == "tool" {
		b.toolCallID = mStr(m, "id", "tool_use_id")
	}
	c.addContent(b, content, depth+1)
	if tc, ok := mAny(m, "tool_calls", "toolCalls"); ok {
		c.addToolCallsValue(b, tc, depth+1)
	}
	if fc, ok := m["function_call"].(map[string]any); ok {
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(fc))
	}
	if r, ok := mAny(m, "reasoning_content", "reasoning"); ok {
		if s, isStr := r.(string); isStr {
			c.addReasoning(s)
		}
	}
	if fr, ok := mAny(m, "finish_reason", "finishReason", "stop_reason"); ok {
		c.addFinish(fr)
	}
	return c.finishMsg(nil, b)
}

// msgBuilder accumulates one message's content.
type msgBuilder struct {
	role, name, toolCallID string
	parts                  []any // OpenAI content parts
	texts                  int   // how many parts are text parts
	toolCalls              []ToolCall
	results                []Message
}

func (b *msgBuilder) addText(s string) {
	b.parts = append(b.parts, map[string]any{"type": "text", "text": s})
	b.texts++
}

func (b *msgBuilder) content(v *spanView) any {
	if len(b.parts) == 0 {
		return nil
	}
	if b.texts == len(b.parts) {
		if len(b.parts) == 1 {
			return b.parts[0].(map[string]any)["text"]
		}
		var sb strings.Builder
		for i, p := range b.parts {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(p.(map[string]any)["text"].(string))
		}
		return v.capContent(sb.String())
	}
	return b.parts
}

// finishMsg turns a builder into messages appended to out.
func (c *msgConv) finishMsg(out []Message, b *msgBuilder) []Message {
	content := b.content(c.v)
	calls := b.toolCalls
	if len(calls) > 0 && b.role != "assistant" {
		out = c.emit(out, Message{Role: "assistant", ToolCalls: calls})
		calls = nil
	}
	main := Message{Role: b.role, Content: content, Name: b.name, ToolCallID: b.toolCallID, ToolCalls: calls}
	if main.Role == "tool" && content == nil && main.ToolCallID != "" {
		main.Content = ""
	}
	keep := main.Content != nil || len(calls) > 0
	if !keep {
		return c.emit(out, b.results...)
	}
	if b.role == "assistant" {
		out = c.emit(out, main)
		return c.emit(out, b.results...)
	}
	out = c.emit(out, b.results...)
	return c.emit(out, main)
}

// addContent adds a content value (string, list of parts, a part).
func (c *msgConv) addContent(b *msgBuilder, x any, depth int) {
	if depth > maxMsgDepth {
		return
	}
	switch t := x.(type) {
	case nil:
	case string:
		if t == "" {
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
	case "tool_call", "tool-call", "tool_use", "function_call", "toolcall":
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(x))
	case "tool_call_response", "tool-result", "tool_result", "function_call_output":
		id := mStr(x, "id", "toolCallId", "tool_call_id", "tool_use_id", "call_id")
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

// addBlock converts a provider-native block without "type".
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
	if tu, ok := x["toolUse"].(map[string]any); ok {
		b.toolCalls = append(b.toolCalls, c.toolCallFromMap(tu))
		return
	}
	if tr, ok := x["toolResult"].(map[string]any); ok {
		id := mStr(tr, "toolUseId", "id")
		b.results = append(b.results, c.toolResultMsg(id, "", tr["content"], depth))
		return
	}
	for _, k := range []string{"function_call", "functionCall"} {
		if fc, ok := x[k].(map[string]any); ok {
			b.toolCalls = append(b.toolCalls, c.toolCallFromMap(fc))
			return
		}
	}
	for _, k := range []string{"function_response", "functionResponse"} {
		if fr, ok := x[k].(map[string]any); ok {
			res, _ := mAny(fr, "response", "result", "content")
			b.results = append(b.results, c.toolResultMsg(mStr(fr, "id"), mStr(fr, "name"), res, depth))
			return
		}
	}
	if rc, ok := x["reasoningContent"].(map[string]any); ok {
		if rt, ok := rc["reasoningText"].(map[string]any); ok {
			c.addReasoning(c.textOf(rt["text"]))
		} else {
			c.addReasoning(c.textOf(rc["text"]))
		}
		return
	}
	for _, k := range []string{"inline_data", "inlineData"} {
		if d, ok := x[k].(map[string]any); ok {
			c.addBlob(b, mStr(d, "mime_type", "mimeType"), "", mStr(d, "data"))
			return
		}
	}
	for _, k := range []string{"file_data", "fileData"} {
		if d, ok := x[k].(map[string]any); ok {
			c.addURI(b, mStr(d, "mime_type", "mimeType"), "", mStr(d, "file_uri", "fileUri"), d)
			return
		}
	}
	if img, ok := x["image"].(map[string]any); ok {
		format := mStr(img, "format")
		mime := ""
		if format != "" {
			mime = "image/" + strings.ToLower(format)
		}
		if src, ok := img["source"].(map[string]any); ok {
			if data := mStr(src, "bytes", "data"); data != "" {
				c.addBlob(b, mime, "image", data)
				return
			}
			if u := mStr(src, "url", "uri"); u != "" {
				c.addURI(b, mime, "image", u, img)
				return
			}
		}
		b.addText("[image]")
		return
	}
	if _, ok := x["image"]; ok {
		b.addText("[image]")
		return
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
			return
		}
	}
	if j, ok := x["json"]; ok {
		b.addText(c.textOf(j))
		return
	}
	if _, ok := x["cachePoint"]; ok {
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
	b.parts = append(b.parts, saneNumbers(x, 0))
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
			b.parts = append(b.parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": data}})
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
		b.parts = append(b.parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": uri}})
	case strings.EqualFold(modality, "audio") || strings.HasPrefix(strings.ToLower(mime), "audio/"):
		format := strings.TrimPrefix(strings.ToLower(mime), "audio/")
		if format == "mpeg" {
			format = "mp3"
		}
		b.parts = append(b.parts, map[string]any{"type": "input_audio", "input_audio": map[string]any{"data": data, "format": format}})
	default:
		b.parts = append(b.parts, map[string]any{"type": "file", "file": map[string]any{"file_data": uri}})
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
		b.parts = append(b.parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": uri}})
		return
	}
	part := map[string]any{"type": "uri", "uri": uri}
	if mime != "" {
		part["mime_type"] = mime
	}
	if modality != "" {
		part["modality"] = modality
	}
	b.parts = append(b.parts, part)
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
		b.parts = append(b.parts, map[string]any{"type": "file", "file": map[string]any{"file_id": id}})
		return
	}
	if f, ok := x["file"].(map[string]any); ok {
		if id := mStr(f, "file_id"); id != "" {
			b.parts = append(b.parts, map[string]any{"type": "file", "file": map[string]any{"file_id": id}})
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
		if d, ok := c.decodeContentString(t); ok {
			c.addToolCallsValue(b, d, depth+1)
		}
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
	m := Message{Role: "tool", ToolCallID: truncateRunes(id, 256), Content: c.resultText(res, depth+1)}
	if m.ToolCallID == "" {
		m.Name = truncateRunes(name, 256)
	}
	return m
}

// messageText returns the text of a message's content.
func messageText(m *Message) string {
	switch t := m.Content.(type) {
	case string:
		return t
	case []any:
		var sb strings.Builder
		for _, p := range t {
			if pm, ok := p.(map[string]any); ok {
				if s, ok := pm["text"].(string); ok {
					if sb.Len() > 0 {
						sb.WriteByte('\n')
					}
					sb.WriteString(s)
				}
			}
		}
		return sb.String()
	}
	return ""
}
