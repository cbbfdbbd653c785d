// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/metadatatest"
	"github.com/respanai/respanexporter/internal/tracetest"
	"github.com/respanai/respanexporter/internal/translator"
)

// Tests of the logs join with the real translator behind it: what a
// forwarded batch becomes is the span-log JSON an ingest server would
// receive. Fixtures in testdata/logsjoin follow what
// @opentelemetry/instrumentation-openai emits (docs/conventions.md §8.2):
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

// joinEnv is a join whose forward function stands where the exporter
// stands: each forwarded batch is translated by the real translator and
// encoded, and becomes one "request" (as with the sending queue off, where
// every forwarded batch is one synchronous push).
type joinEnv struct {
	t     *testing.T
	join  *Stage
	clock *fakeClock
	tt    *componenttest.Telemetry

	mu   sync.Mutex
	reqs []request
}

// request is what one forwarded batch became: its span logs' ids in order
// and their JSON array.
type request struct {
	ids  []string
	body []byte
}

// waiting is what waits: spans plus record groups still without a span.
func (e *joinEnv) waiting() int64 {
	e.join.mu.Lock()
	defer e.join.mu.Unlock()
	return int64(e.join.spans + e.join.records)
}

// evicted counts the groups the bounds forced out early.
func (e *joinEnv) evicted() int64 {
	return e.counter("otelcol_exporter_respan_assembly_releases", "reason=bounds")
}

func newJoinEnv(t *testing.T, mutate func(*JoinConfig)) *joinEnv {
	t.Helper()
	return newJoinEnvClock(t, mutate, false)
}

// newJoinEnvClock is newJoinEnv; with realClock the join keeps time.Now
// (the clock must be chosen before Start launches the expiry loop).
func newJoinEnvClock(t *testing.T, mutate func(*JoinConfig), realClock bool) *joinEnv {
	t.Helper()
	// The join's own tests run with trace waiting off: each model call
	// waits alone, as the join did before the assembly stage.
	return newStageEnv(t, func(c *Config) { c.WaitForTraces = false }, mutate, realClock)
}

// newStageEnv is a stage configured by the two mutators whose forwarded
// batches are translated (with its late-span memory, as the exporter
// does) and recorded as requests.
func newStageEnv(t *testing.T, amutate func(*Config), mutate func(*JoinConfig), realClock bool) *joinEnv {
	t.Helper()
	cfg := DefaultJoinConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	require.NoError(t, cfg.Validate())
	acfg := DefaultConfig(20000)
	if amutate != nil {
		amutate(&acfg)
	}
	require.NoError(t, acfg.Validate())
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tel, err := metadata.NewTelemetryBuilder(metadatatest.NewSettings(tt).TelemetrySettings)
	require.NoError(t, err)
	t.Cleanup(tel.Shutdown)

	env := &joinEnv{t: t, clock: newFakeClock(), tt: tt}
	tr := translator.New(translator.DefaultOptions())
	var mem *Memory
	forward := func(_ context.Context, td ptrace.Traces) error {
		res := tr.TranslateWith(td, mem.Facts)
		mem.Remember(res.Facts)
		if len(res.Logs) == 0 {
			return nil
		}
		r := request{body: translator.EncodeArray(nil, res.Logs)}
		for _, l := range res.Logs {
			r.ids = append(r.ids, l.SpanID)
		}
		env.mu.Lock()
		env.reqs = append(env.reqs, r)
		env.mu.Unlock()
		return nil
	}
	env.join = New(acfg, cfg, forward, tel, zap.NewNop())
	mem = env.join.Memory()
	env.join.EnableLogs()
	if !realClock {
		env.join.SetClock(env.clock.Now)
	}
	env.join.Start()
	t.Cleanup(func() { env.shutdown() })
	return env
}

func (e *joinEnv) shutdown() {
	require.NoError(e.t, e.join.Shutdown(context.Background()))
}

func (e *joinEnv) sendTraces(td ptrace.Traces) {
	td.MarkReadOnly() // the join must never modify what it is given
	require.NoError(e.t, e.join.ConsumeTraces(context.Background(), td))
}

func (e *joinEnv) sendLogs(ld plog.Logs) {
	ld.MarkReadOnly()
	e.join.ConsumeLogs(context.Background(), ld)
}

func (e *joinEnv) requests() []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.reqs)
}

