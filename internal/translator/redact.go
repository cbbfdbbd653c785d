// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strconv"
	"strings"

	"github.com/respanai/respanexporter/internal/redaction"
)

// Redaction of content (issue 13): the one place where the string leaves of
// a finished span log's content go through Options.Redactor. It runs on the
// normalised span log, so content from every source (attributes, flattened
// indices, span events, joined log records, provider-native shapes) is
// covered, and before encoding, so what is sent stays valid JSON.
//
// What is redacted: message contents and content parts, tool-call arguments,
// input and output (JSON text: string values, never keys), the content
// relocated to metadata (reasoning, prompt_reasoning, tool_result),
// error_message; tool definitions and other metadata values when the
// configuration asks. Never ids, times, numbers, roles, names or keys.
//
// The translator calls redactSpanLog right after translateSpan (translate.go);
// TestRedactionHookCoversEverySource fails if that call goes missing.

// RedactedMetadataKey is the metadata flag of a span log whose content was
// redacted: the comma-separated names of the detectors that fired ("role"
// for messages removed by role rules). It carries no redacted data.
const RedactedMetadataKey = "redacted"

// contentMetadataKeys hold message content the translator moved to
// metadata; they are redacted like messages, whatever metadata_values says.
var contentMetadataKeys = []string{"prompt_reasoning", "reasoning", "tool_result"}

// structuralMetadata reports whether a metadata key is one the translator
// fills with facts of its own (service, scope, SDK, finish reasons, usage
// bookkeeping) rather than a value copied from the span: metadata_values
// leaves those alone.
func structuralMetadata(key string) bool {
	switch key {
	case "service.name", "service.version", "service.namespace", "environment", "span_kind", "sdk", "framework",
		"finish_reason", "finish_reasons", "request_model", "embedding_count", "stream", "max_tokens",
		"aggregated_usage", "suppressed_usage", "error.type", "exception.type", RedactedMetadataKey:
		return true
	}
	return strings.HasPrefix(key, "otel.") || strings.HasPrefix(key, "telemetry.sdk.") || strings.HasPrefix(key, "deployment.")
}

// redactState is the per-batch state of redaction (Translate is concurrent:
// nothing lives on the Translator).
type redactState struct {
	r      *redaction.Redactor
	counts []int
	roles  int
	// fired collects, per span log, which detectors replaced something.
	fired []int
	tools map[string]redactedTools
}

type redactedTools struct {
	tools   []any
	encoded string
	fired   []int
}

func newRedactState(r *redaction.Redactor) *redactState {
	if r == nil {
		return nil
	}
	return &redactState{r: r, counts: r.NewCounts(), fired: r.NewCounts()}
}

// counted returns the batch's counts by detector name, nil when nothing
// was redacted.
func (rs *redactState) counted() map[string]int {
	var out map[string]int
	for i, n := range rs.counts {
		if n > 0 {
			if out == nil {
				out = map[string]int{}
			}
			out[rs.r.Names()[i]] += n
		}
	}
	if rs.roles > 0 {
		if out == nil {
			out = map[string]int{}
		}
		out[redaction.RoleRule] += rs.roles
	}
	return out
}

