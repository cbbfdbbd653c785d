// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/translator"
)

// buildTraces returns one request: an agent span with a chat child and a
// tool child, all in trace seed. Span ids are unique per seed.
func buildTraces(seed byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "cli-test")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("opentelemetry.instrumentation.openai_v2")
	tid := pcommon.TraceID{0x4f, 0xd8, 0x1b, 0x94, seed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	start := pcommon.Timestamp(1_787_220_900_000_000_000)

	root := ss.Spans().AppendEmpty()
	root.SetTraceID(tid)
	root.SetSpanID(pcommon.SpanID{seed, 0, 0, 0, 0, 0, 0, 1})
	root.SetName("invoke_agent Planner")
	root.SetStartTimestamp(start)
	root.SetEndTimestamp(start + 3_000_000_000)
	root.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")
	root.Attributes().PutStr("gen_ai.agent.name", "Planner")
	root.Attributes().PutStr("user.id", "cust_1")

	chat := ss.Spans().AppendEmpty()
	chat.SetTraceID(tid)
	chat.SetSpanID(pcommon.SpanID{seed, 0, 0, 0, 0, 0, 0, 2})
	chat.SetParentSpanID(root.SpanID())
	chat.SetName("chat gpt-4o")
	chat.SetKind(ptrace.SpanKindClient)
	chat.SetStartTimestamp(start + 100_000_000)
	chat.SetEndTimestamp(start + 1_100_000_000)
	a := chat.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Plan a day in Lisbon \"please\" ✓"}]}]`)
	a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Alfama, then Belém."}],"finish_reason":"stop"}]`)
	a.PutInt("gen_ai.usage.input_tokens", 21)
	a.PutInt("gen_ai.usage.output_tokens", 7)
	a.PutDouble("gen_ai.request.temperature", 0.2)

	tool := ss.Spans().AppendEmpty()
	tool.SetTraceID(tid)
	tool.SetSpanID(pcommon.SpanID{seed, 0, 0, 0, 0, 0, 0, 3})
	tool.SetParentSpanID(root.SpanID())
	tool.SetName("execute_tool get_weather")
	tool.SetStartTimestamp(start + 1_200_000_000)
	tool.SetEndTimestamp(start + 1_500_000_000)
	tool.Attributes().PutStr("gen_ai.operation.name", "execute_tool")
	tool.Attributes().PutStr("gen_ai.tool.name", "get_weather")
	tool.Attributes().PutStr("gen_ai.tool.call.arguments", `{"city":"Lisbon"}`)
	return td
}

func marshal(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// spanIDs lists the hex span ids of td, sorted.
func spanIDs(tds ...ptrace.Traces) []string {
	var ids []string
	for _, td := range tds {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			sss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					ids = append(ids, spans.At(k).SpanID().String())
				}
			}
		}
	}
	sort.Strings(ids)
	return ids
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// logsOf checks that out is a JSON array of objects and returns them.
func logsOf(t *testing.T, out string) []map[string]any {
	t.Helper()
	if !json.Valid([]byte(out)) {
		t.Fatalf("stdout is not valid JSON: %.300s", out)
	}
	if !strings.HasPrefix(out, "[") {
		t.Fatalf("stdout is not a JSON array: %.100s", out)
	}
	var logs []map[string]any
	if err := json.Unmarshal([]byte(out), &logs); err != nil {
		t.Fatalf("stdout is not an array of objects: %v", err)
	}
	return logs
}

// checkIDs checks that the span logs are exactly the spans of want.
func checkIDs(t *testing.T, logs []map[string]any, want ...ptrace.Traces) {
	t.Helper()
	var got []string
	for _, l := range logs {
		id, _ := l["span_unique_id"].(string)
		got = append(got, id)
	}
	sort.Strings(got)
	w := spanIDs(want...)
	if strings.Join(got, ",") != strings.Join(w, ",") {
		t.Fatalf("span_unique_id of the output = %v, want the input spans %v", got, w)
	}
}

