// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The fast path for structured message lists: GenAI semconv lets an SDK
// send gen_ai.input.messages, gen_ai.output.messages and
// gen_ai.system_instructions as OTLP arrays of maps instead of JSON text.
// The general path turns such a value into a tree (valueToAny) and walks
// it; readValue reads the messages of the fast shape (messages_fast.go)
// straight from the pdata value into the same fastMsg and fastPart
// records, so the same builder calls follow. Text is the attribute's own
// string; structured tool-call arguments are written once, as their
// canonical text (metaTextWriter.appendValueAt, at the depth valueToAny
// would have met them, so that deep values are cut where the tree cut
// them). Anything else makes it give
// up before any side effect. TestFastValueMessagesMatchTree and
// FuzzFastValueMessages check the equivalence.

// Tree depths of a part's members in valueToAny of the value read: in a
// message list (messages at 1, a message's parts list at 2, a part at 3)
// they are at 4; in a list of parts (system instructions: parts at 1) at 2.
const (
	messageMemberDepth = 4
	partMemberDepth    = 2
)

// fastValueMessages is fromAny(valueToAny(val), def, depth+1) for a
// structured message list of the fast shape (depth as for fastMessages).
func (c *msgConv) fastValueMessages(val pcommon.Value, def string, depth int) (out []Message, ok bool) {
	if !useFastMessages || !c.v.fast.readValue(val) {
		return nil, false
	}
	return c.fastReadMessages(def, depth), true
}

// fastValueParts adds the parts of a structured list of parts (system
// instructions) when of the fast shape; depth as for fastParts.
func (c *msgConv) fastValueParts(b *msgBuilder, val pcommon.Value, depth int) bool {
	r := &c.v.fast
	if !useFastMessages || !r.readValueParts(val) {
		return false
	}
	c.applyFastParts(b, r.parts, depth)
	return true
}

// readValue reads val, a slice of message maps, into r.msgs and r.parts.
func (r *fastReader) readValue(val pcommon.Value) bool {
	r.reset()
	if val.Type() != pcommon.ValueTypeSlice {
		return false
	}
	list := val.Slice()
	for i := 0; i < list.Len(); i++ {
		e := list.At(i)
		if e.Type() != pcommon.ValueTypeMap || !r.valueMessage(e.Map()) {
			return false
		}
	}
	return true
}

// readValueParts reads val, a slice of part maps, into r.parts.
func (r *fastReader) readValueParts(val pcommon.Value) bool {
	r.reset()
	if val.Type() != pcommon.ValueTypeSlice {
		return false
	}
	return r.valueParts(val.Slice(), partMemberDepth)
}

// valueParts reads a list of part maps whose members are at tree depth
// depth.
func (r *fastReader) valueParts(list pcommon.Slice, depth int) bool {
	for i := 0; i < list.Len(); i++ {
		e := list.At(i)
		if e.Type() != pcommon.ValueTypeMap || !r.valuePart(e.Map(), depth) {
			return false
		}
	}
	return true
}

// valueMessage is message for a map: the same keys, strings where the
// JSON reader reads strings.
func (r *fastReader) valueMessage(m pcommon.Map) bool {
	msg := fastMsg{p0: len(r.parts)}
	seen := 0
	ok := true
	m.Range(func(key string, v pcommon.Value) bool {
		bit := messageKey(key)
		switch {
		case bit == 0:
			return true // keys no path reads
		case bit < 0 || bit&(kRole|kParts|kContent|kName|kFinish) == 0:
			// Keys only the general path reads, and those the JSON reader
			// takes that this one does not (tool calls, ids).
			ok = false
			return false
		}
		if seen&bit != 0 {
			ok = false
			return false
		}
		seen |= bit
		switch {
		case bit == kRole || bit == kName || bit == kFinish:
			if v.Type() != pcommon.ValueTypeStr {
				ok = false
				return false
			}
			switch bit {
			case kRole:
				msg.role = v.Str()
			case kName:
				msg.name = v.Str()
			default:
				msg.finish, msg.hasFinish = v.Str(), true
			}
		case v.Type() == pcommon.ValueTypeStr:
			// A text content that addContent keeps as text (not one it
			// would decode into parts: plainContent); parts must be a list.
			s := v.Str()
			if bit == kParts {
				ok = false
			} else if !plainContent(s) {
				ok = false
			}
			msg.text, msg.hasText = s, true
		case v.Type() == pcommon.ValueTypeSlice:
			ok = r.valueParts(v.Slice(), messageMemberDepth)
		default:
			ok = false
		}
		return ok
	})
	if !ok || seen&kRole == 0 || seen&kParts != 0 && seen&kContent != 0 {
		return false
	}
	msg.p1 = len(r.parts)
	r.msgs = append(r.msgs, msg)
	return true
}

