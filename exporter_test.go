// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/respanai/respanexporter/internal/delivery"
	"github.com/respanai/respanexporter/internal/metadatatest"
	"github.com/respanai/respanexporter/internal/translator"
)

func okServer(t *testing.T) *ingestServer {
	return newIngestServer(t, func(_ int, _ received, w http.ResponseWriter) {
		reply(w, http.StatusOK, `{"status":"ok"}`)
	})
}

// statusSeq answers request n with statuses[n] (200 past the end).
func statusSeq(statuses ...int) func(int, received, http.ResponseWriter) {
	return func(n int, _ received, w http.ResponseWriter) {
		status := http.StatusOK
		if n < len(statuses) {
			status = statuses[n]
		}
		reply(w, status, `{"detail":"status `+http.StatusText(status)+`"}`)
	}
}

func TestPushSendsJSONArrayWithHeaders(t *testing.T) {
	srv := newIngestServer(t, func(_ int, _ received, w http.ResponseWriter) {
		reply(w, http.StatusOK, `{"status":"ok","ingested_spans":3,"created_traces":1,"trace_ids":["x"],"errors":[]}`)
	})
	env := newTestEnv(t, testConfig(srv.URL))
	td := makeTraces(1, 1, 3)

	require.NoError(t, env.exp.pushTraces(context.Background(), td))

	reqs := srv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/api/v1/traces/ingest", r.url)
	assert.Equal(t, "Bearer "+testAPIKey, r.header.Get("Authorization"))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Regexp(t, `^respanexporter/\S+ \(otelcol-test/1\.2\.3\)$`, r.header.Get("User-Agent"))
	assert.Empty(t, r.header.Get("Content-Encoding"), "no compression by default")
	assert.True(t, json.Valid(r.body))
	assert.Equal(t, spanIDsOf(td), r.ids)

	metadatatest.AssertEqualExporterRespanRequests(t, env.tt, []metricdata.DataPoint[int64]{{
		Attributes: attribute.NewSet(attribute.String("outcome", "success"), attribute.Int("http.response.status_code", 200)),
		Value:      1,
	}}, metricdatatest.IgnoreTimestamp())
	count, sum := env.histogram(t, "otelcol_exporter_respan_request_size")
	assert.Equal(t, uint64(1), count)
	assert.Equal(t, int64(len(r.body)), sum)
	assert.Zero(t, env.counter(t, "otelcol_exporter_respan_spans_dropped"))
}

func TestTracesEndpointUsedVerbatim(t *testing.T) {
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.TracesEndpoint = srv.URL + "/api/traces/ingest/"
	env := newTestEnv(t, cfg)
	require.NoError(t, env.exp.pushTraces(context.Background(), makeTraces(1, 1, 1)))
	require.Len(t, srv.requests(), 1)
	assert.Equal(t, "/api/traces/ingest/", srv.requests()[0].url)
}

func TestEndpointTrailingSlashStripped(t *testing.T) {
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.ClientConfig.Endpoint = srv.URL + "/api/"
	env := newTestEnv(t, cfg)
	require.NoError(t, env.exp.pushTraces(context.Background(), makeTraces(1, 1, 1)))
	assert.Equal(t, "/api/v1/traces/ingest", srv.requests()[0].url)
}

func TestConfiguredAuthorizationHeaderWins(t *testing.T) {
	for name, key := range map[string]configopaque.String{"with api_key": testAPIKey, "without api_key": ""} {
		t.Run(name, func(t *testing.T) {
			srv := okServer(t)
			cfg := testConfig(srv.URL)
			cfg.APIKey = key
			cfg.ClientConfig.Headers = configopaque.MapList{{Name: "authorization", Value: "Bearer from-headers"}}
			env := newTestEnv(t, cfg)
			require.NoError(t, env.exp.pushTraces(context.Background(), makeTraces(1, 1, 1)))
			assert.Equal(t, []string{"Bearer from-headers"}, srv.requests()[0].header.Values("Authorization"))
		})
	}
}

