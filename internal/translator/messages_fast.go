// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"cmp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The fast path of message conversion. Most message lists on the wire are
// the GenAI semconv shape ([{role, parts:[{type:"text", content}, tool_call,
// tool_call_response], finish_reason?, name?}]) or its chat-content cousin
// ([{role, content: "text" | [{type:"text", text}]}]). For those, building
// a map[string]any tree of the whole list only to walk it once is most of
// the cost of a translation. fastMessages reads such a list straight from
// the JSON text with the package's own parser (strings stay substrings of
// the attribute, nothing else is allocated while reading) and hands what it
// read to the same builder calls, in the same order, as the general path
// does, so the messages, metadata and warnings are the same.
//
// OpenAI chat messages (tool_calls with function objects, null content,
// tool_call_id) are of the shape too. Anything outside it (another key, a
// duplicate key, a null where a value is expected, a content string the
// general path would decode into parts, a syntax error) makes it give up
// before any side effect, and the general path converts the text.
// TestFastMessagesMatchGeneral and FuzzFastMessages check the equivalence.

// fastMsg is one message as read; its parts are fastParts[p0:p1], its
// OpenAI tool_calls the reader's calls[c0:c1].
type fastMsg struct {
	role, name, finish string
	hasFinish          bool
	text               string // content given as a string
	hasText            bool
	p0, p1             int
	c0, c1             int
	// toolCallID is tool_call_id or toolCallId; id and toolUseID the
	// keys a tool message's id falls back to.
	toolCallID, id, toolUseID string
}

type fastPart struct {
	kind     byte   // 't' text, 'c' tool_call, 'r' tool_call_response, 'j' json block
	text     string // text part content; a response's when hasText
	id, name string
	raw      string // raw JSON of arguments / response, "" when absent or null
	// hasText: the response is a string, read with the part (readFields);
	// for a call read from a structured value (readValue), the arguments
	// are the string text.
	hasText bool
	// val holds a call's structured arguments or a structured result
	// read by readValue (hasVal), valDepth the depth valueToAny would
	// have met it at.
	val      pcommon.Value
	hasVal   bool
	valDepth int
}

// fastReader holds the reused buffers of the fast path (one per view).
type fastReader struct {
	msgs    []fastMsg
	parts   []fastPart
	calls   []fastPart // messages' tool_calls (message)
	scratch []byte
	// rare is set by part for a type isPartMap does not count as a part
	// (toolcall, tooluse, toolresult): a list of content holding one is
	// not a part list to the general path.
	rare bool
	// busy, blocks and join serve the content reader (messages_fast_content.go).
	busy   bool
	blocks []textBlock
	join   []byte
}

// maxKeptContentScratch is the largest unescaping and joining buffer a
// pooled view keeps (twice the default content cap).
const maxKeptContentScratch = 2 << 20

// release drops what the reader's buffers still reference of the batch
// (message text, structured values) before its view waits in the pool,
// and the buffers a hostile input grew beyond what ordinary ones use.
func (r *fastReader) release() {
	r.msgs, r.parts, r.blocks, r.calls = reuseBuf(r.msgs), reuseBuf(r.parts), reuseBuf(r.blocks), reuseBuf(r.calls)
	// The byte scratch holds no references: it is kept up to the size of
	// the content a batch of ordinary spans unescapes (dropping it at
	// 64 KB, as the metadata writer does, cost every batch of long
	// messages a regrowth), and dropped when a hostile value grew it more.
	if cap(r.scratch) > maxKeptContentScratch {
		r.scratch = nil
	}
	if cap(r.join) > maxKeptContentScratch {
		r.join = nil
	}
	r.scratch, r.join = r.scratch[:0], r.join[:0]
	r.busy, r.rare = false, false
}

// reset empties the records of a read (messages, parts, tool calls).
func (r *fastReader) reset() {
	r.msgs, r.parts, r.calls = r.msgs[:0], r.parts[:0], r.calls[:0]
}

// useFastMessages lets the equivalence tests run the general path alone.
var useFastMessages = true

