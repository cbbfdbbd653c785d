// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

// Helpers of the reliability scenarios (reliability_*_test.go): a
// collector configured for the scenario, a load generator that knows every
// span id it had acknowledged, a stand-in API that can go down and come
// back on the same address, the collector's Prometheus metrics, its memory
// (/proc/<pid>/status) and the figures each scenario reports.
//
// RELIABILITY_SHORT=0 runs the long version (make reliability); anything
// else, or unset, the short one CI runs. RELIABILITY_REPORT=FILE appends
// one Markdown table row per scenario to FILE.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/respanai/respanexporter/internal/sink"
)

// relKey is the API key of the reliability collectors; it must never show
// in their output.
const relKey = "sk-reliability-SECRET-7f3a9c"

// longRun reports whether the long version runs (RELIABILITY_SHORT=0).
func longRun() bool { return os.Getenv("RELIABILITY_SHORT") == "0" }

// pick returns short in CI, long for `make reliability`.
func pick[T any](short, long T) T {
	if longRun() {
		return long
	}
	return short
}

// waitUntil polls cond every 50ms until it holds; it fails the test with
// what() when timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- the stand-in API on a fixed address, which can go down ----

// endpoint serves a sink.Server on a fixed loopback address that can be
// taken down (connections refused) and brought back.
type endpoint struct {
	t    *testing.T
	sink *sink.Server
	addr string
	URL  string

	mu  sync.Mutex
	srv *http.Server
}

func newEndpoint(t *testing.T, opts sink.Options) *endpoint {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {} // thousands of requests: keep the test log readable
	}
	e := &endpoint{t: t, sink: sink.New(opts), addr: freeAddr(t)}
	e.URL = "http://" + e.addr
	e.up()
	t.Cleanup(e.down)
	return e
}

// up starts serving (again) on the endpoint's address.
func (e *endpoint) up() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ln, err = net.Listen("tcp", e.addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("endpoint: listen on %s again: %v", e.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.srv = &http.Server{Handler: e.sink, ReadHeaderTimeout: 10 * time.Second}
	go func(srv *http.Server) { _ = srv.Serve(ln) }(e.srv)
}

// down closes the listener and every connection: the API is unreachable.
func (e *endpoint) down() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		_ = e.srv.Close()
		e.srv = nil
	}
}

// ---- the collector ----

// colOpts describe a reliability collector.
type colOpts struct {
	queueSize    int    // sending_queue::queue_size (spans)
	consumers    int    // num_consumers
	minBatch     int    // batch::min_size
	maxBatch     int    // batch::max_size
	flush        string // batch::flush_timeout
	storageDir   string // file_storage directory: a persistent queue when set
	memLimitMiB  int    // memory_limiter limit_mib (0: no memory_limiter)
	timeout      string // exporter timeout
	maxReqBytes  int    // max_request_bytes (0: default)
	maxElapsed   string // retry_on_failure::max_elapsed_time
	initialRetry string // retry_on_failure::initial_interval
	maxRetry     string // retry_on_failure::max_interval
	env          []string
}

func (o colOpts) withDefaults() colOpts {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defs := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.queueSize, 20000)
	def(&o.consumers, 4)
	def(&o.minBatch, 200)
	def(&o.maxBatch, 400)
	defs(&o.flush, "100ms")
	defs(&o.timeout, "5s")
	defs(&o.maxElapsed, "5m")
	defs(&o.initialRetry, "100ms")
	defs(&o.maxRetry, "1s")
	return o
}

// relCollector is a running otelcol-respan with its OTLP/HTTP receiver and
// Prometheus metrics endpoint.
type relCollector struct {
	*process
	otlp, metrics string // host:port
	config        string // path
}

