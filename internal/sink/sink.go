// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package sink is a local stand-in for Respan's span-log ingest API
// (POST {base}/v1/traces/ingest). It accepts what the real API accepts,
// checks every span log against the documented contract, records what it
// accepted for tests, and can print each received trace as a tree.
//
// It is used by `otlp2respan sink` (a server for people trying the exporter
// without a Respan account) and by tests, through httptest:
//
//	s := sink.New(sink.Options{APIKey: "test-key"})
//	srv := httptest.NewServer(s)
//	defer srv.Close()
//	// exporter endpoint: srv.URL (requests go to srv.URL + "/v1/traces/ingest")
//	_ = s.WaitForSpans(ctx, 3)
//	spans := s.Spans()
package sink

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is 0. It
// applies to the body as received and to its decompressed size. Respan
// documents no request limit; 32 MiB is above the exporter's largest
// allowed request with room to spare.
const DefaultMaxBodyBytes = 32 << 20

// IngestPaths are the URL paths the sink accepts span logs on: the
// exporter's (endpoint "http://host:port" + "/v1/traces/ingest"), the
// documented one ("/api/v1/traces/ingest", i.e. endpoint ".../api"), and the
// legacy "/api/traces/ingest/". A trailing slash is optional on each.
var IngestPaths = []string{"/v1/traces/ingest", "/api/v1/traces/ingest", "/api/traces/ingest/"}

// Response details, worded as Respan's documented error bodies.
const (
	detailUnauthorized  = "Your API key is invalid or expired"
	detailInvalidFormat = "Invalid request format"
)

// Options configure a Server.
type Options struct {
	// APIKey, when set, must arrive as "Authorization: Bearer <APIKey>";
	// anything else is answered 401. Empty accepts any request.
	APIKey string
	// MaxBodyBytes limits the request body, before and after
	// decompression; larger requests are answered 413. 0 means
	// DefaultMaxBodyBytes; negative means no limit.
	MaxBodyBytes int64
	// Out receives each accepted request's traces as indented trees. nil
	// prints nothing.
	Out io.Writer
	// Color adds ANSI colors to the trees (for terminals).
	Color bool
	// Logf, when set, gets one line per request (status, span counts) and
	// one per contract violation.
	Logf func(format string, args ...any)
	// Now returns the current time (for Received); nil means time.Now.
	Now func() time.Time
	// Lean keeps only the identity of each accepted span log (TraceID,
	// SpanID, ParentID, Request, Received), not its fields and bytes:
	// for long load tests that would otherwise hold every body.
	Lean bool
	// Faults are injected into ingest requests from the start (see
	// Faults and Server.SetFaults). New panics when Validate rejects them.
	Faults Faults
}

// SpanLog is one accepted span log. The common fields are extracted for
// convenience; Fields holds the whole decoded object (numbers as float64,
// as encoding/json decodes them) and Raw its bytes as received.
type SpanLog struct {
	TraceID  string // trace_unique_id
	SpanID   string // span_unique_id
	ParentID string // span_parent_id; "" for roots

	SpanName         string // span_name
	SpanWorkflowName string // span_workflow_name
	LogType          string // log_type ("" when absent)
	Model            string // model
	ProviderID       string // provider_id

	StartTime time.Time // start_time (zero when absent)
	Timestamp time.Time // timestamp, the span end (zero when absent)
	Latency   float64   // latency, seconds (0 when absent)

	PromptTokens     int64 // prompt_tokens (0 when absent)
	CompletionTokens int64 // completion_tokens (0 when absent)

	StatusCode   int    // status_code (0 when absent)
	Status       string // status
	ErrorMessage string // error_message

	Input  string // input (JSON text)
	Output string // output (JSON text)

	CustomerIdentifier string // customer_identifier
	ThreadIdentifier   string // thread_identifier

	Metadata map[string]any // metadata (nil when absent)

	Fields map[string]any  // every field as decoded
	Raw    json.RawMessage // the object as received

	Request  int       // 1-based number of the ingest request that carried it
	Received time.Time // when that request was handled
}

// Key is the span's identity, "trace_unique_id/span_unique_id", the key of
// Server.Counts.
func (s SpanLog) Key() string { return SpanKey(s.TraceID, s.SpanID) }

