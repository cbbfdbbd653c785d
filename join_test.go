// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/metadatatest"
)

// End-to-end tests of the logs join: the real factory (shared traces and
// logs components), the real translator, and the request bodies an ingest
// server receives. Fixtures in testdata/logsjoin follow what
// @opentelemetry/instrumentation-openai emits (docs/genai-conventions §8):
// one record per message, bodies {content}, {tool_calls}, {id, content},
// {index, finish_reason, message}, input records sharing one timestamp,
// and operation.details records for the Responses API.

const (
	spanAgent = "0a0a0a0a0a0a0a0a"
	spanA     = "a1a1a1a1a1a1a1a1" // chat turn 1: asks for a tool
	spanB     = "b2b2b2b2b2b2b2b2" // chat turn 2: answers with the tool result
	spanC     = "c3c3c3c3c3c3c3c3" // streaming, n=2
	spanD     = "d4d4d4d4d4d4d4d4" // Responses API
)

// fakeClock is the join's clock in tests; expiry runs when a test calls
// expire, so timing is exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1767225600, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type joinEnv struct {
	t      *testing.T
	srv    *ingestServer
	traces exporter.Traces
	logs   exporter.Logs
	join   *logsJoin
	clock  *fakeClock
	tel    *testEnv // for its counter helpers
}

// newJoinEnv builds the exporter as the collector would for one id in a
// traces and a logs pipeline. The queue is off, so every forwarded batch
// is one synchronous push and a test sees its request right away.
func newJoinEnv(t *testing.T, mutate func(*Config)) *joinEnv {
	t.Helper()
	return newJoinEnvClock(t, mutate, false)
}

// newJoinEnvClock is newJoinEnv; with realClock the join keeps time.Now
// (the clock must be chosen before Start launches the expiry loop).
func newJoinEnvClock(t *testing.T, mutate func(*Config), realClock bool) *joinEnv {
	t.Helper()
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)

	f := NewFactory()
	te, err := f.CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	le, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	env := &joinEnv{t: t, srv: srv, traces: te, logs: le, clock: newFakeClock(), tel: &testEnv{tt: tt}}
	env.join = le.(*logsSide).j
	if !realClock {
		env.join.now = env.clock.Now
	}
	require.Same(t, te.(*tracesSide).s, le.(*logsSide).s, "one instance for both pipelines")

	host := componenttest.NewNopHost()
	require.NoError(t, te.Start(context.Background(), host))
	require.NoError(t, le.Start(context.Background(), host))
	t.Cleanup(func() { env.shutdown() })
	return env
}

func (e *joinEnv) shutdown() {
	require.NoError(e.t, e.traces.Shutdown(context.Background()))
	require.NoError(e.t, e.logs.Shutdown(context.Background()))
}

func (e *joinEnv) sendTraces(td ptrace.Traces) {
	td.MarkReadOnly() // the join must never modify what it is given
	require.NoError(e.t, e.traces.ConsumeTraces(context.Background(), td))
}

func (e *joinEnv) sendLogs(ld plog.Logs) {
	ld.MarkReadOnly()
	require.NoError(e.t, e.logs.ConsumeLogs(context.Background(), ld))
}

func (e *joinEnv) counter(name string, attrs ...string) int64 {
	return e.tel.counter(e.t, name, attrs...)
}

// spanLogs decodes every span log the server received, by span id.
func (e *joinEnv) spanLogs() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range e.srv.requests() {
		var arr []map[string]any
		require.NoError(e.t, json.Unmarshal(r.body, &arr))
		for _, o := range arr {
			id, _ := o["span_unique_id"].(string)
			_, dup := out[id]
			require.False(e.t, dup, "span %s sent twice", id)
			out[id] = o
		}
	}
	return out
}

func loadTracesFixture(t *testing.T, name string) ptrace.Traces {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "logsjoin", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	require.NoError(t, err)
	return td
}

func loadLogsFixture(t *testing.T, name string) plog.Logs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "logsjoin", name))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	return ld
}