// fastMessages converts the JSON text t (already trimmed, starting with
// '[') when it has the fast shape; ok is false, with nothing done, when it
// has not. depth is the depth fromAny was called with.
func (c *msgConv) fastMessages(t, def string, depth int) (out []Message, ok bool) {
	if !useFastMessages || !c.v.fast.read(t, &c.v.arena) {
		return nil, false
	}
	return c.fastReadMessages(def, depth), true
}

// fastReadMessages converts the messages the fast reader holds (read from
// JSON text or from a structured value).
func (c *msgConv) fastReadMessages(def string, depth int) (out []Message) {
	r := &c.v.fast
	if len(r.msgs) > 0 {
		out = make([]Message, 0, len(r.msgs))
	}
	for i := range r.msgs {
		if c.full {
			break
		}
		out = c.fastMessage(out, &r.msgs[i], r.parts, def, depth)
	}
	return out
}

// fastMessage is fromMessageMap for a message read by the fast path. The
// general path reaches the parts of a list given to fromAny at depth d at
// depth d+4 (fromAny → fromAny → fromList → fromMap → addContent → addPart).
func (c *msgConv) fastMessage(out []Message, m *fastMsg, parts []fastPart, def string, depth int) []Message {
	role := normRole(m.role)
	if role == "" {
		role = def
	}
	b := &msgBuilder{role: role}
	b.name = truncateRunes(m.name, 256)
	if b.name == "" {
		b.name = unknownRoleName(m.role)
	}
	// fromMessageMap's tool_call_id, toolCallId, then a tool message's
	// id or tool_use_id (the first non-empty).
	b.toolCallID = m.toolCallID
	if b.toolCallID == "" && role == "tool" {
		b.toolCallID = cmp.Or(m.id, m.toolUseID)
	}
	if m.hasText && m.text != "" {
		b.addText(c.v.capContent(m.text))
	}
	c.applyFastParts(b, parts[m.p0:m.p1], depth+4)
	// addToolCallsValue at fromMessageMap's depth + 1.
	if depth+3 <= maxMsgDepth {
		for i := m.c0; i < m.c1; i++ {
			if len(b.toolCalls) >= maxMessages {
				break
			}
			b.toolCalls = append(b.toolCalls, c.fastCall(&c.v.fast.calls[i]))
		}
	}
	if m.hasFinish {
		c.addFinish(m.finish)
	}
	return c.finishMsg(out, b)
}

// applyFastParts does what addMapPart does for each part read by the fast
// path; depth is the depth addMapPart would have been called with.
func (c *msgConv) applyFastParts(b *msgBuilder, parts []fastPart, depth int) {
	for i := range parts {
		p := &parts[i]
		switch p.kind {
		case 't':
			if s := c.v.capContent(p.text); s != "" {
				b.addText(s)
			}
		case 'c':
			b.toolCalls = append(b.toolCalls, c.fastCall(p))
		case 'r':
			b.results = append(b.results, c.fastResult(p, depth))
		case 'j':
			b.addText(c.fastJSONText(p.raw))
		}
	}
}

// fastResult is toolResultMsg for a result read by the fast path. The
// common result, an object or list that resultText would only marshal
// back to text, or a {type, value} wrapper whose value it would marshal,
// is transcoded straight to that text (canonicalJSON) without its tree;
// a list of text/json blocks is joined without its tree (blockListText);
// a text wrapper or a scalar takes the general way.
func (c *msgConv) fastResult(p *fastPart, depth int) Message {
	// resultText is called at depth+1 and gives "" beyond maxMsgDepth.
	if p.hasVal { // a structured map (readValue), marshalled as resultText does
		text := ""
		if depth+1 <= maxMsgDepth {
			text = c.v.capContent(c.v.arena.copyString(c.v.metaText.appendValueAt(p.val, p.valDepth)))
		}
		return c.toolResult(p.id, p.name, text)
	}
	if p.hasText { // a string result, as resultText writes one
		text := ""
		if depth+1 <= maxMsgDepth {
			text = c.v.capContent(p.text)
		}
		return c.toolResult(p.id, p.name, text)
	}
	if depth+1 <= maxMsgDepth {
		if raw, ok := marshalledText(p.raw, &c.v.arena, &c.v.fast.scratch); ok {
			if b, ok := c.v.metaText.canonicalJSON(raw); ok {
				return c.toolResult(p.id, p.name, c.v.capContent(c.v.arena.copyString(b)))
			}
		}
	}
	if depth+1 <= maxMsgDepth && p.raw != "" && p.raw[0] == '[' {
		if text, ok := c.blockListText(p.raw); ok {
			return c.toolResult(p.id, p.name, text)
		}
	}
	var res any
	if p.raw != "" {
		res = c.fastValue(p.raw)
	}
	return c.toolResultMsg(p.id, p.name, res, depth)
}

