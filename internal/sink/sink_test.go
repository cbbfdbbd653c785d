// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package sink

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/translator"
)

const testKey = "sk-test-123"

// ingestResponse is the 200 body.
type ingestResponse struct {
	Status        string           `json:"status"`
	IngestedSpans int              `json:"ingested_spans"`
	CreatedTraces int              `json:"created_traces"`
	TraceIDs      []string         `json:"trace_ids"`
	Errors        []map[string]any `json:"errors"`
	Detail        string           `json:"detail"`
}

type client struct {
	t   *testing.T
	url string
}

func newTestServer(t *testing.T, opts Options) (*Server, *client) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, &client{t: t, url: srv.URL}
}

// post sends body to path with the test key and returns status and
// decoded response.
func (c *client) post(path string, body []byte, hdr map[string]string) (int, ingestResponse) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testKey)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out ingestResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("response is not JSON: %v: %s", err, raw)
	}
	return resp.StatusCode, out
}

// validSpan is a complete, valid span log; edit the map to break it.
func validSpan(trace, span, parent string) map[string]any {
	m := map[string]any{
		"trace_unique_id":     trace,
		"span_unique_id":      span,
		"span_name":           "chat gpt-4o",
		"span_workflow_name":  "plan",
		"start_time":          "2026-08-20T10:15:00.000000Z",
		"timestamp":           "2026-08-20T10:15:00.850000Z",
		"latency":             0.85,
		"log_type":            "chat",
		"model":               "gpt-4o",
		"provider_id":         "openai",
		"prompt_messages":     []any{map[string]any{"role": "user", "content": "hi"}},
		"completion_message":  map[string]any{"role": "assistant", "content": "hello"},
		"input":               `[{"role":"user","content":"hi"}]`,
		"output":              `{"role":"assistant","content":"hello"}`,
		"prompt_tokens":       12,
		"completion_tokens":   6,
		"stream":              false,
		"span_tools":          []any{"get_weather"},
		"tools":               []any{map[string]any{"type": "function"}},
		"customer_identifier": "cust_42",
		"thread_identifier":   "thread_7",
		"status_code":         200,
		"metadata":            map[string]any{"service.name": "faq-bot", "attempt": 2, "beta": true},
	}
	if parent != "" {
		m["span_parent_id"] = parent
	}
	return m
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidRequestIsRecorded(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	body := mustJSON(t, []any{
		validSpan("t1", "root", ""),
		validSpan("t1", "child", "root"),
		validSpan("t2", "other", ""),
	})
	status, resp := c.post("/v1/traces/ingest", body, nil)
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200: %+v", status, resp)
	}
	if resp.Status != "ok" || resp.IngestedSpans != 3 || resp.CreatedTraces != 2 || len(resp.Errors) != 0 {
		t.Fatalf("response %+v", resp)
	}
	if strings.Join(resp.TraceIDs, ",") != "t1,t2" {
		t.Fatalf("trace_ids %v", resp.TraceIDs)
	}
	if s.SpanCount() != 3 || s.Requests() != 1 || len(s.Violations()) != 0 {
		t.Fatalf("count %d requests %d violations %v", s.SpanCount(), s.Requests(), s.Violations())
	}
	spans := s.Spans()
	child := spans[1]
	if child.Key() != "t1/child" || child.ParentID != "root" || child.Model != "gpt-4o" || child.LogType != "chat" ||
		child.PromptTokens != 12 || child.CompletionTokens != 6 || child.Latency != 0.85 || child.StatusCode != 200 ||
		child.CustomerIdentifier != "cust_42" || child.ThreadIdentifier != "thread_7" || child.Request != 1 {
		t.Fatalf("decoded span %+v", child)
	}
	if !child.StartTime.Equal(time.Date(2026, 8, 20, 10, 15, 0, 0, time.UTC)) || child.Timestamp.Sub(child.StartTime) != 850*time.Millisecond {
		t.Fatalf("times %v %v", child.StartTime, child.Timestamp)
	}
	if child.Fields["span_name"] != "chat gpt-4o" || child.Metadata["attempt"] != float64(2) || !json.Valid(child.Raw) {
		t.Fatalf("fields %v metadata %v", child.Fields, child.Metadata)
	}
	if spans[0].ParentID != "" {
		t.Fatalf("root has parent %q", spans[0].ParentID)
	}

	// Same trace again: not a created trace, and duplicates are counted.
	status, resp = c.post("/api/v1/traces/ingest", mustJSON(t, []any{validSpan("t1", "child", "root")}), nil)
	if status != http.StatusOK || resp.CreatedTraces != 0 || resp.IngestedSpans != 1 {
		t.Fatalf("second request: %d %+v", status, resp)
	}
	counts := s.Counts()
	if counts["t1/child"] != 2 || counts["t1/root"] != 1 || counts["t2/other"] != 1 || len(counts) != 3 {
		t.Fatalf("counts %v", counts)
	}
	if d := s.Duplicates(); len(d) != 1 || d[0] != "t1/child" {
		t.Fatalf("duplicates %v", d)
	}
	if s.Statuses()[200] != 2 {
		t.Fatalf("statuses %v", s.Statuses())
	}
}