// counter sums an int counter's data points whose attributes contain all
// of attrs (key=value strings); 0 when the metric was never recorded.
func (e *joinEnv) counter(name string, attrs ...string) int64 {
	e.t.Helper()
	m, err := e.tt.GetMetric(name)
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(e.t, ok, "%s is not an int sum", name)
	var total int64
	for _, dp := range sum.DataPoints {
		match := true
		for _, kv := range attrs {
			k, v, _ := strings.Cut(kv, "=")
			if got, found := dp.Attributes.Value(attribute.Key(k)); !found || got.String() != v {
				match = false
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}

// spanLogs decodes every span log forwarded, by span id.
func (e *joinEnv) spanLogs() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range e.requests() {
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
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "logsjoin", name))
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
	require.NoError(t, err)
	return td
}

func loadLogsFixture(t *testing.T, name string) plog.Logs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "logsjoin", name))
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
		// The translator moves respan.exporter.warnings into warnings; a
		// note left in metadata as a leftover attribute would count too, so
		// the assertions do not depend on where the translator puts it.
		if w, ok := md[AttrExporterWarnings]; ok {
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
	assert.Zero(t, env.waiting(), "nothing left waiting")
	assert.Zero(t, env.counter("otelcol_exporter_respan_assembly_bytes_waiting"))
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
	assert.Equal(t, int64(2), env.waiting(), "two record groups wait")
	env.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	reqs := env.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{spanA, spanB, spanAgent}, reqs[0].ids, "input order kept")
	assertChatJoined(t, env)
}

// TestLogsJoinSpanFirstWaits: a span that arrives before its records
// waits; spans that need no content leave at once.
func TestLogsJoinSpanFirstWaits(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "chat_tool_call_traces.json"))
	reqs := env.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{spanAgent}, reqs[0].ids, "the agent span is not a model call")
	assert.Equal(t, int64(2), env.waiting())

	env.clock.Advance(4 * time.Second)
	env.join.expire()
	require.Len(t, env.requests(), 1, "still within the window")

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
	assert.Empty(t, env.requests(), "input alone does not complete a call")
	logs2 := loadLogsFixture(t, "streaming_logs_2.json")
	env.sendLogs(splitLogs(logs2, 0, 1))
	assert.Empty(t, env.requests(), "finish_reasons promises two choices")
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
				assert.Empty(t, env.requests(), "waits despite gen_ai.system_instructions")
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
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_records_ignored"), "a plain log (the evaluation record waits with the span's messages)")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=no_span_id"))
	assert.Equal(t, int64(1), env.waiting())

	env.clock.Advance(defaultWindow - time.Millisecond)
	env.join.expire()
	assert.Zero(t, env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=expired"))
	env.clock.Advance(time.Millisecond)
	env.join.expire()
	assert.Equal(t, int64(3), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=expired"))
	assert.Zero(t, env.waiting())
	assert.Zero(t, env.counter("otelcol_exporter_respan_assembly_bytes_waiting"))
	assert.Empty(t, env.requests(), "records are never sent as spans")
}

// TestLogsJoinWindowExpiry: a model-call span whose records never come is
// sent when the window ends, without content and with a warning.
func TestLogsJoinWindowExpiry(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	env.clock.Advance(defaultWindow - time.Millisecond)
	env.join.expire()
	assert.Empty(t, env.requests())
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
	env.clock.Advance(defaultWindow - time.Millisecond)
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
	env.clock.Advance(defaultMaxCallDuration - time.Millisecond)
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
	assert.Empty(t, env.requests())
	env.sendLogs(loadLogsFixture(t, "streaming_logs_1.json"))
	p, c := summary(t, env.spanLogs()[spanC])
	assert.Equal(t, []string{"user: Write a haiku about the sea."}, p)
	assert.Empty(t, c)
}

func nopTelemetry(t testing.TB) *metadata.TelemetryBuilder {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(metadatatest.NewSettings(tt).TelemetrySettings)
	require.NoError(t, err)
	t.Cleanup(tb.Shutdown)
	return tb
}

// manyChatSpans returns n content-less chat spans (ids 1..n) in one batch.
func manyChatSpans(n int) ptrace.Traces {
	td := tracetest.Make(1, 1, n)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < n; i++ {
		spans.At(i).Attributes().PutStr("gen_ai.operation.name", "chat")
	}
	return td
}

// TestLogsJoinBoundSpans: a full waiting area flushes its oldest entry
// early, counted, and never holds more than max_spans.
func TestLogsJoinBoundSpans(t *testing.T) {
	env := newJoinEnv(t, func(c *JoinConfig) { c.MaxSpans = 2 })
	td := manyChatSpans(3)
	ids := tracetest.SpanIDs(td)
	env.sendTraces(td)
	reqs := env.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{ids[0]}, reqs[0].ids, "the oldest leaves early")
	assert.Contains(t, warningsOf(env.spanLogs()[ids[0]]), "the assembly stage was full")
	assert.Equal(t, int64(1), env.evicted())
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=evicted"))
	assert.Equal(t, int64(2), env.waiting())

	// Record groups count too; evicted records are dropped, not sent.
	ld := loadLogsFixture(t, "orphans_logs.json") // one group for span E
	env.sendLogs(ld)
	assert.Equal(t, int64(2), env.evicted())
	assert.Equal(t, int64(2), env.waiting())
	require.Len(t, env.requests(), 2)
	assert.Equal(t, []string{ids[1]}, env.requests()[1].ids)
}

// TestLogsJoinBoundBytes: the byte bound flushes the oldest too.
func TestLogsJoinBoundBytes(t *testing.T) {
	var one int64
	{
		td := manyChatSpans(1)
		one = int64(spanSizer.SpanSize(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)))
	}
	env := newJoinEnv(t, func(c *JoinConfig) { c.MaxBytes = 3*one - 1 })
	td := manyChatSpans(3)
	ids := tracetest.SpanIDs(td)
	env.sendTraces(td)
	require.Len(t, env.requests(), 1)
	assert.Equal(t, []string{ids[0]}, env.requests()[0].ids)
	assert.Equal(t, int64(1), env.evicted())
	assert.LessOrEqual(t, env.counter("otelcol_exporter_respan_assembly_bytes_waiting"), 3*one-1)
}

