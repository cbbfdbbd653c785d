// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strings"
)

// OptInt is an integer that may be absent.
type OptInt struct {
	Value int64
	Set   bool
}

// OptFloat is a float that may be absent. NaN and ±Inf are never Set.
type OptFloat struct {
	Value float64
	Set   bool
}

// OptBool is a boolean that may be absent.
type OptBool struct {
	Value bool
	Set   bool
}

func someInt(v int64) OptInt       { return OptInt{Value: v, Set: true} }
func someFloat(v float64) OptFloat { return OptFloat{Value: v, Set: !isBadFloat(v)} }
func someBool(v bool) OptBool      { return OptBool{Value: v, Set: true} }

// ToolCall is one OpenAI-shaped function call of an assistant message.
type ToolCall struct {
	ID   string
	Name string
	// Arguments is the JSON text of the arguments (OpenAI sends a string).
	Arguments string
}

// Message is one chat message in the OpenAI shape Respan stores.
type Message struct {
	Role string
	// Content is nil (JSON null), a string, or []any of OpenAI content parts
	// (map[string]any such as {"type":"text","text":...}).
	Content    any
	Name       string
	ToolCallID string
	ToolCalls  []ToolCall
}

// MetadataEntry is one metadata key and value.
type MetadataEntry struct {
	Key   string
	Value any
}

// jsonText is a metadata value held as its JSON text (an object or array):
// it is sent as a JSON string of that text, as every metadata tree is
// (Respan coerces metadata values to strings). The metadata path writes
// trees straight to their text, the bytes marshalAny writes for the tree
// (metajson.go), so that no tree is built only to be marshalled.
type jsonText string

// MetadataValue returns the value of a metadata key.
func (s *SpanLog) MetadataValue(key string) (any, bool) {
	i, ok := slices.BinarySearchFunc(s.Metadata, key, func(e MetadataEntry, k string) int { return strings.Compare(e.Key, k) })
	if !ok {
		return nil, false
	}
	return s.Metadata[i].Value, true
}

// SetMetadata sets a metadata key, keeping the entries sorted.
func (s *SpanLog) SetMetadata(key string, value any) {
	i, ok := slices.BinarySearchFunc(s.Metadata, key, func(e MetadataEntry, k string) int { return strings.Compare(e.Key, k) })
	if ok {
		s.Metadata[i].Value = value
		return
	}
	s.Metadata = slices.Insert(s.Metadata, i, MetadataEntry{Key: key, Value: value})
}

// SpanLog is one Respan span log. Field comments give the JSON key.
type SpanLog struct {
	TraceID  string // trace_unique_id
	SpanID   string // span_unique_id
	ParentID string // span_parent_id; empty for roots (encoded as absent)

	SpanName         string // span_name (≤255 characters)
	SpanWorkflowName string // span_workflow_name
	SpanPath         string // span_path

	StartUnixNano uint64   // start_time
	EndUnixNano   uint64   // timestamp (the span end)
	Latency       OptFloat // latency, seconds

	LogType    string // log_type
	Model      string // model
	ProviderID string // provider_id

	PromptMessages     []Message // prompt_messages
	CompletionMessage  *Message  // completion_message
	CompletionMessages []Message // completion_messages (only when n>1)
	// Input and Output hold JSON text; they are sent as JSON strings.
	Input  string // input
	Output string // output

	PromptTokens       OptInt   // prompt_tokens
	CompletionTokens   OptInt   // completion_tokens
	TotalRequestTokens OptInt   // total_request_tokens
	CacheHitTokens     OptInt   // prompt_cache_hit_tokens
	CacheCreationTokns OptInt   // prompt_cache_creation_tokens
	ReasoningTokens    OptInt   // usage.completion_tokens_details.reasoning_tokens
	Cost               OptFloat // cost, USD
	TimeToFirstToken   OptFloat // time_to_first_token, seconds

	Temperature      OptFloat // temperature
	TopP             OptFloat // top_p
	FrequencyPenalty OptFloat // frequency_penalty
	PresencePenalty  OptFloat // presence_penalty
	MaxTokens        OptInt   // max_tokens
	Stream           OptBool  // stream
	Stop             []string // stop
	Tools            []any    // tools, OpenAI shape
	ToolChoice       any      // tool_choice

	SpanTools    []string // span_tools
	SpanHandoffs []string // span_handoffs

	CustomerIdentifier   string // customer_identifier
	CustomerEmail        string // customer_email
	CustomerName         string // customer_name
	ThreadIdentifier     string // thread_identifier
	TraceGroupIdentifier string // trace_group_identifier

	StatusCode   int      // status_code
	ErrorMessage string   // error_message
	Warnings     []string // warnings, joined with "; "

	// Metadata, sorted by key. Values are primitives (string, bool, int64,
	// float64), JSON-encodable trees, or jsonText (a tree as its JSON
	// text); trees are sent as JSON strings because Respan coerces
	// metadata values to strings. A sorted slice, not
	// a map: it is built once per span and only ever iterated in order.
	Metadata []MetadataEntry // metadata

	// Source locates the span this log came from.
	Source SourceRef

	// toolsJSON, when set, is the encoding of Tools (shared per batch).
	toolsJSON string
	// inputMsgs and outputMsgs, when Input/Output are empty, give those
	// fields as the JSON text of messages written at encode time.
	inputMsgs, outputMsgs deferredMessages
}

