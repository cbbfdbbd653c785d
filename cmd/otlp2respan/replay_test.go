// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is a fake OTLP/HTTP traces receiver. Like the collector's,
// it reads protobuf and JSON requests and answers in the request's
// encoding: errors as a google.rpc.Status, successes as an
// ExportTraceServiceResponse (with a partial success when rejected > 0).
type otlpReceiver struct {
	mu       sync.Mutex
	got      []ptrace.Traces
	failNext int    // answer 503 to this many requests first
	status   int    // when set, answer this error instead of 200
	message  string // the error's message
	rejected int64  // partial success: spans rejected
	reason   string // partial success: its message
	requests int
	paths    []string
	types    []string
}

func (rc *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.paths = append(rc.paths, r.URL.Path)
	ct := r.Header.Get("Content-Type")
	rc.types = append(rc.types, ct)
	isJSON := ct == "application/json"
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost || (!isJSON && ct != "application/x-protobuf") {
		http.Error(w, "bad request line", http.StatusNotFound)
		return
	}
	answerError := func(code int, msg string) {
		st := &spb.Status{Code: 3, Message: msg}
		var b []byte
		if isJSON {
			b, _ = protojson.Marshal(st)
		} else {
			b, _ = proto.Marshal(st)
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(code)
		w.Write(b)
	}
	if rc.failNext > 0 {
		rc.failNext--
		answerError(http.StatusServiceUnavailable, "starting")
		return
	}
	if rc.status != 0 {
		answerError(rc.status, rc.message)
		return
	}
	body, _ := io.ReadAll(r.Body)
	req := ptraceotlp.NewExportRequest()
	var err error
	if isJSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		answerError(http.StatusBadRequest, err.Error())
		return
	}
	rc.got = append(rc.got, req.Traces())
	resp := ptraceotlp.NewExportResponse()
	if rc.rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(rc.rejected)
		resp.PartialSuccess().SetErrorMessage(rc.reason)
	}
	var b []byte
	if isJSON {
		b, _ = resp.MarshalJSON()
	} else {
		b, _ = resp.MarshalProto()
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
}

func (rc *otlpReceiver) traces() []ptrace.Traces {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]ptrace.Traces(nil), rc.got...)
}

