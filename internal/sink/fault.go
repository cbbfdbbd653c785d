// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package sink

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Faults configure failures the stand-in injects into ingest requests that
// pass authentication (and any pending FailNext), for reliability tests.
// The zero value injects nothing.
//
// Every decision is a pure function of Seed, the request's number (1-based,
// Server.Requests) and, for per-span errors, the span's index in the
// request: the same seed gives the same fate to the k-th request whatever
// the timing. Rates are probabilities in [0, 1]; the checks run in the
// order of the fields below and the first that fires answers the request.
type Faults struct {
	// Seed selects the pseudo-random sequence of decisions.
	Seed uint64

	// Latency is added before each request is handled (Jitter adds a
	// further deterministic 0..Jitter). It applies to every request.
	Latency time.Duration
	Jitter  time.Duration

	// UnauthorizedFirst answers 401 to the first N ingest requests after
	// the faults were set; UnauthorizedFor answers 401 to every request
	// during this long after the faults were set. 401 is permanent for the
	// exporter: the spans of those requests are dropped by design (see
	// Server.Refused).
	UnauthorizedFirst int
	UnauthorizedFor   time.Duration

	// ResetRate: the share of requests whose connection is reset (TCP RST)
	// after the body was read, without a response and without recording
	// anything.
	ResetRate float64

	// FailRate: the share of requests answered FailStatus: 503 by
	// default, any 5xx, or -1 for 500 and 503 alternately (by request
	// number).
	FailRate   float64
	FailStatus int

	// RateLimitRate: the share of requests answered 429 with a delay of
	// RetryAfter (default 1s) in the Retry-After header (RetryAfterIn
	// "header", the default), in the body's "retry_after" ("body"), or both
	// ("both").
	RateLimitRate float64
	RetryAfter    time.Duration
	RetryAfterIn  string

	// PermanentRate: the share of requests answered PermanentStatus
	// (default 400), a permanent rejection (spans dropped by design).
	PermanentRate   float64
	PermanentStatus int

	// TooLargeAbove answers 413 to bodies (decompressed) larger than this
	// many bytes; 0 disables it.
	TooLargeAbove int64

	// DropResponseRate: the share of requests that are processed and
	// recorded, after which the connection is closed without any response
	// (a lost acknowledgement: the client cannot know the spans arrived,
	// so a retry delivers duplicates).
	DropResponseRate float64
	// TruncateRate: the share of requests that are processed and
	// recorded, after which only the status line, headers and part of the
	// body are written before the connection is closed mid-response.
	TruncateRate float64

	// SpanErrorRate: the share of accepted span logs for which the 2xx
	// response's "errors" reports a (synthetic) per-span error. The span
	// is still recorded: this exercises the exporter's reporting of
	// per-span errors, not a loss.
	SpanErrorRate float64

	// EchoAuthorization makes injected error bodies quote the request's
	// Authorization header, as some gateways do, to check that the client
	// never logs it.
	EchoAuthorization bool
}

// Fault kinds, the keys of Server.FaultCounts.
const (
	FaultLatency      = "latency"
	FaultUnauthorized = "unauthorized"
	FaultReset        = "reset"
	FaultFail         = "fail"
	FaultRateLimit    = "rate_limit"
	FaultPermanent    = "permanent"
	FaultTooLarge     = "too_large"
	FaultDropResponse = "drop_response"
	FaultTruncate     = "truncate"
	FaultSpanError    = "span_error"
)

