package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// inputError is a problem with one input, located as precisely as known.
type inputError struct {
	Name string // file name, or "<stdin>"
	Line int    // 1-based; 0 = unknown
	Col  int    // 1-based; 0 = unknown
	Msg  string
}

func (e *inputError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Name, e.Msg)
	}
}

// decodeOTLPJSON reads OTLP/JSON trace data and moves its resource spans to
// dst. data is either one ExportTraceServiceRequest (pretty-printed or not)
// or a stream of them, one per line, as the collector's file exporter writes
// (blank lines are skipped). It returns how many requests it read.
//
// The whole input is checked to be a sequence of JSON values first:
// ptrace.JSONUnmarshaler alone would read the first line of a JSON-lines
// file and silently ignore the rest.
func decodeOTLPJSON(name string, data []byte, dst ptrace.Traces) (int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 BOM
	if msg := sniffBinary(data); msg != "" {
		return 0, &inputError{Name: name, Msg: msg}
	}
	lines := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	var um ptrace.JSONUnmarshaler
	n := 0
	for {
		start := skipSpace(data, int(dec.InputOffset()))
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line, col := lines.pos(int(se.Offset) - 1)
				return n, &inputError{Name: name, Line: line, Col: col, Msg: "invalid JSON: " + se.Error()}
			}
			line, _ := lines.pos(start)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return n, &inputError{Name: name, Line: line, Msg: "invalid JSON: the value starting here is cut short (truncated file?)"}
			}
			return n, &inputError{Name: name, Line: line, Msg: "invalid JSON: " + err.Error()}
		}
		// Report a line only when the input is a stream of requests: for a
		// single document, "line 1" would say nothing.
		line := 0
		if n > 0 || dec.More() {
			line, _ = lines.pos(start)
		}
		td, err := um.UnmarshalTraces(raw)
		if err != nil {
			msg := "not an OTLP/JSON trace request: " + err.Error()
			if len(raw) > 0 && raw[0] != '{' {
				msg = "not an OTLP/JSON trace request: expected a JSON object with \"resourceSpans\", found " + jsonKind(raw[0])
			}
			return n, &inputError{Name: name, Line: line, Msg: msg}
		}
		if td.ResourceSpans().Len() == 0 {
			if msg := notTraces(raw); msg != "" {
				return n, &inputError{Name: name, Line: line, Msg: msg}
			}
		}
		td.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans())
		n++
	}
}

// notTraces explains why a JSON value that decoded to no resource spans is
// not a trace request at all (e.g. an OTLP logs or metrics request), or
// returns "" for an empty trace request such as {}.
func notTraces(raw []byte) string {
	var obj map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return "not an OTLP/JSON trace request: expected a JSON object with \"resourceSpans\", found " + jsonKind(raw[0])
	}
	if len(obj) == 0 {
		return ""
	}
	if _, ok := obj["resourceSpans"]; ok {
		return ""
	}
	if _, ok := obj["resource_spans"]; ok {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 5 {
		keys = append(keys[:5], "…")
	}
	return fmt.Sprintf("not an OTLP/JSON trace request: no \"resourceSpans\" (top-level keys: %s)", strings.Join(keys, ", "))
}

func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// sniffBinary names the binary formats someone is likely to feed us.
func sniffBinary(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "gzip-compressed data; decompress it first (gunzip -c FILE | otlp2respan convert -)"
	case bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd-compressed data (file exporter 'compression: zstd'?); decompress it first"
	}
	if i := skipSpace(data, 0); i < len(data) && data[i] != '{' && data[i] != '[' && data[i] != '"' &&
		(data[i] < 0x20 || data[i] >= 0x7f) {
		return "not OTLP/JSON (binary data; the file exporter's 'format: proto' is not supported)"
	}
	return ""
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// lineIndex maps byte offsets to 1-based line and column (in bytes).
type lineIndex []int // offsets at which lines start

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (idx lineIndex) pos(off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	l := sort.Search(len(idx), func(i int) bool { return idx[i] > off }) - 1
	return l + 1, off - idx[l] + 1
}
