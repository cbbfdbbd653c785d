// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package genai holds the gen-AI names that more than one part of the
// exporter needs: the translator reads them, the logs join waits for them.
// Keeping them in one place means the join's "does this span already carry
// content" and the translator's content sources cannot drift apart.
package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// Span event (and log record event) names of the GenAI conventions:
// semconv ≤ v1.36 per-message events, the v1.26 content events and the
// current operation-details event. semconv v1.41.0 of the module graph does
// not define event-name constants, hence the literals.
const (
	EventSystemMessage     = "gen_ai.system.message"
	EventUserMessage       = "gen_ai.user.message"
	EventAssistantMessage  = "gen_ai.assistant.message"
	EventToolMessage       = "gen_ai.tool.message"
	EventChoice            = "gen_ai.choice"
	EventContentPrompt     = "gen_ai.content.prompt"
	EventContentCompletion = "gen_ai.content.completion"
	EventOperationDetails  = "gen_ai.client.inference.operation.details"
	// v1.41 events that carry no messages: an evaluation of a call's
	// output, and an exception of a client operation.
	EventEvaluationResult   = "gen_ai.evaluation.result"
	EventOperationException = "gen_ai.client.operation.exception"
)

// Content attribute keys.
const (
	InputMessages      = string(semconv.GenAIInputMessagesKey)
	OutputMessages     = string(semconv.GenAIOutputMessagesKey)
	SystemInstructions = string(semconv.GenAISystemInstructionsKey)
	ToolDefinitions    = string(semconv.GenAIToolDefinitionsKey)
	ToolCallArguments  = string(semconv.GenAIToolCallArgumentsKey)
	ToolCallResult     = string(semconv.GenAIToolCallResultKey)
	OperationName      = string(semconv.GenAIOperationNameKey)
	FinishReasons      = string(semconv.GenAIResponseFinishReasonsKey)
	// EventContent is the Azure-style body attribute of content events.
	EventContent = "gen_ai.event.content"
	// Prompt and Completion are the pre-v1.28 (OpenLLMetry) content
	// attributes; their flattened forms are Prompt+".N.*".
	Prompt     = "gen_ai.prompt"
	Completion = "gen_ai.completion"
)

// ExporterWarnings is a span attribute (string or list of strings) through
// which the exporter itself adds notes to a span log's warnings, e.g. when
// the logs join sent a span without the content it waited for.
const ExporterWarnings = "respan.exporter.warnings"

// contentKeys are span attributes that hold prompt or completion messages
// in some convention the translator reads. gen_ai.system_instructions is
// not one: instrumentation-openai puts the Responses API's instructions on
// the span and the messages on log records.
var contentKeys = map[string]bool{
	InputMessages: true, OutputMessages: true, Prompt: true, Completion: true,
	"input.value": true, "output.value": true,
	"ai.prompt": true, "ai.prompt.messages": true, "ai.response.text": true,
}

// contentPrefixes are the flattened message families.
var contentPrefixes = []string{Prompt + ".", Completion + ".", "llm.input_messages.", "llm.output_messages."}

// IsContentEvent reports whether a span event (or log record event) name
// carries messages.
func IsContentEvent(name string) bool {
	switch name {
	case EventSystemMessage, EventUserMessage, EventAssistantMessage, EventToolMessage, EventChoice,
		EventContentPrompt, EventContentCompletion, EventOperationDetails:
		return true
	}
	return false
}

// SpanHasContent reports whether a span already carries prompt or
// completion messages, as attributes or events, in any convention the
// translator reads.
func SpanHasContent(span ptrace.Span) bool {
	found := false
	span.Attributes().Range(func(k string, _ pcommon.Value) bool {
		if contentKeys[k] {
			found = true
			return false
		}
		for _, p := range contentPrefixes {
			if strings.HasPrefix(k, p) {
				found = true
				return false
			}
		}
		return true
	})
	if found {
		return true
	}
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		if IsContentEvent(evs.At(i).Name()) {
			return true
		}
	}
	return false
}
