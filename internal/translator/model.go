// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import "strings"

// modelKeys is §4's model precedence over plain attributes.
var modelKeys = newKeyList(
	"langfuse.observation.model.name",
	"gen_ai.response.model", "gen_ai.request.model",
	"llm.response.model_name", "llm.model_name", "llm.request.model_name",
	"embedding.model_name", "reranker.model_name",
	"ai.response.model", "ai.model.id",
	"model_name", "langsmith.metadata.ls_model_name",
)

// decideModel returns the model (§4) and records the requested model in
// metadata when a different one answered.
func decideModel(v *spanView) string {
	model := v.takeListString(&modelKeys)
	if model == "" {
		model = modelFromJSONAttrs(v)
	}
	if model == "" {
		if val, ok := v.peek("model"); ok {
			model = valueString(val)
		}
	}
	if req, ok := v.peek("gen_ai.request.model"); ok {
		if r := valueString(req); r != "" && r != model {
			v.setMeta("request_model", v.boxes.str(r))
		}
	}
	return truncateRunes(strings.TrimSpace(model), 255)
}

// modelFromJSONAttrs reads the model out of JSON-valued framework
// attributes: Logfire request_data.model and ADK llm_request.model.
func modelFromJSONAttrs(v *spanView) string {
	for _, k := range []string{"request_data", "gcp.vertex.agent.llm_request"} {
		if val, ok := v.peek(k); ok {
			if m, isMap := structured(val).(map[string]any); isMap {
				if s := asString(m["model"]); s != "" {
					return s
				}
			}
		}
	}
	return ""
}
