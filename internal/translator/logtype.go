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

// decideLogType implements the first-match procedure of §5.3.
func decideLogType(v *spanView) string {
	rootOr := func(root, other string) string {
		if v.isRoot {
			return root
		}
		return other
	}
	// 1. Respan's own explicit override (and its Keywords AI spelling).
	for _, k := range []string{"respan.entity.log_type", "keywordsai.entity.log_type"} {
		if s := strings.ToLower(v.str(k)); knownLogTypes[s] {
			return s
		}
	}
	// 2. Langfuse observation type.
	switch strings.ToLower(v.str("langfuse.observation.type")) {
	case "generation":
		return "chat"
	case "embedding":
		return "embedding"
	case "agent":
		return "agent"
	case "tool":
		return "tool"
	case "chain":
		return rootOr("workflow", "task")
	case "retriever", "evaluator":
		return "task"
	case "guardrail":
		return "guardrail"
	case "event":
		return "custom"
	}
	// 3. Traceloop span kind ("TraceloopSpanKindValues.TASK" is seen too).
	if kind := v.str("traceloop.span.kind"); kind != "" {
		kind = strings.ToLower(strings.TrimPrefix(kind, "TraceloopSpanKindValues."))
		switch kind {
		case "workflow", "task", "agent", "tool", "handoff":
			return kind
		}
	}
	// 4. OpenInference span kind.
	if kind := strings.ToUpper(v.str("openinference.span.kind")); kind != "" {
		v.setMeta("span_kind", kind)
		switch kind {
		case "LLM":
			if v.hasFlat.oiPrompts && !v.hasFlat.oiInput {
				return "completion"
			}
			return "chat"
		case "EMBEDDING":
			return "embedding"
		case "AGENT":
			return "agent"
		case "TOOL":
			if strings.HasPrefix(strings.ToLower(v.span.Name()), "handoff to ") {
				return "handoff"
			}
			return "tool"
		case "GUARDRAIL":
			return "guardrail"
		case "CHAIN":
			return rootOr("workflow", "task")
		case "RETRIEVER", "RERANKER", "EVALUATOR", "PROMPT":
			return "task"
		}
	}
	// 5. OTel GenAI operation name (spec and widespread non-spec values).
	if op := strings.ToLower(v.str(genai.OperationName)); op != "" {
		switch op {
		case "chat", "generate_content", "generate", "realtime":
			return "chat"
		case "text_completion", "completion":
			return "completion"
		case "response":
			return "response"
		case "embeddings", "embedding":
			return "embedding"
		case "invoke_agent", "create_agent":
			return "agent"
		case "execute_tool":
			return "tool"
		case "invoke_workflow":
			return "workflow"
		case "handoff":
			return "handoff"
		case "retrieval", "plan", "execute_task", "agent_step", "rerank", "vector_db_retrieve", "chain", "model_request":
			return rootOr("workflow", "task")
		}
	}
	// 6. OpenLLMetry request type.
	switch strings.ToLower(v.str("llm.request.type")) {
	case "chat":
		return "chat"
	case "completion":
		return "completion"
	case "embedding":
		return "embedding"
	case "rerank":
		return "task"
	}
	// 7. LangSmith run type.
	switch strings.ToLower(v.str("langsmith.span.kind")) {
	case "llm":
		return "chat"
	case "embedding":
		return "embedding"
	case "tool":
		return "tool"
	case "retriever", "prompt", "parser":
		return "task"
	case "chain":
		return rootOr("workflow", "task")
	}
	// 8. Vercel AI SDK operation id.
	if op := vercelOperation(v); op != "" {
		switch {
		case strings.HasSuffix(op, ".doGenerate"), strings.HasSuffix(op, ".doStream"):
			return "chat"
		case strings.HasSuffix(op, ".doEmbed"):
			return "embedding"
		case op == "ai.toolCall":
			return "tool"
		case strings.HasPrefix(op, "ai."):
			return rootOr("workflow", "task")
		}
	}
	// 9. Tool markers without a model operation.
	if v.has("gen_ai.tool.name") || v.has("gen_ai.tool.call.id") || v.has("tool.name") || v.has("ai.toolCall.name") {
		return "tool"
	}
	// 10. A model with content or usage is a model call.
	if model := firstPresentString(v, "gen_ai.request.model", "llm.model_name", "ai.model.id"); model != "" ||
		v.has("request_data") || nonEmptyPlaceholder(v, "gcp.vertex.agent.llm_request") {
		if model == "" {
			model = modelFromJSONAttrs(v)
		}
		if strings.Contains(strings.ToLower(model), "embed") {
			return "embedding"
		}
		return "chat"
	}
	// 11. Fallback.
	return rootOr("workflow", "task")
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

func firstPresentString(v *spanView, keys ...string) string {
	for _, k := range keys {
		if val, ok := v.peek(k); ok {
			if s := valueString(val); s != "" {
				return s
			}
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
