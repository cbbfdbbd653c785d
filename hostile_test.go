// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap/zapcore"

	"github.com/respanai/respanexporter/internal/translator"
)

// Hostile endpoints (issue 11): answers that are not Respan's, redirects,
// huge error lists, keys in URLs. Each case runs 1,000 spans through the
// exporter as the collector builds it (the exporterhelper with its own
// sent/failed counters), retries off so that one push is one outcome; the
// "hostile:" log lines are the figures of docs/reliability.md.

const hostileSpans = 1000

type hostileRun struct {
	err                    error
	sent, failed, spanErrs int64
	logs                   string
	warns                  string
}

func runHostile(t *testing.T, cfg *Config) hostileRun {
	t.Helper()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	env := newTestEnv(t, cfg)
	te, err := wrapExporter(context.Background(), env.set, env.exp)
	require.NoError(t, err)
	require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))
	err = te.ConsumeTraces(context.Background(), makeTraces(1, 1, hostileSpans))
	require.NoError(t, te.Shutdown(context.Background()))
	var warns strings.Builder
	for _, e := range env.logs.FilterLevelExact(zapcore.WarnLevel).All() {
		fmt.Fprintf(&warns, "%s %v\n", e.Message, e.ContextMap())
	}
	r := hostileRun{
		err:      err,
		sent:     env.counter(t, "otelcol_exporter_sent_spans"),
		failed:   env.counter(t, "otelcol_exporter_send_failed_spans"),
		spanErrs: env.counter(t, "otelcol_exporter_respan_span_errors"),
		logs:     allLogText(env.logs),
		warns:    warns.String(),
	}
	t.Logf("hostile: %s: sent_spans=%d send_failed_spans=%d span_errors=%d error=%v", t.Name(), r.sent, r.failed, r.spanErrs, err)
	return r
}

// TestHostileHTMLSuccessIsNotDelivery: a 200 with an HTML page (captive
// portal, proxy login) used to count all 1,000 spans as sent.
func TestHostileHTMLSuccessIsNotDelivery(t *testing.T) {
	page := "<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head><body>Log in to continue " + strings.Repeat("x", 4096) + "</body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)

	r := runHostile(t, testConfig(srv.URL))

	require.Error(t, r.err)
	assert.False(t, consumererror.IsPermanent(r.err), "a portal is usually transient: retryable")
	assert.Contains(t, r.err.Error(), `Content-Type "text/html; charset=utf-8"`)
	assert.Contains(t, r.err.Error(), `<!DOCTYPE html> <html><head><title>Hotel Wi-Fi`, "the first bytes, control characters flattened")
	assert.Less(t, len(r.err.Error()), 600, "bounded: not the whole page")
	assert.Zero(t, r.sent)
	assert.Equal(t, int64(hostileSpans), r.failed)
}

