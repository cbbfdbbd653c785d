// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Langfuse SDK (Python ≥ 3, JS v4/v5): observation input/output as
// messages, model parameters, completion start time, level, usage and cost
// details, trace attributes.
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// langfusePrompt reads a generation's langfuse.observation.input: the
// messages sent, as a message list or as the request object {messages,
// tools, …} that @langfuse/openai records. Nil when it holds no messages
// (then the input stays the raw observation input).
func (c *msgConv) langfusePrompt() []Message {
	v := c.v
	val, ok := v.peek("langfuse.observation.input")
	if !ok {
		return nil
	}
	msgs, ok := c.fastLangfusePrompt(val)
	if ok {
		if len(msgs) > 0 {
			v.consume("langfuse.observation.input")
		}
		return msgs
	}
	switch x := structured(val).(type) {
	case []any:
		msgs = c.fromList(x, "user", 0)
	case map[string]any:
		list, isList := x["messages"].([]any)
		if !isList {
			return nil
		}
		msgs = c.fromList(list, "user", 0)
	default:
		return nil
	}
	if len(msgs) > 0 {
		v.consume("langfuse.observation.input")
	}
	return msgs
}

// fastLangfusePrompt is langfusePrompt's conversion for an input of the
// fast shape: a message list, or an object whose messages member is one
// (read without the tree of the object, its tools and the list); ok is
// false, with nothing done, for anything else.
func (c *msgConv) fastLangfusePrompt(val pcommon.Value) ([]Message, bool) {
	if val.Type() != pcommon.ValueTypeStr || !useFastMessages {
		return nil, false
	}
	s := val.Str()
	switch firstNonSpace(s) {
	case '[':
		// structured's tree would be handed to fromList at depth 0: the
		// list as text is met at depth -1 (see messagesFromValue).
		return c.fastMessages(s, "user", -1)
	case '{':
		raw, found, ok := memberRaw(s, "messages")
		if !ok {
			return nil, false
		}
		if !found || firstNonSpace(raw) != '[' {
			return nil, true // not a list: no messages
		}
		return c.fastMessages(raw, "user", -1)
	}
	return nil, false
}

// langfuseCompletion reads a generation's langfuse.observation.output: an
// OpenAI message object, a list of messages or output items, or, for a
// streamed call, the concatenated text, which becomes one assistant message.
func (c *msgConv) langfuseCompletion() []Message {
	v := c.v
	val, ok := v.peek("langfuse.observation.output")
	if !ok {
		return nil
	}
	msgs, ok := c.fastLangfuseCompletion(val)
	if ok {
		if len(msgs) > 0 {
			v.consume("langfuse.observation.output")
		}
		return msgs
	}
	switch x := structured(val).(type) {
	case string:
		if isEmptyContent(x) {
			return nil
		}
		msgs = c.emit(nil, Message{Role: "assistant", Content: v.cappedText(x)})
	case []any:
		msgs = c.fromList(x, "assistant", 0)
	case map[string]any:
		msgs = c.fromMap(x, "assistant", 0)
	}
	if len(msgs) > 0 {
		v.consume("langfuse.observation.output")
	}
	return msgs
}

// fastLangfuseCompletion is langfuseCompletion's conversion for an output
// of the fast shape: a message list, or one message object (an OpenAI
// chat message), read without its tree; ok is false, with nothing done,
// for anything else.
func (c *msgConv) fastLangfuseCompletion(val pcommon.Value) ([]Message, bool) {
	if val.Type() != pcommon.ValueTypeStr || !useFastMessages {
		return nil, false
	}
	s := val.Str()
	switch firstNonSpace(s) {
	case '[': // fromList(tree, "assistant", 0)
		return c.fastMessages(s, "assistant", -1)
	case '{': // fromMap(tree, "assistant", 0): a message object reaches fromMessageMap at 0
		if !c.v.fast.readOne(s, &c.v.arena) {
			return nil, false
		}
		return c.fastReadMessages("assistant", -2), true
	}
	return nil, false
}

// langfuseTools returns the tools of a {messages, tools} observation input.
func langfuseTools(v *spanView) any {
	val, ok := v.peek("langfuse.observation.input")
	if !ok {
		return nil
	}
	if val.Type() == pcommon.ValueTypeStr && firstNonSpace(val.Str()) == '{' {
		// Only the tools member is decoded, not the messages beside it.
		vals := []any{nil}
		if !pickMembers(val.Str(), langfuseToolsKey, vals) {
			return nil
		}
		return vals[0]
	}
	if m, isMap := structured(val).(map[string]any); isMap {
		return m["tools"]
	}
	return nil
}

