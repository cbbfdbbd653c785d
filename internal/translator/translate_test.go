// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanSpec builds a span for table tests.
type spanSpec struct {
	id, parent byte
	name       string
	attrs      map[string]any
}

func buildTrace(t *testing.T, specs ...spanSpec) ptrace.Traces {
	t.Helper()
	spans := make([]convSpan, len(specs))
	for i, s := range specs {
		spans[i] = convSpan{id: s.id, parent: s.parent, name: s.name, attrs: s.attrs}
	}
	return convTrace(t, spans...)
}

// decodeLogs translates td and decodes the wire JSON by span id.
func decodeLogs(t *testing.T, opts Options, td ptrace.Traces) map[string]map[string]any {
	t.Helper()
	res := New(opts).Translate(td)
	wire := EncodeArray(nil, res.Logs)
	if !json.Valid(wire) {
		t.Fatalf("invalid JSON: %s", wire)
	}
	var logs []map[string]any
	if err := json.Unmarshal(wire, &logs); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, l := range logs {
		out[l["span_unique_id"].(string)] = l
	}
	return out
}

func sid(b byte) string { return pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, b}.String() }

func metadataOf(t *testing.T, l map[string]any) map[string]any {
	t.Helper()
	m, _ := l["metadata"].(map[string]any)
	return m
}

