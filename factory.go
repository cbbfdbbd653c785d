// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/respanai/respanexporter/internal/assembly"
	"github.com/respanai/respanexporter/internal/delivery"
	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/translator"
)

const (
	// defaultEndpoint is the API base every Respan SDK uses.
	defaultEndpoint = delivery.DefaultEndpoint

	// defaultTimeout bounds one HTTP request. Ingest is synchronous on
	// Respan's side and a request can carry megabytes of prompts.
	defaultTimeout = 30 * time.Second

	// defaultMaxRequestBytes caps one JSON body at 5 MiB. Respan documents
	// no per-request limit (only 20 MB per span); 5 MiB keeps requests well
	// below common reverse-proxy body limits (often 10 MB or more) while
	// still carrying thousands of ordinary spans.
	defaultMaxRequestBytes = 5 << 20

	// Queue and batch defaults, in spans (sizer: items).
	//
	// Respan rate-limits per request, so fewer, larger requests are better;
	// but spans should show up in the UI within seconds. A batch is flushed
	// when it reaches batchMinSize spans or after batchFlushTimeout,
	// whichever comes first, and never holds more than batchMaxSize spans.
	batchMinSize      = 1000
	batchMaxSize      = 4000
	batchFlushTimeout = 2 * time.Second
	// queueSize holds five full batches. LLM spans often carry tens of KiB
	// of prompt text, so the queue is bounded in spans, not requests
	// (1000 requests of unknown size could hold millions of spans).
	queueSize = 5 * batchMaxSize
	// numConsumers bounds concurrent requests to Respan; fewer concurrent
	// requests make 429s less likely than the exporterhelper default of 10.
	numConsumers = 4
)

// NewFactory creates a factory for the Respan exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithTraces(createTraces, metadata.TracesStability),
		// The logs signal carries gen-AI content records to join onto the
		// spans of the same instance (internal/assembly, shared.go).
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	clientConfig := confighttp.NewDefaultClientConfig()
	clientConfig.Endpoint = defaultEndpoint
	clientConfig.Timeout = defaultTimeout
	// Respan does not document Content-Encoding support on the ingest API,
	// so requests are uncompressed unless the user opts in.
	clientConfig.Compression = configcompression.Type("none")

	opts := translator.DefaultOptions()
	return &Config{
		ClientConfig:         clientConfig,
		MaxRequestBytes:      defaultMaxRequestBytes,
		MaxContentBytes:      opts.MaxContentBytes,
		DedupeNestedUsage:    opts.DedupeNestedUsage,
		PropagateIdentifiers: opts.PropagateIdentifiers,
		Metadata: MetadataConfig{
			ResourceAttributes: opts.ResourceMetadata,
			SpanAttributes:     opts.LeftoverMetadata,
			MaxValueBytes:      opts.MaxMetadataValueBytes,
		},
		QueueConfig: createDefaultQueueConfig(),
		RetryConfig: configretry.NewDefaultBackOffConfig(),
		LogsJoin:    assembly.DefaultJoinConfig(),
		Assembly:    assembly.DefaultConfig(queueSize),
	}
}

// createDefaultQueueConfig turns batching on (exporterhelper leaves it off
// by default) so no batch processor is needed in front of this exporter.
func createDefaultQueueConfig() configoptional.Optional[exporterhelper.QueueBatchConfig] {
	q := exporterhelper.NewDefaultQueueConfig()
	q.Sizer = exporterhelper.RequestSizerTypeItems
	q.QueueSize = queueSize
	q.NumConsumers = numConsumers
	// Start from the collector's own batch defaults so fields added by newer
	// collector releases keep their defaults (a struct literal would zero
	// them: v0.164 added a partitioner whose zero idle_timeout is invalid).
	b := q.Batch.GetOrInsertDefault()
	b.FlushTimeout = batchFlushTimeout
	b.Sizer = exporterhelper.RequestSizerTypeItems
	b.MinSize = batchMinSize
	b.MaxSize = batchMaxSize
	return configoptional.Some(q)
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	rCfg := cfg.(*Config)
	exp, err := newExporter(rCfg, set)
	if err != nil {
		return nil, err
	}
	te, err := wrapExporter(ctx, set, exp)
	if err != nil {
		return nil, err
	}
	var direct exporter.Traces
	if rCfg.QueueConfig.HasValue() {
		if direct, err = directExporter(ctx, set, exp); err != nil {
			return nil, err
		}
	}
	// The assembly stage's own telemetry (shared.go keeps one per instance).
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	// Shared with the logs component of the same config (shared.go).
	return sharedExporters.attachTraces(rCfg, set.ID, te, direct, exp, tel, set.Logger), nil
}

// createLogs returns the logs side of the shared instance: it feeds the
// logs join of the assembly stage and sends nothing itself.
func createLogs(_ context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	tel, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return sharedExporters.attachLogs(cfg.(*Config), set.ID, tel, set.Logger), nil
}

// wrapExporter puts exp behind the exporterhelper (queue, batching, retry).
func wrapExporter(ctx context.Context, set exporter.Settings, exp *respanExporter) (exporter.Traces, error) {
	rCfg := exp.cfg
	return exporterhelper.NewTraces(ctx, set, rCfg,
		exp.pushTraces,
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// The http.Client timeout bounds each request; one push may send
		// several requests (size cap, 413 halves), so no overall timeout.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(rCfg.RetryConfig),
		exporterhelper.WithQueue(rCfg.QueueConfig),
		exporterhelper.WithAttrs(endpointAttributes(exp.url)...),
	)
}

// directExporter is exp behind the exporterhelper without a queue (retry
// only), for the requests the queue can never hold (sharedExporter.enqueue).
// Its lifecycle is the queued one's: exp starts and stops with that.
func directExporter(ctx context.Context, set exporter.Settings, exp *respanExporter) (exporter.Traces, error) {
	rCfg := exp.cfg
	return exporterhelper.NewTraces(ctx, set, rCfg,
		exp.pushTraces,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(rCfg.RetryConfig),
		exporterhelper.WithQueue(configoptional.None[exporterhelper.QueueBatchConfig]()),
		exporterhelper.WithAttrs(endpointAttributes(exp.url)...),
	)
}

// endpointAttributes labels the exporterhelper's own metrics with the
// destination (never with credentials).
func endpointAttributes(rawURL string) []attribute.KeyValue {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	out := []attribute.KeyValue{attribute.String("server.address", u.Hostname())}
	if u.Path != "" {
		out = append(out, attribute.String("url.path", u.Path))
	}
	if port, err := strconv.Atoi(u.Port()); err == nil {
		out = append(out, attribute.Int("server.port", port))
	}
	return out
}
