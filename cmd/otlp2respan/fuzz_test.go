// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// FuzzDecodeOTLPJSON feeds arbitrary bytes to the OTLP/JSON input reader of
// convert, import and replay. It must never panic; an error must be an
// *inputError naming the input and pointing inside it; what it accepts
// must survive a round trip through the collector's JSON marshaler.
//
//	go test -run='^$' -fuzz='^FuzzDecodeOTLPJSON$' -fuzztime=2m ./cmd/otlp2respan
//	make fuzz-long   # every fuzz target, minutes each
func FuzzDecodeOTLPJSON(f *testing.F) {
	seeds := []string{
		``, `{}`, `[]`, `null`, `"x"`, `{"resourceSpans":[]}`, "\xef\xbb\xbf{}",
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"a"}]}]}]}`,
		"{\"resourceSpans\":[]}\n\n{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"b\",\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"7\"}}]}]}]}]}\n",
		`{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"00","span_id":"zz"}]}]}]}`,
		`{"resourceLogs":[]}`, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1","kind":99,"status":{"code":"x"}}]}]}]}`,
		"{\"resourceSpans\":[\n", "\x1f\x8b\x08", "\x28\xb5\x2f\xfd", "\x00\x01", "{}\n}\n", "{} {} 1",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if files, err := filepath.Glob(filepath.Join("..", "..", "examples", "traces", "*.json")); err == nil {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dst := ptrace.NewTraces()
		n, err := decodeOTLPJSON("in.json", data, dst)
		if n < 0 {
			t.Fatalf("negative request count %d", n)
		}
		if err != nil {
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an *inputError: %v", err, err)
			}
			if ie.Name != "in.json" || ie.Msg == "" {
				t.Fatalf("error without name or message: %+v", ie)
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			if ie.Line < 0 || ie.Line > lines || ie.Col < 0 || ie.Col > len(data)+1 {
				t.Fatalf("error position %d:%d outside the input (%d lines, %d bytes): %v", ie.Line, ie.Col, lines, len(data), err)
			}
			return
		}
		// Accepted: the result marshals and reads back the same.
		b, merr := (&ptrace.JSONMarshaler{}).MarshalTraces(dst)
		if merr != nil {
			t.Fatalf("accepted input does not marshal: %v", merr)
		}
		again := ptrace.NewTraces()
		if _, err := decodeOTLPJSON("again.json", b, again); err != nil {
			t.Fatalf("the marshaled result is not accepted: %v\n%s", err, b)
		}
		if again.SpanCount() != dst.SpanCount() || again.ResourceSpans().Len() != dst.ResourceSpans().Len() {
			t.Fatalf("round trip changed the data: %d → %d spans, %d → %d resources",
				dst.SpanCount(), again.SpanCount(), dst.ResourceSpans().Len(), again.ResourceSpans().Len())
		}
	})
}

// decodeOTLPJSON, for the tests, reads a whole in-memory input and moves its resource
// spans to dst, stopping at the first problem. It returns how many
// requests it read.
func decodeOTLPJSON(name string, data []byte, dst ptrace.Traces) (int, error) {
	s := newOTLPStream(name, bytes.NewReader(data), 0)
	n := 0
	for {
		req, err := s.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		req.Traces.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans())
		n++
	}
}
