// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// jsonObject is a tiny helper that tracks the comma between members.
type jsonObject struct {
	buf   []byte
	first bool
}

func (o *jsonObject) key(k string) {
	if o.first {
		o.first = false
	} else {
		o.buf = append(o.buf, ',')
	}
	// Keys are compile-time constants without characters needing escapes.
	o.buf = append(o.buf, '"')
	o.buf = append(o.buf, k...)
	o.buf = append(o.buf, '"', ':')
}

func (o *jsonObject) str(k, v string) {
	if v == "" {
		return
	}
	o.key(k)
	o.buf = appendString(o.buf, v)
}

func (o *jsonObject) optInt(k string, v OptInt) {
	if !v.Set {
		return
	}
	o.key(k)
	o.buf = strconv.AppendInt(o.buf, v.Value, 10)
}

func (o *jsonObject) optFloat(k string, v OptFloat) {
	if !v.Set || isBadFloat(v.Value) {
		return
	}
	o.key(k)
	o.buf = appendFloat(o.buf, v.Value)
}

func (o *jsonObject) optBool(k string, v OptBool) {
	if !v.Set {
		return
	}
	o.key(k)
	if v.Value {
		o.buf = append(o.buf, "true"...)
	} else {
		o.buf = append(o.buf, "false"...)
	}
}

func (o *jsonObject) strs(k string, v []string) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.buf = appendStrings(o.buf, v)
}