var langfuseToolsKey = []string{"tools"}

// langfuseParams returns langfuse.observation.model.parameters as a map of
// request parameters (the same shape as OpenInference's invocation
// parameters); "" values (the JS SDK's response_format placeholder) are
// dropped.
func langfuseParams(v *spanView) map[string]any {
	m := jsonAttrMap(v, "langfuse.observation.model.parameters")
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		if s, isStr := x.(string); isStr && s == "" {
			continue
		}
		out[k] = x
	}
	return out
}

// langfuseTTFT returns completion_start_time − span start, in seconds.
// Both SDKs write the time JSON-encoded ("\"2026-…Z\""); a bare RFC 3339
// string is accepted too. A start time outside the span is ignored.
func langfuseTTFT(v *spanView, latency float64) OptFloat {
	s := v.str("langfuse.observation.completion_start_time")
	if s == "" {
		return OptFloat{}
	}
	if d, ok := decodeJSON(s); ok {
		if str, isStr := d.(string); isStr {
			s = str
		}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		v.warn("langfuse.observation.completion_start_time is not an RFC 3339 time")
		return OptFloat{}
	}
	start := int64(v.span.StartTimestamp())
	if start <= 0 {
		return OptFloat{}
	}
	ttft := float64(t.UnixNano()-start) / 1e9
	if ttft < 0 || (latency > 0 && ttft > latency) {
		return OptFloat{}
	}
	return someFloat(ttft)
}

// isLangfuseError reports a Langfuse observation marked level=ERROR, which
// the SDK writes on failed calls without touching the OTel status.
func isLangfuseError(v *spanView) bool {
	return strings.EqualFold(v.str("langfuse.observation.level"), "ERROR")
}

// langfuseUsage applies langfuse.observation.usage_details. Langfuse's
// "input"/"output" may exclude their detail parts (@langfuse/openai
// subtracts input_cached_tokens from input), so the parts are added back
// when "total" confirms that reading; cache and reasoning parts are kept.
func langfuseUsage(v *spanView, u *usage) {
	m := jsonAttrMap(v, "langfuse.observation.usage_details")
	if m == nil {
		return
	}
	_, hasIn := m["input"]
	_, hasOut := m["output"]
	if !hasIn && !hasOut {
		providerUsageDetails(m, u)
		return
	}
	in, okIn := anyInt(m["input"])
	out, okOut := anyInt(m["output"])
	total, okTotal := anyInt(m["total"])
	var inParts, outParts int64
	for k, x := range m {
		n, ok := anyInt(x)
		if !ok || n < 0 {
			continue
		}
		switch {
		case strings.HasPrefix(k, "input_") || k == "cache_read_input_tokens" || k == "cache_creation_input_tokens":
			inParts = addCounts(inParts, n)
		case strings.HasPrefix(k, "output_"):
			outParts = addCounts(outParts, n)
		}
	}
	// The parts are separate from input/output when adding them gives the
	// total, or when no total says otherwise.
	separate := !okTotal || addCounts(addCounts(in, inParts), addCounts(out, outParts)) == total
	if okTotal && addCounts(in, out) == total && addCounts(inParts, outParts) > 0 {
		separate = false
	}
	if okIn {
		if separate {
			in = addCounts(in, inParts)
		}
		u.prompt = someInt(in)
	}
	if okOut {
		if separate {
			out = addCounts(out, outParts)
		}
		u.completion = someInt(out)
	}
	if okTotal {
		u.total = someInt(total)
	}
	for _, k := range []string{"input_cached_tokens", "cache_read_input_tokens", "input_cache_read"} {
		if n, ok := anyInt(m[k]); ok {
			u.cacheRead = someInt(n)
			break
		}
	}
	for _, k := range []string{"cache_creation_input_tokens", "input_cache_creation", "input_cache_write"} {
		if n, ok := anyInt(m[k]); ok {
			u.cacheCreation = someInt(n)
			break
		}
	}
	for _, k := range []string{"output_reasoning_tokens", "output_reasoning"} {
		if n, ok := anyInt(m[k]); ok && n > 0 {
			u.reasoning = someInt(n)
			break
		}
	}
}

