// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/respanai/respanexporter/internal/sink"
)

// countingSink is the HTTP endpoint the collector exports to. It counts
// delivered spans and how long its handlers were busy (to show that it is
// not the bottleneck).
type countingSink struct {
	spans    atomic.Int64
	requests atomic.Int64
	errors   atomic.Int64
	busyNs   atomic.Int64
	srv      *http.Server
	url      string
}

func (s *countingSink) close() { _ = s.srv.Close() }

// badRequest answers a body the sink cannot read or decode, and counts it
// in sink_errors (with -min-spans, any such error fails the run).
func (s *countingSink) badRequest(w http.ResponseWriter) {
	s.errors.Add(1)
	w.WriteHeader(http.StatusBadRequest)
}

func startSink(h func(s *countingSink, w http.ResponseWriter, r *http.Request)) (*countingSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &countingSink{url: "http://" + ln.Addr().String()}
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := time.Now()
			s.requests.Add(1)
			h(s, w, r)
			s.busyNs.Add(int64(time.Since(t)))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// startRespanSink serves the Respan ingest API. mode "check" runs
// internal/sink (the stand-in that validates every span log against the
// ingest contract, quiet: Out nil) and counts its "ingested_spans"; it
// forgets accepted spans every 20,000 so memory stays flat. mode "discard"
// reads the body and counts span logs by their "span_unique_id" keys.
func startRespanSink(mode string) (*countingSink, error) {
	if mode == "discard" {
		return startSink(func(s *countingSink, w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				s.badRequest(w)
				return
			}
			n := bytes.Count(body, []byte(`"span_unique_id":`))
			s.spans.Add(int64(n))
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"ok","errors":[]}`)
		})
	}
	api := sink.New(sink.Options{APIKey: "bench-key"})
	var resetMu sync.Mutex
	return startSink(func(s *countingSink, w http.ResponseWriter, r *http.Request) {
		rec := &captureWriter{ResponseWriter: w}
		api.ServeHTTP(rec, r)
		var resp struct {
			Ingested int             `json:"ingested_spans"`
			Errors   json.RawMessage `json:"errors"`
		}
		if rec.status != http.StatusOK || json.Unmarshal(rec.body.Bytes(), &resp) != nil || len(resp.Errors) > 2 {
			s.errors.Add(1)
		}
		s.spans.Add(int64(resp.Ingested))
		if api.SpanCount() > 20000 && resetMu.TryLock() {
			api.Reset()
			resetMu.Unlock()
		}
	})
}

// startOTLPSink serves OTLP/HTTP traces and answers with an empty
// ExportTraceServiceResponse. mode "discard" counts spans without decoding
// them (protobuf: walks the tags of ExportTraceServiceRequest →
// ResourceSpans → ScopeSpans, never into a span; JSON: counts "spanId"
// keys); mode "decode" unmarshals each request with pdata.
func startOTLPSink(mode string) (*countingSink, error) {
	return startSink(func(s *countingSink, w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.badRequest(w)
			return
		}
		isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
		var n int
		switch {
		case mode == "decode":
			req := ptraceotlp.NewExportRequest()
			if isJSON {
				err = req.UnmarshalJSON(body)
			} else {
				err = req.UnmarshalProto(body)
			}
			n = req.Traces().SpanCount()
		case isJSON:
			n = bytes.Count(body, []byte(`"spanId":`))
		default:
			n, err = countProtoSpans(body, 0)
		}
		if err != nil {
			s.badRequest(w)
			return
		}
		s.spans.Add(int64(n))
		if isJSON {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
		} else {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusOK)
		}
	})
}

// countProtoSpans counts the spans of an encoded ExportTraceServiceRequest
// (depth 0: field 1 resource_spans; depth 1: ResourceSpans field 2
// scope_spans; depth 2: ScopeSpans field 2 spans).
func countProtoSpans(b []byte, depth int) (int, error) {
	want := protowire.Number(2)
	if depth == 0 {
		want = 1
	}
	n := 0
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0, protowire.ParseError(l)
		}
		b = b[l:]
		if typ != protowire.BytesType {
			l = protowire.ConsumeFieldValue(num, typ, b)
			if l < 0 {
				return 0, protowire.ParseError(l)
			}
			b = b[l:]
			continue
		}
		v, l := protowire.ConsumeBytes(b)
		if l < 0 {
			return 0, protowire.ParseError(l)
		}
		b = b[l:]
		if num != want {
			continue
		}
		if depth == 2 {
			n++
			continue
		}
		m, err := countProtoSpans(v, depth+1)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// captureWriter keeps a copy of the response (small JSON) for counting.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}

// lockedWriter collects a process's stdout and stderr in one buffer.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
