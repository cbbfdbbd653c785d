// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// The logs signal. The official GenAI instrumentations
// (@opentelemetry/instrumentation-openai, opentelemetry-instrumentation-
// openai-v2 and every instrumentation built on opentelemetry-util-genai with
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=EVENT_ONLY) put prompts
// and completions on LOG RECORDS correlated with the model-call span by
// trace and span id. This file recognises those records and turns each into
// the span event the translator already reads; join.go holds the waiting
// area that brings records and spans together.

const (
	// defaultWindow: the OTel SDKs' BatchSpanProcessor exports every 5 s
	// (OTEL_BSP_SCHEDULE_DELAY) and the BatchLogRecordProcessor every 1 s
	// (OTEL_BLRP_SCHEDULE_DELAY). A call's records are emitted before its span
	// ends, so they normally arrive first, up to one span-export delay (5 s)
	// ahead of the span; a span that arrives first waits at most about one
	// log-export delay (1 s) for its trailing records. 5 s covers both with
	// the SDK defaults and adds no latency to spans whose records arrive.
	defaultWindow = 5 * time.Second

	// defaultMaxCallDuration: input messages are logged when a call
	// STARTS (gen_ai.user.message, …), the span only when it ends. Until the
	// call's end is seen (a gen_ai.choice or output record, or the span) its
	// input records wait this long. Streaming and reasoning calls often run
	// for minutes (the OpenAI SDKs time out after 10 minutes). What waits here
	// is proportional to calls in progress, not to throughput, and the bounds
	// below cap it anyway.
	defaultMaxCallDuration = 5 * time.Minute
)

