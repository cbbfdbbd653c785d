// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/respanai/respanexporter/internal/assembly"
	"github.com/respanai/respanexporter/internal/metadata"
	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	sub, err := cm.Sub(component.MustNewIDWithName(metadata.Type.String(), name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
}

func TestCreateDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	def := translator.DefaultOptions()

	assert.Equal(t, "https://api.respan.ai/api", cfg.ClientConfig.Endpoint)
	assert.Equal(t, "https://api.respan.ai/api/v1/traces/ingest", cfg.ingestURL())
	assert.Empty(t, cfg.TracesEndpoint)
	assert.Empty(t, cfg.APIKey)
	assert.Equal(t, 30*time.Second, cfg.ClientConfig.Timeout)
	assert.False(t, cfg.ClientConfig.Compression.IsCompressed(), "no compression by default")
	assert.Equal(t, 5<<20, cfg.MaxRequestBytes)
	assert.Equal(t, def.MaxContentBytes, cfg.MaxContentBytes)
	assert.True(t, cfg.DedupeNestedUsage)
	assert.True(t, cfg.PropagateIdentifiers)
	assert.Empty(t, cfg.ProviderIDs)
	assert.Equal(t, MetadataConfig{
		ResourceAttributes: translator.MetadataSelected,
		SpanAttributes:     translator.MetadataAll,
		MaxValueBytes:      def.MaxMetadataValueBytes,
	}, cfg.Metadata)
	assert.Equal(t, configretry.NewDefaultBackOffConfig(), cfg.RetryConfig)

	// Batching is on by default, sized in spans.
	require.True(t, cfg.QueueConfig.HasValue())
	q := cfg.QueueConfig.Get()
	assert.Equal(t, exporterhelper.RequestSizerTypeItems, q.Sizer)
	assert.Equal(t, int64(20000), q.QueueSize)
	assert.Equal(t, 4, q.NumConsumers)
	require.True(t, q.Batch.HasValue(), "batching must be enabled by default")
	b := q.Batch.Get()
	assert.Equal(t, exporterhelper.RequestSizerTypeItems, b.Sizer)
	assert.Equal(t, int64(1000), b.MinSize)
	assert.Equal(t, int64(4000), b.MaxSize)
	assert.Equal(t, 2*time.Second, b.FlushTimeout)
	require.NoError(t, q.Validate())
	require.NoError(t, b.Validate())

	// The logs join: one SDK span-export delay; its bounds are the
	// assembly stage's (the deprecated logs_join ones are unset).
	assert.Equal(t, LogsJoinConfig{
		Window:          5 * time.Second,
		MaxCallDuration: 5 * time.Minute,
	}, cfg.LogsJoin)
	// The assembly stage: traces wait, bounded like the queue.
	assert.True(t, cfg.Assembly.WaitForTraces)
	assert.Equal(t, 2*time.Second, cfg.Assembly.RootGrace)
	assert.Equal(t, time.Minute, cfg.Assembly.MaxWait)
	assert.Equal(t, 20000, cfg.Assembly.MaxSpans)
	assert.Equal(t, 20000, cfg.Assembly.MaxTraces)
	assert.Equal(t, int64(128<<20), cfg.Assembly.MaxBytes)
	assert.Equal(t, 50000, cfg.Assembly.LateSpanMemory.MaxSpans)
	assert.Equal(t, 10*time.Minute, cfg.Assembly.LateSpanMemory.TTL)
	assert.Nil(t, cfg.Assembly.Storage)

	// The only thing a default config lacks is the key.
	err := confmap.Validate(cfg)
	require.Error(t, err)
	assert.ErrorContains(t, err, "api_key is required")
	cfg.APIKey = "some-key"
	require.NoError(t, confmap.Validate(cfg))
}

func TestLoadConfigMinimal(t *testing.T) {
	cfg := loadConfig(t, "minimal")
	require.NoError(t, confmap.Validate(cfg))
	want := createDefaultConfig().(*Config)
	want.APIKey = "minimal-test-key"
	assert.Equal(t, want, cfg)
}

