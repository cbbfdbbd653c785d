// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"regexp"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// statusInMessage finds an HTTP status in messages such as Python SDKs'
// "Error code: 429 - {...}" (§4 status_code).
var statusInMessage = regexp.MustCompile(`(?i)(?:error code|status(?: code)?)[: ]+(\d{3})`)

// leadingStatus finds the status that the JS SDKs put first in their error
// messages ("429 Rate limit reached…"), also as String(err) writes it
// ("Error: 429 …", "RateLimitError: 429 …"), as Langfuse records it.
var leadingStatus = regexp.MustCompile(`^(?:[A-Za-z]*Error:\s*)?([1-5]\d\d) `)

// applyStatus fills status_code, error_message and warnings (§5.7).
func applyStatus(v *spanView, sl *SpanLog) {
	status := v.span.Status()
	excType, excMsg, excStack, excCount := lastException(v.span)
	if excType != "" {
		v.setMetaStr("exception.type", excType)
	}
	if excStack != "" {
		v.setMetaStr("exception.stacktrace", truncateUTF8(excStack, 4096))
	}
	errorType := v.str("error.type")
	if errorType != "" {
		v.setMetaStr("error.type", errorType)
	}

	// Langfuse marks a failed observation by level=ERROR, leaving the OTel
	// status unset: that is a failed call too.
	failed := status.Code() == ptrace.StatusCodeError || isLangfuseError(v)
	if !failed {
		sl.StatusCode = 200
		if excCount > 0 {
			v.warn("exception recorded on non-error span: " + joinNonEmpty(": ", excType, excMsg))
		}
		return
	}

	code := 0
	for _, k := range []string{"http.response.status_code", "http.status_code"} {
		if val, ok := v.get(k); ok {
			if n, ok := valueCount(val); ok && validHTTPStatus(n) {
				code = int(n)
				break
			}
		}
	}
	if code == 0 && len(errorType) == 3 {
		if n, err := strconv.Atoi(errorType); err == nil && validHTTPStatus(int64(n)) {
			code = n
		}
	}
	// MCP: error.type / rpc.response.status_code hold the JSON-RPC code.
	if code == 0 && v.has("mcp.method.name") {
		if code = jsonRPCStatus(errorType); code == 0 {
			code = jsonRPCStatus(v.str("rpc.response.status_code"))
		}
	}
	lfMsg := ""
	if isLangfuseError(v) {
		lfMsg = strings.TrimSpace(v.str("langfuse.observation.status_message"))
	}
	if code == 0 {
		for _, msg := range []string{status.Message(), excMsg, lfMsg} {
			// Both expressions need three digits in a row: most messages
			// have none, and are not run through them.
			if !hasDigitRun(msg, 3) {
				continue
			}
			var m []string
			if mayHaveStatusLabel(msg) {
				m = statusInMessage.FindStringSubmatch(msg)
			}
			if m == nil {
				m = leadingStatus.FindStringSubmatch(msg)
			}
			if m != nil {
				if n, _ := strconv.Atoi(m[1]); validHTTPStatus(int64(n)) {
					code = n
					break
				}
			}
		}
	}
	if code == 0 {
		code = 500
	}
	sl.StatusCode = code

	msg := strings.TrimSpace(status.Message())
	if msg == "" {
		msg = lfMsg
	}
	if msg == "" {
		msg = joinNonEmpty(": ", excType, excMsg)
	}
	if msg == "" {
		msg = errorType
	}
	if msg == "" {
		msg = v.str("langfuse.observation.status_message")
	}
	if msg == "" {
		msg = "span status is ERROR"
	}
	sl.ErrorMessage = v.capContent(msg)
}

func validHTTPStatus(n int64) bool { return n >= 100 && n <= 599 }

// mayHaveStatusLabel reports whether s may hold a label statusInMessage
// matches: each of "error code", "status code" and "status" holds "code"
// or "tatu", whose letters fold to ASCII letters only (TestStatusLabelFolds:
// only s and k have other folds), so an ASCII case-insensitive search is
// exact. The expression is the costly one (unanchored, case-folded).
func mayHaveStatusLabel(s string) bool {
	return containsFoldASCII(s, "code") || containsFoldASCII(s, "tatu")
}

// containsFoldASCII reports whether s contains sub (lower-case ASCII
// letters) in any ASCII case.
func containsFoldASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// hasDigitRun reports whether s holds n ASCII digits in a row.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// lastException returns the type, message and stack trace of the last
// "exception" event (or the GenAI semconv gen_ai.client.operation.exception
// event, same attributes) and how many there were.
func lastException(span ptrace.Span) (typ, msg, stack string, count int) {
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		e := events.At(i)
		if e.Name() != "exception" && e.Name() != genai.EventOperationException {
			continue
		}
		count++
		typ, msg, stack = "", "", ""
		if val, ok := e.Attributes().Get("exception.type"); ok {
			typ = valueString(val)
		}
		if val, ok := e.Attributes().Get("exception.message"); ok {
			msg = valueString(val)
		}
		if val, ok := e.Attributes().Get("exception.stacktrace"); ok {
			stack = valueString(val)
		}
	}
	return typ, msg, stack, count
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}