// The exporter's own encoding of a realistic span must pass every check.
func TestTranslatorOutputIsValid(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "faq-bot")
	ss := rs.ScopeSpans().AppendEmpty()
	start := pcommon.Timestamp(1_787_220_900_000_000_000)
	tid := pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	root := ss.Spans().AppendEmpty()
	root.SetTraceID(tid)
	root.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
	root.SetName("invoke_agent Planner")
	root.SetStartTimestamp(start)
	root.SetEndTimestamp(start + 2e9)
	root.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")
	root.Attributes().PutStr("user.id", "cust_1")
	chat := ss.Spans().AppendEmpty()
	chat.SetTraceID(tid)
	chat.SetSpanID(pcommon.SpanID{2, 2, 2, 2, 2, 2, 2, 2})
	chat.SetParentSpanID(root.SpanID())
	chat.SetName("chat gpt-4o")
	chat.SetStartTimestamp(start + 1e8)
	chat.SetEndTimestamp(start + 9e8)
	a := chat.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Plan a day"}]}]`)
	a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Alfama"}],"finish_reason":"stop"}]`)
	a.PutInt("gen_ai.usage.input_tokens", 21)
	a.PutInt("gen_ai.usage.output_tokens", 7)
	chat.Status().SetCode(ptrace.StatusCodeError)
	chat.Status().SetMessage("upstream timeout")

	res := translator.New(translator.DefaultOptions()).Translate(td)
	body := translator.EncodeArray(nil, res.Logs)
	s, c := newTestServer(t, Options{})
	status, resp := c.post("/v1/traces/ingest", body, map[string]string{"Authorization": ""})
	if status != 200 || resp.IngestedSpans != 2 || len(resp.Errors) != 0 {
		t.Fatalf("%d %+v; violations %v", status, resp, s.Violations())
	}
	sp := s.Spans()[1]
	if !sp.IsError() || sp.ErrorMessage != "upstream timeout" || sp.PromptTokens != 21 {
		t.Fatalf("chat span %+v", sp)
	}
}

func TestDataWrapperAndPaths(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	wrapped := mustJSON(t, map[string]any{"data": []any{validSpan("t1", "a", "")}})
	for _, p := range []string{"/v1/traces/ingest", "/api/v1/traces/ingest", "/api/traces/ingest/", "/api/traces/ingest", "/v1/traces/ingest/"} {
		status, resp := c.post(p, wrapped, nil)
		if status != 200 || resp.IngestedSpans != 1 {
			t.Errorf("%s: %d %+v", p, status, resp)
		}
	}
	if s.SpanCount() != 5 {
		t.Fatalf("span count %d", s.SpanCount())
	}
	// An empty array is a valid, empty request.
	if status, resp := c.post("/v1/traces/ingest", []byte("[]"), nil); status != 200 || resp.IngestedSpans != 0 {
		t.Fatalf("empty: %d %+v", status, resp)
	}
}

