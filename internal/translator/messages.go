// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Message normalisation (§5.4): every message shape the conventions use is
// turned into OpenAI-style Messages. This file holds the shape-agnostic
// converter (msgConv) and the single-message form; the shapes of one
// provider or framework each have a file: messages_openai.go,
// messages_gemini.go, messages_langchain.go, messages_bedrock.go, and
// messages_parts.go for content parts and tool calls. messages_extract.go
// picks the source per §4, messages_flat.go rebuilds flattened keys and
// messages_events.go reads span-event messages.
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
	// The finish reasons: the first held apart, so that the usual single
	// reason needs no slice (finish holds all of them once there are two).
	firstFinish string
	nFinish     int
	finish      []any
	n           int
	full        bool
}

func newMsgConv(v *spanView) *msgConv { return &msgConv{v: v} }

// flushReasoning records collected reasoning text in metadata under key.
func (c *msgConv) flushReasoning(key string) {
	if len(c.reasoning) == 0 {
		return
	}
	c.v.setMetaStr(key, c.v.capContent(strings.Join(c.reasoning, "\n\n")))
	c.reasoning = nil
}

// flushFinish records the collected finish reasons in metadata (a list,
// []any of strings).
func (c *msgConv) flushFinish() {
	switch c.nFinish {
	case 0:
		return
	case 1:
		c.v.setMeta("finish_reasons", singleFinish(c.firstFinish))
	default:
		c.v.setMeta("finish_reasons", c.finish)
	}
	c.firstFinish, c.nFinish, c.finish = "", 0, nil
}

func (c *msgConv) addFinish(x any) {
	s := strings.TrimSpace(asString(x))
	if s == "" || c.nFinish >= 64 {
		return
	}
	s = truncateRunes(s, 64)
	switch c.nFinish {
	case 0:
		c.firstFinish = s
	case 1:
		c.finish = append(make([]any, 0, 4), c.firstFinish, s)
	default:
		c.finish = append(c.finish, s)
	}
	c.nFinish++
}

// commonFinish holds, for the finish reasons nearly every call reports,
// the metadata value of that reason alone, built once: a list of one
// string costs three allocations (the string and the slice each boxed in
// an any, and the backing array). Metadata values are never modified in
// place (redaction and shrinking replace them), so the value is shared.
var commonFinish = func() map[string]any {
	m := map[string]any{}
	for _, s := range []string{"stop", "length", "tool_calls", "tool_call", "tool-calls", "tool_use",
		"end_turn", "max_tokens", "content_filter", "function_call", "STOP", "MAX_TOKENS", "error", "other"} {
		m[s] = []any{s}
	}
	return m
}()

// singleFinish is the metadata value of the single finish reason s.
func singleFinish(s string) any {
	if v, ok := commonFinish[s]; ok {
		return v
	}
	return []any{s}
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
	role = sideRole(role)
	out := c.fromAny(raw, role, 0)
	c.flushSide(role)
	return out
}

// messagesFromValue is messagesFromAny(v, structured(val), role) for an
// attribute value: a JSON message list of the fast shape (messages_fast.go)
// is read without its tree, anything else goes the general way.
func messagesFromValue(v *spanView, val pcommon.Value, role string) []Message {
	if val.Type() == pcommon.ValueTypeSlice {
		c := newMsgConv(v)
		def := sideRole(role)
		if out, ok := c.fastValueMessages(val, def, -1); ok {
			c.flushSide(def)
			return out
		}
	}
	if val.Type() == pcommon.ValueTypeStr && firstNonSpace(val.Str()) == '[' {
		c := newMsgConv(v)
		def := sideRole(role)
		// structured hands fromAny the decoded list at depth 0, one level
		// above where fromAny meets the list given as a string: the depth
		// the fast path counts from is -1.
		if out, ok := c.fastMessages(val.Str(), def, -1); ok {
			c.flushSide(def)
			return out
		}
	}
	return messagesFromAny(v, structured(val), role)
}

// systemMessagesFromValue is messagesFromAny(v, structured(val), "system")
// for system instructions: a JSON list of text parts (the usual shape) is
// read without its tree. Only text parts: fromList takes a list for one
// message's parts only when every type is in partTypes, which not every
// tool-call spelling the fast reader knows is.
func systemMessagesFromValue(v *spanView, val pcommon.Value) []Message {
	if val.Type() == pcommon.ValueTypeSlice {
		r := &v.fast
		if useFastMessages && r.readValueParts(val) && onlyTextParts(r.parts) {
			c := newMsgConv(v)
			b := &msgBuilder{role: "system"}
			c.applyFastParts(b, r.parts, 2)
			return c.finishMsg(nil, b)
		}
	}
	if val.Type() == pcommon.ValueTypeStr && firstNonSpace(val.Str()) == '[' {
		r := &v.fast
		if useFastMessages && r.readParts(val.Str(), &v.arena) && onlyTextParts(r.parts) {
			c := newMsgConv(v)
			b := &msgBuilder{role: "system"}
			c.applyFastParts(b, r.parts, 2) // fromList → addContent → addPart: depth 2
			return c.finishMsg(nil, b)
		}
	}
	return messagesFromAny(v, structured(val), "system")
}