// AppendJSON appends the span log as one JSON object to dst.
func (s *SpanLog) AppendJSON(dst []byte) []byte {
	var w msgWriter
	o := jsonObject{buf: append(dst, '{'), first: true}
	o.key("trace_unique_id")
	o.buf = appendString(o.buf, s.TraceID)
	o.key("span_unique_id")
	o.buf = appendString(o.buf, s.SpanID)
	o.str("span_parent_id", s.ParentID)
	o.key("span_name")
	o.buf = appendString(o.buf, s.SpanName)
	o.str("span_workflow_name", s.SpanWorkflowName)
	o.str("span_path", s.SpanPath)
	if s.StartUnixNano != 0 {
		o.key("start_time")
		o.buf = appendTime(o.buf, s.StartUnixNano)
	}
	if s.EndUnixNano != 0 {
		o.key("timestamp")
		o.buf = appendTime(o.buf, s.EndUnixNano)
	}
	o.optFloat("latency", s.Latency)
	o.key("log_type")
	if s.LogType == "" {
		o.buf = appendString(o.buf, "unknown")
	} else {
		o.buf = appendString(o.buf, s.LogType)
	}
	o.str("model", s.Model)
	o.str("provider_id", s.ProviderID)

	// Deferred input/output that are the messages written just before
	// are written nested at the same time (see msgWriter.side).
	var sides *encodeSides
	mirrorIn := s.Input == "" && s.inputMsgs.mirrors(s.PromptMessages, nil)
	mirrorOut := s.Output == "" && s.outputMsgs.mirrors(s.CompletionMessages, s.CompletionMessage) &&
		(s.outputMsgs.single || len(s.CompletionMessages) > 1) // the list is written only then
	if mirrorIn || mirrorOut {
		sides = sidesPool.Get().(*encodeSides)
		sides.in, sides.out = sides.in[:0], sides.out[:0]
		defer sides.release()
	}
	if len(s.PromptMessages) > 0 {
		o.key("prompt_messages")
		pw := w
		if mirrorIn {
			pw.side = &sides.in
		}
		o.buf = pw.messages(o.buf, s.PromptMessages)
	}
	if s.CompletionMessage != nil {
		o.key("completion_message")
		cw := w
		if mirrorOut && s.outputMsgs.single {
			cw.side = &sides.out
		}
		o.buf = cw.message(o.buf, s.CompletionMessage)
	}
	if len(s.CompletionMessages) > 1 {
		o.key("completion_messages")
		cw := w
		if mirrorOut && !s.outputMsgs.single {
			cw.side = &sides.out
		}
		o.buf = cw.messages(o.buf, s.CompletionMessages)
	}
	switch {
	case s.Input != "":
		o.str("input", s.Input)
	case mirrorIn:
		o.key("input")
		o.buf = append(append(append(o.buf, '"'), sides.in...), '"')
	case s.inputMsgs.set():
		o.key("input")
		o.buf = s.inputMsgs.appendQuoted(o.buf)
	}
	switch {
	case s.Output != "":
		o.str("output", s.Output)
	case mirrorOut:
		o.key("output")
		o.buf = append(append(append(o.buf, '"'), sides.out...), '"')
	case s.outputMsgs.set():
		o.key("output")
		o.buf = s.outputMsgs.appendQuoted(o.buf)
	}

	o.optInt("prompt_tokens", s.PromptTokens)
	o.optInt("completion_tokens", s.CompletionTokens)
	o.optInt("total_request_tokens", s.TotalRequestTokens)
	o.optInt("prompt_cache_hit_tokens", s.CacheHitTokens)
	o.optInt("prompt_cache_creation_tokens", s.CacheCreationTokns)
	if s.ReasoningTokens.Set {
		o.key("usage")
		u := jsonObject{buf: append(o.buf, '{'), first: true}
		u.optInt("prompt_tokens", s.PromptTokens)
		u.optInt("completion_tokens", s.CompletionTokens)
		u.optInt("total_tokens", s.TotalRequestTokens)
		u.key("completion_tokens_details")
		u.buf = append(u.buf, `{"reasoning_tokens":`...)
		u.buf = strconv.AppendInt(u.buf, s.ReasoningTokens.Value, 10)
		u.buf = append(u.buf, '}')
		o.buf = append(u.buf, '}')
	}
	o.optFloat("cost", s.Cost)
	o.optFloat("time_to_first_token", s.TimeToFirstToken)

	o.optFloat("temperature", s.Temperature)
	o.optFloat("top_p", s.TopP)
	o.optFloat("frequency_penalty", s.FrequencyPenalty)
	o.optFloat("presence_penalty", s.PresencePenalty)
	o.optInt("max_tokens", s.MaxTokens)
	o.optBool("stream", s.Stream)
	o.strs("stop", s.Stop)
	if len(s.Tools) > 0 {
		o.key("tools")
		if s.toolsJSON != "" {
			o.buf = append(o.buf, s.toolsJSON...)
		} else {
			o.buf = appendAny(o.buf, s.Tools)
		}
	}
	if s.ToolChoice != nil {
		o.key("tool_choice")
		o.buf = appendAny(o.buf, s.ToolChoice)
	}
	o.strs("span_tools", s.SpanTools)
	o.strs("span_handoffs", s.SpanHandoffs)

	o.str("customer_identifier", s.CustomerIdentifier)
	o.str("customer_email", s.CustomerEmail)
	o.str("customer_name", s.CustomerName)
	o.str("thread_identifier", s.ThreadIdentifier)
	o.str("trace_group_identifier", s.TraceGroupIdentifier)

	code := s.StatusCode
	if code == 0 {
		code = 200
	}
	o.key("status_code")
	o.buf = strconv.AppendInt(o.buf, int64(code), 10)
	if code >= 400 {
		o.key("status")
		o.buf = append(o.buf, `"error"`...)
	}
	o.str("error_message", s.ErrorMessage)
	if len(s.Warnings) > 0 {
		o.key("warnings")
		o.buf = appendString(o.buf, strings.Join(s.Warnings, "; "))
	}
	if len(s.Metadata) > 0 {
		o.key("metadata")
		o.buf = appendMetadataEntries(o.buf, s.Metadata)
	}
	return append(o.buf, '}')
}

// appendMetadataEntries writes sorted metadata entries with primitive
// values as-is and every tree JSON-encoded into a string (Respan coerces
// metadata to strings, and its UI breaks on nested objects).
func appendMetadataEntries(dst []byte, entries []MetadataEntry) []byte {
	dst = append(dst, '{')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.Key)
		dst = append(dst, ':')
		switch x := e.Value.(type) {
		case jsonText:
			dst = appendString(dst, string(x))
		case map[string]any, []any, []string:
			dst = appendAnyAsString(dst, e.Value)
		default:
			dst = appendAny(dst, e.Value)
		}
	}
	return append(dst, '}')
}

func appendMessages(dst []byte, msgs []Message) []byte { return msgWriter{}.messages(dst, msgs) }