// splitLogs returns the records of ld at positions [from, to) (in file
// order) as their own Logs, as a separate export would carry them.
func splitLogs(ld plog.Logs, from, to int) plog.Logs {
	out := plog.NewLogs()
	n := 0
	for r := 0; r < ld.ResourceLogs().Len(); r++ {
		rl := ld.ResourceLogs().At(r)
		drl := out.ResourceLogs().AppendEmpty()
		rl.Resource().CopyTo(drl.Resource())
		for s := 0; s < rl.ScopeLogs().Len(); s++ {
			sl := rl.ScopeLogs().At(s)
			dsl := drl.ScopeLogs().AppendEmpty()
			sl.Scope().CopyTo(dsl.Scope())
			for i := 0; i < sl.LogRecords().Len(); i, n = i+1, n+1 {
				if n >= from && n < to {
					sl.LogRecords().At(i).CopyTo(dsl.LogRecords().AppendEmpty())
				}
			}
		}
	}
	return out
}

// summary renders a span log's messages one per line, e.g.
// "assistant: →get_weather({"city":"Paris"})#call_w1", "tool#call_w1: …".
func summary(t *testing.T, sl map[string]any) (prompt []string, completion []string) {
	t.Helper()
	msg := func(m map[string]any) string {
		var b strings.Builder
		b.WriteString(fmt.Sprint(m["role"]))
		if id, ok := m["tool_call_id"]; ok {
			b.WriteString("#" + fmt.Sprint(id))
		}
		b.WriteString(":")
		if c, ok := m["content"]; ok && c != nil {
			if s, isStr := c.(string); isStr {
				b.WriteString(" " + s)
			} else {
				j, _ := json.Marshal(c)
				b.WriteString(" " + string(j))
			}
		}
		calls, _ := m["tool_calls"].([]any)
		for _, c := range calls {
			cm := c.(map[string]any)
			fn := cm["function"].(map[string]any)
			fmt.Fprintf(&b, " →%s(%s)#%s", fn["name"], fn["arguments"], cm["id"])
		}
		return b.String()
	}
	pm, _ := sl["prompt_messages"].([]any)
	for _, m := range pm {
		prompt = append(prompt, msg(m.(map[string]any)))
	}
	if cms, ok := sl["completion_messages"].([]any); ok {
		for _, m := range cms {
			completion = append(completion, msg(m.(map[string]any)))
		}
	} else if cm, ok := sl["completion_message"].(map[string]any); ok {
		completion = append(completion, msg(cm))
	}
	return prompt, completion
}

func warningsOf(sl map[string]any) string {
	s, _ := sl["warnings"].(string)
	if md, ok := sl["metadata"].(map[string]any); ok {
		// Until the translator maps respan.exporter.warnings into warnings
		// (docs/logs-join.md), it is a leftover metadata value.
		if w, ok := md[attrExporterWarnings]; ok {
			s += fmt.Sprint(w)
		}
	}
	return s
}

// The complete, ordered conversation of the chat-with-tool-call fixture.
var (
	wantPromptA = []string{
		"system: You are a weather assistant. Use tools.",
		"user: What's the weather in Paris?",
	}
	wantCompletionA = []string{`assistant: →get_weather({"city":"Paris"})#call_w1`}
	wantPromptB     = []string{
		"system: You are a weather assistant. Use tools.",
		"user: What's the weather in Paris?",
		`assistant: →get_weather({"city":"Paris"})#call_w1`,
		"tool#call_w1: 18°C and sunny",
	}
	wantCompletionB = []string{"assistant: It is 18°C and sunny in Paris."}
)

func assertChatJoined(t *testing.T, env *joinEnv) {
	t.Helper()
	logs := env.spanLogs()
	require.Len(t, logs, 3)
	p, c := summary(t, logs[spanA])
	assert.Equal(t, wantPromptA, p)
	assert.Equal(t, wantCompletionA, c)
	p, c = summary(t, logs[spanB])
	assert.Equal(t, wantPromptB, p)
	assert.Equal(t, wantCompletionB, c)
	for _, id := range []string{spanA, spanB, spanAgent} {
		assert.Empty(t, warningsOf(logs[id]), id)
	}
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_spans_joined"))
	assert.Equal(t, int64(8), env.counter("otelcol_exporter_respan_logs_join_records_joined"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_spans_without_content"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_waiting"), "nothing left waiting")
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_waiting_bytes"))
}

