// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/respanai/respanexporter/internal/sink"
)

// TestTwoTierLoadBalancing runs the checked-in two-tier layout on loopback:
// one tier-1 collector (examples/tier1-loadbalancer.yaml: loadbalancing by
// traceID, static resolver) in front of two tier-2 collectors
// (examples/tier2-respan.yaml), each exporting with respan to its own
// sink. Every span must arrive exactly once overall, and all spans of a
// trace at the same sink.
func TestTwoTierLoadBalancing(t *testing.T) {
	const (
		traces        = 50
		spansPerTrace = 5
		apiKey        = "e2e-tier2-key"
	)

	backends := startTier2s(t, apiKey)

	lbGRPC, lbHTTP := freeAddr(t), freeAddr(t)
	lb := startCollector(t, "tier1", nil, lbGRPC,
		example("tier1-loadbalancer.yaml"),
		set("receivers::otlp::protocols::grpc::endpoint", lbGRPC),
		set("receivers::otlp::protocols::http::endpoint", lbHTTP),
		set("extensions::health_check::endpoint", freeAddr(t)),
		set("exporters::load_balancing::resolver::static::hostnames", fmt.Sprintf("[%s, %s]", backends[0].addr, backends[1].addr)),
		noSelfMetrics,
	)

	// 50 traces of 5 spans: a workflow root, two chat calls under it and a
	// tool call under each chat call. Sent in 5 flushes, so the load
	// balancer sees requests mixing many traces.
	tp := tracerProvider(t, grpcExporter(t, lbGRPC), "loadtest")
	tr := tp.Tracer("e2e/twotier")
	traceOf := map[string]string{} // span key → trace id
	for i := range traces {
		ctx, root := tr.Start(context.Background(), fmt.Sprintf("workflow-%02d", i), trace.WithAttributes(
			attribute.String("traceloop.span.kind", "workflow"),
			attribute.String("traceloop.workflow.name", "loadtest"),
			attribute.String("user.id", fmt.Sprintf("cust-%02d", i)),
		))
		spans := []trace.Span{root}
		for j := range 2 {
			cctx, chat := tr.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "chat"),
				attribute.String("gen_ai.provider.name", "openai"),
				attribute.String("gen_ai.request.model", "gpt-4o-mini"),
				attribute.Int("gen_ai.usage.input_tokens", 10+j),
				attribute.Int("gen_ai.usage.output_tokens", 5),
			))
			_, tool := tr.Start(cctx, "execute_tool search", trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "execute_tool"),
				attribute.String("gen_ai.tool.name", "search"),
			))
			tool.End()
			chat.End()
			spans = append(spans, chat, tool)
		}
		root.End()
		for _, sp := range spans {
			sc := sp.SpanContext()
			traceOf[sink.SpanKey(sc.TraceID().String(), sc.SpanID().String())] = sc.TraceID().String()
		}
		if i%10 == 9 {
			flush(t, tp)
		}
	}
	total := traces * spansPerTrace
	if len(traceOf) != total {
		t.Fatalf("SDK produced %d spans, want %d", len(traceOf), total)
	}

	// Wait until the two sinks together hold every span.
	waitTotal(t, total, backends[0].sink, backends[1].sink)
	settle()

	seen := map[string]int{}      // span key → deliveries over both sinks
	traceSink := map[string]int{} // trace id → index of the sink that got it
	perSink := make([]int, len(backends))
	for i, b := range backends {
		assertClean(t, b.name, b.sink)
		for _, sl := range b.sink.Spans() {
			key := sl.Key()
			seen[key]++
			if _, ok := traceOf[key]; !ok {
				t.Errorf("%s: unexpected span %s", b.name, key)
			}
			if prev, ok := traceSink[sl.TraceID]; ok && prev != i {
				t.Errorf("trace %s split: spans at %s and %s", sl.TraceID, backends[prev].name, b.name)
			}
			traceSink[sl.TraceID] = i
			if sl.LogType == "" || sl.CustomerIdentifier == "" {
				t.Errorf("%s: span %s lacks log_type or customer_identifier: %+v", b.name, key, sl.Fields)
			}
		}
		perSink[i] = len(b.sink.Spans())
	}
	for key := range traceOf {
		if seen[key] != 1 {
			t.Errorf("span %s delivered %d time(s), want exactly once", key, seen[key])
		}
	}
	if len(traceSink) != traces {
		t.Errorf("%d traces arrived, want %d", len(traceSink), traces)
	}
	// Routing by trace id spreads 50 traces over both backends (all on one
	// has probability 2^-49).
	for i, n := range perSink {
		if n == 0 {
			t.Errorf("%s received nothing: the load balancer did not spread traces", backends[i].name)
		}
		if n%spansPerTrace != 0 {
			t.Errorf("%s received %d spans, not a whole number of %d-span traces", backends[i].name, n, spansPerTrace)
		}
	}
	assertNoDeprecations(t, lb)
	t.Logf("spans per tier-2: %v", perSink)
}