func (m *Message) appendJSON(dst []byte) []byte { return msgWriter{}.message(dst, m) }

// messagesJSON returns the JSON text of msgs (for input).
func messagesJSON(msgs []Message) string {
	return withScratch(func(b []byte) []byte { return appendMessages(b, msgs) })
}

// messageJSON returns the JSON text of one message (for output).
func messageJSON(m *Message) string {
	return withScratch(func(b []byte) []byte { return m.appendJSON(b) })
}

// encodeSides are the buffers the nested forms of input and output are
// written to while prompt_messages and completion_message are written.
type encodeSides struct{ in, out []byte }

var sidesPool = sync.Pool{New: func() any { return new(encodeSides) }}

// maxPooledSide bounds the side buffers kept in sidesPool.
const maxPooledSide = 4 << 20

func (e *encodeSides) release() {
	// Buffers of contents up to the default max_content_bytes (1 MiB; the
	// nested form a little more) stay: dropping them made every large
	// message regrow its buffer by doubling. Rare larger ones go.
	if cap(e.in) > maxPooledSide {
		e.in = nil
	}
	if cap(e.out) > maxPooledSide {
		e.out = nil
	}
	sidesPool.Put(e)
}

// msgWriter writes messages as JSON or, nested, as the body of a JSON
// string literal holding that JSON: how input and output carry messages.
// Nested writing escapes each content string once, for both levels at
// once, straight into the body, instead of building the JSON text and
// escaping it again. Every content leaf of a message (content, text
// parts, tool-call arguments, tool results) is written by content or by
// the arguments branch of message: the one place an encode-time content
// hook would go.
type msgWriter struct {
	nested bool
	// side, when set (with nested false), receives the nested form of
	// everything written: prompt_messages and input (completion_message and
	// output) carry the same messages, and one pass over each content
	// string writes both, instead of a second pass for the nested form.
	side *[]byte
}

// raw writes bytes that are the same in the nested form (no quote or
// backslash).
func (w msgWriter) raw(dst []byte, b string) []byte {
	if w.side != nil {
		*w.side = append(*w.side, b...)
	}
	return append(dst, b...)
}

// quote writes the quote of a string literal of the written JSON.
func (w msgWriter) quote(dst []byte) []byte {
	if w.side != nil {
		*w.side = append(*w.side, '\\', '"')
	}
	if w.nested {
		return append(dst, '\\', '"')
	}
	return append(dst, '"')
}

func (w msgWriter) str(dst []byte, s string) []byte {
	dst = w.quote(dst)
	if w.side != nil {
		dst = appendStringBodyPair(dst, w.side, s)
	} else {
		dst = appendStringBody(dst, s, w.nested)
	}
	return w.quote(dst)
}

// key writes "k": (k is a constant that needs no escaping).
func (w msgWriter) key(dst []byte, k string) []byte {
	dst = w.quote(dst)
	dst = w.raw(dst, k)
	dst = w.quote(dst)
	return w.raw(dst, ":")
}

// content writes a message's content: a string, null, or a tree of parts.
func (w msgWriter) content(dst []byte, c any) []byte {
	switch x := c.(type) {
	case string:
		return w.str(dst, x)
	case nil:
		return w.raw(dst, "null")
	}
	if !w.nested {
		start := len(dst)
		dst = appendAny(dst, c)
		if w.side != nil {
			// The nested form of JSON text is that text escaped once.
			*w.side = appendStringBody(*w.side, unsafe.String(unsafe.SliceData(dst[start:]), len(dst)-start), false)
		}
		return dst
	}
	// A parts tree inside input/output (rare): its JSON text, escaped
	// once (the text is already JSON, so one level is left to add).
	bp := scratchPool.Get().(*[]byte)
	b := appendAny((*bp)[:0], c)
	dst = appendStringBody(dst, unsafe.String(unsafe.SliceData(b), len(b)), false)
	if cap(b) <= 1<<20 {
		*bp = b
		scratchPool.Put(bp)
	}
	return dst
}

func (w msgWriter) messages(dst []byte, msgs []Message) []byte {
	dst = w.raw(dst, "[")
	for i := range msgs {
		if i > 0 {
			dst = w.raw(dst, ",")
		}
		dst = w.message(dst, &msgs[i])
	}
	return w.raw(dst, "]")
}