// Validate reports settings that cannot work.
func (f Faults) Validate() error {
	rates := []struct {
		name string
		v    float64
	}{
		{"reset rate", f.ResetRate}, {"fail rate", f.FailRate}, {"rate-limit rate", f.RateLimitRate},
		{"permanent rate", f.PermanentRate}, {"drop-response rate", f.DropResponseRate},
		{"truncate rate", f.TruncateRate}, {"span-error rate", f.SpanErrorRate},
	}
	for _, r := range rates {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			return fmt.Errorf("%s %v is not between 0 and 1", r.name, r.v)
		}
	}
	if f.FailStatus != 0 && f.FailStatus != -1 && (f.FailStatus < 500 || f.FailStatus > 599) {
		return fmt.Errorf("fail status %d is not a 5xx status (or -1 for 500 and 503 alternately)", f.FailStatus)
	}
	if f.PermanentStatus != 0 && (f.PermanentStatus < 400 || f.PermanentStatus > 499 || f.PermanentStatus == 413 || f.PermanentStatus == 429) {
		return fmt.Errorf("permanent status %d is not a 4xx status other than 413 and 429", f.PermanentStatus)
	}
	switch f.RetryAfterIn {
	case "", "header", "body", "both":
	default:
		return fmt.Errorf("retry-after placement %q is not header, body or both", f.RetryAfterIn)
	}
	if f.Latency < 0 || f.Jitter < 0 || f.RetryAfter < 0 || f.UnauthorizedFor < 0 || f.UnauthorizedFirst < 0 || f.TooLargeAbove < 0 {
		return fmt.Errorf("durations, counts and sizes must not be negative")
	}
	return nil
}

// Active reports whether any fault is configured.
func (f Faults) Active() bool {
	return f.Latency > 0 || f.Jitter > 0 || f.UnauthorizedFirst > 0 || f.UnauthorizedFor > 0 ||
		f.ResetRate > 0 || f.FailRate > 0 || f.RateLimitRate > 0 || f.PermanentRate > 0 ||
		f.TooLargeAbove > 0 || f.DropResponseRate > 0 || f.TruncateRate > 0 || f.SpanErrorRate > 0
}

// String describes the active faults, for logs.
func (f Faults) String() string {
	if !f.Active() {
		return "no faults"
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if f.Latency > 0 || f.Jitter > 0 {
		add("latency %s+%s", f.Latency, f.Jitter)
	}
	if f.UnauthorizedFirst > 0 {
		add("401 to the first %d request(s)", f.UnauthorizedFirst)
	}
	if f.UnauthorizedFor > 0 {
		add("401 for %s", f.UnauthorizedFor)
	}
	if f.ResetRate > 0 {
		add("reset %.0f%%", 100*f.ResetRate)
	}
	if f.FailRate > 0 {
		add("%d %.0f%%", f.failStatus(0), 100*f.FailRate)
	}
	if f.RateLimitRate > 0 {
		add("429 (retry after %s in %s) %.0f%%", f.retryAfter(), f.retryAfterIn(), 100*f.RateLimitRate)
	}
	if f.PermanentRate > 0 {
		add("%d %.0f%%", f.permanentStatus(), 100*f.PermanentRate)
	}
	if f.TooLargeAbove > 0 {
		add("413 above %d bytes", f.TooLargeAbove)
	}
	if f.DropResponseRate > 0 {
		add("response dropped %.0f%%", 100*f.DropResponseRate)
	}
	if f.TruncateRate > 0 {
		add("response truncated %.0f%%", 100*f.TruncateRate)
	}
	if f.SpanErrorRate > 0 {
		add("per-span errors %.0f%%", 100*f.SpanErrorRate)
	}
	return strings.Join(p, ", ")
}

func (f Faults) failStatus(reqNo int) int {
	switch {
	case f.FailStatus == -1 && reqNo%2 == 0:
		return http.StatusInternalServerError
	case f.FailStatus > 0:
		return f.FailStatus
	}
	return http.StatusServiceUnavailable
}

func (f Faults) permanentStatus() int {
	if f.PermanentStatus > 0 {
		return f.PermanentStatus
	}
	return http.StatusBadRequest
}

func (f Faults) retryAfter() time.Duration {
	if f.RetryAfter > 0 {
		return f.RetryAfter
	}
	return time.Second
}

func (f Faults) retryAfterIn() string {
	if f.RetryAfterIn == "" {
		return "header"
	}
	return f.RetryAfterIn
}

// Streams of decisions, one per kind, so that enabling one fault does not
// change the fate another gives to a request.
const (
	streamReset uint64 = iota + 1
	streamFail
	streamRateLimit
	streamPermanent
	streamDropResponse
	streamTruncate
	streamSpanError
	streamJitter
)

// roll is a deterministic uniform number in [0, 1) for (seed, stream,
// request, index): splitmix64 over the mixed inputs.
func roll(seed, stream uint64, reqNo, index int) float64 {
	x := seed ^ stream*0x9e3779b97f4a7c15 ^ uint64(reqNo)*0xbf58476d1ce4e5b9 ^ uint64(index)*0x94d049bb133111eb
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

func (f Faults) hit(rate float64, stream uint64, reqNo int) bool {
	return rate > 0 && roll(f.Seed, stream, reqNo, 0) < rate
}

// after is what happens once a request has been processed and recorded.
type after int

const (
	afterReply after = iota
	afterDrop
	afterTruncate
)

// faultState is the Server's fault configuration and bookkeeping
// (guarded by Server.mu).
type faultState struct {
	faults   Faults
	since    time.Time // when the faults were set
	firstReq int       // Server.requests when they were set
	counts   map[string]int
	refused  map[string]int // span keys answered with a permanent fault
}

// SetFaults replaces the injected faults; windows (UnauthorizedFirst,
// UnauthorizedFor) start now. The zero Faults turns injection off. It
// panics on settings Validate rejects.
func (s *Server) SetFaults(f Faults) {
	if err := f.Validate(); err != nil {
		panic("sink: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fs.faults = f
	s.fs.since = s.opts.Now()
	s.fs.firstReq = s.requests
}

// Faults returns the faults in effect.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fs.faults
}

// FaultCounts counts injected faults by kind (the Fault* constants):
// requests for most, span logs for FaultSpanError.
func (s *Server) FaultCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.fs.counts)
}

// Refused maps the key of every span log that arrived in a request the
// stand-in rejected permanently by injection (UnauthorizedFirst/For,
// PermanentRate, a permanent FailNext status) to how many times it did.
// A client that treats those statuses as permanent drops these spans: a
// test's "lost" set must equal this one.
func (s *Server) Refused() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.fs.refused)
}

