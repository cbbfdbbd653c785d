// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package delivery speaks Respan's ingest protocol: it packs span logs
// into JSON arrays of bounded size, posts them, splits and shrinks on 413,
// classifies every response (status, Retry-After, per-span errors), keeps
// credentials out of what it reports, and tells observers what each
// exchange did. The exporter above it decides what a push returns to the
// exporterhelper.
package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/translator"
)

// MinRequestBytes is the smallest max_request_bytes that makes sense: the
// size of a bare span log (ids, name, timestamps). It is also the smallest
// size a span log is shrunk to after a 413; below it the span is dropped
// instead of halving forever.
const MinRequestBytes = 1024

// Settings configure a Sender.
type Settings struct {
	// URL is the ingest URL (it may hold credentials in its userinfo or
	// query; only its redacted form is ever reported).
	URL string
	// Authorization is the Authorization header value, or empty when the
	// client configuration sets one (it wins) or there is no key.
	Authorization string
	UserAgent     string
	// MaxRequestBytes caps the uncompressed JSON body of one request.
	MaxRequestBytes int
	Redactor        *Redactor
	// Observer is told about every exchange (the exporter's telemetry);
	// nil for none. An observer in the push's context is told as well.
	Observer Observer
	Logger   *zap.Logger
}

// Sender delivers span logs. It is safe for concurrent use.
type Sender struct {
	set         Settings
	redactedURL string
	client      *http.Client
	// avgSpanBytes is a running average of the encoded size of a span log,
	// used to size request bodies up front.
	avgSpanBytes atomic.Int64
}