func (w msgWriter) message(dst []byte, m *Message) []byte {
	dst = w.raw(dst, "{")
	dst = w.key(dst, "role")
	dst = w.str(dst, wireRole(m.Role))
	dst = w.raw(dst, ",")
	dst = w.key(dst, "content")
	dst = w.content(dst, m.Content)
	if m.Name != "" {
		dst = w.raw(dst, ",")
		dst = w.key(dst, "name")
		dst = w.str(dst, m.Name)
	}
	if m.ToolCallID != "" {
		dst = w.raw(dst, ",")
		dst = w.key(dst, "tool_call_id")
		dst = w.str(dst, m.ToolCallID)
	}
	if len(m.ToolCalls) > 0 {
		dst = w.raw(dst, ",")
		dst = w.key(dst, "tool_calls")
		dst = w.raw(dst, "[")
		for i, tc := range m.ToolCalls {
			if i > 0 {
				dst = w.raw(dst, ",")
			}
			dst = w.raw(dst, "{")
			if tc.ID != "" {
				dst = w.key(dst, "id")
				dst = w.str(dst, tc.ID)
				dst = w.raw(dst, ",")
			}
			dst = w.key(dst, "type")
			dst = w.str(dst, "function")
			dst = w.raw(dst, ",")
			dst = w.key(dst, "function")
			dst = w.raw(dst, "{")
			dst = w.key(dst, "name")
			dst = w.str(dst, tc.Name)
			dst = w.raw(dst, ",")
			dst = w.key(dst, "arguments")
			if tc.Arguments == "" {
				dst = w.str(dst, "{}")
			} else {
				dst = w.str(dst, tc.Arguments)
			}
			dst = w.raw(dst, "}}")
		}
		dst = w.raw(dst, "]")
	}
	return w.raw(dst, "}")
}

// messagesJSONLen is len(appendMessages(nil, msgs)), computed without
// writing; ok is false when a message has parts-tree content (not
// computed).
func messagesJSONLen(msgs []Message) (int, bool) {
	n := 2 + max(len(msgs)-1, 0)
	for i := range msgs {
		m, ok := messageJSONLen(&msgs[i])
		if !ok {
			return 0, false
		}
		n += m
	}
	return n, true
}

// messageJSONLen is len(msgs[i].appendJSON(nil)) (see messagesJSONLen).
func messageJSONLen(m *Message) (int, bool) {
	quoted := func(s string) int { return 2 + stringBodyLen(s) }
	n := len(`{"role":`) + quoted(wireRole(m.Role)) + len(`,"content":`) + len(`}`)
	switch c := m.Content.(type) {
	case string:
		n += quoted(c)
	case nil:
		n += len("null")
	default:
		return 0, false
	}
	if m.Name != "" {
		n += len(`,"name":`) + quoted(m.Name)
	}
	if m.ToolCallID != "" {
		n += len(`,"tool_call_id":`) + quoted(m.ToolCallID)
	}
	if len(m.ToolCalls) > 0 {
		n += len(`,"tool_calls":[]`) + len(m.ToolCalls) - 1
		for _, tc := range m.ToolCalls {
			n += len(`{"type":"function","function":{"name":`) + quoted(tc.Name) + len(`,"arguments":}}`)
			if tc.ID != "" {
				n += len(`"id":,`) + quoted(tc.ID)
			}
			if tc.Arguments == "" {
				n += quoted("{}")
			} else {
				n += quoted(tc.Arguments)
			}
		}
	}
	return n, true
}

// wireRole maps a role to the set Respan's message type accepts (system,
// user, assistant, tool, developer); anything unrecognised is sent as user,
// which is how Respan displays free text.
func wireRole(role string) string {
	switch role {
	case "system", "user", "assistant", "tool", "developer":
		return role
	}
	switch strings.ToLower(strings.TrimSpace(role)) {
	case "system":
		return "system"
	case "assistant", "ai", "model", "bot", "chatbot":
		return "assistant"
	case "tool", "function", "ipython":
		return "tool"
	case "developer":
		return "developer"
	}
	return "user"
}
