// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// OpenInference retrieval documents (§4 output of other spans) written as
// JSON text straight from the attributes: the bytes marshalAny writes for
// retrievalDocuments' array of maps, without a map per document or a tree
// for a string metadata value.

// docField is one retrieval.documents.N.document.* attribute.
type docField struct {
	idx   int
	field string
	val   pcommon.Value
}

// docFieldOf splits the rest of a retrieval.documents. key into the
// document index and the field name, as retrievalDocuments does.
func docFieldOf(rest string) (idx int, field string, ok bool) {
	dot := strings.IndexByte(rest, '.')
	if dot <= 0 {
		return 0, "", false
	}
	idx, err := strconv.Atoi(rest[:dot])
	if err != nil || idx < 0 || idx > maxFlatIndex {
		return 0, "", false
	}
	return idx, strings.TrimPrefix(rest[dot+1:], "document."), true
}

// retrievalDocumentsText returns the JSON text of the span's retrieval
// documents in index order, each with its fields in key order; "" when
// there are none. Two attributes for the same field of one document
// ("01." and "1.", "0.id" and "0.document.id") are left to the map-based
// retrievalDocuments, which keeps the last.
func retrievalDocumentsText(v *spanView) string {
	var buf [24]docField
	fields := buf[:0]
	v.forPrefix("retrieval.documents.", func(rest string, val pcommon.Value) {
		if idx, field, ok := docFieldOf(rest); ok {
			fields = append(fields, docField{idx, field, val})
		}
	})
	if len(fields) == 0 {
		return ""
	}
	slices.SortStableFunc(fields, func(a, b docField) int {
		return cmp.Or(cmp.Compare(a.idx, b.idx), strings.Compare(a.field, b.field))
	})
	for i := 1; i < len(fields); i++ {
		if fields[i].idx == fields[i-1].idx && fields[i].field == fields[i-1].field {
			return marshalAny(retrievalDocuments(v))
		}
	}
	bp := scratchPool.Get().(*[]byte)
	b := v.appendDocuments((*bp)[:0], fields)
	text := string(b)
	if cap(b) <= 1<<20 { // do not keep megabyte buffers alive
		*bp = b
		scratchPool.Put(bp)
	}
	return text
}

// appendDocuments writes fields, sorted by document and field, as an
// array of one object per document.
func (v *spanView) appendDocuments(dst []byte, fields []docField) []byte {
	dst = append(dst, '[')
	for i := 0; i < len(fields); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		j := i
		for ; j < len(fields) && fields[j].idx == fields[i].idx; j++ {
			if j > i {
				dst = append(dst, ',')
			}
			dst = appendString(dst, fields[j].field)
			dst = append(dst, ':')
			dst = v.appendDocValue(dst, fields[j].field, fields[j].val)
		}
		dst = append(dst, '}')
		i = j
	}
	return append(dst, ']')
}

// appendDocValue writes one field's value as retrievalDocuments stores it:
// metadata (and structured content) as structured gives it, string content
// capped, anything else as the attribute is.
func (v *spanView) appendDocValue(dst []byte, field string, val pcommon.Value) []byte {
	isStr := val.Type() == pcommon.ValueTypeStr
	switch {
	case field == "metadata" && isStr:
		return v.appendDecodedJSON(dst, val.Str())
	case field == "content" && isStr:
		return appendString(dst, v.capContent(val.Str()))
	}
	switch val.Type() {
	case pcommon.ValueTypeStr:
		return appendString(dst, val.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, val.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendFloat(dst, val.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, val.Bool())
	}
	// Bytes, slices, maps, empty: rare enough for the tree.
	return appendAny(dst, valueToAny(val))
}

// appendDecodedJSON writes appendAny of decodeMaybeJSON(s) without the
// tree: a JSON object or array (or one double-encoded in a string literal)
// re-encoded as its parsed tree would be, anything else as a string.
func (v *spanView) appendDecodedJSON(dst []byte, s string) []byte {
	c := firstNonSpace(s)
	if c != '{' && c != '[' && c != '"' || !validJSON(s) {
		return appendString(dst, s)
	}
	p := jsonParser{s: s, arena: &v.arena, scratch: &v.fast.scratch}
	p.skipSpace()
	if c != '"' {
		return p.appendTreeJSON(dst)
	}
	inner, _ := p.stringValue()
	if c2 := firstNonSpace(inner); (c2 == '{' || c2 == '[') && validJSON(inner) {
		q := jsonParser{s: inner, arena: &v.arena, scratch: &v.fast.scratch}
		q.skipSpace()
		return q.appendTreeJSON(dst)
	}
	return appendString(dst, inner)
}

// rawMember is one member of an object being re-encoded.
type rawMember struct {
	key, raw string
}

// appendTreeJSON writes the valid JSON value at p.i as appendAny writes
// the tree parseJSON builds of it, and moves past it: keys sorted, the
// last of duplicate keys kept, strings re-escaped by appendString, numbers
// by appendNumber, no whitespace.
func (p *jsonParser) appendTreeJSON(dst []byte) []byte {
	switch p.peek() {
	case '{':
		return p.appendTreeObject(dst)
	case '[':
		dst = append(dst, '[')
		n := 0
		p.each('[', ']', func() bool {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = p.appendTreeJSON(dst)
			return true
		})
		return append(dst, ']')
	case '"':
		s, _ := p.stringValue()
		return appendString(dst, s)
	case 't', 'f', 'n':
		start := p.i
		p.value()
		return append(dst, p.s[start:p.i]...)
	}
	start := p.i
	p.number()
	return appendNumber(dst, p.s[start:p.i])
}

// appendTreeObject is appendTreeJSON for an object: its members are read
// raw, sorted by key, and each value written in turn.
func (p *jsonParser) appendTreeObject(dst []byte) []byte {
	var buf [16]rawMember
	members := buf[:0]
	p.members(func(key string) bool {
		raw, ok := p.rawJSON()
		members = append(members, rawMember{key, raw})
		return ok
	})
	slices.SortStableFunc(members, func(a, b rawMember) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	n := 0
	for i := range members {
		if i+1 < len(members) && members[i+1].key == members[i].key {
			continue // a map keeps the last of equal keys
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendString(dst, members[i].key)
		dst = append(dst, ':')
		// The member's value is read by p itself, pointed at the raw text
		// (a parser of its own would be moved to the heap).
		text, at := p.s, p.i
		p.s, p.i = members[i].raw, 0
		dst = p.appendTreeJSON(dst)
		p.s, p.i = text, at
	}
	return append(dst, '}')
}