// IsError reports whether the span log describes a failed operation
// (status "error" or status_code ≥ 400).
func (s SpanLog) IsError() bool { return s.Status == "error" || s.StatusCode >= 400 }

// SpanKey builds the key Server.Counts uses.
func SpanKey(traceID, spanID string) string { return traceID + "/" + spanID }

// Server is the stand-in API. It is an http.Handler; all its methods are
// safe for concurrent use.
type Server struct {
	opts    Options
	maxBody int64
	printer *treePrinter

	mu         sync.Mutex
	spans      []SpanLog
	counts     map[string]int
	traces     map[string]bool // trace ids seen, for created_traces
	violations []string
	requests   int
	statuses   map[int]int
	faults     []fault
	fs         faultState    // injected faults (fault.go)
	changed    chan struct{} // closed and replaced whenever spans change
}

type fault struct {
	status int
	left   int
}

// New returns a Server.
func New(opts Options) *Server {
	s := &Server{
		opts:     opts,
		maxBody:  opts.MaxBodyBytes,
		counts:   map[string]int{},
		traces:   map[string]bool{},
		statuses: map[int]int{},
		changed:  make(chan struct{}),
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if opts.Out != nil {
		s.printer = &treePrinter{w: opts.Out, color: opts.Color}
	}
	s.SetFaults(opts.Faults)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status := s.serve(w, r)
	s.mu.Lock()
	s.statuses[status]++
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) int {
	if !isIngestPath(r.URL.Path) {
		return s.reply(w, r, http.StatusNotFound, map[string]any{"detail": "Not found."}, "unknown path")
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return s.reply(w, r, http.StatusMethodNotAllowed, map[string]any{"detail": fmt.Sprintf("Method %q not allowed.", r.Method)}, "")
	}
	s.mu.Lock()
	s.requests++
	reqNo := s.requests
	s.mu.Unlock()

	if s.opts.APIKey != "" && !s.authorized(r.Header.Get("Authorization")) {
		return s.reply(w, r, http.StatusUnauthorized, map[string]any{"detail": detailUnauthorized}, "missing or wrong API key")
	}
	if st, ok := s.takeFault(); ok {
		return s.replyFault(w, r, st)
	}
	st, handled, fate := s.preFault(w, r, reqNo)
	if handled {
		return st
	}

	body, status, msg := s.readBody(w, r)
	if status == 0 {
		if limit, ok := s.tooLarge(len(body)); ok {
			status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes (injected)", limit)
		}
	}
	if status != 0 {
		detail := msg
		if status == http.StatusBadRequest {
			detail = detailInvalidFormat
		}
		resp := map[string]any{"detail": detail}
		if status == http.StatusBadRequest {
			resp["error"] = msg
		}
		return s.reply(w, r, status, resp, msg)
	}
	items, err := splitBody(body)
	if err != nil {
		return s.reply(w, r, http.StatusBadRequest, map[string]any{"detail": detailInvalidFormat, "error": err.Error()}, err.Error())
	}

	now := s.opts.Now()
	accepted := make([]SpanLog, 0, len(items))
	spanErrors := make([]spanError, 0)
	var violations []string
	for i, raw := range items {
		sl, problems := checkSpan(raw)
		if len(problems) > 0 {
			se := spanError{Index: i, TraceID: sl.TraceID, SpanID: sl.SpanID, Error: strings.Join(problems, "; ")}
			spanErrors = append(spanErrors, se)
			violations = append(violations, fmt.Sprintf("request %d: %s", reqNo, se.describe()))
			continue
		}
		if s.opts.Lean {
			sl = SpanLog{TraceID: sl.TraceID, SpanID: sl.SpanID, ParentID: sl.ParentID}
		}
		sl.Request = reqNo
		sl.Received = now
		accepted = append(accepted, sl)
	}

	traceIDs := []string{}
	seenInReq := map[string]bool{}
	for _, sl := range accepted {
		if !seenInReq[sl.TraceID] {
			seenInReq[sl.TraceID] = true
			traceIDs = append(traceIDs, sl.TraceID)
		}
	}

	s.mu.Lock()
	created := 0
	for _, id := range traceIDs {
		if !s.traces[id] {
			s.traces[id] = true
			created++
		}
	}
	// Parents known from earlier requests, for the tree's orphan notes.
	var known map[string]bool
	if s.printer != nil {
		known = make(map[string]bool)
		for _, sl := range accepted {
			if sl.ParentID != "" && s.counts[SpanKey(sl.TraceID, sl.ParentID)] > 0 {
				known[SpanKey(sl.TraceID, sl.ParentID)] = true
			}
		}
	}
	for _, sl := range accepted {
		s.spans = append(s.spans, sl)
		s.counts[sl.Key()]++
	}
	s.violations = append(s.violations, violations...)
	if len(accepted) > 0 {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()

	if s.printer != nil && (len(accepted) > 0 || len(spanErrors) > 0) {
		s.printer.print(reqNo, accepted, known, spanErrors)
	}
	if s.opts.Logf != nil {
		for _, v := range violations {
			s.opts.Logf("contract violation: %s", v)
		}
	}
	errs := make([]any, len(spanErrors))
	for i := range spanErrors {
		errs[i] = spanErrors[i]
	}
	// Injected per-span errors, on span logs that were recorded all the same.
	injected := s.spanErrorsFor(reqNo, len(accepted))
	for _, i := range injected {
		errs = append(errs, spanError{Index: i, TraceID: accepted[i].TraceID, SpanID: accepted[i].SpanID, Error: "injected per-span error (span recorded)"})
	}
	return s.finish(w, r, fate, map[string]any{
		"status":         "ok",
		"ingested_spans": len(accepted),
		"created_traces": created,
		"trace_ids":      traceIDs,
		"errors":         errs,
	}, fmt.Sprintf("%d span log(s) ingested, %d rejected", len(accepted), len(spanErrors)), len(injected))
}

// spanError is one entry of the response's "errors": a span log that broke
// the contract and was not ingested.
type spanError struct {
	Index   int    `json:"index"`
	TraceID string `json:"trace_unique_id,omitempty"`
	SpanID  string `json:"span_unique_id,omitempty"`
	Error   string `json:"error"`
}

func (e spanError) describe() string {
	id := "no ids"
	if e.TraceID != "" || e.SpanID != "" {
		id = SpanKey(e.TraceID, e.SpanID)
	}
	return fmt.Sprintf("span log %d (%s): %s", e.Index, id, e.Error)
}

func isIngestPath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	for _, ip := range IngestPaths {
		if p == strings.TrimSuffix(ip, "/") {
			return true
		}
	}
	return false
}

func (s *Server) authorized(h string) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) == s.opts.APIKey
}

