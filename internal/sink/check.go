// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// LogTypes are the log_type values Respan's SDK enumerates (LogType in
// respan_sdk/constants/llm_logging.py).
var LogTypes = []string{
	"text", "chat", "completion", "response", "embedding", "transcription", "speech",
	"workflow", "task", "tool", "agent", "handoff", "guardrail", "function", "custom",
	"generation", "unknown", "score", "batch",
}

// MessageRoles are the roles accepted in prompt_messages and
// completion_message.
var MessageRoles = []string{"system", "user", "assistant", "tool", "developer"}

// MaxSpanNameChars is the span_name limit (a varchar(255) column).
const MaxSpanNameChars = 255

type fieldKind int

const (
	kindString fieldKind = iota
	kindNumber
	kindInteger
	kindCount // non-negative integer
	kindBool
	kindArray
	kindObject
	kindStringArray
	kindStringOrArray
)

// fieldKinds types the fields of a span log (docs/conventions.md §1) and
// the other Create-span fields Respan's ingest API documents. Fields not
// listed are accepted with any value, as the API accepts every Create-span
// field.
var fieldKinds = map[string]fieldKind{
	"trace_unique_id":        kindString,
	"span_unique_id":         kindString,
	"span_name":              kindString,
	"span_workflow_name":     kindString,
	"span_path":              kindString,
	"start_time":             kindString,
	"timestamp":              kindString,
	"input":                  kindString,
	"output":                 kindString,
	"model":                  kindString,
	"encoding_format":        kindString,
	"provider_id":            kindString,
	"error_message":          kindString,
	"status":                 kindString,
	"log_type":               kindString,
	"warnings":               kindString,
	"customer_identifier":    kindString,
	"customer_email":         kindString,
	"customer_name":          kindString,
	"thread_identifier":      kindString,
	"custom_identifier":      kindString,
	"group_identifier":       kindString,
	"trace_group_identifier": kindString,
	"session_identifier":     kindString,
	"trace_name":             kindString,
	"environment":            kindString,
	"id":                     kindString,

	"latency":               kindNumber,
	"generation_time":       kindNumber,
	"cost":                  kindNumber,
	"temperature":           kindNumber,
	"top_p":                 kindNumber,
	"frequency_penalty":     kindNumber,
	"presence_penalty":      kindNumber,
	"time_to_first_token":   kindNumber,
	"ttft":                  kindNumber,
	"tokens_per_second":     kindNumber,
	"prompt_unit_price":     kindNumber,
	"completion_unit_price": kindNumber,

	"status_code":                  kindInteger,
	"max_tokens":                   kindCount,
	"prompt_tokens":                kindCount,
	"completion_tokens":            kindCount,
	"total_request_tokens":         kindCount,
	"prompt_cache_hit_tokens":      kindCount,
	"prompt_cache_creation_tokens": kindCount,

	"stream":           kindBool,
	"disable_log":      kindBool,
	"disable_fallback": kindBool,

	"prompt_messages":     kindArray,
	"completion_messages": kindArray,
	"tools":               kindArray,
	"tool_calls":          kindArray,
	"span_tools":          kindStringArray,
	"span_handoffs":       kindStringArray,
	"stop":                kindStringOrArray,

	"completion_message": kindObject,
	"metadata":           kindObject,
	"usage":              kindObject,
	"customer_params":    kindObject,
	"respan_params":      kindObject,
}

func (k fieldKind) String() string {
	switch k {
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindInteger:
		return "an integer"
	case kindCount:
		return "a non-negative integer"
	case kindBool:
		return "a boolean"
	case kindArray:
		return "an array"
	case kindObject:
		return "an object"
	case kindStringArray:
		return "an array of strings"
	case kindStringOrArray:
		return "a string or an array of strings"
	}
	return "?"
}