func TestViolations(t *testing.T) {
	long := strings.Repeat("é", 256)
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string // expected at the start of the error
	}{
		{"missing trace id", func(m map[string]any) { delete(m, "trace_unique_id") }, "trace_unique_id: required"},
		{"empty span id", func(m map[string]any) { m["span_unique_id"] = "" }, "span_unique_id: must not be empty"},
		{"numeric trace id", func(m map[string]any) { m["trace_unique_id"] = 5 }, "trace_unique_id: must be a string"},
		{"empty parent", func(m map[string]any) { m["span_parent_id"] = "" }, "span_parent_id: must be omitted or null"},
		{"numeric parent", func(m map[string]any) { m["span_parent_id"] = 7 }, "span_parent_id: must be a string or null"},
		{"span name type", func(m map[string]any) { m["span_name"] = []any{"x"} }, "span_name: must be a string"},
		{"span name too long", func(m map[string]any) { m["span_name"] = long }, "span_name: 256 characters, more than 255"},
		{"latency string", func(m map[string]any) { m["latency"] = "0.5" }, "latency: must be a number"},
		{"negative latency", func(m map[string]any) { m["latency"] = -0.1 }, "latency: must not be negative"},
		{"float tokens", func(m map[string]any) { m["prompt_tokens"] = 1.5 }, "prompt_tokens: must be a non-negative integer"},
		{"negative tokens", func(m map[string]any) { m["completion_tokens"] = -3 }, "completion_tokens: must not be negative"},
		{"string tokens", func(m map[string]any) { m["prompt_tokens"] = "12" }, "prompt_tokens: must be a non-negative integer"},
		{"status code float", func(m map[string]any) { m["status_code"] = 200.5 }, "status_code: must be an integer"},
		{"stream not bool", func(m map[string]any) { m["stream"] = "true" }, "stream: must be a boolean"},
		{"prompt_messages object", func(m map[string]any) { m["prompt_messages"] = map[string]any{} }, "prompt_messages: must be an array"},
		{"span_tools not strings", func(m map[string]any) { m["span_tools"] = []any{1} }, "span_tools: element 0 must be a string"},
		{"tools object", func(m map[string]any) { m["tools"] = map[string]any{} }, "tools: must be an array"},
		{"completion_message string", func(m map[string]any) { m["completion_message"] = "hi" }, "completion_message: must be an object"},
		{"metadata array", func(m map[string]any) { m["metadata"] = []any{} }, "metadata: must be an object"},
		{"metadata nested", func(m map[string]any) { m["metadata"] = map[string]any{"x": map[string]any{"y": 1}} }, "metadata.x: values must be strings, numbers or booleans"},
		{"start_time naive", func(m map[string]any) { m["start_time"] = "2026-08-20T10:15:00" }, "start_time: \"2026-08-20T10:15:00\" is not an RFC 3339 timestamp"},
		{"timestamp unix", func(m map[string]any) { m["timestamp"] = 1787220900 }, "timestamp: must be a string"},
		{"timestamp garbage", func(m map[string]any) { m["timestamp"] = "yesterday" }, "timestamp: \"yesterday\" is not an RFC 3339"},
		{"end before start", func(m map[string]any) { m["timestamp"] = "2026-08-20T10:14:59Z" }, "timestamp: the end"},
		{"input not JSON", func(m map[string]any) { m["input"] = "hello there" }, `input: "hello there" is not JSON text`},
		{"output object", func(m map[string]any) { m["output"] = map[string]any{"a": 1} }, "output: must be a string"},
		{"log_type unknown", func(m map[string]any) { m["log_type"] = "llm" }, `log_type: "llm" is not one of`},
		{"role unknown", func(m map[string]any) {
			m["prompt_messages"] = []any{map[string]any{"role": "user"}, map[string]any{"role": "model", "content": "x"}}
		}, `prompt_messages[1]: role: "model" is not one of`},
		{"role missing", func(m map[string]any) { m["completion_message"] = map[string]any{"content": "x"} }, "completion_message: role: required"},
		{"cost string", func(m map[string]any) { m["cost"] = "0.1" }, "cost: must be a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs []string
			var mu sync.Mutex
			s, c := newTestServer(t, Options{APIKey: testKey, Logf: func(f string, a ...any) {
				mu.Lock()
				logs = append(logs, fmt.Sprintf(f, a...))
				mu.Unlock()
			}})
			bad := validSpan("tb", "bad", "")
			tc.edit(bad)
			status, resp := c.post("/v1/traces/ingest", mustJSON(t, []any{validSpan("tg", "good", ""), bad}), nil)
			if status != http.StatusOK {
				t.Fatalf("status %d: the request must not be rejected as a whole", status)
			}
			if resp.IngestedSpans != 1 || len(resp.Errors) != 1 {
				t.Fatalf("response %+v", resp)
			}
			e := resp.Errors[0]
			if e["index"] != float64(1) {
				t.Errorf("error index %v", e["index"])
			}
			msg, _ := e["error"].(string)
			if !strings.HasPrefix(msg, tc.field) && !strings.Contains(msg, "; "+tc.field) {
				t.Errorf("error %q, want it to start with %q", msg, tc.field)
			}
			if s.SpanCount() != 1 || s.Spans()[0].SpanID != "good" {
				t.Errorf("recorded %v", s.Counts())
			}
			v := s.Violations()
			if len(v) != 1 || !strings.HasPrefix(v[0], "request 1: span log 1 (") || !strings.Contains(v[0], tc.field) {
				t.Errorf("violations %q", v)
			}
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(strings.Join(logs, "\n"), "contract violation: request 1: span log 1") {
				t.Errorf("logs %q", logs)
			}
		})
	}
}