// tier2 is one tier-2 collector (examples/tier2-respan.yaml) and its sink.
type tier2 struct {
	name string
	sink *sink.Server
	addr string
}

// startTier2s starts two tier-2 collectors, each exporting to its own
// sink; deprecation warnings are checked when the test ends.
func startTier2s(t *testing.T, apiKey string) []tier2 {
	var backends []tier2
	for i := range 2 {
		name := fmt.Sprintf("tier2-%d", i)
		s, url := startSink(t, "sink-"+name, apiKey)
		addr := freeAddr(t)
		col := startCollector(t, name, []string{"RESPAN_API_KEY=" + apiKey, "RESPAN_ENDPOINT=" + url}, addr,
			example("tier2-respan.yaml"),
			set("receivers::otlp::protocols::grpc::endpoint", addr),
			set("extensions::health_check::endpoint", freeAddr(t)),
			// Quick flushes keep the test short; batching is still on.
			set("exporters::respan::sending_queue::batch::flush_timeout", "300ms"),
			noSelfMetrics,
		)
		backends = append(backends, tier2{name: name, sink: s, addr: addr})
		t.Cleanup(func() { assertNoDeprecations(t, col) })
	}
	return backends
}

// waitTotal waits until the sinks together accepted n span logs.
func waitTotal(t *testing.T, n int, sinks ...*sink.Server) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		sum, counts := 0, make([]int, len(sinks))
		for i, s := range sinks {
			counts[i] = s.SpanCount()
			sum += counts[i]
		}
		if sum >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the sinks hold %v span logs, want %d in total", deliveryTimeout, counts, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTwoTierAssemblyWithLogs: the same two-tier layout with the logs
