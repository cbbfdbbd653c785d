// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery // import "github.com/respanai/respanexporter/internal/delivery"

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps the delay a server may ask for. A misconfigured proxy
// answering "Retry-After: 86400" must not park the queue for a day; beyond
// five minutes the default retry_on_failure.max_elapsed_time (300s) would
// give up anyway, and the exporterhelper still applies its own backoff.
const MaxRetryAfter = 5 * time.Minute

// RetryAfter returns the delay requested by a response: the Retry-After
// header (delta-seconds or HTTP-date) wins, then a JSON body field
// "retry_after" (seconds, as Respan documents for 429; body may be nil).
// ok is false when neither gives a positive delay. It is the one parser of
// these fields in the module.
func RetryAfter(header http.Header, body map[string]json.RawMessage, now time.Time) (time.Duration, bool) {
	if d, ok := parseRetryAfterHeader(header.Get("Retry-After"), now); ok {
		return d, true
	}
	if raw, found := body["retry_after"]; found {
		return parseRetryAfterBody(raw)
	}
	return 0, false
}

// parseRetryAfterHeader parses RFC 9110 Retry-After: delay-seconds or an
// HTTP-date. Dates in the past and negative values give no delay.
func parseRetryAfterHeader(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return secondsToDelay(float64(secs))
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d <= 0 {
			return 0, false
		}
		return min(d, MaxRetryAfter), true
	}
	return 0, false
}

// parseRetryAfterBody accepts a JSON number or a numeric string of seconds.
func parseRetryAfterBody(raw json.RawMessage) (time.Duration, bool) {
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		if n, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return 0, false
		}
	}
	return secondsToDelay(n)
}

func secondsToDelay(secs float64) (time.Duration, bool) {
	if math.IsNaN(secs) || secs <= 0 {
		return 0, false
	}
	if secs >= MaxRetryAfter.Seconds() {
		return MaxRetryAfter, true
	}
	return time.Duration(secs * float64(time.Second)), true
}