func TestUsage(t *testing.T) {
	r := runCLI("")
	if r.code != exitUsage || !strings.Contains(r.stderr, "convert") {
		t.Errorf("no args: code %d, stderr %q; want usage and %d", r.code, r.stderr, exitUsage)
	}
	for _, h := range []string{"-h", "--help", "help"} {
		r = runCLI("", h)
		if r.code != exitOK || !strings.Contains(r.stdout, "Commands:") || !strings.Contains(r.stdout, "convert") {
			t.Errorf("%s: code %d, stdout %q", h, r.code, r.stdout)
		}
	}
	r = runCLI("", "frobnicate")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"convert", "-h"}, {"help", "convert"}} {
		r = runCLI("", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "-pretty") || !strings.Contains(r.stdout, "FILE...") {
			t.Errorf("%v: code %d, stdout %q", args, r.code, r.stdout)
		}
	}
	r = runCLI("", "convert")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no input files") {
		t.Errorf("convert without files: code %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI("", "convert", "-bogus", "x.json")
	if r.code != exitUsage || !strings.Contains(r.stderr, "-bogus") {
		t.Errorf("bad flag: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestConvertSingleFile(t *testing.T) {
	td := buildTraces(1)
	p := writeFile(t, "one.json", marshal(t, td))
	r := runCLI("", "convert", p)
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	checkIDs(t, logsOf(t, r.stdout), td)
}

func TestConvertPrettyPrintedFile(t *testing.T) {
	td := buildTraces(1)
	var buf bytes.Buffer
	if err := json.Indent(&buf, marshal(t, td), "", "  "); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "pretty.json", buf.Bytes())
	r := runCLI("", "convert", p)
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	checkIDs(t, logsOf(t, r.stdout), td)
}

func TestConvertJSONLines(t *testing.T) {
	tds := []ptrace.Traces{buildTraces(1), buildTraces(2), buildTraces(3)}
	var in bytes.Buffer
	for i, td := range tds {
		in.Write(marshal(t, td))
		if i == 1 {
			in.WriteString("\r\n\n   \n") // CRLF and blank lines are skipped
		} else {
			in.WriteByte('\n')
		}
	}
	p := writeFile(t, "traces.jsonl", in.Bytes())
	r := runCLI("", "convert", "-v", p)
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	// All three lines, not just the first (ptrace.JSONUnmarshaler alone stops after it).
	checkIDs(t, logsOf(t, r.stdout), tds...)
	if !strings.Contains(r.stderr, "3 request(s), 9 span(s)") {
		t.Errorf("summary line: %q", r.stderr)
	}
}

func TestConvertStdin(t *testing.T) {
	td := buildTraces(7)
	r := runCLI(string(marshal(t, td)), "convert", "-")
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	checkIDs(t, logsOf(t, r.stdout), td)

	r = runCLI(string(marshal(t, td)), "convert", "-", "-")
	if r.code == exitOK || !strings.Contains(r.stderr, "more than once") {
		t.Errorf("stdin twice: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestConvertSeveralInputsMakeOneArray(t *testing.T) {
	a, b, c := buildTraces(1), buildTraces(2), buildTraces(3)
	pa := writeFile(t, "a.json", marshal(t, a))
	pc := writeFile(t, "c.json", marshal(t, c))
	// Flags may follow files.
	r := runCLI(string(marshal(t, b)), "convert", pa, "-", pc, "-pretty")
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	checkIDs(t, logsOf(t, r.stdout), a, b, c)
}

func TestConvertExactWireBytes(t *testing.T) {
	td := buildTraces(4)
	p := writeFile(t, "one.json", marshal(t, td))
	r := runCLI("", "convert", p)
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	want := translator.EncodeArray(nil, translator.New(translator.DefaultOptions()).Translate(buildTraces(4)).Logs)
	if r.stdout != string(want) {
		t.Fatalf("stdout differs from the translator's bytes:\n got %.300s\nwant %.300s", r.stdout, want)
	}

	rp := runCLI("", "convert", "-pretty", p)
	if rp.code != exitOK || !strings.HasSuffix(rp.stdout, "\n") {
		t.Fatalf("-pretty: code %d, stderr %q", rp.code, rp.stderr)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(rp.stdout)); err != nil {
		t.Fatal(err)
	}
	if compact.String() != string(want) {
		t.Fatalf("-pretty changes more than whitespace")
	}
}

func TestConvertMissingFile(t *testing.T) {
	good := writeFile(t, "good.json", marshal(t, buildTraces(1)))
	missing := filepath.Join(t.TempDir(), "no-such-traces.json")
	r := runCLI("", "convert", good, missing)
	if r.code == exitOK {
		t.Fatalf("exit code 0 for a missing file")
	}
	if !strings.Contains(r.stderr, missing) || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("stderr %q does not name %s", r.stderr, missing)
	}
	if r.stdout != "" {
		t.Errorf("partial output on error: %.100s", r.stdout)
	}
}

func TestConvertBadJSONLine(t *testing.T) {
	var in bytes.Buffer
	in.Write(marshal(t, buildTraces(1)))
	in.WriteString("\n\n")
	in.WriteString(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x",}]}]}]}` + "\n") // line 3
	in.Write(marshal(t, buildTraces(2)))
	p := writeFile(t, "bad.jsonl", in.Bytes())
	r := runCLI("", "convert", p)
	if r.code == exitOK {
		t.Fatalf("exit code 0 for a bad line")
	}
	if !strings.Contains(r.stderr, p+":3:") {
		t.Errorf("stderr %q does not name %s:3", r.stderr, p)
	}
	if r.stdout != "" {
		t.Errorf("partial output on error: %.100s", r.stdout)
	}
}

func TestConvertBadInputs(t *testing.T) {
	good := string(marshal(t, buildTraces(1)))
	for _, tc := range []struct {
		name, in, want string
	}{
		{"not json", "hello", "<stdin>:1:1: invalid JSON"},
		{"truncated line", good + "\n" + good[:len(good)/2], "<stdin>:2: invalid JSON"},
		{"pretty doc with error", "{\n  \"resourceSpans\": [\n    {\"scopeSpans\": [}\n  ]\n}\n", "<stdin>:3:21: invalid JSON"},
		{"bad trace id", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`, "<stdin>: not an OTLP/JSON trace request"},
		{"bad id on line 2", good + "\n" + `{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"12"}]}]}]}`, "<stdin>:2: not an OTLP/JSON trace request"},
		{"logs request", `{"resourceLogs":[]}`, `no "resourceSpans" (top-level keys: resourceLogs)`},
		{"array", `[{"span_unique_id":"x"}]`, "found an array"},
		{"gzip", "\x1f\x8b\x08\x00", "gzip-compressed"},
		{"proto", "\x00\x00\x01\x0a\x0a\x8f", "not OTLP/JSON (binary data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(tc.in, "convert", "-")
			if r.code != exitError || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("code %d, stdout %.80q, stderr %q; want code 1 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

func TestConvertEmptyInputs(t *testing.T) {
	for _, in := range []string{"", "\n\n", "{}", `{"resourceSpans":[]}`} {
		r := runCLI(in, "convert", "-")
		if r.code != exitOK || r.stdout != "[]" {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want [] and 0", in, r.code, r.stdout, r.stderr)
		}
	}
}

func TestConvertReportsDrops(t *testing.T) {
	td := buildTraces(1)
	bad := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
	bad.SetSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9}) // no trace id
	bad.SetName("orphan")
	p := writeFile(t, "drop.json", marshal(t, td))

	r := runCLI("", "convert", p)
	if r.code != exitOK {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, string(translator.DropMissingTraceID)) {
		t.Errorf("stderr %q does not report the dropped span", r.stderr)
	}
	checkIDs(t, logsOf(t, r.stdout), buildTraces(1))

	if r := runCLI("", "convert", "-strict", p); r.code != exitError {
		t.Errorf("-strict with a dropped span: code %d", r.code)
	}
}

func TestDecodeOTLPJSONCountsRequests(t *testing.T) {
	one := marshal(t, buildTraces(1))
	data := bytes.Join([][]byte{one, one, nil, one}, []byte("\n"))
	dst := ptrace.NewTraces()
	n, err := decodeOTLPJSON("x", data, dst)
	if err != nil || n != 3 || dst.SpanCount() != 9 {
		t.Fatalf("n=%d spans=%d err=%v; want 3 requests, 9 spans", n, dst.SpanCount(), err)
	}
}

// TestConvertErrorAtFirstByteOfALine: the error is reported at its own
// line and column 1, not at the end of the line before.
func TestConvertErrorAtFirstByteOfALine(t *testing.T) {
	good := string(marshal(t, buildTraces(1)))
	p := writeFile(t, "first-byte.jsonl", []byte(good+"\n"+good+"\n]"+good+"\n"))
	r := runCLI("", "convert", p)
	if r.code != exitError || !strings.Contains(r.stderr, p+":3:1: invalid JSON") {
		t.Fatalf("code %d, stderr %q; want %s:3:1", r.code, r.stderr, p)
	}
}