func TestLoadConfigFull(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))

	client := confighttp.NewDefaultClientConfig()
	client.Endpoint = "https://eu.respan.example.com/api/"
	client.Timeout = 10 * time.Second
	client.Compression = configcompression.TypeGzip
	client.Headers = configopaque.MapList{{Name: "X-Team", Value: "platform"}}

	queue := exporterhelper.NewDefaultQueueConfig()
	queue.Sizer = exporterhelper.RequestSizerTypeItems
	queue.QueueSize = 50000
	queue.NumConsumers = 2
	batch := queue.Batch.GetOrInsertDefault()
	batch.FlushTimeout = 500 * time.Millisecond
	batch.Sizer = exporterhelper.RequestSizerTypeItems
	batch.MinSize = 200
	batch.MaxSize = 1000

	retry := configretry.NewDefaultBackOffConfig()
	retry.InitialInterval = time.Second
	retry.MaxInterval = 10 * time.Second
	retry.MaxElapsedTime = time.Minute

	storageID := component.MustNewIDWithName("file_storage", "assembly")
	want := &Config{
		ClientConfig:         client,
		TracesEndpoint:       "https://api.keywordsai.co/api/traces/ingest/",
		APIKey:               "full-test-key",
		MaxRequestBytes:      1 << 20,
		MaxContentBytes:      64 << 10,
		DedupeNestedUsage:    false,
		PropagateIdentifiers: false,
		ProviderIDs:          map[string]string{"azure.ai.openai": "azure", "my.llm": "openai"},
		Metadata: MetadataConfig{
			ResourceAttributes: translator.MetadataAll,
			SpanAttributes:     translator.MetadataNone,
			MaxValueBytes:      1024,
		},
		QueueConfig: configoptional.Some(queue),
		RetryConfig: retry,
		LogsJoin: LogsJoinConfig{
			Window:          2 * time.Second,
			MaxCallDuration: time.Minute,
			MaxSpans:        500,
			MaxBytes:        8 << 20,
		},
		Redaction: RedactionConfig{
			Enabled: true,
			HashKey: "full-test-hash-key-0123",
			Detectors: map[string]redaction.Mode{
				"email": redaction.ModeHash, "phone": redaction.ModeMask, "card": redaction.ModeDrop,
				"iban": redaction.ModeMask, "ip": redaction.ModeOff, "secret": redaction.ModeMask,
			},
			Patterns: []redaction.PatternConfig{
				{Name: "employee_id", Regex: "EMP-[0-9]{6}"},
				{Name: "ticket", Regex: "(?i)tkt#[0-9]+", Mode: redaction.ModeHash},
			},
			DropRoles:       []string{"system"},
			KeepRoles:       []string{"user", "assistant", "tool"},
			ToolDefinitions: true,
			MetadataValues:  true,
		},
		Assembly: AssemblyConfig{
			WaitForTraces: false,
			RootGrace:     500 * time.Millisecond,
			MaxWait:       30 * time.Second,
			MaxTraces:     1000,
			MaxSpans:      5000,
			MaxBytes:      16 << 20,
			LateSpanMemory: assembly.MemoryConfig{
				MaxSpans: 1000,
				TTL:      time.Minute,
			},
			Storage: &storageID,
		},
	}
	assert.Equal(t, want, cfg)

	// traces_endpoint is used verbatim (trailing slash kept).
	assert.Equal(t, "https://api.keywordsai.co/api/traces/ingest/", cfg.ingestURL())

	opts := cfg.translatorOptions()
	assert.Equal(t, 64<<10, opts.MaxContentBytes)
	assert.False(t, opts.DedupeNestedUsage)
	assert.False(t, opts.PropagateIdentifiers)
	assert.Equal(t, translator.MetadataAll, opts.ResourceMetadata)
	assert.Equal(t, translator.MetadataNone, opts.LeftoverMetadata)
	assert.Equal(t, 1024, opts.MaxMetadataValueBytes)
	assert.Equal(t, map[string]string{"azure.ai.openai": "azure", "my.llm": "openai"}, opts.ProviderIDs)
}

func TestLoadConfigAuthorizationHeaderReplacesAPIKey(t *testing.T) {
	cfg := loadConfig(t, "authorization_header")
	require.NoError(t, confmap.Validate(cfg))
	assert.Empty(t, cfg.APIKey)
	assert.True(t, cfg.hasAuthorizationHeader(), "header names are case-insensitive")
}

func TestLoadConfigQueueDisabled(t *testing.T) {
	cfg := loadConfig(t, "no_queue")
	require.NoError(t, confmap.Validate(cfg))
	assert.False(t, cfg.QueueConfig.HasValue())
}

func TestIngestURL(t *testing.T) {
	for _, tc := range []struct{ endpoint, traces, want string }{
		{"https://api.respan.ai/api", "", "https://api.respan.ai/api/v1/traces/ingest"},
		{"https://api.respan.ai/api/", "", "https://api.respan.ai/api/v1/traces/ingest"},
		{"http://localhost:8080", "", "http://localhost:8080/v1/traces/ingest"},
		{"https://api.respan.ai/api", "https://api.keywordsai.co/api/traces/ingest/", "https://api.keywordsai.co/api/traces/ingest/"},
		{"", "https://x.example/ingest", "https://x.example/ingest"},
	} {
		cfg := createDefaultConfig().(*Config)
		cfg.ClientConfig.Endpoint = tc.endpoint
		cfg.TracesEndpoint = tc.traces
		assert.Equal(t, tc.want, cfg.ingestURL())
	}
}

func TestLoadConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string
	}{
		{"missing_api_key", `api_key is required (e.g. api_key: ${env:RESPAN_API_KEY}), unless an "Authorization" header or an auth extension is configured`},
		{"empty_endpoint", "endpoint or traces_endpoint must be set"},
		{"bad_endpoint_scheme", `endpoint: scheme must be http or https, got "ftp"`},
		{"endpoint_without_host", `endpoint: URL "https:///api" has no host`},
		{"bad_traces_endpoint", `traces_endpoint: scheme must be http or https, got ""`},
		{"unparsable_endpoint", "endpoint: not a valid URL"},
		{"api_key_with_newline", "api_key must not contain whitespace or control characters (check for a trailing newline)"},
		{"bad_compression", `compression "snappy" is not supported: use none, gzip or zstd`},
		{"small_max_request_bytes", "max_request_bytes must be at least 1024, got 100"},
		{"zero_max_request_bytes", "max_request_bytes must be at least 1024, got 0"},
		{"negative_max_content_bytes", "max_content_bytes must not be negative (0 disables the cap), got -1"},
		{"negative_max_value_bytes", "metadata: max_value_bytes must not be negative (0 disables the cap), got -5"},
		{"bad_resource_attributes", `metadata: resource_attributes must be one of selected, all, none; got "some"`},
		{"bad_span_attributes", `metadata: span_attributes must be one of all, none; got "selected"`},
		{"empty_provider_id", `provider_ids: empty provider name or provider_id in entry "my.llm": ""`},
		{"batch_min_over_max", "sending_queue: batch: `max_size` (100) must be greater or equal to `min_size` (5000)"},
		{"logs_join_zero_window", "logs_join: window must be positive, got 0s"},
		{"logs_join_call_shorter_than_window", "logs_join: max_call_duration (5s) must be at least window (10s)"},
		{"logs_join_bad_bounds", "logs_join: max_spans (deprecated, use assembly.max_spans) must not be negative, got -1\nmax_bytes (deprecated, use assembly.max_bytes) must not be negative, got -1"},
		{"assembly_bad", "assembly: max_wait (5s) must be at least root_grace (10s)\nmax_traces must be positive, got 0\nmax_spans must be positive, got 0\nmax_bytes must be positive, got 0\nlate_span_memory::ttl must be positive, got 0s"},
		{"redaction_unknown_detector", `redaction: detectors: unknown detector "ssn" (built-in detectors: card, email, iban, ip, phone, secret; use patterns for your own)`},
		{"redaction_bad_mode", `redaction: detectors: email: mode must be mask, hash, drop or off; got "blur"`},
		{"redaction_bad_regex", "redaction: pattern \"employee_id\": invalid RE2 regular expression: error parsing regexp: missing closing ): `EMP-([0-9]{6}`"},
		{"redaction_hash_without_key", "redaction: hash_key must be set to at least 16 bytes when a detector uses hash mode (e.g. hash_key: ${env:RESPAN_REDACTION_KEY})"},
		{"redaction_bad_role", `redaction: drop_roles: unknown role "admin" (roles are system, developer, user, assistant, tool)`},
		{"redaction_nothing_on", "redaction: enabled but nothing to do: turn on a detector (detectors: {email: mask, ...}), add a pattern or a role rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t, tc.name)
			err := confmap.Validate(cfg)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestValidateNeverEchoesSecrets(t *testing.T) {
	cfg := loadConfig(t, "unparsable_endpoint")
	err := confmap.Validate(cfg)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")

	cfg = loadConfig(t, "api_key_with_newline")
	err = confmap.Validate(cfg)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "key-with-newline")
}

func TestAuthExtensionReplacesAPIKey(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.ClientConfig.Auth = configoptional.Some(configauth.Config{AuthenticatorID: component.MustNewID("bearertokenauth")})
	require.NoError(t, confmap.Validate(cfg))
}

func TestHeaderNamesAreCaseInsensitive(t *testing.T) {
	for _, name := range []string{"Authorization", "authorization", "AUTHORIZATION"} {
		cfg := createDefaultConfig().(*Config)
		cfg.ClientConfig.Headers = configopaque.MapList{{Name: name, Value: "Bearer x"}}
		assert.True(t, cfg.hasAuthorizationHeader(), name)
		assert.Equal(t, http.CanonicalHeaderKey(name), "Authorization")
	}
}