// relConfig writes the collector configuration of a scenario.
func relConfig(t *testing.T, sinkURL string, o colOpts) (path, otlp, metrics string) {
	t.Helper()
	o = o.withDefaults()
	otlp, metrics = freeAddr(t), freeAddr(t)
	mhost, mport, _ := net.SplitHostPort(metrics)
	var ext, extList, storage, procs, procList, maxReq string
	if o.storageDir != "" {
		ext = fmt.Sprintf("extensions:\n  file_storage/queue:\n    directory: %s\n    create_directory: true\n    timeout: 10s\n", o.storageDir)
		extList = "  extensions: [file_storage/queue]\n"
		storage = "      storage: file_storage/queue\n"
	}
	if o.memLimitMiB > 0 {
		procs = fmt.Sprintf("processors:\n  memory_limiter:\n    check_interval: 100ms\n    limit_mib: %d\n    spike_limit_mib: %d\n", o.memLimitMiB, o.memLimitMiB/5)
		procList = "      processors: [memory_limiter]\n"
	}
	if o.maxReqBytes > 0 {
		maxReq = fmt.Sprintf("    max_request_bytes: %d\n", o.maxReqBytes)
	}
	cfg := fmt.Sprintf(`%sreceivers:
  otlp:
    protocols:
      http:
        endpoint: %s
%sexporters:
  respan:
    endpoint: %s
    api_key: ${env:RESPAN_API_KEY}
    timeout: %s
    # These scenarios measure the sending queue: without trace waiting the
    # exporter is the queue alone, and a full queue refuses at intake. With
    # it, spans the full queue refuses at release wait in the assembly
    # stage (which then refuses new ones) and each refused offer counts
    # again in enqueue_failed_spans. TestAssemblyKillWithFileStorage covers
    # SIGKILL with the stage.
    assembly:
      wait_for_traces: false
%s    sending_queue:
%s      sizer: items
      queue_size: %d
      num_consumers: %d
      batch:
        flush_timeout: %s
        min_size: %d
        max_size: %d
    retry_on_failure:
      enabled: true
      initial_interval: %s
      max_interval: %s
      max_elapsed_time: %s
service:
%s  pipelines:
    traces:
      receivers: [otlp]
%s      exporters: [respan]
  telemetry:
    logs:
      level: info
      # Off so that "one line per request" can be counted exactly; by
      # default the collector keeps 10 identical lines a second, then 1
      # in 100.
      sampling:
        enabled: false
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: %s
                port: %s
`, ext, otlp, procs, sinkURL, o.timeout, maxReq, storage, o.queueSize, o.consumers, o.flush, o.minBatch, o.maxBatch,
		o.initialRetry, o.maxRetry, o.maxElapsed, extList, procList, mhost, mport)
	return writeConfig(t, "collector.yaml", cfg), otlp, metrics
}

// startRel starts a collector on a config written by relConfig.
func startRel(t *testing.T, name, config, otlp, metrics string, env ...string) *relCollector {
	t.Helper()
	p := startCollector(t, name, cleanEnv(append([]string{"RESPAN_API_KEY=" + relKey}, env...)...), otlp, "file:"+config)
	c := &relCollector{process: p, otlp: otlp, metrics: metrics, config: config}
	waitUntil(t, startTimeout, func() string { return name + ": no metrics endpoint" }, func() bool {
		_, err := c.scrape()
		return err == nil
	})
	return c
}

// newRel writes a config and starts a collector on it.
func newRel(t *testing.T, name, sinkURL string, o colOpts) *relCollector {
	t.Helper()
	cfg, otlp, metrics := relConfig(t, sinkURL, o)
	return startRel(t, name, cfg, otlp, metrics, o.env...)
}

// kill ends the collector with SIGKILL (no shutdown at all).
func (c *relCollector) kill(t *testing.T) {
	t.Helper()
	c.signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still running 10s after SIGKILL", c.name)
	}
}