func (s *Server) countFault(kind string, n int) {
	if s.fs.counts == nil {
		s.fs.counts = map[string]int{}
	}
	s.fs.counts[kind] += n
}

// preFault applies the faults decided before a request is processed. It
// returns the status answered (0 for a reset connection) and true when the
// request was handled; the after-processing fate otherwise.
func (s *Server) preFault(w http.ResponseWriter, r *http.Request, reqNo int) (int, bool, after) {
	s.mu.Lock()
	f, since, first := s.fs.faults, s.fs.since, s.fs.firstReq
	s.mu.Unlock()
	if !f.Active() {
		return 0, false, afterReply
	}

	if d := f.Latency + time.Duration(roll(f.Seed, streamJitter, reqNo, 0)*float64(f.Jitter)); d > 0 {
		s.noteFault(FaultLatency, 1)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return 0, true, afterReply
		}
	}

	switch {
	case (f.UnauthorizedFirst > 0 && reqNo-first <= f.UnauthorizedFirst) ||
		(f.UnauthorizedFor > 0 && s.opts.Now().Sub(since) < f.UnauthorizedFor):
		s.noteFault(FaultUnauthorized, 1)
		return s.replyInjected(w, r, f, http.StatusUnauthorized, FaultUnauthorized), true, afterReply
	case f.hit(f.ResetRate, streamReset, reqNo):
		s.noteFault(FaultReset, 1)
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
		resetConn(w)
		return 0, true, afterReply
	case f.hit(f.FailRate, streamFail, reqNo):
		s.noteFault(FaultFail, 1)
		return s.replyInjected(w, r, f, f.failStatus(reqNo), FaultFail), true, afterReply
	case f.hit(f.RateLimitRate, streamRateLimit, reqNo):
		s.noteFault(FaultRateLimit, 1)
		return s.replyInjected(w, r, f, http.StatusTooManyRequests, FaultRateLimit), true, afterReply
	case f.hit(f.PermanentRate, streamPermanent, reqNo):
		s.noteFault(FaultPermanent, 1)
		return s.replyInjected(w, r, f, f.permanentStatus(), FaultPermanent), true, afterReply
	case f.hit(f.DropResponseRate, streamDropResponse, reqNo):
		return 0, false, afterDrop
	case f.hit(f.TruncateRate, streamTruncate, reqNo):
		return 0, false, afterTruncate
	}
	return 0, false, afterReply
}

