// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The replay test of the assembly stage (issue 14): real-shaped traces of
// several conventions, sent into the exporter one span per request in the
// orders SDKs produce, must give the span logs that translating each whole
// trace at once gives, field by field.

// replayCase is one trace file (one or more traces) with its content
// records, if any.
type replayCase struct {
	name string
	td   ptrace.Traces
	ld   plog.Logs
}

// rekey gives the traces of case i trace ids of their own (fixtures share
// ids), in the spans and in the records.
func rekey(c *replayCase, i int) {
	ids := map[pcommon.TraceID]pcommon.TraceID{}
	fix := func(id pcommon.TraceID) pcommon.TraceID {
		if id.IsEmpty() {
			return id
		}
		n, ok := ids[id]
		if !ok {
			n = id
			n[0], n[1], n[2] = 0xa5, byte(i), byte(len(ids))
			ids[id] = n
		}
		return n
	}
	rss := c.td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		sss := rss.At(r).ScopeSpans()
		for s := 0; s < sss.Len(); s++ {
			spans := sss.At(s).Spans()
			for k := 0; k < spans.Len(); k++ {
				spans.At(k).SetTraceID(fix(spans.At(k).TraceID()))
			}
		}
	}
	rls := c.ld.ResourceLogs()
	for r := 0; r < rls.Len(); r++ {
		sls := rls.At(r).ScopeLogs()
		for s := 0; s < sls.Len(); s++ {
			lrs := sls.At(s).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lrs.At(k).SetTraceID(fix(lrs.At(k).TraceID()))
			}
		}
	}
}

// agentTree is an agent run as the Vercel AI SDK v7 and Strands export
// it: the user and session ids only on the root invoke_agent span, which
// ends (and is exported) last. With nested, each turn's model call is
// recorded twice, as happens with two instrumentations installed (an
// OpenInference LLM span around the OpenLLMetry provider span), both
// reporting the same usage.
func agentTree(traceByte byte, nested bool) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "agent-app")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("ai")
	tid := pcommon.TraceID{traceByte, 0xa9, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	t0 := pcommon.Timestamp(1_767_225_600_000_000_000)
	add := func(id, parent byte, name string, start, end int, attrs map[string]any) {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(tid)
		sp.SetSpanID(pcommon.SpanID{traceByte, 0, 0, 0, 0, 0, 0, id})
		if parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{traceByte, 0, 0, 0, 0, 0, 0, parent})
		}
		sp.SetName(name)
		sp.SetStartTimestamp(t0 + pcommon.Timestamp(start)*1e6)
		sp.SetEndTimestamp(t0 + pcommon.Timestamp(end)*1e6)
		_ = sp.Attributes().FromRaw(attrs)
	}
	add(1, 0, "invoke_agent weather-bot", 0, 9000, map[string]any{
		"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather-bot",
		"user.id": "user-42", "session.id": "sess-7",
	})
	for turn := byte(0); turn < 3; turn++ {
		base := int(turn) * 3000
		outer, inner, tool := 10+turn*3, 11+turn*3, 12+turn*3
		add(outer, 1, "ai.generateText", base, base+2500, map[string]any{
			"ai.operationId": "ai.generateText", "ai.model.id": "gpt-4o", "ai.model.provider": "openai.chat",
			"ai.usage.promptTokens": 120 + int(turn), "ai.usage.completionTokens": 30,
			"ai.prompt": `{"prompt":"weather in Paris?"}`, "ai.response.text": "It is sunny.",
		})
		add(inner, outer, "ai.generateText.doGenerate", base+10, base+2000, map[string]any{
			"ai.operationId": "ai.generateText.doGenerate", "ai.model.id": "gpt-4o", "ai.model.provider": "openai.chat",
			"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
			"ai.usage.promptTokens": 120 + int(turn), "ai.usage.completionTokens": 30,
			"ai.prompt.messages": `[{"role":"user","content":"weather in Paris?"}]`, "ai.response.text": "It is sunny.",
		})
		if nested {
			llm, provider := 40+turn*2, 41+turn*2
			add(llm, inner, "ChatCompletion", base+20, base+1900, map[string]any{
				"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
				"llm.token_count.prompt": 120 + int(turn), "llm.token_count.completion": 30, "llm.cost.total": 0.002,
				"input.value": "weather in Paris?", "output.value": "It is sunny.",
			})
			add(provider, llm, "openai.chat", base+30, base+1800, map[string]any{
				"llm.request.type": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
				"gen_ai.usage.prompt_tokens": 120 + int(turn), "gen_ai.usage.completion_tokens": 30,
				"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "weather in Paris?",
				"gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "It is sunny.",
			})
		}
		add(tool, outer, "ai.toolCall", base+2100, base+2400, map[string]any{
			"ai.operationId": "ai.toolCall", "ai.toolCall.name": "get_weather", "ai.toolCall.id": fmt.Sprintf("call_%d", turn),
			"ai.toolCall.args": `{"city":"Paris"}`, "ai.toolCall.result": `{"sky":"sunny"}`,
		})
	}
	return td
}

