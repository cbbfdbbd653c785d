// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Metadata trees are sent as JSON strings holding their JSON text (see
// jsonText), so the metadata path writes that text at once instead of
// building a map[string]any or []any tree only to marshal it at encode
// time. The text written is byte for byte what marshalAny writes for the
// tree the old path built: keys sorted at every level, duplicate keys
// resolved as a Go map resolves them (the last one wins), numbers as
// appendNumber writes them, strings as appendString writes them, and the
// same depth limit. TestMetaJSONMatchesTree and FuzzMetaJSONMatchesTree
// hold the two to each other.

// metaTextWriter is the reused scratch of metadata JSON text (one per view).
type metaTextWriter struct {
	out []byte // the text being written
	tmp []byte // where an object's members are put in key order
	// keys holds the unescaped bytes of object keys that had escapes (keys
	// without are substrings of the input).
	keys []byte
	str  []byte // an unescaped string value
	// mems are the members of the objects being read, innermost last;
	// pairs the same for attribute maps.
	mems  []textMember
	pairs []valuePair
	// usage holds the members of a usage object being written.
	usage []usageMember
}

// release readies the writer for the next batch (see releaseMeta).
func (c *metaTextWriter) release() {
	c.out, c.tmp, c.keys, c.str = reuseBytes(c.out), reuseBytes(c.tmp), reuseBytes(c.keys), reuseBytes(c.str)
	c.mems, c.pairs, c.usage = reuseBuf(c.mems), reuseBuf(c.pairs), reuseBuf(c.usage)
}

// textMember is one member of an object being transcoded: its key and
// where its value's canonical text is in out.
type textMember struct {
	key        string // set when the key had no escapes, and before sorting
	kOff, kEnd int    // else its unescaped bytes in keys
	escaped    bool
	vOff, vEnd int
}

type valuePair struct {
	key string
	val pcommon.Value
}

// canonicalJSON returns the text marshalAny(decodeJSON(s)) writes, in the
// scratch (valid until the next call); ok is false exactly when decodeJSON
// fails.
func (c *metaTextWriter) canonicalJSON(s string) ([]byte, bool) {
	c.out = c.out[:0]
	p := jsonParser{s: s}
	p.skipSpace()
	if !c.value(&p) {
		return nil, false
	}
	p.skipSpace()
	return c.out, p.i == len(p.s)
}

// value transcodes the value at p.i, validating it as jsonParser.value
// does (p.build stays false: nothing is built).
func (c *metaTextWriter) value(p *jsonParser) bool {
	switch ch := p.peek(); {
	case ch == '{':
		return c.object(p)
	case ch == '[':
		return c.array(p)
	case ch == '"':
		return c.stringValue(p)
	case ch == 't':
		c.out = append(c.out, "true"...)
		return p.literal("true")
	case ch == 'f':
		c.out = append(c.out, "false"...)
		return p.literal("false")
	case ch == 'n':
		c.out = append(c.out, "null"...)
		return p.literal("null")
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := p.i
		if _, ok := p.number(); !ok {
			return false
		}
		c.out = appendNumber(c.out, p.s[start:p.i])
		return true
	}
	return false
}

func (c *metaTextWriter) array(p *jsonParser) bool {
	c.out = append(c.out, '[')
	first := true
	ok := p.each('[', ']', func() bool {
		if !first {
			c.out = append(c.out, ',')
		}
		first = false
		return c.value(p)
	})
	c.out = append(c.out, ']')
	return ok
}

// object transcodes the members in the order they come, then rewrites them
// in key order.
func (c *metaTextWriter) object(p *jsonParser) bool {
	start, base, keysBase := len(c.out), len(c.mems), len(c.keys)
	ok := p.each('{', '}', func() bool {
		if p.peek() != '"' {
			return false
		}
		var m textMember
		if !c.key(p, &m) {
			return false
		}
		p.skipSpace()
		if p.peek() != ':' {
			return false
		}
		p.i++
		p.skipSpace()
		m.vOff = len(c.out)
		if !c.value(p) {
			return false
		}
		m.vEnd = len(c.out)
		c.mems = append(c.mems, m)
		return true
	})
	if ok {
		c.sortMembers(start, c.mems[base:])
	}
	c.mems, c.keys = c.mems[:base], c.keys[:keysBase]
	return ok
}