func onlyTextParts(parts []fastPart) bool {
	for i := range parts {
		if parts[i].kind != 't' {
			return false
		}
	}
	return true
}

// sideRole is the default role of a message list: role normalised, user
// when it names none.
func sideRole(role string) string {
	if role = normRole(role); role == "" {
		return "user"
	}
	return role
}

// flushSide records the reasoning (and, for completions, the finish
// reasons) collected while converting one side's messages.
func (c *msgConv) flushSide(role string) {
	if role == "assistant" {
		c.flushReasoning("reasoning")
		c.flushFinish()
		return
	}
	c.flushReasoning("prompt_reasoning")
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
		return c.fromString(x, def, depth)
	case []any:
		return c.fromList(x, def, depth)
	case map[string]any:
		return c.fromMap(x, def, depth)
	default:
		s := asString(x)
		if s == "" {
			return nil
		}
		return c.emit(nil, Message{Role: def, Content: c.v.text(s)})
	}
}

// fromValue is fromAny(valueToAny(val), def, depth) without boxing a
// string value into an any (an allocation per call).
func (c *msgConv) fromValue(val pcommon.Value, def string, depth int) []Message {
	if val.Type() == pcommon.ValueTypeStr {
		return c.fromString(val.Str(), def, depth)
	}
	// A structured list, read without its tree (fromAny is called at
	// depth: the fast path counts from one level above), when its parts
	// (met at depth+3) are within the depth the general path converts.
	if val.Type() == pcommon.ValueTypeSlice && depth+3 <= maxMsgDepth && !c.full {
		if out, ok := c.fastValueMessages(val, def, depth-1); ok {
			return out
		}
	}
	return c.fromAny(valueToAny(val), def, depth)
}

// fromString is fromAny for a string: a JSON message list or message
// (decoded), else one message holding the text.
func (c *msgConv) fromString(x, def string, depth int) []Message {
	if depth > maxMsgDepth || c.full || isEmptyContent(x) {
		return nil
	}
	// A top-level message list of the common shapes is read without
	// building its tree (messages_fast.go).
	if t := strings.TrimSpace(x); depth == 0 && t != "" && t[0] == '[' {
		if out, ok := c.fastMessages(t, def, depth); ok {
			return out
		}
	}
	d, decoded := c.decodeContentString(x)
	if decoded {
		return c.fromAny(d, def, depth+1)
	}
	s, _ := d.(string)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return c.emit(nil, Message{Role: def, Content: c.v.cappedText(s)})
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
				out = c.emit(out, Message{Role: def, Content: c.v.text(s)})
			}
		}
	}
	return out
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
// serialisation, Gemini request, choice) or a single message. The wrapper
// shapes are tried in this order; each lives with its provider's shapes.
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
		if out, ok := c.requestBody(m, def, depth); ok {
			return out
		}
		if out, ok := c.geminiRequest(m, def, depth); ok {
			return out
		}
		if out, ok := c.openAIChoices(m, depth); ok {
			return out
		}
		if out, ok := c.geminiCandidates(m, depth); ok {
			return out
		}
		if out, ok := c.langChainGenerations(m, depth); ok {
			return out
		}
		if out, ok := c.choiceLike(m, def, depth); ok {
			return out
		}
		if out, ok := c.langSmithPrompts(m, depth); ok {
			return out
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
	// items are the content parts in order. A text part is held as its
	// text and becomes an OpenAI {"type":"text"} part only when the
	// message mixes kinds: most messages are text alone, sent as a string.
	// The first item is held inline: a message of one part costs no
	// allocation here. items holds all of them once there are two.
	first     msgItem
	n         int
	items     []msgItem
	texts     int // how many items are text parts
	toolCalls []ToolCall
	results   []Message
}

func (b *msgBuilder) addText(s string) {
	b.add(msgItem{text: s, isText: true})
	b.texts++
}

// addRaw adds a non-text content part (an OpenAI-shaped tree).
func (b *msgBuilder) addRaw(part any) {
	b.add(msgItem{part: part})
}

func (b *msgBuilder) add(it msgItem) {
	switch b.n {
	case 0:
		b.first = it
	case 1:
		b.items = append(make([]msgItem, 0, 4), b.first, it)
	default:
		b.items = append(b.items, it)
	}
	b.n++
}

// all returns the items.
func (b *msgBuilder) all() []msgItem {
	if b.n == 1 {
		return []msgItem{b.first}
	}
	return b.items
}

// msgItem is one content part of a msgBuilder.
type msgItem struct {
	text   string
	part   any
	isText bool
}

func (b *msgBuilder) content(v *spanView) any {
	switch {
	case b.n == 0:
		return nil
	case b.n == 1 && b.texts == 1:
		return v.text(b.first.text)
	case b.texts == b.n:
		n := b.n - 1
		for _, it := range b.items {
			n += len(it.text)
		}
		joined := v.arena.build(n, func(sb *strings.Builder) {
			for i, it := range b.items {
				if i > 0 {
					sb.WriteByte('\n')
				}
				sb.WriteString(it.text)
			}
		})
		return v.cappedText(joined)
	}
	items := b.all()
	parts := make([]any, len(items))
	for i, it := range items {
		if it.isText {
			parts[i] = map[string]any{"type": "text", "text": it.text}
		} else {
			parts[i] = it.part
		}
	}
	return parts
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
