// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"cmp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// Span-event messages (§2.2, §5.4.4).

const (
	evOperationDetails = genai.EventOperationDetails
	evContentPrompt    = genai.EventContentPrompt
	evContentComplete  = genai.EventContentCompletion
	evChoice           = genai.EventChoice
)

// eventRole returns the role implied by a per-message event name, "" when
// the event is not an input message event.
func eventRole(name string) string {
	switch name {
	case genai.EventSystemMessage:
		return "system"
	case genai.EventUserMessage:
		return "user"
	case genai.EventAssistantMessage:
		return "assistant"
	case genai.EventToolMessage:
		return "tool"
	}
	return ""
}

type evRef struct {
	t   uint64
	idx int64
	pos int
	ev  ptrace.SpanEvent
}

// eventIndex reads the "index" of a choice event (attribute or inside
// gen_ai.event.content); 0 when absent.
func eventIndex(ev ptrace.SpanEvent) int64 {
	attrs := ev.Attributes()
	if val, ok := attrs.Get("index"); ok {
		if n, ok := valueCount(val); ok {
			return n
		}
	}
	if val, ok := attrs.Get(genai.EventContent); ok && val.Type() == pcommon.ValueTypeStr {
		s := val.Str()
		// Cheap look before a decode: only bodies that mention an index.
		if strings.Contains(s, `"index"`) && len(s) < 1<<20 {
			if firstNonSpace(s) == '{' {
				// The index member alone is decoded, not the message.
				vals := []any{nil}
				if pickMembers(s, eventIndexKey, vals) {
					if n, ok := anyInt(vals[0]); ok {
						return n
					}
				}
				return 0
			}
			if m, ok := decodeMaybeJSON(s).(map[string]any); ok {
				if n, ok := anyInt(m["index"]); ok {
					return n
				}
			}
		}
	} else if ok && val.Type() == pcommon.ValueTypeMap {
		if iv, ok := val.Map().Get("index"); ok {
			if n, ok := anyInt(valueToAny(iv)); ok {
				return n
			}
		}
	}
	return 0
}

var eventIndexKey = []string{"index"}

// sortedEvents returns the events accepted by keep, ordered by time then
// index (stable, so equal keys keep their recorded order), in the view's
// reused buffer: valid until the next call (the callers read one list at
// a time).
func (v *spanView) sortedEvents(keep func(name string) bool, withIndex bool) []evRef {
	evs := v.span.Events()
	refs := v.evRefs[:0]
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if !keep(ev.Name()) {
			continue
		}
		r := evRef{t: uint64(ev.Timestamp()), pos: i, ev: ev}
		if withIndex {
			r.idx = eventIndex(ev)
		}
		refs = append(refs, r)
	}
	// slices.SortStableFunc, not sort.SliceStable: no reflection-built
	// swapper allocated per call.
	slices.SortStableFunc(refs, func(a, b evRef) int {
		return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.idx, b.idx))
	})
	v.evRefs = refs
	return refs
}

// eventBody returns the event payload: gen_ai.event.content decoded when
// present, else the event attributes; the map and its trees are built for
// the call, so callers may change them.
func (c *msgConv) eventBody(ev ptrace.SpanEvent) map[string]any {
	attrs := ev.Attributes()
	if val, ok := attrs.Get(genai.EventContent); ok {
		switch d := structured(val).(type) {
		case map[string]any:
			return d
		case string:
			if looksLikeJSONContainer(d) {
				c.v.warn("unparseable JSON in message content kept as text")
			}
			return map[string]any{"content": d}
		case []any:
			return map[string]any{"content": d}
		}
	}
	body := make(map[string]any, attrs.Len())
	attrs.Range(func(k string, val pcommon.Value) bool {
		if k != "gen_ai.system" && k != genai.EventContent && k != "event.name" {
			body[k] = valueToAny(val)
		}
		return true
	})
	return body
}

// eventMessages returns the legacy span-event messages in order: input side
// (gen_ai.{system,user,assistant,tool}.message, else gen_ai.content.prompt)
// or output side (gen_ai.choice, else gen_ai.content.completion).
func eventMessages(v *spanView, input bool) []Message {
	c := newMsgConv(v)
	out := c.eventMessages(input)
	if input {
		c.flushReasoning("prompt_reasoning")
	} else {
		c.flushReasoning("reasoning")
		c.flushFinish()
	}
	return out
}

