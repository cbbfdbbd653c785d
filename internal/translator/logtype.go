// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"

	"github.com/respanai/respanexporter/internal/genai"
)

// knownLogTypes is Respan's log_type enumeration (Python SDK LogType).
var knownLogTypes = map[string]bool{
	"text": true, "chat": true, "completion": true, "response": true, "embedding": true,
	"transcription": true, "speech": true, "workflow": true, "task": true, "tool": true,
	"agent": true, "handoff": true, "guardrail": true, "function": true, "custom": true,
	"generation": true, "unknown": true, "score": true, "batch": true,
}

// isModelCallType reports whether a log_type is a model call: only these
// carry tokens, cost and prompt/completion messages (§5.5).
func isModelCallType(logType string) bool {
	switch logType {
	case "chat", "completion", "response", "generation", "embedding", "text":
		return true
	}
	return false
}

// decideLogType implements the first-match procedure of §5.3: the rules of
// logTypeRules are tried in order and the first that decides wins. A rule
// reads (and so consumes) only its own attributes, and rules after the
// deciding one are not run, so their attributes stay leftover metadata.
func decideLogType(v *spanView) string {
	for _, r := range logTypeRules {
		if t := r.decide(v); t != "" {
			if t == workflowOrTask {
				return rootOr(v, "workflow", "task")
			}
			return t
		}
	}
	return rootOr(v, "workflow", "task") // 11. fallback
}

// workflowOrTask is a rule's answer for "workflow at the root of the
// batch's trace, task below it".
const workflowOrTask = "workflow|task"

func rootOr(v *spanView, root, other string) string {
	if v.isRoot {
		return root
	}
	return other
}

// logTypeRule is one step of §5.3; decide returns "" when the rule does
// not apply.
type logTypeRule struct {
	source string // the convention the rule reads
	decide func(v *spanView) string
}

// logTypeRules is §5.3 in order.
var logTypeRules = []logTypeRule{
	{"respan", respanLogType}, // 1
	{"langfuse", byValue("langfuse.observation.type", langfuseTypes)}, // 2
	{"traceloop", traceloopLogType},                                   // 3
	{"openinference", openInferenceLogType},                           // 4
	{"mcp", mcpLogType},                                               // 4b
	{"semconv", byValue(genai.OperationName, operationTypes)},         // 5
	{"openllmetry", byValue("llm.request.type", requestTypes)},        // 6
	{"langsmith", byValue("langsmith.span.kind", langsmithTypes)},     // 7
	{"vercel", vercelLogType},                                         // 8
	{"tool markers", toolMarkerLogType},                               // 9
	{"model", modelLogType},                                           // 10
}

// byValue is a rule that maps the lower-cased value of one attribute.
func byValue(key string, types map[string]string) func(v *spanView) string {
	return func(v *spanView) string { return types[strings.ToLower(v.str(key))] }
}

// 1. Respan's own explicit override (and its Keywords AI spelling).
func respanLogType(v *spanView) string {
	for _, k := range []string{"respan.entity.log_type", "keywordsai.entity.log_type"} {
		if s := strings.ToLower(v.str(k)); knownLogTypes[s] {
			return s
		}
	}
	return ""
}

// 2. Langfuse observation type.
var langfuseTypes = map[string]string{
	"generation": "chat", "embedding": "embedding", "agent": "agent", "tool": "tool",
	"chain": workflowOrTask, "retriever": "task", "evaluator": "task",
	"guardrail": "guardrail", "event": "custom",
}

// 3. Traceloop span kind ("TraceloopSpanKindValues.TASK" is seen too).
func traceloopLogType(v *spanView) string {
	kind := v.str("traceloop.span.kind")
	if kind == "" {
		return ""
	}
	kind = strings.ToLower(strings.TrimPrefix(kind, "TraceloopSpanKindValues."))
	switch kind {
	case "workflow", "task", "agent", "tool", "handoff":
		return kind
	}
	return ""
}

