// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/translator"
)

// Drop reasons of otelcol_exporter_respan_spans_dropped besides the
// translator's own (missing_trace_id, missing_span_id).
const (
	reasonTooLarge = "too_large"
	reasonRejected = "rejected"
)

type respanExporter struct {
	cfg         *Config
	url         string
	redactedURL string
	userAgent   string
	// authorization is "Bearer <api_key>", or empty when the user
	// configured an Authorization header (which wins) or no key.
	authorization string
	translate     func(ptrace.Traces) *translator.Result
	redact        *redactor
	logger        *zap.Logger
	settings      component.TelemetrySettings
	telemetry     *metadata.TelemetryBuilder
	client        *http.Client
	// avgSpanBytes is a running average of the encoded size of a span log,
	// used to size request bodies up front.
	avgSpanBytes atomic.Int64
}

// noteBodySizes updates the running average span-log size (an
// exponentially weighted average, so it follows changes in traffic).
func (e *respanExporter) noteBodySizes(p packResult) {
	bytes, spans := 0, 0
	for _, c := range p.chunks {
		bytes += len(c.body)
		spans += len(c.logs)
	}
	if spans == 0 {
		return
	}
	avg := int64(bytes / spans)
	if old := e.avgSpanBytes.Load(); old > 0 {
		avg = (old*3 + avg) / 4
	}
	e.avgSpanBytes.Store(avg)
}

func newExporter(cfg *Config, set exporter.Settings) (*respanExporter, error) {
	target := cfg.ingestURL()
	u, err := url.Parse(target)
	if err != nil {
		return nil, errors.New("respan: the ingest URL is not valid; check endpoint and traces_endpoint")
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &respanExporter{
		cfg:         cfg,
		url:         target,
		redactedURL: u.Redacted(),
		userAgent:   userAgent(set.BuildInfo),
		translate:   translator.New(cfg.translatorOptions()).Translate,
		redact:      newRedactor(cfg),
		logger:      set.Logger,
		settings:    set.TelemetrySettings,
		telemetry:   tb,
	}
	if cfg.APIKey != "" && !cfg.hasAuthorizationHeader() {
		e.authorization = "Bearer " + string(cfg.APIKey)
	}
	return e, nil
}

func (e *respanExporter) start(ctx context.Context, host component.Host) error {
	client, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return fmt.Errorf("respan: creating HTTP client: %w", err)
	}
	e.client = client
	e.logger.Info("Respan exporter started",
		zap.String("url", e.redactedURL),
		zap.Int("max_request_bytes", e.cfg.MaxRequestBytes))
	return nil
}

// shutdown is safe without start. The exporterhelper has drained the queue
// before calling it.
func (e *respanExporter) shutdown(context.Context) error {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	e.telemetry.Shutdown()
	return nil
}

// pushTraces translates td, packs the span logs into requests of at most
// max_request_bytes and sends them in order.
//
// Error contract with the exporterhelper:
//   - nil: every span was delivered, or dropped for a reason retrying
//     cannot fix (counted and logged);
//   - consumererror.NewTraces(err, unsent): a retryable failure after part
//     of the batch was delivered (or dropped); unsent holds only the spans
//     still to deliver, so the retry sends no duplicates;
//   - a plain retryable error: nothing was delivered yet, retry it all;
//   - consumererror.NewPermanent: some spans were rejected or too large and
//     everything else was delivered.
func (e *respanExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	res := e.translate(td)
	e.recordTranslation(ctx, res)
	if len(res.Logs) == 0 {
		return nil
	}

	packed := packSpanLogsSized(res.Logs, e.cfg.MaxRequestBytes, int(e.avgSpanBytes.Load()))
	e.noteBodySizes(packed)
	st := &pushState{}
	if n := len(packed.tooLarge); n > 0 {
		st.tooLarge += n
		st.fail(fmt.Errorf("respan: span larger than max_request_bytes (%d) even after shrinking its content; dropped", e.cfg.MaxRequestBytes), n)
	}

	var unsent []*translator.SpanLog
	var retryRes exchangeResult
	for i := range packed.chunks {
		c := &packed.chunks[i]
		if st.abort != nil {
			st.rejected += len(c.logs)
			st.fail(st.abort, len(c.logs))
			continue
		}
		left, r := e.deliver(ctx, st, c.logs, c.body)
		c.body = nil // let the encoding go as soon as it is sent
		if r.outcome == outcomeRetryable {
			unsent = left
			for _, rest := range packed.chunks[i+1:] {
				unsent = append(unsent, rest.logs...)
			}
			retryRes = r
			break
		}
	}

	e.recordDrops(ctx, st)
	if retryRes.err != nil {
		return e.retryableError(td, res, st, unsent, retryRes)
	}
	if len(st.failures) > 0 {
		return consumererror.NewPermanent(e.permanentError(st, len(res.Logs)))
	}
	return nil
}