func TestValidVariants(t *testing.T) {
	// Things the contract allows that a strict checker might wrongly refuse.
	m := validSpan("t", "s", "")
	m["span_parent_id"] = nil
	m["start_time"] = "2026-08-20T10:15:00+02:00"
	m["timestamp"] = "2026-08-20T08:15:01.123456789Z"
	m["output"] = "null"
	m["input"] = `"plain text"`
	m["stop"] = "END"
	m["log_type"] = "batch"
	m["metadata"] = map[string]any{"n": nil, "s": "x"}
	m["unknown_future_field"] = map[string]any{"anything": []any{1}}
	m["prompt_messages"] = []any{map[string]any{"role": "developer", "content": []any{map[string]any{"type": "text", "text": "x"}}}}
	s, c := newTestServer(t, Options{APIKey: testKey})
	status, resp := c.post("/v1/traces/ingest", mustJSON(t, []any{m}), nil)
	if status != 200 || resp.IngestedSpans != 1 {
		t.Fatalf("%d %+v %v", status, resp, s.Violations())
	}
}

func TestNonObjectElement(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	status, resp := c.post("/v1/traces/ingest", []byte(`[1, "x", {"trace_unique_id":"t","span_unique_id":"s"}]`), nil)
	if status != 200 || resp.IngestedSpans != 1 || len(resp.Errors) != 2 {
		t.Fatalf("%d %+v", status, resp)
	}
	if !strings.Contains(resp.Errors[0]["error"].(string), "must be a JSON object") {
		t.Fatalf("%v", resp.Errors[0])
	}
	if len(s.Violations()) != 2 {
		t.Fatalf("%v", s.Violations())
	}
}

func TestBadBodies(t *testing.T) {
	_, c := newTestServer(t, Options{APIKey: testKey})
	for _, body := range []string{``, `[`, `{"data": 1}`, `{"spans": []}`, `"x"`, `[{"a":1}] trailing`} {
		status, resp := c.post("/v1/traces/ingest", []byte(body), nil)
		if status != http.StatusBadRequest || resp.Detail != "Invalid request format" {
			t.Errorf("body %q: %d %+v", body, status, resp)
		}
	}
}

func TestAuth(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	body := mustJSON(t, []any{validSpan("t", "s", "")})
	for _, h := range []string{"", "Bearer wrong", testKey, "Basic " + testKey, "Bearer"} {
		status, resp := c.post("/v1/traces/ingest", body, map[string]string{"Authorization": h})
		if status != http.StatusUnauthorized || resp.Detail != "Your API key is invalid or expired" {
			t.Errorf("Authorization %q: %d %+v", h, status, resp)
		}
	}
	if status, _ := c.post("/v1/traces/ingest", body, map[string]string{"Authorization": "bearer " + testKey}); status != 200 {
		t.Errorf("lower-case scheme: %d", status)
	}
	if s.SpanCount() != 1 || s.Requests() != 6 || s.Statuses()[401] != 5 {
		t.Fatalf("count %d requests %d statuses %v", s.SpanCount(), s.Requests(), s.Statuses())
	}
	// No key configured: anything goes.
	s2, c2 := newTestServer(t, Options{})
	if status, _ := c2.post("/v1/traces/ingest", body, map[string]string{"Authorization": ""}); status != 200 || s2.SpanCount() != 1 {
		t.Fatalf("open sink: %d", status)
	}
}

func TestNotFoundAndMethod(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	body := mustJSON(t, []any{validSpan("t", "s", "")})
	for _, p := range []string{"/", "/v1/traces", "/api/v2/traces", "/v1/traces/ingest/x"} {
		if status, _ := c.post(p, body, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d", p, status)
		}
	}
	resp, err := http.Get(c.url + "/v1/traces/ingest")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if s.SpanCount() != 0 || s.Requests() != 0 {
		t.Fatalf("recorded %d / %d", s.SpanCount(), s.Requests())
	}
}

