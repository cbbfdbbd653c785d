// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"testing"
)

func TestAnthropicUsageNormalisedBeforeDedupe(t *testing.T) {
	chat := func(id, parent byte, scope string, attrs map[string]any) convSpan {
		base := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5"}
		for k, v := range attrs {
			base[k] = v
		}
		return convSpan{id: id, parent: parent, scope: scope, name: "chat", attrs: base}
	}
	td := convTrace(t,
		convSpan{id: 1, scope: "app", name: "root", attrs: map[string]any{}},
		// OpenLLMetry JS reports Anthropic's own input_tokens.
		chat(2, 1, "@traceloop/instrumentation-anthropic", map[string]any{
			"gen_ai.usage.input_tokens": 41, "gen_ai.usage.output_tokens": 33,
			"gen_ai.usage.cache_read.input_tokens": 0, "gen_ai.usage.cache_creation.input_tokens": 1800}),
		// The SDK's own span: inclusive, cache write under the pending name.
		chat(3, 2, "com.anthropic.sdk.typescript", map[string]any{
			"gen_ai.usage.input_tokens": 1841, "gen_ai.usage.output_tokens": 33,
			"gen_ai.usage.cache_read.input_tokens": 0, "gen_ai.usage.cache_write.input_tokens": 1800}),
		// Another instrumentation, inclusive count (≥ the cache parts): kept.
		chat(4, 1, "some.other.instrumentation", map[string]any{
			"gen_ai.usage.input_tokens": 1450, "gen_ai.usage.output_tokens": 210,
			"gen_ai.usage.cache_read.input_tokens": 1200}),
		// An unknown instrumentation whose count cannot include the cache.
		chat(5, 1, "some.other.instrumentation", map[string]any{
			"gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 9,
			"gen_ai.usage.cache_read.input_tokens": 2048}),
		// Not Anthropic: never changed.
		convSpan{id: 6, parent: 1, scope: "@traceloop/instrumentation-openai", name: "chat", attrs: map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2, "gen_ai.usage.cache_read.input_tokens": 64}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	outer, inner := logs[sid(2)], logs[sid(3)]
	for _, f := range []string{"prompt_tokens", "completion_tokens", "prompt_cache_creation_tokens"} {
		want(t, outer, f, nil)
	}
	sup, _ := metaJSON(t, outer, "suppressed_usage").(map[string]any)
	if sup["prompt_tokens"] != float64(1841) || sup["child_span_id"] != sid(3) {
		t.Errorf("suppressed_usage: %v", sup)
	}
	want(t, inner, "prompt_tokens", 1841)
	want(t, inner, "prompt_cache_creation_tokens", 1800)
	want(t, inner, "total_request_tokens", 1874)
	want(t, logs[sid(4)], "prompt_tokens", 1450)
	want(t, logs[sid(5)], "prompt_tokens", 2060)
	want(t, logs[sid(5)], "total_request_tokens", 2069)
	want(t, logs[sid(6)], "prompt_tokens", 10)
	if _, ok := metadataOf(t, logs[sid(4)])["usage_normalised"]; ok {
		t.Errorf("an inclusive count was marked normalised")
	}
}
