// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// annotationLogs is one record named name for the span sp, with attrs.
func annotationLogs(sp ptrace.Span, name string, attrs map[string]any) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(name)
	lr.SetTraceID(sp.TraceID())
	lr.SetSpanID(sp.SpanID())
	lr.SetTimestamp(sp.EndTimestamp() + 1_000_000)
	_ = lr.Attributes().FromRaw(attrs)
	return ld
}

// TestLogsJoinEvaluationRecords: gen_ai.evaluation.result records of a
// call are folded into its span like its messages, and the translator keeps
// them as metadata.evaluations.
func TestLogsJoinEvaluationRecords(t *testing.T) {
	env := newJoinEnv(t, nil)
	td := loadTracesFixture(t, "streaming_traces.json")
	sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	env.sendLogs(loadLogsFixture(t, "streaming_logs_1.json"))
	env.sendLogs(loadLogsFixture(t, "streaming_logs_2.json"))
	env.sendLogs(annotationLogs(sp, "gen_ai.evaluation.result", map[string]any{
		"gen_ai.evaluation.name": "Fluency", "gen_ai.evaluation.score.value": 0.9, "gen_ai.evaluation.score.label": "fluent"}))
	env.sendTraces(td)

	l := env.spanLogs()[spanC]
	require.NotNil(t, l)
	_, c := summary(t, l)
	assert.Len(t, c, 2, "the choices are joined as before")
	md, _ := l["metadata"].(map[string]any)
	raw, _ := md["evaluations"].(string)
	var evals []map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &evals), "metadata.evaluations: %v", md)
	require.Len(t, evals, 1)
	assert.Equal(t, "Fluency", evals[0]["name"])
	assert.Equal(t, 0.9, evals[0]["score_value"])
	assert.Equal(t, "fluent", evals[0]["score_label"])
	assert.Equal(t, int64(4), env.counter("otelcol_exporter_respan_logs_join_records_joined"))
}

// TestLogsJoinExceptionRecordEndsFailedCall: a failed call waiting for its
// content leaves when its gen_ai.client.operation.exception record comes,
// and the record's message is the span log's error.
func TestLogsJoinExceptionRecordEndsFailedCall(t *testing.T) {
	env := newJoinEnv(t, nil)
	td := loadTracesFixture(t, "streaming_traces.json")
	sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Attributes().Remove("gen_ai.response.finish_reasons")
	env.sendTraces(td)
	assert.Empty(t, env.requests(), "a failed call still waits for its input")
	env.sendLogs(annotationLogs(sp, "gen_ai.client.operation.exception", map[string]any{
		"exception.type": "APIConnectionError", "exception.message": "Error code: 503 - upstream unavailable"}))

	l := env.spanLogs()[spanC]
	require.NotNil(t, l, "the exception record ends the call")
	assert.Equal(t, "APIConnectionError: Error code: 503 - upstream unavailable", l["error_message"])
	assert.Equal(t, float64(503), l["status_code"])
}