func readTraces(t *testing.T, path string) ptrace.Traces {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	require.NoError(t, err)
	return td
}

func readLogs(t *testing.T, paths ...string) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
		require.NoError(t, err)
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

func replayCorpus(t *testing.T) []replayCase {
	var cases []replayCase
	files, err := filepath.Glob(filepath.Join("internal", "translator", "testdata", "fixtures", "*.json"))
	require.NoError(t, err)
	sort.Strings(files)
	for _, f := range files {
		if strings.HasSuffix(f, ".expected.json") {
			continue
		}
		cases = append(cases, replayCase{name: filepath.Base(f), td: readTraces(t, f), ld: plog.NewLogs()})
	}
	lj := func(name string) string { return filepath.Join("testdata", "logsjoin", name) }
	cases = append(cases,
		replayCase{"chat_tool_call", readTraces(t, lj("chat_tool_call_traces.json")), readLogs(t, lj("chat_tool_call_logs.json"))},
		replayCase{"streaming", readTraces(t, lj("streaming_traces.json")), readLogs(t, lj("streaming_logs_1.json"), lj("streaming_logs_2.json"))},
		replayCase{"responses", readTraces(t, lj("responses_traces.json")), readLogs(t, lj("responses_logs.json"))},
		replayCase{"agent-tree", agentTree(0x71, false), plog.NewLogs()},
		replayCase{"agent-tree-nested-calls", agentTree(0x72, true), plog.NewLogs()},
	)
	for i := range cases {
		rekey(&cases[i], i)
	}
	return cases
}

// replaySpan is one span of a case, alone in its own Traces, with its
// content records alone in their own Logs.
type replaySpan struct {
	id       string
	depth    int
	leaf     bool
	td       ptrace.Traces
	ld       plog.Logs // empty when the span has no records
	nRecords int
}

func splitCase(c replayCase) []replaySpan {
	recs := map[pcommon.SpanID]plog.Logs{}
	counts := map[pcommon.SpanID]int{}
	rls := c.ld.ResourceLogs()
	for r := 0; r < rls.Len(); r++ {
		sls := rls.At(r).ScopeLogs()
		for s := 0; s < sls.Len(); s++ {
			lrs := sls.At(s).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				ld, ok := recs[lr.SpanID()]
				if !ok {
					ld = plog.NewLogs()
					rl := ld.ResourceLogs().AppendEmpty()
					rls.At(r).Resource().CopyTo(rl.Resource())
					sl := rl.ScopeLogs().AppendEmpty()
					sls.At(s).Scope().CopyTo(sl.Scope())
					recs[lr.SpanID()] = ld
				}
				lr.CopyTo(ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty())
				counts[lr.SpanID()]++
			}
		}
	}
	parent := map[pcommon.SpanID]pcommon.SpanID{}
	hasChild := map[pcommon.SpanID]bool{}
	var out []replaySpan
	rss := c.td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		sss := rss.At(r).ScopeSpans()
		for s := 0; s < sss.Len(); s++ {
			spans := sss.At(s).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				parent[sp.SpanID()] = sp.ParentSpanID()
				hasChild[sp.ParentSpanID()] = true
				td := ptrace.NewTraces()
				rs := td.ResourceSpans().AppendEmpty()
				rss.At(r).Resource().CopyTo(rs.Resource())
				ss := rs.ScopeSpans().AppendEmpty()
				sss.At(s).Scope().CopyTo(ss.Scope())
				sp.CopyTo(ss.Spans().AppendEmpty())
				ld, ok := recs[sp.SpanID()]
				if !ok {
					ld = plog.NewLogs()
				}
				out = append(out, replaySpan{id: sp.SpanID().String(), td: td, ld: ld, nRecords: counts[sp.SpanID()]})
			}
		}
	}
	for i := range out {
		sid := out[i].td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SpanID()
		out[i].leaf = !hasChild[sid]
		d, p := 0, parent[sid]
		for !p.IsEmpty() && d < len(out) {
			d++
			p = parent[p]
		}
		out[i].depth = d
	}
	return out
}

