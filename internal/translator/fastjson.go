// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON parser for the content attributes of gen-AI spans.
//
// encoding/json's decoding into interface values was the largest single
// cost of a translation (a third of the CPU in BenchmarkTranslateEncode1000):
// it copies every string and goes through reflection. This parser builds
// the same trees (map[string]any, []any, string, json.Number, bool, nil) but
// returns unescaped strings as substrings of the input, which is immutable,
// so message contents are never copied. The same code validates without
// building anything. Nesting is bounded by maxDepth.

type jsonParser struct {
	s     string
	i     int
	depth int
	build bool
	// arena, when set, receives unescaped strings (built in scratch), so
	// that they cost no allocation of their own.
	arena   *byteArena
	scratch *[]byte
}

// parseJSON decodes s; ok is false unless s is exactly one JSON value
// (surrounding whitespace allowed) nested at most maxDepth deep.
func parseJSON(s string) (any, bool) {
	p := jsonParser{s: s, build: true}
	p.skipSpace()
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.i == len(p.s)
}

// pickMembers decodes the members of the JSON object s whose keys are in
// keys into vals (same index; nil when absent), as parseJSON would decode
// them, and skips the rest without building anything: for mappings that
// read a few members of an object whose remainder they never look at. A
// key given twice keeps its last value, as in a decoded map. ok is false
// exactly when parseJSON(s) fails or gives no object (vals are then
// meaningless).
func pickMembers(s string, keys []string, vals []any) bool {
	p := jsonParser{s: s}
	p.skipSpace()
	ok := p.members(func(key string) bool {
		i := slices.Index(keys, key)
		if i < 0 {
			_, ok := p.rawJSON()
			return ok
		}
		p.build = true
		x, ok := p.value()
		p.build = false
		vals[i] = x
		return ok
	})
	p.skipSpace()
	return ok && p.i == len(p.s)
}

// memberRaw returns the text of the member key of the JSON object s (the
// last, when given twice, as in a decoded map), validating all of s;
// found is false when the object has no such member, ok false exactly
// when parseJSON(s) fails or gives no object.
func memberRaw(s, key string) (raw string, found, ok bool) {
	p := jsonParser{s: s}
	p.skipSpace()
	ok = p.members(func(k string) bool {
		text, ok := p.rawJSON()
		if ok && k == key {
			raw, found = text, true
		}
		return ok
	})
	p.skipSpace()
	return raw, found, ok && p.i == len(p.s)
}

// validJSON reports whether s is one JSON value, without allocating.
func validJSON(s string) bool {
	p := jsonParser{s: s}
	p.skipSpace()
	if _, ok := p.value(); !ok {
		return false
	}
	p.skipSpace()
	return p.i == len(p.s)
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		if !ok || !p.build {
			return nil, ok
		}
		return s, true
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

func (p *jsonParser) literal(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *jsonParser) object() (any, bool) {
	p.depth++
	if p.depth > maxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // {
	var m map[string]any
	if p.build {
		m = make(map[string]any, 4)
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, false
		}
		key, ok := p.str()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.skipSpace()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.build {
			m[key] = v
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array() (any, bool) {
	p.depth++
	if p.depth > maxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // [
	var a []any
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		if p.build {
			return []any{}, true
		}
		return nil, true
	}
	for {
		p.skipSpace()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.build {
			a = append(a, v)
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads a string literal at p.i. Strings without escapes are returned
// as substrings of the input.
func (p *jsonParser) str() (string, bool) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.s) {
		p.skipPlain()
		if p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, true
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// strEscaped finishes a string that contains escapes, from its start.
func (p *jsonParser) strEscaped(start int) (string, bool) {
	var b []byte
	if p.build {
		if p.arena != nil {
			b = (*p.scratch)[:0]
		} else {
			// The unescaped text is no longer than the literal: size the
			// buffer to it once (large contents would otherwise grow it
			// by doubling).
			b = make([]byte, 0, p.literalEnd()-start)
		}
		b = append(b, p.s[start:p.i]...)
	}
	b, ok := p.unescapeRest(b)
	if !ok || !p.build {
		return "", ok
	}
	if p.arena != nil {
		*p.scratch = b
		return p.arena.copyString(b), true
	}
	// b is this string's own buffer, never written again: no copy.
	return str(b), true
}

// unescapeRest reads the rest of a string literal from p.i (inside it)
// through its closing quote, appending the unescaped text to b when
// p.build; false when the literal is invalid.
func (p *jsonParser) unescapeRest(b []byte) ([]byte, bool) {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b, true
		case c < 0x20:
			return b, false
		case c != '\\':
			// A run of plain bytes up to the next quote, escape or
			// control character is copied at once.
			run := p.i
			p.i++
			p.skipPlain()
			if p.build {
				b = append(b, p.s[run:p.i]...)
			}
			continue
		}
		// Escape sequence.
		if p.i+1 >= len(p.s) {
			return b, false
		}
		e := p.s[p.i+1]
		p.i += 2
		var r rune
		switch e {
		case '"', '\\', '/':
			r = rune(e)
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			u, ok := p.hex4()
			if !ok {
				return b, false
			}
			r = u
			if utf16.IsSurrogate(r) {
				// A valid pair is \uD8xx\uDCxx; anything else is U+FFFD,
				// as encoding/json does.
				r = utf8.RuneError
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					save := p.i
					p.i += 2
					if lo, ok := p.hex4(); ok {
						if dec := utf16.DecodeRune(rune(u), lo); dec != utf8.RuneError {
							r = dec
						} else {
							p.i = save
						}
					} else {
						return b, false
					}
				}
			}
		default:
			return b, false
		}
		if p.build {
			b = utf8.AppendRune(b, r)
		}
	}
	return b, false
}

// skipPlain advances over bytes that stand for themselves in a JSON string
// (not '"', '\\' or a control character), eight at a time where it can.
func (p *jsonParser) skipPlain() {
	s, i := p.s, p.i
	for i+8 <= len(s) {
		w := load8(s, i)
		const lo, hi = 0x0101010101010101, 0x8080808080808080
		quote, backslash := w^(lo*'"'), w^(lo*'\\')
		// A borrow can mark a byte above a marked one, never one below
		// it: the lowest mark is the first byte to stop at.
		if m := ((w - lo*0x20) | (quote - lo) | (backslash - lo)) &^ w & hi; m != 0 {
			p.i = i + bits.TrailingZeros64(m)>>3
			return
		}
		i += 8
	}
	for i < len(s) {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			break
		}
		i++
	}
	p.i = i
}

// literalEnd returns the index of the quote closing the string literal
// being read (len(p.s) when there is none).
func (p *jsonParser) literalEnd() int {
	s := p.s
	for j := p.i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(s)
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		c := p.s[p.i+k]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

func (p *jsonParser) number() (any, bool) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() bool {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n > 0
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if !digits() {
		return nil, false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if !digits() {
			return nil, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if !digits() {
			return nil, false
		}
	}
	if !p.build {
		return nil, true
	}
	return json.Number(p.s[start:p.i]), true
}
