// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package benchdata generates realistic gen-AI spans for benchmarks and
// load tests: a deterministic mix of the instrumentation conventions the
// translator reads, with message sizes typical of production traffic.
//
// Each generated trace is one agent run in one convention:
//
//   - OTel GenAI semconv (latest): invoke_agent → chat, execute_tool, chat,
//     with gen_ai.input/output.messages and gen_ai.system_instructions as
//     JSON strings (the chat inputs are ~1–4 KB), tool definitions, usage
//     with cache reads, request parameters, and an HTTP client span below
//     each chat span.
//   - OpenLLMetry (Traceloop): workflow → task → openai.chat (flattened
//     gen_ai.prompt.N.* / gen_ai.completion.N.* with tool calls,
//     llm.request.functions.N.*) and a tool span, with association
//     properties.
//   - OpenInference: CHAIN → RETRIEVER (retrieval.documents.N.*) and LLM
//     (llm.input_messages.N.message.*, token counts, costs).
//   - Vercel AI SDK: ai.streamText → ai.streamText.doStream (ai.prompt.messages,
//     ai.prompt.tools), ai.toolCall, and a second doStream.
//
// Every resource carries service and SDK attributes. Generation is not
// meant to be fast; it runs outside benchmark timers.
package benchdata

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Convention names one instrumentation style of the generated traces.
type Convention int

const (
	SemconvAgent Convention = iota
	OpenLLMetry
	OpenInference
	Vercel
	numConventions
)

func (c Convention) String() string {
	switch c {
	case SemconvAgent:
		return "semconv-agent"
	case OpenLLMetry:
		return "openllmetry"
	case OpenInference:
		return "openinference"
	case Vercel:
		return "vercel"
	}
	return fmt.Sprintf("Convention(%d)", int(c))
}

// baseTime is 2026-08-20T10:15:00Z in Unix nanoseconds.
const baseTime = 1_787_220_900_000_000_000

// Traces returns exactly n spans of generated agent runs, cycling through
// the conventions. The same n and seed always give the same data (the
// last run may be cut short to make n).
func Traces(n int, seed uint64) ptrace.Traces {
	g := &gen{rng: rand.New(rand.NewPCG(seed, 0x5eed_0f_7e5a_11)), left: n, td: ptrace.NewTraces()}
	for run := 0; g.left > 0; run++ {
		g.start = baseTime + uint64(run)*1_500_000_000
		g.agentRun(Convention(run % int(numConventions)))
	}
	return g.td
}

// agentRun generates one agent run in convention c.
func (g *gen) agentRun(c Convention) {
	switch c {
	case SemconvAgent:
		g.semconvAgent()
	case OpenLLMetry:
		g.openLLMetry()
	case OpenInference:
		g.openInference()
	case Vercel:
		g.vercel()
	}
}

// Corpus returns one complete trace of each convention, for fuzz seeds and
// golden inputs.
func Corpus(seed uint64) map[Convention]ptrace.Traces {
	out := make(map[Convention]ptrace.Traces, numConventions)
	for c := Convention(0); c < numConventions; c++ {
		g := &gen{rng: rand.New(rand.NewPCG(seed, uint64(c))), left: 1 << 30, td: ptrace.NewTraces(), start: baseTime}
		g.agentRun(c)
		out[c] = g.td
	}
	return out
}

type gen struct {
	rng   *rand.Rand
	td    ptrace.Traces
	left  int    // spans still to generate
	start uint64 // start of the current run
	trace pcommon.TraceID
}

