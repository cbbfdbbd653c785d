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
	"unicode/utf8"
)

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

// errorDetail picks the human-readable part of an error body: Respan uses
// "detail" (plus "errors" for 422), other layers "message" or "error".
// Falls back to the raw text (HTML error pages, plain text).
func errorDetail(b *respBody) string {
	m := b.fields
	if m == nil {
		return string(b.head)
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
		switch {
		case json.Compact(&buf, raw) == nil:
			if buf.String() != "null" {
				parts = append(parts, key+": "+buf.String())
			}
		case len(raw) > 0:
			parts = append(parts, key+": "+string(raw)) // an excerpt cut short
		}
	}
	if len(parts) == 0 {
		return string(b.head)
	}
	return strings.Join(parts, "; ")
}

// classify turns a response into an Exchange. target is the redacted
// ingest URL, used in messages about a wrong endpoint.
func classify(status int, header http.Header, body *respBody, red *Redactor, target string, now time.Time) Exchange {
	m := body.fields
	res := Exchange{Status: status}
	statusText := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	withDetail := func(msg string) string {
		if res.Detail = red.Detail(errorDetail(body)); res.Detail != "" {
			return msg + ": server said: " + res.Detail
		}
		return msg
	}

	switch {
	case status >= 200 && status <= 299 && !body.empty && !body.json:
		// A 2xx that is not the API's answer (an HTML login page of a
		// proxy, a captive portal, a redirect followed by a layer in front
		// of the exporter): nothing says the spans arrived. Retryable,
		// because the usual causes (a portal, a proxy session) are
		// transient and a retry is cheap; the retry budget bounds it, and
		// the spans are counted as failed when it runs out.
		res.Outcome = OutcomeRetryable
		res.Err = fmt.Errorf("respan: the %s answer is not the ingest API's (Content-Type %q, body starts %q): "+
			"a proxy, captive portal or wrong endpoint in between? The spans were not delivered",
			statusText, red.Detail(clip(header.Get("Content-Type"), 100)), red.Detail(clip(string(body.head), 64)))
		return res

	case status >= 200 && status <= 299:
		res.Outcome = OutcomeSuccess
		if body.errors > 0 {
			res.SpanErrors = body.errors
			res.ErrorsDetail = red.Detail(body.excerpt)
		}
		return res

	case status >= 300 && status <= 399:
		// Redirects are never followed (NewSender): a POST carrying the key
		// must not go anywhere but the configured URL. Every request would
		// get the same answer.
		res.Outcome = OutcomePermanent
		res.RejectsAll = true
		where := "no Location"
		if loc := header.Get("Location"); loc != "" {
			where = "Location " + RedactURL(loc)
		}
		res.Err = fmt.Errorf("respan: the ingest URL %s answered a redirect (%s, %s); redirects of the ingest POST are not followed "+
			"so that the API key goes nowhere else: set endpoint or traces_endpoint to the final URL", target, statusText, where)
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
		// Other 4xx (and 1xx) are not transient by HTTP
		// semantics; retrying would only repeat the rejection.
		res.Outcome = OutcomePermanent
		res.Err = errors.New(withDetail(fmt.Sprintf("respan: request rejected (%s from %s)", statusText, target)))
		return res
	}
}

// clip cuts s to at most n bytes at a rune boundary, marking the cut.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