// redactSpanLog redacts every content leaf of sl in place.
func (rs *redactState) redactSpanLog(sl *SpanLog) {
	clear(rs.fired)
	roles := 0

	// Prompt messages; input is the same slice when it is deferred.
	sharedIn := sl.inputMsgs.set() && len(sl.PromptMessages) > 0 && len(sl.inputMsgs.msgs) == len(sl.PromptMessages) &&
		&sl.inputMsgs.msgs[0] == &sl.PromptMessages[0]
	if len(sl.PromptMessages) > 0 {
		msgs, dropped := rs.messages(sl.PromptMessages)
		roles += dropped
		sl.PromptMessages = msgs
		if sharedIn {
			sl.inputMsgs = deferMessages(msgs, false)
			if len(msgs) == 0 {
				sl.inputMsgs = deferredMessages{}
			}
		}
	}
	if sl.inputMsgs.set() && !sharedIn {
		msgs, dropped := rs.messages(sl.inputMsgs.msgs)
		roles += dropped
		sl.inputMsgs = deferMessages(msgs, sl.inputMsgs.single)
		if len(msgs) == 0 {
			sl.inputMsgs = deferredMessages{}
		}
	}

	// Completions: CompletionMessage is completions[0], CompletionMessages
	// (n > 1) and the deferred output are the same slice.
	if sl.CompletionMessage != nil {
		comps := sl.CompletionMessages
		if len(comps) == 0 {
			comps = []Message{*sl.CompletionMessage}
		}
		sharedOut := sl.outputMsgs.set() && len(sl.outputMsgs.msgs) == len(comps) &&
			(&sl.outputMsgs.msgs[0] == sl.CompletionMessage || &sl.outputMsgs.msgs[0] == &comps[0])
		msgs, dropped := rs.messages(comps)
		roles += dropped
		sl.CompletionMessage, sl.CompletionMessages = nil, nil
		if len(msgs) > 0 {
			sl.CompletionMessage = &msgs[0]
		}
		if len(msgs) > 1 {
			sl.CompletionMessages = msgs
		}
		if sharedOut {
			sl.outputMsgs = deferredMessages{}
			if len(msgs) > 0 {
				sl.outputMsgs = deferMessages(msgs, true)
			}
		}
	}
	if sl.outputMsgs.set() && (sl.CompletionMessage == nil || &sl.outputMsgs.msgs[0] != sl.CompletionMessage) {
		msgs, dropped := rs.messages(sl.outputMsgs.msgs)
		roles += dropped
		single := sl.outputMsgs.single
		sl.outputMsgs = deferredMessages{}
		if len(msgs) > 0 {
			sl.outputMsgs = deferMessages(msgs, single)
		}
	}

	// Input and output held as JSON text.
	var dropped int
	sl.Input, dropped = rs.jsonText(sl.Input, true)
	roles += dropped
	sl.Output, dropped = rs.jsonText(sl.Output, true)
	roles += dropped
	sl.ErrorMessage = rs.str(sl.ErrorMessage)

	if rs.r.ToolDefinitions() && len(sl.Tools) > 0 {
		rs.toolDefinitions(sl)
	}
	for i := range sl.Metadata {
		e := &sl.Metadata[i]
		if slices.Contains(contentMetadataKeys, e.Key) || (rs.r.MetadataValues() && !structuralMetadata(e.Key)) {
			e.Value = rs.metadataValue(e.Value)
		}
	}

	rs.roles += roles
	var names []string
	for i, n := range rs.fired {
		if n > 0 {
			rs.counts[i] += n
			names = append(names, rs.r.Names()[i])
		}
	}
	if roles > 0 {
		names = append(names, redaction.RoleRule)
	}
	if len(names) > 0 {
		sl.SetMetadata(RedactedMetadataKey, strings.Join(names, ","))
	}
}

// metadataValue redacts a metadata value's string leaves. With redaction
// on, the metadata path keeps trees as trees (metaTree), so that leaves are
// redacted exactly as they were read; a value that reaches here as JSON
// text (jsonText) is decoded, redacted and written back as text.
func (rs *redactState) metadataValue(v any) any {
	t, ok := v.(jsonText)
	if !ok {
		out, _ := rs.tree(v, false)
		return out
	}
	tree, ok := decodeJSON(string(t))
	if !ok {
		return v
	}
	if out, changed := rs.tree(tree, false); changed {
		return jsonText(marshalAny(out))
	}
	return v
}

// str redacts one string leaf.
func (rs *redactState) str(s string) string {
	if s == "" {
		return s
	}
	out, _ := rs.r.RedactCount(s, rs.fired)
	return out
}

