// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter // import "github.com/respanai/respanexporter"

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/respanai/respanexporter/internal/assembly"
	"github.com/respanai/respanexporter/internal/delivery"
	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

const (
	// ingestPath is appended to endpoint. Respan's SDKs use the same base
	// (https://api.respan.ai/api) and suffix.
	ingestPath = "/v1/traces/ingest"

	// minMaxRequestBytes keeps max_request_bytes above the size of a bare
	// span log (ids, name, timestamps); anything smaller would drop every span.
	minMaxRequestBytes = delivery.MinRequestBytes
)

// Config defines the configuration of the Respan exporter.
type Config struct {
	// ClientConfig holds endpoint (the API base URL, default
	// https://api.respan.ai/api), timeout, TLS, proxy, headers, compression
	// and the other HTTP client settings.
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`

	// TracesEndpoint is a full ingest URL, used verbatim instead of
	// endpoint + "/v1/traces/ingest" (e.g. the legacy
	// https://api.keywordsai.co/api/traces/ingest/).
	TracesEndpoint string `mapstructure:"traces_endpoint"`

	// APIKey is sent as "Authorization: Bearer <api_key>". Required unless an
	// Authorization header or an auth extension is configured.
	APIKey configopaque.String `mapstructure:"api_key"`

	// MaxRequestBytes caps the uncompressed JSON body of one request. Bigger
	// batches are split into several requests; a single span log bigger than
	// this is shrunk (content fields cut) or dropped.
	MaxRequestBytes int `mapstructure:"max_request_bytes"`

	// MaxContentBytes caps each content field (input, output, message
	// contents, tool-call arguments). 0 disables the cap.
	MaxContentBytes int `mapstructure:"max_content_bytes"`

	// DedupeNestedUsage keeps token usage and cost only on the innermost of
	// nested model-call spans reporting the same usage, so Respan does not
	// count it twice.
	DedupeNestedUsage bool `mapstructure:"dedupe_nested_usage"`

	// PropagateIdentifiers copies customer/thread/trace-group identifiers and
	// the workflow name from ancestor spans of the same trace (the whole trace
	// when the assembly stage waits for traces; otherwise the batch plus what
	// the late-span memory remembers).
	PropagateIdentifiers bool `mapstructure:"propagate_identifiers"`

	// ProviderIDs maps a canonical provider name (gen_ai.provider.name /
	// gen_ai.system) to a Respan provider_id; merged over the built-in map.
	ProviderIDs map[string]string `mapstructure:"provider_ids"`

	// Metadata selects which attributes are copied into span-log metadata.
	Metadata MetadataConfig `mapstructure:"metadata"`

	// QueueConfig is the exporterhelper sending queue; batching is on by
	// default (see createDefaultQueueConfig).
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// RetryConfig is the backoff for retryable failures (429, 5xx, network).
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// LogsJoin bounds the join of gen-AI content log records onto their
	// spans; it applies only when the exporter is also in a logs pipeline.
	LogsJoin LogsJoinConfig `mapstructure:"logs_join"`

	// Redaction removes personal data and secrets from the content the
	// exporter sends (messages, tool calls, input/output), after the
	// translator has normalised every convention's messages and before they
	// are encoded. Off by default.
	Redaction RedactionConfig `mapstructure:"redaction"`
	// Assembly holds the spans of a trace together until the trace is
	// complete, so identifiers, workflow names and usage de-duplication see
	// the whole trace (docs/assembly.md).
	Assembly AssemblyConfig `mapstructure:"assembly"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// LogsJoinConfig configures the join of gen-AI content log records onto
// their spans (internal/assembly); the alias keeps it nameable by users of this
// package.
type LogsJoinConfig = assembly.JoinConfig

// AssemblyConfig configures the assembly stage (internal/assembly): spans
// of a trace wait for each other before the sending queue.
type AssemblyConfig = assembly.Config

// RedactionConfig is the redaction section (internal/redaction); the
// collector validates it through its own Validate, prefixing "redaction: ".
type RedactionConfig = redaction.Config

// MetadataConfig selects the attributes copied into span-log metadata.
type MetadataConfig struct {
	// ResourceAttributes is "selected" (service.name, service.version,
	// service.namespace, deployment environment as "environment"), "all"
	// or "none".
	ResourceAttributes translator.MetadataMode `mapstructure:"resource_attributes"`
	// SpanAttributes is "all" (span attributes no mapping consumed) or "none".
	SpanAttributes translator.MetadataMode `mapstructure:"span_attributes"`
	// MaxValueBytes caps each metadata value copied from a span attribute.
	// 0 disables the cap.
	MaxValueBytes int `mapstructure:"max_value_bytes"`
}

// Validate checks the configuration. Nested sections (client, queue, retry)
// are validated by the collector through their own Validate methods.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.TracesEndpoint == "" && cfg.ClientConfig.Endpoint == "" {
		errs = append(errs, errors.New("endpoint or traces_endpoint must be set"))
	}
	if cfg.ClientConfig.Endpoint != "" {
		if err := validateHTTPURL(cfg.ClientConfig.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		}
	}
	if cfg.TracesEndpoint != "" {
		if err := validateHTTPURL(cfg.TracesEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("traces_endpoint: %w", err))
		}
	}
	if err := cfg.validateCredentials(); err != nil {
		errs = append(errs, err)
	}
	if c := cfg.ClientConfig.Compression; c.IsCompressed() && c != configcompression.TypeGzip && c != configcompression.TypeZstd {
		// Respan documents no compression support at all; only the two
		// encodings mainstream HTTP stacks decode are allowed.
		errs = append(errs, fmt.Errorf("compression %q is not supported: use none, gzip or zstd", cfg.ClientConfig.Compression))
	}
	if cfg.MaxRequestBytes < minMaxRequestBytes {
		errs = append(errs, fmt.Errorf("max_request_bytes must be at least %d, got %d", minMaxRequestBytes, cfg.MaxRequestBytes))
	}
	if cfg.MaxContentBytes < 0 {
		errs = append(errs, fmt.Errorf("max_content_bytes must not be negative (0 disables the cap), got %d", cfg.MaxContentBytes))
	}
	for canonical, id := range cfg.ProviderIDs {
		if strings.TrimSpace(canonical) == "" || strings.TrimSpace(id) == "" {
			errs = append(errs, fmt.Errorf("provider_ids: empty provider name or provider_id in entry %q: %q", canonical, id))
		}
	}
	return errors.Join(errs...)
}

