// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"cmp"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Flattened message keys (§5.4.3): PREFIX.{i}.SUBKEY. A family is
// collected into the view's per-span flat buffer and sorted by index, so a
// group is a run of that buffer: no map per group and no allocation once
// the buffer has grown, and memory is proportional to the number of
// attributes, never to the index value.

type flatGroup struct {
	idx    int
	fields flatFields
}

// flatField is one SUBKEY of a flattened group and its value.
type flatField struct {
	idx int
	sub string
	val pcommon.Value
}

// flatFields are the fields of one group, in attribute order.
type flatFields []flatField

// get returns the field sub. When a group holds the same sub-key twice
// (indices "1" and "01" both parse to 1) the later attribute wins, as a
// map filled in attribute order would have it.
func (f flatFields) get(sub string) (pcommon.Value, bool) {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].sub == sub {
			return f[i].val, true
		}
	}
	return pcommon.Value{}, false
}

// parseFlatIndex parses a non-negative decimal index. tooBig reports a
// well-formed index above maxFlatIndex (including ones too long to parse).
func parseFlatIndex(seg string) (n int, ok, tooBig bool) {
	if seg == "" {
		return 0, false, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false, false
		}
	}
	t := strings.TrimLeft(seg, "0")
	if len(t) > 5 {
		return 0, false, true
	}
	for i := 0; i < len(t); i++ {
		n = n*10 + int(t[i]-'0')
	}
	if n > maxFlatIndex {
		return 0, false, true
	}
	return n, true, false
}

// flatGrouper groups (rest, value) pairs by their first segment. Fields
// and groups are appended to the view's per-span buffers (flatBuf,
// flatGroups), which only grow during a span: the runs handed out stay
// valid while nested groupings (tool calls inside a message) append more.
type flatGrouper struct {
	v      *spanView
	start  int // first field of this grouping in v.flatBuf
	tooBig bool
}

func newFlatGrouper(v *spanView) flatGrouper {
	return flatGrouper{v: v, start: len(v.flatBuf)}
}

func (g *flatGrouper) add(rest string, val pcommon.Value) {
	seg, sub, _ := strings.Cut(rest, ".")
	n, ok, big := parseFlatIndex(seg)
	if big {
		g.tooBig = true
	}
	if !ok {
		return
	}
	g.v.flatBuf = append(g.v.flatBuf, flatField{idx: n, sub: sub, val: val})
}

// sorted returns the groups in index order, warning about gaps and
// indices over the cap.
func (g *flatGrouper) sorted() []flatGroup {
	v := g.v
	if g.tooBig {
		v.warn("flattened message index above 10000 ignored")
	}
	fields := v.flatBuf[g.start:len(v.flatBuf):len(v.flatBuf)]
	if len(fields) == 0 {
		return nil
	}
	// Stable, so that within a group the attribute order (and with it
	// which duplicate wins) is kept.
	slices.SortStableFunc(fields, func(a, b flatField) int { return cmp.Compare(a.idx, b.idx) })
	first := len(v.flatGroups)
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].idx == fields[i].idx {
			j++
		}
		v.flatGroups = append(v.flatGroups, flatGroup{idx: fields[i].idx, fields: fields[i:j:j]})
		i = j
	}
	out := v.flatGroups[first:len(v.flatGroups):len(v.flatGroups)]
	for i := range out {
		if out[i].idx != i {
			v.warn("sparse message indices")
			break
		}
	}
	return out
}

// collectFlat groups the span attributes under prefix (consuming them).
func collectFlat(v *spanView, prefix string) []flatGroup {
	g := newFlatGrouper(v)
	v.forPrefix(prefix, g.add)
	return g.sorted()
}

// subFlat groups fields under a sub-prefix (e.g. "tool_calls.").
func subFlat(v *spanView, fields flatFields, prefix string) []flatGroup {
	g := newFlatGrouper(v)
	for _, f := range fields {
		if strings.HasPrefix(f.sub, prefix) {
			g.add(f.sub[len(prefix):], f.val)
		}
	}
	return g.sorted()
}

// flatStr returns a field as a string (primitives only).
func flatStr(f flatFields, keys ...string) string {
	for _, k := range keys {
		if val, ok := f.get(k); ok {
			var s string
			if val.Type() == pcommon.ValueTypeStr {
				s = val.Str()
			} else {
				s = valueString(val)
			}
			if strings.TrimSpace(s) != "" {
				return s
			}
		}
	}
	return ""
}

func flatAny(f flatFields, keys ...string) (any, bool) {
	for _, k := range keys {
		if val, ok := f.get(k); ok {
			return valueToAny(val), true
		}
	}
	return nil, false
}

// tlMessages rebuilds Traceloop/OpenLLMetry gen_ai.prompt.{i}.* /
// gen_ai.completion.{i}.* messages (also LangSmith's .message.role/content).
func (c *msgConv) tlMessages(prefix, def string) []Message {
	groups := collectFlat(c.v, prefix)
	var out []Message
	if len(groups) > 0 {
		out = make([]Message, 0, len(groups)) // one message per group, usually
	}
	for _, g := range groups {
		if c.full {
			break
		}
		out = c.tlMessage(out, g.fields, def)
	}
	return out
}

