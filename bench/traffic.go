// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/respanai/respanexporter/internal/benchdata"
)

// The kinds of traffic the harness can send. Agent traffic is what a busy
// agent platform produces (long chat inputs, tool definitions, nested
// calls); fixture traffic is the shared fixtures' traces, whose messages
// are a few hundred bytes, as many chat applications send. The exporter's
// cost per span depends on how much message content it parses and
// rewrites, so the two bracket the range users see.
//
// Both give every trace a resource of its own (an agent run, a fixture
// copy), as SDKs that flush per request send them. Mixed agent traffic is
// the same agent runs as one process's batch span processor exports them:
// the spans of concurrent traces interleaved under one resource.
const (
	trafficAgent      = "agent"
	trafficFixtures   = "fixtures"
	trafficAgentMixed = "agent-mixed"
)

// goals are the targets for respan ÷ otlphttp-json collector CPU
// per span, by traffic kind (reported, not enforced); mixed agent traffic
// is held to the agent traffic's.
var goals = map[string]float64{trafficAgent: 1.5, trafficFixtures: 1.2, trafficAgentMixed: 1.5}

// pool is the pre-encoded requests of one traffic kind.
type pool struct {
	traffic  string
	requests []request
	bytes    int64 // OTLP/protobuf bytes of all requests
	spans    int64
	desc     string // where the spans come from, for the report
}

func (p *pool) bytesPerSpan() float64 {
	if p.spans == 0 {
		return 0
	}
	return float64(p.bytes) / float64(p.spans)
}

// buildTrafficPool generates n requests of (at least) spansPer spans of the
// given traffic kind and encodes them once, so that the load generator
// spends its CPU on sending, not on encoding.
func buildTrafficPool(kind, fixturesDir string, n, spansPer int) (*pool, error) {
	var gen func(i int) ptrace.Traces
	var desc string
	switch kind {
	case trafficAgent:
		// Seeds 1..n: every request is a different mix of agent runs in
		// the four conventions.
		gen = func(i int) ptrace.Traces { return benchdata.Traces(spansPer, uint64(i+1)) }
		desc = "internal/benchdata agent runs"
	case trafficAgentMixed:
		gen = func(i int) ptrace.Traces {
			return benchdata.Interleave(benchdata.Traces(spansPer, uint64(i+1)), uint64(i+1))
		}
		desc = "internal/benchdata agent runs interleaved under one resource, as a batch span processor exports them"
	case trafficFixtures:
		fx, names, err := benchdata.LoadFixtures(fixturesDir)
		if err != nil {
			return nil, err
		}
		gen = func(i int) ptrace.Traces { return benchdata.FixtureTraces(fx, spansPer, uint64(i+1)) }
		desc = fmt.Sprintf("copies of the %d fixtures in %s (%s), ids rewritten per copy", len(fx), fixturesDir, strings.Join(names, ", "))
	default:
		return nil, fmt.Errorf("unknown traffic %q (agent, agent-mixed or fixtures)", kind)
	}
	p := &pool{traffic: kind, requests: make([]request, n), desc: desc}
	for i := range p.requests {
		td := gen(i)
		b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			return nil, err
		}
		p.requests[i] = request{body: b, spans: td.SpanCount()}
		p.bytes += int64(len(b))
		p.spans += int64(td.SpanCount())
	}
	return p, nil
}