func replayCLI(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// now is applied through the -now rebasing only; the flag stays default.
	replayNow = func() time.Time { return now }
	defer func() { replayNow = time.Now }()
	code := replayMain(ctx, args, strings.NewReader(""), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func latestEnd(tds ...ptrace.Traces) time.Time {
	var latest uint64
	for _, td := range tds {
		forEachSpan(td, func(sp ptrace.Span) { latest = max(latest, uint64(sp.EndTimestamp())) })
	}
	return time.Unix(0, int64(latest)).UTC()
}

func durations(tds ...ptrace.Traces) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, td := range tds {
		forEachSpan(td, func(sp ptrace.Span) {
			out[sp.Name()+"/"+sp.SpanID().String()] = sp.EndTimestamp().AsTime().Sub(sp.StartTimestamp().AsTime())
		})
	}
	return out
}

func TestReplayFilesWithRebase(t *testing.T) {
	rc := &otlpReceiver{failNext: 2} // the collector is still starting
	srv := httptest.NewServer(rc)
	defer srv.Close()
	orig := []ptrace.Traces{buildTraces(1), buildTraces(2), buildTraces(3)}
	a := writeFile(t, "a.json", marshal(t, orig[0]))
	b := writeFile(t, "b.jsonl", append(append(marshal(t, orig[1]), '\n'), marshal(t, orig[2])...))
	now := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

	r := replayCLI(t, now, "-endpoint", srv.URL, a, b)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	got := rc.traces()
	if len(got) != 2 {
		t.Fatalf("%d requests accepted, want 2 (one per file)", len(got))
	}
	if strings.Join(spanIDs(got...), ",") != strings.Join(spanIDs(orig...), ",") {
		t.Fatal("spans differ")
	}
	if !strings.Contains(r.stderr, "waiting for the receiver") {
		t.Errorf("no wait notice: %s", r.stderr)
	}
	if !strings.Contains(r.stdout, "sent "+a+": 3 span(s) in 1 request(s), times shifted by +") ||
		!strings.Contains(r.stdout, "replayed 2 file(s): 9 span(s) in 2 request(s) to "+srv.URL+"/v1/traces") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// Each file ends now; durations are kept.
	for i, td := range got {
		if e := latestEnd(td); !e.Equal(now) {
			t.Errorf("file %d ends %v, want %v", i, e, now)
		}
	}
	want := durations(orig...)
	for k, d := range durations(got...) {
		if want[k] != d {
			t.Errorf("%s lasts %v, want %v", k, d, want[k])
		}
	}
}

func TestReplayKeepsTimesAndRenewsIDs(t *testing.T) {
	rc := &otlpReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	orig := buildTraces(7)
	f := writeFile(t, "a.json", marshal(t, orig))

	r := replayCLI(t, time.Now(), "-endpoint", srv.URL+"/", "-now=false", f)
	if r.code != exitOK || !latestEnd(rc.traces()[0]).Equal(latestEnd(orig)) {
		t.Fatalf("-now=false: exit %d, end %v want %v\n%s", r.code, latestEnd(rc.traces()[0]), latestEnd(orig), r.stderr)
	}

	r = replayCLI(t, time.Now(), "-endpoint", srv.URL, "-now=false", "-new-ids", "-encoding", "json", f)
	if r.code != exitOK {
		t.Fatalf("-new-ids: exit %d\n%s", r.code, r.stderr)
	}
	// Sent by the collector's otlphttp exporter: protobuf by default.
	if rc.types[0] != "application/x-protobuf" || rc.types[1] != "application/json" {
		t.Errorf("content types %v, want protobuf then (-encoding json) JSON", rc.types)
	}
	td := rc.traces()[1]
	ids := map[string]bool{}
	for _, id := range spanIDs(orig) {
		ids[id] = true
	}
	byName := map[string]ptrace.Span{}
	forEachSpan(td, func(sp ptrace.Span) {
		if ids[sp.SpanID().String()] {
			t.Errorf("span %s kept its id", sp.Name())
		}
		if sp.TraceID() == orig.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).TraceID() {
			t.Errorf("span %s kept its trace id", sp.Name())
		}
		byName[sp.Name()] = sp
	})
	root := byName["invoke_agent Planner"]
	for _, child := range []string{"chat gpt-4o", "execute_tool get_weather"} {
		if byName[child].ParentSpanID() != root.SpanID() || byName[child].TraceID() != root.TraceID() {
			t.Errorf("%s lost its parent", child)
		}
	}
	if !root.ParentSpanID().IsEmpty() {
		t.Error("root got a parent")
	}
}

func TestReplayBundledExamples(t *testing.T) {
	rc := &otlpReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	now := time.Now().UTC().Truncate(time.Second)
	r := replayCLI(t, now, "-endpoint", srv.URL)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	got := rc.traces()
	if len(got) != 4 {
		t.Fatalf("%d requests, want one per bundled example (4)", len(got))
	}
	total := 0
	for _, td := range got {
		total += td.SpanCount()
		if !latestEnd(td).Equal(now) {
			t.Errorf("example ends %v, want now %v", latestEnd(td), now)
		}
	}
	if total != 20 || !strings.Contains(r.stdout, "sent example:01-otel-genai-agent.json: 4 span(s)") {
		t.Fatalf("%d spans; stdout:\n%s", total, r.stdout)
	}

	r = replayCLI(t, now, "-list")
	if r.code != exitOK || !strings.Contains(r.stdout, "04-errored-llm-call.json\t4 span(s)") || rc.requests != 4 {
		t.Fatalf("-list: %d %s", r.code, r.stdout)
	}
}

