// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawPost sends body with the test key and returns the status, headers
// and body, or the transport error (resets, cut-off responses).
func rawPost(t *testing.T, url string, body []byte) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/traces/ingest", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

func spansBody(t *testing.T, req, n int) []byte {
	t.Helper()
	items := make([]any, n)
	for i := range items {
		items[i] = validSpan(fmt.Sprintf("t%d", req), fmt.Sprintf("s%d", i), "")
	}
	return mustJSON(t, items)
}

func TestRollIsDeterministicAndUniform(t *testing.T) {
	const n = 20000
	hits := 0
	for i := range n {
		a, b := roll(42, streamFail, i, 0), roll(42, streamFail, i, 0)
		if a != b || a < 0 || a >= 1 {
			t.Fatalf("roll(42, fail, %d) = %v then %v", i, a, b)
		}
		if a < 0.2 {
			hits++
		}
	}
	if share := float64(hits) / n; share < 0.18 || share > 0.22 {
		t.Errorf("share below 0.2 is %.3f, want about 0.2", share)
	}
	same := 0
	for i := range 1000 {
		if (roll(1, streamFail, i, 0) < 0.5) == (roll(2, streamFail, i, 0) < 0.5) {
			same++
		}
		if (roll(1, streamFail, i, 0) < 0.5) == (roll(1, streamReset, i, 0) < 0.5) {
			same++
		}
	}
	if same < 800 || same > 1200 {
		t.Errorf("seeds or streams look correlated: %d of 2000 decisions agree", same)
	}
}

// fates runs n requests of one span each and returns their statuses
// (0 for a transport error).
func fates(t *testing.T, f Faults, n int) []int {
	t.Helper()
	s, c := newTestServer(t, Options{APIKey: testKey, Faults: f})
	out := make([]int, n)
	for i := range n {
		st, _, _, err := rawPost(t, c.url, spansBody(t, i, 1))
		if err != nil {
			st = 0
		}
		out[i] = st
	}
	if s.Requests() != n {
		t.Fatalf("requests %d, want %d", s.Requests(), n)
	}
	return out
}

func TestFaultsAreDeterministicGivenASeed(t *testing.T) {
	f := Faults{Seed: 7, FailRate: 0.3, RateLimitRate: 0.2, ResetRate: 0.1, RetryAfter: time.Millisecond}
	a, b := fates(t, f, 40), fates(t, f, 40)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different fates:\n%v\n%v", a, b)
	}
	f.Seed = 8
	if c := fates(t, f, 40); fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seeds 7 and 8 gave the same 40 fates: %v", a)
	}
	kinds := map[int]int{}
	for _, st := range a {
		kinds[st]++
	}
	for _, st := range []int{0, 200, 429, 503} {
		if kinds[st] == 0 {
			t.Errorf("no request answered %d in %v", st, a)
		}
	}
}

func TestFailAndRateLimit(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey, Faults: Faults{FailRate: 1, FailStatus: -1}})
	seen := map[int]bool{}
	for i := range 4 {
		st, _, body, err := rawPost(t, c.url, spansBody(t, i, 2))
		if err != nil {
			t.Fatal(err)
		}
		seen[st] = true
		if !strings.Contains(string(body), "INTERNAL_ERROR") {
			t.Errorf("5xx body %s", body)
		}
	}
	if !seen[500] || !seen[503] || len(seen) != 2 {
		t.Errorf("statuses %v, want 500 and 503 alternately", seen)
	}
	if s.SpanCount() != 0 || s.FaultCounts()[FaultFail] != 4 {
		t.Errorf("spans %d, fault counts %v", s.SpanCount(), s.FaultCounts())
	}

	for _, in := range []string{"header", "body", "both"} {
		s.SetFaults(Faults{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond, RetryAfterIn: in})
		st, hdr, body, err := rawPost(t, c.url, spansBody(t, 9, 1))
		if err != nil || st != 429 {
			t.Fatalf("%s: %d %v", in, st, err)
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		gotHeader, gotBody := hdr.Get("Retry-After"), m["retry_after"]
		if (in != "body") != (gotHeader == "2") || (in != "header") != (gotBody == 1.5) {
			t.Errorf("%s: Retry-After %q, retry_after %v", in, gotHeader, gotBody)
		}
	}
}

