// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxDepth bounds recursion over nested attribute values and decoded JSON,
// so that adversarial nesting cannot exhaust the stack.
const maxDepth = 64

// valueToAny converts a pcommon.Value into a plain Go tree (map[string]any,
// []any, string, int64, float64, bool, nil). Bytes become base64 strings;
// NaN and ±Inf become nil. It never stringifies the OTLP encoding.
func valueToAny(v pcommon.Value) any { return valueToAnyDepth(v, 0) }

func valueToAnyDepth(v pcommon.Value, depth int) any {
	if depth > maxDepth {
		return nil
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if isBadFloat(f) {
			return nil
		}
		return f
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeBytes:
		return base64.StdEncoding.EncodeToString(v.Bytes().AsRaw())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		out := make([]any, s.Len())
		for i := 0; i < s.Len(); i++ {
			out[i] = valueToAnyDepth(s.At(i), depth+1)
		}
		return out
	case pcommon.ValueTypeMap:
		m := v.Map()
		out := make(map[string]any, m.Len())
		m.Range(func(k string, e pcommon.Value) bool {
			out[k] = valueToAnyDepth(e, depth+1)
			return true
		})
		return out
	default:
		return nil
	}
}

// decodeJSON parses s as JSON with json.Number for numbers. It reports
// false when s is not valid JSON.
func decodeJSON(s string) (any, bool) {
	if s == "" {
		return nil, false
	}
	c := firstNonSpace(s)
	if c != '{' && c != '[' && c != '"' && c != '-' && (c < '0' || c > '9') && c != 't' && c != 'f' && c != 'n' {
		return nil, false
	}
	return parseJSON(s)
}

func firstNonSpace(s string) byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return s[i]
	}
	return 0
}

// looksLikeJSONContainer reports whether s starts like an object or array:
// such a string that fails to parse is probably truncated JSON.
func looksLikeJSONContainer(s string) bool {
	c := firstNonSpace(s)
	return c == '{' || c == '['
}

// structured returns the attribute as a Go tree: structured values are
// converted, strings holding JSON objects/arrays are decoded (at most twice,
// for double-encoded values). A plain string stays a string.
func structured(v pcommon.Value) any {
	if v.Type() != pcommon.ValueTypeStr {
		return valueToAny(v)
	}
	return decodeMaybeJSON(v.Str())
}

// decodeMaybeJSON decodes s when it is a JSON object/array or a JSON string
// literal (double encoding), else returns s unchanged.
func decodeMaybeJSON(s string) any {
	c := firstNonSpace(s)
	if c != '{' && c != '[' && c != '"' {
		return s
	}
	v, ok := decodeJSON(s)
	if !ok {
		return s
	}
	if inner, isStr := v.(string); isStr {
		c2 := firstNonSpace(inner)
		if c2 == '{' || c2 == '[' {
			if v2, ok2 := decodeJSON(inner); ok2 {
				return v2
			}
		}
		return inner
	}
	return v
}

// asString returns the string form of a primitive value ("" for maps,
// slices and empty values). Doubles use the shortest representation.
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if isBadFloat(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// valueString returns the attribute as a trimmed string; non-primitive
// values give "".
func valueString(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return strings.TrimSpace(v.Str())
	case pcommon.ValueTypeInt:
		return strconv.FormatInt(v.Int(), 10)
	case pcommon.ValueTypeDouble:
		if isBadFloat(v.Double()) {
			return ""
		}
		return strconv.FormatFloat(v.Double(), 'f', -1, 64)
	case pcommon.ValueTypeBool:
		return strconv.FormatBool(v.Bool())
	}
	return ""
}

// anyInt leniently reads an integer from a decoded value: ints, integral
// doubles, json.Number and decimal strings ("12", "12.0"). Negative, NaN,
// ±Inf and out-of-range values are absent.
func anyInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, x >= 0
	case int:
		return int64(x), x >= 0
	case float64:
		return floatToCount(x)
	case json.Number:
		return stringToCount(string(x))
	case string:
		return stringToCount(strings.TrimSpace(x))
	}
	return 0, false
}

// valueCount is anyInt for an attribute value, read without converting it
// to a Go tree first (the same rules: a count is a non-negative integer,
// an integral-or-rounded finite double, or a decimal string).
func valueCount(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), v.Int() >= 0
	case pcommon.ValueTypeDouble:
		return floatToCount(v.Double())
	case pcommon.ValueTypeStr:
		return stringToCount(strings.TrimSpace(v.Str()))
	case pcommon.ValueTypeBytes:
		return anyInt(valueToAny(v))
	}
	return 0, false
}

// valueFloat is anyFloat for an attribute value.
func valueFloat(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeDouble:
		return v.Double(), !isBadFloat(v.Double())
	case pcommon.ValueTypeStr, pcommon.ValueTypeBytes:
		return anyFloat(valueToAny(v))
	}
	return 0, false
}

func floatToCount(f float64) (int64, bool) {
	if isBadFloat(f) || f < 0 || f > math.MaxInt64/2 {
		return 0, false
	}
	return int64(math.Round(f)), true
}

func stringToCount(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return floatToCount(f)
	}
	return 0, false
}

// anyFloat leniently reads a finite float.
func anyFloat(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	case json.Number:
		p, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return 0, false
		}
		f = p
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, false
		}
		f = p
	default:
		return 0, false
	}
	if isBadFloat(f) {
		return 0, false
	}
	return f, true
}

// anyBool leniently reads a boolean (true/false, "true"/"false", 1/0).
func anyBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(strings.ToLower(x)))
		return b, err == nil
	case int64:
		return x != 0, x == 0 || x == 1
	}
	return false, false
}

// isJSONScalarText reports whether valid-JSON text s is a bare number,
// boolean or null: "42" as a string attribute is text, not a number, but
// a JSON string literal ("\"hi\"") or container passes through.
func isJSONScalarText(s string) bool {
	c := firstNonSpace(s)
	return c != '{' && c != '[' && c != '"'
}

// compactIfCheap removes insignificant whitespace from s, valid JSON text;
// Respan stores the string verbatim, so the bytes saved are bytes not sent.
// JSON without a newline or tab is sent as it is, without a copy. (Two
// IndexByte scans, which are vectorised, rather than ContainsAny's loop
// over the bytes: most content has neither.)
func compactIfCheap(s string) string {
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\t') < 0 {
		return s
	}
	return str(appendCompactJSON(make([]byte, 0, len(s)), s))
}

// isEmptyContent reports placeholder values treated as absent (§4).
func isEmptyContent(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "{}", "[]", "null", "N/A", "<not specified>", `""`:
		return true
	}
	return false
}
