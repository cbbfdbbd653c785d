// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

// TestExporterRedactsAndCounts: with redaction configured, the exporter's
// own translator redacts (the request body holds none of the values),
// counts by detector, and never logs the hash key.
func TestExporterRedactsAndCounts(t *testing.T) {
	srv := newIngestServer(t, nil)
	cfg := testConfig(srv.URL)
	cfg.Redaction = RedactionConfig{
		Enabled: true,
		HashKey: "exporter-test-hash-key",
		Detectors: map[string]redaction.Mode{
			redaction.Email: redaction.ModeHash, redaction.Card: redaction.ModeMask, redaction.Secret: redaction.ModeMask,
		},
	}
	require.NoError(t, cfg.Redaction.Validate())
	env := newTestEnv(t, cfg)
	// newTestEnv swaps in an id-only translator; put back the one
	// newExporter built from cfg, redactor included.
	exp, err := newExporter(cfg, env.set)
	require.NoError(t, err)
	env.exp.translate = exp.translate

	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	s.SetName("chat gpt-4o")
	s.Attributes().PutStr("gen_ai.operation.name", "chat")
	s.Attributes().PutStr("gen_ai.request.model", "gpt-4o")
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"I am alice@example.com, card 4111 1111 1111 1111, key sk-abcdefghijklmnopqrstuvwx"}]}]`)
	require.NoError(t, env.exp.pushTraces(context.Background(), td))

	reqs := srv.requests()
	require.Len(t, reqs, 1)
	body := reqs[0].body
	for _, leak := range []string{"alice@example.com", "4111 1111", "sk-abcdefghij"} {
		assert.False(t, bytes.Contains(body, []byte(leak)), "%s in %s", leak, body)
	}
	assert.Contains(t, string(body), `[CARD]`)
	assert.Contains(t, string(body), `"`+translator.RedactedMetadataKey+`":"secret,email,card"`)
	// One value each: input is written from the same (redacted) messages.
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_redactions", "detector=email"))
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_redactions", "detector=card"))
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_redactions", "detector=secret"))
	for _, e := range env.logs.All() {
		assert.NotContains(t, e.Message, "exporter-test-hash-key")
		for _, f := range e.Context {
			assert.NotContains(t, f.String, "exporter-test-hash-key")
		}
	}
}

func TestCreateDefaultConfigRedactionOff(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.False(t, cfg.Redaction.Enabled)
	r, err := redaction.New(cfg.Redaction)
	require.NoError(t, err)
	assert.Nil(t, r, "no redactor by default: translation pays nothing")
}

func TestRedactionErrorsNeverEchoTheHashKey(t *testing.T) {
	cfg := testConfig("http://localhost")
	cfg.Redaction = RedactionConfig{Enabled: true, HashKey: "tiny-key", Detectors: map[string]redaction.Mode{redaction.Email: redaction.ModeHash}}
	err := cfg.Redaction.Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "tiny-key")
}

// TestPIIRedactionExample loads examples/pii-redaction.yaml's exporter
// section with the real factory defaults: it validates, turns on every
// built-in detector in mask mode, and the exporter it configures sends
// none of the values. (e2e/examples_test.go also runs `otelcol-respan
// validate` on it with the environment resolved.)
func TestPIIRedactionExample(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("examples", "pii-redaction.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("exporters::respan")
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	// ${env:...} is the collector's to resolve; stand in for it.
	assert.Equal(t, "${env:RESPAN_API_KEY}", string(cfg.APIKey))
	srv := newIngestServer(t, nil)
	cfg.ClientConfig.Endpoint, cfg.APIKey = srv.URL+"/api", testAPIKey
	require.NoError(t, confmap.Validate(cfg))

	require.True(t, cfg.Redaction.Enabled)
	for _, name := range redaction.BuiltinNames {
		assert.Equal(t, redaction.ModeMask, cfg.Redaction.Detectors[name], "detector %s", name)
	}
	assert.Len(t, cfg.Redaction.Detectors, len(redaction.BuiltinNames))

	env := newTestEnv(t, cfg)
	exp, err := newExporter(cfg, env.set)
	require.NoError(t, err)
	env.exp.translate = exp.translate
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{9, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{9, 2, 3, 4, 5, 6, 7, 8})
	s.SetName("chat gpt-4o")
	s.Attributes().PutStr("gen_ai.operation.name", "chat")
	s.Attributes().PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":`+
		`"bob@example.org +44 20 7946 0958 5500 0055 5555 5559 GB82 WEST 1234 5698 7654 32 2001:db8::7 AKIAIOSFODNN7EXAMPLE"}]}]`)
	require.NoError(t, env.exp.pushTraces(context.Background(), td))
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	body := string(reqs[0].body)
	for _, leak := range []string{"bob@example.org", "7946", "5555", "WEST", "2001:db8", "AKIA"} {
		assert.NotContains(t, body, leak)
	}
	assert.Contains(t, body, `[EMAIL] [PHONE] [CARD] [IBAN] [IP] [SECRET]`)
}