// retryableError reports a retryable failure, carrying only the unsent
// spans when part of the batch is already settled.
func (e *respanExporter) retryableError(td ptrace.Traces, res *translator.Result, st *pushState, unsent []*translator.SpanLog, r exchangeResult) error {
	err := r.err
	if len(st.failures) > 0 {
		// Plain text only: wrapping a permanent error here would make the
		// whole error permanent and lose the unsent spans.
		err = fmt.Errorf("%w (also: %s)", err, e.permanentError(st, len(res.Logs)).Error())
	}
	if r.retryAfter > 0 {
		err = exporterhelper.NewThrottleRetry(err, r.retryAfter)
	}
	if len(unsent) == td.SpanCount() {
		return err // nothing settled: the retry re-sends td as it is
	}
	e.logger.Debug("Partial delivery; retrying only the unsent spans",
		zap.Int("delivered", st.delivered),
		zap.Int("unsent", len(unsent)))
	return consumererror.NewTraces(err, unsentTraces(td, unsent))
}

func (e *respanExporter) permanentError(st *pushState, total int) error {
	parts := make([]string, 0, len(st.failures))
	for _, msg := range st.failures {
		parts = append(parts, fmt.Sprintf("%s [%d span(s)]", msg, st.failureCount[msg]))
	}
	return fmt.Errorf("respan: %d of %d span(s) not delivered (%d delivered): %s",
		st.rejected+st.tooLarge, total, st.delivered, strings.Join(parts, "; "))
}

// recordTranslation counts translator drops and truncations and logs the
// batch's problems once.
func (e *respanExporter) recordTranslation(ctx context.Context, res *translator.Result) {
	dropped := 0
	for reason, n := range res.Dropped {
		if n <= 0 {
			continue
		}
		dropped += n
		e.telemetry.ExporterRespanSpansDropped.Add(ctx, int64(n),
			metric.WithAttributes(attribute.String("reason", string(reason))))
	}
	if res.TruncatedFields > 0 {
		e.telemetry.ExporterRespanFieldsTruncated.Add(ctx, int64(res.TruncatedFields))
	}
	if dropped > 0 || len(res.Problems) > 0 {
		e.logger.Warn("Some spans could not be translated",
			zap.Int("dropped_spans", dropped),
			zap.Any("dropped_by_reason", res.Dropped),
			zap.Strings("problems", res.Problems))
	}
}

func (e *respanExporter) recordDrops(ctx context.Context, st *pushState) {
	if st.tooLarge > 0 {
		e.telemetry.ExporterRespanSpansDropped.Add(ctx, int64(st.tooLarge),
			metric.WithAttributes(attribute.String("reason", reasonTooLarge)))
	}
	if st.rejected > 0 {
		e.telemetry.ExporterRespanSpansDropped.Add(ctx, int64(st.rejected),
			metric.WithAttributes(attribute.String("reason", reasonRejected)))
	}
}
