// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/sink"
)

// otlpSet writes a multi-file OTLP/JSON set into dir and returns the file
// paths and the keys ("trace/span") of every span in it:
//   - requests.json: one ExportTraceServiceRequest, 2 traces × 3 spans;
//   - filexporter.jsonl: 3 lines as the collector's file exporter writes
//     them, one 4-span trace each;
//   - two-resources.json: one request with two resources, 2 spans each.
func otlpSet(t *testing.T, dir string) ([]string, map[string]bool) {
	t.Helper()
	keys := map[string]bool{}
	var next uint64 = 0x0e2e000000000000
	newTrace := func() pcommon.TraceID {
		next++
		var id [16]byte
		binary.BigEndian.PutUint64(id[:8], 0x5e5e5e5e00000000|next)
		binary.BigEndian.PutUint64(id[8:], next)
		return id
	}
	newSpan := func() pcommon.SpanID {
		next++
		var id [8]byte
		binary.BigEndian.PutUint64(id[:], next)
		return id
	}
	base := time.Now().Add(-time.Hour)
	// addTrace appends a trace of n spans (a workflow root and n-1 chat
	// calls under it) to a scope.
	addTrace := func(ss ptrace.ScopeSpans, n int, customer string) {
		tid := newTrace()
		rootID := newSpan()
		for i := range n {
			sp := ss.Spans().AppendEmpty()
			sp.SetTraceID(tid)
			start := base.Add(time.Duration(i) * 100 * time.Millisecond)
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(80 * time.Millisecond)))
			if i == 0 {
				sp.SetSpanID(rootID)
				sp.SetName("import_flow.workflow")
				sp.Attributes().PutStr("traceloop.span.kind", "workflow")
				sp.Attributes().PutStr("traceloop.workflow.name", "import_flow")
				sp.Attributes().PutStr("user.id", customer)
			} else {
				sp.SetSpanID(newSpan())
				sp.SetParentSpanID(rootID)
				sp.SetName("chat gpt-4o-mini")
				sp.SetKind(ptrace.SpanKindClient)
				a := sp.Attributes()
				a.PutStr("gen_ai.operation.name", "chat")
				a.PutStr("gen_ai.provider.name", "openai")
				a.PutStr("gen_ai.request.model", "gpt-4o-mini")
				a.PutStr("gen_ai.input.messages", fmt.Sprintf(`[{"role":"user","parts":[{"type":"text","content":"question %d"}]}]`, i))
				a.PutInt("gen_ai.usage.input_tokens", int64(10*i))
				a.PutInt("gen_ai.usage.output_tokens", int64(i))
			}
			keys[sink.SpanKey(tid.String(), sp.SpanID().String())] = true
		}
	}
	newRequest := func(service string) (ptrace.Traces, ptrace.ScopeSpans) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", service)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("e2e/import")
		return td, ss
	}
	var m ptrace.JSONMarshaler
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	marshal := func(td ptrace.Traces) []byte {
		b, err := m.MarshalTraces(td)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	var files []string
	td, ss := newRequest("import-a")
	addTrace(ss, 3, "cust-a1")
	addTrace(ss, 3, "cust-a2")
	files = append(files, write("requests.json", marshal(td)))

	var lines bytes.Buffer
	for i := range 3 {
		td, ss := newRequest("import-b")
		addTrace(ss, 4, fmt.Sprintf("cust-b%d", i))
		lines.Write(marshal(td))
		lines.WriteByte('\n')
	}
	files = append(files, write("filexporter.jsonl", lines.Bytes()))

	td, ss = newRequest("import-c1")
	addTrace(ss, 2, "cust-c1")
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "import-c2")
	ss2 := rs.ScopeSpans().AppendEmpty()
	addTrace(ss2, 2, "cust-c2")
	files = append(files, write("two-resources.json", marshal(td)))

	if len(keys) != 22 {
		t.Fatalf("generated %d spans, want 22", len(keys))
	}
	return files, keys
}