// TestLogsJoinShutdownFlushes: on shutdown every waiting span is sent and
// every waiting record group counted.
func TestLogsJoinShutdownFlushes(t *testing.T) {
	env := newJoinEnv(t, nil)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	env.sendLogs(loadLogsFixture(t, "orphans_logs.json"))
	assert.Empty(t, env.requests())

	env.shutdown()

	logs := env.spanLogs()
	require.Contains(t, logs, spanC)
	assert.Contains(t, warningsOf(logs[spanC]), "the collector shut down")
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=shutdown"))
	assert.Equal(t, int64(3), env.counter("otelcol_exporter_respan_logs_join_records_orphaned", "reason=shutdown"))
	assert.Zero(t, env.waiting())
}

// TestLogsJoinExpiryLoop runs the real ticker (no fake clock).
func TestLogsJoinExpiryLoop(t *testing.T) {
	env := newJoinEnvClock(t, func(c *JoinConfig) { c.Window = 30 * time.Millisecond }, true)
	env.sendTraces(loadTracesFixture(t, "streaming_traces.json"))
	require.Eventually(t, func() bool { return len(env.requests()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(1), env.counter("otelcol_exporter_respan_logs_join_spans_without_content", "reason=expired"))
}

// TestLogsJoinKeepsContextValues: spans released later are forwarded with
// the values of the context they came with (client metadata drives
// sending_queue partitioning), not with its cancellation.
func TestLogsJoinKeepsContextValues(t *testing.T) {
	type ctxKey struct{}
	var got []context.Context
	var mu sync.Mutex
	acfg := DefaultConfig(20000)
	acfg.WaitForTraces = false
	j := New(acfg, DefaultJoinConfig(), func(ctx context.Context, _ ptrace.Traces) error {
		mu.Lock()
		got = append(got, ctx)
		mu.Unlock()
		return nil
	}, nopTelemetry(t), zap.NewNop())
	j.EnableLogs()
	clock := newFakeClock()
	j.now = clock.Now

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "tenant-a"))
	require.NoError(t, j.ConsumeTraces(ctx, manyChatSpans(2)))
	cancel()
	clock.Advance(defaultWindow)
	j.expire()
	require.Len(t, got, 1, "spans of one call leave together")
	assert.Equal(t, "tenant-a", got[0].Value(ctxKey{}))
	assert.NoError(t, got[0].Err())
	require.NoError(t, j.Shutdown(context.Background()))
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
		{"evaluation", mk(func(lr plog.LogRecord) { lr.SetEventName("gen_ai.evaluation.result") }), "gen_ai.evaluation.result", recAnnotation},
		{"operation exception", mk(func(lr plog.LogRecord) { lr.Attributes().PutStr("event.name", "gen_ai.client.operation.exception") }), "gen_ai.client.operation.exception", recAnnotation},
		{"other event", mk(func(lr plog.LogRecord) { lr.SetEventName("gen_ai.client.inference.metrics") }), "gen_ai.client.inference.metrics", recNone},
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
	in := func(name string, ts uint64, f func(r *record)) record {
		r := record{name: name, kind: recInput, ts: ts}
		if name == evChoice {
			r.kind = recChoice
		}
		if f != nil {
			f(&r)
		}
		return r
	}
	var seq uint64
	next := func(r record) record { r.seq = seq; seq++; return r }
	recs := []record{
		next(in(evChoice, 9, func(r *record) { r.index = 1 })),
		next(in(evToolMessage, 5, func(r *record) { r.toolID = "b" })),
		next(in(evToolMessage, 5, func(r *record) { r.toolID = "a" })),
		next(in(evUserMessage, 5, nil)),
		next(in(evAssistantMessage, 5, func(r *record) { r.callIDs = []string{"a", "b"} })),
		next(in(evSystemMessage, 5, func(r *record) { r.system = true })),
		next(in(evChoice, 9, func(r *record) { r.index = 0 })),
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