func (c *msgConv) tlMessage(out []Message, f flatFields, def string) []Message {
	role := normRole(flatStr(f, "role", "message.role"))
	if role == "" {
		role = def
	}
	b := &msgBuilder{role: role}
	b.name = truncateRunes(flatStr(f, "name", "message.name"), 256)
	if b.name == "" {
		b.name = unknownRoleName(flatStr(f, "role", "message.role"))
	}
	b.toolCallID = truncateRunes(flatStr(f, "tool_call_id", "message.tool_call_id"), 256)
	if content, ok := flatAny(f, "content", "message.content", "user"); ok {
		c.addContent(b, content, 1)
	}
	if b.n == 0 {
		if r := flatStr(f, "refusal"); r != "" {
			b.addText(c.v.capContent(r))
		}
	}
	if fr := flatStr(f, "finish_reason"); fr != "" {
		c.addFinish(fr)
	}
	for _, tg := range subFlat(c.v, f, "tool_calls.") {
		tc := ToolCall{
			ID:   truncateRunes(flatStr(tg.fields, "id"), 256),
			Name: truncateRunes(flatStr(tg.fields, "name", "function.name"), 256),
		}
		if a, ok := flatAny(tg.fields, "arguments", "function.arguments"); ok {
			tc.Arguments = c.argsText(a)
		}
		b.toolCalls = append(b.toolCalls, tc)
	}
	if name := flatStr(f, "function_call.name"); name != "" {
		tc := ToolCall{Name: truncateRunes(name, 256)}
		if a, ok := flatAny(f, "function_call.arguments"); ok {
			tc.Arguments = c.argsText(a)
		}
		b.toolCalls = append(b.toolCalls, tc)
	}
	return c.finishMsg(out, b)
}

// oiMessages rebuilds OpenInference llm.input_messages.{i}.message.* /
// llm.output_messages.{i}.message.* messages.
func (c *msgConv) oiMessages(prefix, def string) []Message {
	groups := collectFlat(c.v, prefix)
	var out []Message
	if len(groups) > 0 {
		out = make([]Message, 0, len(groups)) // one message per group, usually
	}
	for _, g := range groups {
		if c.full {
			break
		}
		out = c.oiMessage(out, g.fields, def)
	}
	return out
}

func (c *msgConv) oiMessage(out []Message, f flatFields, def string) []Message {
	role := normRole(flatStr(f, "message.role"))
	if role == "" {
		role = def
	}
	b := &msgBuilder{role: role}
	b.name = truncateRunes(flatStr(f, "message.name"), 256)
	if b.name == "" {
		b.name = unknownRoleName(flatStr(f, "message.role"))
	}
	b.toolCallID = truncateRunes(flatStr(f, "message.tool_call_id"), 256)
	if content, ok := flatAny(f, "message.content"); ok {
		c.addContent(b, content, 1)
	}
	for _, pg := range subFlat(c.v, f, "message.contents.") {
		pf := pg.fields
		typ := strings.ToLower(flatStr(pf, "message_content.type"))
		switch {
		case typ == "image" || (typ == "" && flatStr(pf, "message_content.image.image.url") != ""):
			c.addImage(b, map[string]any{"type": "image_url", "image_url": flatStr(pf, "message_content.image.image.url")})
		case typ == "reasoning" || typ == "thinking":
			c.addReasoning(c.v.capContent(flatStr(pf, "message_content.text", "message_content.reasoning")))
		default:
			if t, ok := flatAny(pf, "message_content.text"); ok {
				if s := c.textOf(t); s != "" {
					b.addText(s)
				}
			}
		}
	}
	for _, tg := range subFlat(c.v, f, "message.tool_calls.") {
		tc := ToolCall{
			ID:   truncateRunes(flatStr(tg.fields, "tool_call.id"), 256),
			Name: truncateRunes(flatStr(tg.fields, "tool_call.function.name"), 256),
		}
		if a, ok := flatAny(tg.fields, "tool_call.function.arguments"); ok {
			tc.Arguments = c.argsText(a)
		}
		b.toolCalls = append(b.toolCalls, tc)
	}
	if name := flatStr(f, "message.function_call_name"); name != "" {
		tc := ToolCall{Name: truncateRunes(name, 256)}
		if a, ok := flatAny(f, "message.function_call_arguments_json"); ok {
			tc.Arguments = c.argsText(a)
		}
		b.toolCalls = append(b.toolCalls, tc)
	}
	if fr := flatStr(f, "message.finish_reason"); fr != "" {
		c.addFinish(fr)
	}
	return c.finishMsg(out, b)
}

// flatTexts returns, in index order, the first present text sub-key of
// each group under prefix (embedding texts, completions-API prompts).
func flatTexts(v *spanView, prefix string, keys ...string) []string {
	var out []string
	for _, g := range collectFlat(v, prefix) {
		for _, k := range keys {
			if val, ok := g.fields.get(k); ok {
				var s string
				if val.Type() == pcommon.ValueTypeStr {
					s = val.Str()
				} else {
					s = marshalOrString(valueToAny(val))
				}
				out = append(out, v.capContent(s))
				break
			}
		}
	}
	return out
}

func marshalOrString(x any) string {
	if s, ok := x.(string); ok {
		return s
	}
	switch x.(type) {
	case map[string]any, []any:
		return marshalAny(x)
	}
	return asString(x)
}