// marshalledText returns the text of the value resultText marshals when
// given the value raw holds, if all it does is marshal one: raw itself
// for an object that is no {type, value} wrapper and for a list that is
// empty or holds something other than an object (only a list of objects
// can be the text/json blocks it joins); the wrapped value for a wrapper
// whose type is not one resultText unwraps further (text, error-text,
// content). Duplicate keys resolve as in a decoded tree: the last wins.
// It reads raw's top level only; raw has been validated by the reader.
func marshalledText(raw string, arena *byteArena, scratch *[]byte) (string, bool) {
	if raw == "" {
		return "", false
	}
	p := jsonParser{s: raw, arena: arena, scratch: scratch}
	switch raw[0] {
	case '{':
		var typ, val string
		hasVal := false
		ok := p.members(func(key string) bool {
			text, ok := p.rawJSON()
			switch key {
			case "type":
				typ = text
			case "value":
				val, hasVal = text, true
			}
			return ok
		})
		if !ok {
			return "", false
		}
		// Only a string type with a value makes a wrapper.
		if !hasVal || typ == "" || typ[0] != '"' {
			return raw, true
		}
		tp := jsonParser{s: typ, arena: arena, scratch: scratch}
		name, ok := tp.stringValue()
		if !ok {
			return "", false
		}
		switch name {
		case "text", "error-text", "content":
			return "", false
		}
		return val, true
	case '[':
		// Stops at the first element that is not an object.
		n, plain := 0, false
		ok := p.each('[', ']', func() bool {
			n++
			if p.peek() != '{' {
				plain = true
				return false
			}
			_, ok := p.rawJSON()
			return ok
		})
		if plain || ok && n == 0 {
			return raw, true
		}
	}
	return "", false
}

// fastCall is toolCallFromMap for a call read by the fast path.
func (c *msgConv) fastCall(p *fastPart) ToolCall {
	tc := ToolCall{ID: truncateRunes(p.id, 256), Name: truncateRunes(p.name, 256)}
	switch {
	case p.raw != "":
		tc.Arguments = c.fastArgs(p.raw)
	case p.hasText: // argsText of a string
		tc.Arguments = c.v.capContent(p.text)
	case p.hasVal: // argsText of valueToAny(val), written without the tree
		tc.Arguments = c.v.capContent(c.v.arena.copyString(c.v.metaText.appendValueAt(p.val, p.valDepth)))
	}
	return tc
}

// fastArgs is argsText(fastValue(raw)) for arguments read by the fast
// path: an object or array is transcoded straight to the text marshalAny
// would write of its tree (metaTextWriter.canonicalJSON), without the
// tree; strings and scalars take the general way.
func (c *msgConv) fastArgs(raw string) string {
	if ch := raw[0]; ch != '{' && ch != '[' {
		return c.argsText(c.fastValue(raw))
	}
	b, ok := c.v.metaText.canonicalJSON(raw)
	if !ok { // the reader validated raw: not expected
		return c.argsText(c.fastValue(raw))
	}
	return c.v.capContent(c.v.arena.copyString(b))
}

// fastParts converts t when it is a list of parts of the fast shape (the
// content of one message, as system instructions are given); depth is the
// depth addMapPart would see.
func (c *msgConv) fastParts(b *msgBuilder, t string, depth int) bool {
	r := &c.v.fast
	if !useFastMessages || !r.readParts(t, &c.v.arena) {
		return false
	}
	c.applyFastParts(b, r.parts, depth)
	return true
}

