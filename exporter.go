// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/assembly"
	"github.com/respanai/respanexporter/internal/delivery"
	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

type respanExporter struct {
	cfg       *Config
	url       string
	translate func(ptrace.Traces) *translator.Result
	// withFact is TranslateWith: with the late-span memory (nil: none),
	// batches are translated with the remembered facts of their traces'
	// earlier spans, and what they establish is remembered.
	withFact func(ptrace.Traces, translator.PriorFacts) *translator.Result
	// release hands a pushed batch's span-log memory back to the
	// translator (Translator.Release).
	release   func(*translator.Result)
	memory    atomic.Pointer[assembly.Memory]
	settings  component.TelemetrySettings
	logger    *zap.Logger
	telemetry *telemetry
	// delivery holds what the sender needs but the HTTP client, which
	// exists only once the host's extensions are known (start).
	delivery delivery.Settings
	sender   *delivery.Sender
}

// setMemory connects the late-span memory (before the first push).
func (e *respanExporter) setMemory(m *assembly.Memory) {
	if m != nil {
		e.memory.Store(m)
	}
}

// translateBatch translates td, linked to the remembered facts of its
// traces when the late-span memory is on.
func (e *respanExporter) translateBatch(ctx context.Context, td ptrace.Traces) *translator.Result {
	m := e.memory.Load()
	if m == nil {
		return e.translate(td)
	}
	res := e.withFact(td, m.Facts)
	m.Remember(res.Facts)
	res.Facts = nil
	if res.FromPrior > 0 {
		e.telemetry.tb.ExporterRespanAssemblyLateSpans.Add(ctx, int64(res.FromPrior))
	}
	return res
}

func newExporter(cfg *Config, set exporter.Settings) (*respanExporter, error) {
	target := cfg.ingestURL()
	if err := delivery.CheckURL(target); err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	opts := cfg.translatorOptions()
	// nil when redaction is off: the translator then skips it entirely.
	if opts.Redactor, err = redaction.New(cfg.Redaction); err != nil {
		return nil, fmt.Errorf("respan: redaction: %w", err)
	}
	tel := &telemetry{tb: tb, logger: set.Logger}
	tr := translator.New(opts)
	e := &respanExporter{
		cfg:       cfg,
		url:       target,
		translate: tr.Translate,
		withFact:  tr.TranslateWith,
		release:   tr.Release,
		settings:  set.TelemetrySettings,
		logger:    set.Logger,
		telemetry: tel,
		delivery: delivery.Settings{
			URL:             target,
			UserAgent:       delivery.UserAgent(set.BuildInfo),
			MaxRequestBytes: cfg.MaxRequestBytes,
			Redactor:        cfg.redactor(),
			Observer:        tel,
			Logger:          set.Logger,
		},
	}
	if cfg.APIKey != "" && !cfg.hasAuthorizationHeader() {
		e.delivery.Authorization = "Bearer " + string(cfg.APIKey)
	}
	return e, nil
}

func (e *respanExporter) start(ctx context.Context, host component.Host) error {
	client, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return fmt.Errorf("respan: creating HTTP client: %w", err)
	}
	if e.sender, err = delivery.NewSender(e.delivery, client); err != nil {
		return err
	}
	e.logger.Info("Respan exporter started",
		zap.String("url", e.sender.RedactedURL()),
		zap.Int("max_request_bytes", e.cfg.MaxRequestBytes),
		// Whether redaction is on; never its hash key.
		zap.Bool("redaction", e.cfg.Redaction.Enabled))
	if (e.delivery.Authorization != "" || e.cfg.hasAuthorizationHeader()) && delivery.PlainHTTPToRemote(e.url) {
		e.logger.Warn("The API key is sent over plain http to a host that is not loopback: anyone on the path can read it; use https",
			zap.String("url", e.sender.RedactedURL()))
	}
	return nil
}

// shutdown is safe without start. The exporterhelper has drained the queue
// before calling it.
func (e *respanExporter) shutdown(context.Context) error {
	if e.sender != nil {
		e.sender.CloseIdleConnections()
	}
	e.telemetry.tb.Shutdown()
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
	res := e.translateBatch(ctx, td)
	e.telemetry.recordTranslation(ctx, res)
	if len(res.Logs) == 0 {
		return nil
	}
	// Deferred: the error below is built from the report's unsent span
	// logs first; nothing keeps a span log past the push.
	if e.release != nil {
		defer e.release(res)
	}
	rep := e.sender.Send(ctx, res.Logs)
	e.telemetry.recordDrops(ctx, &rep)
	if rep.Retry != nil {
		return e.retryableError(td, len(res.Logs), &rep)
	}
	if len(rep.Failures) > 0 {
		return consumererror.NewPermanent(rep.PermanentError(len(res.Logs)))
	}
	return nil
}

// retryableError reports a retryable failure, carrying only the unsent
// spans when part of the batch is already settled.
func (e *respanExporter) retryableError(td ptrace.Traces, total int, rep *delivery.Report) error {
	err := rep.Retry.Err
	if len(rep.Failures) > 0 {
		// Plain text only: wrapping a permanent error here would make the
		// whole error permanent and lose the unsent spans.
		err = fmt.Errorf("%w (also: %s)", err, rep.PermanentError(total).Error())
	}
	if rep.Retry.RetryAfter > 0 {
		err = exporterhelper.NewThrottleRetry(err, rep.Retry.RetryAfter)
	}
	if len(rep.Unsent) == td.SpanCount() {
		return err // nothing settled: the retry re-sends td as it is
	}
	e.logger.Debug("Partial delivery; retrying only the unsent spans",
		zap.Int("delivered", rep.Delivered),
		zap.Int("unsent", len(rep.Unsent)))
	return consumererror.NewTraces(err, delivery.UnsentTraces(td, rep.Unsent))
}
