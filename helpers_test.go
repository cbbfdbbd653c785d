// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/respanai/respanexporter/internal/metadatatest"
	"github.com/respanai/respanexporter/internal/sink"
	"github.com/respanai/respanexporter/internal/tracetest"
	"github.com/respanai/respanexporter/internal/translator"
)

const testAPIKey = "sk-respan-test-0123456789abcdef"

// idTranslate stands in for the translator: it follows the translator's
// contract (ids, name, Source refs, drops for zero ids) without any of its
// mapping, so these tests only depend on the exporter. "input.value"
// becomes Input, so a test can make a span log big.
func idTranslate(td ptrace.Traces) *translator.Result {
	res := &translator.Result{Dropped: map[translator.DropReason]int{}}
	for r := 0; r < td.ResourceSpans().Len(); r++ {
		rs := td.ResourceSpans().At(r)
		for s := 0; s < rs.ScopeSpans().Len(); s++ {
			spans := rs.ScopeSpans().At(s).Spans()
			for i := 0; i < spans.Len(); i++ {
				sp := spans.At(i)
				switch {
				case sp.TraceID().IsEmpty():
					res.Dropped[translator.DropMissingTraceID]++
					res.Problems = append(res.Problems, "span dropped: all-zero trace id")
					continue
				case sp.SpanID().IsEmpty():
					res.Dropped[translator.DropMissingSpanID]++
					continue
				}
				l := &translator.SpanLog{
					TraceID:  sp.TraceID().String(),
					SpanID:   sp.SpanID().String(),
					SpanName: sp.Name(),
					Source:   translator.SourceRef{Resource: r, Scope: s, Span: i},
				}
				if v, ok := sp.Attributes().Get("input.value"); ok {
					l.Input = v.Str()
				}
				res.Logs = append(res.Logs, l)
			}
		}
	}
	return res
}

var (
	spanID     = tracetest.SpanID
	makeTraces = tracetest.Make
	spanIDsOf  = tracetest.SpanIDs
)

// received is one request as the test server saw it.
type received struct {
	header http.Header
	url    string
	raw    []byte // body as sent (maybe compressed)
	body   []byte // decompressed body
	ids    []string
}

// ingestServer records requests and answers with respond.
type ingestServer struct {
	*httptest.Server
	t       *testing.T
	mu      sync.Mutex
	reqs    []received
	respond func(n int, r received, w http.ResponseWriter)
}

func newIngestServer(t *testing.T, respond func(n int, r received, w http.ResponseWriter)) *ingestServer {
	s := &ingestServer{t: t, respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *ingestServer) handle(w http.ResponseWriter, req *http.Request) {
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r := received{header: req.Header.Clone(), url: req.URL.String(), raw: raw, body: raw}
	switch req.Header.Get("Content-Encoding") {
	case "gzip":
		zr, zerr := gzip.NewReader(bytes.NewReader(raw))
		if zerr == nil {
			r.body, zerr = io.ReadAll(zr)
		}
		if zerr != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
	case "zstd":
		zr, zerr := zstd.NewReader(bytes.NewReader(raw))
		if zerr == nil {
			r.body, zerr = io.ReadAll(zr)
			zr.Close()
		}
		if zerr != nil {
			http.Error(w, "bad zstd", http.StatusBadRequest)
			return
		}
	}
	var arr []map[string]any
	if json.Unmarshal(r.body, &arr) == nil {
		for _, o := range arr {
			id, _ := o["span_unique_id"].(string)
			r.ids = append(r.ids, id)
		}
	}
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	if s.respond == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.respond(n, r, w)
}

func (s *ingestServer) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

// idsOf lists the span ids of the requests keep selects.
func idsOf(reqs []received, keep func(i int, r received) bool) []string {
	var out []string
	for i, r := range reqs {
		if keep(i, r) {
			out = append(out, r.ids...)
		}
	}
	return out
}

func reply(w http.ResponseWriter, status int, body string) {
	if body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// sinkServer is the project's stand-in of the ingest API (internal/sink),
// which also checks every span log against the documented contract, with
// a config pointing at it.
func sinkServer(t *testing.T) (*sink.Server, *Config) {
	t.Helper()
	s := sink.New(sink.Options{APIKey: testAPIKey})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	return s, cfg
}

// sinkIDs lists the span ids the sink accepted, in arrival order.
func sinkIDs(s *sink.Server) []string {
	var out []string
	for _, l := range s.Spans() {
		out = append(out, l.SpanID)
	}
	return out
}

// testConfig is a valid config pointing at url with the test key. Trace
// waiting is off: these tests are about sending what arrives; the
// assembly stage has its own tests (internal/assembly, assembly_test.go).
func testConfig(url string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.ClientConfig.Endpoint = url + "/api"
	cfg.APIKey = testAPIKey
	cfg.Assembly.WaitForTraces = false
	return cfg
}

// testEnv is an exporter wired to a test server, with observable logs and
// metrics.
type testEnv struct {
	exp  *respanExporter
	logs *observer.ObservedLogs
	tt   *componenttest.Telemetry
	set  exporter.Settings
}

func newTestEnv(t *testing.T, cfg *Config) *testEnv {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)
	set.Logger = zap.New(core)
	set.BuildInfo = component.BuildInfo{Command: "otelcol-test", Version: "1.2.3"}
	exp, err := newExporter(cfg, set)
	require.NoError(t, err)
	exp.translate = idTranslate
	require.NoError(t, exp.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.shutdown(context.Background())) })
	return &testEnv{exp: exp, logs: logs, tt: tt, set: set}
}

// counter sums an int counter's data points whose attributes contain all
// of attrs (key=value strings); 0 when the metric was never recorded.
func (e *testEnv) counter(t *testing.T, name string, attrs ...string) int64 {
	t.Helper()
	m, err := e.tt.GetMetric(name)
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is not an int sum", name)
	var total int64
	for _, dp := range sum.DataPoints {
		match := true
		for _, kv := range attrs {
			k, v, _ := strings.Cut(kv, "=")
			got, found := dp.Attributes.Value(attribute.Key(k))
			if !found || got.String() != v {
				match = false
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}

// histogram returns count and sum of all points of an int histogram.
func (e *testEnv) histogram(t *testing.T, name string) (count uint64, sum int64) {
	t.Helper()
	m, err := e.tt.GetMetric(name)
	require.NoError(t, err)
	h, ok := m.Data.(metricdata.Histogram[int64])
	require.True(t, ok)
	for _, dp := range h.DataPoints {
		count += dp.Count
		sum += dp.Sum
	}
	return count, sum
}