// fastCalls adds the tool calls of t when it is a list of tool-call
// objects of the fast shape (addToolCallsValue's cap included).
func (c *msgConv) fastCalls(b *msgBuilder, t string) bool {
	r := &c.v.fast
	if !useFastMessages || !r.readCalls(t, &c.v.arena) {
		return false
	}
	for i := range r.parts {
		if len(b.toolCalls) >= maxMessages {
			break
		}
		b.toolCalls = append(b.toolCalls, c.fastCall(&r.parts[i]))
	}
	return true
}

// fastValue decodes a value the reader has validated: a JSON string is
// its text, anything else its tree (its unescaped strings in the arena).
func (c *msgConv) fastValue(raw string) any {
	p := jsonParser{s: raw, build: true, arena: &c.v.arena, scratch: &c.v.fast.scratch}
	v, _ := p.value()
	return v
}

// read parses t into r.msgs and r.parts; false when t is not of the fast
// shape or not valid JSON (as parseJSON would judge it). Unescaped strings
// go to arena (nil: each its own allocation).
func (r *fastReader) read(t string, arena *byteArena) bool {
	r.reset()
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.each('[', ']', func() bool { return r.message(&p) })
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// readOne parses t, one message object, into r.msgs and r.parts; false
// when it is not of the fast shape or not valid JSON.
func (r *fastReader) readOne(t string, arena *byteArena) bool {
	r.reset()
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	if p.peek() != '{' || !r.message(&p) {
		return false
	}
	p.skipSpace()
	return p.i == len(p.s)
}

// Keys a fast message or part may have, as bits, to reject duplicates
// (a map keeps the last of duplicate keys; the fast path does not try).
const (
	kRole = 1 << iota
	kParts
	kContent
	kName
	kFinish
	kToolCalls
	kToolCallID
	kID
	kToolUseID
	kFunctionCall
)

// messageKey returns the bit of a message key the fast readers read, 0
// for a key no path reads (skipped), -1 for one only the general path
// reads (fromMessageMap or fromMap).
func messageKey(key string) int {
	switch key {
	case "role":
		return kRole
	case "parts":
		return kParts
	case "content":
		return kContent
	case "name":
		return kName
	case "finish_reason":
		return kFinish
	case "tool_calls":
		return kToolCalls
	case "tool_call_id", "toolCallId":
		return kToolCallID // one of the two: both is the general path's
	case "id":
		return kID
	case "tool_use_id":
		return kToolUseID
	case "function_call":
		return kFunctionCall
	case "type", "author", "text", "toolCalls",
		"reasoning_content", "reasoning", "finishReason", "stop_reason", "kwargs", "lc":
		return -1
	}
	return 0
}

func (r *fastReader) message(p *jsonParser) bool {
	m := fastMsg{p0: len(r.parts)}
	seen := 0
	ok := p.members(func(key string) bool {
		bit := messageKey(key)
		switch {
		case bit < 0:
			return false // the general path's business
		case bit == 0:
			_, ok := p.rawJSON() // keys no path reads (providerOptions, …)
			return ok
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case kRole, kName, kFinish, kToolCallID, kID, kToolUseID:
			s, ok := p.stringValue()
			switch bit {
			case kRole:
				m.role = s
			case kName:
				m.name = s
			case kToolCallID:
				m.toolCallID = s
			case kID:
				m.id = s
			case kToolUseID:
				m.toolUseID = s
			default:
				m.finish, m.hasFinish = s, true
			}
			return ok
		case kFunctionCall:
			// null is no function call (fromMessageMap reads an object);
			// an object is the general path's.
			return p.literal("null")
		case kToolCalls:
			if p.peek() == 'n' { // null: mAny skips it
				return p.literal("null")
			}
			m.c0 = len(r.calls)
			ok := p.each('[', ']', func() bool { return r.openAICall(p) })
			m.c1 = len(r.calls)
			return ok
		}
		if bit == kContent && p.peek() == 'n' { // null: mAny skips it
			seen &^= kContent
			return p.literal("null")
		}
		// parts or content: a string that addContent keeps as text (not
		// one it would decode into parts: plainContent) or a list of parts.
		if p.peek() == '"' {
			s, ok := p.stringValue()
			if !ok || bit == kParts {
				return false
			}
			if !plainContent(s) {
				return false
			}
			m.text, m.hasText = s, true
			return true
		}
		return p.each('[', ']', func() bool { return r.part(p) })
	})
	// A role is needed (without it the general path looks at other keys),
	// and content comes from one key only.
	if !ok || seen&kRole == 0 || seen&kParts != 0 && seen&kContent != 0 {
		return false
	}
	m.p1 = len(r.parts)
	r.msgs = append(r.msgs, m)
	return true
}

// plainContent reports whether addContent keeps the content string s as
// its text: it does not start like JSON, or it is a JSON object that is
// no part (isPartMap), such as a tool's JSON result. A list, a JSON string
// literal, a part and invalid JSON (which warns) are the general path's.
func plainContent(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" {
		return true
	}
	switch t[0] {
	case '[', '"':
		return false
	case '{':
		isPart, ok := objectIsPartMap(t)
		return ok && !isPart
	}
	return true
}

