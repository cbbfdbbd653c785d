// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
	"testing"
)

func TestLangfuseGeneration(t *testing.T) {
	const start = int64(1_800_000_000_000_000_000) // 2027-01-15T08:00:00Z
	td := convTrace(t,
		convSpan{id: 1, scope: "langfuse-sdk", name: "agent", attrs: map[string]any{
			"langfuse.observation.type": "agent", "langfuse.trace.name": "checkout", "user.id": "u1",
			"langfuse.trace.tags": []any{"a", "b"}, "langfuse.trace.metadata.tenant": "acme",
			"langfuse.environment": "prod"}},
		convSpan{id: 2, parent: 1, scope: "langfuse-sdk", name: "OpenAI.chat", startNs: start, attrs: map[string]any{
			"langfuse.observation.type":             "generation",
			"langfuse.observation.model.name":       "gpt-4o",
			"langfuse.observation.input":            `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			"langfuse.observation.output":           `{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}`,
			"langfuse.observation.model.parameters": `{"temperature":0.5,"max_tokens":100,"stream":true,"response_format":""}`,
			"langfuse.observation.usage_details":    `{"input":10,"output":5,"total":35,"input_cached_tokens":20,"output_reasoning_tokens":0}`,
			// JS writes the time JSON-encoded: 250 ms after the start.
			"langfuse.observation.completion_start_time": `"2027-01-15T08:00:00.250Z"`}},
		// A bare ISO time (not what the SDKs write, accepted); the output is
		// streamed text.
		convSpan{id: 3, parent: 1, scope: "langfuse-sdk", name: "gen", startNs: start, attrs: map[string]any{
			"langfuse.observation.type":                  "generation",
			"langfuse.observation.model.name":            "gpt-4o-mini",
			"langfuse.observation.input":                 `[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]`,
			"langfuse.observation.output":                "Hello there.",
			"langfuse.observation.completion_start_time": "2027-01-15T08:00:01.000000+00:00",
			// input already includes its part: input + output = total.
			"langfuse.observation.usage_details": `{"input":30,"output":5,"total":35,"input_cached_tokens":20}`}},
		convSpan{id: 4, parent: 1, scope: "langfuse-sdk", name: "failed", attrs: map[string]any{
			"langfuse.observation.type":           "generation",
			"langfuse.observation.model.name":     "gpt-4o",
			"langfuse.observation.input":          `{"messages":[{"role":"user","content":"x"}]}`,
			"langfuse.observation.level":          "ERROR",
			"langfuse.observation.status_message": "Error: 503 upstream unavailable",
			// A bad time is ignored with a warning.
			"langfuse.observation.completion_start_time": "yesterday"}},
		convSpan{id: 5, parent: 1, scope: "langfuse-sdk", name: "warned", attrs: map[string]any{
			"langfuse.observation.type": "span", "langfuse.observation.level": "WARNING",
			"langfuse.observation.status_message": "fallback model used"}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	agent, gen, text, failed, warned := logs[sid(1)], logs[sid(2)], logs[sid(3)], logs[sid(4)], logs[sid(5)]

	want(t, gen, "prompt_messages", []any{map[string]any{"role": "user", "content": "hi"}})
	want(t, gen, "tools", []any{map[string]any{"type": "function", "function": map[string]any{"name": "f", "parameters": map[string]any{"type": "object"}}}})
	if cm, _ := gen["completion_message"].(map[string]any); cm == nil || len(cm["tool_calls"].([]any)) != 1 {
		t.Errorf("generation completion_message: %v", gen["completion_message"])
	}
	want(t, gen, "prompt_tokens", 30) // 10 + the 20 cached it excludes
	want(t, gen, "completion_tokens", 5)
	want(t, gen, "total_request_tokens", 35)
	want(t, gen, "prompt_cache_hit_tokens", 20)
	want(t, gen, "temperature", 0.5)
	want(t, gen, "max_tokens", 100)
	want(t, gen, "stream", true)
	want(t, gen, "time_to_first_token", 0.25)
	want(t, gen, "span_workflow_name", "checkout")
	want(t, gen, "customer_identifier", "u1")
	if _, ok := metadataOf(t, gen)["response_format"]; ok {
		t.Errorf("the SDK's empty response_format placeholder reached metadata")
	}

	want(t, text, "prompt_messages", []any{map[string]any{"role": "system", "content": "be brief"}, map[string]any{"role": "user", "content": "hi"}})
	want(t, text, "completion_message", map[string]any{"role": "assistant", "content": "Hello there."})
	want(t, text, "prompt_tokens", 30) // not 50: the total shows input already held the cached part
	want(t, text, "time_to_first_token", 1.0)

	want(t, failed, "status_code", 503)
	want(t, failed, "error_message", "Error: 503 upstream unavailable")
	want(t, failed, "time_to_first_token", nil)
	if !hasWarning(failed, "completion_start_time") || hasWarning(failed, "without token usage") {
		t.Errorf("failed generation warnings: %v", failed["warnings"])
	}
	want(t, warned, "status_code", 200)
	if !hasWarning(warned, "fallback model used") {
		t.Errorf("WARNING level status message not a warning: %v", warned["warnings"])
	}

	md := metadataOf(t, agent)
	if md["tenant"] != "acme" || md["environment"] != "prod" {
		t.Errorf("agent metadata: %v", md)
	}
	if tags, _ := metaJSON(t, agent, "tags").([]any); len(tags) != 2 {
		t.Errorf("tags: %v", tags)
	}
	for k := range md {
		if strings.HasPrefix(k, "langfuse.") {
			t.Errorf("raw Langfuse key %s left in metadata", k)
		}
	}
}

// TestLangfusePythonShapes: the Python SDK's OpenAI integration records the
// provider's usage object as it is, JSON-encodes the completion start time
// like JS, writes non-dict metadata whole, and trace input/output.
func TestLangfusePythonShapes(t *testing.T) {
	td := convTrace(t,
		convSpan{id: 1, scope: "langfuse-sdk", name: "handler", attrs: map[string]any{
			"langfuse.observation.type": "span", "langfuse.trace.input": `{"q":"hi"}`, "langfuse.trace.output": `"hello"`,
			"langfuse.observation.metadata": `{"region":"eu","shard":3}`, "langfuse.trace.metadata": `["not","a","dict"]`,
			"langfuse.internal.as_root": true}},
		convSpan{id: 2, parent: 1, scope: "langfuse-sdk", name: "OpenAI-generation", attrs: map[string]any{
			"langfuse.observation.type":       "generation",
			"langfuse.observation.model.name": "gpt-4o-2024-08-06",
			"langfuse.observation.input":      `[{"role":"user","content":"hi"}]`,
			"langfuse.observation.output":     `{"role":"assistant","content":"hello"}`,
			"langfuse.observation.usage_details": `{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,` +
				`"prompt_tokens_details":{"cached_tokens":100,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":12}}`,
			"langfuse.observation.model.parameters": `{"temperature":0,"max_tokens":null,"top_p":1}`}},
		convSpan{id: 3, parent: 1, scope: "langfuse-sdk", name: "responses", attrs: map[string]any{
			"langfuse.observation.type":          "generation",
			"langfuse.observation.model.name":    "gpt-5",
			"langfuse.observation.usage_details": `{"input_tokens":50,"output_tokens":9,"input_tokens_details":{"cached_tokens":20}}`}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	handler, chat, resp := logs[sid(1)], logs[sid(2)], logs[sid(3)]
	wantJSONText(t, handler, "input", `{"q":"hi"}`)
	wantJSONText(t, handler, "output", `"hello"`)
	md := metadataOf(t, handler)
	if md["region"] != "eu" || md["shard"] != "3" && md["shard"] != 3.0 {
		t.Errorf("observation metadata object not expanded: %v", md)
	}
	if _, ok := md["trace_metadata"]; !ok {
		t.Errorf("non-object trace metadata not kept: %v", md)
	}
	for k := range md {
		if strings.HasPrefix(k, "langfuse.") {
			t.Errorf("raw Langfuse key %s left in metadata", k)
		}
	}
	want(t, chat, "prompt_tokens", 120) // the provider's count, cache included
	want(t, chat, "completion_tokens", 30)
	want(t, chat, "total_request_tokens", 150)
	want(t, chat, "prompt_cache_hit_tokens", 100)
	want(t, chat, "usage", map[string]any{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
		"completion_tokens_details": map[string]any{"reasoning_tokens": 12}})
	want(t, chat, "temperature", 0)
	want(t, chat, "max_tokens", nil) // null is unset
	want(t, chat, "completion_message", map[string]any{"role": "assistant", "content": "hello"})
	want(t, resp, "prompt_tokens", 50)
	want(t, resp, "completion_tokens", 9)
	want(t, resp, "prompt_cache_hit_tokens", 20)
}

func TestLangfuseCostDetails(t *testing.T) {
	gen := func(id byte, costs string) convSpan {
		return convSpan{id: id, scope: "langfuse-sdk", name: "gen", attrs: map[string]any{
			"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
			"langfuse.observation.usage_details": `{"input":10,"output":2}`, "langfuse.observation.cost_details": costs}}
	}
	logs := decodeLogs(t, DefaultOptions(), convTrace(t,
		gen(1, `{"input":0.001,"output":0.002,"input_cached_tokens":0.0005,"total":0.0035}`),
		gen(2, `{"input":0.001,"output":0.002}`),
		gen(3, `{"input":"n/a","total":-1}`),
	))
	want(t, logs[sid(1)], "cost", 0.0035)
	if parts, _ := metaJSON(t, logs[sid(1)], "cost_details").(map[string]any); parts["input_cached_tokens"] != 0.0005 || len(parts) != 3 {
		t.Errorf("cost parts: %v", parts)
	}
	want(t, logs[sid(2)], "cost", 0.003) // no total: the sum of the parts
	want(t, logs[sid(3)], "cost", nil)   // nothing usable
}
