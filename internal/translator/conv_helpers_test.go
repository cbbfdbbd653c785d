// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Helpers of the convention tests (conv_*_test.go): spans with a scope,
// events and status, and wire-field comparisons.

// convSpan is a span for table tests (buildTrace's spanSpec is the short
// form): its scope, attributes, events and status.
type convSpan struct {
	id, parent byte
	scope      string
	name       string
	attrs      map[string]any
	events     []convEvent
	errMsg     string // non-empty: status ERROR with this message
	startNs    int64  // 0: 1_700_000_000 s
	durNs      int64  // 0: 1.5 s
}

type convEvent struct {
	name  string
	attrs map[string]any
}

func convTrace(t *testing.T, spans ...convSpan) ptrace.Traces {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	scopes := map[string]ptrace.ScopeSpans{}
	for _, s := range spans {
		ss, ok := scopes[s.scope]
		if !ok {
			ss = rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(s.scope)
			scopes[s.scope] = ss
		}
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		sp.SetSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, s.id})
		if s.parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, s.parent})
		}
		sp.SetName(s.name)
		start, dur := s.startNs, s.durNs
		if start == 0 {
			start = 1_700_000_000_000_000_000
		}
		if dur == 0 {
			dur = 1_500_000_000
		}
		sp.SetStartTimestamp(pcommon.Timestamp(start))
		sp.SetEndTimestamp(pcommon.Timestamp(start + dur))
		if err := sp.Attributes().FromRaw(s.attrs); err != nil {
			t.Fatal(err)
		}
		for _, e := range s.events {
			ev := sp.Events().AppendEmpty()
			ev.SetName(e.name)
			ev.SetTimestamp(pcommon.Timestamp(start + dur))
			if err := ev.Attributes().FromRaw(e.attrs); err != nil {
				t.Fatal(err)
			}
		}
		if s.errMsg != "" {
			sp.Status().SetCode(ptrace.StatusCodeError)
			sp.Status().SetMessage(s.errMsg)
		}
	}
	return td
}

// want compares one wire field (numbers as float64, JSON values decoded).
func want(t *testing.T, l map[string]any, field string, w any) {
	t.Helper()
	got, ok := l[field]
	if w == nil {
		if ok {
			t.Errorf("span %v: %s: want absent, got %v", l["span_unique_id"], field, show(got))
		}
		return
	}
	if !reflect.DeepEqual(normJSON(got), normJSON(w)) {
		t.Errorf("span %v: %s: want %s, got %s", l["span_unique_id"], field, show(w), show(got))
	}
}