// signal routed by trace id too. Each trace is an agent run as SDKs
// export it: the chat calls and tools end and are exported first (one
// request), the root carrying the user and session ids a second later in
// another request, and the chat calls' prompts and completions travel as
// log records in requests of their own, some before and some after the
// spans. Every chat span log must carry its joined content, and every
// span the root's identifiers, all spans of a trace at one tier-2.
func TestTwoTierAssemblyWithLogs(t *testing.T) {
	const (
		traces = 20
		apiKey = "e2e-tier2-logs-key"
	)
	backends := startTier2s(t, apiKey)
	lbGRPC, lbHTTP := freeAddr(t), freeAddr(t)
	startCollector(t, "tier1", nil, lbGRPC,
		example("tier1-loadbalancer.yaml"),
		set("receivers::otlp::protocols::grpc::endpoint", lbGRPC),
		set("receivers::otlp::protocols::http::endpoint", lbHTTP),
		set("extensions::health_check::endpoint", freeAddr(t)),
		set("exporters::load_balancing::resolver::static::hostnames", fmt.Sprintf("[%s, %s]", backends[0].addr, backends[1].addr)),
		noSelfMetrics,
	)

	tp := tracerProvider(t, grpcExporter(t, lbGRPC), "agent-app")
	logs := newLogSDK(t, lbHTTP)
	tr := tp.Tracer("e2e/twotier-logs")

	type want struct{ user, session, question string }
	wants := map[string]want{} // span id → expectations (chat spans have a question)
	var roots []trace.Span
	for i := range traces {
		w := want{user: fmt.Sprintf("cust-%02d", i), session: fmt.Sprintf("sess-%02d", i)}
		ctx, root := tr.Start(context.Background(), "invoke_agent helper", trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "invoke_agent"),
			attribute.String("user.id", w.user),
			attribute.String("session.id", w.session),
		))
		roots = append(roots, root)
		wants[root.SpanContext().SpanID().String()] = w
		for j := range 2 {
			cctx, chat := tr.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "chat"),
				attribute.String("gen_ai.system", "openai"),
				attribute.String("gen_ai.request.model", "gpt-4o-mini"),
				attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop"}),
				attribute.Int("gen_ai.usage.input_tokens", 10+j),
				attribute.Int("gen_ai.usage.output_tokens", 5),
			))
			cw := w
			cw.question = fmt.Sprintf("question %d of trace %d", j, i)
			logs.chatContent(cctx, cw.question, "answer to "+cw.question)
			_, tool := tr.Start(cctx, "execute_tool search", trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "execute_tool"),
				attribute.String("gen_ai.tool.name", "search"),
			))
			tool.End()
			chat.End()
			wants[chat.SpanContext().SpanID().String()] = cw
			wants[tool.SpanContext().SpanID().String()] = w
		}
		if i == traces/2 {
			logs.flush() // the first half's records travel before their spans
		}
	}
	// Children first, in their own export; the roots a second later (their
	// own export, another flush window of the sending queue); the second
	// half's records last.
	flush(t, tp)
	time.Sleep(time.Second)
	for _, r := range roots {
		r.End()
	}
	flush(t, tp)
	time.Sleep(500 * time.Millisecond)
	logs.flush()

	waitTotal(t, len(wants), backends[0].sink, backends[1].sink)
	settle()
	traceSink := map[string]int{}
	got := 0
	for i, b := range backends {
		assertClean(t, b.name, b.sink)
		for _, sl := range b.sink.Spans() {
			got++
			w, ok := wants[sl.SpanID]
			if !ok {
				t.Errorf("%s: unexpected span log %s (records must not become spans)", b.name, sl.SpanID)
				continue
			}
			if prev, ok := traceSink[sl.TraceID]; ok && prev != i {
				t.Errorf("trace %s split between tier-2 collectors", sl.TraceID)
			}
			traceSink[sl.TraceID] = i
			if sl.CustomerIdentifier != w.user || sl.Fields["thread_identifier"] != w.session {
				t.Errorf("%s: span %s (%s) has customer %q thread %v, want the root's %q %q",
					b.name, sl.SpanID, sl.LogType, sl.CustomerIdentifier, sl.Fields["thread_identifier"], w.user, w.session)
			}
			if w.question == "" {
				continue
			}
			prompt, _ := sl.Fields["prompt_messages"].([]any)
			completion, _ := sl.Fields["completion_message"].(map[string]any)
			if len(prompt) != 1 || fmt.Sprint(prompt[0].(map[string]any)["content"]) != w.question ||
				fmt.Sprint(completion["content"]) != "answer to "+w.question {
				t.Errorf("%s: chat span %s lacks its joined content: prompt %v completion %v warnings %v",
					b.name, sl.SpanID, prompt, completion, sl.Fields["warnings"])
			}
		}
	}
	if got != len(wants) {
		t.Errorf("%d span logs delivered, want %d", got, len(wants))
	}
	if len(traceSink) != traces {
		t.Errorf("%d traces arrived, want %d", len(traceSink), traces)
	}
}