// TestHostileLargeErrorListIsCounted: a fully rejected batch of 1,000 spans
// (~80 KB of errors) used to be cut at 64 KiB, fail to parse, and count 0.
func TestHostileLargeErrorListIsCounted(t *testing.T) {
	srv := newIngestServer(t, func(_ int, r received, w http.ResponseWriter) {
		var b strings.Builder
		b.WriteString(`{"status":"partial","ingested_spans":0,"errors":[`)
		for i, id := range r.ids {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"span_unique_id":%q,"error":"model field rejected: unknown provider"}`, id)
		}
		b.WriteString(`]}`)
		require.Greater(t, b.Len(), 64<<10)
		reply(w, http.StatusOK, b.String())
	})

	r := runHostile(t, testConfig(srv.URL))

	require.NoError(t, r.err, "the server took the request")
	assert.Equal(t, int64(hostileSpans), r.spanErrs, "each error counted")
	assert.Contains(t, r.warns, "per-span errors")
	assert.Contains(t, r.warns, "span_errors:1000")
}

// TestHostileRedirectIsNotFollowed: a 302 to a landing page was followed
// as a GET and counted as delivered; a 307 from https to http on the same
// host resent the POST with its Authorization header in clear text.
func TestHostileRedirectIsNotFollowed(t *testing.T) {
	var plainHits atomic.Int32
	var plainAuth atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		plainAuth.Store(r.Header.Get("Authorization"))
		reply(w, http.StatusOK, `{"status":"ok"}`)
	}))
	t.Cleanup(plain.Close)
	for _, tc := range []struct {
		name   string
		status int
		tls    bool
	}{
		{"302 to a landing page", http.StatusFound, false},
		{"307 https to http", http.StatusTemporaryRedirect, true},
		{"308", http.StatusPermanentRedirect, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plainHits.Store(0)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", plain.URL+"/landing?session=sess-secret-42")
				w.WriteHeader(tc.status)
			})
			srv := httptest.NewUnstartedServer(h)
			if tc.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			cfg := testConfig(srv.URL)
			cfg.ClientConfig.TLS.InsecureSkipVerify = true

			r := runHostile(t, cfg)

			require.Error(t, r.err)
			assert.True(t, consumererror.IsPermanent(r.err), "retrying gets the same redirect")
			assert.Contains(t, r.err.Error(), "redirect")
			assert.Contains(t, r.err.Error(), "Location "+plain.URL+"/landing?session=[REDACTED]")
			assert.NotContains(t, r.logs+r.err.Error(), "sess-secret-42")
			assert.Zero(t, plainHits.Load(), "the redirect target got nothing")
			assert.Zero(t, r.sent)
			assert.Equal(t, int64(hostileSpans), r.failed)
		})
	}
}

// TestHostileKeyInURLIsRedacted: a key in traces_endpoint's query string
// or userinfo appears in no log line and no error.
func TestHostileKeyInURLIsRedacted(t *testing.T) {
	srv := newIngestServer(t, statusSeq(http.StatusBadRequest))
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := testConfig(srv.URL)
	cfg.TracesEndpoint = "http://user:userinfo-secret-77@" + host + "/api/v1/traces/ingest?api_key=query-secret-99&x=1"
	r := runHostile(t, cfg)
	require.Error(t, r.err)
	assert.Contains(t, r.logs, "api_key=[REDACTED]", "the start-up line shows the URL's shape")
	for _, secret := range []string{"query-secret-99", "userinfo-secret-77"} {
		assert.NotContains(t, r.logs, secret)
		assert.NotContains(t, r.err.Error(), secret)
	}
}

// TestHostilePlainHTTPKeyWarning: one warning at start when the key goes
// over plain http to a host that is not loopback; none for loopback or
// https.
func TestHostilePlainHTTPKeyWarning(t *testing.T) {
	for _, tc := range []struct {
		url  string
		warn bool
	}{
		{"http://respan.internal.example:8080/api", true},
		{"http://10.1.2.3/api", true},
		{"https://api.respan.ai/api", false},
		{"http://localhost:4318/api", false},
		{"http://127.0.0.1:4318/api", false},
		{"http://[::1]:4318/api", false},
	} {
		cfg := createDefaultConfig().(*Config)
		cfg.ClientConfig.Endpoint = tc.url
		cfg.APIKey = testAPIKey
		env := newTestEnv(t, cfg)
		warns := env.logs.FilterMessageSnippet("plain http").All()
		if tc.warn {
			require.Len(t, warns, 1, tc.url)
			assert.NotContains(t, allLogText(env.logs), testAPIKey)
		} else {
			assert.Empty(t, warns, tc.url)
		}
	}
}

// TestHostileHugeMetadataSpanIsCutNotEmptied: a span over 5 MiB of
// metadata (max_request_bytes) used to lose every metadata key and gain an
// invented input; now its largest values are cut, its keys stay, no input
// appears, and one log line per push says what was cut.
func TestHostileHugeMetadataSpanIsCutNotEmptied(t *testing.T) {
	s, cfg := sinkServer(t)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	env := newTestEnv(t, cfg)
	env.exp.translate = func(td ptrace.Traces) *translator.Result {
		res := idTranslate(td)
		for _, l := range res.Logs {
			l.StartUnixNano, l.EndUnixNano = uint64(time.Second), uint64(2*time.Second)
			for i := 0; i < 6; i++ {
				l.SetMetadata(fmt.Sprintf("blob%d", i), strings.Repeat("x", 1<<20))
			}
			l.SetMetadata("customer_tier", "gold")
		}
		return res
	}
	require.NoError(t, env.exp.pushTraces(context.Background(), makeTraces(1, 1, 2)))

	require.Equal(t, 2, s.SpanCount())
	for _, got := range s.Spans() {
		_, hasInput := got.Fields["input"]
		assert.False(t, hasInput, "no invented input")
		assert.Len(t, got.Metadata, 7, "every metadata key kept")
		assert.Equal(t, "gold", got.Metadata["customer_tier"])
		assert.LessOrEqual(t, len(got.Raw), cfg.MaxRequestBytes)
	}
	warns := env.logs.FilterMessage("Spans larger than a request were cut to fit").All()
	require.Len(t, warns, 1, "one line per push")
	assert.Equal(t, int64(2), warns[0].ContextMap()["spans"])
	assert.Contains(t, warns[0].ContextMap()["cut"], "metadata.blob0")
	t.Logf("hostile: %s: delivered=%d metadata_keys=%d log=%q", t.Name(), s.SpanCount(), len(s.Spans()[0].Metadata), warns[0].ContextMap()["cut"])
}