// messages applies the role rules to msgs and redacts what is kept. The
// result may share msgs' backing array (the span log owns it).
func (rs *redactState) messages(msgs []Message) ([]Message, int) {
	dropped := 0
	if rs.r.HasRoleRules() {
		kept := msgs[:0:0]
		for i := range msgs {
			if rs.r.DropsRole(wireRole(msgs[i].Role)) {
				dropped++
				continue
			}
			kept = append(kept, msgs[i])
		}
		if dropped > 0 {
			msgs = kept
		}
	}
	for i := range msgs {
		m := &msgs[i]
		m.Content = rs.content(m.Content)
		// Tool calls may be shared with other messages: copied on change.
		var calls []ToolCall
		for k := range m.ToolCalls {
			args, _ := rs.jsonText(m.ToolCalls[k].Arguments, false)
			if args != m.ToolCalls[k].Arguments && calls == nil {
				calls = slices.Clone(m.ToolCalls)
			}
			if calls != nil {
				calls[k].Arguments = args
			}
		}
		if calls != nil {
			m.ToolCalls = calls
		}
	}
	return msgs, dropped
}

// content redacts a message content: a string, or content parts whose
// string values are redacted except their type and inline data: URIs.
func (rs *redactState) content(c any) any {
	switch x := c.(type) {
	case string:
		return rs.str(x)
	case []any:
		out, _ := rs.tree(x, true)
		return out
	}
	return c
}