// checkSpan decodes one span log and lists its contract violations, each
// as "field: problem". The SpanLog is filled as far as the types allow
// (its ids always, when they are strings, so errors can name the span).
func checkSpan(raw json.RawMessage) (SpanLog, []string) {
	var sl SpanLog
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return sl, []string{"not valid JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return sl, []string{"a span log must be a JSON object, found " + describe(v)}
	}
	sl.TraceID, _ = obj["trace_unique_id"].(string)
	sl.SpanID, _ = obj["span_unique_id"].(string)

	var problems []string
	add := func(field, format string, args ...any) {
		problems = append(problems, field+": "+fmt.Sprintf(format, args...))
	}

	// Required ids.
	for _, f := range []string{"trace_unique_id", "span_unique_id"} {
		val, present := obj[f]
		switch s, isStr := val.(string); {
		case !present || val == nil:
			add(f, "required")
		case !isStr:
			add(f, "must be a string, found %s", describe(val))
		case strings.TrimSpace(s) == "":
			add(f, "must not be empty")
		}
	}
	// Parent: absent, null or a non-empty string; "" is a common bug that
	// makes a root look like a child of an unknown span.
	if val, present := obj["span_parent_id"]; present && val != nil {
		switch s, isStr := val.(string); {
		case !isStr:
			add("span_parent_id", "must be a string or null, found %s", describe(val))
		case s == "":
			add("span_parent_id", `must be omitted or null for a root span, not ""`)
		default:
			sl.ParentID = s
		}
	}

	// Types of the documented fields, in a stable order.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	typeOK := map[string]bool{}
	for _, k := range keys {
		kind, known := fieldKinds[k]
		val := obj[k]
		if !known || val == nil || k == "trace_unique_id" || k == "span_unique_id" {
			continue
		}
		if msg := checkKind(kind, val); msg != "" {
			add(k, "%s", msg)
			continue
		}
		typeOK[k] = true
	}

	// Values.
	if typeOK["span_name"] {
		sl.SpanName = obj["span_name"].(string)
		if n := utf8.RuneCountInString(sl.SpanName); n > MaxSpanNameChars {
			add("span_name", "%d characters, more than %d", n, MaxSpanNameChars)
		}
	}
	var times [2]time.Time
	for i, f := range []string{"start_time", "timestamp"} {
		if !typeOK[f] {
			continue
		}
		s := obj[f].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			add(f, "%q is not an RFC 3339 timestamp with a UTC offset or Z (e.g. 2026-08-20T10:15:00.000000Z)", clip(s, 40))
			continue
		}
		times[i] = t
	}
	sl.StartTime, sl.Timestamp = times[0], times[1]
	if !sl.StartTime.IsZero() && !sl.Timestamp.IsZero() && sl.Timestamp.Before(sl.StartTime) {
		add("timestamp", "the end (%s) is before start_time (%s)", obj["timestamp"], obj["start_time"])
	}
	for _, f := range []string{"input", "output"} {
		if !typeOK[f] {
			continue
		}
		s := obj[f].(string)
		if !json.Valid([]byte(s)) {
			add(f, "%q is not JSON text; input and output carry JSON-encoded values (plain text goes as a JSON string)", clip(s, 40))
			continue
		}
		if f == "input" {
			sl.Input = s
		} else {
			sl.Output = s
		}
	}
	if typeOK["latency"] {
		f, _ := obj["latency"].(json.Number).Float64()
		if f < 0 {
			add("latency", "must not be negative, got %s", obj["latency"])
		} else {
			sl.Latency = f
		}
	}
	if typeOK["log_type"] {
		lt := obj["log_type"].(string)
		if !contains(LogTypes, lt) {
			add("log_type", "%q is not one of %s", clip(lt, 40), strings.Join(LogTypes, ", "))
		} else {
			sl.LogType = lt
		}
	}
	if typeOK["prompt_messages"] {
		for i, m := range obj["prompt_messages"].([]any) {
			if msg := checkMessage(m); msg != "" {
				add(fmt.Sprintf("prompt_messages[%d]", i), "%s", msg)
			}
		}
	}
	if typeOK["completion_message"] {
		if msg := checkMessage(obj["completion_message"]); msg != "" {
			add("completion_message", "%s", msg)
		}
	}
	if typeOK["completion_messages"] {
		for i, m := range obj["completion_messages"].([]any) {
			if msg := checkMessage(m); msg != "" {
				add(fmt.Sprintf("completion_messages[%d]", i), "%s", msg)
			}
		}
	}
	if typeOK["metadata"] {
		md := obj["metadata"].(map[string]any)
		mk := make([]string, 0, len(md))
		for k := range md {
			mk = append(mk, k)
		}
		sort.Strings(mk)
		for _, k := range mk {
			switch md[k].(type) {
			case map[string]any, []any:
				add("metadata."+k, "values must be strings, numbers or booleans, found %s", describe(md[k]))
			}
		}
	}

	sl.SpanWorkflowName, _ = obj["span_workflow_name"].(string)
	sl.Model, _ = obj["model"].(string)
	sl.ProviderID, _ = obj["provider_id"].(string)
	sl.Status, _ = obj["status"].(string)
	sl.ErrorMessage, _ = obj["error_message"].(string)
	sl.CustomerIdentifier, _ = obj["customer_identifier"].(string)
	sl.ThreadIdentifier, _ = obj["thread_identifier"].(string)
	if typeOK["prompt_tokens"] {
		sl.PromptTokens, _ = obj["prompt_tokens"].(json.Number).Int64()
	}
	if typeOK["completion_tokens"] {
		sl.CompletionTokens, _ = obj["completion_tokens"].(json.Number).Int64()
	}
	if typeOK["status_code"] {
		c, _ := obj["status_code"].(json.Number).Int64()
		sl.StatusCode = int(c)
	}

	// The plain view for callers: numbers as float64, as usual in Go.
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err == nil {
		sl.Fields = fields
		if md, ok := fields["metadata"].(map[string]any); ok {
			sl.Metadata = md
		}
	}
	sl.Raw = append(json.RawMessage(nil), raw...)
	return sl, problems
}