// JoinConfig configures the join of gen-AI content log records onto
// their spans. It only takes effect when the exporter is also in a logs
// pipeline; without one no span waits for content.
type JoinConfig struct {
	// Window is how long a model-call span without content waits for its
	// content records, and how long records of a finished call wait for
	// their span.
	Window time.Duration `mapstructure:"window"`
	// MaxCallDuration is how long input-message records of a call still in
	// progress (no choice/output record and no span yet) wait for it to end.
	MaxCallDuration time.Duration `mapstructure:"max_call_duration"`
	// MaxSpans and MaxBytes are deprecated: the assembly stage's bounds
	// (assembly.max_spans, assembly.max_bytes) govern everything that
	// waits. When set, the lower of the two values applies.
	MaxSpans int   `mapstructure:"max_spans"`
	MaxBytes int64 `mapstructure:"max_bytes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DefaultJoinConfig returns the defaults. The deprecated bounds are left
// unset (0): the assembly stage's bounds apply.
func DefaultJoinConfig() JoinConfig {
	return JoinConfig{
		Window:          defaultWindow,
		MaxCallDuration: defaultMaxCallDuration,
	}
}

// Validate checks the logs_join section; the collector prefixes its errors
// with "logs_join: ".
func (c *JoinConfig) Validate() error {
	var errs []error
	if c.Window <= 0 {
		errs = append(errs, fmt.Errorf("window must be positive, got %s", c.Window))
	}
	if c.MaxCallDuration < c.Window {
		errs = append(errs, fmt.Errorf("max_call_duration (%s) must be at least window (%s)", c.MaxCallDuration, c.Window))
	}
	if c.MaxSpans < 0 {
		errs = append(errs, fmt.Errorf("max_spans (deprecated, use assembly.max_spans) must not be negative, got %d", c.MaxSpans))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("max_bytes (deprecated, use assembly.max_bytes) must not be negative, got %d", c.MaxBytes))
	}
	return errors.Join(errs...)
}

// Event names and content keys of the GenAI conventions (one home, shared
// with the translator: internal/genai).
const (
	evSystemMessage    = genai.EventSystemMessage
	evUserMessage      = genai.EventUserMessage
	evAssistantMessage = genai.EventAssistantMessage
	evToolMessage      = genai.EventToolMessage
	evChoice           = genai.EventChoice
	evContentPrompt    = genai.EventContentPrompt
	evContentComplete  = genai.EventContentCompletion
	evOperationDetails = genai.EventOperationDetails
	evEvaluation       = genai.EventEvaluationResult
	evException        = genai.EventOperationException

	attrInputMessages      = genai.InputMessages
	attrOutputMessages     = genai.OutputMessages
	attrSystemInstructions = genai.SystemInstructions
	attrEventContent       = genai.EventContent
)

// recKind is the part a content record plays in a call.
type recKind uint8

const (
	recNone    recKind = iota
	recInput           // an input message (system, user, assistant, tool, content.prompt)
	recChoice          // a completion choice (gen_ai.choice, content.completion)
	recDetails         // operation.details: input and/or output messages
	// recAnnotation: a record about the call that carries no message
	// (gen_ai.evaluation.result, gen_ai.client.operation.exception). It
	// says the call has ended and is kept with the span it is about.
	recAnnotation
)

// record is one content record converted into the span event it will
// become, with what ordering and completeness need to know.
type record struct {
	name  string
	kind  recKind
	attrs pcommon.Map // owned; moved into the span event
	ts    uint64      // record time (or observed time)
	seq   uint64      // arrival order
	pseq  uint64      // the storage item holding the record (0: none)
	index int64       // choice index
	// system messages sort first among input records of equal time.
	system bool
	// toolID is the tool_call_id a tool message answers; callIDs the ids
	// of an assistant message's tool calls (to put tool results after the
	// call when records arrive shuffled).
	toolID  string
	callIDs []string
	// hasInput / hasOutput: an operation.details record's halves.
	hasInput, hasOutput bool
	size                int64
}

// recordEventName returns the event name of a log record: the OTLP
// event_name field, else the event.name attribute (older SDKs and the
// Events API bridge).
func recordEventName(lr plog.LogRecord) string {
	if n := lr.EventName(); n != "" {
		return n
	}
	if v, ok := lr.Attributes().Get("event.name"); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

// classifyRecord returns the event name and kind of a content record, or
// recNone for any other record. Records without a name are recognised by
// the shape of their body (the conventions' bodies are distinctive enough).
func classifyRecord(lr plog.LogRecord) (string, recKind) {
	name := recordEventName(lr)
	switch name {
	case evSystemMessage, evUserMessage, evAssistantMessage, evToolMessage, evContentPrompt:
		return name, recInput
	case evChoice, evContentComplete:
		return name, recChoice
	case evOperationDetails:
		return name, recDetails
	case evEvaluation, evException:
		return name, recAnnotation
	case "":
	default:
		return name, recNone
	}
	attrs := lr.Attributes()
	for _, k := range []string{attrInputMessages, attrOutputMessages} {
		if _, ok := attrs.Get(k); ok {
			return evOperationDetails, recDetails
		}
	}
	if lr.Body().Type() != pcommon.ValueTypeMap {
		return "", recNone
	}
	body := lr.Body().Map()
	if _, ok := body.Get(attrInputMessages); ok {
		return evOperationDetails, recDetails
	}
	if _, ok := body.Get(attrOutputMessages); ok {
		return evOperationDetails, recDetails
	}
	_, hasFinish := body.Get("finish_reason")
	_, hasMessage := body.Get("message")
	_, hasIndex := body.Get("index")
	if hasFinish && (hasMessage || hasIndex) {
		return evChoice, recChoice
	}
	if role, ok := body.Get("role"); ok && role.Type() == pcommon.ValueTypeStr {
		_, hasContent := body.Get("content")
		_, hasCalls := body.Get("tool_calls")
		if hasContent || hasCalls {
			switch role.Str() {
			case "system", "developer":
				return evSystemMessage, recInput
			case "user":
				return evUserMessage, recInput
			case "assistant":
				return evAssistantMessage, recInput
			case "tool":
				return evToolMessage, recInput
			}
		}
	}
	return "", recNone
}

// newRecord converts a content record into its span event's attributes
// (a copy: the record's memory belongs to the pipeline).
//
//   - per-message events and choices: the body's fields (content, role,
//     tool_calls, id, message, finish_reason, index) become the attributes,
//     as frameworks that put these events on spans write them; a string
//     body becomes gen_ai.event.content (the Azure shape);
//   - gen_ai.content.prompt / completion: gen_ai.prompt / gen_ai.completion;
//   - operation.details: gen_ai.input.messages, gen_ai.output.messages and
//     gen_ai.system_instructions from the attributes or a map body; a body
//     that is a bare message list (what instrumentation-openai writes for
//     the Responses API) is output when its messages carry finish_reason
//     (only OutputMessages do), else input.
func newRecord(lr plog.LogRecord, name string, kind recKind, size int64) record {
	r := record{name: name, kind: kind, attrs: pcommon.NewMap(), size: size}
	r.ts = uint64(lr.Timestamp())
	if r.ts == 0 {
		r.ts = uint64(lr.ObservedTimestamp())
	}
	body := lr.Body()
	switch kind {
	case recDetails:
		r.convertDetails(lr)
	case recAnnotation:
		// The conventions put these events' fields in attributes; a map
		// body is read too, for emitters that use it.
		lr.Attributes().CopyTo(r.attrs)
		r.attrs.Remove("event.name")
		if body.Type() == pcommon.ValueTypeMap {
			body.Map().Range(func(k string, v pcommon.Value) bool {
				if _, exists := r.attrs.Get(k); !exists {
					v.CopyTo(r.attrs.PutEmpty(k))
				}
				return true
			})
		}
	default:
		switch name {
		case evContentPrompt, evContentComplete:
			key := "gen_ai.prompt"
			if name == evContentComplete {
				key = "gen_ai.completion"
			}
			if v, ok := lr.Attributes().Get(key); ok {
				v.CopyTo(r.attrs.PutEmpty(key))
			} else if body.Type() == pcommon.ValueTypeMap {
				if v, ok := body.Map().Get(key); ok {
					v.CopyTo(r.attrs.PutEmpty(key))
				}
			} else if body.Type() != pcommon.ValueTypeEmpty {
				body.CopyTo(r.attrs.PutEmpty(key))
			}
		default:
			switch body.Type() {
			case pcommon.ValueTypeMap:
				body.Map().CopyTo(r.attrs)
			case pcommon.ValueTypeStr:
				r.attrs.PutStr(attrEventContent, body.Str())
			}
			// Azure SDKs carry the whole body in one attribute.
			if v, ok := lr.Attributes().Get(attrEventContent); ok {
				if _, exists := r.attrs.Get(attrEventContent); !exists {
					v.CopyTo(r.attrs.PutEmpty(attrEventContent))
				}
			}
		}
	}
	r.readOrderFacts()
	return r
}

func (r *record) convertDetails(lr plog.LogRecord) {
	keys := [...]string{attrInputMessages, attrOutputMessages, attrSystemInstructions}
	for _, k := range keys {
		if v, ok := lr.Attributes().Get(k); ok {
			v.CopyTo(r.attrs.PutEmpty(k))
		}
	}
	body := lr.Body()
	switch body.Type() {
	case pcommon.ValueTypeMap:
		for _, k := range keys {
			if _, done := r.attrs.Get(k); done {
				continue
			}
			if v, ok := body.Map().Get(k); ok {
				v.CopyTo(r.attrs.PutEmpty(k))
			}
		}
	case pcommon.ValueTypeSlice, pcommon.ValueTypeStr:
		// A bare message list. The SDK drops attributes whose value is
		// undefined, so instrumentation-openai's records carry the list only
		// in the body; it is a duplicate when an attribute holds it too.
		_, hasIn := r.attrs.Get(attrInputMessages)
		_, hasOut := r.attrs.Get(attrOutputMessages)
		if hasIn || hasOut {
			break
		}
		key := attrInputMessages
		if bodyHasFinishReason(body) {
			key = attrOutputMessages
		}
		body.CopyTo(r.attrs.PutEmpty(key))
	}
	_, r.hasInput = r.attrs.Get(attrInputMessages)
	if _, ok := r.attrs.Get(attrSystemInstructions); ok {
		r.hasInput = true
	}
	_, r.hasOutput = r.attrs.Get(attrOutputMessages)
}

// bodyHasFinishReason reports whether a message list (structured or JSON
// text) is an OutputMessages list.
func bodyHasFinishReason(body pcommon.Value) bool {
	if body.Type() == pcommon.ValueTypeStr {
		return strings.Contains(body.Str(), `"finish_reason"`)
	}
	list := body.Slice()
	for i := 0; i < list.Len(); i++ {
		if m := list.At(i); m.Type() == pcommon.ValueTypeMap {
			if _, ok := m.Map().Get("finish_reason"); ok {
				return true
			}
		}
	}
	return false
}

// readOrderFacts fills the fields ordering uses from the converted
// attributes.
func (r *record) readOrderFacts() {
	switch r.kind {
	case recChoice:
		if v, ok := r.attrs.Get("index"); ok {
			r.index = intOf(v)
		}
	case recInput:
		role := ""
		switch r.name {
		case evSystemMessage:
			role = "system"
		case evToolMessage:
			role = "tool"
		case evAssistantMessage:
			role = "assistant"
		}
		if v, ok := r.attrs.Get("role"); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
			role = v.Str()
		}
		r.system = role == "system" || role == "developer"
		switch role {
		case "tool":
			for _, k := range []string{"id", "tool_call_id"} {
				if v, ok := r.attrs.Get(k); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
					r.toolID = v.Str()
					break
				}
			}
		case "assistant":
			if v, ok := r.attrs.Get("tool_calls"); ok && v.Type() == pcommon.ValueTypeSlice {
				calls := v.Slice()
				for i := 0; i < calls.Len(); i++ {
					if c := calls.At(i); c.Type() == pcommon.ValueTypeMap {
						if id, ok := c.Map().Get("id"); ok && id.Type() == pcommon.ValueTypeStr {
							r.callIDs = append(r.callIDs, id.Str())
						}
					}
				}
			}
		}
	}
}

// intOf reads an integer from an int, a double or a numeric string.
func intOf(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	case pcommon.ValueTypeStr:
		if n, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64); err == nil {
			return n
		}
	}
	return 0
}

// Span classification.

// awaitedOperations are the gen_ai.operation.name values of model calls
// whose content the official instrumentations log as records. Embeddings
// are left out on purpose: no official instrumentation logs their input,
// so waiting would only delay every embeddings span by the window.
var awaitedOperations = map[string]bool{
	"chat": true, "text_completion": true, "generate_content": true,
	// Non-spec values some instrumentations use for the same calls.
	"completion": true, "generate": true, "response": true,
}

// awaitsContent reports whether span is a model call that carries no
// prompt/completion content itself, so its content may still come as log
// records.
func awaitsContent(span ptrace.Span) bool {
	v, ok := span.Attributes().Get("gen_ai.operation.name")
	if !ok || v.Type() != pcommon.ValueTypeStr || !awaitedOperations[strings.ToLower(v.Str())] {
		return false
	}
	return !spanHasContent(span)
}

// spanHasContent reports whether a span already carries messages in any
// convention the translator reads (genai.SpanHasContent).
func spanHasContent(span ptrace.Span) bool { return genai.SpanHasContent(span) }

// expectedChoices is how many gen_ai.choice records complete a call: one
// per finish reason the span reports (instrumentations set one per
// choice), at least one.
func expectedChoices(span ptrace.Span) int {
	if v, ok := span.Attributes().Get("gen_ai.response.finish_reasons"); ok && v.Type() == pcommon.ValueTypeSlice {
		if n := v.Slice().Len(); n > 1 {
			return n
		}
	}
	return 1
}