// deferredMessages is an input or output field whose JSON text is the
// encoding of messages, written straight into the request body when the
// span log is encoded (one pass, no intermediate string). It is the only
// lazy part of a span log: String gives the text on demand, and a span log
// holding one encodes the same bytes as one whose field holds that text.
type deferredMessages struct {
	msgs []Message
	// single writes one message as an object rather than an array (§4:
	// output holds the completion, input the whole list).
	single bool
}

func deferMessages(msgs []Message, single bool) deferredMessages {
	return deferredMessages{msgs: msgs, single: single && len(msgs) == 1}
}

// mirrors reports whether the field is deferred and its text is the
// nested form of what is written for list (or, single, for one): the same
// messages, not a copy.
func (d deferredMessages) mirrors(list []Message, one *Message) bool {
	if !d.set() {
		return false
	}
	if d.single {
		return one != nil && one == &d.msgs[0]
	}
	return len(list) > 0 && len(list) == len(d.msgs) && &list[0] == &d.msgs[0]
}

// set reports whether the field is deferred.
func (d deferredMessages) set() bool { return d.msgs != nil }

func (d deferredMessages) appendJSON(dst []byte) []byte {
	if d.single {
		return d.msgs[0].appendJSON(dst)
	}
	return appendMessages(dst, d.msgs)
}

// String returns the JSON text.
func (d deferredMessages) String() string {
	return withScratch(d.appendJSON)
}

// appendQuoted writes the JSON text as a JSON string literal, escaping
// each content string once for both levels (msgWriter nested).
func (d deferredMessages) appendQuoted(dst []byte) []byte {
	w := msgWriter{nested: true}
	dst = append(dst, '"')
	if d.single {
		dst = w.message(dst, &d.msgs[0])
	} else {
		dst = w.messages(dst, d.msgs)
	}
	return append(dst, '"')
}

// InputText returns the input field's JSON text (materialising a deferred
// value).
func (s *SpanLog) InputText() string {
	if s.Input == "" && s.inputMsgs.set() {
		return s.inputMsgs.String()
	}
	return s.Input
}

// OutputText returns the output field's JSON text.
func (s *SpanLog) OutputText() string {
	if s.Output == "" && s.outputMsgs.set() {
		return s.outputMsgs.String()
	}
	return s.Output
}

// materialize turns deferred input/output into plain strings (before
// content is cut by Shrink).
func (s *SpanLog) materialize() {
	s.Input, s.Output = s.InputText(), s.OutputText()
	s.inputMsgs, s.outputMsgs = deferredMessages{}, deferredMessages{}
}
