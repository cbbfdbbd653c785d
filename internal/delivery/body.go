// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

const (
	// maxResponseBytes bounds how much of a response body is read. A fully
	// rejected request of thousands of spans lists one error each (~80
	// bytes apiece: 1,000 spans are ~80 KB), so the bound is far above any
	// realistic answer, and the body is read as a stream: only the error
	// count, a short excerpt and the small top-level fields are kept.
	maxResponseBytes = 8 << 20
	// maxFieldBytes bounds a top-level field kept for quoting (detail,
	// message, retry_after, …); larger ones are skipped.
	maxFieldBytes = 16 << 10
	// maxExcerptBytes bounds the compact JSON kept of "errors".
	maxExcerptBytes = 2 << 10
	// headBytes is how much of the body's start is kept to describe a body
	// that is not the API's answer.
	headBytes = 512
)

// ingestBody holds the small top-level fields of a JSON object body, looked
// up by name. Respan documents several shapes ({status, ingested_spans,
// trace_ids, errors}, {message}, {detail}).
type ingestBody map[string]json.RawMessage

// respBody is what was learnt from a response body.
type respBody struct {
	// empty: nothing but white space. json: the body is a JSON value (or
	// the start of one cut at maxResponseBytes); an empty body is neither.
	empty, json bool
	// fields are the top-level fields of a JSON object (nil otherwise);
	// "errors" holds only an excerpt.
	fields ingestBody
	// errors counts the per-span errors listed in "errors": the elements
	// of an array or object, one for a non-empty string or true.
	errors int
	// excerpt is the compact JSON of the first errors (bounded).
	excerpt string
	// head is the start of the body as received.
	head []byte
	// cut is set when the body was longer than maxResponseBytes.
	cut bool
	// readErr is a transport error while reading (not a JSON error).
	readErr error
}

// countingReader counts what passes and stops at a bound.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

var errBodyBound = errors.New("response body bound reached")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, errBodyBound
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readBody reads a response body as a stream, at most maxResponseBytes.
func readBody(r io.Reader) *respBody {
	cr := &countingReader{r: r, limit: maxResponseBytes}
	br := bufio.NewReaderSize(cr, 64<<10)
	b := &respBody{}
	head, _ := br.Peek(headBytes)
	b.head = bytes.Clone(head)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 && len(head) < headBytes {
		b.empty = true
		return b
	}
	dec := json.NewDecoder(br)
	err := b.decode(dec)
	switch {
	case err == nil:
		b.json = true
	case err == io.EOF:
		b.empty = true // white space only
	case errors.Is(err, errBodyBound):
		// The API's answer (it began as JSON) longer than the bound: what
		// was counted stands, the rest is unknown.
		b.cut, b.json = true, true
	default:
		// A JSON object or array broken further on (cut short, a bad
		// byte, a connection reset) is still the API's answer, read
		// leniently as far as it goes; anything else that does not parse
		// (an HTML page, plain text) is not.
		if !isSyntax(err) {
			b.readErr = err
		}
		b.json = len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	}
	return b
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF)
}

// decode walks one JSON value; an object is read field by field.
func (b *respBody) decode(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		// Another JSON value: valid JSON, but no fields to read.
		if d, ok := tok.(json.Delim); ok {
			return skipNested(dec, d)
		}
		return nil
	}
	b.fields = ingestBody{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if key == "errors" {
			if err := b.readErrors(dec); err != nil {
				return err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if len(raw) <= maxFieldBytes {
			b.fields[key] = raw
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// skipNested consumes the rest of an array or object whose opening
// delimiter was read.
func skipNested(dec *json.Decoder, _ json.Delim) error {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// readErrors counts the "errors" value element by element, keeping an
// excerpt, so that a list of any length costs the memory of one element.
func (b *respBody) readErrors(dec *json.Decoder) error {
	var ex strings.Builder
	// add appends one element (member, when key is set) to the excerpt.
	add := func(key *string, raw json.RawMessage) {
		if ex.Len() >= maxExcerptBytes {
			return
		}
		var c bytes.Buffer
		if json.Compact(&c, raw) != nil {
			return
		}
		if ex.Len() > 1 {
			ex.WriteByte(',')
		}
		if key != nil {
			k, _ := json.Marshal(*key)
			ex.Write(k)
			ex.WriteByte(':')
		}
		ex.Write(c.Bytes())
	}
	defer func() {
		b.excerpt = ex.String()
		b.fields["errors"] = json.RawMessage(b.excerpt)
	}()
	if !dec.More() {
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		ex.WriteByte('[')
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			b.errors++
			add(nil, raw)
		}
		_, err = dec.Token()
		ex.WriteString(closing(ex.Len() >= maxExcerptBytes, ']'))
		return err
	case json.Delim('{'):
		ex.WriteByte('{')
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			b.errors++
			k, _ := kt.(string)
			add(&k, raw)
		}
		_, err = dec.Token()
		ex.WriteString(closing(ex.Len() >= maxExcerptBytes, '}'))
		return err
	case true:
		b.errors = 1
		ex.WriteString("true")
	default:
		if s, ok := tok.(string); ok {
			if strings.TrimSpace(s) != "" {
				b.errors = 1
			}
			q, _ := json.Marshal(s)
			ex.Write(q)
		} else if tok != nil {
			q, _ := json.Marshal(tok)
			ex.Write(q)
		} else {
			ex.WriteString("null")
		}
	}
	return nil
}

func closing(cut bool, c byte) string {
	if cut {
		return "…" + string(c)
	}
	return string(c)
}