// Validate checks the metadata section; the collector prefixes its errors
// with "metadata: ".
func (mc *MetadataConfig) Validate() error {
	var errs []error
	switch mc.ResourceAttributes {
	case translator.MetadataSelected, translator.MetadataAll, translator.MetadataNone:
	default:
		errs = append(errs, fmt.Errorf("resource_attributes must be one of selected, all, none; got %q", mc.ResourceAttributes))
	}
	switch mc.SpanAttributes {
	case translator.MetadataAll, translator.MetadataNone:
	default:
		errs = append(errs, fmt.Errorf("span_attributes must be one of all, none; got %q", mc.SpanAttributes))
	}
	if mc.MaxValueBytes < 0 {
		errs = append(errs, fmt.Errorf("max_value_bytes must not be negative (0 disables the cap), got %d", mc.MaxValueBytes))
	}
	return errors.Join(errs...)
}

func (cfg *Config) validateCredentials() error {
	if cfg.APIKey == "" {
		if cfg.hasAuthorizationHeader() || cfg.ClientConfig.Auth.HasValue() {
			return nil
		}
		return errors.New(`api_key is required (e.g. api_key: ${env:RESPAN_API_KEY}), unless an "Authorization" header or an auth extension is configured`)
	}
	// A key with whitespace or control characters cannot go into a header and
	// usually means a stray newline from a secret file. Never echo the key.
	if strings.IndexFunc(string(cfg.APIKey), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return errors.New("api_key must not contain whitespace or control characters (check for a trailing newline)")
	}
	return nil
}

// hasAuthorizationHeader reports whether headers sets Authorization (HTTP
// header names are case-insensitive). Such a header wins over api_key.
func (cfg *Config) hasAuthorizationHeader() bool {
	for name := range cfg.ClientConfig.Headers.Iter {
		if strings.EqualFold(name, "Authorization") {
			return true
		}
	}
	return false
}

// validateHTTPURL accepts absolute http(s) URLs with a host. Errors never
// contain the raw value, which may carry credentials in its userinfo.
func validateHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https") {
		return fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("URL %q has no host", delivery.RedactURL(raw))
	}
	return nil
}

// ingestURL is the URL requests are sent to.
func (cfg *Config) ingestURL() string {
	if cfg.TracesEndpoint != "" {
		return cfg.TracesEndpoint
	}
	return strings.TrimRight(cfg.ClientConfig.Endpoint, "/") + ingestPath
}

// translatorOptions maps the translation settings onto translator.Options.
func (cfg *Config) translatorOptions() translator.Options {
	opts := translator.DefaultOptions()
	opts.MaxContentBytes = cfg.MaxContentBytes
	opts.DedupeNestedUsage = cfg.DedupeNestedUsage
	opts.PropagateIdentifiers = cfg.PropagateIdentifiers
	opts.ResourceMetadata = cfg.Metadata.ResourceAttributes
	opts.LeftoverMetadata = cfg.Metadata.SpanAttributes
	opts.MaxMetadataValueBytes = cfg.Metadata.MaxValueBytes
	if len(cfg.ProviderIDs) > 0 {
		// translator.New merges these over its defaults.
		opts.ProviderIDs = make(map[string]string, len(cfg.ProviderIDs))
		for k, v := range cfg.ProviderIDs {
			opts.ProviderIDs[k] = v
		}
	}
	return opts
}

// redactor hides the configured secrets (api_key and header values, which
// may hold credentials) in whatever the server echoes back.
func (cfg *Config) redactor() *delivery.Redactor {
	secrets := []string{string(cfg.APIKey)}
	for _, v := range cfg.ClientConfig.Headers.Iter {
		secrets = append(secrets, string(v))
	}
	return delivery.NewRedactor(secrets...)
}