// NewSender returns a Sender that posts with client (built by confighttp
// for this sender alone). The client is set never to follow redirects: a
// redirected POST would carry the API key to another URL (Go keeps the
// Authorization header on a same-host redirect, http:// included), and
// the ingest API has no legitimate reason to redirect; a 3xx is reported
// as a permanent error naming the Location instead.
func NewSender(set Settings, client *http.Client) (*Sender, error) {
	if err := CheckURL(set.URL); err != nil {
		return nil, err
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if set.Redactor == nil {
		set.Redactor = NewRedactor()
	}
	if set.Logger == nil {
		set.Logger = zap.NewNop()
	}
	return &Sender{set: set, redactedURL: RedactURL(set.URL), client: client}, nil
}

// CheckURL rejects an ingest URL that cannot be parsed, without quoting it
// (it may carry credentials).
func CheckURL(raw string) error {
	if _, err := url.Parse(raw); err != nil {
		return errors.New("respan: the ingest URL is not valid; check endpoint and traces_endpoint")
	}
	return nil
}

// RedactedURL is the ingest URL without credentials, for log lines.
func (s *Sender) RedactedURL() string { return s.redactedURL }

// Report is what became of the span logs given to Send.
type Report struct {
	// Delivered were accepted by the server (per-span errors of a 2xx
	// included, as the server took the request).
	Delivered int
	// TooLarge were dropped because they do not fit in one request even
	// after shrinking (before sending, or after a 413); Rejected were
	// refused by the server for good, or skipped after a refusal that
	// any request would get (bad key, wrong URL).
	TooLarge, Rejected int
	// Failures are the distinct permanent error messages, in order, with
	// the number of span logs each one cost.
	Failures []Failure
	// Retry is set when a retryable failure stopped the send; Unsent then
	// holds the span logs still to deliver, in order.
	Retry  *Exchange
	Unsent []*translator.SpanLog
	// Shrunk lists the span logs cut to fit a request, and what was cut.
	Shrunk []Shrunk
}

// Shrunk is one span log cut to fit a request.
type Shrunk struct {
	SpanID string
	translator.Cut
}

// Failure is one permanent error message and the span logs it cost.
type Failure struct {
	Message string
	Spans   int
}

// PermanentError sums the failures up; total is the number of span logs
// of the push.
func (r *Report) PermanentError(total int) error {
	parts := make([]string, 0, len(r.Failures))
	for _, f := range r.Failures {
		parts = append(parts, fmt.Sprintf("%s [%d span(s)]", f.Message, f.Spans))
	}
	return fmt.Errorf("respan: %d of %d span(s) not delivered (%d delivered): %s",
		r.Rejected+r.TooLarge, total, r.Delivered, strings.Join(parts, "; "))
}

func (r *Report) fail(err error, spans int) {
	msg := err.Error()
	for i := range r.Failures {
		if r.Failures[i].Message == msg {
			r.Failures[i].Spans += spans
			return
		}
	}
	r.Failures = append(r.Failures, Failure{Message: msg, Spans: spans})
}

// push is the state of one Send.
type push struct {
	Report
	// abort is set by a permanent failure that would repeat for any payload
	// (401/403/404): remaining chunks are not sent.
	abort error
}

// Send packs logs into requests of at most MaxRequestBytes and sends them
// in order, until a retryable failure (Report.Retry) or the end.
func (s *Sender) Send(ctx context.Context, logs []*translator.SpanLog) Report {
	packed := packSpanLogsSized(logs, s.set.MaxRequestBytes, int(s.avgSpanBytes.Load()))
	s.noteBodySizes(packed)
	st := &push{}
	st.Shrunk = packed.shrunk
	if n := len(packed.tooLarge); n > 0 {
		st.TooLarge += n
		st.fail(fmt.Errorf("respan: span larger than max_request_bytes (%d) even after shrinking its content; dropped", s.set.MaxRequestBytes), n)
	}
	for i := range packed.chunks {
		c := &packed.chunks[i]
		if st.abort != nil {
			st.Rejected += len(c.logs)
			st.fail(st.abort, len(c.logs))
			putBody(c.body)
			continue
		}
		body := newRequestBody(c.body, true)
		c.body = nil // the request body owns the encoding now
		left, x := s.deliver(ctx, st, c.logs, body)
		body.release()
		if x.Outcome == OutcomeRetryable {
			st.Unsent = left
			for _, rest := range packed.chunks[i+1:] {
				st.Unsent = append(st.Unsent, rest.logs...)
				putBody(rest.body)
			}
			st.Retry = &x
			break
		}
	}
	return st.Report
}

// noteBodySizes updates the running average span-log size (an
// exponentially weighted average, so it follows changes in traffic).
func (s *Sender) noteBodySizes(p packResult) {
	bytes, spans := 0, 0
	for _, c := range p.chunks {
		bytes += len(c.body)
		spans += len(c.logs)
	}
	if spans == 0 {
		return
	}
	avg := int64(bytes / spans)
	if old := s.avgSpanBytes.Load(); old > 0 {
		avg = (old*3 + avg) / 4
	}
	s.avgSpanBytes.Store(avg)
}

// post sends one JSON array, classifies the response and tells the
// observers. The Exchange's error is never a consumererror wrapper: the
// exporter decides what the push reports.
func (s *Sender) post(ctx context.Context, body *requestBody, spans int) Exchange {
	x := s.exchange(ctx, body)
	x.Spans, x.Bytes = spans, len(body.buf)
	if s.set.Observer != nil {
		s.set.Observer.Observe(ctx, x)
	}
	if o := observerFrom(ctx); o != nil {
		o.Observe(ctx, x)
	}
	return x
}

func (s *Sender) exchange(ctx context.Context, body *requestBody) Exchange {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.set.URL, http.NoBody)
	if err != nil {
		// Only a malformed URL gets here, and Validate rejects those.
		return Exchange{Outcome: OutcomePermanent, Err: fmt.Errorf("respan: building request: %w", s.set.Redactor.Err(err))}
	}
	// What NewRequest sets up for a *bytes.Reader, with readers that tell
	// the body when the transport is done with them (bodypool.go).
	req.Body, req.ContentLength = body.reader(), int64(len(body.buf))
	req.GetBody = func() (io.ReadCloser, error) { return body.reader(), nil }
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.set.UserAgent)
	if s.set.Authorization != "" {
		req.Header.Set("Authorization", s.set.Authorization)
	}

	resp, err := s.client.Do(req)
	if err != nil {
		// Network errors, timeouts and cancellation are worth retrying; the
		// retry sender gives up on its own when the context is done.
		return Exchange{Outcome: OutcomeRetryable, Err: fmt.Errorf("respan: sending request: %w", s.set.Redactor.Err(err))}
	}
	rb := readBody(resp.Body)
	// Drain a little more so the connection can be reused, then close.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if rb.readErr != nil && ok {
		s.set.Logger.Debug("Could not read the whole Respan response body", zap.Error(rb.readErr))
	}
	if rb.cut && ok {
		s.set.Logger.Warn("The Respan response body is longer than the exporter reads; per-span errors past that point are not counted",
			zap.Int("read_bytes", maxResponseBytes), zap.Int("span_errors_counted", rb.errors))
	}
	return classify(resp.StatusCode, resp.Header, rb, s.set.Redactor, s.redactedURL, time.Now())
}