func TestBodyLimit(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey, MaxBodyBytes: 2000})
	small := mustJSON(t, []any{validSpan("t", "s", "")})
	if status, _ := c.post("/v1/traces/ingest", small, nil); status != 200 {
		t.Fatalf("small: %d", status)
	}
	big := validSpan("t", "big", "")
	big["input"] = `"` + strings.Repeat("a", 3000) + `"`
	bigBody := mustJSON(t, []any{big})
	if status, _ := c.post("/v1/traces/ingest", bigBody, nil); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big: %d", status)
	}
	// The limit also applies after decompression (a zip bomb).
	if status, _ := c.post("/v1/traces/ingest", gzipBytes(t, bigBody), map[string]string{"Content-Encoding": "gzip"}); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big gzip: %d", status)
	}
	if s.SpanCount() != 1 {
		t.Fatalf("count %d", s.SpanCount())
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCompressedBodies(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	body := mustJSON(t, []any{validSpan("t", "gz", "")})
	if status, resp := c.post("/v1/traces/ingest", gzipBytes(t, body), map[string]string{"Content-Encoding": "gzip"}); status != 200 || resp.IngestedSpans != 1 {
		t.Fatalf("gzip: %d %+v", status, resp)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	zbody := enc.EncodeAll(mustJSON(t, []any{validSpan("t", "zs", "")}), nil)
	enc.Close()
	if status, resp := c.post("/v1/traces/ingest", zbody, map[string]string{"Content-Encoding": "zstd"}); status != 200 || resp.IngestedSpans != 1 {
		t.Fatalf("zstd: %d %+v", status, resp)
	}
	if status, _ := c.post("/v1/traces/ingest", body, map[string]string{"Content-Encoding": "gzip"}); status != http.StatusBadRequest {
		t.Fatalf("plain body labelled gzip: %d", status)
	}
	if status, _ := c.post("/v1/traces/ingest", body, map[string]string{"Content-Encoding": "br"}); status != http.StatusUnsupportedMediaType {
		t.Fatalf("br: %d", status)
	}
	if got := s.Counts(); got["t/gz"] != 1 || got["t/zs"] != 1 {
		t.Fatalf("counts %v", got)
	}
}

func TestFailNext(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey})
	s.FailNext(2, http.StatusServiceUnavailable)
	s.FailNext(1, http.StatusTooManyRequests)
	body := mustJSON(t, []any{validSpan("t", "s", "")})
	want := []int{503, 503, 429, 200}
	for i, w := range want {
		if status, _ := c.post("/v1/traces/ingest", body, nil); status != w {
			t.Fatalf("request %d: %d, want %d", i, status, w)
		}
	}
	if s.SpanCount() != 1 || s.Requests() != 4 {
		t.Fatalf("count %d requests %d", s.SpanCount(), s.Requests())
	}
	s.Reset()
	if s.SpanCount() != 0 || s.Requests() != 0 || len(s.Counts()) != 0 {
		t.Fatal("Reset kept state")
	}
}

func TestWaitForSpans(t *testing.T) {
	s, c := newTestServer(t, Options{})
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.WaitForSpans(ctx, 2)
	}()
	c.post("/v1/traces/ingest", mustJSON(t, []any{validSpan("t", "a", "")}), nil)
	c.post("/v1/traces/ingest", mustJSON(t, []any{validSpan("t", "b", "")}), nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := s.WaitForSpans(ctx, 3)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 span log(s) arrived") {
		t.Fatalf("err %v", err)
	}
}

