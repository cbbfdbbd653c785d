// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/delivery"
	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/translator"
)

// Drop reasons of otelcol_exporter_respan_spans_dropped besides the
// translator's own (missing_trace_id, missing_span_id).
const (
	dropTooLarge = "too_large"
	dropRejected = "rejected"
)

// telemetry records the exporter's own metrics (metadata.yaml) and the log
// lines that go with them. It observes every exchange of the sender.
type telemetry struct {
	tb     *metadata.TelemetryBuilder
	logger *zap.Logger
}

var _ delivery.Observer = (*telemetry)(nil)

// Observe records one HTTP exchange.
func (t *telemetry) Observe(ctx context.Context, x delivery.Exchange) {
	t.tb.ExporterRespanRequestSize.Record(ctx, int64(x.Bytes))
	t.tb.ExporterRespanRequests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("outcome", string(x.Outcome)),
		attribute.Int("http.response.status_code", x.Status),
	))
	if x.SpanErrors > 0 {
		t.tb.ExporterRespanSpanErrors.Add(ctx, int64(x.SpanErrors))
		// Once per request, never per span.
		t.logger.Warn("Respan accepted the request but reported per-span errors",
			zap.Int("span_errors", x.SpanErrors),
			zap.Int("spans_in_request", x.Spans),
			zap.String("errors", x.ErrorsDetail))
	}
}

// recordTranslation counts translator drops and truncations and logs the
// batch's problems once.
func (t *telemetry) recordTranslation(ctx context.Context, res *translator.Result) {
	dropped := 0
	for reason, n := range res.Dropped {
		if n <= 0 {
			continue
		}
		dropped += n
		t.tb.ExporterRespanSpansDropped.Add(ctx, int64(n),
			metric.WithAttributes(attribute.String("reason", string(reason))))
	}
	if res.TruncatedFields > 0 {
		t.tb.ExporterRespanFieldsTruncated.Add(ctx, int64(res.TruncatedFields))
	}
	for detector, n := range res.Redactions {
		t.tb.ExporterRespanRedactions.Add(ctx, int64(n),
			metric.WithAttributes(attribute.String("detector", detector)))
	}
	if dropped > 0 || len(res.Problems) > 0 {
		t.logger.Warn("Some spans could not be translated",
			zap.Int("dropped_spans", dropped),
			zap.Any("dropped_by_reason", res.Dropped),
			zap.Strings("problems", res.Problems))
	}
}

// maxShrunkListed bounds the spans one log line describes.
const maxShrunkListed = 10

// recordDrops counts the span logs a send dropped for good, and says once
// per push what was cut of the spans shrunk to fit a request.
func (t *telemetry) recordDrops(ctx context.Context, rep *delivery.Report) {
	if len(rep.Shrunk) > 0 {
		var b strings.Builder
		for i, s := range rep.Shrunk {
			if i == maxShrunkListed {
				fmt.Fprintf(&b, "; and %d more", len(rep.Shrunk)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "span %s %d→%d bytes", s.SpanID, s.Before, s.After)
			if len(s.Fields) > 0 {
				b.WriteString(", cut " + strings.Join(s.Fields, ", "))
			}
			if len(s.Dropped) > 0 {
				b.WriteString(", dropped " + strings.Join(s.Dropped, ", "))
			}
			if !s.Fits {
				b.WriteString(", still too large: dropped")
			}
		}
		t.logger.Warn("Spans larger than a request were cut to fit",
			zap.Int("spans", len(rep.Shrunk)), zap.String("cut", b.String()))
	}
	if rep.TooLarge > 0 {
		t.tb.ExporterRespanSpansDropped.Add(ctx, int64(rep.TooLarge),
			metric.WithAttributes(attribute.String("reason", dropTooLarge)))
	}
	if rep.Rejected > 0 {
		t.tb.ExporterRespanSpansDropped.Add(ctx, int64(rep.Rejected),
			metric.WithAttributes(attribute.String("reason", dropRejected)))
	}
}