var errSpanTooLargeForServer = errors.New("respan: span rejected as too large (HTTP 413) even after shrinking its content; dropped")

// deliver sends one chunk. On 413 it halves the chunk and sends each half
// (recursively); a single span log is shrunk to half the rejected size and
// re-sent, or dropped when it cannot shrink further. Permanent failures are
// recorded in st. A retryable failure stops the push: deliver returns the
// exchange and the span logs of this chunk that were not delivered, in
// order.
func (s *Sender) deliver(ctx context.Context, st *push, logs []*translator.SpanLog, body *requestBody) ([]*translator.SpanLog, Exchange) {
	res := s.post(ctx, body, len(logs))
	switch res.Outcome {
	case OutcomeSuccess:
		st.Delivered += len(logs)
		return nil, res

	case OutcomeRetryable:
		return logs, res

	case OutcomePermanent:
		st.Rejected += len(logs)
		st.fail(res.Err, len(logs))
		if res.RejectsAll {
			st.abort = res.Err
		}
		return nil, res
	}

	// 413 Request Entity Too Large.
	if len(logs) > 1 {
		mid := len(logs) / 2
		halves := [][]*translator.SpanLog{logs[:mid], logs[mid:]}
		for i, half := range halves {
			hbody := newRequestBody(translator.EncodeArray(nil, half), false)
			unsent, hres := s.deliver(ctx, st, half, hbody)
			hbody.release()
			if hres.Outcome == OutcomeRetryable {
				if i == 0 {
					unsent = append(unsent, halves[1]...)
				}
				return unsent, hres
			}
			if st.abort != nil {
				if i == 0 {
					st.Rejected += len(halves[1])
					st.fail(st.abort, len(halves[1]))
				}
				return nil, hres
			}
		}
		return nil, Exchange{Outcome: OutcomeSuccess}
	}

	limit := (len(body.buf) - arrayOverhead) / 2
	if limit >= MinRequestBytes {
		cut := logs[0].Shrink(limit)
		st.Shrunk = append(st.Shrunk, Shrunk{SpanID: logs[0].SpanID, Cut: cut})
		if cut.Fits {
			sbody := newRequestBody(translator.EncodeArray(nil, logs), false)
			defer sbody.release()
			return s.deliver(ctx, st, logs, sbody)
		}
	}
	st.TooLarge++
	st.fail(errSpanTooLargeForServer, 1)
	return nil, Exchange{Outcome: OutcomeTooLarge, Status: res.Status}
}

// CloseIdleConnections closes the client's idle connections (shutdown).
func (s *Sender) CloseIdleConnections() { s.client.CloseIdleConnections() }
