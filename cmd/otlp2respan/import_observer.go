// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/respanai/respanexporter/internal/delivery"
)

// batchObserver is told by the exporter's sender about every request it
// sends to Respan (delivery.Observer, attached to the push's context), and
// sums up what the server did with the span logs of one batch: the real
// outcomes, not a re-reading of the HTTP traffic.
type batchObserver struct {
	// onExchange is called after each exchange (for the progress bar).
	onExchange func(delivery.Exchange)

	mu    sync.Mutex
	batch batchResult
}

var _ delivery.Observer = (*batchObserver)(nil)

// batchResult sums the exchanges of one ConsumeTraces call.
type batchResult struct {
	delivered       int
	spanErrors      int
	spanErrorDetail string
	// lastFailure is the latest failed exchange not followed by a success
	// (a success clears it: a retry went through).
	lastFailure *delivery.Exchange
}

func (o *batchObserver) beginBatch() {
	o.mu.Lock()
	o.batch = batchResult{}
	o.mu.Unlock()
}

func (o *batchObserver) endBatch() batchResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.batch
}

// Observe implements delivery.Observer.
func (o *batchObserver) Observe(_ context.Context, x delivery.Exchange) {
	o.mu.Lock()
	b := &o.batch
	if x.Outcome == delivery.OutcomeSuccess {
		b.delivered += x.Delivered()
		b.spanErrors += x.Rejected()
		if x.ErrorsDetail != "" && b.spanErrorDetail == "" {
			b.spanErrorDetail = clipString(x.ErrorsDetail, 300)
		}
		b.lastFailure = nil
	} else {
		xc := x
		b.lastFailure = &xc
	}
	cb := o.onExchange
	o.mu.Unlock()
	if cb != nil {
		cb(x)
	}
}

// label words a failed exchange for the summary ("401: API key rejected")
// and says whether later batches would fail the same way.
func label(x *delivery.Exchange) (string, bool) {
	if x.Status == 0 {
		msg := "cannot connect"
		if x.Err != nil {
			msg += ": " + unwrapURLError(x.Err).Error()
		}
		var netErr interface{ Timeout() bool }
		if errors.As(x.Err, &netErr) && netErr.Timeout() {
			msg = "request timed out"
		}
		return msg, true
	}
	var what string
	abort := false
	switch s := x.Status; {
	case s >= 200 && s <= 299:
		// A 2xx the exporter did not count as delivered: not Respan's answer.
		what, abort = "the answer is not Respan's (a proxy or captive portal?)", true
	case s >= 300 && s <= 399:
		what, abort = "redirected (check -endpoint; redirects are not followed)", true
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		what, abort = "API key rejected", true
	case s == http.StatusNotFound:
		what, abort = "wrong endpoint (check -endpoint)", true
	case s == http.StatusRequestEntityTooLarge:
		what = "request too large (lower -max-request-bytes)"
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		what = "payload rejected"
	case s == http.StatusTooManyRequests:
		what, abort = "rate limited (retries exhausted)", true
	case s >= 500:
		what, abort = "server error (retries exhausted)", true
	default:
		what = http.StatusText(s)
	}
	out := fmt.Sprintf("%d: %s", x.Status, what)
	// An HTML error page says nothing useful on one line.
	if d := strings.Join(strings.Fields(x.Detail), " "); d != "" && !strings.HasPrefix(d, "<") {
		out += " (server said: " + clipString(d, 200) + ")"
	}
	return out, abort
}

// cliVersion is the module version this binary was built from.
func cliVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