// langfuseMetadata gives Langfuse's trace and observation attributes their
// plain metadata names: tags, the trace's and observation's metadata.*
// keys, environment, release, the prompt name and version. A WARNING level
// with a status message becomes a warning.
func langfuseMetadata(v *spanView) {
	if !hasLangfuse(v) {
		return
	}
	v.consume("langfuse.trace.name") // the trace's workflow name
	if val, ok := v.get("langfuse.trace.tags"); ok {
		v.setMeta("tags", metadataValue(v, val))
	}
	for _, p := range []string{"langfuse.observation.metadata", "langfuse.trace.metadata"} {
		v.forPrefix(p+".", func(rest string, val pcommon.Value) {
			if rest != "" {
				v.setMeta(rest, metadataValue(v, val))
			}
		})
		// Python writes metadata that is not a dict whole, JSON-encoded:
		// an object gives its keys, anything else stays under its key.
		if m := jsonAttrMap(v, p); m != nil {
			for k, x := range m {
				v.setMeta(k, x)
			}
		} else if val, ok := v.peek(p); ok {
			v.consume(p)
			v.setMeta(strings.ReplaceAll(strings.TrimPrefix(p, "langfuse."), ".", "_"), metadataValue(v, val))
		}
	}
	v.consume("langfuse.internal.as_root")
	for _, kv := range [...][2]string{
		{"langfuse.environment", "environment"},
		{"langfuse.release", "release"},
		{"langfuse.version", "version"},
		{"langfuse.trace.public", "public"},
		{"langfuse.observation.prompt.name", "prompt_name"},
		{"langfuse.observation.prompt.version", "prompt_version"},
	} {
		if s := v.str(kv[0]); s != "" {
			v.setMetaStr(kv[1], s)
		}
	}
	if strings.EqualFold(v.str("langfuse.observation.level"), "WARNING") {
		if msg := v.str("langfuse.observation.status_message"); msg != "" {
			v.warn(v.capContent(msg))
		}
	}
}

// hasLangfuse reports a span written by a Langfuse SDK: it sets the
// observation type on every span it starts, the trace attributes on the
// span where they were given.
func hasLangfuse(v *spanView) bool {
	for _, k := range [...]string{"langfuse.observation.type", "langfuse.trace.name", "langfuse.trace.tags",
		"langfuse.environment", "langfuse.release"} {
		if v.has(k) {
			return true
		}
	}
	return false
}

// providerUsageDetails reads usage_details holding the provider's own usage
// object, as the Python SDK's OpenAI integration records it: Chat
// Completions (prompt_tokens, completion_tokens, total_tokens, *_details)
// or Responses (input_tokens, output_tokens, *_details). Their counts
// include the cached and reasoning parts.
func providerUsageDetails(m map[string]any, u *usage) {
	set := func(dst *OptInt, keys ...string) {
		for _, k := range keys {
			if n, ok := anyInt(m[k]); ok {
				*dst = someInt(n)
				return
			}
		}
	}
	set(&u.prompt, "prompt_tokens", "input_tokens")
	set(&u.completion, "completion_tokens", "output_tokens")
	set(&u.total, "total_tokens")
	for _, p := range [...][2]string{{"prompt_tokens_details", "cached_tokens"}, {"input_tokens_details", "cached_tokens"}} {
		if n, ok := anyInt(dig(m, p[0], p[1])); ok {
			u.cacheRead = someInt(n)
			break
		}
	}
	for _, p := range [...][2]string{{"completion_tokens_details", "reasoning_tokens"}, {"output_tokens_details", "reasoning_tokens"}} {
		if n, ok := anyInt(dig(m, p[0], p[1])); ok && n > 0 {
			u.reasoning = someInt(n)
			break
		}
	}
}

// langfuseCost applies langfuse.observation.cost_details (USD): its total,
// else the sum of its parts, as Langfuse itself computes a missing total.
// The parts (input, output, cache reads, …) are kept in metadata.
func langfuseCost(v *spanView, u *usage) {
	m := jsonAttrMap(v, "langfuse.observation.cost_details")
	if m == nil {
		return
	}
	if f, ok := anyFloat(m["total"]); ok && f >= 0 {
		u.cost = someFloat(f)
	} else {
		sum, n := 0.0, 0
		for k, x := range m {
			if f, ok := anyFloat(x); ok && f >= 0 && k != "total" {
				sum += f
				n++
			}
		}
		if n > 0 {
			u.cost = someFloat(sum)
		}
	}
	// The breakdown is kept when it says something: more than one part,
	// not all zero (the SDK's placeholder on failed calls).
	parts := make(map[string]any, len(m))
	nonZero := false
	for k, x := range m {
		if f, ok := anyFloat(x); ok && k != "total" {
			parts[k] = f
			nonZero = nonZero || f != 0
		}
	}
	if len(parts) > 1 && nonZero {
		v.setMeta("cost_details", parts)
	}
}