// valuePart is part for a map; its members are at tree depth depth.
func (r *fastReader) valuePart(m pcommon.Map, depth int) bool {
	var f valueFields
	ok := true
	m.Range(func(key string, v pcommon.Value) bool {
		k, known := partFieldIndex[key]
		if !known {
			return true
		}
		if f.seen&(1<<k) != 0 {
			ok = false
			return false
		}
		f.seen |= 1 << k
		f.vals[k] = v
		return true
	})
	if !ok || f.has(fRole) || f.has(fFunction) {
		return false
	}
	typ, ok := f.str(fType)
	if !ok || !f.has(fType) {
		return false
	}
	var fp fastPart
	switch strings.ToLower(typ) {
	case "text", "input_text", "output_text":
		k := fText
		if f.has(fContent) {
			k = fContent
		}
		fp.kind = 't'
		if fp.text, ok = f.str(k); !ok {
			return false
		}
	case "tool_call", "tool-call", "tool_use", "function_call", "toolcall", "tooluse":
		fp.kind = 'c'
		args, ok := f.idName(&fp, callIDKeys, callNameKeys, callArgsKeys)
		if !ok {
			return false
		}
		switch a := f.value(args); {
		case a.Type() == pcommon.ValueTypeEmpty: // absent or null: no arguments
		case a.Type() == pcommon.ValueTypeStr:
			fp.text, fp.hasText = a.Str(), true
		case a.Type() == pcommon.ValueTypeDouble && isBadFloat(a.Double()):
			// valueToAny makes it nil, which mAny skips: no arguments.
		case a.Type() == pcommon.ValueTypeBytes:
			return false // valueToAny makes it base64 text: the general path's
		default:
			fp.val, fp.hasVal, fp.valDepth = a, true, depth
		}
	case "tool_call_response", "tool-result", "tool_result", "function_call_output", "toolresult":
		fp.kind = 'r'
		res, ok := f.idName(&fp, resultIDKeys, resultNameKeys, resultKeys)
		if !ok {
			return false
		}
		switch v := f.value(res); v.Type() {
		case pcommon.ValueTypeEmpty: // absent or null: an empty result
		case pcommon.ValueTypeStr:
			fp.text, fp.hasText = v.Str(), true
		case pcommon.ValueTypeMap:
			// resultText marshals a map, unless it is a {type, value}
			// wrapper: any map with a value key is left to it.
			if _, wrapped := v.Map().Get("value"); wrapped {
				return false
			}
			fp.val, fp.hasVal, fp.valDepth = v, true, depth
		default:
			return false // lists (of blocks?) and scalars: resultText's business
		}
	default:
		return false
	}
	r.parts = append(r.parts, fp)
	return true
}

// valueFields are a part map's values of the keys the fast path knows.
type valueFields struct {
	vals [numPartFields]pcommon.Value
	seen uint32
}

func (f *valueFields) has(k int) bool { return k >= 0 && f.seen&(1<<k) != 0 }

// idName reads a call's or result's id and name (at most one key of each
// group, a string) into fp, and returns the one key of valueKeys present
// (-1 for none); ok is false when a group has two keys or a value is no
// string.
func (f *valueFields) idName(fp *fastPart, idKeys, nameKeys, valueKeys []int) (key int, ok bool) {
	id, ok1 := f.one(idKeys)
	name, ok2 := f.one(nameKeys)
	key, ok3 := f.one(valueKeys)
	if !ok1 || !ok2 || !ok3 {
		return -1, false
	}
	if fp.id, ok = f.str(id); !ok {
		return -1, false
	}
	if fp.name, ok = f.str(name); !ok {
		return -1, false
	}
	return key, true
}

// value returns key k's value, an empty one when k < 0.
func (f *valueFields) value(k int) pcommon.Value {
	if k < 0 {
		return pcommon.NewValueEmpty()
	}
	return f.vals[k]
}

// one returns the single present key of group, -1 for none; ok is false
// when more than one is present.
func (f *valueFields) one(group []int) (key int, ok bool) {
	key = -1
	for _, k := range group {
		if f.has(k) {
			if key >= 0 {
				return -1, false
			}
			key = k
		}
	}
	return key, true
}

// str returns the string of key k: "" when absent, ok false for a value
// of another type (null included: the JSON reader gives up on it too).
func (f *valueFields) str(k int) (string, bool) {
	if !f.has(k) {
		return "", true
	}
	if f.vals[k].Type() != pcommon.ValueTypeStr {
		return "", false
	}
	return f.vals[k].Str(), true
}