func (s *Server) noteFault(kind string, n int) {
	s.mu.Lock()
	s.countFault(kind, n)
	s.mu.Unlock()
}

// tooLarge reports whether the TooLargeAbove fault rejects a body of n
// bytes.
func (s *Server) tooLarge(n int) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.fs.faults.TooLargeAbove
	if limit > 0 && int64(n) > limit {
		s.countFault(FaultTooLarge, 1)
		return limit, true
	}
	return 0, false
}

// spanErrorsFor returns the indexes (among the accepted span logs of
// request reqNo) that get a synthetic per-span error. finish counts them
// once the response carrying them is written in full.
func (s *Server) spanErrorsFor(reqNo, accepted int) []int {
	s.mu.Lock()
	f := s.fs.faults
	s.mu.Unlock()
	if f.SpanErrorRate <= 0 {
		return nil
	}
	var out []int
	for i := range accepted {
		if roll(f.Seed, streamSpanError, reqNo, i) < f.SpanErrorRate {
			out = append(out, i)
		}
	}
	return out
}

// replyInjected answers an injected failure. Permanent rejections record
// the span keys of the body in Refused.
func (s *Server) replyInjected(w http.ResponseWriter, r *http.Request, f Faults, status int, kind string) int {
	body, _, _ := s.readBody(w, r)
	if isPermanent(status) {
		s.refuse(body)
	}
	resp := errorBody(status)
	if status == http.StatusTooManyRequests {
		ra := f.retryAfter()
		if in := f.retryAfterIn(); in == "header" || in == "both" {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.Seconds()))))
		}
		if in := f.retryAfterIn(); in == "body" || in == "both" {
			resp["retry_after"] = ra.Seconds()
		}
	}
	if f.EchoAuthorization {
		resp["message"] = "request headers: Authorization: " + r.Header.Get("Authorization")
	}
	return s.reply(w, r, status, resp, "injected failure ("+kind+")")
}

// isPermanent: the statuses a client must not retry (4xx but 408?, 413
// and 429 are handled apart by the exporter; 408 is permanent for it).
func isPermanent(status int) bool {
	return status >= 400 && status <= 499 && status != http.StatusRequestEntityTooLarge && status != http.StatusTooManyRequests
}

// refuse records the span keys of a permanently rejected body.
func (s *Server) refuse(body []byte) {
	items, err := splitBody(body)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fs.refused == nil {
		s.fs.refused = map[string]int{}
	}
	for _, raw := range items {
		var ids struct {
			TraceID string `json:"trace_unique_id"`
			SpanID  string `json:"span_unique_id"`
		}
		if json.Unmarshal(raw, &ids) == nil && (ids.TraceID != "" || ids.SpanID != "") {
			s.fs.refused[SpanKey(ids.TraceID, ids.SpanID)]++
		}
	}
}

// finish writes the response of a processed request according to its
// after-processing fate.
// injectedErrors is the number of synthetic per-span errors in body:
// counted in FaultCounts only when the client gets the whole response.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, fate after, body map[string]any, logMsg string, injectedErrors int) int {
	switch fate {
	case afterDrop:
		s.noteFault(FaultDropResponse, 1)
		if s.opts.Logf != nil {
			s.opts.Logf("%s %s: recorded, then closed without a response (injected)", r.Method, r.URL.Path)
		}
		closeConn(w, false)
		return 0
	case afterTruncate:
		s.noteFault(FaultTruncate, 1)
		b, _ := json.Marshal(body)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, buf, err := hj.Hijack(); err == nil {
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(b)+1)
				_, _ = buf.Write(b[:len(b)/2])
				_ = buf.Flush()
				conn.Close()
			}
		}
		if s.opts.Logf != nil {
			s.opts.Logf("%s %s: recorded, then the response was cut off mid-body (injected)", r.Method, r.URL.Path)
		}
		return http.StatusOK
	}
	if injectedErrors > 0 {
		s.noteFault(FaultSpanError, injectedErrors)
	}
	return s.reply(w, r, http.StatusOK, body, logMsg)
}

// resetConn aborts the connection with a TCP RST.
func resetConn(w http.ResponseWriter) { closeConn(w, true) }

func closeConn(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok { // HTTP/2: the closest is aborting the handler
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}