// replayEvent is one request at a time offset.
type replayEvent struct {
	at   time.Duration
	seq  int
	td   *ptrace.Traces
	ld   *plog.Logs
	what string
}

// replayExporter is the exporter as the factory builds it for a traces
// and a logs pipeline, the sending queue off (each release is one push),
// the assembly stage on a fake clock.
type replayExporter struct {
	te  exporter.Traces
	le  exporter.Logs
	srv *ingestServer
	env *testEnv
	now time.Time
	mu  sync.Mutex
}

func newReplayExporter(t *testing.T, wait bool) *replayExporter {
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	cfg.Assembly.WaitForTraces = wait
	env := newTestEnv(t, cfg)
	f := NewFactory()
	te, err := f.CreateTraces(context.Background(), env.set, cfg)
	require.NoError(t, err)
	le, err := f.CreateLogs(context.Background(), env.set, cfg)
	require.NoError(t, err)
	r := &replayExporter{te: te, le: le, srv: srv, env: env, now: time.Unix(1_767_225_600, 0)}
	te.(*tracesSide).s.stage.Load().SetClock(r.clock)
	host := componenttest.NewNopHost()
	require.NoError(t, te.Start(context.Background(), host))
	require.NoError(t, le.Start(context.Background(), host))
	return r
}

func (r *replayExporter) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *replayExporter) advanceTo(t time.Time) {
	r.mu.Lock()
	if t.After(r.now) {
		r.now = t
	}
	r.mu.Unlock()
	r.te.(*tracesSide).s.stage.Load().Sweep()
}

func (r *replayExporter) stop(t *testing.T) {
	require.NoError(t, r.te.Shutdown(context.Background()))
	require.NoError(t, r.le.Shutdown(context.Background()))
}

// spanLogs decodes every span log sent, by span id; a span sent twice
// fails the test.
func (r *replayExporter) spanLogs(t *testing.T) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, req := range r.srv.requests() {
		var arr []map[string]any
		require.NoError(t, json.Unmarshal(req.body, &arr))
		for _, o := range arr {
			id := o["span_unique_id"].(string)
			_, dup := out[id]
			require.False(t, dup, "span %s sent twice", id)
			out[id] = o
		}
	}
	return out
}

// wholeTraces is the reference: every case's records, then its whole
// trace in one request, through the exporter without trace waiting (the
// join folds the records and the batch is translated at once).
func wholeTraces(t *testing.T, cases []replayCase) map[string]map[string]any {
	r := newReplayExporter(t, false)
	for _, c := range cases {
		ld := plog.NewLogs()
		c.ld.CopyTo(ld)
		require.NoError(t, r.le.ConsumeLogs(context.Background(), ld))
		td := ptrace.NewTraces()
		c.td.CopyTo(td)
		require.NoError(t, r.te.ConsumeTraces(context.Background(), td))
	}
	r.stop(t)
	return r.spanLogs(t)
}

// schedule turns a case into requests per scenario.
func schedule(scenario string, spans []replaySpan, rng *rand.Rand, suppressedChild map[string]bool) []replayEvent {
	var ev []replayEvent
	order := make([]int, len(spans))
	for i := range order {
		order[i] = i
	}
	addSpan := func(i int, at time.Duration, logsAt time.Duration) {
		s := spans[i]
		ev = append(ev, replayEvent{at: at, td: &spans[i].td, what: "span " + s.id})
		if s.nRecords > 0 {
			ev = append(ev, replayEvent{at: logsAt, ld: &spans[i].ld, what: "records of " + s.id})
		}
	}
	byDepthDesc := func() {
		sort.SliceStable(order, func(a, b int) bool { return spans[order[a]].depth > spans[order[b]].depth })
	}
	switch scenario {
	case "children-first, records before their span":
		// One span per request as a simple span processor (or a batch
		// processor for a trace longer than its delay) sends them, 700 ms
		// apart: several of the sending queue's 2 s flush windows.
		byDepthDesc()
		for k, i := range order {
			at := time.Duration(k) * 700 * time.Millisecond
			addSpan(i, at+300*time.Millisecond, at)
		}
	case "children-first, records after their span":
		byDepthDesc()
		for k, i := range order {
			at := time.Duration(k) * 900 * time.Millisecond
			addSpan(i, at, at+400*time.Millisecond)
		}
	case "shuffled":
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		step := min(150*time.Millisecond, 1500*time.Millisecond/time.Duration(len(order)))
		for k, i := range order {
			at := time.Duration(k) * step
			logsAt := at + time.Duration(rng.Intn(1000)-500)*time.Millisecond
			addSpan(i, at+500*time.Millisecond, logsAt+500*time.Millisecond)
		}
	case "straggler after its trace left":
		// Everything but one leaf in one request; the leaf 5 s later, after
		// its trace left (root_grace 2 s): completed from memory. A leaf
		// whose usage an ancestor repeats is not chosen: its outer copy has
		// left with the usage (the documented one-way case).
		straggler := -1
		for i := len(spans) - 1; i >= 0; i-- {
			if spans[i].leaf && spans[i].depth > 0 && !suppressedChild[spans[i].id] {
				straggler = i
				break
			}
		}
		for i := range spans {
			if i != straggler {
				addSpan(i, 0, -100*time.Millisecond)
			}
		}
		if straggler >= 0 {
			addSpan(straggler, 5*time.Second, 4700*time.Millisecond)
		}
	}
	return ev
}