// readBody returns the decompressed body, or a status and message.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	var src io.Reader = r.Body
	if s.maxBody > 0 {
		src = http.MaxBytesReader(w, r.Body, s.maxBody)
	}
	raw, err := io.ReadAll(src)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes", s.maxBody)
		}
		return nil, http.StatusBadRequest, "reading the body: " + err.Error()
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	var dec io.Reader
	switch enc {
	case "", "identity":
		return raw, 0, ""
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, http.StatusBadRequest, "invalid gzip body: " + err.Error()
		}
		defer zr.Close()
		dec = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, http.StatusBadRequest, "invalid zstd body: " + err.Error()
		}
		defer zr.Close()
		dec = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported Content-Encoding %q (use gzip or zstd)", enc)
	}
	if s.maxBody > 0 {
		dec = io.LimitReader(dec, s.maxBody+1)
	}
	out, err := io.ReadAll(dec)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Sprintf("invalid %s body: %v", enc, err)
	}
	if s.maxBody > 0 && int64(len(out)) > s.maxBody {
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("Decompressed request body exceeds the limit of %d bytes", s.maxBody)
	}
	return out, 0, ""
}

// splitBody accepts a JSON array of span logs or {"data": [...]}.
func splitBody(body []byte) ([]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body; expected a JSON array of span logs")
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	switch trimmed[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		return items, nil
	case '{':
		var wrapper map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &wrapper); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		data, ok := wrapper["data"]
		if !ok {
			return nil, errors.New(`expected a JSON array of span logs or an object with a "data" array`)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, errors.New(`"data" must be an array of span logs`)
		}
		return items, nil
	}
	return nil, errors.New("expected a JSON array of span logs, found " + jsonKind(trimmed[0]))
}