func TestReplayFailures(t *testing.T) {
	f := writeFile(t, "a.json", marshal(t, buildTraces(1)))

	// A permanent error is reported at once, with the receiver's words.
	rc := &otlpReceiver{status: http.StatusBadRequest, message: "unknown field \"foo\""}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	r := replayCLI(t, time.Now(), "-endpoint", srv.URL, f)
	if r.code != exitError || !strings.Contains(r.stderr, "a.json: request to "+srv.URL+"/v1/traces responded with HTTP Status Code 400, Message=unknown field") || rc.requests != 1 {
		t.Fatalf("400: exit %d, %d requests\n%s", r.code, rc.requests, r.stderr)
	}

	// Partial success counts as a failure.
	rc2 := &otlpReceiver{rejected: 2, reason: "bad spans"}
	srv2 := httptest.NewServer(rc2)
	defer srv2.Close()
	r = replayCLI(t, time.Now(), "-endpoint", srv2.URL, f)
	if r.code != exitError || !strings.Contains(r.stderr, "rejected 2 span(s): bad spans") {
		t.Fatalf("partial: exit %d\n%s", r.code, r.stderr)
	}

	// Nobody listening: retried for -wait, then given up.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	start := time.Now()
	r = replayCLI(t, time.Now(), "-endpoint", deadURL, "-wait", "600ms", f)
	if r.code != exitError || !strings.Contains(r.stderr, "gave up retrying within -wait 600ms") || !strings.Contains(r.stderr, "cannot connect") {
		t.Fatalf("dead: exit %d\n%s", r.code, r.stderr)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 5*time.Second { // retried at least once
		t.Errorf("waited %v", el)
	}

	// Wrong port: a 404 says what to check.
	nf := httptest.NewServer(http.NotFoundHandler())
	defer nf.Close()
	if r = replayCLI(t, time.Now(), "-endpoint", nf.URL, f); r.code != exitError || !strings.Contains(r.stderr, "OTLP/HTTP receiver") {
		t.Fatalf("404: %d %s", r.code, r.stderr)
	}

	// Bad command lines and inputs.
	if r = replayCLI(t, time.Now(), "-endpoint", "localhost:4318", f); r.code != exitUsage {
		t.Errorf("endpoint without scheme: %d %s", r.code, r.stderr)
	}
	if r = replayCLI(t, time.Now(), "-endpoint", srv.URL, "/no/such/file.json"); r.code != exitError || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: %d %s", r.code, r.stderr)
	}
}

func TestReplaySplitsLargeFiles(t *testing.T) {
	rc := &otlpReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	all := ptrace.NewTraces()
	for seed := byte(1); seed <= 4; seed++ {
		buildTraces(seed).ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	f := writeFile(t, "big.json", marshal(t, all))
	r := replayCLI(t, time.Now(), "-endpoint", srv.URL, "-max-spans", "6", f)
	if r.code != exitOK || len(rc.traces()) != 2 || !strings.Contains(r.stdout, "12 span(s) in 2 request(s)") {
		t.Fatalf("exit %d, %d requests\n%s%s", r.code, len(rc.traces()), r.stdout, r.stderr)
	}
}

func TestOTLPTracesURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:4318":            "http://127.0.0.1:4318/v1/traces",
		"http://127.0.0.1:4318/":           "http://127.0.0.1:4318/v1/traces",
		"https://otel.example/otlp":        "https://otel.example/otlp/v1/traces",
		"http://127.0.0.1:4318/v1/traces":  "http://127.0.0.1:4318/v1/traces",
		"http://127.0.0.1:4318/v1/traces/": "http://127.0.0.1:4318/v1/traces/",
	} {
		if got, err := otlpTracesURL(in); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:4318", "ftp://x/", "http://"} {
		if _, err := otlpTracesURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRedactWriter(t *testing.T) {
	var buf bytes.Buffer
	w := newRedactWriter(&buf, "sk-secret-1")
	n, err := io.WriteString(w, "Authorization: Bearer sk-secret-1 rejected\n")
	if err != nil || n != 43 || buf.String() != "Authorization: Bearer [REDACTED] rejected\n" {
		t.Fatalf("%d %v %q", n, err, buf.String())
	}
}

// TestReplayStdin: standard input is read twice (checked, then sent)
// through a temporary file, and a bad line in it sends nothing.
func TestReplayStdin(t *testing.T) {
	rc := &otlpReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	in := string(marshal(t, buildTraces(1))) + "\n" + string(marshal(t, buildTraces(2))) + "\n"
	var out, errb bytes.Buffer
	code := replayMain(context.Background(), []string{"-endpoint", srv.URL, "-now=false", "-"}, strings.NewReader(in), &out, &errb)
	if code != exitOK || len(rc.traces()) != 1 || rc.traces()[0].SpanCount() != 6 {
		t.Fatalf("exit %d, %d requests\n%s%s", code, len(rc.traces()), out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "sent <stdin>: 6 span(s) in 1 request(s)") {
		t.Errorf("stdout: %s", out.String())
	}
	out.Reset()
	errb.Reset()
	code = replayMain(context.Background(), []string{"-endpoint", srv.URL, "-"}, strings.NewReader(in+"{oops\n"), &out, &errb)
	if code != exitError || len(rc.traces()) != 1 || !strings.Contains(errb.String(), "<stdin>:3:2: invalid JSON") {
		t.Fatalf("bad line: exit %d, %d requests\n%s", code, len(rc.traces()), errb.String())
	}
}