// TestLogsJoinChatWithToolCall runs the two model calls of one tool-using
// turn through every arrival order the SDK export schedules produce. The
// records of turn 2 share a timestamp and are listed shuffled (tool result
// before the call it answers, system message last).
func TestLogsJoinChatWithToolCall(t *testing.T) {
	// Records in file order: 0-2 turn 1 (system, user, choice), 3-7 turn 2
	// (tool, user, choice, assistant, system).
	for _, tc := range []struct {
		name  string
		steps []string // "traces", "logs", "logs[a:b]"
	}{
		{"records before span", []string{"logs", "traces"}},
		{"span before records", []string{"traces", "logs"}},
		{"records split across batches, span last", []string{"logs[0:4]", "logs[4:8]", "traces"}},
		{"records split across batches, span between", []string{"logs[0:4]", "traces", "logs[4:8]"}},
		{"span first, records in three batches", []string{"traces", "logs[0:2]", "logs[2:5]", "logs[5:8]"}},
		{"choice batch before input batch, span last", []string{"logs[2:3]", "logs[5:6]", "logs[0:2]", "logs[3:5]", "logs[6:8]", "traces"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newJoinEnv(t, nil)
			ld := loadLogsFixture(t, "chat_tool_call_logs.json")
			for _, step := range tc.steps {
				switch {
				case step == "traces":
					env.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
				case step == "logs":
					env.sendLogs(ld)
				default:
					var from, to int
					_, err := fmt.Sscanf(step, "logs[%d:%d]", &from, &to)
					require.NoError(t, err)
					env.sendLogs(splitLogs(ld, from, to))
				}
			}
			// Everything was joined without waiting for the window.
			assertChatJoined(t, env)
		})
	}
}

// TestLogsJoinRecordsFirstKeepsTheBatch: when the records are already
// there, the joined spans leave in the same request as the spans they
// arrived with (batch-local translation still sees the whole batch).
func TestLogsJoinRecordsFirstKeepsTheBatch(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendLogs(loadLogsFixture(t, "chat_tool_call_logs.json"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_waiting"), "two record groups wait")
	env.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	reqs := env.srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{spanA, spanB, spanAgent}, reqs[0].ids, "input order kept")
	assertChatJoined(t, env)
}

// TestLogsJoinSpanFirstWaits: a span that arrives before its records
// waits; spans that need no content leave at once.
func TestLogsJoinSpanFirstWaits(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	reqs := env.srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{spanAgent}, reqs[0].ids, "the agent span is not a model call")
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_waiting"))

	env.clock.Advance(4 * time.Second)
	env.join.expire()
	require.Len(t, env.srv.requests(), 1, "still within the window")

	env.sendLogs(loadLogsFixture(t, "chat_tool_call_logs.json"))
	assertChatJoined(t, env)
}

// TestLogsJoinStreamingTwoChoices: a streamed call with n=2. The span comes
// first; its user message in one export, the choices (index 1 first, same
// timestamp) in the next. The span leaves once both choices are in.
func TestLogsJoinStreamingTwoChoices(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	env.sendLogs(loadLogsFixture(t, "streaming_logs_1.json"))
	assert.Empty(t, env.srv.requests(), "input alone does not complete a call")
	logs2 := loadLogsFixture(t, "streaming_logs_2.json")
	env.sendLogs(splitLogs(logs2, 0, 1))
	assert.Empty(t, env.srv.requests(), "finish_reasons promises two choices")
	env.sendLogs(splitLogs(logs2, 1, 2))

	logs := env.spanLogs()
	require.Contains(t, logs, spanC)
	p, c := summary(t, logs[spanC])
	assert.Equal(t, []string{"user: Write a haiku about the sea."}, p)
	assert.Equal(t, []string{"assistant: Waves fold into foam", "assistant: Salt wind, grey water"}, c, "choices by index")
	assert.NotContains(t, warningsOf(logs[spanC]), "prompt/completion", "(streaming without usage does warn about tokens)")
	assert.Equal(t, int64(3), env.counter("otelcol_exporter_respan_logs_join_records_joined"))
}

