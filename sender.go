// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/translator"
)

// post sends one JSON array and classifies the response. It never returns
// a consumererror wrapper; deliver decides what the push reports.
func (e *respanExporter) post(ctx context.Context, body []byte, spans int) exchangeResult {
	e.telemetry.ExporterRespanRequestSize.Record(ctx, int64(len(body)))
	res := e.exchange(ctx, body)
	e.telemetry.ExporterRespanRequests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("outcome", string(res.outcome)),
		attribute.Int("http.response.status_code", res.status),
	))
	if res.spanErrors > 0 {
		e.telemetry.ExporterRespanSpanErrors.Add(ctx, int64(res.spanErrors))
		// Once per request, never per span.
		e.logger.Warn("Respan accepted the request but reported per-span errors",
			zap.Int("span_errors", res.spanErrors),
			zap.Int("spans_in_request", spans),
			zap.String("errors", res.errorsDetail))
	}
	return res
}

func (e *respanExporter) exchange(ctx context.Context, body []byte) exchangeResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		// Only a malformed URL gets here, and Validate rejects those.
		return exchangeResult{outcome: outcomePermanent, err: fmt.Errorf("respan: building request: %w", e.redact.err(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", e.userAgent)
	if e.authorization != "" {
		req.Header.Set("Authorization", e.authorization)
	}

	resp, err := e.client.Do(req)
	if err != nil {
		// Network errors, timeouts and cancellation are worth retrying; the
		// retry sender gives up on its own when the context is done.
		return exchangeResult{outcome: outcomeRetryable, err: fmt.Errorf("respan: sending request: %w", e.redact.err(err))}
	}
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	// Drain a little more so the connection can be reused, then close.
	_, _ = io.CopyN(io.Discard, resp.Body, maxResponseBytes)
	_ = resp.Body.Close()
	if readErr != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// The request was accepted; a broken body does not change that.
		e.logger.Debug("Could not read the Respan response body", zap.Error(readErr))
	}
	if parseBody(respBody) == nil && len(bytes.TrimSpace(respBody)) > 0 && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		e.logger.Debug("Respan response body is not a JSON object; ignored", zap.Int("status", resp.StatusCode))
	}
	return classify(resp.StatusCode, resp.Header, respBody, e.redact, e.redactedURL, time.Now())
}

// pushState accumulates what happened to the span logs of one push.
type pushState struct {
	delivered int
	// dropped counts span logs that will not be retried, by reason.
	tooLarge int
	rejected int
	// failures are the distinct permanent error messages, in order, with
	// the number of span logs each one cost.
	failures     []string
	failureCount map[string]int
	// abort is set by a permanent failure that would repeat for any payload
	// (401/403/404): remaining chunks are not sent.
	abort error
}

func (s *pushState) fail(err error, spans int) {
	if s.failureCount == nil {
		s.failureCount = map[string]int{}
	}
	msg := err.Error()
	if _, seen := s.failureCount[msg]; !seen {
		s.failures = append(s.failures, msg)
	}
	s.failureCount[msg] += spans
}

var errSpanTooLargeForServer = errors.New("respan: span rejected as too large (HTTP 413) even after shrinking its content; dropped")

// minShrinkBytes is the smallest size a span log is shrunk to after a 413;
// below it the span is dropped instead of halving forever.
const minShrinkBytes = minMaxRequestBytes

// deliver sends one chunk. On 413 it halves the chunk and sends each half
// (recursively); a single span log is shrunk to half the rejected size and
// re-sent, or dropped when it cannot shrink further. Permanent failures are
// recorded in st. A retryable failure stops the push: deliver returns the
// error and the span logs of this chunk that were not delivered, in order.
func (e *respanExporter) deliver(ctx context.Context, st *pushState, logs []*translator.SpanLog, body []byte) ([]*translator.SpanLog, exchangeResult) {
	res := e.post(ctx, body, len(logs))
	switch res.outcome {
	case outcomeSuccess:
		st.delivered += len(logs)
		return nil, res

	case outcomeRetryable:
		return logs, res

	case outcomePermanent:
		st.rejected += len(logs)
		st.fail(res.err, len(logs))
		if res.rejectsAll {
			st.abort = res.err
		}
		return nil, res
	}

	// 413 Request Entity Too Large.
	if len(logs) > 1 {
		mid := len(logs) / 2
		halves := [][]*translator.SpanLog{logs[:mid], logs[mid:]}
		for i, half := range halves {
			unsent, hres := e.deliver(ctx, st, half, translator.EncodeArray(nil, half))
			if hres.outcome == outcomeRetryable {
				if i == 0 {
					unsent = append(unsent, halves[1]...)
				}
				return unsent, hres
			}
			if st.abort != nil {
				if i == 0 {
					st.rejected += len(halves[1])
					st.fail(st.abort, len(halves[1]))
				}
				return nil, hres
			}
		}
		return nil, exchangeResult{outcome: outcomeSuccess}
	}

	limit := (len(body) - arrayOverhead) / 2
	if limit >= minShrinkBytes && logs[0].Shrink(limit) {
		return e.deliver(ctx, st, logs, translator.EncodeArray(nil, logs))
	}
	st.tooLarge++
	st.fail(errSpanTooLargeForServer, 1)
	return nil, exchangeResult{outcome: outcomeTooLarge, status: res.status}
}