func TestSuccessBodiesAreReadLeniently(t *testing.T) {
	for _, tc := range []struct {
		name       string
		body       string
		spanErrors int64
	}{
		{"empty", "", 0},
		{"documented", `{"status":"ok","ingested_spans":3,"created_traces":1,"trace_ids":["t"],"errors":[]}`, 0},
		{"message only", `{"message":"Processed 3 spans"}`, 0},
		{"legacy", `{"success":true,"ingested_count":3}`, 0},
		{"array", `[1,2,3]`, 0},
		{"truncated json", `{"errors":[{"span`, 0},
		{"null errors", `{"errors":null}`, 0},
		{"huge", `{"padding":"` + strings.Repeat("x", 300<<10) + `"}`, 0},
		{"per-span errors", `{"status":"ok","errors":[{"span_unique_id":"a","error":"bad model"},{"span_unique_id":"b","error":"bad input"}]}`, 2},
		{"errors object", `{"errors":{"aa00000000000000":"bad"}}`, 1},
		{"errors string", `{"errors":"one span was invalid"}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIngestServer(t, func(_ int, _ received, w http.ResponseWriter) {
				reply(w, http.StatusOK, tc.body)
			})
			env := newTestEnv(t, testConfig(srv.URL))
			require.NoError(t, env.exp.pushTraces(context.Background(), makeTraces(1, 1, 3)))

			assert.Equal(t, tc.spanErrors, env.counter(t, "otelcol_exporter_respan_span_errors"))
			warns := env.logs.FilterMessageSnippet("per-span errors").All()
			if tc.spanErrors > 0 {
				require.Len(t, warns, 1, "one log line per request, not per span")
				assert.Equal(t, tc.spanErrors, warns[0].ContextMap()["span_errors"])
			} else {
				assert.Empty(t, warns)
			}
		})
	}
}

func TestPermanentStatuses(t *testing.T) {
	for _, tc := range []struct {
		status     int
		body       string
		wantText   string
		stopsEarly bool // a bad key or URL fails every chunk alike
	}{
		{http.StatusBadRequest, `{"detail":"Invalid request format"}`, "respan: payload rejected (HTTP 400 Bad Request): server said: Invalid request format", false},
		{http.StatusUnauthorized, `{"detail":"Your API key is invalid or expired"}`, "respan: API key rejected (HTTP 401 Unauthorized): check api_key", true},
		{http.StatusForbidden, ``, "respan: API key rejected (HTTP 403 Forbidden): check api_key", true},
		{http.StatusNotFound, `<html>Not Found</html>`, "respan: wrong endpoint (HTTP 404 Not Found from http://", true},
		{http.StatusUnprocessableEntity, `{"detail":"Validation error","errors":{"span_unique_id":["required"]}}`, `respan: payload rejected (HTTP 422 Unprocessable Entity): server said: Validation error; errors: {"span_unique_id":["required"]}`, false},
		{http.StatusTeapot, ``, "respan: request rejected (HTTP 418 I'm a teapot from http://", false},
		{http.StatusMethodNotAllowed, ``, "respan: request rejected (HTTP 405 Method Not Allowed", false},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := newIngestServer(t, func(_ int, _ received, w http.ResponseWriter) {
				reply(w, tc.status, tc.body)
			})
			cfg := testConfig(srv.URL)
			cfg.MaxRequestBytes = 1024 // 25 spans need several requests
			env := newTestEnv(t, cfg)
			td := makeTraces(1, 1, 25)

			err := env.exp.pushTraces(context.Background(), td)

			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err), "HTTP %d must not be retried", tc.status)
			assert.Contains(t, err.Error(), tc.wantText)
			assert.Contains(t, err.Error(), "25 of 25 span(s) not delivered (0 delivered)")
			assert.NotContains(t, err.Error(), testAPIKey)
			n := len(srv.requests())
			if tc.stopsEarly {
				assert.Equal(t, 1, n, "the other chunks would fail alike")
			} else {
				assert.Greater(t, n, 1, "every chunk is tried")
			}
			assert.Equal(t, int64(25), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=rejected"))
			assert.Equal(t, int64(n), env.counter(t, "otelcol_exporter_respan_requests", "outcome=permanent"))
		})
	}
}

var throttleRE = regexp.MustCompile(`^Throttle \(([^)]+)\), error: `)

// throttleDelay extracts the delay of an exporterhelper throttle error
// (its type is unexported; its message format is stable).
func throttleDelay(t *testing.T, err error) (time.Duration, bool) {
	t.Helper()
	m := throttleRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	d, perr := time.ParseDuration(m[1])
	require.NoError(t, perr)
	return d, true
}

func TestRetryableStatuses(t *testing.T) {
	for _, tc := range []struct {
		status   int
		wantText string
	}{
		{http.StatusTooManyRequests, "respan: rate limited (HTTP 429 Too Many Requests)"},
		{http.StatusInternalServerError, "respan: server error (HTTP 500 Internal Server Error)"},
		{http.StatusBadGateway, "respan: server error (HTTP 502 Bad Gateway)"},
		{http.StatusServiceUnavailable, "respan: server error (HTTP 503 Service Unavailable)"},
		{http.StatusGatewayTimeout, "respan: server error (HTTP 504 Gateway Timeout)"},
		{599, "respan: server error (HTTP 599 )"},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := newIngestServer(t, statusSeq(tc.status, tc.status, tc.status))
			cfg := testConfig(srv.URL)
			cfg.MaxRequestBytes = 1024
			env := newTestEnv(t, cfg)

			err := env.exp.pushTraces(context.Background(), makeTraces(1, 1, 25))

			require.Error(t, err)
			assert.False(t, consumererror.IsPermanent(err))
			assert.Contains(t, err.Error(), tc.wantText)
			var partial consumererror.Traces
			assert.False(t, errors.As(err, &partial), "nothing was delivered: retry the batch as is")
			_, throttled := throttleDelay(t, err)
			assert.False(t, throttled, "no Retry-After, no throttle")
			assert.Len(t, srv.requests(), 1, "stop at the first retryable failure")
			assert.Zero(t, env.counter(t, "otelcol_exporter_respan_spans_dropped"))
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		header   func() string
		body     string
		min, max time.Duration
	}{
		{"429 delta-seconds", 429, func() string { return "2" }, "", 2 * time.Second, 2 * time.Second},
		{"503 HTTP-date", 503, func() string { return time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat) }, "", 28 * time.Second, 30 * time.Second},
		{"429 body retry_after", 429, func() string { return "" }, `{"detail":"Rate limit exceeded","retry_after":3}`, 3 * time.Second, 3 * time.Second},
		{"header wins over body", 429, func() string { return "4" }, `{"retry_after":60}`, 4 * time.Second, 4 * time.Second},
		{"absurd value capped", 429, func() string { return "86400" }, "", delivery.MaxRetryAfter, delivery.MaxRetryAfter},
		{"500 with Retry-After", 500, func() string { return "1" }, "", time.Second, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIngestServer(t, func(_ int, _ received, w http.ResponseWriter) {
				if h := tc.header(); h != "" {
					w.Header().Set("Retry-After", h)
				}
				reply(w, tc.status, tc.body)
			})
			env := newTestEnv(t, testConfig(srv.URL))

			err := env.exp.pushTraces(context.Background(), makeTraces(1, 1, 2))

			require.Error(t, err)
			assert.False(t, consumererror.IsPermanent(err))
			d, ok := throttleDelay(t, err)
			require.True(t, ok, "want a throttle error, got %v", err)
			assert.GreaterOrEqual(t, d, tc.min)
			assert.LessOrEqual(t, d, tc.max)
		})
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	env := newTestEnv(t, testConfig(url))

	err := env.exp.pushTraces(context.Background(), makeTraces(1, 1, 2))

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "respan: sending request")
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_requests", "outcome=retryable", "http.response.status_code=0"))
}

// rejectOver answers 413 to bodies over limit bytes and 200 otherwise.
func rejectOver(limit int) func(int, received, http.ResponseWriter) {
	return func(_ int, r received, w http.ResponseWriter) {
		if len(r.body) > limit {
			reply(w, http.StatusRequestEntityTooLarge, `{"detail":"Request body too large"}`)
			return
		}
		reply(w, http.StatusOK, `{"status":"ok"}`)
	}
}

func acceptedUnder(limit int) func(int, received) bool {
	return func(_ int, r received) bool { return len(r.body) <= limit }
}

func TestRequestTooLargeIsSplitInHalves(t *testing.T) {
	const limit = 700
	srv := newIngestServer(t, rejectOver(limit))
	env := newTestEnv(t, testConfig(srv.URL)) // 5 MiB cap: one request at first
	td := makeTraces(2, 2, 10)

	require.NoError(t, env.exp.pushTraces(context.Background(), td))

	reqs := srv.requests()
	require.Greater(t, len(reqs), 2)
	assert.Len(t, reqs[0].ids, 40, "the first attempt carries the whole batch")
	got := idsOf(reqs, acceptedUnder(limit))
	assert.Equal(t, spanIDsOf(td), got, "every span arrives exactly once, in order")
	assert.Positive(t, env.counter(t, "otelcol_exporter_respan_requests", "outcome=too_large", "http.response.status_code=413"))
	assert.Zero(t, env.counter(t, "otelcol_exporter_respan_spans_dropped"))
}

func TestRequestTooLargeSingleSpanIsShrunkOrDropped(t *testing.T) {
	const limit = 4096
	srv := newIngestServer(t, rejectOver(limit))
	env := newTestEnv(t, testConfig(srv.URL))
	td := makeTraces(1, 1, 3)
	bigID := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).SpanID().String()
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).Attributes().PutStr("input.value", strings.Repeat("a", 20000))

	err := env.exp.pushTraces(context.Background(), td)

	got := idsOf(srv.requests(), acceptedUnder(limit))
	if slices.Contains(got, bigID) {
		// SpanLog.Shrink cut the input until the server took it.
		require.NoError(t, err)
		assert.Equal(t, spanIDsOf(td), got)
		assert.Zero(t, env.counter(t, "otelcol_exporter_respan_spans_dropped"))
	} else {
		require.Error(t, err)
		assert.True(t, consumererror.IsPermanent(err))
		assert.Contains(t, err.Error(), "too large (HTTP 413)")
		assert.Contains(t, err.Error(), "1 of 3 span(s) not delivered (2 delivered)")
		assert.ElementsMatch(t, slices.DeleteFunc(spanIDsOf(td), func(id string) bool { return id == bigID }), got)
		assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=too_large"))
	}
}

// hugeIDLog is a span log that Shrink cannot make small: only content
// fields can be cut, never the ids.
func hugeIDLog(src translator.SourceRef) *translator.SpanLog {
	return &translator.SpanLog{TraceID: strings.Repeat("f", 3000), SpanID: "bb00000000000001", SpanName: "huge", Source: src}
}

func TestRequestTooLargeUnshrinkableSpanIsDropped(t *testing.T) {
	const limit = 2500
	srv := newIngestServer(t, rejectOver(limit))
	env := newTestEnv(t, testConfig(srv.URL))
	td := makeTraces(1, 1, 3)
	env.exp.translate = func(td ptrace.Traces) *translator.Result {
		res := idTranslate(td)
		res.Logs[1] = hugeIDLog(res.Logs[1].Source)
		return res
	}

	err := env.exp.pushTraces(context.Background(), td)

	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "span rejected as too large (HTTP 413) even after shrinking its content; dropped [1 span(s)]")
	ids := spanIDsOf(td)
	assert.Equal(t, []string{ids[0], ids[2]}, idsOf(srv.requests(), acceptedUnder(limit)))
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=too_large"))
}

func TestSpanLargerThanMaxRequestBytesIsDroppedBeforeSending(t *testing.T) {
	srv := okServer(t)
	cfg := testConfig(srv.URL)
	cfg.MaxRequestBytes = 2048
	env := newTestEnv(t, cfg)
	td := makeTraces(1, 1, 4)
	env.exp.translate = func(td ptrace.Traces) *translator.Result {
		res := idTranslate(td)
		res.Logs[2] = hugeIDLog(res.Logs[2].Source)
		return res
	}

	err := env.exp.pushTraces(context.Background(), td)

	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "span larger than max_request_bytes (2048) even after shrinking its content; dropped [1 span(s)]")
	ids := spanIDsOf(td)
	assert.Equal(t, []string{ids[0], ids[1], ids[3]}, idsOf(srv.requests(), func(int, received) bool { return true }))
	for _, r := range srv.requests() {
		assert.NotContains(t, string(r.body), "huge")
	}
	assert.Equal(t, int64(1), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=too_large"))
}

func TestMaxRequestBytesIsEnforcedOnEveryRequest(t *testing.T) {
	for _, compression := range []configcompression.Type{"none", configcompression.TypeGzip, configcompression.TypeZstd} {
		t.Run(string(compression), func(t *testing.T) {
			srv := okServer(t)
			cfg := testConfig(srv.URL)
			cfg.MaxRequestBytes = 2048
			cfg.ClientConfig.Compression = compression
			env := newTestEnv(t, cfg)
			td := makeTraces(3, 2, 20)
			// Spans of varied size, some close to the cap.
			for i := 0; i < 3; i++ {
				spans := td.ResourceSpans().At(i).ScopeSpans().At(0).Spans()
				for j := 0; j < spans.Len(); j++ {
					spans.At(j).Attributes().PutStr("input.value", strings.Repeat("x", (i*700+j*97)%1800))
				}
			}

			require.NoError(t, env.exp.pushTraces(context.Background(), td))

			reqs := srv.requests()
			require.Greater(t, len(reqs), 5)
			for _, r := range reqs {
				assert.LessOrEqual(t, len(r.body), 2048, "uncompressed body over the cap")
				var arr []json.RawMessage
				require.NoError(t, json.Unmarshal(r.body, &arr), "each body is a JSON array")
				assert.NotEmpty(t, arr)
				if compression.IsCompressed() {
					assert.Equal(t, string(compression), r.header.Get("Content-Encoding"))
					assert.NotEqual(t, r.raw, r.body, "the wire body is compressed")
				} else {
					assert.Empty(t, r.header.Get("Content-Encoding"))
				}
			}
			assert.Equal(t, spanIDsOf(td), idsOf(reqs, func(int, received) bool { return true }))
		})
	}
}

func TestPartialRetryableFailureReturnsOnlyUnsentSpans(t *testing.T) {
	srv := newIngestServer(t, statusSeq(http.StatusOK, http.StatusServiceUnavailable))
	cfg := testConfig(srv.URL)
	cfg.MaxRequestBytes = 1024
	env := newTestEnv(t, cfg)
	td := makeTraces(3, 2, 5)

	err := env.exp.pushTraces(context.Background(), td)

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	var partial consumererror.Traces
	require.True(t, errors.As(err, &partial))
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	all := spanIDsOf(td)
	delivered := reqs[0].ids
	require.NotEmpty(t, delivered)
	assert.Equal(t, all[len(delivered):], spanIDsOf(partial.Data()), "only the spans not yet delivered")

	// Resources and scopes of the unsent spans are kept.
	unsent := partial.Data()
	for r := 0; r < unsent.ResourceSpans().Len(); r++ {
		rs := unsent.ResourceSpans().At(r)
		res, ok := rs.Resource().Attributes().Get("res")
		require.True(t, ok)
		assert.Equal(t, "https://opentelemetry.io/schemas/1.26.0", rs.SchemaUrl())
		for s := 0; s < rs.ScopeSpans().Len(); s++ {
			ss := rs.ScopeSpans().At(s)
			assert.Regexp(t, `^scope-[ab]$`, ss.Scope().Name())
			for i := 0; i < ss.Spans().Len(); i++ {
				assert.Equal(t, byte(res.Int()+1), ss.Spans().At(i).TraceID()[15], "span stays under its own resource")
			}
		}
	}
	assert.Equal(t, 30, td.SpanCount(), "the input is not modified")
}

func TestPartialPermanentThenRetryable(t *testing.T) {
	srv := newIngestServer(t, statusSeq(http.StatusBadRequest, http.StatusOK, http.StatusBadGateway))
	cfg := testConfig(srv.URL)
	cfg.MaxRequestBytes = 1024
	env := newTestEnv(t, cfg)
	td := makeTraces(1, 1, 30)

	err := env.exp.pushTraces(context.Background(), td)

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "the unsent spans must still be retried")
	assert.Contains(t, err.Error(), "server error (HTTP 502 Bad Gateway)")
	assert.Contains(t, err.Error(), "payload rejected (HTTP 400 Bad Request)")
	var partial consumererror.Traces
	require.True(t, errors.As(err, &partial))
	reqs := srv.requests()
	require.Len(t, reqs, 3)
	settled := len(reqs[0].ids) + len(reqs[1].ids)
	assert.Equal(t, spanIDsOf(td)[settled:], spanIDsOf(partial.Data()))
	assert.Equal(t, int64(len(reqs[0].ids)), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=rejected"))
}

func TestPartialPermanentFailureKeepsSendingOtherChunks(t *testing.T) {
	srv := newIngestServer(t, statusSeq(http.StatusOK, http.StatusUnprocessableEntity))
	cfg := testConfig(srv.URL)
	cfg.MaxRequestBytes = 1024
	env := newTestEnv(t, cfg)
	td := makeTraces(1, 1, 30)

	err := env.exp.pushTraces(context.Background(), td)

	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	reqs := srv.requests()
	require.Greater(t, len(reqs), 2)
	rejected := len(reqs[1].ids)
	assert.Contains(t, err.Error(), "respan: "+strconv.Itoa(rejected)+" of 30 span(s) not delivered ("+strconv.Itoa(30-rejected)+" delivered)")
	delivered := idsOf(reqs, func(i int, _ received) bool { return i != 1 })
	assert.Len(t, delivered, 30-rejected)
	assert.Equal(t, int64(rejected), env.counter(t, "otelcol_exporter_respan_spans_dropped", "reason=rejected"))
}

// TestRetrySenderResendsOnlyUnsentSpans runs the real exporterhelper retry
// sender: after a 503 on the second request, every span arrives exactly
// once.
func TestRetrySenderResendsOnlyUnsentSpans(t *testing.T) {
	srv := newIngestServer(t, statusSeq(http.StatusOK, http.StatusServiceUnavailable))
	cfg := testConfig(srv.URL)
	cfg.MaxRequestBytes = 1024
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	env := newTestEnv(t, cfg)
	te, err := wrapExporter(context.Background(), env.set, env.exp)
	require.NoError(t, err)
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	td := makeTraces(2, 2, 8)

	require.NoError(t, te.ConsumeTraces(context.Background(), td))
	require.NoError(t, te.Shutdown(context.Background()))

	reqs := srv.requests()
	got := idsOf(reqs, func(i int, _ received) bool { return i != 1 })
	assert.Equal(t, spanIDsOf(td), got, "delivered spans are not re-sent")
}

func TestTranslatorDropsAndTruncationsAreCounted(t *testing.T) {
	srv := okServer(t)
	env := newTestEnv(t, testConfig(srv.URL))
	env.exp.translate = func(td ptrace.Traces) *translator.Result {
		res := idTranslate(td)
		res.TruncatedFields = 3
		return res
	}
	td := makeTraces(1, 1, 3)
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetTraceID([16]byte{})
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2).SetSpanID([8]byte{})

	require.NoError(t, env.exp.pushTraces(context.Background(), td), "untranslatable spans cannot be fixed by retrying")

	metadatatest.AssertEqualExporterRespanSpansDropped(t, env.tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "missing_trace_id")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("reason", "missing_span_id")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExporterRespanFieldsTruncated(t, env.tt, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
	warns := env.logs.FilterMessage("Some spans could not be translated").All()
	require.Len(t, warns, 1, "one log line per batch")
	assert.Equal(t, int64(2), warns[0].ContextMap()["dropped_spans"])
	require.Len(t, srv.requests(), 1)
	assert.Len(t, srv.requests()[0].ids, 1)
}

func TestEmptyBatchSendsNothing(t *testing.T) {
	srv := okServer(t)
	env := newTestEnv(t, testConfig(srv.URL))
	require.NoError(t, env.exp.pushTraces(context.Background(), ptrace.NewTraces()))
	assert.Empty(t, srv.requests())
}

// TestWithRealTranslator checks the wiring to the real translator: every
// span of the batch reaches the server.
func TestWithRealTranslator(t *testing.T) {
	td := makeTraces(1, 1, 3)
	require.Len(t, translator.New(translator.DefaultOptions()).Translate(td).Logs, td.SpanCount())
	s, cfg := sinkServer(t)
	env := newTestEnv(t, cfg)
	env.exp.translate = translator.New(env.exp.cfg.translatorOptions()).Translate

	require.NoError(t, env.exp.pushTraces(context.Background(), td))

	assert.ElementsMatch(t, spanIDsOf(td), sinkIDs(s))
	assert.Empty(t, s.Violations(), "the span logs keep the ingest contract")
}

func TestShutdownWithoutStart(t *testing.T) {
	te, err := NewFactory().CreateTraces(context.Background(), newTestEnv(t, testConfig("http://localhost")).set, testConfig("http://localhost"))
	require.NoError(t, err)
	require.NoError(t, te.Shutdown(context.Background()))
}
