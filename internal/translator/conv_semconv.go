// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"github.com/respanai/respanexporter/internal/genai"
)

// Newest GenAI semconv: the v1.41 events and the pending names of
// semantic-conventions-genai.
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// applyEvaluations keeps gen_ai.evaluation.result events (on the span, or
// folded into it by the logs join) with the span they evaluate, as
// metadata.evaluations: one object per result with its name, score value and
// label, explanation and the evaluated response id.
func applyEvaluations(v *spanView) {
	events := v.span.Events()
	var evals []any
	for i := 0; i < events.Len(); i++ {
		e := events.At(i)
		if e.Name() != genai.EventEvaluationResult {
			continue
		}
		m := map[string]any{}
		attrs := e.Attributes()
		for _, kv := range [...][2]string{
			{"gen_ai.evaluation.name", "name"},
			{"gen_ai.evaluation.score.label", "score_label"},
			{"gen_ai.evaluation.explanation", "explanation"},
			{"gen_ai.response.id", "response_id"},
			{"error.type", "error_type"},
		} {
			if val, ok := attrs.Get(kv[0]); ok {
				if s := valueString(val); s != "" {
					m[kv[1]] = v.capContent(s)
				}
			}
		}
		if val, ok := attrs.Get("gen_ai.evaluation.score.value"); ok {
			if f, ok := anyFloat(valueToAny(val)); ok {
				m["score_value"] = f
			}
		}
		if len(m) > 0 {
			evals = append(evals, m)
		}
	}
	if len(evals) > 0 {
		v.setMeta("evaluations", evals)
	}
}

// semconvCost reads the pending gen_ai.usage.cost.amount / .currency. Only a
// USD amount (or one without a currency) is Respan's cost; another currency
// is kept in metadata, since Respan's cost field is USD.
func semconvCost(v *spanView, u *usage) {
	val, ok := v.get("gen_ai.usage.cost.amount")
	if !ok {
		return
	}
	f, ok := anyFloat(valueToAny(val))
	if !ok || f < 0 {
		return
	}
	cur := strings.ToUpper(strings.TrimSpace(v.str("gen_ai.usage.cost.currency")))
	if src := v.str("gen_ai.usage.cost.source"); src != "" {
		v.setMetaStr("cost_source", src)
	}
	if cur == "" || cur == "USD" {
		if !u.cost.Set {
			u.cost = someFloat(f)
		}
		return
	}
	v.setMeta("cost_amount", f)
	v.setMetaStr("cost_currency", cur)
}
