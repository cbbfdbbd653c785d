// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"context"
	"time"
)

// Exchange is what one HTTP request to the ingest API carried and what
// became of it. Observers get one per request, retries and 413 halves
// included, after the response was read.
type Exchange struct {
	// Spans is the number of span logs in the request, Bytes the size of
	// its uncompressed JSON body.
	Spans, Bytes int
	// Status is the HTTP status; 0 when no response arrived (network
	// error, timeout, cancellation).
	Status  int
	Outcome Outcome
	// SpanErrors is the number of per-span errors a 2xx body listed,
	// ErrorsDetail a quotable (redacted, bounded) excerpt of them.
	SpanErrors   int
	ErrorsDetail string
	// Detail is the server's explanation of a failure (redacted, bounded);
	// empty when it gave none.
	Detail string
	// Err describes a failure (nil on success); it names the status, the
	// cause and the server's explanation, never a credential.
	Err error
	// RetryAfter is the delay the server asked for (retryable only).
	RetryAfter time.Duration
	// RejectsAll marks a failure that does not depend on the payload (bad
	// key, wrong URL): any other request would fail the same way.
	RejectsAll bool
}

// Delivered is how many of the request's span logs the server took.
func (x Exchange) Delivered() int {
	if x.Outcome != OutcomeSuccess {
		return 0
	}
	return max(x.Spans-x.SpanErrors, 0)
}

// Rejected is how many span logs the server refused for good: every one of
// a permanent failure, the per-span errors of a success.
func (x Exchange) Rejected() int {
	switch x.Outcome {
	case OutcomePermanent:
		return x.Spans
	case OutcomeSuccess:
		return min(x.SpanErrors, x.Spans)
	}
	return 0
}

// Retried is how many span logs are left to a retry by this exchange.
func (x Exchange) Retried() int {
	if x.Outcome == OutcomeRetryable {
		return x.Spans
	}
	return 0
}

// Observer is told about every exchange. It runs on the sending goroutine
// and must not block.
type Observer interface {
	Observe(ctx context.Context, x Exchange)
}

type observerKey struct{}

// WithObserver returns a context whose exchanges o also observes: a caller
// that pushes through the exporterhelper without a sending queue (the
// context then reaches the push) learns the real outcome of its own
// requests, e.g. `otlp2respan import`. With a queue the context of the
// caller does not reach the push and o is not called.
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

func observerFrom(ctx context.Context) Observer {
	o, _ := ctx.Value(observerKey{}).(Observer)
	return o
}