func normJSON(x any) any {
	b, err := json.Marshal(x)
	if err != nil {
		return x
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// wantJSONText compares a JSON-text field (input, output, metadata values)
// semantically.
func wantJSONText(t *testing.T, l map[string]any, field, w string) {
	t.Helper()
	s, _ := l[field].(string)
	var got, exp any
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		t.Errorf("span %v: %s is not JSON text: %q", l["span_unique_id"], field, s)
		return
	}
	if err := json.Unmarshal([]byte(w), &exp); err != nil {
		t.Fatalf("bad test JSON %q: %v", w, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("span %v: %s: want %s, got %s", l["span_unique_id"], field, w, s)
	}
}

func metaJSON(t *testing.T, l map[string]any, key string) any {
	t.Helper()
	s, ok := metadataOf(t, l)[key].(string)
	if !ok {
		t.Errorf("span %v: metadata.%s missing (metadata %v)", l["span_unique_id"], key, metadataOf(t, l))
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Errorf("span %v: metadata.%s not JSON: %q", l["span_unique_id"], key, s)
	}
	return v
}

func hasWarning(l map[string]any, sub string) bool {
	ws, _ := l["warnings"].(string)
	if ws == "" {
		if list, ok := l["warnings"].([]any); ok {
			for _, w := range list {
				if s, _ := w.(string); strings.Contains(s, sub) {
					return true
				}
			}
		}
		return false
	}
	return strings.Contains(ws, sub)
}

// TestBedrockModelIDMatchesExpression: the hand-written Bedrock model id
// test is the regular expression it replaced.
func TestBedrockModelIDMatchesExpression(t *testing.T) {
	re := regexp.MustCompile(`^((us|eu|apac|global)\.)?(anthropic|amazon|meta|cohere|ai21|mistral|deepseek|writer)\.|:\d+$`)
	ids := []string{"", "anthropic.claude-3-5-sonnet-20240620-v1:0", "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
		"eu.meta.llama3-2-3b-instruct-v1:0", "apac.amazon.nova-pro-v1:0", "global.anthropic.claude-sonnet-4",
		"amazon.titan-embed-text-v2", "anthropic", "anthropic.", "us.", "us.gpt-4o", "gpt-4o", "gpt-4o:1", "model:",
		"model:12a", "a:1:23", ":7", "us.us.anthropic.x", "uss.anthropic.x", "cohere.command-r", "writer.palmyra-x5",
		"ai21.jamba", "mistral.mistral-large", "deepseek.r1", "meta", "metallama.x", "claude-3-5-sonnet", "x:0\n"}
	for _, vendor := range []string{"anthropic", "amazon", "meta", "cohere", "ai21", "mistral", "deepseek", "writer"} {
		for _, region := range []string{"", "us.", "eu.", "apac.", "global.", "ca."} {
			ids = append(ids, region+vendor+".m", region+vendor, region+vendor+"x.m")
		}
	}
	for _, id := range ids {
		if got, want := isBedrockModelID(id), re.MatchString(id); got != want {
			t.Errorf("isBedrockModelID(%q) = %v, the expression says %v", id, got, want)
		}
	}
}

func FuzzBedrockModelID(f *testing.F) {
	re := regexp.MustCompile(`^((us|eu|apac|global)\.)?(anthropic|amazon|meta|cohere|ai21|mistral|deepseek|writer)\.|:\d+$`)
	f.Add("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
	f.Add("gpt-4o:12")
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := isBedrockModelID(id), re.MatchString(id); got != want {
			t.Fatalf("isBedrockModelID(%q) = %v, the expression says %v", id, got, want)
		}
	})
}

// TestStatusNeedsDigitRun: both status expressions match only text with
// three digits in a row, which is what the pre-check skips without.
func TestStatusNeedsDigitRun(t *testing.T) {
	for _, s := range []string{"Error code: 429 - rate limited", "status 503", "RateLimitError: 429 Too Many", "429 x",
		"status code 12", "error code: 4 29", "no digits", "", "Status: 1234"} {
		matched := statusInMessage.MatchString(s) || leadingStatus.MatchString(s)
		if matched && !hasDigitRun(s, 3) {
			t.Errorf("%q matches a status expression without three digits in a row", s)
		}
	}
	if hasDigitRun("a12b34", 3) || !hasDigitRun("x123", 3) {
		t.Error("hasDigitRun")
	}
}

// TestStatusLabelFolds: the letters of the pre-check's "code" and "tatu"
// fold to ASCII letters only, so the ASCII search finds every text the
// case-folded expression matches; and the pre-check never hides a match.
func TestStatusLabelFolds(t *testing.T) {
	for _, r := range "codetau" {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				t.Errorf("%q folds to %q, which the ASCII pre-check does not find", r, f)
			}
		}
	}
	for _, s := range []string{"Error code: 429 - x", "ERROR CODE 503", "status 404", "Status Code: 500", "ſtatus 500",
		"STATUS:502", "Error: 429 Rate limit", "stat us 500", "c0de 500", "no label 500"} {
		if statusInMessage.MatchString(s) && !mayHaveStatusLabel(s) {
			t.Errorf("%q matches statusInMessage but the pre-check skips it", s)
		}
	}
}

func FuzzStatusLabel(f *testing.F) {
	f.Add("Error code: 429 - Rate limit reached")
	f.Add("ſtatuſ 500")
	f.Fuzz(func(t *testing.T, s string) {
		if statusInMessage.MatchString(s) && !mayHaveStatusLabel(s) {
			t.Fatalf("%q matches statusInMessage but the pre-check skips it", s)
		}
	})
}