func TestResetDropAndTruncate(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey, Faults: Faults{ResetRate: 1}})
	if _, _, _, err := rawPost(t, c.url, spansBody(t, 1, 3)); err == nil {
		t.Fatal("reset: the request succeeded")
	}
	if s.SpanCount() != 0 || s.FaultCounts()[FaultReset] != 1 {
		t.Fatalf("reset: spans %d, faults %v", s.SpanCount(), s.FaultCounts())
	}

	s.SetFaults(Faults{DropResponseRate: 1})
	if _, _, _, err := rawPost(t, c.url, spansBody(t, 2, 3)); err == nil {
		t.Fatal("drop: the request succeeded")
	}
	if s.SpanCount() != 3 {
		t.Fatalf("drop: %d spans recorded, want 3 (recorded, then the answer is lost)", s.SpanCount())
	}

	s.SetFaults(Faults{TruncateRate: 1})
	st, _, _, err := rawPost(t, c.url, spansBody(t, 3, 3))
	if st != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncate: status %d, body error %v; want 200 and an unexpected EOF", st, err)
	}
	if s.SpanCount() != 6 {
		t.Fatalf("truncate: %d spans recorded, want 6", s.SpanCount())
	}
	fc := s.FaultCounts()
	if fc[FaultDropResponse] != 1 || fc[FaultTruncate] != 1 {
		t.Errorf("fault counts %v", fc)
	}

	// Per-span errors in a response the client never gets in full are not
	// reported, so they are not counted either.
	s.SetFaults(Faults{TruncateRate: 1, SpanErrorRate: 1})
	_, _, _, _ = rawPost(t, c.url, spansBody(t, 4, 2))
	if n := s.FaultCounts()[FaultSpanError]; n != 0 {
		t.Errorf("%d span errors counted in a cut-off response", n)
	}
}

func TestUnauthorizedWindowsAndRefused(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey, Faults: Faults{UnauthorizedFirst: 2, EchoAuthorization: true}})
	var got []int
	for i := range 4 {
		st, _, body, err := rawPost(t, c.url, spansBody(t, i, 2))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, st)
		if st == 401 && !strings.Contains(string(body), testKey) {
			t.Errorf("EchoAuthorization: the key is not echoed: %s", body)
		}
	}
	if fmt.Sprint(got) != "[401 401 200 200]" {
		t.Errorf("statuses %v", got)
	}
	ref := s.Refused()
	if len(ref) != 4 || ref["t0/s0"] != 1 || ref["t1/s1"] != 1 {
		t.Errorf("refused %v", ref)
	}

	now := time.Unix(1000, 0)
	s2, c2 := newTestServer(t, Options{APIKey: testKey, Now: func() time.Time { return now }, Faults: Faults{UnauthorizedFor: time.Minute}})
	if st, _, _, _ := rawPost(t, c2.url, spansBody(t, 1, 1)); st != 401 {
		t.Errorf("inside the window: %d", st)
	}
	now = now.Add(61 * time.Second)
	if st, _, _, _ := rawPost(t, c2.url, spansBody(t, 2, 1)); st != 200 {
		t.Errorf("after the window: %d", st)
	}
	if s2.SpanCount() != 1 {
		t.Errorf("spans %d", s2.SpanCount())
	}
}

func TestPermanentTooLargeSpanErrorsLatency(t *testing.T) {
	s, c := newTestServer(t, Options{APIKey: testKey, Faults: Faults{PermanentRate: 1, PermanentStatus: 422}})
	if st, _, _, _ := rawPost(t, c.url, spansBody(t, 1, 2)); st != 422 {
		t.Errorf("permanent: %d", st)
	}
	if len(s.Refused()) != 2 {
		t.Errorf("refused %v", s.Refused())
	}

	small, big := spansBody(t, 2, 1), spansBody(t, 3, 4)
	s.SetFaults(Faults{TooLargeAbove: int64(len(small))})
	if st, _, _, _ := rawPost(t, c.url, small); st != 200 {
		t.Errorf("small body: %d", st)
	}
	if st, _, _, _ := rawPost(t, c.url, big); st != 413 {
		t.Errorf("big body: %d", st)
	}

	s.SetFaults(Faults{SpanErrorRate: 1})
	st, _, body, _ := rawPost(t, c.url, spansBody(t, 4, 3))
	var resp ingestResponse
	_ = json.Unmarshal(body, &resp)
	if st != 200 || resp.IngestedSpans != 3 || len(resp.Errors) != 3 {
		t.Errorf("span errors: %d %+v", st, resp)
	}
	if s.FaultCounts()[FaultSpanError] != 3 || s.Counts()["t4/s2"] != 1 {
		t.Errorf("span errors: faults %v", s.FaultCounts())
	}

	s.SetFaults(Faults{Latency: 150 * time.Millisecond})
	start := time.Now()
	if st, _, _, _ := rawPost(t, c.url, spansBody(t, 5, 1)); st != 200 {
		t.Errorf("latency: %d", st)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("latency: answered after %s", d)
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{FailRate: 1.5}, {FailStatus: 404}, {PermanentStatus: 429}, {RetryAfterIn: "query"}, {Latency: -1}} {
		if f.Validate() == nil {
			t.Errorf("%+v: no error", f)
		}
	}
	if err := (Faults{FailRate: 0.2, FailStatus: 500, RetryAfterIn: "both"}).Validate(); err != nil {
		t.Error(err)
	}
	if s := (Faults{FailRate: 0.25, Latency: time.Second}).String(); !strings.Contains(s, "503 25%") || !strings.Contains(s, "latency 1s") {
		t.Errorf("String: %s", s)
	}
}