// resource starts a ResourceSpans for a new trace of service svc.
func (g *gen) resource(svc, lang string) ptrace.ResourceSpans {
	rs := g.td.ResourceSpans().AppendEmpty()
	a := rs.Resource().Attributes()
	a.PutStr("service.name", svc)
	a.PutStr("service.version", fmt.Sprintf("%d.%d.%d", 1+g.rng.IntN(4), g.rng.IntN(20), g.rng.IntN(10)))
	a.PutStr("service.instance.id", g.hex(16))
	a.PutStr("deployment.environment.name", pick(g.rng, "production", "production", "staging"))
	a.PutStr("telemetry.sdk.language", lang)
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.version", pick(g.rng, "1.36.0", "1.38.0", "2.1.0"))
	a.PutStr("host.name", "ip-10-0-"+fmt.Sprint(g.rng.IntN(255))+"-"+fmt.Sprint(g.rng.IntN(255)))
	a.PutStr("process.runtime.name", pick(g.rng, "CPython", "node", "go"))
	g.trace = g.traceID()
	return rs
}

func scope(rs ptrace.ResourceSpans, name, version string) ptrace.SpanSlice {
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(name)
	ss.Scope().SetVersion(version)
	return ss.Spans()
}

// span appends a span (or returns ok=false when n is reached). from and
// to are milliseconds after the run's start.
func (g *gen) span(spans ptrace.SpanSlice, parent ptrace.Span, name string, kind ptrace.SpanKind, from, to int) (ptrace.Span, bool) {
	if g.left == 0 {
		return ptrace.Span{}, false
	}
	g.left--
	s := spans.AppendEmpty()
	s.SetTraceID(g.trace)
	s.SetSpanID(g.spanID())
	if parent != (ptrace.Span{}) {
		s.SetParentSpanID(parent.SpanID())
	}
	s.SetName(name)
	s.SetKind(kind)
	s.SetStartTimestamp(pcommon.Timestamp(g.start + uint64(from)*1_000_000))
	s.SetEndTimestamp(pcommon.Timestamp(g.start + uint64(to)*1_000_000))
	s.Status().SetCode(ptrace.StatusCodeUnset)
	return s, true
}

func (g *gen) traceID() pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(g.rng.UintN(256))
	}
	id[0] |= 1 // never all zero
	return id
}

func (g *gen) spanID() pcommon.SpanID {
	var id pcommon.SpanID
	for i := range id {
		id[i] = byte(g.rng.UintN(256))
	}
	id[7] |= 1
	return id
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *gen) callID() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("call_")
	for range 24 {
		b = append(b, alnum[g.rng.IntN(len(alnum))])
	}
	return string(b)
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ---- text ----------------------------------------------------------------

var words = strings.Fields(`the a to of and in for is on that with your you it this be can
as are we order account refund shipping delivery invoice customer support policy plan
travel flight hotel booking weather forecast city itinerary museum restaurant price
cost budget please thanks check status update tracking number days week before after
available option recommend summary details information request response error retry
timeout configuration settings security password key rotate team member permission
report quarterly revenue churn growth metric dashboard query database table column
document search result context answer question step tool call function argument
Lisbon Paris Tokyo Berlin Madrid Porto Kyoto café naïve résumé Zürich São`)

// sentence returns about n bytes of prose; now and then with a newline,
// non-ASCII text or characters JSON must escape.
func (g *gen) text(n int) string {
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		w := words[g.rng.IntN(len(words))]
		if b.Len() == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		switch r := g.rng.IntN(40); {
		case r < 3:
			b.WriteString(". ")
		case r == 3:
			b.WriteString(".\n\n")
		case r == 4:
			b.WriteString(", ")
		case r == 5:
			b.WriteString(` "quoted" `)
		case r == 6:
			b.WriteString(" — ")
		case r == 7 && g.rng.IntN(4) == 0:
			b.WriteString(" ✈️ 東京 ")
		default:
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String()) + "."
}