// scrape reads the collector's Prometheus metrics: each series (name with
// its labels, as printed) to its value.
func (c *relCollector) scrape() (map[string]float64, error) {
	body, err := httpBody("http://" + c.metrics + "/metrics")
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// metric sums the series of one metric (with or without the _total suffix
// counters get) whose labels contain every one of labels (`k="v"`).
func metric(m map[string]float64, name string, labels ...string) float64 {
	sum := 0.0
	for series, v := range m {
		base, lbl, _ := strings.Cut(series, "{")
		if base != name && base != name+"_total" {
			continue
		}
		ok := true
		for _, l := range labels {
			if !strings.Contains(lbl, l) {
				ok = false
			}
		}
		if ok {
			sum += v
		}
	}
	return sum
}

// metricsOf scrapes, failing the test on error.
func (c *relCollector) metricsOf(t *testing.T) map[string]float64 {
	t.Helper()
	m, err := c.scrape()
	if err != nil {
		t.Fatalf("%s: scraping metrics: %v", c.name, err)
	}
	return m
}

// memory is a process's resident set now and at its peak, in KiB.
type memory struct{ rssKiB, hwmKiB int64 }

// memoryOf reads VmRSS and VmHWM from /proc/<pid>/status.
func memoryOf(pid int) (memory, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rssKiB = n
		case "VmHWM:":
			m.hwmKiB = n
		}
	}
	if m.rssKiB == 0 {
		return m, errors.New("no VmRSS in /proc status")
	}
	return m, nil
}

// ---- the load generator ----

// loader sends generated traces over OTLP/HTTP (protobuf) and remembers
// which span keys the collector acknowledged (HTTP 200) and which it
// refused. It never retries: a refusal is a figure, not a loss.
type loader struct {
	url    string
	client *http.Client
	run    uint64 // distinguishes the ids of different loaders
	// spansPerReq spans of payload bytes each, per request.
	spansPerReq int
	payload     int
	// pace is a pause after each request of a worker.
	pace time.Duration

	mu       sync.Mutex
	next     int
	sent     int // spans
	acked    map[string]bool
	refused  int // spans
	statuses map[int]int
	errs     int // requests without a response
}

func newLoader(otlpAddr string, run uint64, spansPerReq, payload int) *loader {
	return &loader{
		url:         "http://" + otlpAddr + "/v1/traces",
		client:      &http.Client{Timeout: 15 * time.Second},
		run:         run,
		spansPerReq: spansPerReq,
		payload:     payload,
		acked:       map[string]bool{},
		statuses:    map[int]int{},
	}
}

// traces builds request number n: one trace, a root and spansPerReq-1
// children, ids derived from (run, n).
func (l *loader) traces(n int) (ptrace.Traces, []string) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "reliability")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("e2e/reliability")
	var tid pcommon.TraceID
	putU64(tid[:8], l.run)
	putU64(tid[8:], uint64(n)+1)
	keys := make([]string, 0, l.spansPerReq)
	now := time.Now()
	var root pcommon.SpanID
	var pad string
	if l.payload > 0 {
		pad = strings.Repeat("x", l.payload)
	}
	for i := range l.spansPerReq {
		sp := ss.Spans().AppendEmpty()
		var sid pcommon.SpanID
		putU64(sid[:], uint64(n)<<20|uint64(i)+1)
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		if i == 0 {
			root = sid
			sp.SetName("workflow")
			sp.Attributes().PutStr("traceloop.span.kind", "workflow")
		} else {
			sp.SetParentSpanID(root)
			sp.SetName("chat gpt-4o-mini")
			sp.SetKind(ptrace.SpanKindClient)
			sp.Attributes().PutStr("gen_ai.operation.name", "chat")
			sp.Attributes().PutStr("gen_ai.request.model", "gpt-4o-mini")
			sp.Attributes().PutInt("gen_ai.usage.input_tokens", int64(i))
			if pad != "" {
				sp.Attributes().PutStr("gen_ai.prompt", pad)
			}
		}
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		keys = append(keys, sink.SpanKey(tid.String(), sid.String()))
	}
	return td, keys
}

func putU64(b []byte, v uint64) {
	for i := range 8 {
		b[7-i] = byte(v >> (8 * i))
	}
}

// send posts the next request; it returns the HTTP status (0: no
// response).
func (l *loader) send(ctx context.Context) int {
	l.mu.Lock()
	n := l.next
	l.next++
	l.mu.Unlock()
	td, keys := l.traces(n)
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		panic(err)
	}
	status := 0
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-protobuf")
		var resp *http.Response
		if resp, err = l.client.Do(req); err == nil {
			status = resp.StatusCode
			_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
			resp.Body.Close()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent += len(keys)
	l.statuses[status]++
	if status == http.StatusOK {
		for _, k := range keys {
			l.acked[k] = true
		}
	} else {
		l.refused += len(keys)
		if status == 0 {
			l.errs++
		}
	}
	return status
}