// 4. OpenInference span kind (also kept as metadata span_kind).
func openInferenceLogType(v *spanView) string {
	kind := strings.ToUpper(v.str("openinference.span.kind"))
	if kind == "" {
		return ""
	}
	v.setMeta("span_kind", v.boxes.str(kind))
	switch kind {
	case "LLM":
		if v.hasFlat.oiPrompts && !v.hasFlat.oiInput {
			return "completion"
		}
		return "chat"
	case "TOOL":
		if strings.HasPrefix(strings.ToLower(v.span.Name()), "handoff to ") {
			return "handoff"
		}
		return "tool"
	}
	return openInferenceTypes[kind]
}

var openInferenceTypes = map[string]string{
	"EMBEDDING": "embedding", "AGENT": "agent", "GUARDRAIL": "guardrail", "CHAIN": workflowOrTask,
	"RETRIEVER": "task", "RERANKER": "task", "EVALUATOR": "task", "PROMPT": "task",
}

// 5. OTel GenAI operation name (spec and widespread non-spec values).
var operationTypes = map[string]string{
	"chat": "chat", "generate_content": "chat", "generate": "chat", "realtime": "chat",
	"text_completion": "completion", "completion": "completion",
	"response":   "response",
	"embeddings": "embedding", "embedding": "embedding",
	"invoke_agent": "agent", "create_agent": "agent",
	"execute_tool":    "tool",
	"invoke_workflow": "workflow",
	"handoff":         "handoff",
	"retrieval":       workflowOrTask, "plan": workflowOrTask, "execute_task": workflowOrTask,
	"agent_step": workflowOrTask, "rerank": workflowOrTask, "vector_db_retrieve": workflowOrTask,
	"chain": workflowOrTask, "model_request": workflowOrTask,
}

// 6. OpenLLMetry request type.
var requestTypes = map[string]string{"chat": "chat", "completion": "completion", "embedding": "embedding", "rerank": "task"}

// 7. LangSmith run type.
var langsmithTypes = map[string]string{
	"llm": "chat", "embedding": "embedding", "tool": "tool",
	"retriever": "task", "prompt": "task", "parser": "task", "chain": workflowOrTask,
}

// 8. Vercel AI SDK operation id.
func vercelLogType(v *spanView) string {
	op := vercelOperation(v)
	switch {
	case op == "":
		return ""
	case strings.HasSuffix(op, ".doGenerate"), strings.HasSuffix(op, ".doStream"):
		return "chat"
	case strings.HasSuffix(op, ".doEmbed"):
		return "embedding"
	case op == "ai.toolCall":
		return "tool"
	case strings.HasPrefix(op, "ai."):
		return workflowOrTask
	}
	return ""
}

// 9. Tool markers without a model operation.
func toolMarkerLogType(v *spanView) string {
	if v.has("gen_ai.tool.name") || v.has("gen_ai.tool.call.id") || v.has("tool.name") || v.has("ai.toolCall.name") {
		return "tool"
	}
	return ""
}

// 10. A model with content or usage is a model call.
func modelLogType(v *spanView) string {
	model := v.firstString("gen_ai.request.model", "llm.model_name", "ai.model.id")
	if model == "" && !v.has("request_data") && !nonEmptyPlaceholder(v, "gcp.vertex.agent.llm_request") {
		return ""
	}
	if model == "" {
		model = modelFromJSONAttrs(v)
	}
	if strings.Contains(strings.ToLower(model), "embed") {
		return "embedding"
	}
	return "chat"
}

// vercelOperation returns the AI SDK operation id (ai.operationId, else an
// operation.name that starts with "ai.", which carries the functionId
// after a space).
func vercelOperation(v *spanView) string {
	if op, ok := v.peek("ai.operationId"); ok {
		return valueString(op)
	}
	if op, ok := v.peek("operation.name"); ok {
		s := valueString(op)
		if strings.HasPrefix(s, "ai.") {
			if i := strings.IndexByte(s, ' '); i > 0 {
				s = s[:i]
			}
			return s
		}
	}
	return ""
}

func nonEmptyPlaceholder(v *spanView, key string) bool {
	val, ok := v.peek(key)
	if !ok {
		return false
	}
	if s := valueString(val); s != "" {
		return !isEmptyContent(s)
	}
	return true
}
