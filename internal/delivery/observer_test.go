// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/respanai/respanexporter/internal/sink"
	"github.com/respanai/respanexporter/internal/tracetest"
	"github.com/respanai/respanexporter/internal/translator"
)

// recorder is an Observer that keeps every exchange.
type recorder struct {
	mu sync.Mutex
	xs []Exchange
}

func (r *recorder) Observe(_ context.Context, x Exchange) {
	r.mu.Lock()
	r.xs = append(r.xs, x)
	r.mu.Unlock()
}

// spanLogs translates n spans, each with inputBytes of input.
func spanLogs(n int, inputBytes int) []*translator.SpanLog {
	td := tracetest.Make(1, 1, n)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < n; i++ {
		spans.At(i).SetStartTimestamp(1)
		spans.At(i).SetEndTimestamp(2)
		spans.At(i).Attributes().PutStr("input.value", strings.Repeat("x", inputBytes))
	}
	return translator.New(translator.DefaultOptions()).Translate(td).Logs
}

func newTestSender(t *testing.T, url string, settings func(*Settings)) *Sender {
	t.Helper()
	set := Settings{URL: url + "/v1/traces/ingest", Authorization: "Bearer sink-key-0123", UserAgent: "test", MaxRequestBytes: 5 << 20}
	if settings != nil {
		settings(&set)
	}
	s, err := NewSender(set, http.DefaultClient)
	require.NoError(t, err)
	return s
}

// TestObserverSeesEveryExchange: the settings' observer and the context's
// observer are each told once per HTTP request (the 413 and both halves),
// with what the request carried and what became of it.
func TestObserverSeesEveryExchange(t *testing.T) {
	s := sink.New(sink.Options{APIKey: "sink-key-0123", Faults: sink.Faults{TooLargeAbove: 6000}})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var always, perCall recorder
	snd := newTestSender(t, srv.URL, func(set *Settings) { set.Observer = &always })

	rep := snd.Send(WithObserver(context.Background(), &perCall), spanLogs(4, 2000))

	assert.Equal(t, 4, rep.Delivered)
	assert.Nil(t, rep.Retry)
	assert.Equal(t, 4, s.SpanCount())
	assert.Empty(t, s.Violations())
	require.Len(t, always.xs, 3, "413, then two halves")
	assert.Equal(t, always.xs, perCall.xs, "both observers see the same exchanges")
	first := always.xs[0]
	assert.Equal(t, http.StatusRequestEntityTooLarge, first.Status)
	assert.Equal(t, OutcomeTooLarge, first.Outcome)
	assert.Equal(t, 4, first.Spans)
	assert.Zero(t, first.Delivered())
	for _, x := range always.xs[1:] {
		assert.Equal(t, http.StatusOK, x.Status)
		assert.Equal(t, OutcomeSuccess, x.Outcome)
		assert.Equal(t, 2, x.Spans)
		assert.Equal(t, 2, x.Delivered())
		assert.Positive(t, x.Bytes)
		assert.NoError(t, x.Err)
	}
}

// TestObserverCountsRejectedAndRetried: a permanent refusal counts every
// span as rejected, a retryable one every span as retried.
func TestObserverCountsRejectedAndRetried(t *testing.T) {
	s := sink.New(sink.Options{APIKey: "sink-key-0123"})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var rec recorder
	snd := newTestSender(t, srv.URL, func(set *Settings) { set.Observer = &rec })

	s.FailNext(1, http.StatusServiceUnavailable)
	rep := snd.Send(context.Background(), spanLogs(3, 10))
	require.NotNil(t, rep.Retry)
	assert.Len(t, rep.Unsent, 3)
	s.FailNext(1, http.StatusBadRequest)
	rep = snd.Send(context.Background(), spanLogs(3, 10))
	assert.Equal(t, 3, rep.Rejected)

	require.Len(t, rec.xs, 2)
	assert.Equal(t, 3, rec.xs[0].Retried())
	assert.Zero(t, rec.xs[0].Rejected())
	assert.Equal(t, 3, rec.xs[1].Rejected())
	assert.Zero(t, rec.xs[1].Retried())
	assert.Error(t, rec.xs[1].Err)
}