// sendN sends n requests from workers goroutines, stopping early when ctx
// is done.
func (l *loader) sendN(ctx context.Context, n, workers int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	left := n
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					return
				}
				left--
				mu.Unlock()
				l.send(ctx)
				if l.pace > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(l.pace):
					}
				}
			}
		}()
	}
	wg.Wait()
}

// sendFor sends from workers goroutines until d has passed or ctx is done.
func (l *loader) sendFor(ctx context.Context, d time.Duration, workers int) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	l.sendN(ctx, -1, workers)
}

// ackedKeys is a copy of the acknowledged span keys.
func (l *loader) ackedKeys() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]bool, len(l.acked))
	for k := range l.acked {
		out[k] = true
	}
	return out
}

func (l *loader) stats() (sent, acked, refused int, statuses map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := make(map[int]int, len(l.statuses))
	for k, v := range l.statuses {
		st[k] = v
	}
	return l.sent, len(l.acked), l.refused, st
}

// waitDelivered waits until every key of want was received by s.
func waitDelivered(t *testing.T, s *sink.Server, want map[string]bool, timeout time.Duration) {
	t.Helper()
	missing := func() int {
		counts := s.Counts()
		n := 0
		for k := range want {
			if counts[k] == 0 {
				n++
			}
		}
		return n
	}
	waitUntil(t, timeout, func() string {
		return fmt.Sprintf("%d of %d acknowledged span(s) not delivered (statuses at the API %v, faults %v)", missing(), len(want), s.Statuses(), s.FaultCounts())
	}, func() bool { return missing() == 0 })
}

// ---- figures ----

// figures are what a scenario reports (t.Logf, and a Markdown row in
// $RELIABILITY_REPORT).
type figures struct {
	Scenario   string
	Sent       int     // spans the load generator sent
	Acked      int     // spans the collector acknowledged
	Refused    int     // spans the collector refused (client saw non-200)
	Received   int     // distinct spans the API recorded
	Lost       int     // acknowledged but never recorded
	Duplicated int     // extra deliveries (sum over spans of count-1)
	Drain      string  // time to drain, when measured
	PeakRSSMiB float64 // peak resident memory of the collector (0: not measured)
	Notes      string
}

// account compares what was acknowledged with what the API recorded.
func account(acked map[string]bool, s *sink.Server) (received, lost, dups int) {
	counts := s.Counts()
	for k := range acked {
		if counts[k] == 0 {
			lost++
		}
	}
	for _, c := range counts {
		received++
		dups += c - 1
	}
	return received, lost, dups
}

func (f figures) report(t *testing.T) {
	t.Helper()
	drain, peak := f.Drain, ""
	if drain == "" {
		drain = "–"
	}
	if f.PeakRSSMiB > 0 {
		peak = fmt.Sprintf("%.0f MiB", f.PeakRSSMiB)
	} else {
		peak = "–"
	}
	mode := pick("short", "long")
	t.Logf("FIGURES %s (%s): sent %d, acknowledged %d, refused %d, received %d, lost %d, duplicated %d, drain %s, peak RSS %s; %s",
		f.Scenario, mode, f.Sent, f.Acked, f.Refused, f.Received, f.Lost, f.Duplicated, drain, peak, f.Notes)
	path := os.Getenv("RELIABILITY_REPORT")
	if path == "" {
		return
	}
	row := fmt.Sprintf("| %s | %s | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n",
		f.Scenario, mode, f.Sent, f.Acked, f.Refused, f.Received, f.Lost, f.Duplicated, drain, peak, strings.ReplaceAll(f.Notes, "|", "/"))
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("RELIABILITY_REPORT: %v", err)
		return
	}
	defer fh.Close()
	if _, err := fh.WriteString(row); err != nil {
		t.Errorf("RELIABILITY_REPORT: %v", err)
	}
}

// fmtMap prints a map with sorted keys.
func fmtMap[K int | string, V int | float64](m map[K]V) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%v:%v", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}
