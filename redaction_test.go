// Copyright The respanexporter Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