func TestNestedUsageCountedOnce(t *testing.T) {
	td := buildTrace(t,
		spanSpec{id: 1, name: "agent run", attrs: map[string]any{"openinference.span.kind": "AGENT"}},
		spanSpec{id: 2, parent: 1, name: "ChatCompletion", attrs: map[string]any{
			"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
			"llm.token_count.prompt": 100, "llm.token_count.completion": 20, "llm.cost.total": 0.01}},
		spanSpec{id: 3, parent: 2, name: "openai.chat", attrs: map[string]any{
			"llm.request.type": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.prompt_tokens": 100, "gen_ai.usage.completion_tokens": 20,
			"gen_ai.usage.cache_read_input_tokens": 64}},
		// A sibling with different usage keeps its own.
		spanSpec{id: 4, parent: 1, name: "openai.chat", attrs: map[string]any{
			"llm.request.type": "chat", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.prompt_tokens": 7, "gen_ai.usage.completion_tokens": 3}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	outer, inner, sibling := logs[sid(2)], logs[sid(3)], logs[sid(4)]
	if _, ok := outer["prompt_tokens"]; ok {
		t.Errorf("outer LLM span kept prompt_tokens: %v", outer["prompt_tokens"])
	}
	if _, ok := outer["cost"]; ok {
		t.Errorf("outer LLM span kept cost")
	}
	var suppressed map[string]any
	if err := json.Unmarshal([]byte(metadataOf(t, outer)["suppressed_usage"].(string)), &suppressed); err != nil {
		t.Fatalf("suppressed_usage missing or not JSON: %v", err)
	}
	if suppressed["prompt_tokens"] != float64(100) || suppressed["child_span_id"] != sid(3) {
		t.Errorf("suppressed_usage = %v", suppressed)
	}
	if inner["prompt_tokens"] != float64(100) || inner["prompt_cache_hit_tokens"] != float64(64) {
		t.Errorf("inner span lost its usage: %v", inner)
	}
	if sibling["prompt_tokens"] != float64(7) {
		t.Errorf("sibling usage changed: %v", sibling["prompt_tokens"])
	}

	opts := DefaultOptions()
	opts.DedupeNestedUsage = false
	logs = decodeLogs(t, opts, td)
	if logs[sid(2)]["prompt_tokens"] != float64(100) {
		t.Errorf("with dedupe off the outer span must keep its usage")
	}
}

func TestIdentifierPropagation(t *testing.T) {
	td := buildTrace(t,
		spanSpec{id: 1, name: "http root", attrs: map[string]any{"http.request.method": "POST"}},
		spanSpec{id: 2, parent: 1, name: "workflow", attrs: map[string]any{
			"traceloop.span.kind": "workflow", "traceloop.workflow.name": "support",
			"respan.customer_params.customer_identifier": "cust-1", "respan.threads.thread_identifier": "th-1",
			"respan.trace.trace_group_identifier": "grp-1"}},
		spanSpec{id: 3, parent: 2, name: "chat gpt-4o", attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "user.id": "own-user"}},
		spanSpec{id: 4, parent: 3, name: "POST", attrs: map[string]any{}},
		// Orphan: its parent is not in the batch; trace-level values apply.
		spanSpec{id: 5, parent: 99, name: "late tool", attrs: map[string]any{"gen_ai.operation.name": "execute_tool"}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	for id, want := range map[byte][3]string{
		1: {"cust-1", "th-1", "support"}, // ancestors of the workflow span get the trace-level values
		2: {"cust-1", "th-1", "support"},
		3: {"own-user", "th-1", "support"}, // own value wins
		4: {"own-user", "th-1", "support"}, // nearest ancestor first
		5: {"cust-1", "th-1", "support"},
	} {
		l := logs[sid(id)]
		if l["customer_identifier"] != want[0] || l["thread_identifier"] != want[1] || l["span_workflow_name"] != want[2] {
			t.Errorf("span %d: customer=%v thread=%v workflow=%v, want %v", id,
				l["customer_identifier"], l["thread_identifier"], l["span_workflow_name"], want)
		}
		if l["trace_group_identifier"] != "grp-1" {
			t.Errorf("span %d: trace_group_identifier=%v", id, l["trace_group_identifier"])
		}
	}

	opts := DefaultOptions()
	opts.PropagateIdentifiers = false
	logs = decodeLogs(t, opts, td)
	if _, ok := logs[sid(4)]["customer_identifier"]; ok {
		t.Errorf("propagation off: span 4 must not inherit a customer")
	}
	if logs[sid(3)]["customer_identifier"] != "own-user" {
		t.Errorf("propagation off: own values must stay")
	}
}

func TestLogTypeDecision(t *testing.T) {
	cases := []struct {
		name   string
		root   bool
		attrs  map[string]any
		spanNm string
		want   string
	}{
		{"respan override wins", false, map[string]any{"respan.entity.log_type": "guardrail", "gen_ai.operation.name": "chat"}, "x", "guardrail"},
		{"invalid respan override ignored", false, map[string]any{"respan.entity.log_type": "bogus", "gen_ai.operation.name": "chat"}, "x", "chat"},
		{"traceloop enum prefix", false, map[string]any{"traceloop.span.kind": "TraceloopSpanKindValues.TASK"}, "x", "task"},
		{"traceloop unknown falls through", false, map[string]any{"traceloop.span.kind": "unknown", "gen_ai.operation.name": "embeddings"}, "x", "embedding"},
		{"OI chain at root", true, map[string]any{"openinference.span.kind": "CHAIN"}, "x", "workflow"},
		{"OI chain nested", false, map[string]any{"openinference.span.kind": "chain"}, "x", "task"},
		{"OI handoff tool", false, map[string]any{"openinference.span.kind": "TOOL"}, "handoff to Billing", "handoff"},
		{"OI LLM prompts only", false, map[string]any{"openinference.span.kind": "LLM", "llm.prompts.0.prompt.text": "hi"}, "x", "completion"},
		{"semconv invoke_agent", false, map[string]any{"gen_ai.operation.name": "invoke_agent"}, "x", "agent"},
		{"semconv agent_step root", true, map[string]any{"gen_ai.operation.name": "agent_step"}, "x", "workflow"},
		{"llm.request.type rerank", false, map[string]any{"llm.request.type": "rerank"}, "x", "task"},
		{"vercel doGenerate", false, map[string]any{"ai.operationId": "ai.generateText.doGenerate"}, "x", "chat"},
		{"vercel doEmbed", false, map[string]any{"ai.operationId": "ai.embedMany.doEmbed"}, "x", "embedding"},
		{"vercel wrapper nested", false, map[string]any{"operation.name": "ai.generateText myFn"}, "x", "task"},
		{"tool marker", false, map[string]any{"tool.name": "search"}, "x", "tool"},
		{"model only embedding", false, map[string]any{"gen_ai.request.model": "text-embedding-3-small"}, "x", "embedding"},
		{"model only chat", false, map[string]any{"llm.model_name": "claude-3"}, "x", "chat"},
		{"ADK placeholder is not a model call", false, map[string]any{"gcp.vertex.agent.llm_request": "{}"}, "x", "task"},
		{"fallback root", true, map[string]any{}, "x", "workflow"},
		{"fallback child", false, map[string]any{"http.request.method": "GET"}, "x", "task"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := spanSpec{id: 2, name: c.spanNm, attrs: c.attrs}
			if !c.root {
				spec.parent = 1
			}
			logs := decodeLogs(t, DefaultOptions(), buildTrace(t, spec))
			if got := logs[sid(2)]["log_type"]; got != c.want {
				t.Errorf("log_type = %v, want %s", got, c.want)
			}
		})
	}
}

func TestProviderNormalisation(t *testing.T) {
	cases := []struct {
		attrs map[string]any
		want  any
	}{
		{map[string]any{"gen_ai.system": "az.ai.openai", "gen_ai.request.model": "gpt-4o"}, "azure"},
		{map[string]any{"gen_ai.system": "Anthropic", "gen_ai.request.model": "x"}, "anthropic"},
		{map[string]any{"ai.model.provider": "openai.responses", "ai.model.id": "gpt-4o"}, "openai"},
		{map[string]any{"gen_ai.system": "strands-agents", "gen_ai.request.model": "us.anthropic.claude-3-5-sonnet-20240620-v1:0"}, "bedrock"},
		{map[string]any{"gen_ai.system": "langchain", "gen_ai.request.model": "x", "server.address": "generativelanguage.googleapis.com"}, "google"},
		{map[string]any{"gen_ai.request.model": "mistral-large-latest"}, "mistral"},
		{map[string]any{"gen_ai.provider.name": "some_new_provider", "gen_ai.request.model": "m"}, "some_new_provider"},
		{map[string]any{"http.request.method": "POST", "server.address": "api.openai.com"}, nil},
	}
	for _, c := range cases {
		logs := decodeLogs(t, DefaultOptions(), buildTrace(t, spanSpec{id: 2, parent: 1, name: "x", attrs: c.attrs}))
		if got := logs[sid(2)]["provider_id"]; got != c.want {
			t.Errorf("%v: provider_id = %v, want %v", c.attrs, got, c.want)
		}
	}
	opts := DefaultOptions()
	opts.ProviderIDs = map[string]string{"azure.ai.openai": "azure_openai"}
	logs := decodeLogs(t, opts, buildTrace(t, spanSpec{id: 2, parent: 1, name: "x",
		attrs: map[string]any{"gen_ai.system": "az.ai.openai", "gen_ai.request.model": "gpt-4o"}}))
	if got := logs[sid(2)]["provider_id"]; got != "azure_openai" {
		t.Errorf("configured provider map not applied: %v", got)
	}
}

func TestMetadataModes(t *testing.T) {
	td := buildTrace(t, spanSpec{id: 2, parent: 1, name: "x", attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
		"custom.flag": true, "gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`}})
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("k8s.pod.name", "pod-1")

	logs := decodeLogs(t, DefaultOptions(), td)
	md := metadataOf(t, logs[sid(2)])
	if md["custom.flag"] != true || md["service.name"] != "svc" {
		t.Errorf("default metadata missing leftover or selected resource attrs: %v", md)
	}
	if _, ok := md["k8s.pod.name"]; ok {
		t.Errorf("selected resource mode copied k8s.pod.name")
	}
	if _, ok := md["gen_ai.input.messages"]; ok {
		t.Errorf("content attribute copied to metadata")
	}

	opts := DefaultOptions()
	opts.ResourceMetadata, opts.LeftoverMetadata = MetadataAll, MetadataNone
	md = metadataOf(t, decodeLogs(t, opts, td)[sid(2)])
	if md["k8s.pod.name"] != "pod-1" {
		t.Errorf("resource mode all: k8s.pod.name missing: %v", md)
	}
	if _, ok := md["custom.flag"]; ok {
		t.Errorf("leftover mode none still copied custom.flag")
	}
}

func TestExporterWarningsAttributeBecomesWarnings(t *testing.T) {
	td := buildTrace(t, spanSpec{id: 2, parent: 1, name: "chat", attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": 3, "gen_ai.usage.output_tokens": 1,
		ExporterWarningsAttribute: []any{"content records did not arrive within the join window"}}})
	l := decodeLogs(t, DefaultOptions(), td)[sid(2)]
	if w, _ := l["warnings"].(string); w != "content records did not arrive within the join window" {
		t.Errorf("warnings = %q", w)
	}
	if _, ok := metadataOf(t, l)[ExporterWarningsAttribute]; ok {
		t.Errorf("%s copied to metadata", ExporterWarningsAttribute)
	}
}

// The Responses API streaming mode logs one operation.details record per
// output item; folded into span events they must form one completion.
func TestOperationDetailsOutputItemsMerge(t *testing.T) {
	td := buildTrace(t, spanSpec{id: 2, parent: 1, name: "chat gpt-4o", attrs: map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}})
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	for i, item := range []string{
		`[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"lookup","arguments":{"q":"refund"}}]}]`,
		`[{"role":"assistant","parts":[{"type":"text","content":"Refunds within 30 days."}],"finish_reason":"stop"}]`,
	} {
		ev := span.Events().AppendEmpty()
		ev.SetName("gen_ai.client.inference.operation.details")
		ev.SetTimestamp(span.StartTimestamp() + pcommon.Timestamp(i))
		ev.Attributes().PutStr("gen_ai.output.messages", item)
	}
	l := decodeLogs(t, DefaultOptions(), td)[sid(2)]
	if _, several := l["completion_messages"]; several {
		t.Fatalf("output items were sent as separate choices: %v", l["completion_messages"])
	}
	c, _ := l["completion_message"].(map[string]any)
	calls, _ := c["tool_calls"].([]any)
	if c["content"] != "Refunds within 30 days." || len(calls) != 1 {
		t.Errorf("completion_message = %v, want the text and the tool call in one message", c)
	}
}
