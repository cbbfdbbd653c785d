// Copyright The respanexporter Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import "strings"

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
// Anything outside that shape (another key, a duplicate key, a null where a
// value is expected, a string that may hold JSON, a syntax error) makes it
// give up before any side effect, and the general path converts the text.
// TestFastMessagesMatchGeneral and FuzzFastMessages check the equivalence.

// fastMsg is one message as read; its parts are fastParts[p0:p1].
type fastMsg struct {
	role, name, finish string
	hasFinish          bool
	text               string // content given as a string
	hasText            bool
	p0, p1             int
}

type fastPart struct {
	kind     byte   // 't' text, 'c' tool_call, 'r' tool_call_response
	text     string // text part content
	id, name string
	raw      string // raw JSON of arguments / response, "" when absent or null
}

// fastReader holds the reused buffers of the fast path (one per view).
type fastReader struct {
	msgs    []fastMsg
	parts   []fastPart
	scratch []byte
}

// useFastMessages lets the equivalence tests run the general path alone.
var useFastMessages = true

// fastMessages converts the JSON text t (already trimmed, starting with
// '[') when it has the fast shape; ok is false, with nothing done, when it
// has not. depth is the depth fromAny was called with.
func (c *msgConv) fastMessages(t, def string, depth int) (out []Message, ok bool) {
	r := &c.v.fast
	if !useFastMessages || !r.read(t, &c.v.arena) {
		return nil, false
	}
	if len(r.msgs) > 0 {
		out = make([]Message, 0, len(r.msgs))
	}
	for i := range r.msgs {
		if c.full {
			break
		}
		out = c.fastMessage(out, &r.msgs[i], r.parts, def, depth)
	}
	return out, true
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
	if m.hasText && m.text != "" {
		b.addText(c.v.capContent(m.text))
	}
	for i := m.p0; i < m.p1; i++ {
		p := &parts[i]
		switch p.kind {
		case 't':
			if s := c.v.capContent(p.text); s != "" {
				b.addText(s)
			}
		case 'c':
			tc := ToolCall{ID: truncateRunes(p.id, 256), Name: truncateRunes(p.name, 256)}
			if p.raw != "" {
				tc.Arguments = c.argsText(fastValue(p.raw))
			}
			b.toolCalls = append(b.toolCalls, tc)
		case 'r':
			var res any
			if p.raw != "" {
				res = fastValue(p.raw)
			}
			b.results = append(b.results, c.toolResultMsg(p.id, "", res, depth+4))
		}
	}
	if m.hasFinish {
		c.addFinish(m.finish)
	}
	return c.finishMsg(out, b)
}

// fastValue decodes a value the reader has validated: a JSON string is
// its text, anything else its tree.
func fastValue(raw string) any {
	v, _ := parseJSON(raw)
	return v
}

// read parses t into r.msgs and r.parts; false when t is not of the fast
// shape or not valid JSON (as parseJSON would judge it). Unescaped strings
// go to arena (nil: each its own allocation).
func (r *fastReader) read(t string, arena *byteArena) bool {
	r.msgs, r.parts = r.msgs[:0], r.parts[:0]
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.each('[', ']', func() bool { return r.message(&p) })
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// Keys a fast message or part may have, as bits, to reject duplicates
// (a map keeps the last of duplicate keys; the fast path does not try).
const (
	kRole = 1 << iota
	kParts
	kContent
	kName
	kFinish
	kType
	kText
	kID
	kArgs
	kResponse
)

func (r *fastReader) message(p *jsonParser) bool {
	m := fastMsg{p0: len(r.parts)}
	seen := 0
	ok := p.members(func(key string) bool {
		bit := 0
		switch key {
		case "role":
			bit = kRole
		case "parts":
			bit = kParts
		case "content":
			bit = kContent
		case "name":
			bit = kName
		case "finish_reason":
			bit = kFinish
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case kRole, kName, kFinish:
			s, ok := p.stringValue()
			switch bit {
			case kRole:
				m.role = s
			case kName:
				m.name = s
			default:
				m.finish, m.hasFinish = s, true
			}
			return ok
		}
		// parts or content: a string (not one that may hold JSON: the
		// general path would try to decode it) or a list of parts.
		if p.peek() == '"' {
			s, ok := p.stringValue()
			if !ok || bit == kParts {
				return false
			}
			if tt := strings.TrimSpace(s); tt != "" && (tt[0] == '{' || tt[0] == '[' || tt[0] == '"') {
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

func (r *fastReader) part(p *jsonParser) bool {
	var f fastPart
	seen := 0
	var typ, content, text string
	var hasContent, hasText bool
	ok := p.members(func(key string) bool {
		bit := 0
		switch key {
		case "type":
			bit = kType
		case "content":
			bit = kContent
		case "text":
			bit = kText
		case "id":
			bit = kID
		case "name":
			bit = kName
		case "arguments":
			bit = kArgs
		case "response":
			bit = kResponse
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		var ok bool
		switch bit {
		case kType:
			typ, ok = p.stringValue()
		case kContent:
			content, ok = p.stringValue()
			hasContent = true
		case kText:
			text, ok = p.stringValue()
			hasText = true
		case kID:
			f.id, ok = p.stringValue()
		case kName:
			f.name, ok = p.stringValue()
		default:
			f.raw, ok = p.rawValue()
		}
		return ok
	})
	if !ok {
		return false
	}
	switch strings.ToLower(typ) {
	case "text":
		// Only content or text; mAny(content, text) picks content.
		if seen&^(kType|kContent|kText) != 0 {
			return false
		}
		f.kind, f.text = 't', text
		if hasContent {
			f.text = content
		} else if !hasText {
			f.text = ""
		}
	case "tool_call":
		if seen&^(kType|kID|kName|kArgs) != 0 {
			return false
		}
		f.kind = 'c'
	case "tool_call_response":
		if seen&^(kType|kID|kResponse) != 0 {
			return false
		}
		f.kind = 'r'
	default:
		return false
	}
	r.parts = append(r.parts, f)
	return true
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

// rawValue skips one value and returns its text; "" for null.
func (p *jsonParser) rawValue() (string, bool) {
	start := p.i
	if _, ok := p.value(); !ok {
		return "", false
	}
	raw := p.s[start:p.i]
	if raw == "null" {
		return "", true
	}
	return raw, true
}
