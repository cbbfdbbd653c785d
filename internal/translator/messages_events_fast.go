// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// The fast path of the legacy span-event messages (messages_events.go).
// An event's body is its attributes or the JSON object in
// gen_ai.event.content; the general path turns it into a map[string]any
// (and its content strings into trees) for fromMessageMap. Most bodies
// are a handful of strings: a role, a content or message, an id, a
// finish reason. fastEventBody reads those without a map, and the event
// is converted with the builder calls fromMessageMap would make. A body
// with any key the general path reads that is not read here (tool_calls,
// parts, reasoning, …), a known key of another type, or a content the
// fast readers do not know makes it give up before any side effect.
// TestFastEventsMatchGeneral and FuzzFastEvents check the equivalence.

// eventBody fields, as bits of evFields.has.
const (
	efRole = 1 << iota
	efContent
	efMessage
	efID
	efName
	efFinish     // finish_reason
	efFinishAlt  // finishReason
	efToolResult // tool.result
	efMessageObj // message given as an object (a JSON body's)
)

// evFields are the strings of an event body the fast path reads.
type evFields struct {
	role, content, message, id, name, finish, finishAlt, toolResult string
	// msgRole and msgContent are a message object's members (efMessageObj).
	msgRole, msgContent string
	msgHas              int
	has                 int
}

// evFieldBit returns the bit of a body key the fast path reads, 0 for a
// key no path reads (skipped), -1 for one only the general path reads.
func evFieldBit(key string) int {
	switch key {
	case "role":
		return efRole
	case "content":
		return efContent
	case "message":
		return efMessage
	case "id":
		return efID
	case "name":
		return efName
	case "finish_reason":
		return efFinish
	case "finishReason":
		return efFinishAlt
	case "tool.result":
		return efToolResult
	case "parts", "text", "tool_calls", "toolCalls", "function_call", "tool_call_id", "toolCallId",
		"tool_use_id", "reasoning_content", "reasoning", "stop_reason":
		return -1
	}
	return 0
}

func (f *evFields) set(bit int, s string) {
	switch bit {
	case efRole:
		f.role = s
	case efContent:
		f.content = s
	case efMessage:
		f.message = s
	case efID:
		f.id = s
	case efName:
		f.name = s
	case efFinish:
		f.finish = s
	case efFinishAlt:
		f.finishAlt = s
	case efToolResult:
		f.toolResult = s
	}
	f.has |= bit
}

// fastEventBody reads ev's body into f: the JSON object of a string
// gen_ai.event.content, else the attributes (but gen_ai.system and
// event.name, which eventBody leaves out). False when the body is not of
// the fast shape.
func (c *msgConv) fastEventBody(ev ptrace.SpanEvent, f *evFields) bool {
	attrs := ev.Attributes()
	if val, ok := attrs.Get(genai.EventContent); ok {
		if val.Type() != pcommon.ValueTypeStr {
			return false
		}
		return c.fastEventJSON(val.Str(), f)
	}
	ok := true
	attrs.Range(func(k string, val pcommon.Value) bool {
		if k == "gen_ai.system" || k == "event.name" {
			return true
		}
		bit := evFieldBit(k)
		switch {
		case bit == 0:
			return true
		case bit < 0 || f.has&bit != 0 || val.Type() != pcommon.ValueTypeStr:
			ok = false
			return false
		}
		f.set(bit, val.Str())
		return true
	})
	return ok
}