// key reads an object key into m.
func (c *metaTextWriter) key(p *jsonParser, m *textMember) bool {
	start := p.i
	s, ok := p.str()
	if !ok {
		return false
	}
	if body := p.s[start+1 : p.i-1]; len(s) != len(body) {
		// str validated but did not unescape (p.build is false).
		m.kOff = len(c.keys)
		c.keys = appendUnescaped(c.keys, p.s, start)
		m.kEnd, m.escaped = len(c.keys), true
		return true
	}
	m.key = s
	return true
}

func (c *metaTextWriter) stringValue(p *jsonParser) bool {
	start := p.i
	s, ok := p.str()
	if !ok {
		return false
	}
	if body := p.s[start+1 : p.i-1]; len(s) != len(body) {
		c.str = appendUnescaped(c.str[:0], p.s, start)
		s = str(c.str)
	}
	c.out = appendString(c.out, s)
	return true
}

// sortMembers rewrites the object written from start in key order, each
// key once with the value of its last occurrence.
func (c *metaTextWriter) sortMembers(start int, mems []textMember) {
	for i := range mems {
		if mems[i].escaped {
			// keys is not appended to while this object is sorted.
			mems[i].key = str(c.keys[mems[i].kOff:mems[i].kEnd])
		}
	}
	slices.SortStableFunc(mems, func(a, b textMember) int { return strings.Compare(a.key, b.key) })
	t := append(c.tmp[:0], '{')
	for i := range mems {
		if i+1 < len(mems) && mems[i+1].key == mems[i].key {
			continue // a later duplicate wins
		}
		if len(t) > 1 {
			t = append(t, ',')
		}
		t = appendString(t, mems[i].key)
		t = append(t, ':')
		t = append(t, c.out[mems[i].vOff:mems[i].vEnd]...)
	}
	t = append(t, '}')
	c.out = append(c.out[:start], t...)
	c.tmp = t
}

// appendUnescaped appends the unescaped text of the string literal at
// start of s, which jsonParser.str has validated: the parser's own
// unescaping, so both give the same text.
func appendUnescaped(dst []byte, s string, start int) []byte {
	q := jsonParser{s: s, i: start + 1, build: true}
	dst, _ = q.unescapeRest(dst)
	return dst
}

// valueJSON writes the text marshalAny(valueToAny(v)) writes.
func (c *metaTextWriter) valueJSON(v pcommon.Value) []byte { return c.appendValueAt(v, 0) }

// appendValueAt is valueJSON for a value at depth depth of the tree it
// belongs to (valueToAny cuts trees at maxDepth).
func (c *metaTextWriter) appendValueAt(v pcommon.Value, depth int) []byte {
	c.out = c.appendValue(c.out[:0], v, depth)
	return c.out
}

func (c *metaTextWriter) appendValue(dst []byte, v pcommon.Value, depth int) []byte {
	if depth > maxDepth {
		return append(dst, "null"...)
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendFloat(dst, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeBytes:
		// Base64 needs no escaping.
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = c.appendValue(dst, s.At(i), depth+1)
		}
		return append(dst, ']')
	case pcommon.ValueTypeMap:
		return c.appendMap(dst, v.Map(), depth)
	}
	return append(dst, "null"...)
}

// appendMap writes m with sorted keys; of duplicate keys (a map decoded
// from the wire may have them) the last wins, as in valueToAny's map.
func (c *metaTextWriter) appendMap(dst []byte, m pcommon.Map, depth int) []byte {
	base := len(c.pairs)
	m.Range(func(k string, e pcommon.Value) bool {
		c.pairs = append(c.pairs, valuePair{k, e})
		return true
	})
	slices.SortStableFunc(c.pairs[base:], func(a, b valuePair) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	first := true
	// Nested maps append to pairs (and may move it): index, do not range.
	for i := base; i < len(c.pairs); i++ {
		if i+1 < len(c.pairs) && c.pairs[i+1].key == c.pairs[i].key {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, c.pairs[i].key)
		dst = append(dst, ':')
		dst = c.appendValue(dst, c.pairs[i].val, depth+1)
	}
	c.pairs = c.pairs[:base]
	return append(dst, '}')
}
