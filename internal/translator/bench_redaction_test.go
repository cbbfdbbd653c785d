// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/redaction"
	"github.com/respanai/respanexporter/internal/translator"
)

// BenchmarkRedaction is the cost of redaction (docs/benchmarks.md):
// Translate + EncodeArray of the mixed benchmark traffic (benchSpans spans)
// with redaction off and with every built-in detector on in mask mode, in
// the same run so the ratio is read on one machine state:
//
//	go test -run='^$' -bench='^BenchmarkRedaction$' -count=6 ./internal/translator
//
// traffic=plain is benchdata as generated (chat text with digits, ids and
// URLs but no personal data: the detectors' prefilters and scanners run,
// nothing matches); traffic=pii puts an e-mail address, a phone number and
// a card number into every string attribute that has a space, so most
// messages are rewritten.
func BenchmarkRedaction(b *testing.B) {
	on := builtinsOn(b)
	for _, traffic := range []string{"plain", "pii"} {
		td := benchdata.Traces(benchSpans, 1)
		if traffic == "pii" {
			injectPII(td)
		}
		for _, mode := range []struct {
			name string
			opts translator.Options
		}{{"off", translator.DefaultOptions()}, {"on", on}} {
			b.Run("traffic="+traffic+"/redaction="+mode.name, func(b *testing.B) {
				tr := translator.New(mode.opts)
				dst := translator.EncodeArray(nil, tr.Translate(td).Logs)
				b.SetBytes(int64(len(dst)))
				b.ReportAllocs()
				for b.Loop() {
					res := tr.Translate(td)
					dst = translator.EncodeArray(dst[:0], res.Logs)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
			})
		}
	}
}

// builtinsOn is DefaultOptions with every built-in detector in mask mode.
func builtinsOn(tb testing.TB) translator.Options {
	r, err := redaction.New(redaction.Config{Enabled: true, Detectors: map[string]redaction.Mode{
		redaction.Email: redaction.ModeMask, redaction.Phone: redaction.ModeMask, redaction.Card: redaction.ModeMask,
		redaction.IBAN: redaction.ModeMask, redaction.IP: redaction.ModeMask, redaction.Secret: redaction.ModeMask,
	}})
	if err != nil {
		tb.Fatal(err)
	}
	on := translator.DefaultOptions()
	on.Redactor = r
	return on
}

// injectPII puts personal data into the first space of every string
// attribute of spans and events (inside JSON text too: the inserted text
// has no quote or backslash, so JSON stays JSON).
func injectPII(td ptrace.Traces) {
	const pii = " alice@example.com +1 415 555 2671 4111 1111 1111 1111 "
	put := func(m pcommon.Map) {
		m.Range(func(k string, v pcommon.Value) bool {
			if v.Type() == pcommon.ValueTypeStr && strings.Contains(v.Str(), " ") {
				v.SetStr(strings.Replace(v.Str(), " ", pii, 1))
			}
			return true
		})
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				put(spans.At(k).Attributes())
				evs := spans.At(k).Events()
				for e := 0; e < evs.Len(); e++ {
					put(evs.At(e).Attributes())
				}
			}
		}
	}
}

// TestRedactionBenchTrafficRedacts keeps BenchmarkRedaction honest: the
// pii traffic is found and replaced, the plain traffic is not touched.
func TestRedactionBenchTrafficRedacts(t *testing.T) {
	// Tool definitions too: the benchmark traffic's tool descriptions get
	// the values injected as well.
	r, err := redaction.New(redaction.Config{Enabled: true, ToolDefinitions: true,
		Detectors: map[string]redaction.Mode{redaction.Email: redaction.ModeMask, redaction.Card: redaction.ModeMask}})
	if err != nil {
		t.Fatal(err)
	}
	opts := translator.DefaultOptions()
	opts.Redactor = r
	td := benchdata.Traces(100, 1)
	plainOff := string(translator.EncodeArray(nil, translator.New(translator.DefaultOptions()).Translate(td).Logs))
	res := translator.New(opts).Translate(td)
	if got := string(translator.EncodeArray(nil, res.Logs)); got != plainOff {
		t.Errorf("redaction changed plain benchmark traffic (%v)", res.Redactions)
	}
	injectPII(td)
	res = translator.New(opts).Translate(td)
	wire := string(translator.EncodeArray(nil, res.Logs))
	if strings.Contains(wire, "alice@example.com") || res.Redactions["email"] < 100 {
		t.Errorf("pii traffic not redacted: %d e-mails, leak %v", res.Redactions["email"], strings.Contains(wire, "alice@example.com"))
	}
}
