// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// The fast path for message content given as a string that holds JSON: a
// list of content parts or of Bedrock Converse blocks, as Strands and the
// legacy span events send it ("[{\"text\":\"hi\"}]", "[{\"toolUse\":…}]").
// The general path decodes such a string into a tree (decodeContentString)
// only to walk it once (addContent → addPart → addMapPart → addBlock).
// fastContent reads it with the pull parser and hands each part to the
// builder calls addMapPart would have made; any element it does not know
// makes it give up before any side effect, and the general path decodes
// the text. TestFastContentMatchGeneral and FuzzFastContent check the
// equivalence.

// fastContent adds the parts of t (a content string, trimmed, starting
// with '[') to b when every element is a part or block of the fast shape;
// depth is the depth addMapPart would see each part at. False, with
// nothing done, otherwise.
func (c *msgConv) fastContent(b *msgBuilder, t string, depth int) bool {
	r := &c.v.fastContent
	// busy guards r.parts while they are applied: no part's conversion
	// reaches a content string today, but one that did would take the
	// general way instead of overwriting the parts being read.
	// (blockListText, called while busy, uses r.blocks and r.join only.)
	if !useFastMessages || r.busy || depth > maxMsgDepth || !r.readContent(t, &c.v.arena) {
		return false
	}
	r.busy = true
	c.applyFastParts(b, r.parts, depth)
	r.busy = false
	return true
}

// readContent reads t as a non-empty list of content parts and blocks into
// r.parts; false when an element is of another shape or t is not valid
// JSON.
func (r *fastReader) readContent(t string, arena *byteArena) bool {
	r.parts = r.parts[:0]
	p := jsonParser{s: t, arena: arena, scratch: &r.scratch}
	p.skipSpace()
	ok := p.each('[', ']', func() bool { return r.contentPart(&p) })
	p.skipSpace()
	return ok && p.i == len(p.s) && len(r.parts) > 0
}

// contentPart reads one element of a content list: a Converse block (one
// of text, toolUse, toolResult, json, alone), else a typed part of a type
// isPartMap counts as a part.
func (r *fastReader) contentPart(p *jsonParser) bool {
	i, depth := p.i, p.depth
	if r.block(p) {
		return true
	}
	p.i, p.depth = i, depth
	r.rare = false
	return r.part(p) && !r.rare
}

// block reads a Converse content block holding exactly one known key (a
// block with a second key is a different branch of addBlock: the general
// path's business).
func (r *fastReader) block(p *jsonParser) bool {
	var fp fastPart
	n := 0
	ok := p.members(func(key string) bool {
		if n++; n > 1 {
			return false
		}
		switch key {
		case "text": // addBlock: textOf(text), a string here
			fp.kind = 't'
			s, ok := p.stringValue()
			fp.text = s
			return ok
		case "toolUse": // converseToolBlock: toolCallFromMap(toolUse)
			var f partFields
			fp.kind = 'c'
			return readFields(p, &f) && !f.has(fFunction) && r.call(&f, &fp, p.arena)
		case "toolResult": // converseToolBlock: toolResultMsg(toolUseId|id, "", content)
			fp.kind = 'r'
			return r.converseResult(p, &fp)
		case "json": // converseMediaBlock: textOf(json), an object or list here
			if ch := p.peek(); ch != '{' && ch != '[' {
				return false
			}
			fp.kind = 'j'
			raw, ok := p.rawJSON()
			fp.raw = raw
			return ok
		}
		return false
	})
	if !ok || n != 1 {
		return false
	}
	r.parts = append(r.parts, fp)
	return true
}

// converseResult reads a toolResult object: its id (mStr of toolUseId,
// then id: strings only here) and content; other members are skipped, as
// the general path ignores them (status).
func (r *fastReader) converseResult(p *jsonParser, fp *fastPart) bool {
	var useID, id string
	seen := 0
	const sUse, sID, sContent = 1, 2, 4
	ok := p.members(func(key string) bool {
		bit := 0
		switch key {
		case "toolUseId":
			bit = sUse
		case "id":
			bit = sID
		case "content":
			bit = sContent
		default:
			_, ok := p.rawJSON()
			return ok
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case sUse:
			s, ok := p.stringValue()
			useID = s
			return ok
		case sID:
			s, ok := p.stringValue()
			id = s
			return ok
		}
		if p.peek() == '"' {
			s, ok := p.stringValue()
			fp.text, fp.hasText = s, true
			return ok
		}
		raw, ok := p.rawJSON()
		fp.raw = value(raw)
		return ok
	})
	fp.id = useID
	if fp.id == "" {
		fp.id = id
	}
	return ok
}

// fastJSONText is textOf(tree of raw) for a json block's object or list:
// its canonical text, without the tree.
func (c *msgConv) fastJSONText(raw string) string {
	b, ok := c.v.metaText.canonicalJSON(raw)
	if !ok { // the reader validated raw: not expected
		return c.textOf(c.fastValue(raw))
	}
	return c.v.capContent(c.v.arena.copyString(b))
}

// blockListText is resultText for a list of text/json blocks (Bedrock and
// Strands tool results: [{"text": …}, {"json": {…}}]), joined as
// resultText joins them, without the list's tree; ok is false for any
// other list (resultText marshals it) or an element it does not read (a
// duplicate key, a text that is no string).
func (c *msgConv) blockListText(raw string) (string, bool) {
	r := &c.v.fastContent
	r.blocks = r.blocks[:0]
	p := jsonParser{s: raw, arena: &c.v.arena, scratch: &r.scratch}
	ok := p.each('[', ']', func() bool {
		var bl textBlock
		ok := p.members(func(key string) bool {
			switch key {
			case "text":
				if bl.hasText {
					return false
				}
				bl.hasText = true
				s, ok := p.stringValue()
				bl.text = s
				return ok
			case "json":
				if bl.json != "" {
					return false
				}
				raw, ok := p.rawJSON()
				bl.json = raw
				return ok
			}
			_, ok := p.rawJSON()
			return ok
		})
		if !ok || !bl.hasText && bl.json == "" {
			return false
		}
		r.blocks = append(r.blocks, bl)
		return true
	})
	if !ok || len(r.blocks) == 0 {
		return "", false
	}
	buf := r.join[:0]
	lim := c.v.opts.MaxContentBytes
	for i := range r.blocks {
		bl := &r.blocks[i]
		if i > 0 {
			buf = append(buf, '\n')
		}
		if bl.hasText {
			buf = append(buf, bl.text...)
		} else {
			j, ok := c.v.metaText.canonicalJSON(bl.json)
			if !ok {
				return "", false
			}
			buf = append(buf, j...)
		}
		if lim > 0 && len(buf) > lim {
			break
		}
	}
	r.join = buf
	return c.v.capContent(c.v.arena.copyString(buf)), true
}

// textBlock is one element of a block list: a text (a string) or the raw
// JSON of a json member.
type textBlock struct {
	text, json string
	hasText    bool
}