// size returns a message size in bytes: mostly short, sometimes long.
func (g *gen) size(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

var models = []struct{ provider, request, response string }{
	{"openai", "gpt-4o", "gpt-4o-2024-08-06"},
	{"openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"},
	{"openai", "gpt-4.1", "gpt-4.1-2025-04-14"},
	{"anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
	{"aws.bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", "us.anthropic.claude-sonnet-4-20250514-v1:0"},
	{"gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash"},
}

var toolNames = []string{"get_weather", "search_flights", "lookup_order", "query_database", "send_email", "search_docs"}

func (g *gen) toolSchema(name string) map[string]any {
	return map[string]any{
		"type":        "object",
		"description": g.text(g.size(40, 120)),
		"properties": map[string]any{
			"query":  map[string]any{"type": "string", "description": "What to look up for " + name},
			"limit":  map[string]any{"type": "integer", "minimum": 1, "maximum": 50},
			"filter": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		},
		"required": []string{"query"},
	}
}

func (g *gen) toolArgs() string {
	return jsonText(map[string]any{"query": g.text(g.size(20, 80)), "limit": 1 + g.rng.IntN(20)})
}

func (g *gen) toolResult() string {
	rows := make([]map[string]any, 1+g.rng.IntN(4))
	for i := range rows {
		rows[i] = map[string]any{"id": g.hex(8), "score": float64(g.rng.IntN(1000)) / 1000, "text": g.text(g.size(40, 200))}
	}
	return jsonText(map[string]any{"results": rows, "took_ms": g.rng.IntN(900)})
}

func (g *gen) usage(a pcommon.Map, in, out int, legacy bool) {
	if legacy {
		a.PutInt("gen_ai.usage.prompt_tokens", int64(in))
		a.PutInt("gen_ai.usage.completion_tokens", int64(out))
		a.PutInt("llm.usage.total_tokens", int64(in+out))
		return
	}
	a.PutInt("gen_ai.usage.input_tokens", int64(in))
	a.PutInt("gen_ai.usage.output_tokens", int64(out))
}

// ---- OTel GenAI semconv, latest ------------------------------------------

type part = map[string]any

func textPart(s string) part { return part{"type": "text", "content": s} }

func (g *gen) semconvAgent() {
	m := models[g.rng.IntN(len(models))]
	rs := g.resource(pick(g.rng, "travel-assistant", "support-agent", "research-bot"), "python")
	agentSpans := scope(rs, "opentelemetry.instrumentation.openai_agents", "0.3.1")
	llmSpans := scope(rs, "opentelemetry.instrumentation.openai_v2", "2.1b0")
	httpSpans := scope(rs, "opentelemetry.instrumentation.httpx", "0.55b0")

	agentName := pick(g.rng, "TravelPlanner", "SupportAgent", "Researcher")
	conv := "conv_" + g.hex(24)
	user := "cust_" + fmt.Sprint(1000+g.rng.IntN(9000))
	system := g.text(g.size(200, 1200))
	question := g.text(g.size(60, 600))
	var history []map[string]any
	for range g.rng.IntN(4) {
		history = append(history,
			map[string]any{"role": "user", "parts": []part{textPart(g.text(g.size(40, 300)))}},
			map[string]any{"role": "assistant", "parts": []part{textPart(g.text(g.size(80, 500)))}})
	}
	history = append(history, map[string]any{"role": "user", "parts": []part{textPart(question)}})
	answer := g.text(g.size(200, 1200))
	tool := toolNames[g.rng.IntN(len(toolNames))]
	call := g.callID()
	args := g.toolArgs()
	result := g.toolResult()
	toolDefs := []map[string]any{}
	for _, t := range toolNames[:2+g.rng.IntN(3)] {
		toolDefs = append(toolDefs, map[string]any{"type": "function", "name": t, "description": "Tool " + t, "parameters": g.toolSchema(t)})
	}
	inTok1, outTok1 := 300+g.rng.IntN(2000), 10+g.rng.IntN(60)
	inTok2, outTok2 := inTok1+outTok1+100+g.rng.IntN(400), 50+g.rng.IntN(400)

	root, ok := g.span(agentSpans, ptrace.Span{}, "invoke_agent "+agentName, ptrace.SpanKindInternal, 0, 1400)
	if !ok {
		return
	}
	a := root.Attributes()
	a.PutStr("gen_ai.operation.name", "invoke_agent")
	a.PutStr("gen_ai.provider.name", m.provider)
	a.PutStr("gen_ai.agent.name", agentName)
	a.PutStr("gen_ai.agent.id", "agent_"+strings.ToLower(agentName))
	a.PutStr("gen_ai.conversation.id", conv)
	a.PutStr("gen_ai.request.model", m.request)
	a.PutStr("user.id", user)
	a.PutStr("gen_ai.input.messages", jsonText([]map[string]any{{"role": "user", "parts": []part{textPart(question)}}}))
	a.PutStr("gen_ai.output.messages", jsonText([]map[string]any{{"role": "assistant", "parts": []part{textPart(answer)}, "finish_reason": "stop"}}))
	g.usage(a, inTok1+inTok2, outTok1+outTok2, false)

	chat := func(from, to int, msgs []map[string]any, out map[string]any, inTok, outTok int, finish string) {
		s, ok := g.span(llmSpans, root, "chat "+m.request, ptrace.SpanKindClient, from, to)
		if !ok {
			return
		}
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", m.provider)
		a.PutStr("gen_ai.request.model", m.request)
		a.PutStr("gen_ai.response.model", m.response)
		a.PutStr("gen_ai.response.id", "chatcmpl-"+g.hex(20))
		a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr(finish)
		a.PutStr("gen_ai.conversation.id", conv)
		a.PutDouble("gen_ai.request.temperature", float64(g.rng.IntN(11))/10)
		a.PutInt("gen_ai.request.max_tokens", int64(pick(g.rng, 512, 1024, 4096)))
		a.PutDouble("gen_ai.request.top_p", 1)
		a.PutBool("gen_ai.request.stream", g.rng.IntN(2) == 0)
		a.PutDouble("gen_ai.response.time_to_first_chunk", 0.2+float64(g.rng.IntN(600))/1000)
		g.usage(a, inTok, outTok, false)
		a.PutInt("gen_ai.usage.cache_read.input_tokens", int64(inTok/128*64))
		a.PutStr("server.address", "api.openai.com")
		a.PutInt("server.port", 443)
		a.PutStr("gen_ai.system_instructions", jsonText([]part{textPart(system)}))
		a.PutStr("gen_ai.input.messages", jsonText(msgs))
		a.PutStr("gen_ai.output.messages", jsonText([]map[string]any{out}))
		a.PutStr("gen_ai.tool.definitions", jsonText(toolDefs))

		h, ok := g.span(httpSpans, s, "POST", ptrace.SpanKindClient, from+5, to-5)
		if !ok {
			return
		}
		ha := h.Attributes()
		ha.PutStr("http.request.method", "POST")
		ha.PutStr("url.full", "https://api.openai.com/v1/chat/completions")
		ha.PutStr("server.address", "api.openai.com")
		ha.PutInt("server.port", 443)
		ha.PutInt("http.response.status_code", 200)
		ha.PutStr("network.protocol.version", "1.1")
	}
	callOut := map[string]any{"role": "assistant", "parts": []part{{"type": "tool_call", "id": call, "name": tool, "arguments": json.RawMessage(args)}}, "finish_reason": "tool_call"}
	chat(10, 500, history, callOut, inTok1, outTok1, "tool_call")

	t, ok := g.span(agentSpans, root, "execute_tool "+tool, ptrace.SpanKindInternal, 510, 700)
	if !ok {
		return
	}
	ta := t.Attributes()
	ta.PutStr("gen_ai.operation.name", "execute_tool")
	ta.PutStr("gen_ai.tool.name", tool)
	ta.PutStr("gen_ai.tool.call.id", call)
	ta.PutStr("gen_ai.tool.type", "function")
	ta.PutStr("gen_ai.tool.call.arguments", args)
	ta.PutStr("gen_ai.tool.call.result", result)

	history2 := append(history, callOut,
		map[string]any{"role": "tool", "parts": []part{{"type": "tool_call_response", "id": call, "response": json.RawMessage(result)}}})
	chat(710, 1390, history2, map[string]any{"role": "assistant", "parts": []part{textPart(answer)}, "finish_reason": "stop"}, inTok2, outTok2, "stop")
}

// ---- OpenLLMetry / Traceloop ---------------------------------------------

func (g *gen) openLLMetry() {
	m := models[g.rng.IntN(2)]
	rs := g.resource(pick(g.rng, "trip-planner", "report-writer"), "python")
	tl := scope(rs, "traceloop.tracer", "0.47.0")
	oa := scope(rs, "opentelemetry.instrumentation.openai.v1", "0.47.0")

	workflow := pick(g.rng, "plan_trip", "write_report", "answer_ticket")
	task := pick(g.rng, "research", "draft", "lookup")
	user := "u_" + fmt.Sprint(g.rng.IntN(100000))
	session := "sess_" + g.hex(8)
	assoc := func(a pcommon.Map) {
		a.PutStr("traceloop.workflow.name", workflow)
		a.PutStr("traceloop.association.properties.user_id", user)
		a.PutStr("traceloop.association.properties.session_id", session)
		a.PutStr("traceloop.association.properties.tenant", pick(g.rng, "acme", "globex", "initech"))
	}
	question := g.text(g.size(60, 400))
	answer := g.text(g.size(300, 1500))

	root, ok := g.span(tl, ptrace.Span{}, workflow+".workflow", ptrace.SpanKindInternal, 0, 1400)
	if !ok {
		return
	}
	a := root.Attributes()
	a.PutStr("traceloop.span.kind", "workflow")
	a.PutStr("traceloop.entity.name", workflow)
	assoc(a)
	a.PutStr("traceloop.entity.input", jsonText(map[string]any{"args": []any{question}, "kwargs": map[string]any{}}))
	a.PutStr("traceloop.entity.output", jsonText(map[string]any{"answer": answer}))

	tk, ok := g.span(tl, root, task+".task", ptrace.SpanKindInternal, 5, 1390)
	if !ok {
		return
	}
	a = tk.Attributes()
	a.PutStr("traceloop.span.kind", "task")
	a.PutStr("traceloop.entity.name", task)
	a.PutStr("traceloop.entity.path", task)
	assoc(a)
	a.PutStr("traceloop.entity.input", jsonText(map[string]any{"args": []any{question}, "kwargs": map[string]any{}}))
	a.PutStr("traceloop.entity.output", jsonText(answer))

	chat, ok := g.span(oa, tk, "openai.chat", ptrace.SpanKindClient, 10, 900)
	if !ok {
		return
	}
	a = chat.Attributes()
	a.PutStr("llm.request.type", "chat")
	a.PutStr("gen_ai.system", "openai")
	a.PutStr("gen_ai.request.model", m.request)
	a.PutStr("gen_ai.response.model", m.response)
	a.PutStr("gen_ai.openai.api_base", "https://api.openai.com/v1/")
	a.PutDouble("gen_ai.request.temperature", 0.7)
	a.PutInt("gen_ai.request.max_tokens", 800)
	a.PutBool("llm.is_streaming", false)
	tool := toolNames[g.rng.IntN(len(toolNames))]
	a.PutStr("llm.request.functions.0.name", tool)
	a.PutStr("llm.request.functions.0.description", g.text(g.size(30, 100)))
	a.PutStr("llm.request.functions.0.parameters", jsonText(g.toolSchema(tool)))
	n := 0
	put := func(role, content string) {
		a.PutStr(fmt.Sprintf("gen_ai.prompt.%d.role", n), role)
		a.PutStr(fmt.Sprintf("gen_ai.prompt.%d.content", n), content)
		n++
	}
	put("system", g.text(g.size(200, 1000)))
	for range g.rng.IntN(3) {
		put("user", g.text(g.size(40, 300)))
		put("assistant", g.text(g.size(80, 500)))
	}
	put("user", question)
	call := g.callID()
	args := g.toolArgs()
	a.PutStr("gen_ai.response.id", "chatcmpl-"+g.hex(12))
	if g.rng.IntN(2) == 0 {
		a.PutStr("gen_ai.completion.0.finish_reason", "tool_calls")
		a.PutStr("gen_ai.completion.0.role", "assistant")
		a.PutStr("gen_ai.completion.0.tool_calls.0.id", call)
		a.PutStr("gen_ai.completion.0.tool_calls.0.name", tool)
		a.PutStr("gen_ai.completion.0.tool_calls.0.arguments", args)
	} else {
		a.PutStr("gen_ai.completion.0.finish_reason", "stop")
		a.PutStr("gen_ai.completion.0.role", "assistant")
		a.PutStr("gen_ai.completion.0.content", answer)
	}
	in, out := 200+g.rng.IntN(1500), 20+g.rng.IntN(400)
	g.usage(a, in, out, true)
	a.PutInt("gen_ai.usage.cache_read_input_tokens", 0)
	a.PutStr("traceloop.entity.path", task)
	assoc(a)

	ts, ok := g.span(tl, tk, tool+".tool", ptrace.SpanKindInternal, 910, 1300)
	if !ok {
		return
	}
	a = ts.Attributes()
	a.PutStr("traceloop.span.kind", "tool")
	a.PutStr("traceloop.entity.name", tool)
	a.PutStr("traceloop.entity.path", task+"."+tool)
	assoc(a)
	a.PutStr("traceloop.entity.input", jsonText(map[string]any{"args": []any{}, "kwargs": json.RawMessage(args)}))
	a.PutStr("traceloop.entity.output", g.toolResult())
}

// ---- OpenInference -------------------------------------------------------

func (g *gen) openInference() {
	rs := g.resource(pick(g.rng, "kb-qa", "docs-helper"), "python")
	sp := scope(rs, "openinference.instrumentation.langchain", "0.1.42")
	session := "thread-" + g.hex(4)
	user := "user-" + fmt.Sprint(g.rng.IntN(10000))
	meta := jsonText(map[string]any{"tenant": pick(g.rng, "acme", "globex"), "app_version": "2.4.1"})
	common := func(a pcommon.Map) {
		a.PutStr("session.id", session)
		a.PutStr("user.id", user)
		a.PutStr("metadata", meta)
		tags := a.PutEmptySlice("tag.tags")
		tags.AppendEmpty().SetStr("docs")
		tags.AppendEmpty().SetStr("prod")
	}
	question := g.text(g.size(40, 300))
	answer := g.text(g.size(200, 1200))

	root, ok := g.span(sp, ptrace.Span{}, "RetrievalQA", ptrace.SpanKindInternal, 0, 1300)
	if !ok {
		return
	}
	a := root.Attributes()
	a.PutStr("openinference.span.kind", "CHAIN")
	a.PutStr("input.value", jsonText(map[string]any{"question": question}))
	a.PutStr("input.mime_type", "application/json")
	a.PutStr("output.value", answer)
	a.PutStr("output.mime_type", "text/plain")
	common(a)

	ret, ok := g.span(sp, root, "VectorStoreRetriever", ptrace.SpanKindInternal, 5, 200)
	if !ok {
		return
	}
	a = ret.Attributes()
	a.PutStr("openinference.span.kind", "RETRIEVER")
	a.PutStr("input.value", question)
	var docs []string
	for i := range 2 + g.rng.IntN(3) {
		d := g.text(g.size(200, 700))
		docs = append(docs, d)
		p := fmt.Sprintf("retrieval.documents.%d.document.", i)
		a.PutStr(p+"id", "kb-"+fmt.Sprint(g.rng.IntN(1000)))
		a.PutDouble(p+"score", float64(g.rng.IntN(1000))/1000)
		a.PutStr(p+"content", d)
		a.PutStr(p+"metadata", jsonText(map[string]any{"source": "kb/" + g.hex(6) + ".md"}))
	}
	common(a)

	llm, ok := g.span(sp, root, "ChatOpenAI", ptrace.SpanKindInternal, 210, 1290)
	if !ok {
		return
	}
	a = llm.Attributes()
	a.PutStr("openinference.span.kind", "LLM")
	a.PutStr("llm.provider", "openai")
	a.PutStr("llm.system", "openai")
	a.PutStr("llm.model_name", "gpt-4.1-mini-2025-04-14")
	a.PutStr("llm.invocation_parameters", jsonText(map[string]any{"model": "gpt-4.1-mini", "temperature": 0, "max_tokens": 1024}))
	a.PutStr("llm.input_messages.0.message.role", "system")
	a.PutStr("llm.input_messages.0.message.content", g.text(g.size(100, 600)))
	a.PutStr("llm.input_messages.1.message.role", "user")
	a.PutStr("llm.input_messages.1.message.content", "Context:\n"+strings.Join(docs, "\n\n")+"\n\nQuestion: "+question)
	a.PutStr("llm.output_messages.0.message.role", "assistant")
	a.PutStr("llm.output_messages.0.message.content", answer)
	tool := toolNames[g.rng.IntN(len(toolNames))]
	a.PutStr("llm.tools.0.tool.json_schema", jsonText(map[string]any{"type": "function", "function": map[string]any{"name": tool, "parameters": g.toolSchema(tool)}}))
	in, out := 400+g.rng.IntN(2000), 30+g.rng.IntN(300)
	a.PutInt("llm.token_count.prompt", int64(in))
	a.PutInt("llm.token_count.completion", int64(out))
	a.PutInt("llm.token_count.total", int64(in+out))
	a.PutDouble("llm.cost.prompt", float64(in)*4e-7)
	a.PutDouble("llm.cost.completion", float64(out)*1.6e-6)
	a.PutDouble("llm.cost.total", float64(in)*4e-7+float64(out)*1.6e-6)
	common(a)
}

// ---- Vercel AI SDK -------------------------------------------------------

func (g *gen) vercel() {
	rs := g.resource(pick(g.rng, "support-chat", "shop-assistant"), "nodejs")
	sp := scope(rs, "ai", "5.0.0")
	fn := pick(g.rng, "support-chat", "shop-assistant")
	user := "user_" + fmt.Sprint(g.rng.IntN(10000))
	session := "sess_" + g.hex(6)
	common := func(a pcommon.Map, op string) {
		a.PutStr("operation.name", op+" "+fn)
		a.PutStr("ai.operationId", op)
		a.PutStr("ai.telemetry.functionId", fn)
		a.PutStr("resource.name", fn)
		a.PutStr("ai.telemetry.metadata.userId", user)
		a.PutStr("ai.telemetry.metadata.sessionId", session)
		a.PutStr("ai.telemetry.metadata.plan", pick(g.rng, "free", "pro", "team"))
	}
	system := g.text(g.size(100, 800))
	question := g.text(g.size(40, 400))
	answer := g.text(g.size(200, 1200))
	tool := pick(g.rng, "lookupOrder", "searchCatalog", "createTicket")
	call := g.callID()
	args := jsonText(map[string]any{"orderId": fmt.Sprint(g.rng.IntN(10000))})
	result := g.toolResult()
	msgs := []map[string]any{{"role": "system", "content": system}, {"role": "user", "content": []map[string]any{{"type": "text", "text": question}}}}
	tools := func(a pcommon.Map) {
		ts := a.PutEmptySlice("ai.prompt.tools")
		for _, t := range []string{tool, "escalate"} {
			ts.AppendEmpty().SetStr(jsonText(map[string]any{"type": "function", "name": t, "description": "Tool " + t, "inputSchema": g.toolSchema(t)}))
		}
		a.PutStr("ai.prompt.toolChoice", `{"type":"auto"}`)
	}

	root, ok := g.span(sp, ptrace.Span{}, "ai.streamText", ptrace.SpanKindInternal, 0, 1400)
	if !ok {
		return
	}
	a := root.Attributes()
	common(a, "ai.streamText")
	a.PutStr("ai.model.id", "gpt-4o")
	a.PutStr("ai.model.provider", "openai.chat")
	a.PutInt("ai.settings.maxRetries", 2)
	a.PutStr("ai.prompt", jsonText(map[string]any{"system": system, "messages": msgs[1:]}))
	a.PutStr("ai.response.text", answer)
	a.PutStr("ai.response.finishReason", "stop")
	in1, out1 := 300+g.rng.IntN(800), 10+g.rng.IntN(40)
	in2, out2 := in1+100, 40+g.rng.IntN(300)
	a.PutInt("ai.usage.promptTokens", int64(in1+in2))
	a.PutInt("ai.usage.completionTokens", int64(out1+out2))

	doStream := func(from, to int, msgs []map[string]any, in, out int, finish string, withCall bool) {
		s, ok := g.span(sp, root, "ai.streamText.doStream", ptrace.SpanKindClient, from, to)
		if !ok {
			return
		}
		a := s.Attributes()
		common(a, "ai.streamText.doStream")
		a.PutStr("ai.model.id", "gpt-4o")
		a.PutStr("ai.model.provider", "openai.chat")
		a.PutStr("ai.prompt.messages", jsonText(msgs))
		tools(a)
		a.PutStr("gen_ai.system", "openai.chat")
		a.PutStr("gen_ai.request.model", "gpt-4o")
		a.PutDouble("ai.response.msToFirstChunk", 200+float64(g.rng.IntN(4000))/10)
		a.PutDouble("ai.response.msToFinish", float64(to-from))
		a.PutStr("ai.response.finishReason", finish)
		if withCall {
			a.PutStr("ai.response.toolCalls", jsonText([]map[string]any{{"toolCallType": "function", "toolCallId": call, "toolName": tool, "args": args}}))
		} else {
			a.PutStr("ai.response.text", answer)
		}
		id := "chatcmpl-" + g.hex(10)
		a.PutStr("ai.response.id", id)
		a.PutStr("ai.response.model", "gpt-4o-2024-08-06")
		a.PutInt("ai.usage.promptTokens", int64(in))
		a.PutInt("ai.usage.completionTokens", int64(out))
		a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr(finish)
		a.PutStr("gen_ai.response.id", id)
		a.PutStr("gen_ai.response.model", "gpt-4o-2024-08-06")
		g.usage(a, in, out, false)
		ev := s.Events().AppendEmpty()
		ev.SetName("ai.stream.firstChunk")
		ev.SetTimestamp(pcommon.Timestamp(g.start + uint64(from+300)*1_000_000))
		ev.Attributes().PutDouble("ai.response.msToFirstChunk", 300)
	}
	doStream(10, 500, msgs, in1, out1, "tool-calls", true)

	t, ok := g.span(sp, root, "ai.toolCall", ptrace.SpanKindInternal, 510, 700)
	if !ok {
		return
	}
	a = t.Attributes()
	common(a, "ai.toolCall")
	a.PutStr("ai.toolCall.name", tool)
	a.PutStr("ai.toolCall.id", call)
	a.PutStr("ai.toolCall.args", args)
	a.PutStr("ai.toolCall.result", result)

	msgs2 := append(msgs,
		map[string]any{"role": "assistant", "content": []map[string]any{{"type": "tool-call", "toolCallId": call, "toolName": tool, "input": json.RawMessage(args)}}},
		map[string]any{"role": "tool", "content": []map[string]any{{"type": "tool-result", "toolCallId": call, "toolName": tool, "output": map[string]any{"type": "json", "value": json.RawMessage(result)}}}})
	doStream(710, 1390, msgs2, in2, out2, "stop", false)
}
