// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// This file writes JSON by hand into a caller-owned buffer. encoding/json's
// reflection costs several times what the rest of the translation does, and
// writing ourselves lets us guarantee valid output for any input: invalid
// UTF-8 becomes U+FFFD, NaN and ±Inf become null.

const hexDigits = "0123456789abcdef"

// needsEscape marks the bytes a JSON string literal cannot hold as-is.
var needsEscape = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// appendString appends s as a JSON string literal in one pass: runs of
// eight plain ASCII bytes are checked at once (SWAR), other bytes one by
// one; invalid UTF-8 becomes U+FFFD, so the output is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendStringBody(dst, s, false)
	return append(dst, '"')
}

// appendStringBody appends the inside of s's JSON string literal. Nested,
// it appends what escaping that literal's text again gives (the inside of
// a JSON string holding JSON text that holds s): a string escaped once for
// two levels.
func appendStringBody(dst []byte, s string, nested bool) []byte {
	start, i := 0, 0
	for i < len(s) {
		i = skipPlain8(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if needsEscape[c] {
				dst = append(dst, s[start:i]...)
				if nested {
					var e [6]byte
					dst = appendEscapedAgain(dst, appendEscapedASCII(e[:0], c))
				} else {
					dst = appendEscapedASCII(dst, c)
				}
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			if nested {
				dst = append(dst, badByteNested...)
			} else {
				dst = append(dst, badByte...)
			}
			start = i + 1
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// badByte is what an invalid UTF-8 byte becomes inside a JSON string
// literal (U+FFFD), badByteNested the same one level deeper.
const (
	badByte       = `\ufffd`
	badByteNested = `\\ufffd`
)

// appendEscapedAgain appends esc, an escape sequence of a JSON string,
// escaped once more (for a literal inside a literal).
func appendEscapedAgain(dst, esc []byte) []byte {
	for _, b := range esc {
		if b == '\\' || b == '"' {
			dst = append(dst, '\\')
		}
		dst = append(dst, b)
	}
	return dst
}

// appendStringBodyPair is appendStringBody of s into dst and, nested, into
// *side, in one pass over s.
func appendStringBodyPair(dst []byte, side *[]byte, s string) []byte {
	sd := *side
	start, i := 0, 0
	for i < len(s) {
		i = skipPlain8(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if needsEscape[c] {
				dst = append(dst, s[start:i]...)
				sd = append(sd, s[start:i]...)
				n := len(dst)
				dst = appendEscapedASCII(dst, c)
				sd = appendEscapedAgain(sd, dst[n:])
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			sd = append(sd, s[start:i]...)
			dst = append(dst, badByte...)
			sd = append(sd, badByteNested...)
			start = i + 1
		}
		i += size
	}
	*side = append(sd, s[start:]...)
	return append(dst, s[start:]...)
}

// skipPlain8 returns the index of the first byte at or after i that is not
// copied to JSON as it is (see special8), or the start of the last partial
// word: it steps eight bytes at a time and lands on the special byte of a
// word directly, instead of byte by byte.
func skipPlain8(s string, i int) int {
	for i+8 <= len(s) {
		if m := special8(s, i); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	return i
}

// stringBodyLen is len(appendStringBody(nil, s, false)), computed without
// writing.
func stringBodyLen(s string) int {
	n, i := 0, 0
	for i < len(s) {
		j := skipPlain8(s, i)
		n += j - i
		i = j
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case !needsEscape[c]:
				n++
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			default:
				n += 6
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// load8 reads the eight bytes of s at i as a little-endian word (one load
// where the machine allows unaligned loads).
func load8(s string, i int) uint64 {
	// The callers guarantee i+8 <= len(s); addressing from the string's
	// data instead of slicing s[i:] saves the slice's bounds check.
	return binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)), 8))
}

// special8 marks, in the high bit of each byte, the bytes of the word at i
// of s that are not plain ASCII (non-ASCII, a control character, '"' or
// '\\'). A borrow can also mark a byte above a marked one, never one below
// it, so the lowest marked byte is always a real one.
func special8(s string, i int) uint64 {
	w := load8(s, i)
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	quote := w ^ (lo * '"')
	backslash := w ^ (lo * '\\')
	return ((w - lo*0x20) | (quote - lo) | (backslash - lo) | w) & hi
}

func appendEscapedASCII(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

func isBadFloat(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// appendFloat appends f as a JSON number, or null when f is NaN or ±Inf.
func appendFloat(dst []byte, f float64) []byte {
	if isBadFloat(f) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// appendTime appends unix nanoseconds as an RFC 3339 UTC string with
// microseconds, the precision Respan's backend parses safely.
//
// It writes the digits itself: two timestamps per span made time.Format a
// tenth of the encoding. Times past int64 nanoseconds (the translator
// never produces them) fall back to time.Format.
func appendTime(dst []byte, unixNano uint64) []byte {
	if unixNano > math.MaxInt64 {
		t := time.Unix(0, int64(unixNano)).UTC()
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
		return append(dst, '"')
	}
	secs := unixNano / 1e9
	micros := (unixNano % 1e9) / 1e3
	year, month, day := civilDate(int64(secs / 86400))
	sod := secs % 86400
	var b [28]byte // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
	put4(b[0:], uint64(year))
	b[4] = '-'
	put2(b[5:], uint64(month))
	b[7] = '-'
	put2(b[8:], uint64(day))
	b[10] = 'T'
	put2(b[11:], sod/3600)
	b[13] = ':'
	put2(b[14:], sod/60%60)
	b[16] = ':'
	put2(b[17:], sod%60)
	b[19] = '.'
	put2(b[20:], micros/10000)
	put2(b[22:], micros/100%100)
	put2(b[24:], micros%100)
	b[26] = 'Z'
	b[27] = '"'
	dst = append(dst, '"')
	return append(dst, b[:]...)
}

// civilDate converts days since 1970-01-01 to a proleptic Gregorian date
// (the days-from-civil inverse of H. Hinnant's date algorithms: eras of
// 400 years counted from 0000-03-01, so leap days fall at a year's end).
func civilDate(days int64) (year, month, day int64) {
	z := days + 719468
	era := z / 146097 // days ≥ 0 here, so no floor correction
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

func put2(b []byte, n uint64) { b[0], b[1] = byte('0'+n/10), byte('0'+n%10) }

func put4(b []byte, n uint64) {
	put2(b[0:], n/100)
	put2(b[2:], n%100)
}

// appendStrings appends a JSON array of strings (without boxing the slice
// into an any, which costs an allocation).
func appendStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, e := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e)
	}
	return append(dst, ']')
}

// appendAny appends a decoded JSON-like tree. Map keys are sorted so output
// is deterministic. Unknown types are written as their JSON encoding via
// encoding/json as a last resort, or null when even that fails.
func appendAny(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, x)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case float64:
		return appendFloat(dst, x)
	case json.Number:
		return appendNumber(dst, string(x))
	case jsonText:
		// A tree held as its text is sent as a string of it, wherever it is.
		return appendString(dst, string(x))
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendAny(dst, e)
		}
		return append(dst, ']')
	case []string:
		return appendStrings(dst, x)
	case map[string]any:
		return appendMap(dst, x)
	default:
		b, err := json.Marshal(x)
		if err != nil || !json.Valid(b) {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
}

// appendMap writes m with sorted keys.
func appendMap(dst []byte, m map[string]any) []byte {
	var buf [32]string
	keys := appendSortedKeys(buf[:0], m)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendAny(dst, m[k])
	}
	return append(dst, '}')
}

// appendNumber writes a json.Number, falling back to a string literal when
// it is not a valid JSON number (json.Number can be built from any string).
func appendNumber(dst []byte, n string) []byte {
	if validNumber(n) {
		// Numbers beyond float64 (1e400) are valid JSON but decode to ±Inf
		// in Python or fail in Go: send them as strings.
		if _, err := strconv.ParseFloat(n, 64); err == nil {
			return append(dst, n...)
		}
	}
	return appendString(dst, n)
}

func validNumber(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[i] == '-' {
		i++
		if i == len(s) {
			return false
		}
	}
	switch {
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// scratchPool holds encoding buffers: JSON text that becomes a Go string
// is built in a reused buffer and copied once at its final size, instead
// of growing a fresh slice for every field.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// withScratch runs fill on a pooled buffer and returns the result as a new
// string.
func withScratch(fill func([]byte) []byte) string {
	bp := scratchPool.Get().(*[]byte)
	b := fill((*bp)[:0])
	s := string(b)
	if cap(b) <= 1<<20 { // do not keep megabyte buffers alive
		*bp = b
		scratchPool.Put(bp)
	}
	return s
}

// marshalAny returns the JSON text of v (see appendAny).
func marshalAny(v any) string {
	return withScratch(func(b []byte) []byte { return appendAny(b, v) })
}

// quoteString returns s as a JSON string literal.
func quoteString(s string) string {
	return withScratch(func(b []byte) []byte { return appendString(b, s) })
}

// appendAnyAsString appends the JSON text of v as a JSON string literal,
// without materialising the text as a Go string.
func appendAnyAsString(dst []byte, v any) []byte {
	return appendQuotedScratch(dst, func(b []byte) []byte { return appendAny(b, v) })
}

// appendQuotedScratch builds JSON text with fill in a pooled buffer and
// appends it to dst as a JSON string literal (no intermediate string).
func appendQuotedScratch(dst []byte, fill func([]byte) []byte) []byte {
	bp := scratchPool.Get().(*[]byte)
	b := fill((*bp)[:0])
	dst = appendString(dst, unsafe.String(unsafe.SliceData(b), len(b)))
	if cap(b) <= 1<<20 { // do not keep megabyte buffers alive
		*bp = b
		scratchPool.Put(bp)
	}
	return dst
}

// appendSortedKeys appends the keys of m to dst (a stack buffer for small maps)
// in sorted order.
func appendSortedKeys(dst []string, m map[string]any) []string {
	for k := range m {
		dst = append(dst, k)
	}
	sort.Strings(dst)
	return dst
}
