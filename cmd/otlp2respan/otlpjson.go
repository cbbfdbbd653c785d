// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The one reader of OTLP/JSON inputs, shared by convert, import and replay.
//
// An input is a sequence of ExportTraceServiceRequests: one per line as the
// collector's file exporter writes them, or one (or more) pretty-printed
// documents. The reader streams it: it holds one request at a time, never
// more than maxLine bytes of input, so any file size works. Each request is
// cut out of the byte stream by a small scanner that follows JSON nesting
// (strings and escapes included), then validated and decoded on its own;
// a bad request is reported at its own line and the next one is read.

const (
	// defaultMaxLineBytes bounds one request: a line of a JSON-lines file,
	// or a whole pretty-printed document. The file exporter writes one
	// export call per line, which the collector's batching keeps far below
	// this; a longer line is reported as bad instead of exhausting memory.
	defaultMaxLineBytes = 64 << 20
	// maxLeadingBadRecords: an input whose first records are all bad is
	// not OTLP/JSON at all (a log file, random bytes); stop reading it
	// instead of reporting every line of it.
	maxLeadingBadRecords = 100
)

// inputError is a problem with one input, located as precisely as known.
type inputError struct {
	Name string // file name, or "<stdin>"
	Line int    // 1-based; 0 = unknown
	Col  int    // 1-based; 0 = unknown
	Msg  string
	// Fatal: the rest of the input was not read (binary data, a read
	// error, too many bad lines). Otherwise only this request is bad.
	Fatal bool
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

// otlpRequest is one decoded request of an input.
type otlpRequest struct {
	Traces ptrace.Traces
	Line   int // where it starts, 1-based
	Bytes  int // its length in the input
}

// otlpStream reads the requests of one input.
type otlpStream struct {
	name    string
	br      *bufio.Reader
	maxLine int

	line      int   // line of the next unread byte, 1-based
	off       int64 // bytes consumed
	lineStart int64 // offset at which the current line starts

	started   bool // the first record has been seen
	multiLine bool // records may span lines (pretty-printed documents)
	good, bad int

	buf []byte
	err error // sticky: io.EOF or a fatal *inputError
	um  ptrace.JSONUnmarshaler
}

func newOTLPStream(name string, r io.Reader, maxLine int) *otlpStream {
	if maxLine <= 0 {
		maxLine = defaultMaxLineBytes
	}
	return &otlpStream{name: name, br: bufio.NewReaderSize(r, 1<<20), maxLine: maxLine, line: 1}
}

// Offset is how many bytes of the input were consumed.
func (s *otlpStream) Offset() int64 { return s.off }

// Next returns the next request. It returns io.EOF at the end, a non-fatal
// *inputError for a bad request (call Next again for the following ones),
// and a fatal *inputError (then again on every later call) when the rest
// of the input cannot be read.
func (s *otlpStream) Next() (otlpRequest, error) {
	for s.err == nil {
		if !s.started && s.off == 0 {
			if err := s.sniff(); err != nil {
				s.err = err
				break
			}
		}
		if err := s.skipSpace(); err != nil {
			s.err = err
			break
		}
		req, err := s.record()
		if err == nil {
			s.good++
			return req, nil
		}
		var ie *inputError
		if errors.As(err, &ie) && !ie.Fatal {
			s.bad++
			if s.good == 0 && s.bad >= maxLeadingBadRecords {
				s.err = s.fatal(0, fmt.Sprintf("the first %d requests are all invalid: not OTLP/JSON trace data; the rest is not read", s.bad))
				return otlpRequest{}, err
			}
			return otlpRequest{}, err
		}
		s.err = err
	}
	return otlpRequest{}, s.err
}

func (s *otlpStream) fatal(line int, msg string) *inputError {
	return &inputError{Name: s.name, Line: line, Msg: msg, Fatal: true}
}

// readErr turns a failed read into the sticky error (io.EOF stays io.EOF).
func (s *otlpStream) readErr(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	if errors.Is(err, errInterrupted) {
		return s.fatal(0, "interrupted")
	}
	return s.fatal(0, "cannot read: "+err.Error())
}

// sniff strips a UTF-8 byte-order mark and names the binary formats
// someone is likely to feed us.
func (s *otlpStream) sniff() error {
	head, err := s.br.Peek(4)
	if len(head) == 0 && err != nil {
		return s.readErr(err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		_, _ = s.br.Discard(3) // not counted: columns start after the mark
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return s.fatal(0, "gzip-compressed data; decompress it first (gunzip -c FILE | otlp2respan convert -)")
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return s.fatal(0, "zstd-compressed data (file exporter 'compression: zstd'?); decompress it first")
	}
	return nil
}

// consume discards n buffered bytes (which are in p), keeping the line count.
func (s *otlpStream) consume(p []byte) {
	for i := bytes.IndexByte(p, '\n'); i >= 0; {
		s.line++
		s.lineStart = s.off + int64(i) + 1
		j := bytes.IndexByte(p[i+1:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	s.off += int64(len(p))
	_, _ = s.br.Discard(len(p))
}

// chunk returns the buffered bytes, reading more when none are.
func (s *otlpStream) chunk() ([]byte, error) {
	if s.br.Buffered() == 0 {
		if _, err := s.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return s.br.Peek(s.br.Buffered())
}

func (s *otlpStream) skipSpace() error {
	for {
		p, err := s.chunk()
		if len(p) == 0 {
			return s.readErr(err)
		}
		i := 0
		for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
			i++
		}
		s.consume(p[:i])
		if i < len(p) {
			return nil
		}
	}
}

// record cuts out the request starting at the next byte (not white space)
// and decodes it.
func (s *otlpStream) record() (otlpRequest, error) {
	startLine, startCol, startOff := s.line, int(s.off-s.lineStart)+1, s.off
	p, err := s.chunk()
	if len(p) == 0 {
		return otlpRequest{}, s.readErr(err)
	}
	first := p[0]
	if !s.started && first != '{' && first != '[' && first != '"' && (first < 0x20 || first >= 0x7f) {
		return otlpRequest{}, s.fatal(0, "not OTLP/JSON (binary data; the file exporter's 'format: proto' is not supported)")
	}
	firstRecord := !s.started
	s.started = true
	if cap(s.buf) > 8<<20 { // let a huge request's buffer go
		s.buf = nil
	}
	s.buf = s.buf[:0]

	// Scanner state. A structured record ends when its outermost bracket
	// closes; anything else (a scalar, garbage) ends at the end of its line.
	structured := first == '{' || first == '['
	depth, inStr, esc := 0, false, false
	tooLong := false
	for done := false; !done; {
		p, err := s.chunk()
		if len(p) == 0 {
			if errors.Is(err, io.EOF) {
				break // a value still open is reported as cut short below
			}
			return otlpRequest{}, s.readErr(err)
		}
		i := 0
	scan:
		for ; i < len(p); i++ {
			b := p[i]
			switch {
			case b == '\n':
				if !structured {
					done = true
					break scan
				}
				if !s.multiLine {
					if !firstRecord {
						// JSON lines: a request that does not end on its
						// line is cut short; the next line is the next one.
						done = true
						break scan
					}
					s.multiLine = true // a pretty-printed document
				}
			case b == 0:
				// NUL is never part of JSON text: /dev/zero, a sparse or
				// binary file. Stop here, quickly, instead of scanning it.
				s.consume(p[:i])
				return otlpRequest{}, s.fatal(s.line, "binary data (NUL bytes): not OTLP/JSON; the rest of the input is not read")
			case !structured:
			case inStr:
				switch {
				case esc:
					esc = false
				case b == '\\':
					esc = true
				case b == '"':
					inStr = false
				}
			case b == '"':
				inStr = true
			case b == '{' || b == '[':
				depth++
			case b == '}' || b == ']':
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			}
		}
		if tooLong && s.off-startOff > 16*int64(s.maxLine) {
			// No end in sight (a stream without line breaks): stop.
			return otlpRequest{}, s.fatal(startLine, fmt.Sprintf("no end of request in %s: not OTLP/JSON lines; the rest of the input is not read",
				humanBytes(s.off-startOff)))
		}
		if !tooLong {
			if len(s.buf)+i > s.maxLine {
				tooLong = true
			} else {
				s.buf = append(s.buf, p[:i]...)
			}
		}
		s.consume(p[:i])
	}
	size := int(s.off - startOff)
	bad := func(line, col int, msg string) (otlpRequest, error) {
		return otlpRequest{}, &inputError{Name: s.name, Line: line, Col: col, Msg: msg}
	}
	if tooLong {
		return bad(startLine, 0, fmt.Sprintf("request longer than %s (-max-line-bytes); skipped", humanBytes(int64(s.maxLine))))
	}
	raw := bytes.TrimRight(s.buf, " \t\r")
	if !json.Valid(raw) {
		var v json.RawMessage
		err := json.Unmarshal(raw, &v)
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return bad(startLine, 0, "invalid JSON")
		}
		if int(se.Offset) >= len(raw) && strings.Contains(se.Error(), "unexpected end") {
			return bad(startLine, 0, "invalid JSON: the value starting here is cut short (truncated file?)")
		}
		line, col := posIn(raw, int(se.Offset)-1, startLine, startCol)
		return bad(line, col, "invalid JSON: "+se.Error())
	}
	// Name the line only when the input is a stream of requests: for a
	// single document, "line 1" would say nothing.
	line := startLine
	if firstRecord {
		if err := s.skipSpace(); errors.Is(err, io.EOF) {
			line = 0
		}
	}
	td, err := s.um.UnmarshalTraces(raw)
	if err != nil {
		msg := "not an OTLP/JSON trace request: " + err.Error()
		if raw[0] != '{' {
			msg = notAnObject(raw[0])
		}
		return bad(line, 0, msg)
	}
	if td.ResourceSpans().Len() == 0 {
		if msg := notTraces(raw); msg != "" {
			return bad(line, 0, msg)
		}
	}
	return otlpRequest{Traces: td, Line: startLine, Bytes: size}, nil
}

// posIn maps a byte index of a record to its line and column in the input.
func posIn(raw []byte, idx, startLine, startCol int) (line, col int) {
	idx = max(0, min(idx, len(raw)-1))
	before := raw[:idx]
	nl := bytes.LastIndexByte(before, '\n')
	line = startLine + bytes.Count(before, []byte{'\n'})
	if nl < 0 {
		return line, startCol + idx
	}
	return line, idx - nl
}

// notTraces explains why a JSON value that decoded to no resource spans is
// not a trace request at all (e.g. an OTLP logs or metrics request), or
// returns "" for an empty trace request such as {}.
func notTraces(raw []byte) string {
	var obj map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return notAnObject(raw[0])
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

// notAnObject words a request whose JSON value (first byte c) is not an
// object.
func notAnObject(c byte) string {
	return "not an OTLP/JSON trace request: expected a JSON object with \"resourceSpans\", found " + jsonKind(c)
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

// humanBytes words a size: "64 MiB", "1.5 GiB", "512 B".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + string("KMGTPE"[exp]) + "iB"
}