func jsonKind(c byte) string {
	switch c {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "a number"
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, body map[string]any, logMsg string) int {
	b, err := json.Marshal(body)
	if err != nil { // only plain values above; cannot happen
		b = []byte(`{"detail":"Internal server error"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	if s.opts.Logf != nil {
		if logMsg != "" {
			s.opts.Logf("%s %s: %d %s: %s", r.Method, r.URL.Path, status, http.StatusText(status), logMsg)
		} else {
			s.opts.Logf("%s %s: %d %s", r.Method, r.URL.Path, status, http.StatusText(status))
		}
	}
	return status
}

// FailNext makes the next n ingest requests that pass authentication fail
// with status (e.g. 500, 503, 429, 413, 400) without recording anything,
// for tests of retries and error handling. Calls queue up: FailNext(2, 503)
// then FailNext(1, 429) fails two requests with 503, then one with 429.
// A 429 carries "retry_after": 1 and a "Retry-After: 1" header.
func (s *Server) FailNext(n, status int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, fault{status: status, left: n})
	s.mu.Unlock()
}

func (s *Server) takeFault() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.faults) > 0 {
		f := &s.faults[0]
		if f.left <= 0 {
			s.faults = s.faults[1:]
			continue
		}
		f.left--
		st := f.status
		if f.left == 0 {
			s.faults = s.faults[1:]
		}
		return st, true
	}
	return 0, false
}

func (s *Server) replyFault(w http.ResponseWriter, r *http.Request, status int) int {
	if isPermanent(status) {
		body, _, _ := s.readBody(w, r)
		s.refuse(body)
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
	}
	body := errorBody(status)
	if status == http.StatusTooManyRequests {
		body["retry_after"] = 1
		w.Header().Set("Retry-After", "1")
	}
	return s.reply(w, r, status, body, "injected failure (FailNext)")
}

// errorBody is Respan's error answer for status: a detail, and an error
// code for a 5xx. A 429's delay is left to the caller, which knows it.
func errorBody(status int) map[string]any {
	body := map[string]any{"detail": http.StatusText(status)}
	switch {
	case status == http.StatusTooManyRequests:
		body["detail"] = "Rate limit exceeded"
	case status == http.StatusUnauthorized:
		body["detail"] = detailUnauthorized
	case status == http.StatusBadRequest:
		body["detail"] = detailInvalidFormat
	case status >= 500:
		body["detail"] = "Internal server error"
		body["error_code"] = "INTERNAL_ERROR"
	}
	return body
}

// Spans returns the accepted span logs in arrival order (a copy).
func (s *Server) Spans() []SpanLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SpanLog(nil), s.spans...)
}

// SpanCount is the number of accepted span logs, duplicates included.
func (s *Server) SpanCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.spans)
}

// Counts maps each accepted span's key (SpanKey: "trace_id/span_id") to
// how many times it arrived; a value above 1 is a duplicate delivery.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.counts)
}

// Duplicates returns the keys that arrived more than once, sorted.
func (s *Server) Duplicates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, v := range s.counts {
		if v > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Violations lists every contract violation seen, one per rejected span
// log: "request N: span log I (trace/span): field: problem; ...".
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Requests is the number of requests to an ingest path with method POST,
// whatever their outcome (401, 413, 400, injected failures included).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Statuses counts responses by HTTP status, over all requests (404 and 405
// included); 0 counts requests answered without a status (an injected
// reset or dropped response).
func (s *Server) Statuses() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.statuses)
}

// copyCounts copies a counter map for a caller outside the lock. Unlike
// maps.Clone it never returns nil, so an empty result still marshals as {}.
func copyCounts[K comparable](m map[K]int) map[K]int {
	out := make(map[K]int, len(m))
	maps.Copy(out, m)
	return out
}

// Reset forgets everything recorded (spans, counts, violations, requests,
// statuses, pending FailNext failures, fault counts, refused spans). The
// faults set with SetFaults stay; their windows restart.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fs.counts, s.fs.refused = nil, nil
	s.fs.since, s.fs.firstReq = s.opts.Now(), 0
	s.spans = nil
	s.counts = map[string]int{}
	s.traces = map[string]bool{}
	s.violations = nil
	s.requests = 0
	s.statuses = map[int]int{}
	s.faults = nil
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitForSpans blocks until at least n span logs were accepted (duplicates
// count) or ctx is done; then it returns an error saying how many arrived.
func (s *Server) WaitForSpans(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := len(s.spans), s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("sink: %d of %d span log(s) arrived: %w", s.SpanCount(), n, ctx.Err())
		}
	}
}