// tree redacts the string leaves of a JSON-like tree, copying only what
// changes (trees may be shared with the batch's caches and other spans). In
// content parts (parts), "type" values and data: URIs are structure, not
// text.
func (rs *redactState) tree(x any, parts bool) (any, bool) {
	switch v := x.(type) {
	case string:
		if parts && strings.HasPrefix(v, "data:") {
			return v, false
		}
		out := rs.str(v)
		return out, out != v
	case []any:
		var out []any
		for i, e := range v {
			n, changed := rs.tree(e, parts)
			if changed && out == nil {
				out = slices.Clone(v)
			}
			if out != nil {
				out[i] = n
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []string:
		var out []string
		for i, e := range v {
			n := rs.str(e)
			if n != e && out == nil {
				out = slices.Clone(v)
			}
			if out != nil {
				out[i] = n
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range v {
			if parts && k == "type" {
				continue
			}
			n, changed := rs.tree(e, parts)
			if changed && out == nil {
				out = make(map[string]any, len(v))
				for k2, e2 := range v {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = n
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return x, false
}

// jsonText redacts JSON text (input, output, tool-call arguments): text
// holding no candidate is left alone; otherwise it is parsed and its string
// values redacted (roles applied to message lists when messages is set) and
// re-encoded. Text that is not JSON is redacted as one string.
func (rs *redactState) jsonText(s string, messages bool) (string, int) {
	if s == "" {
		return s, 0
	}
	roleRules := messages && rs.r.HasRoleRules() && strings.Contains(s, `"role"`)
	if !roleRules && !escapesMayHide(s) && !rs.r.Detects(s) {
		return s, 0
	}
	if !roleRules {
		if !validJSON(s) {
			return rs.str(s), 0
		}
		return rs.jsonLeaves(s), 0
	}
	tree, ok := parseJSON(s)
	if !ok {
		return rs.str(s), 0
	}
	tree, dropped := rs.dropRoleMessages(tree)
	out, changed := rs.tree(tree, false)
	if dropped == 0 && !changed {
		return s, 0
	}
	return marshalAny(out), dropped
}

// jsonLeaves redacts the string values of valid JSON text in place, token
// by token: keys, numbers, structure, key order and spacing are copied as
// they are and only a changed value is re-encoded, so no tree is built.
func (rs *redactState) jsonLeaves(s string) string {
	var out []byte // nil until the first change
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		j, escaped := i+1, false
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				escaped = true
				j++
			}
			j++
		}
		end := j + 1 // after the closing quote
		k := end
		for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
			k++
		}
		if k < len(s) && s[k] == ':' {
			i = j // a key
			continue
		}
		val := s[i+1 : j]
		if escaped {
			v, ok := parseJSON(s[i:end])
			str, isStr := v.(string)
			if !ok || !isStr {
				i = j
				continue
			}
			val = str
		}
		if red := rs.str(val); red != val {
			if out == nil {
				out = make([]byte, 0, len(s))
			}
			out = append(out, s[last:i]...)
			out = appendString(out, red)
			last = end
		}
		i = j
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

// escapesMayHide reports whether a \u escape in JSON text could hide part
// of a value from a scan of the raw text: an escaped ASCII character a
// detector reads (digits, letters, '@', '.', ':', '+', '-', spaces, …), or
// an escaped non-ASCII letter in text with an '@' (internationalised
// e-mail addresses). HTML-safe escapes (<, >, &) and control characters
// hide nothing, so the common escaped text is not parsed for nothing.
func escapesMayHide(s string) bool {
	at := -2
	for i := 0; ; {
		j := strings.Index(s[i:], `\u`)
		if j < 0 || i+j+6 > len(s) {
			return false
		}
		i += j + 2
		r, err := strconv.ParseUint(s[i:i+4], 16, 32)
		if err != nil {
			continue
		}
		if r < 0x80 {
			if r >= 0x20 && r <= 0x7e && r != '"' && r != '&' && r != '\'' && r != '<' && r != '>' && r != '\\' {
				return true
			}
			continue
		}
		if at == -2 {
			at = strings.IndexByte(s, '@')
		}
		if at >= 0 {
			return true
		}
	}
}

// dropRoleMessages removes the messages of dropped roles from a JSON list
// of messages (objects with a "role"), or from a {"messages": [...]} object.
func (rs *redactState) dropRoleMessages(tree any) (any, int) {
	switch v := tree.(type) {
	case []any:
		dropped := 0
		out := make([]any, 0, len(v))
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if role, ok := m["role"].(string); ok && rs.r.DropsRole(wireRole(role)) {
					dropped++
					continue
				}
			}
			out = append(out, e)
		}
		if dropped == 0 {
			return v, 0
		}
		return out, dropped
	case map[string]any:
		if msgs, ok := v["messages"].([]any); ok {
			kept, dropped := rs.dropRoleMessages(msgs)
			if dropped > 0 {
				out := make(map[string]any, len(v))
				for k, e := range v {
					out[k] = e
				}
				out["messages"] = kept
				return out, dropped
			}
		}
		if role, ok := v["role"].(string); ok && rs.r.DropsRole(wireRole(role)) {
			return nil, 1
		}
	}
	return tree, 0
}

// toolDefinitions redacts the string leaves of sl.Tools. Tool lists repeat
// on every model call of a batch and are shared: the result is cached per
// encoded list (with what it found, so every span log using it is flagged
// and counted), and the shared list is never written to.
func (rs *redactState) toolDefinitions(sl *SpanLog) {
	c, ok := rs.tools[sl.toolsJSON]
	if !ok || sl.toolsJSON == "" {
		before := slices.Clone(rs.fired)
		out, changed := rs.tree(sl.Tools, false)
		c = redactedTools{tools: sl.Tools, encoded: sl.toolsJSON}
		if list, isList := out.([]any); changed && isList {
			c = redactedTools{tools: list, encoded: marshalAny(list)}
		}
		c.fired = make([]int, len(before))
		for i := range before {
			c.fired[i] = rs.fired[i] - before[i]
			rs.fired[i] = before[i] // added back below, once
		}
		if sl.toolsJSON != "" {
			if rs.tools == nil {
				rs.tools = map[string]redactedTools{}
			}
			rs.tools[sl.toolsJSON] = c
		}
	}
	for i, n := range c.fired {
		rs.fired[i] += n
	}
	sl.Tools, sl.toolsJSON = c.tools, c.encoded
}