// runImport runs `otlp2respan import` and returns stdout, stderr and the
// exit code.
func runImport(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, toolBin, append([]string{"import"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("otlp2respan import: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("otlp2respan import did not finish within 2m")
	}
	return stdout.String(), stderr.String(), code
}

// TestImportDelivers: `otlp2respan import` of a multi-file OTLP/JSON set
// delivers every span exactly once, with its fields.
func TestImportDelivers(t *testing.T) {
	const key = "e2e-import-key"
	s, url := startSink(t, "sink", key)
	files, keys := otlpSet(t, t.TempDir())

	// The key from the environment (the documented default).
	stdout, stderr, code := runImport(t, cleanEnv("RESPAN_API_KEY="+key),
		append([]string{"-endpoint", url, "-progress", "never"}, files...)...)
	if code != 0 {
		t.Fatalf("import exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"files:        3", "spans read:   22", "spans sent:   22", "spans failed: 0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}

	// import returns after the exporter shut down, so everything is there.
	if n := s.SpanCount(); n != len(keys) {
		t.Fatalf("sink has %d span logs, want %d", n, len(keys))
	}
	assertClean(t, "sink", s)
	for _, sl := range s.Spans() {
		if !keys[sl.Key()] {
			t.Errorf("unexpected span %s", sl.Key())
		}
		delete(keys, sl.Key())
		switch sl.SpanName {
		case "import_flow.workflow":
			if sl.ParentID != "" || sl.LogType != "workflow" || sl.SpanWorkflowName != "import_flow" {
				t.Errorf("root %s: parent %q, log_type %q, workflow %q", sl.Key(), sl.ParentID, sl.LogType, sl.SpanWorkflowName)
			}
		case "chat gpt-4o-mini":
			if sl.ParentID == "" || sl.LogType != "chat" || sl.Model != "gpt-4o-mini" || sl.PromptTokens == 0 {
				t.Errorf("chat %s: parent %q, log_type %q, model %q, prompt_tokens %d", sl.Key(), sl.ParentID, sl.LogType, sl.Model, sl.PromptTokens)
			}
			if !strings.HasPrefix(sl.CustomerIdentifier, "cust-") {
				t.Errorf("chat %s: customer_identifier %q not propagated from the root", sl.Key(), sl.CustomerIdentifier)
			}
		default:
			t.Errorf("unexpected span name %q", sl.SpanName)
		}
	}
	if len(keys) > 0 {
		t.Errorf("%d span(s) never arrived", len(keys))
	}
}

// TestImportRejectedKey: when the API rejects the key, import fails (exit
// 1), says the key was rejected (401), and never prints the key.
func TestImportRejectedKey(t *testing.T) {
	s, url := startSink(t, "sink", "the-right-key")
	files, keys := otlpSet(t, t.TempDir())
	const wrongKey = "wrong-key-4f8a1c9e77d2"

	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"key from environment", cleanEnv("RESPAN_API_KEY=" + wrongKey), nil},
		{"key from flag", cleanEnv(), []string{"-api-key", wrongKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			args := append(append([]string{"-endpoint", url, "-progress", "never", "-retry-max-elapsed", "5s"}, tc.args...), files...)
			stdout, stderr, code := runImport(t, tc.env, args...)
			out := stdout + stderr
			if code != 1 {
				t.Errorf("exit code %d, want 1\n%s", code, out)
			}
			if strings.Contains(out, wrongKey) {
				t.Errorf("the API key appears in the output:\n%s", out)
			}
			if !strings.Contains(out, "401") || !strings.Contains(strings.ToLower(out), "key") {
				t.Errorf("the output does not say the API key was rejected (401):\n%s", out)
			}
			if !strings.Contains(stdout, fmt.Sprintf("spans failed: %d", len(keys))) {
				t.Errorf("summary does not count all %d spans as failed:\n%s", len(keys), stdout)
			}
			if n := s.SpanCount(); n != 0 {
				t.Errorf("sink accepted %d span logs with a wrong key", n)
			}
			if st := s.Statuses(); st[401] == 0 || len(st) != 1 {
				t.Errorf("sink answered %v, want only 401s", st)
			}
		})
	}
}
