// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/respanai/respanexporter/internal/benchdata"
)

const testFixtures = "../internal/translator/testdata/fixtures"

// spansOf lists every span of td with the trace it belongs to.
func spansOf(td ptrace.Traces) []ptrace.Span {
	var out []ptrace.Span
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				out = append(out, sss.At(j).Spans().At(k))
			}
		}
	}
	return out
}

// The fixture pool must look like distinct traffic to the exporter: no
// span id or trace id repeats across copies or requests, every parent that
// pointed at a span of the same fixture still points at that span's copy
// (same trace, same name), and the content is the fixture's own.
func TestFixturePoolIDsDistinctAndParentsKept(t *testing.T) {
	fx, names, err := benchdata.LoadFixtures(testFixtures)
	if err != nil {
		t.Fatal(err)
	}
	if len(fx) < 2 {
		t.Fatalf("want several fixtures, got %v", names)
	}
	fixtureSpans := 0
	for _, f := range fx {
		fixtureSpans += f.SpanCount()
	}

	p, err := buildTrafficPool(trafficFixtures, testFixtures, 6, 100)
	if err != nil {
		t.Fatal(err)
	}
	seenSpan := map[pcommon.SpanID]bool{}
	seenTrace := map[pcommon.TraceID]int{} // trace id → request index
	for ri, rq := range p.requests {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(rq.body); err != nil {
			t.Fatal(err)
		}
		td := req.Traces()
		if td.SpanCount() != rq.spans || rq.spans < 100 {
			t.Fatalf("request %d: %d spans, recorded %d, want ≥ 100", ri, td.SpanCount(), rq.spans)
		}
		// Whole fixtures only: a request never cuts a trace, so it holds
		// at most one fixture's worth of spans beyond the target.
		if rq.spans >= 100+fixtureSpans {
			t.Errorf("request %d: %d spans overshoots 100 by more than the fixtures hold (%d)", ri, rq.spans, fixtureSpans)
		}
		spans := spansOf(td)
		byID := map[pcommon.SpanID]ptrace.Span{}
		for _, s := range spans {
			if seenSpan[s.SpanID()] {
				t.Fatalf("request %d: span id %s repeats", ri, s.SpanID())
			}
			seenSpan[s.SpanID()] = true
			if r, ok := seenTrace[s.TraceID()]; ok && r != ri {
				t.Fatalf("trace id %s in requests %d and %d", s.TraceID(), r, ri)
			}
			seenTrace[s.TraceID()] = ri
			byID[s.SpanID()] = s
		}
		for _, s := range spans {
			if s.ParentSpanID().IsEmpty() {
				continue
			}
			if par, ok := byID[s.ParentSpanID()]; ok && par.TraceID() != s.TraceID() {
				t.Errorf("request %d: span %q has a parent in another trace", ri, s.Name())
			}
		}
	}
	if p.spans == 0 || p.bytesPerSpan() <= 0 {
		t.Fatalf("pool totals: %d spans, %.0f bytes/span", p.spans, p.bytesPerSpan())
	}

	// Parent links survive the rewrite: count, per fixture, the spans whose
	// parent is in the same fixture, and check that one copy has as many.
	for i, f := range fx {
		want := 0
		orig := spansOf(f)
		ids := map[pcommon.SpanID]bool{}
		for _, s := range orig {
			ids[s.SpanID()] = true
		}
		for _, s := range orig {
			if ids[s.ParentSpanID()] {
				want++
			}
		}
		one := benchdata.FixtureTraces([]ptrace.Traces{f}, 1, uint64(i+1))
		copies := spansOf(one)
		got := 0
		byID := map[pcommon.SpanID]ptrace.Span{}
		for _, s := range copies {
			byID[s.SpanID()] = s
		}
		for k, s := range copies {
			if par, ok := byID[s.ParentSpanID()]; ok {
				got++
				// Same shape as the original: the copy's parent is the
				// copy of the original's parent.
				if op := orig[k].ParentSpanID(); !ids[op] {
					t.Errorf("%s: span %q gained a parent", names[i], s.Name())
				} else if par.Name() != nameOf(orig, op) {
					t.Errorf("%s: span %q: parent %q, want %q", names[i], s.Name(), par.Name(), nameOf(orig, op))
				}
			}
			if s.SpanID() == orig[k].SpanID() || s.TraceID() == orig[k].TraceID() {
				t.Errorf("%s: span %q kept its original id", names[i], s.Name())
			}
			if s.Attributes().Len() != orig[k].Attributes().Len() || s.Name() != orig[k].Name() {
				t.Errorf("%s: span %q changed content", names[i], s.Name())
			}
		}
		if got != want {
			t.Errorf("%s: %d spans with a parent in the copy, want %d", names[i], got, want)
		}
	}
}

func nameOf(spans []ptrace.Span, id pcommon.SpanID) string {
	for _, s := range spans {
		if s.SpanID() == id {
			return s.Name()
		}
	}
	return ""
}

