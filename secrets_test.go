// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.uber.org/zap/zaptest/observer"
)

const testHeaderSecret = "hdr-secret-9876543210"

// echoCredentials answers status with a body quoting the request's
// credentials, as some misbehaving gateways do.
func echoCredentials(status int) func(int, received, http.ResponseWriter) {
	return func(_ int, r received, w http.ResponseWriter) {
		reply(w, status, fmt.Sprintf(`{"detail":"denied for Authorization: %s (x-api-key %s)","message":%q}`,
			r.header.Get("Authorization"), r.header.Get("X-Api-Key"), "key "+strings.TrimPrefix(r.header.Get("Authorization"), "Bearer ")))
	}
}

// allLogText flattens every observed log entry, fields included.
func allLogText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		fmt.Fprintf(&b, "%s %v\n", e.Message, e.ContextMap())
	}
	return b.String()
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := newIngestServer(t, echoCredentials(status))
			cfg := testConfig(srv.URL)
			cfg.ClientConfig.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: testHeaderSecret}}
			cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
			cfg.RetryConfig.Enabled = false // the exporterhelper logs the final error
			env := newTestEnv(t, cfg)
			te, err := wrapExporter(context.Background(), env.set, env.exp)
			require.NoError(t, err)
			require.NoError(t, te.Start(context.Background(), componenttest.NewNopHost()))

			err = te.ConsumeTraces(context.Background(), makeTraces(1, 1, 2))
			require.NoError(t, te.Shutdown(context.Background()))

			require.Error(t, err)
			reqs := srv.requests()
			require.NotEmpty(t, reqs)
			assert.Equal(t, "Bearer "+testAPIKey, reqs[0].header.Get("Authorization"), "the key was really sent")
			assert.Contains(t, err.Error(), "[REDACTED]", "the echoed credentials were scrubbed")

			haystacks := map[string]string{
				"error":  err.Error(),
				"logs":   allLogText(env.logs),
				"config": fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg.APIKey),
			}
			for _, r := range reqs {
				haystacks["url"] += r.url + "\n"
			}
			require.NotEmpty(t, haystacks["logs"], "the failure must be logged")
			for where, text := range haystacks {
				assert.NotContains(t, text, testAPIKey, "api_key leaked into %s", where)
				assert.NotContains(t, text, testHeaderSecret, "header secret leaked into %s", where)
			}
		})
	}
}

func TestURLCredentialsNeverLeakFromNetworkErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	cfg := testConfig("http://user:url-secret-123456@" + host)
	env := newTestEnv(t, cfg)

	err := env.exp.pushTraces(context.Background(), makeTraces(1, 1, 1))

	require.Error(t, err)
	assert.NotContains(t, err.Error(), "url-secret-123456")
	assert.NotContains(t, allLogText(env.logs), "url-secret-123456")
	assert.NotContains(t, err.Error(), testAPIKey)
}