// TestLogsJoinResponsesAPI: instrumentation-openai's Responses API records
// are operation.details events: the input list only in the body, the
// output list in gen_ai.output.messages (and the body). The instructions
// on the span do not count as content.
func TestLogsJoinResponsesAPI(t *testing.T) {
	for _, order := range []string{"records first", "span first"} {
		t.Run(order, func(t *testing.T) {
			env := newJoinEnv(t, nil)
			if order == "records first" {
				env.sendLogs(loadLogsFixture(t, "responses_logs.json"))
				env.sendTraces(loadTracesFixture(t, "responses_traces.json"))
			} else {
				env.sendTraces(loadTracesFixture(t, "responses_traces.json"))
				assert.Empty(t, env.srv.requests(), "waits despite gen_ai.system_instructions")
				env.sendLogs(loadLogsFixture(t, "responses_logs.json"))
			}
			logs := env.spanLogs()
			require.Contains(t, logs, spanD)
			p, c := summary(t, logs[spanD])
			assert.Equal(t, []string{"system: Answer in one word.", "user: Capital of France?"}, p)
			assert.Equal(t, []string{"assistant: Paris"}, c)
			assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_joined"))
		})
	}
}

// TestLogsJoinOrphansAndIgnoredRecords: records for a span that never
// comes are dropped after the window, records without span context at
// once, and records that are not content are ignored; all counted, none
// sent.
func TestLogsJoinOrphansAndIgnoredRecords(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendLogs(loadLogsFixture(t, "orphans_logs.json"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_records_ignored"), "a plain log and an evaluation event")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=no_span_id"))
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_waiting"))

	env.clock.Advance(defaultJoinWindow - time.Millisecond)
	env.join.expire()
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=expired"))
	env.clock.Advance(time.Millisecond)
	env.join.expire()
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=expired"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_waiting"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_waiting_bytes"))
	assert.Empty(t, env.srv.requests(), "records are never sent as spans")
}

// TestLogsJoinWindowExpiry: a model-call span whose records never come is
// sent when the window ends, without content and with a warning.
func TestLogsJoinWindowExpiry(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	env.clock.Advance(defaultJoinWindow - time.Millisecond)
	env.join.expire()
	assert.Empty(t, env.srv.requests())
	env.clock.Advance(time.Millisecond)
	env.join.expire()

	logs := env.spanLogs()
	require.Contains(t, logs, spanC)
	assert.Nil(t, logs[spanC]["prompt_messages"])
	assert.Contains(t, warningsOf(logs[spanC]), "no prompt/completion log records arrived")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=expired"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_spans_joined"))
}

// TestLogsJoinCallInProgress: input records are logged when a call starts,
// the span only when it ends, so inputs wait up to max_call_duration, not
// the window; the end of the call (its choice) starts the window.
func TestLogsJoinCallInProgress(t *testing.T) {
	env := newJoinEnv(t, nil)
	ld := loadLogsFixture(t, "chat_tool_call_logs.json")
	env.sendLogs(splitLogs(ld, 0, 2)) // turn 1: system + user, call running
	env.clock.Advance(time.Minute)    // a long call
	env.join.expire()
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned"))
	env.sendLogs(splitLogs(ld, 2, 3)) // the choice: the call ended
	env.clock.Advance(defaultJoinWindow - time.Millisecond)
	env.join.expire()
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned"))

	td := loadTracesFixture(t, "chat_tool_call_traces.json")
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().RemoveIf(func(s ptrace.Span) bool { return s.SpanID().String() != spanA })
	env.sendTraces(td)
	p, c := summary(t, env.spanLogs()[spanA])
	assert.Equal(t, wantPromptA, p)
	assert.Equal(t, wantCompletionA, c)

	// Inputs of a call whose end never comes are dropped after
	// max_call_duration.
	env.sendLogs(splitLogs(ld, 3, 5)) // turn 2: tool + user
	env.clock.Advance(defaultJoinMaxCallDuration - time.Millisecond)
	env.join.expire()
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned"))
	env.clock.Advance(time.Millisecond)
	env.join.expire()
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=expired"))
}

// TestLogsJoinFailedCall: a failed call gets no choices; its input records
// complete it.
func TestLogsJoinFailedCall(t *testing.T) {
	env := newJoinEnv(t, nil)
	td := loadTracesFixture(t, "streaming_traces.json")
	sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Status().SetMessage("429 Too Many Requests")
	sp.Attributes().Remove("gen_ai.response.finish_reasons")
	env.sendTraces(td)
	assert.Empty(t, env.srv.requests())
	env.sendLogs(loadLogsFixture(t, "streaming_logs_1.json"))
	p, c := summary(t, env.spanLogs()[spanC])
	assert.Equal(t, []string{"user: Write a haiku about the sea."}, p)
	assert.Empty(t, c)
}