func TestTreeOutput(t *testing.T) {
	var out bytes.Buffer
	_, c := newTestServer(t, Options{Out: &out})
	root := validSpan("trace-1", "root", "")
	root["span_name"] = "answer.workflow"
	root["log_type"] = "workflow"
	delete(root, "model")
	delete(root, "prompt_tokens")
	delete(root, "completion_tokens")
	root["latency"] = 2.71
	root["start_time"] = "2026-08-20T10:15:00Z"
	root["timestamp"] = "2026-08-20T10:15:02.710Z"
	llm := validSpan("trace-1", "llm", "root")
	llm["span_name"] = "openai.chat"
	llm["start_time"] = "2026-08-20T10:15:01Z"
	llm["timestamp"] = "2026-08-20T10:15:01.850Z"
	tool := validSpan("trace-1", "tool", "root")
	tool["span_name"] = "search.tool"
	tool["log_type"] = "tool"
	tool["status_code"] = 500
	tool["status"] = "error"
	tool["error_message"] = "connection\nrefused"
	tool["latency"] = 0.0004
	delete(tool, "model")
	delete(tool, "prompt_tokens")
	delete(tool, "completion_tokens")
	tool["start_time"] = "2026-08-20T10:15:00.1Z"
	tool["timestamp"] = "2026-08-20T10:15:00.1004Z"
	nested := validSpan("trace-1", "nested", "llm")
	nested["span_name"] = "retry"
	delete(nested, "log_type")
	nested["latency"] = 75.5
	nested["start_time"] = "2026-08-20T10:15:01.1Z"
	nested["timestamp"] = "2026-08-20T10:16:16.6Z"
	orphan := validSpan("trace-1", "orphan", "gone")
	orphan["span_name"] = "late child"
	other := validSpan("trace-2", "solo", "")
	other["span_name"] = "embed"
	other["log_type"] = "embedding"
	delete(other, "customer_identifier")
	delete(other, "thread_identifier")
	delete(other, "span_workflow_name")
	bad := validSpan("trace-2", "bad", "")
	bad["latency"] = -1

	// Children listed before parents, as a BatchSpanProcessor sends them.
	c.post("/v1/traces/ingest", mustJSON(t, []any{nested, tool, llm, root, orphan, other, bad}), nil)
	want := `trace trace-1  workflow=plan  customer=cust_42  thread=thread_7  (5 spans, request #1)
├─ answer.workflow  [workflow]  2.71s  ✓
│  ├─ search.tool  [tool]  400µs  ✗ 500 connection refused
│  └─ openai.chat  [chat]  gpt-4o  12→6 tok  850ms  ✓
│     └─ retry  [no log_type]  gpt-4o  12→6 tok  1m15s  ✓
└─ late child  [chat]  gpt-4o  12→6 tok  850ms  ✓  (parent gone not received)
trace trace-2  (1 span, request #1)
└─ embed  [embedding]  gpt-4o  12→6 tok  850ms  ✓
✗ request #1: 1 span log(s) rejected
  ✗ span log 6 (trace-2/bad): latency: must not be negative, got -1
`
	if got := out.String(); got != want {
		t.Fatalf("tree output:\n%s\nwant:\n%s", got, want)
	}

	// A child whose parent came in an earlier request says so.
	out.Reset()
	late := validSpan("trace-1", "late", "root")
	late["span_name"] = "afterthought"
	c.post("/v1/traces/ingest", mustJSON(t, []any{late}), nil)
	if got := out.String(); !strings.Contains(got, "(1 span, request #2)") || !strings.Contains(got, "└─ afterthought  [chat]") ||
		!strings.Contains(got, "(parent root in an earlier request)") {
		t.Fatalf("second tree:\n%s", got)
	}
}

func TestTreeColor(t *testing.T) {
	var out bytes.Buffer
	_, c := newTestServer(t, Options{Out: &out, Color: true})
	c.post("/v1/traces/ingest", mustJSON(t, []any{validSpan("t", "s", "")}), nil)
	if !strings.Contains(out.String(), "\x1b[32m✓\x1b[0m") {
		t.Fatalf("no color: %q", out.String())
	}
}

func TestConcurrentRequests(t *testing.T) {
	var out bytes.Buffer
	s, c := newTestServer(t, Options{Out: &out})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := mustJSON(t, []any{validSpan(fmt.Sprintf("t%d", i), "a", ""), validSpan(fmt.Sprintf("t%d", i), "b", "a")})
			resp, err := http.Post(c.url+"/v1/traces/ingest", "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if s.SpanCount() != 40 || len(s.Counts()) != 40 || s.Requests() != 20 {
		t.Fatalf("count %d keys %d requests %d", s.SpanCount(), len(s.Counts()), s.Requests())
	}
	// Trees never interleave: each header is followed by its own two lines.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 60 {
		t.Fatalf("%d lines", len(lines))
	}
	for i := 0; i < len(lines); i += 3 {
		if !strings.HasPrefix(lines[i], "trace t") || !strings.HasPrefix(lines[i+1], "└─ ") || !strings.HasPrefix(lines[i+2], "   └─ ") {
			t.Fatalf("interleaved at %d:\n%s", i, strings.Join(lines[i:i+3], "\n"))
		}
	}
}