// objectIsPartMap is isPartMap of the tree of the JSON object t, read
// from its top-level keys; ok is false when t is not one valid JSON
// object.
func objectIsPartMap(t string) (isPart, ok bool) {
	p := jsonParser{s: t}
	p.skipSpace()
	var hasRole, hasParts, hasContent, hasBlock, typeIsStr bool
	typ := ""
	ok = p.members(func(key string) bool {
		raw, ok := p.rawJSON()
		switch key {
		case "role":
			hasRole = true
		case "type": // the last one counts, as in the tree
			typeIsStr = raw != "" && raw[0] == '"'
			typ = raw
		case "parts":
			hasParts = true
		case "content":
			hasContent = true
		default:
			hasBlock = hasBlock || slices.Contains(blockKeys, key)
		}
		return ok
	})
	p.skipSpace()
	if !ok || p.i != len(p.s) {
		return false, false
	}
	switch {
	case hasRole:
		return false, true
	case typeIsStr:
		q := jsonParser{s: typ}
		name, ok := q.stringValue()
		return ok && partTypes[strings.ToLower(name)], ok
	case hasParts || hasContent:
		return false, true
	}
	return hasBlock, true
}

// Part keys the fast path knows, by index into partFields.
const (
	fType = iota
	fContent
	fText
	fID
	fToolCallID
	fToolCallIDSnake
	fCallID
	fToolUseID
	fToolUseIDSnake
	fName
	fToolName
	fFunctionName
	fArguments
	fArgs
	fInput
	fParameters
	fArgumentsJSON
	fResponse
	fResult
	fOutput
	fRole
	fFunction
	numPartFields
)

var partFieldIndex = map[string]int{
	"type": fType, "content": fContent, "text": fText, "id": fID, "toolCallId": fToolCallID,
	"tool_call_id": fToolCallIDSnake, "call_id": fCallID, "toolUseId": fToolUseID, "tool_use_id": fToolUseIDSnake,
	"name": fName, "toolName": fToolName, "function_name": fFunctionName, "arguments": fArguments,
	"args": fArgs, "input": fInput, "parameters": fParameters, "arguments_json": fArgumentsJSON,
	"response": fResponse, "result": fResult, "output": fOutput, "role": fRole, "function": fFunction,
}

// Key groups read as one field (mStr / mAny over them, in this order).
var (
	callIDKeys     = []int{fID, fToolCallID, fToolCallIDSnake, fCallID, fToolUseID}
	callNameKeys   = []int{fName, fToolName, fFunctionName}
	callArgsKeys   = []int{fArguments, fArgs, fInput, fParameters, fArgumentsJSON}
	resultIDKeys   = []int{fID, fToolCallID, fToolCallIDSnake, fToolUseIDSnake, fCallID, fToolUseID}
	resultNameKeys = []int{fToolName, fName}
	resultKeys     = []int{fResponse, fResult, fOutput, fContent}
)