// checkKind returns "" when val has the kind, else what is wrong.
func checkKind(kind fieldKind, val any) string {
	bad := func() string { return "must be " + kind.String() + ", found " + describe(val) }
	switch kind {
	case kindString:
		if _, ok := val.(string); !ok {
			return bad()
		}
	case kindNumber:
		n, ok := val.(json.Number)
		if !ok {
			return bad()
		}
		if f, err := n.Float64(); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "must be a finite number, found " + n.String()
		}
	case kindInteger, kindCount:
		n, ok := val.(json.Number)
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil {
			return bad() + " " + n.String()
		}
		if kind == kindCount && i < 0 {
			return "must not be negative, got " + n.String()
		}
	case kindBool:
		if _, ok := val.(bool); !ok {
			return bad()
		}
	case kindArray:
		if _, ok := val.([]any); !ok {
			return bad()
		}
	case kindObject:
		if _, ok := val.(map[string]any); !ok {
			return bad()
		}
	case kindStringArray, kindStringOrArray:
		if _, ok := val.(string); ok && kind == kindStringOrArray {
			return ""
		}
		arr, ok := val.([]any)
		if !ok {
			return bad()
		}
		for i, e := range arr {
			if _, ok := e.(string); !ok {
				return fmt.Sprintf("element %d must be a string, found %s", i, describe(e))
			}
		}
	}
	return ""
}

// checkMessage checks one chat message: an object whose role is one of
// MessageRoles.
func checkMessage(m any) string {
	obj, ok := m.(map[string]any)
	if !ok {
		return "a message must be an object, found " + describe(m)
	}
	role, present := obj["role"]
	if !present {
		return "role: required"
	}
	r, ok := role.(string)
	if !ok {
		return "role: must be a string, found " + describe(role)
	}
	if !contains(MessageRoles, r) {
		return fmt.Sprintf("role: %q is not one of %s", clip(r, 40), strings.Join(MessageRoles, ", "))
	}
	return ""
}

func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("a string (%q)", clip(t, 40))
	case json.Number:
		return "a number (" + t.String() + ")"
	case float64:
		return fmt.Sprintf("a number (%v)", t)
	case bool:
		return fmt.Sprintf("a boolean (%v)", t)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// CheckSpan checks one encoded span log against the ingest contract, as the
// server does for each element of a request: it returns the span log as far
// as it decodes and the violations, each as "field: problem". The
// translator's tests use it so that one checker states the contract.
func CheckSpan(raw json.RawMessage) (SpanLog, []string) { return checkSpan(raw) }
