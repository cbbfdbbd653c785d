// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// The cost benchmark of the issue: translating a batch and encoding the
// request body must cost at most 1.5× what pdata's own OTLP/JSON marshal of
// the same spans costs. `make bench-ratio` runs both and prints the ratio.

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/translator"
)

const benchSpans = 1000

// BenchmarkTranslateEncode1000 is what the exporter does per batch:
// Translate, then EncodeArray into a reused buffer.
func BenchmarkTranslateEncode1000(b *testing.B) {
	td := benchdata.Traces(benchSpans, 1)
	tr := translator.New(translator.DefaultOptions())
	dst := translator.EncodeArray(nil, tr.Translate(td).Logs)
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	for b.Loop() {
		res := tr.Translate(td)
		dst = translator.EncodeArray(dst[:0], res.Logs)
		tr.Release(res)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
}

// BenchmarkPdataJSONMarshal1000 is the yardstick: the collector's own
// OTLP/JSON encoding of the same spans.
func BenchmarkPdataJSONMarshal1000(b *testing.B) {
	td := benchdata.Traces(benchSpans, 1)
	m := &ptrace.JSONMarshaler{}
	out, err := m.MarshalTraces(td)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalTraces(td); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
}

// TestBenchDataTranslates keeps the benchmark honest: every generated span
// becomes a span log, so the benchmark measures real work.
func TestBenchDataTranslates(t *testing.T) {
	td := benchdata.Traces(benchSpans, 1)
	res := translator.New(translator.DefaultOptions()).Translate(td)
	if len(res.Logs) != benchSpans {
		t.Fatalf("%d of %d generated spans translated (dropped: %v, problems: %v)", len(res.Logs), benchSpans, res.Dropped, res.Problems)
	}
	withMessages := 0
	for _, l := range res.Logs {
		if len(l.PromptMessages) > 0 || l.Input != "" {
			withMessages++
		}
	}
	if withMessages < benchSpans/2 {
		t.Errorf("only %d of %d span logs carry input; the benchmark would not measure message mapping", withMessages, benchSpans)
	}
}
