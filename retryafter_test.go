// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package respanexporter

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"86400", maxRetryAfter, true},
		{"99999999999999999999", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Friday, 02-Jan-26 03:04:15 GMT", 10 * time.Second, true}, // RFC 850
		{"Fri Jan  2 03:04:15 2026", 10 * time.Second, true},       // ANSI C
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, false},
		{now.Add(time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfterHeader(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseRetryAfterBody(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{`3`, 3 * time.Second, true},
		{`1.5`, 1500 * time.Millisecond, true},
		{`"60"`, time.Minute, true},
		{`0`, 0, false},
		{`-1`, 0, false},
		{`1e9`, maxRetryAfter, true},
		{`null`, 0, false},
		{`"later"`, 0, false},
		{`{}`, 0, false},
	} {
		got, ok := parseRetryAfterBody(json.RawMessage(tc.in))
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestRetryAfterHeaderWinsOverBody(t *testing.T) {
	now := time.Now()
	h := http.Header{}
	h.Set("Retry-After", "7")
	d, ok := retryAfter(h, parseBody([]byte(`{"retry_after": 60}`)), now)
	assert.True(t, ok)
	assert.Equal(t, 7*time.Second, d)

	h.Set("Retry-After", "garbage")
	d, ok = retryAfter(h, parseBody([]byte(`{"retry_after": 60}`)), now)
	assert.True(t, ok, "an unusable header falls back to the body")
	assert.Equal(t, time.Minute, d)

	_, ok = retryAfter(http.Header{}, nil, now)
	assert.False(t, ok)
}

func TestClassify(t *testing.T) {
	red := newRedactor(testConfig("http://x"))
	now := time.Now()
	for _, tc := range []struct {
		status     int
		body       string
		want       outcome
		rejectsAll bool
	}{
		{200, `{}`, outcomeSuccess, false},
		{201, ``, outcomeSuccess, false},
		{204, ``, outcomeSuccess, false},
		{301, ``, outcomePermanent, false},
		{400, ``, outcomePermanent, false},
		{401, ``, outcomePermanent, true},
		{403, ``, outcomePermanent, true},
		{404, ``, outcomePermanent, true},
		{408, ``, outcomePermanent, false},
		{413, ``, outcomeTooLarge, false},
		{422, ``, outcomePermanent, false},
		{429, ``, outcomeRetryable, false},
		{500, ``, outcomeRetryable, false},
		{502, ``, outcomeRetryable, false},
		{503, ``, outcomeRetryable, false},
		{504, ``, outcomeRetryable, false},
		{507, ``, outcomeRetryable, false},
	} {
		res := classify(tc.status, http.Header{}, []byte(tc.body), red, "http://x/v1/traces/ingest", now)
		assert.Equal(t, tc.want, res.outcome, "status %d", tc.status)
		assert.Equal(t, tc.rejectsAll, res.rejectsAll, "status %d", tc.status)
		assert.Equal(t, tc.want == outcomeSuccess, res.err == nil, "status %d", tc.status)
	}
}