// fastEventJSON reads a gen_ai.event.content object. decodeMaybeJSON
// would also unwrap a JSON string holding one: that, and anything that is
// not an object, is the general path's.
func (c *msgConv) fastEventJSON(t string, f *evFields) bool {
	r := &c.v.fastContent
	p := jsonParser{s: t, arena: &c.v.arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.members(func(key string) bool {
		bit := evFieldBit(key)
		switch {
		case bit == 0:
			_, ok := p.rawJSON()
			return ok
		case bit < 0 || f.has&bit != 0:
			return false
		case bit == efMessage && p.peek() == '{':
			f.has |= efMessage | efMessageObj
			return fastMessageObject(&p, f)
		}
		s, ok := p.stringValue() // a string, or give up
		f.set(bit, s)
		return ok
	})
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// fastMessageObject reads a choice body's message object when it holds a
// string content and optionally a role, nothing else.
func fastMessageObject(p *jsonParser, f *evFields) bool {
	return p.members(func(key string) bool {
		bit := 0
		switch key {
		case "role":
			bit = efRole
		case "content":
			bit = efContent
		default:
			return false
		}
		if f.msgHas&bit != 0 {
			return false
		}
		f.msgHas |= bit
		s, ok := p.stringValue()
		if bit == efRole {
			f.msgRole = s
		} else {
			f.msgContent = s
		}
		return ok
	})
}

// fastInputEvent is inputEventMessage for a body of the fast shape: the
// event's messages appended to out.
func (c *msgConv) fastInputEvent(out []Message, ev ptrace.SpanEvent, role string) ([]Message, bool) {
	var f evFields
	if !useFastMessages || !c.fastEventBody(ev, &f) || f.has&efMessageObj != 0 {
		return nil, false
	}
	if r := normRole(f.role); r != "" {
		role = r
	}
	content, hasContent := f.content, f.has&efContent != 0
	if !hasContent && f.has&efMessage != 0 {
		content, hasContent = f.message, true
	}
	// fromMessageMap(msg, role, 1) of the body: msg's role is the
	// normalised role, so no unknown role becomes the name.
	b := &msgBuilder{role: role}
	b.name = truncateRunes(f.name, 256)
	if role == "tool" {
		b.toolCallID = f.id
	}
	if hasContent {
		c.addContentString(b, content, 2)
	}
	if f.has&efFinish != 0 {
		c.addFinish(f.finish)
	} else if f.has&efFinishAlt != 0 {
		c.addFinish(f.finishAlt)
	}
	return c.finishMsg(out, b), true
}

// fastChoiceEvent is choiceEventMessage for a body of the fast shape: a
// message (or content) that is text, a list of content parts or blocks,
// or an object of a role and a text content.
func (c *msgConv) fastChoiceEvent(out []Message, ev ptrace.SpanEvent) ([]Message, bool) {
	var f evFields
	if !useFastMessages || !c.fastEventBody(ev, &f) {
		return nil, false
	}
	msg, hasMsg := f.message, f.has&efMessage != 0
	if !hasMsg {
		msg, hasMsg = f.content, f.has&efContent != 0
	}
	// The message as fromMessageMap(m, "assistant", 1) would get it: an
	// object's role and content, or a content of the text or list msg
	// decodes to.
	role, rawRole := "assistant", ""
	var list bool // msg is a part list, read into c.v.fastContent
	switch {
	case f.has&efMessageObj != 0:
		if f.msgHas == 0 { // {}: m would be {"content": {}}
			return nil, false
		}
		rawRole = f.msgRole
		if r := normRole(rawRole); r != "" {
			role = r
		}
		msg, hasMsg = f.msgContent, f.msgHas&efContent != 0
	case hasMsg:
		switch t := strings.TrimSpace(msg); {
		case t == "":
		case t[0] == '[':
			r := &c.v.fastContent
			if r.busy || !r.readContent(t, &c.v.arena) {
				return nil, false
			}
			list = true
		case t[0] == '{' || t[0] == '"':
			return nil, false
		}
	}
	// Side effects from here, in choiceEventMessage's order.
	if f.has&efFinish != 0 {
		c.addFinish(f.finish)
	} else if f.has&efFinishAlt != 0 {
		c.addFinish(f.finishAlt)
	}
	if f.has&efToolResult != 0 {
		c.v.setMetaStr("tool_result", c.v.capContent(f.toolResult))
	}
	b := &msgBuilder{role: role}
	b.name = unknownRoleName(rawRole)
	switch {
	case list:
		// addContent(b, list, 2) → addPart → addMapPart at depth 3.
		r := &c.v.fastContent
		r.busy = true
		c.applyFastParts(b, r.parts, 3)
		r.busy = false
	case hasMsg && msg != "":
		c.addContentString(b, msg, 2)
	}
	return c.finishMsg(out, b), true
}
