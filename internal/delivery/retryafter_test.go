// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"encoding/json"
	"net/http"
	"strings"
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
		{"86400", MaxRetryAfter, true},
		{"99999999999999999999", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Friday, 02-Jan-26 03:04:15 GMT", 10 * time.Second, true}, // RFC 850
		{"Fri Jan  2 03:04:15 2026", 10 * time.Second, true},       // ANSI C
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, false},
		{now.Add(time.Hour).Format(http.TimeFormat), MaxRetryAfter, true},
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
		{`1e9`, MaxRetryAfter, true},
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
	d, ok := RetryAfter(h, readBody(strings.NewReader(`{"retry_after": 60}`)).fields, now)
	assert.True(t, ok)
	assert.Equal(t, 7*time.Second, d)

	h.Set("Retry-After", "garbage")
	d, ok = RetryAfter(h, readBody(strings.NewReader(`{"retry_after": 60}`)).fields, now)
	assert.True(t, ok, "an unusable header falls back to the body")
	assert.Equal(t, time.Minute, d)

	_, ok = RetryAfter(http.Header{}, nil, now)
	assert.False(t, ok)
}

func TestClassify(t *testing.T) {
	red := NewRedactor("sk-respan-test-0123456789abcdef")
	now := time.Now()
	for _, tc := range []struct {
		status     int
		body       string
		want       Outcome
		rejectsAll bool
	}{
		{200, `{}`, OutcomeSuccess, false},
		{201, ``, OutcomeSuccess, false},
		{204, ``, OutcomeSuccess, false},
		{301, ``, OutcomePermanent, true},
		{307, ``, OutcomePermanent, true},
		{400, ``, OutcomePermanent, false},
		{401, ``, OutcomePermanent, true},
		{403, ``, OutcomePermanent, true},
		{404, ``, OutcomePermanent, true},
		{408, ``, OutcomePermanent, false},
		{413, ``, OutcomeTooLarge, false},
		{422, ``, OutcomePermanent, false},
		{429, ``, OutcomeRetryable, false},
		{500, ``, OutcomeRetryable, false},
		{502, ``, OutcomeRetryable, false},
		{503, ``, OutcomeRetryable, false},
		{504, ``, OutcomeRetryable, false},
		{507, ``, OutcomeRetryable, false},
	} {
		res := classify(tc.status, http.Header{}, readBody(strings.NewReader(tc.body)), red, "http://x/v1/traces/ingest", now)
		assert.Equal(t, tc.want, res.Outcome, "status %d", tc.status)
		assert.Equal(t, tc.rejectsAll, res.RejectsAll, "status %d", tc.status)
		assert.Equal(t, tc.want == OutcomeSuccess, res.Err == nil, "status %d", tc.status)
	}
}
