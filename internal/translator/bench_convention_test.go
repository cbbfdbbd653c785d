// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// Micro-benchmarks of docs/benchmarks.md: translation + encoding of the
// respan exporter against the collector's own encodings of the same spans
// (ptrace.JSONMarshaler and ptrace.ProtoMarshaler), per convention, per
// batch size and per message size. Every benchmark has the sub-benchmarks
// enc=respan, enc=otlpjson and enc=otlpproto, so that
//
//	benchstat -col /enc new.txt
//
// prints them side by side (and `benchstat old.txt new.txt` compares two
// runs of the translator). ns/span is the figure to compare; MB/s is of
// the OTLP/JSON size of the input for all three, so it is comparable too.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/translator"
)

// conventionBatch returns about n spans of convention c only: complete
// agent runs of benchdata.Corpus with seeds 1, 2, ….
func conventionBatch(c benchdata.Convention, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	for seed := uint64(1); td.SpanCount() < n; seed++ {
		benchdata.Corpus(seed)[c].ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	}
	return td
}

var conventions = []benchdata.Convention{benchdata.SemconvAgent, benchdata.OpenLLMetry, benchdata.OpenInference, benchdata.Vercel}

// benchEncodings runs the three encoders of td as sub-benchmarks.
func benchEncodings(b *testing.B, td ptrace.Traces) {
	spans := td.SpanCount()
	jsonSize, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		b.Fatal(err)
	}
	perSpan := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(spans), "ns/span")
	}
	b.Run("enc=respan", func(b *testing.B) {
		tr := translator.New(translator.DefaultOptions())
		res := tr.Translate(td)
		if len(res.Logs) != spans {
			b.Fatalf("%d of %d spans translated: %v", len(res.Logs), spans, res.Problems)
		}
		dst := translator.EncodeArray(nil, res.Logs)
		b.SetBytes(int64(len(jsonSize)))
		b.ReportAllocs()
		for b.Loop() {
			// Released after encoding, as the exporter's pushTraces does.
			res := tr.Translate(td)
			dst = translator.EncodeArray(dst[:0], res.Logs)
			tr.Release(res)
		}
		perSpan(b)
	})
	b.Run("enc=otlpjson", func(b *testing.B) {
		m := &ptrace.JSONMarshaler{}
		if _, err := m.MarshalTraces(td); err != nil { // warm up, as for enc=respan
			b.Fatal(err)
		}
		b.SetBytes(int64(len(jsonSize)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.MarshalTraces(td); err != nil {
				b.Fatal(err)
			}
		}
		perSpan(b)
	})
	b.Run("enc=otlpproto", func(b *testing.B) {
		m := &ptrace.ProtoMarshaler{}
		if _, err := m.MarshalTraces(td); err != nil { // warm up, as for enc=respan
			b.Fatal(err)
		}
		b.SetBytes(int64(len(jsonSize)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.MarshalTraces(td); err != nil {
				b.Fatal(err)
			}
		}
		perSpan(b)
	})
}

// BenchmarkConvention: ~1,000 spans of one convention (conv=mix is the
// mixed batch of BenchmarkTranslateEncode1000).
func BenchmarkConvention(b *testing.B) {
	for _, c := range conventions {
		b.Run("conv="+c.String(), func(b *testing.B) { benchEncodings(b, conventionBatch(c, benchSpans)) })
	}
	b.Run("conv=mix", func(b *testing.B) { benchEncodings(b, benchdata.Traces(benchSpans, 1)) })
}

// BenchmarkFixtures: about 1,000 spans of the shared fixtures' traces,
// copied with fresh ids (the load harness's fixture traffic): small
// messages and every convention's shapes, where per-span work, not
// content, is the cost.
func BenchmarkFixtures(b *testing.B) {
	fx, _, err := benchdata.LoadFixtures("testdata/fixtures")
	if err != nil {
		b.Fatal(err)
	}
	benchEncodings(b, benchdata.FixtureTraces(fx, benchSpans, 1))
}

// BenchmarkFixtureEach: BenchmarkFixtures one fixture at a time (about
// 1,000 spans of copies of it), to see which shapes cost the most.
func BenchmarkFixtureEach(b *testing.B) {
	fx, names, err := benchdata.LoadFixtures("testdata/fixtures")
	if err != nil {
		b.Fatal(err)
	}
	for i, name := range names {
		name = strings.TrimSuffix(filepath.Base(name), ".json")
		b.Run("fixture="+name, func(b *testing.B) { benchEncodings(b, benchdata.FixtureTraces(fx[i:i+1], benchSpans, 1)) })
	}
}

// BenchmarkBatchSize: the mixed traffic in batches of 1 to 10,000 spans (the
// exporter's default batches are 1,000–4,000 spans).
func BenchmarkBatchSize(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000, 4000, 10000} {
		b.Run(fmt.Sprintf("spans=%d", n), func(b *testing.B) { benchEncodings(b, benchdata.Traces(n, 1)) })
	}
}

// BenchmarkContentSize: one OTel GenAI agent run (6 spans) whose chat
// spans carry an input and an output message of the given size (plain
// prose with the quotes, newlines and non-ASCII letters that JSON
// encoding must escape), from 1 KB to 1 MB (below the default 1 MiB
// max_content_bytes, so nothing is truncated).
func BenchmarkContentSize(b *testing.B) {
	for _, size := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("content=%s", humanBytes(size)), func(b *testing.B) { benchEncodings(b, withContent(size)) })
	}
}

func humanBytes(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%dMB", n/1_000_000)
	case n >= 1_000:
		return fmt.Sprintf("%dKB", n/1_000)
	}
	return fmt.Sprintf("%dB", n)
}

// withContent is benchdata's OTel GenAI agent run with every
// gen_ai.input.messages / gen_ai.output.messages replaced by one message
// whose text part has size bytes.
func withContent(size int) ptrace.Traces {
	td := benchdata.Corpus(1)[benchdata.SemconvAgent]
	text := prose(size)
	in := `[{"role":"user","parts":[{"type":"text","content":` + jsonString(text) + `}]}]`
	out := `[{"role":"assistant","parts":[{"type":"text","content":` + jsonString(text) + `}],"finish_reason":"stop"}]`
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				a := s.Attributes()
				if _, ok := a.Get("gen_ai.input.messages"); ok {
					a.PutStr("gen_ai.input.messages", in)
				}
				if _, ok := a.Get("gen_ai.output.messages"); ok {
					a.PutStr("gen_ai.output.messages", out)
				}
			}
		}
	}
	return td
}

func prose(size int) string {
	const para = "The \"quarterly\" report shows revenue up 12% — driven by the café segment in Zürich.\n" +
		"Next steps:\tconfirm the numbers with finance, then draft a reply to the customer's question about pricing tiers. "
	s := strings.Repeat(para, size/len(para)+1)
	// Cut at a rune boundary at or below size.
	for size > 0 && !isRuneStart(s[size]) {
		size--
	}
	return s[:size]
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