// manyChatSpans returns n content-less chat spans (ids 1..n) in one batch.
func manyChatSpans(n int) ptrace.Traces {
	td := makeTraces(1, 1, n)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < n; i++ {
		spans.At(i).Attributes().PutStr("gen_ai.operation.name", "chat")
	}
	return td
}

// TestLogsJoinBoundSpans: a full waiting area flushes its oldest entry
// early, counted, and never holds more than max_spans.
func TestLogsJoinBoundSpans(t *testing.T) {
	env := newJoinEnv(t, func(c *Config) { c.LogsJoin.MaxSpans = 2 })
	td := manyChatSpans(3)
	ids := spanIDsOf(td)
	env.sendTraces(td)
	reqs := env.srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{ids[0]}, reqs[0].ids, "the oldest leaves early")
	assert.Contains(t, warningsOf(env.spanLogs()[ids[0]]), "the logs join was full")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_early_flushes", "limit=max_spans"))
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=evicted"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_waiting"))

	// Record groups count too; evicted records are dropped, not sent.
	ld := loadLogsFixture(t, "orphans_logs.json") // one group for span E
	env.sendLogs(ld)
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_early_flushes", "limit=max_spans"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_waiting"))
	require.Len(t, env.srv.requests(), 2)
	assert.Equal(t, []string{ids[1]}, env.srv.requests()[1].ids)
}

// TestLogsJoinBoundBytes: the byte bound flushes the oldest too.
func TestLogsJoinBoundBytes(t *testing.T) {
	var one int64
	{
		td := manyChatSpans(1)
		rs := td.ResourceSpans().At(0)
		one = int64(spanSizer.ResourceSpansSize(copySpan(rs, rs.ScopeSpans().At(0), rs.ScopeSpans().At(0).Spans().At(0)).ResourceSpans().At(0)))
	}
	env := newJoinEnv(t, func(c *Config) { c.LogsJoin.MaxBytes = 3*one - 1 })
	td := manyChatSpans(3)
	ids := spanIDsOf(td)
	env.sendTraces(td)
	require.Len(t, env.srv.requests(), 1)
	assert.Equal(t, []string{ids[0]}, env.srv.requests()[0].ids)
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_early_flushes", "limit=max_bytes"))
	assert.LessOrEqual(t, env.counter("otelcol_exporter_respan_logs_join_waiting_bytes"), 3*one-1)
}

