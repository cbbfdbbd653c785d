// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// splitSpans writes each span of td into its own request, round robin over
// n files, so that every trace is spread over all of them.
func splitSpans(t *testing.T, td ptrace.Traces, n int) []string {
	t.Helper()
	parts := make([][]byte, n)
	i := 0
	rss := td.ResourceSpans()
	for ri := 0; ri < rss.Len(); ri++ {
		rs := rss.At(ri)
		for si := 0; si < rs.ScopeSpans().Len(); si++ {
			ss := rs.ScopeSpans().At(si)
			for k := 0; k < ss.Spans().Len(); k++ {
				one := ptrace.NewTraces()
				drs := one.ResourceSpans().AppendEmpty()
				rs.Resource().CopyTo(drs.Resource())
				dss := drs.ScopeSpans().AppendEmpty()
				ss.Scope().CopyTo(dss.Scope())
				ss.Spans().At(k).CopyTo(dss.Spans().AppendEmpty())
				parts[i%n] = append(append(parts[i%n], marshal(t, one)...), '\n')
				i++
			}
		}
	}
	names := make([]string, n)
	for j := range parts {
		names[j] = writeFile(t, "part.jsonl", parts[j])
	}
	return names
}

// byID indexes span logs by span_unique_id, as canonical JSON.
func byID(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range logsOf(t, out) {
		b, _ := json.Marshal(l)
		m[l["span_unique_id"].(string)] = string(b)
	}
	return m
}

func TestConvertGroupsTracesAcrossFilesAndBuckets(t *testing.T) {
	all := ptrace.NewTraces()
	for seed := byte(1); seed <= 12; seed++ {
		buildTraces(seed).ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	whole := writeFile(t, "whole.json", marshal(t, all))
	want := runCLI("", "convert", whole)
	if want.code != exitOK {
		t.Fatalf("convert: %d %s", want.code, want.stderr)
	}
	parts := splitSpans(t, all, 3)
	// A tiny group budget forces the temporary buckets.
	got := runCLI("", append([]string{"convert", "-group-bytes", "2000"}, parts...)...)
	if got.code != exitOK {
		t.Fatalf("convert parts: %d %s", got.code, got.stderr)
	}
	w, g := byID(t, want.stdout), byID(t, got.stdout)
	if len(w) != 36 || len(g) != len(w) {
		t.Fatalf("%d span logs from parts, %d from the whole", len(g), len(w))
	}
	for id, l := range w {
		if g[id] != l {
			t.Errorf("span %s differs when its trace is spread over files:\n got %s\nwant %s", id, g[id], l)
		}
	}
	// The same with -pretty: valid JSON, the same span logs.
	gp := runCLI("", append([]string{"convert", "-pretty", "-group-bytes", "2000"}, parts...)...)
	if gp.code != exitOK || len(byID(t, gp.stdout)) != 36 {
		t.Fatalf("-pretty: %d %s", gp.code, gp.stderr)
	}
}
