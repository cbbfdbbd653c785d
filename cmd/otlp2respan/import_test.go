// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/sink"
)

const sinkKey = "sink-key-0123"

func newSink(t *testing.T, key string) (*sink.Server, string) {
	t.Helper()
	s := sink.New(sink.Options{APIKey: key})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func importCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := importMain(ctx, args, strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

// importInputs writes two single-request files and one JSON-lines file
// with two requests: 4 traces, 12 spans.
func importInputs(t *testing.T) ([]string, []ptrace.Traces) {
	tds := []ptrace.Traces{buildTraces(1), buildTraces(2), buildTraces(3), buildTraces(4)}
	a := writeFile(t, "a.json", marshal(t, tds[0]))
	b := writeFile(t, "b.json", marshal(t, tds[1]))
	lines := append(append(marshal(t, tds[2]), '\n'), marshal(t, tds[3])...)
	c := writeFile(t, "c.jsonl", append(lines, '\n'))
	return []string{a, b, c}, tds
}

// checkExactlyOnce asserts the sink got every span of tds exactly once and
// nothing else, with no contract violation.
func checkExactlyOnce(t *testing.T, s *sink.Server, tds ...ptrace.Traces) {
	t.Helper()
	want := map[string]bool{}
	for _, td := range tds {
		forEachSpan(td, func(sp ptrace.Span) { want[sink.SpanKey(sp.TraceID().String(), sp.SpanID().String())] = true })
	}
	counts := s.Counts()
	for k := range want {
		if counts[k] != 1 {
			t.Errorf("span %s arrived %d times, want once", k, counts[k])
		}
	}
	for k := range counts {
		if !want[k] {
			t.Errorf("unexpected span %s", k)
		}
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

func TestImportAllSpansExactlyOnce(t *testing.T) {
	s, url := newSink(t, sinkKey)
	files, tds := importInputs(t)
	r := importCLI(t, nil, append([]string{"-endpoint", url, "-api-key", sinkKey, "-progress", "never"}, files...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	checkExactlyOnce(t, s, tds...)
	for _, want := range []string{"files:        3\n", "spans read:   12\n", "spans sent:   12\n", "spans failed: 0\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
	// Spans are grouped by trace across files, and batches hold whole
	// traces: with the default batch size the 4 traces of the 3 files
	// travel together, in one request.
	if s.Requests() != 1 {
		t.Errorf("%d requests, want 1 (all traces in one batch)", s.Requests())
	}
}

func TestImportSmallBatchesAndRequests(t *testing.T) {
	s, url := newSink(t, sinkKey)
	files, tds := importInputs(t)
	// Key from the environment; 1-span batches split into 1-KiB requests.
	r := importCLI(t, map[string]string{"RESPAN_API_KEY": sinkKey},
		append([]string{"-endpoint", url, "-batch-spans", "1", "-max-request-bytes", "1024", "-progress", "never", "-v"}, files...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	checkExactlyOnce(t, s, tds...)
	if !strings.Contains(r.stdout, "spans sent:   12\n") || s.Requests() < 12 {
		t.Fatalf("requests %d, summary:\n%s", s.Requests(), r.stdout)
	}
	// Batches hold whole traces: 1-span batches still carry a trace each.
	if !strings.Contains(r.stderr, "batch 4: 3 span(s) of 1 trace(s)") {
		t.Errorf("-v: no batch lines: %s", r.stderr)
	}
}

func TestImportRetriesTransientFailures(t *testing.T) {
	s, url := newSink(t, sinkKey)
	files, tds := importInputs(t)
	s.FailNext(2, http.StatusServiceUnavailable)
	s.FailNext(1, http.StatusTooManyRequests)
	r := importCLI(t, nil, append([]string{"-endpoint", url, "-api-key", sinkKey, "-progress", "never",
		"-retry-initial-interval", "10ms"}, files...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	checkExactlyOnce(t, s, tds...)
	// One batch (all traces fit), its three failed attempts, its success.
	if s.Requests() != 4 || s.Statuses()[503] != 2 || s.Statuses()[429] != 1 {
		t.Fatalf("requests %d statuses %v", s.Requests(), s.Statuses())
	}
	if !strings.Contains(r.stderr, "Will retry") {
		t.Errorf("retries are not mentioned on stderr: %s", r.stderr)
	}
}

func TestImportWrongKeyFails(t *testing.T) {
	const badKey = "sk-WRONG-secret-987"
	for _, viaEnv := range []bool{false, true} {
		s, url := newSink(t, sinkKey)
		files, _ := importInputs(t)
		args := []string{"-endpoint", url, "-progress", "always"}
		env := map[string]string{"RESPAN_API_KEY": badKey}
		if !viaEnv {
			args = append(args, "-api-key", badKey)
			env = nil
		}
		r := importCLI(t, env, append(args, files...)...)
		if r.code != exitError {
			t.Fatalf("exit %d, want %d\n%s\n%s", r.code, exitError, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, badKey) || strings.Contains(r.stdout+r.stderr, "WRONG-secret") {
			t.Fatalf("the key was printed:\n%s\n%s", r.stdout, r.stderr)
		}
		for _, f := range files {
			if !strings.Contains(r.stderr, f+": ") {
				t.Errorf("stderr does not name %s:\n%s", f, r.stderr)
			}
		}
		if !strings.Contains(r.stderr, "span(s) not sent: 401: API key rejected") {
			t.Errorf("stderr does not give the reason:\n%s", r.stderr)
		}
		if !strings.Contains(r.stdout, "spans sent:   0\n") || !strings.Contains(r.stdout, "spans failed: 12\n") {
			t.Errorf("summary:\n%s", r.stdout)
		}
		// The first rejection stops the import: one request only.
		if s.Requests() != 1 || s.SpanCount() != 0 {
			t.Errorf("requests %d spans %d", s.Requests(), s.SpanCount())
		}
	}
}

func TestImportProgressBar(t *testing.T) {
	_, url := newSink(t, sinkKey)
	files, _ := importInputs(t)
	r := importCLI(t, nil, append([]string{"-endpoint", url, "-api-key", sinkKey, "-progress", "always"}, files...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "\r\x1b[K[") || !strings.Contains(r.stderr, "12/12 spans sent 100%") {
		t.Fatalf("no progress bar: %q", r.stderr)
	}
	if !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("the bar line is not ended: %q", r.stderr)
	}
}

func TestProgressBarLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressBar(&buf, 200, true)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.start = start
	p.now = func() time.Time { return start.Add(2 * time.Second) }
	p.add(50, 0)
	p.add(0, 10)
	p.setLabel("file 1/2")
	got := p.lineLocked(p.now())
	want := "[=========>                    ] 50/200 spans sent  30%  25 spans/s  10 failed  file 1/2"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	buf.Reset()
	p.log("a log line\n")
	if !strings.HasPrefix(buf.String(), "\r\x1b[Ka log line\n\r\x1b[K[") {
		t.Fatalf("log line does not clear and redraw the bar: %q", buf.String())
	}
	// The reading phase: bytes of the known total, then of an unknown one.
	r := newProgressBar(&buf, 0, true)
	r.startReading(4<<20, false)
	r.setRead(1<<20, 1200)
	if got, want := r.lineLocked(r.now()), "[=======>                      ] reading 1 MiB of 4 MiB  25%  1200 spans"; got != want {
		t.Fatalf("reading: got %q\nwant %q", got, want)
	}
	r.startReading(-1, true)
	if got := r.lineLocked(r.now()); got != "reading: 1 MiB, 1200 spans" {
		t.Fatalf("reading, unknown size: %q", got)
	}
	r.startSending(10)
	if got := r.lineLocked(r.now()); !strings.Contains(got, "0/10 spans sent") {
		t.Fatalf("sending after reading: %q", got)
	}
	// Disabled: only log lines, no control characters.
	buf.Reset()
	q := newProgressBar(&buf, 10, false)
	q.add(5, 0)
	q.log("x\n")
	q.finish()
	if buf.String() != "x\n" {
		t.Fatalf("disabled bar wrote %q", buf.String())
	}
}

func TestImportMissingIDsAreReported(t *testing.T) {
	s, url := newSink(t, sinkKey)
	td := buildTraces(5)
	bad := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	bad.SetTraceID(pcommon.TraceID{})
	bad.SetSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
	bad.SetName("broken")
	f := writeFile(t, "ids.json", marshal(t, td))
	r := importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, "-progress", "never", f)
	if r.code != exitError {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if s.SpanCount() != 3 || !strings.Contains(r.stdout, "spans sent:   3\n") || !strings.Contains(r.stdout, "spans failed: 1\n") {
		t.Fatalf("sink %d, summary:\n%s", s.SpanCount(), r.stdout)
	}
	if !strings.Contains(r.stderr, "ids.json: 1 span(s) not sent: missing trace or span id") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
}

func TestImportWrongEndpointAndUnreachable(t *testing.T) {
	_, url := newSink(t, sinkKey)
	files, _ := importInputs(t)
	r := importCLI(t, nil, append([]string{"-endpoint", url + "/nope", "-api-key", sinkKey, "-progress", "never"}, files...)...)
	if r.code != exitError || !strings.Contains(r.stderr, "404: wrong endpoint") {
		t.Fatalf("404: exit %d\n%s", r.code, r.stderr)
	}

	// Nothing listens: retried until the budget is spent, then reported.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	r = importCLI(t, nil, append([]string{"-endpoint", deadURL, "-api-key", sinkKey, "-progress", "never",
		"-retry-initial-interval", "10ms", "-retry-max-elapsed", "200ms"}, files...)...)
	if r.code != exitError || !strings.Contains(r.stderr, "12 span(s) not sent") && !strings.Contains(r.stderr, "cannot connect") {
		t.Fatalf("unreachable: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "spans failed: 12\n") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
}

func TestImportUsageAndInputErrors(t *testing.T) {
	s, url := newSink(t, sinkKey)
	if r := importCLI(t, nil, "-endpoint", url, "x.json"); r.code != exitUsage || !strings.Contains(r.stderr, "no API key") {
		t.Errorf("no key: %d %s", r.code, r.stderr)
	}
	if r := importCLI(t, nil, "-api-key", "k"); r.code != exitUsage || !strings.Contains(r.stderr, "no input files") {
		t.Errorf("no files: %d %s", r.code, r.stderr)
	}
	if r := importCLI(t, nil, "-h"); r.code != exitOK || !strings.Contains(r.stdout, "-max-request-bytes") || !strings.Contains(r.stdout, "RESPAN_API_KEY") {
		t.Errorf("-h: %d %s", r.code, r.stdout)
	}
	// -h never shows a key taken from the environment.
	t.Setenv("RESPAN_API_KEY", "env-secret-key")
	if r := runCLI("", "import", "-h"); strings.Contains(r.stdout+r.stderr, "env-secret-key") {
		t.Errorf("-h printed the key")
	}
	good, _ := importInputs(t)
	broken := writeFile(t, "broken.json", []byte(`{"resourceSpans": [`))
	// -strict: all or nothing.
	r := importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, "-strict", good[0], broken)
	if r.code != exitError || !strings.Contains(r.stderr, "broken.json:1: invalid JSON") || !strings.Contains(r.stderr, "nothing sent") {
		t.Errorf("broken input, -strict: %d %s", r.code, r.stderr)
	}
	if s.Requests() != 0 {
		t.Errorf("%d requests despite a bad input and -strict", s.Requests())
	}
	// Without: every valid line is sent, the bad one is named, exit 1.
	r = importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, good[0], broken)
	if r.code != exitError || !strings.Contains(r.stderr, "broken.json:1: invalid JSON") || s.SpanCount() != 3 {
		t.Errorf("broken input: %d, %d spans sent\n%s", r.code, s.SpanCount(), r.stderr)
	}
}

func TestChunkTraces(t *testing.T) {
	all := ptrace.NewTraces()
	for seed := byte(1); seed <= 3; seed++ {
		buildTraces(seed).ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	// Whole resource groups (3 spans each) when they fit.
	chunks := chunkTraces(all, 7)
	if len(chunks) != 2 || chunks[0].SpanCount() != 6 || chunks[1].SpanCount() != 3 {
		t.Fatalf("chunks %v", spanCounts(chunks))
	}
	// Groups split between spans when they do not, keeping resource and scope.
	chunks = chunkTraces(all, 2)
	if got := spanCounts(chunks); len(got) != 5 || got[0] != 2 || got[4] != 1 {
		t.Fatalf("chunks %v", got)
	}
	if strings.Join(spanIDs(chunks...), ",") != strings.Join(spanIDs(all), ",") {
		t.Fatal("spans lost or duplicated")
	}
	for _, c := range chunks {
		rs := c.ResourceSpans().At(0)
		if v, _ := rs.Resource().Attributes().Get("service.name"); v.Str() != "cli-test" || rs.ScopeSpans().At(0).Scope().Name() == "" {
			t.Fatal("resource or scope lost")
		}
	}
	if got := chunkTraces(all, 100); len(got) != 1 {
		t.Fatalf("small input split: %d", len(got))
	}
}

func spanCounts(tds []ptrace.Traces) []int {
	out := make([]int, len(tds))
	for i, td := range tds {
		out[i] = td.SpanCount()
	}
	return out
}

// TestImportGroupsTracesAcrossFiles: spans of each trace spread over three
// files (root in one, children in the others) get the identifiers of their
// root, as when the whole trace is in one file, with or without the
// temporary buckets.
func TestImportGroupsTracesAcrossFiles(t *testing.T) {
	all := ptrace.NewTraces()
	for seed := byte(1); seed <= 9; seed++ {
		buildTraces(seed).ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	parts := splitSpans(t, all, 3)
	for _, extra := range [][]string{nil, {"-group-bytes", "2000"}, {"-batch-spans", "4"}} {
		s, url := newSink(t, sinkKey)
		args := append([]string{"-endpoint", url, "-api-key", sinkKey, "-progress", "never"}, extra...)
		r := importCLI(t, nil, append(args, parts...)...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", extra, r.code, r.stdout, r.stderr)
		}
		checkExactlyOnce(t, s, all)
		for _, l := range s.Spans() {
			if l.CustomerIdentifier != "cust_1" {
				t.Errorf("%v: span %s (%s) has customer_identifier %q, want the root's cust_1", extra, l.SpanID, l.SpanName, l.CustomerIdentifier)
			}
		}
	}
}

// TestImportSendsValidLinesAndNamesBadOnes: bad lines (at their own line
// numbers) and a truncated last line are skipped, everything else is sent,
// and the exit status says something was wrong; -strict sends nothing.
func TestImportSendsValidLinesAndNamesBadOnes(t *testing.T) {
	tds := []ptrace.Traces{buildTraces(1), buildTraces(2), buildTraces(3)}
	var in bytes.Buffer
	in.Write(marshal(t, tds[0]))
	in.WriteString("\noops, not json\n")                // line 2
	in.Write(marshal(t, tds[1]))                        // line 3
	in.WriteString("\n" + `{"resourceLogs":[]}` + "\n") // line 4
	in.Write(marshal(t, tds[2]))                        // line 5
	in.WriteString("\n")
	in.Write(marshal(t, buildTraces(4))[:100]) // line 6, truncated
	p := writeFile(t, "mixed.jsonl", in.Bytes())

	s, url := newSink(t, sinkKey)
	r := importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, "-progress", "never", "-strict", p)
	if r.code != exitError || s.Requests() != 0 || !strings.Contains(r.stderr, "nothing sent") {
		t.Fatalf("-strict: exit %d, %d requests\n%s", r.code, s.Requests(), r.stderr)
	}
	r = importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, "-progress", "never", p)
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	checkExactlyOnce(t, s, tds...)
	for _, want := range []string{p + ":2:1: invalid JSON", p + ":4: not an OTLP/JSON trace request", p + ":6: invalid JSON: the value starting here is cut short",
		p + ": 3 bad line(s) skipped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "spans sent:   9\n") || !strings.Contains(r.stdout, "bad lines:    3\n") {
		t.Errorf("summary:\n%s", r.stdout)
	}
}

// TestImportDevZero: an endless binary input ends at once with a clear
// error, instead of being read until memory runs out.
func TestImportDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	s, url := newSink(t, sinkKey)
	good := writeFile(t, "good.json", marshal(t, buildTraces(1)))
	done := make(chan result, 1)
	go func() {
		done <- importCLI(t, nil, "-endpoint", url, "-api-key", sinkKey, "-progress", "never", good, "/dev/zero")
	}()
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "/dev/zero: not OTLP/JSON (binary data") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if s.SpanCount() != 3 {
			t.Errorf("%d spans sent, want the 3 of the good file", s.SpanCount())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("import /dev/zero does not stop")
	}
}