func TestAgentPoolAndUnknownTraffic(t *testing.T) {
	p, err := buildTrafficPool(trafficAgent, "", 2, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.requests) != 2 || p.spans != 100 || p.requests[0].spans != 50 {
		t.Fatalf("agent pool: %d requests, %d spans", len(p.requests), p.spans)
	}
	mixed, err := buildTrafficPool(trafficAgentMixed, "", 2, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(mixed.requests) != 2 || mixed.spans != 100 {
		t.Fatalf("mixed agent pool: %d requests, %d spans", len(mixed.requests), mixed.spans)
	}
	for _, r := range mixed.requests {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(r.body); err != nil {
			t.Fatal(err)
		}
		if n := req.Traces().ResourceSpans().Len(); n != 1 {
			t.Fatalf("mixed agent request: %d resources, want one", n)
		}
	}
	if _, err := buildTrafficPool("chat", testFixtures, 1, 10); err == nil {
		t.Fatal("unknown traffic kind accepted")
	}
	if _, err := buildTrafficPool(trafficFixtures, t.TempDir(), 1, 10); err == nil {
		t.Fatal("an empty fixtures directory accepted")
	}
}

func TestGoalLines(t *testing.T) {
	o := options{rounds: 3, traffics: []string{trafficAgent, trafficFixtures}, scenarios: allScenarios[:2]}
	var rs []result
	for round := 1; round <= 3; round++ {
		// Medians: agent respan 30 vs 20 (1.5×, met at the edge),
		// fixtures respan 26 vs 20 (1.3×, missed).
		rs = append(rs,
			result{Traffic: trafficAgent, Scenario: "respan", Round: round, CPUPerMSpans: float64(28 + round)},
			result{Traffic: trafficAgent, Scenario: "otlphttp-json", Round: round, CPUPerMSpans: 20},
			result{Traffic: trafficFixtures, Scenario: "respan", Round: round, CPUPerMSpans: []float64{40, 26, 25}[round-1]},
			result{Traffic: trafficFixtures, Scenario: "otlphttp-json", Round: round, CPUPerMSpans: 20},
		)
	}
	pools := map[string]*pool{
		trafficAgent:    {traffic: trafficAgent, requests: make([]request, 1), spans: 1, bytes: 1},
		trafficFixtures: {traffic: trafficFixtures, requests: make([]request, 1), spans: 1, bytes: 1},
	}
	var b strings.Builder
	printReport(&b, o, pools, rs)
	out := b.String()
	for _, want := range []string{
		"| **median respan** |",
		"| **median fixtures respan** |",
		"medians: respan ÷ otlphttp-json: CPU per span 1.50×",
		"fixtures medians: respan ÷ otlphttp-json: CPU per span 1.30×",
		"goal agent traffic: respan ÷ otlphttp-json CPU per span 1.50× (medians of 3 alternating rounds; 30.0 vs 20.0 CPU s per 1M spans), goal ≤ 1.5×: met",
		"goal fixtures traffic: respan ÷ otlphttp-json CPU per span 1.30× (medians of 3 alternating rounds; 26.0 vs 20.0 CPU s per 1M spans), goal ≤ 1.2×: MISSED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// With a base build in the rounds, the report compares respan with it
// (and only respan: otlp_http is not a build of the exporter).
func TestBaseBuildRatio(t *testing.T) {
	sc := []scenario{allScenarios[0], allScenarios[3], allScenarios[1]}
	if sc[1].Name != "respan-base" || !sc[1].Base {
		t.Fatalf("scenario 3 is %+v, want respan-base", sc[1])
	}
	o := options{rounds: 2, traffics: []string{trafficAgent}, scenarios: sc}
	var rs []result
	for round := 1; round <= 2; round++ {
		rs = append(rs,
			result{Traffic: trafficAgent, Scenario: "respan", Round: round, CPUPerMSpans: 30, SpansPerSecond: 1, PeakRSSMiB: 1},
			result{Traffic: trafficAgent, Scenario: "respan-base", Round: round, CPUPerMSpans: 40, SpansPerSecond: 1, PeakRSSMiB: 1},
			result{Traffic: trafficAgent, Scenario: "otlphttp-json", Round: round, CPUPerMSpans: 20, SpansPerSecond: 1, PeakRSSMiB: 1},
		)
	}
	var b strings.Builder
	printReport(&b, o, map[string]*pool{trafficAgent: {requests: make([]request, 1), spans: 1, bytes: 1}}, rs)
	out := b.String()
	for _, want := range []string{
		"round 2: respan ÷ respan-base: CPU per span 0.75×",
		"medians: respan ÷ respan-base: CPU per span 0.75×",
		"medians: respan-base ÷ otlphttp-json: CPU per span 2.00×",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "otlphttp-json ÷ respan-base") {
		t.Errorf("otlp_http compared with the base build:\n%s", out)
	}
}