// TestLogsJoinShutdownFlushes: on shutdown every waiting span is sent and
// every waiting record group counted.
func TestLogsJoinShutdownFlushes(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	env.sendLogs(loadLogsFixture(t, "orphans_logs.json"))
	assert.Empty(t, env.srv.requests())

	// Shutting the traces side down first changes nothing: the instance
	// lives until its last component stops.
	require.NoError(t, env.traces.Shutdown(context.Background()))
	assert.Empty(t, env.srv.requests())
	require.NoError(t, env.logs.Shutdown(context.Background()))

	logs := env.spanLogs()
	require.Contains(t, logs, spanC)
	assert.Contains(t, warningsOf(logs[spanC]), "the collector shut down")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=shutdown"))
	assert.Equal(t, int64(2), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=shutdown"))
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_waiting"))
}

// TestLogsJoinExpiryLoop runs the real ticker (no fake clock).
func TestLogsJoinExpiryLoop(t *testing.T) {
	env := newJoinEnvClock(t, func(c *Config) { c.LogsJoin.Window = 30 * time.Millisecond }, true)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	require.Eventually(t, func() bool { return len(env.srv.requests()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=expired"))
}

// TestNoLogsPipelineNothingWaits: with only a traces pipeline the exporter
// is exactly the traces exporter: model-call spans without content leave
// at once and untouched.
func TestNoLogsPipelineNothingWaits(t *testing.T) {
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	te, err := NewFactory().CreateTraces(context.Background(), newTestEnv(t, cfg).set, cfg)
	require.NoError(t, err)
	require.Nil(t, te.(*tracesSide).s.join.Load())
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, te.Shutdown(context.Background())) }()

	td := loadTracesFixture(t, "streaming_traces.json")
	td.MarkReadOnly()
	require.NoError(t, te.ConsumeTraces(context.Background(), td))
	require.Len(t, srv.requests(), 1)
	var arr []map[string]any
	require.NoError(t, json.Unmarshal(srv.requests()[0].body, &arr))
	assert.NotContains(t, warningsOf(arr[0]), "prompt/completion")
}

// TestSharedInstances: one instance per config, reference-counted.
func TestSharedInstances(t *testing.T) {
	f := NewFactory()
	set := newTestEnv(t, testConfig("http://localhost")).set
	cfg1, cfg2 := testConfig("http://localhost"), testConfig("http://localhost")
	t1, err := f.CreateTraces(context.Background(), set, cfg1)
	require.NoError(t, err)
	l1, err := f.CreateLogs(context.Background(), set, cfg1)
	require.NoError(t, err)
	t2, err := f.CreateTraces(context.Background(), set, cfg2)
	require.NoError(t, err)
	assert.Same(t, t1.(*tracesSide).s, l1.(*logsSide).s)
	assert.NotSame(t, t1.(*tracesSide).s, t2.(*tracesSide).s)
	assert.Nil(t, t2.(*tracesSide).s.join.Load(), "cfg2 has no logs pipeline")

	host := componenttest.NewNopHost()
	for _, c := range []interface {
		Start(context.Context, component.Host) error
	}{t1, l1, t2} {
		require.NoError(t, c.Start(context.Background(), host))
	}
	require.NoError(t, t1.Shutdown(context.Background()))
	require.NoError(t, t1.Shutdown(context.Background()), "a second Shutdown is a no-op")
	sharedExporters.mu.Lock()
	_, live := sharedExporters.m[cfg1]
	sharedExporters.mu.Unlock()
	assert.True(t, live, "the logs side still holds the instance")
	require.NoError(t, l1.Shutdown(context.Background()))
	require.NoError(t, t2.Shutdown(context.Background()))
	sharedExporters.mu.Lock()
	defer sharedExporters.mu.Unlock()
	assert.NotContains(t, sharedExporters.m, cfg1)
	assert.NotContains(t, sharedExporters.m, cfg2)
}

// TestLogsJoinKeepsContextValues: spans released later are forwarded with
// the values of the context they came with (client metadata drives
// sending_queue partitioning), not with its cancellation.
func TestLogsJoinKeepsContextValues(t *testing.T) {
	type ctxKey struct{}
	var got []context.Context
	var mu sync.Mutex
	j := newLogsJoin(defaultLogsJoinConfig(), func(ctx context.Context, _ ptrace.Traces) error {
		mu.Lock()
		got = append(got, ctx)
		mu.Unlock()
		return nil
	}, newTestTelemetry(t), zapNop())
	clock := newFakeClock()
	j.now = clock.Now

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "tenant-a"))
	require.NoError(t, j.consumeTraces(ctx, manyChatSpans(2)))
	cancel()
	clock.Advance(defaultJoinWindow)
	j.expire()
	require.Len(t, got, 1, "spans of one call leave together")
	assert.Equal(t, "tenant-a", got[0].Value(ctxKey{}))
	assert.NoError(t, got[0].Err())
	require.NoError(t, j.shutdown(context.Background()))
}

