// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// JSON content that passes through to input/output (§4: a string attribute
// holding a JSON object, array or string literal is sent as it is). The
// attribute's string is immutable for the batch, so the text sent is that
// string itself wherever it can be: after the one validation pass of
// contentText nothing is parsed into a tree and nothing is copied, except
// where the bytes sent differ from the attribute's (pretty-printed JSON is
// compacted, a double-encoded container is unwrapped).

// passthroughJSON returns the JSON text sent for s, a valid JSON object,
// array or string literal: s itself, without insignificant whitespace when
// it is pretty-printed, or the inner text of a string literal that holds a
// valid JSON object or array (double encoding, as some emitters do).
func (v *spanView) passthroughJSON(s string) string {
	if firstNonSpace(s) == '"' {
		if inner, ok := v.doubleEncoded(s); ok {
			return compactIfCheap(inner)
		}
	}
	return compactIfCheap(s)
}

// doubleEncoded returns the text of the JSON string literal s (valid JSON)
// when that text is itself a valid JSON object or array. Whether it may be
// is read from the literal's first characters, so that the usual literal
// holding plain text is not decoded at all; a decoded text lives in the
// view's arena.
func (v *spanView) doubleEncoded(s string) (string, bool) {
	p := jsonParser{s: s}
	p.skipSpace()
	if !literalOpensContainer(s[p.i:]) {
		return "", false
	}
	p.build, p.arena, p.scratch = true, &v.arena, &v.fast.scratch
	inner, ok := p.str()
	p.build = false
	if !ok || !validJSON(inner) {
		return "", false
	}
	return inner, true
}

// literalOpensContainer reports whether the text of the JSON string
// literal lit (valid, starting with its quote) starts like a JSON object or
// array after JSON whitespace: looksLikeJSONContainer of its decoded text,
// read from the escapes without decoding.
func literalOpensContainer(lit string) bool {
	p := jsonParser{s: lit, i: 1}
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' {
			p.i++
			continue
		}
		if c != '\\' {
			return c == '{' || c == '['
		}
		if p.i+1 >= len(p.s) {
			return false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case 't', 'n', 'r':
			continue
		case 'u':
			r, ok := p.hex4()
			switch {
			case !ok:
				return false
			case r == ' ' || r == '\t' || r == '\n' || r == '\r':
				continue
			}
			return r == '{' || r == '['
		}
		return false
	}
	return false
}

// appendCompactJSON appends s, valid JSON, without its insignificant
// whitespace: what encoding/json.Compact writes for valid input (string
// literals copied byte for byte, escapes and invalid UTF-8 included).
func appendCompactJSON(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			dst = append(dst, s[start:i]...)
			start = i + 1
		case '"':
			p := jsonParser{s: s, i: i}
			p.str()
			i = p.i - 1
		}
	}
	return append(dst, s[start:]...)
}

// quoted is quoteString with the literal cut from the view's arena: the
// short plain texts of tool and workflow spans cost no allocation each.
func (v *spanView) quoted(s string) string {
	b := appendString(v.fast.scratch[:0], s)
	out := v.arena.copyString(b)
	if cap(b) <= 1<<20 { // do not keep megabyte buffers alive
		v.fast.scratch = b
	}
	return out
}
