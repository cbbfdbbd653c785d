// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"testing"
)

func TestSemconvEventsAndCost(t *testing.T) {
	chat := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
		"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range chat {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	exc := convEvent{"gen_ai.client.operation.exception", map[string]any{"exception.type": "RateLimitError", "exception.message": "Error code: 429 - slow down"}}
	td := convTrace(t,
		convSpan{id: 1, scope: "x", name: "chat failed", attrs: map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"},
			events: []convEvent{exc}, errMsg: " "},
		convSpan{id: 2, scope: "x", name: "chat retried", attrs: with(nil), events: []convEvent{exc}},
		convSpan{id: 3, scope: "x", name: "chat evaluated", attrs: with(map[string]any{
			"gen_ai.usage.cost.amount": 0.002, "gen_ai.usage.cost.currency": "usd", "gen_ai.usage.cache_write.input_tokens": 30}),
			events: []convEvent{
				{"gen_ai.evaluation.result", map[string]any{"gen_ai.evaluation.name": "Relevance", "gen_ai.evaluation.score.value": 0.75, "gen_ai.evaluation.score.label": "relevant", "gen_ai.evaluation.explanation": "on topic"}},
				{"gen_ai.evaluation.result", map[string]any{"gen_ai.evaluation.name": "Toxicity", "gen_ai.evaluation.score.value": "not a number"}},
			}},
		convSpan{id: 4, scope: "x", name: "chat eur", attrs: with(map[string]any{"gen_ai.usage.cost.amount": 0.5, "gen_ai.usage.cost.currency": "EUR"})},
		convSpan{id: 5, scope: "x", name: "workflow", attrs: map[string]any{"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "w"}},
		convSpan{id: 6, scope: "x", name: "agent", attrs: map[string]any{"gen_ai.operation.name": "create_agent", "gen_ai.agent.name": "a"}},
		convSpan{id: 7, scope: "x", name: "retrieval kb", attrs: map[string]any{"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "kb"}},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	failed, retried, evaluated, eur := logs[sid(1)], logs[sid(2)], logs[sid(3)], logs[sid(4)]
	want(t, failed, "status_code", 429)
	want(t, failed, "error_message", "RateLimitError: Error code: 429 - slow down")
	want(t, retried, "status_code", 200)
	if !hasWarning(retried, "slow down") {
		t.Errorf("exception event on a span not in error is a warning: %v", retried["warnings"])
	}
	want(t, evaluated, "cost", 0.002)
	want(t, evaluated, "prompt_cache_creation_tokens", 30)
	evals, _ := metaJSON(t, evaluated, "evaluations").([]any)
	if len(evals) != 2 {
		t.Fatalf("evaluations: %v", evals)
	}
	if e := evals[0].(map[string]any); e["name"] != "Relevance" || e["score_value"] != 0.75 || e["score_label"] != "relevant" || e["explanation"] != "on topic" {
		t.Errorf("evaluation 0: %v", e)
	}
	if e := evals[1].(map[string]any); e["name"] != "Toxicity" || e["score_value"] != nil {
		t.Errorf("evaluation 1 (bad score dropped, name kept): %v", e)
	}
	want(t, eur, "cost", nil)
	if md := metadataOf(t, eur); md["cost_amount"] != 0.5 || md["cost_currency"] != "EUR" {
		t.Errorf("non-USD cost metadata: %v", md)
	}
	for id, lt := range map[byte]string{5: "workflow", 6: "agent", 7: "workflow"} {
		want(t, logs[sid(id)], "log_type", lt)
	}
}