// partFields are the raw JSON values of one object's known keys, and the
// text of a content or text key holding a string, read as it is skipped:
// the part's content is then scanned once, not skipped and read again.
type partFields struct {
	raw  [numPartFields]string
	seen uint32
	// texts[k] is the string of key k (fContent or fText) when it is one.
	texts [fText + 1]string
	isStr uint32
}

func (f *partFields) has(k int) bool { return f.seen&(1<<k) != 0 }

// readFields reads an object's members into f: known keys keep their raw
// value (a duplicate makes it give up), others are skipped.
func readFields(p *jsonParser, f *partFields) bool {
	return p.members(func(key string) bool {
		k, known := partFieldIndex[key]
		if known && (k == fContent || k == fText) && p.peek() == '"' {
			start := p.i
			s, ok := p.stringValue()
			if !ok || f.has(k) {
				return false
			}
			f.seen, f.isStr = f.seen|1<<k, f.isStr|1<<k
			f.raw[k], f.texts[k] = p.s[start:p.i], s
			return true
		}
		raw, ok := p.rawJSON()
		if !ok || !known {
			return ok
		}
		if f.has(k) {
			return false
		}
		f.seen |= 1 << k
		f.raw[k] = raw
		return true
	})
}

// one returns the raw value of the single present key of group; ok is
// false when more than one is present (the general path would pick among
// them; the fast path does not try).
func (f *partFields) one(group []int) (raw string, ok bool) {
	n := 0
	for _, k := range group {
		if f.has(k) {
			raw, n = f.raw[k], n+1
		}
	}
	return raw, n <= 1
}

// text returns the string a raw value holds: "" for absent, ok false for
// anything but a JSON string.
func (r *fastReader) text(raw string, arena *byteArena) (string, bool) {
	if raw == "" {
		return "", true
	}
	if raw[0] != '"' {
		return "", false
	}
	q := jsonParser{s: raw, arena: arena, scratch: &r.scratch}
	return q.stringValue()
}

// value returns a raw value for the general helpers: "" for absent or
// null (mAny skips both).
func value(raw string) string {
	if raw == "null" {
		return ""
	}
	return raw
}

func (r *fastReader) part(p *jsonParser) bool {
	var f partFields
	if !readFields(p, &f) || f.has(fRole) || f.has(fFunction) {
		return false
	}
	typ, ok := r.text(f.raw[fType], p.arena)
	if !ok || !f.has(fType) {
		return false
	}
	var fp fastPart
	lower := strings.ToLower(typ)
	switch lower {
	case "text", "input_text", "output_text":
		// mAny(content, text): the first present non-null, as a string.
		k := fText
		if f.has(fContent) {
			k = fContent
		}
		if f.raw[k] == "null" {
			return false
		}
		fp.kind = 't'
		if f.isStr&(1<<k) != 0 {
			fp.text = f.texts[k]
		} else if fp.text, ok = r.text(f.raw[k], p.arena); !ok {
			return false
		}
	case "tool_call", "tool-call", "tool_use", "function_call", "toolcall", "tooluse":
		fp.kind = 'c'
		r.rare = lower == "toolcall" || lower == "tooluse" // not in partTypes
		if !r.call(&f, &fp, p.arena) {
			return false
		}
	case "tool_call_response", "tool-result", "tool_result", "function_call_output", "toolresult":
		fp.kind = 'r'
		r.rare = lower == "toolresult" // not in partTypes
		id, ok1 := f.one(resultIDKeys)
		name, ok2 := f.one(resultNameKeys)
		res, ok3 := f.one(resultKeys)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		if fp.id, ok = r.text(value(id), p.arena); !ok {
			return false
		}
		if fp.name, ok = r.text(value(name), p.arena); !ok {
			return false
		}
		fp.raw = value(res)
		// content is the response when present (one() allows one key).
		if f.isStr&(1<<fContent) != 0 {
			fp.text, fp.hasText = f.texts[fContent], true
		}
	default:
		return false
	}
	r.parts = append(r.parts, fp)
	return true
}