func TestAssemblyReplayEqualsWholeTraces(t *testing.T) {
	cases := replayCorpus(t)
	want := wholeTraces(t, cases)
	require.NotEmpty(t, want)
	suppressedChild := map[string]bool{}
	for _, l := range want {
		if md, ok := l["metadata"].(map[string]any); ok {
			if s, ok := md["suppressed_usage"].(string); ok {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(s), &m))
				suppressedChild[fmt.Sprint(m["child_span_id"])] = true
			}
		}
	}
	require.NotEmpty(t, suppressedChild, "the corpus has nested model calls repeating usage")

	for _, scenario := range []string{
		"children-first, records before their span",
		"children-first, records after their span",
		"shuffled",
		"straggler after its trace left",
	} {
		t.Run(scenario, func(t *testing.T) {
			rng := rand.New(rand.NewSource(14))
			r := newReplayExporter(t, true)
			var events []replayEvent
			for ci, c := range cases {
				spans := splitCase(c)
				// Traces overlap: each starts 400 ms after the previous one.
				offset := time.Duration(ci) * 400 * time.Millisecond
				for _, e := range schedule(scenario, spans, rng, suppressedChild) {
					e.at += offset + time.Second
					e.seq = len(events)
					events = append(events, e)
				}
			}
			sort.SliceStable(events, func(a, b int) bool { return events[a].at < events[b].at })
			start := r.clock()
			for _, e := range events {
				r.advanceTo(start.Add(e.at))
				if e.td != nil {
					require.NoError(t, r.te.ConsumeTraces(context.Background(), *e.td), e.what)
				} else {
					require.NoError(t, r.le.ConsumeLogs(context.Background(), *e.ld), e.what)
				}
			}
			// Let every wait end (root_grace, windows, max_wait) as the
			// expiry loop would, second by second, then stop.
			for range 90 {
				r.advanceTo(r.clock().Add(time.Second))
			}
			inFlight := r.env.counter(t, "otelcol_exporter_respan_assembly_releases", "reason=shutdown")
			r.stop(t)
			require.Zero(t, inFlight, "everything left before shutdown")

			got := r.spanLogs(t)
			compareSpanLogs(t, want, got)
			if scenario == "straggler after its trace left" {
				require.Positive(t, r.env.counter(t, "otelcol_exporter_respan_assembly_late_spans"), "late spans completed from memory")
				require.Positive(t, r.env.counter(t, "otelcol_exporter_respan_assembly_releases", "reason=late"))
			}
			require.Positive(t, r.env.counter(t, "otelcol_exporter_respan_assembly_releases", "reason=root"))
		})
	}
}

// compareSpanLogs requires got to hold exactly the spans of want, each
// equal field by field.
func compareSpanLogs(t *testing.T, want, got map[string]map[string]any) {
	t.Helper()
	for id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("span %s (%v) was never sent", id, want[id]["span_name"])
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("span %s sent but not in the reference", id)
		}
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			continue
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		for k := range keys {
			if !reflect.DeepEqual(w[k], g[k]) {
				t.Errorf("span %s (%v): %s = %s, whole trace gives %s", id, w["span_name"], k, clipJSON(g[k]), clipJSON(w[k]))
			}
		}
	}
}

func clipJSON(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