func (c *msgConv) eventMessages(input bool) []Message {
	span := c.v.span
	if span.Events().Len() == 0 {
		return nil
	}
	var out []Message
	if input {
		refs := c.v.sortedEvents(func(n string) bool { return eventRole(n) != "" }, false)
		if len(refs) > 0 {
			out = make([]Message, 0, len(refs))
		}
		for _, r := range refs {
			if c.full {
				break
			}
			out = c.inputEventMessage(out, r.ev)
		}
		if len(out) > 0 {
			return out
		}
		return c.contentEvents(evContentPrompt, genai.Prompt, "user")
	}
	refs := c.v.sortedEvents(func(n string) bool { return n == evChoice }, true)
	if len(refs) > 0 {
		out = make([]Message, 0, len(refs))
	}
	for _, r := range refs {
		if c.full {
			break
		}
		out = c.choiceEventMessage(out, r.ev)
	}
	if len(out) > 0 {
		return out
	}
	return c.contentEvents(evContentComplete, genai.Completion, "assistant")
}

// inputEventMessage appends the messages of an input event to out.
func (c *msgConv) inputEventMessage(out []Message, ev ptrace.SpanEvent) []Message {
	role := eventRole(ev.Name())
	if res, ok := c.fastInputEvent(out, ev, role); ok {
		return res
	}
	// eventBody's map is built for this call: it becomes the message.
	msg := c.eventBody(ev)
	if r := roleOf(msg["role"]); r != "" {
		role = r
	}
	msg["role"] = role
	if _, ok := msg["content"]; !ok {
		if m, ok := msg["message"]; ok {
			msg["content"] = m
		}
	}
	return append(out, c.fromMessageMap(msg, role, 1)...)
}

// choiceEventMessage appends the messages of a gen_ai.choice event to out.
func (c *msgConv) choiceEventMessage(out []Message, ev ptrace.SpanEvent) []Message {
	if res, ok := c.fastChoiceEvent(out, ev); ok {
		return res
	}
	body := c.eventBody(ev)
	if fr, ok := mAny(body, "finish_reason", "finishReason"); ok {
		c.addFinish(fr)
	}
	if tr, ok := body["tool.result"]; ok {
		if s, isStr := tr.(string); isStr {
			c.v.setMetaStr("tool_result", c.v.capContent(s))
		} else {
			c.v.setMeta("tool_result", tr)
		}
	}
	msg, hasMsg := body["message"]
	if !hasMsg {
		msg, hasMsg = body["content"]
	}
	if s, ok := msg.(string); ok {
		if d, decoded := c.decodeContentString(s); decoded {
			msg = d
		}
	}
	var m map[string]any
	switch t := msg.(type) {
	case map[string]any:
		if _, isMsg := mAny(t, "role", "content", "tool_calls", "parts"); isMsg {
			// Part of the body decoded for this call: ours to change.
			m = t
			delete(m, "finish_reason")
		} else {
			m = map[string]any{"content": t}
		}
	default:
		m = map[string]any{}
		if hasMsg {
			m["content"] = t
		}
	}
	if _, ok := m["tool_calls"]; !ok {
		if tc, ok := body["tool_calls"]; ok {
			m["tool_calls"] = tc
		}
	}
	if _, ok := m["role"]; !ok {
		m["role"] = "assistant"
	}
	return append(out, c.fromMessageMap(m, "assistant", 1)...)
}

// contentEvents reads v1.26 gen_ai.content.prompt/completion events.
func (c *msgConv) contentEvents(name, attr, def string) []Message {
	refs := c.v.sortedEvents(func(n string) bool { return n == name }, false)
	var out []Message
	for _, r := range refs {
		val, ok := r.ev.Attributes().Get(attr)
		if !ok {
			continue
		}
		if def == "user" {
			out = append(out, c.promptValue(val)...)
		} else {
			out = append(out, c.completionValue(val)...)
		}
	}
	return out
}

// operationDetails merges attr from all operation.details span events.
func (c *msgConv) operationDetails(attr string) (vals []any) {
	evs := c.v.span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != evOperationDetails {
			continue
		}
		if val, ok := ev.Attributes().Get(attr); ok {
			vals = append(vals, valueToAny(val))
		}
	}
	return vals
}