// call reads a tool call's id, name and arguments (toolCallFromMap's keys).
func (r *fastReader) call(f *partFields, fp *fastPart, arena *byteArena) bool {
	id, ok1 := f.one(callIDKeys)
	name, ok2 := f.one(callNameKeys)
	args, ok3 := f.one(callArgsKeys)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	var ok bool
	if fp.id, ok = r.text(value(id), arena); !ok {
		return false
	}
	if fp.name, ok = r.text(value(name), arena); !ok {
		return false
	}
	fp.raw = value(args)
	return true
}

// openAICall reads one element of a message's tool_calls into r.calls,
// as toolCallFromMap reads it: the call's own id, name and arguments keys,
// and an OpenAI function object's name and arguments, which win over the
// call's arguments.
func (r *fastReader) openAICall(p *jsonParser) bool {
	var f partFields
	fp := fastPart{kind: 'c'}
	if !readFields(p, &f) || !r.call(&f, &fp, p.arena) {
		return false
	}
	if raw := f.raw[fFunction]; f.has(fFunction) && raw[0] == '{' {
		q := jsonParser{s: raw, arena: p.arena, scratch: p.scratch}
		var name, args string
		seen := 0
		ok := q.members(func(key string) bool {
			bit := 0
			switch key {
			case "name":
				bit = 1
			case "arguments", "args", "parameters":
				bit = 2 // one of them: more is the general path's
			default:
				_, ok := q.rawJSON()
				return ok
			}
			if seen&bit != 0 {
				return false
			}
			seen |= bit
			if bit == 1 {
				s, ok := q.stringValue()
				name = s
				return ok
			}
			text, ok := q.rawJSON()
			args = text
			return ok
		})
		if !ok {
			return false
		}
		if fp.name == "" {
			fp.name = name
		}
		if a := value(args); a != "" {
			fp.raw = a
		}
	}
	r.calls = append(r.calls, fp)
	return true
}

// readParts reads t as a list of parts (one message's content) into
// r.parts.
func (r *fastReader) readParts(t string, arena *byteArena) bool {
	r.reset()
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.each('[', ']', func() bool { return r.part(&p) })
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// readCalls reads t as a list of tool calls (objects without a type) into
// r.parts.
func (r *fastReader) readCalls(t string, arena *byteArena) bool {
	r.reset()
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.each('[', ']', func() bool {
		var f partFields
		fp := fastPart{kind: 'c'}
		if !readFields(&p, &f) || f.has(fFunction) || !r.call(&f, &fp, arena) {
			return false
		}
		r.parts = append(r.parts, fp)
		return true
	})
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// The pull side of jsonParser used by the fast path. Each call validates
// exactly as parseJSON does (same string, number and depth rules).

func (p *jsonParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// each reads a container opened by open, calling item for every element
// (positioned at the element); item returns false to give up.
func (p *jsonParser) each(open, close byte, item func() bool) bool {
	if p.peek() != open {
		return false
	}
	p.depth++
	if p.depth > maxDepth {
		return false
	}
	p.i++
	p.skipSpace()
	if p.peek() == close {
		p.i++
		p.depth--
		return true
	}
	for {
		p.skipSpace()
		if !item() {
			return false
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case close:
			p.i++
			p.depth--
			return true
		default:
			return false
		}
	}
}

// members reads an object, calling member with each key, positioned at
// its value (which member must consume).
func (p *jsonParser) members(member func(key string) bool) bool {
	return p.each('{', '}', func() bool {
		if p.peek() != '"' {
			return false
		}
		key, ok := p.stringValue()
		if !ok {
			return false
		}
		p.skipSpace()
		if p.peek() != ':' {
			return false
		}
		p.i++
		p.skipSpace()
		return member(key)
	})
}

// stringValue reads a JSON string (a substring of the input when it has no
// escapes); false for any other value.
func (p *jsonParser) stringValue() (string, bool) {
	if p.peek() != '"' {
		return "", false
	}
	p.build = true
	s, ok := p.str()
	p.build = false
	return s, ok
}

// rawJSON skips one value and returns its text.
func (p *jsonParser) rawJSON() (string, bool) {
	start := p.i
	if _, ok := p.value(); !ok {
		return "", false
	}
	return p.s[start:p.i], true
}