func TestClassifyRecord(t *testing.T) {
	mk := func(f func(lr plog.LogRecord)) plog.LogRecord {
		lr := plog.NewLogRecord()
		f(lr)
		return lr
	}
	for _, tc := range []struct {
		name     string
		lr       plog.LogRecord
		wantName string
		wantKind recKind
	}{
		{"event_name field", mk(func(lr plog.LogRecord) { lr.SetEventName(evUserMessage) }), evUserMessage, recInput},
		{"event.name attribute", mk(func(lr plog.LogRecord) { lr.Attributes().PutStr("event.name", evChoice) }), evChoice, recChoice},
		{"operation details", mk(func(lr plog.LogRecord) { lr.SetEventName(evOperationDetails) }), evOperationDetails, recDetails},
		{"legacy prompt", mk(func(lr plog.LogRecord) { lr.SetEventName(evContentPrompt) }), evContentPrompt, recInput},
		{"other event", mk(func(lr plog.LogRecord) { lr.SetEventName("gen_ai.evaluation.result") }), "gen_ai.evaluation.result", recNone},
		{"plain log", mk(func(lr plog.LogRecord) { lr.Body().SetStr("hello") }), "", recNone},
		{"unnamed, output attribute", mk(func(lr plog.LogRecord) { lr.Attributes().PutEmptySlice(attrOutputMessages) }), evOperationDetails, recDetails},
		{"unnamed, choice body", mk(func(lr plog.LogRecord) {
			m := lr.Body().SetEmptyMap()
			m.PutStr("finish_reason", "stop")
			m.PutInt("index", 0)
		}), evChoice, recChoice},
		{"unnamed, tool body", mk(func(lr plog.LogRecord) {
			m := lr.Body().SetEmptyMap()
			m.PutStr("role", "tool")
			m.PutStr("content", "42")
		}), evToolMessage, recInput},
		{"unnamed, map without message keys", mk(func(lr plog.LogRecord) { lr.Body().SetEmptyMap().PutStr("role", "admin") }), "", recNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, kind := classifyRecord(tc.lr)
			assert.Equal(t, tc.wantName, name)
			assert.Equal(t, tc.wantKind, kind)
		})
	}
}

func TestOrderRecords(t *testing.T) {
	in := func(name string, ts uint64, f func(r *joinRecord)) joinRecord {
		r := joinRecord{name: name, kind: recInput, ts: ts}
		if name == evChoice {
			r.kind = recChoice
		}
		if f != nil {
			f(&r)
		}
		return r
	}
	var seq uint64
	next := func(r joinRecord) joinRecord { r.seq = seq; seq++; return r }
	recs := []joinRecord{
		next(in(evChoice, 9, func(r *joinRecord) { r.index = 1 })),
		next(in(evToolMessage, 5, func(r *joinRecord) { r.toolID = "b" })),
		next(in(evToolMessage, 5, func(r *joinRecord) { r.toolID = "a" })),
		next(in(evUserMessage, 5, nil)),
		next(in(evAssistantMessage, 5, func(r *joinRecord) { r.callIDs = []string{"a", "b"} })),
		next(in(evSystemMessage, 5, func(r *joinRecord) { r.system = true })),
		next(in(evChoice, 9, func(r *joinRecord) { r.index = 0 })),
		next(in(evUserMessage, 7, nil)), // a later timestamp wins over arrival
	}
	orderRecords(recs)
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s/%s%d", strings.TrimSuffix(strings.TrimPrefix(r.name, "gen_ai."), ".message"), r.toolID, r.index))
	}
	assert.Equal(t, []string{"system/0", "user/0", "assistant/0", "tool/a0", "tool/b0", "user/0", "choice/0", "choice/1"}, got)
}

func TestAwaitsContent(t *testing.T) {
	span := func(f func(s ptrace.Span)) ptrace.Span {
		s := ptrace.NewSpan()
		s.Attributes().PutStr("gen_ai.operation.name", "chat")
		f(s)
		return s
	}
	assert.True(t, awaitsContent(span(func(ptrace.Span) {})))
	assert.True(t, awaitsContent(span(func(s ptrace.Span) { s.Attributes().PutStr(attrSystemInstructions, "be terse") })))
	assert.False(t, awaitsContent(span(func(s ptrace.Span) { s.Attributes().PutStr(attrInputMessages, "[]") })))
	assert.False(t, awaitsContent(span(func(s ptrace.Span) { s.Attributes().PutStr("gen_ai.prompt.0.content", "hi") })))
	assert.False(t, awaitsContent(span(func(s ptrace.Span) { s.Events().AppendEmpty().SetName(evChoice) })))
	assert.False(t, awaitsContent(span(func(s ptrace.Span) { s.Attributes().PutStr("gen_ai.operation.name", "embeddings") })))
	assert.False(t, awaitsContent(span(func(s ptrace.Span) { s.Attributes().PutStr("gen_ai.operation.name", "execute_tool") })))
	assert.False(t, awaitsContent(ptrace.NewSpan()))
}
