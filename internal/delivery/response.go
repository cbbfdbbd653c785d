// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// maxResponseBytes bounds how much of a response body is read (as in
// otlphttpexporter). Bodies are informational; a huge one must not cost
// memory.
const maxResponseBytes = 64 << 10

// Outcome classifies one HTTP exchange. The values are also the "outcome"
// attribute of otelcol_exporter_respan_requests.
type Outcome string

const (
	OutcomeSuccess   Outcome = "success"
	OutcomeRetryable Outcome = "retryable"
	OutcomePermanent Outcome = "permanent"
	OutcomeTooLarge  Outcome = "too_large"
)

// DefaultEndpoint is the API base every Respan SDK uses; errors about a
// wrong endpoint name it.
const DefaultEndpoint = "https://api.respan.ai/api"

// ingestBody is the lenient view of a response body: any JSON object, with
// fields looked up by name when present. Respan documents several shapes
// ({status, ingested_spans, trace_ids, errors}, {message}, {detail}).
type ingestBody map[string]json.RawMessage

func parseBody(b []byte) ingestBody {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m ingestBody
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// errorCount counts the entries of "errors": an array or object counts its
// elements, a non-empty string or true counts one, anything else zero.
func (m ingestBody) errorCount() int {
	raw, ok := m["errors"]
	if !ok {
		return 0
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0
	}
	switch t := v.(type) {
	case []any:
		return len(t)
	case map[string]any:
		return len(t)
	case string:
		if strings.TrimSpace(t) != "" {
			return 1
		}
	case bool:
		if t {
			return 1
		}
	}
	return 0
}

// errorDetail picks the human-readable part of an error body: Respan uses
// "detail" (plus "errors" for 422), other layers "message" or "error".
// Falls back to the raw text (HTML error pages, plain text).
func errorDetail(body []byte, m ingestBody) string {
	if m == nil {
		return string(body)
	}
	var parts []string
	for _, key := range []string{"detail", "message", "error", "errors"} {
		raw, ok := m[key]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s != "" {
				parts = append(parts, s)
			}
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil && buf.String() != "null" {
			parts = append(parts, key+": "+buf.String())
		}
	}
	if len(parts) == 0 {
		return string(body)
	}
	return strings.Join(parts, "; ")
}

// classify turns a response into an Exchange. target is the redacted
// ingest URL, used in messages about a wrong endpoint.
func classify(status int, header http.Header, body []byte, red *Redactor, target string, now time.Time) Exchange {
	m := parseBody(body)
	res := Exchange{Status: status}
	statusText := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	withDetail := func(msg string) string {
		if res.Detail = red.Detail(errorDetail(body, m)); res.Detail != "" {
			return msg + ": server said: " + res.Detail
		}
		return msg
	}

	switch {
	case status >= 200 && status <= 299:
		res.Outcome = OutcomeSuccess
		if n := m.errorCount(); n > 0 {
			res.SpanErrors = n
			var buf bytes.Buffer
			if json.Compact(&buf, m["errors"]) == nil {
				res.ErrorsDetail = red.Detail(buf.String())
			}
		}
		return res

	case status == http.StatusRequestEntityTooLarge:
		res.Outcome = OutcomeTooLarge
		res.Err = fmt.Errorf("respan: request too large (%s)", statusText)
		return res

	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		res.Outcome = OutcomePermanent
		res.RejectsAll = true
		res.Err = errors.New(withDetail(fmt.Sprintf(
			"respan: API key rejected (%s): check api_key (or the Authorization header); the key must be valid for this Respan environment", statusText)))
		return res

	case status == http.StatusNotFound:
		res.Outcome = OutcomePermanent
		res.RejectsAll = true
		res.Err = errors.New(withDetail(fmt.Sprintf(
			"respan: wrong endpoint (%s from %s): check endpoint (the API base, default %s) or traces_endpoint (a full ingest URL)", statusText, target, DefaultEndpoint)))
		return res

	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		res.Outcome = OutcomePermanent
		res.Err = errors.New(withDetail(fmt.Sprintf("respan: payload rejected (%s)", statusText)))
		return res

	case status == http.StatusTooManyRequests || status >= 500:
		res.Outcome = OutcomeRetryable
		what := "server error"
		if status == http.StatusTooManyRequests {
			what = "rate limited"
		}
		if d, ok := RetryAfter(header, m, now); ok {
			res.RetryAfter = d
			what += fmt.Sprintf(", retry after %s", d)
		}
		res.Err = errors.New(withDetail(fmt.Sprintf("respan: %s (%s)", what, statusText)))
		return res

	default:
		// Other 4xx (and unfollowed 1xx/3xx) are not transient by HTTP
		// semantics; retrying would only repeat the rejection.
		res.Outcome = OutcomePermanent
		res.Err = errors.New(withDetail(fmt.Sprintf("respan: request rejected (%s from %s)", statusText, target)))
		return res
	}
}
