// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Command respan-bench is the load harness of docs/benchmarks.md. It sends
// gen-AI traces over OTLP/gRPC to the real dist/otelcol-respan binary and
// measures the collector process while it exports, once per traffic kind
// and scenario, each with a fresh collector. Traffic (-traffic):
//
//   - agent:    realistic agent runs of internal/benchdata (~2.4 KB/span)
//   - agent-mixed: the same runs interleaved under one resource, as one
//     process's batch span processor exports them
//   - fixtures: copies of the shared fixtures' traces
//     (internal/translator/testdata/fixtures, smaller messages), with
//     fresh ids per copy
//
// Scenarios (-scenarios):
//
//   - respan:         otlp → memory_limiter → respan → internal/sink (in process)
//   - otlphttp-json:  otlp → memory_limiter → otlp_http (encoding json)  → OTLP sink
//   - otlphttp-proto: otlp → memory_limiter → otlp_http (encoding proto) → OTLP sink
//   - respan-base:    respan's pipeline in the -base-collector build (an earlier
//     otelcol-respan), for the respan ÷ respan-base ratio of a change
//
// Both exporters get the same sending_queue (items, 20,000 spans,
// 4 consumers, batches of 1,000–4,000 spans, 2 s flush, block_on_overflow)
// and no compression. Reported per scenario: spans/s sustained, collector
// CPU seconds per million spans (utime+stime from /proc/<pid>/stat), peak
// RSS (VmHWM), the harness's own CPU, and the ratios to otlphttp-json.
//
//	respan-bench -collector dist/otelcol-respan                 # all three, as fast as accepted
//	respan-bench -traffic agent,fixtures -rounds 3               # both traffic kinds, alternating rounds, medians
//	respan-bench -rate 4000 -duration 5m -scenarios respan -rss-interval 5s   # soak
//	respan-bench -profile out/                                  # also pprof CPU/allocs of each
//	respan-bench -base-collector old/otelcol-respan -scenarios respan,respan-base,otlphttp-json -rounds 5   # a change against its base
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

type result struct {
	Traffic         string  `json:"traffic"`
	Scenario        string  `json:"scenario"`
	Round           int     `json:"round"`
	WindowSeconds   float64 `json:"window_seconds"`
	SpansPerSecond  float64 `json:"spans_per_second"`
	CPUPerMSpans    float64 `json:"collector_cpu_seconds_per_million_spans"`
	WindowCPUCores  float64 `json:"collector_cpu_cores_in_window"`
	PeakRSSMiB      float64 `json:"collector_peak_rss_mib"`
	HarnessCPUPerM  float64 `json:"harness_cpu_seconds_per_million_spans"`
	HarnessCores    float64 `json:"harness_cpu_cores_in_window"`
	SinkBusyShare   float64 `json:"sink_busy_share"`
	Acked           int64   `json:"spans_acked"`
	Delivered       int64   `json:"spans_delivered"`
	Requests        int64   `json:"sink_requests"`
	FailedCalls     int64   `json:"failed_calls"`
	SinkErrors      int64   `json:"sink_errors"`
	LoadAvgStart    string  `json:"loadavg_start"`
	LoadAvgEnd      string  `json:"loadavg_end"`
	RSSSlopeMiBMin  float64 `json:"rss_slope_mib_per_min,omitempty"`
	RSSMeanMiB      float64 `json:"rss_mean_mib,omitempty"`
	RSSSamples      int     `json:"rss_samples,omitempty"`
	RSSFlat         *bool   `json:"rss_flat,omitempty"`
	LastClientError string  `json:"last_client_error,omitempty"`
	BytesPerSpan    float64 `json:"otlp_proto_bytes_per_span"`
}

type options struct {
	collector    string
	scenarios    []scenario
	duration     time.Duration
	warmup       time.Duration
	rate         float64
	clients      int
	requestSpans int
	poolSize     int
	respanSink   string
	otlpSink     string
	profileDir   string
	profileSecs  int
	rssInterval  time.Duration
	minSpans     int64
	jsonOut      string
	rounds       int
	traffics     []string
	fixturesDir  string
	baseBinary   string
}

func main() {
	var o options
	var names, traffics string
	flag.StringVar(&o.collector, "collector", "dist/otelcol-respan", "otelcol-respan binary")
	flag.StringVar(&names, "scenarios", "respan,otlphttp-json,otlphttp-proto", "comma-separated: respan, otlphttp-json, otlphttp-proto, respan-base (respan with -base-collector)")
	flag.StringVar(&o.baseBinary, "base-collector", "", "an earlier otelcol-respan build for the respan-base scenario; the report adds respan ÷ respan-base")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measurement window (after warm-up)")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "load before the measurement window")
	flag.Float64Var(&o.rate, "rate", 0, "spans per second to send; 0 sends as fast as the collector accepts")
	flag.IntVar(&o.clients, "clients", 4, "concurrent gRPC Export calls")
	flag.IntVar(&o.requestSpans, "request-spans", 200, "spans per OTLP request (an SDK batch)")
	flag.IntVar(&o.poolSize, "pool", 50, "distinct pre-encoded requests, sent round-robin")
	flag.StringVar(&o.respanSink, "respan-sink", "discard", "discard: count span logs and drop them; check: internal/sink validates every span log (costs more CPU than the collector)")
	flag.StringVar(&o.otlpSink, "otlp-sink", "discard", "discard: count spans without decoding; decode: unmarshal every request with pdata")
	flag.StringVar(&o.profileDir, "profile", "", "directory: fetch pprof CPU and allocation profiles of the collector during the window")
	flag.IntVar(&o.profileSecs, "profile-seconds", 20, "length of the profiles")
	flag.DurationVar(&o.rssInterval, "rss-interval", 0, "sample the collector's RSS this often and fit a slope (soak)")
	flag.Int64Var(&o.minSpans, "min-spans", 0, "exit 1 unless every scenario delivers at least this many spans, all of them, without errors")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.IntVar(&o.rounds, "rounds", 1, "run the scenarios this many times, alternating; the report adds medians")
	flag.StringVar(&traffics, "traffic", trafficAgent, "comma-separated traffic kinds: agent (internal/benchdata agent runs), agent-mixed (the same, interleaved under one resource), fixtures (copies of the shared fixtures' traces)")
	flag.StringVar(&o.fixturesDir, "fixtures", "internal/translator/testdata/fixtures", "directory of the OTLP/JSON fixtures of -traffic fixtures")
	flag.Parse()
	for _, t := range strings.Split(traffics, ",") {
		t = strings.TrimSpace(t)
		if _, ok := goals[t]; !ok {
			fatalf("unknown traffic %q (agent, agent-mixed or fixtures)", t)
		}
		o.traffics = append(o.traffics, t)
	}
	for _, n := range strings.Split(names, ",") {
		found := false
		for _, sc := range allScenarios {
			if sc.Name == strings.TrimSpace(n) {
				o.scenarios, found = append(o.scenarios, sc), true
			}
		}
		if !found {
			fatalf("unknown scenario %q", n)
		}
		if o.scenarios[len(o.scenarios)-1].Base && o.baseBinary == "" {
			fatalf("scenario respan-base needs -base-collector")
		}
	}
	if o.profileDir != "" && o.profileSecs > int((o.duration-2*time.Second)/time.Second) {
		fatalf("-profile-seconds %d does not fit in -duration %s", o.profileSecs, o.duration)
	}
	if err := run(o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "respan-bench: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "respan-bench: "+format+"\n", args...)
}

func run(o options) error {
	pools := map[string]*pool{}
	for _, t := range o.traffics {
		t0 := time.Now()
		p, err := buildTrafficPool(t, o.fixturesDir, o.poolSize, o.requestSpans)
		if err != nil {
			return err
		}
		pools[t] = p
		logf("%s traffic: %d requests of %.0f spans on average (%.1f MB of OTLP/protobuf, %.0f bytes/span) generated in %s",
			t, len(p.requests), float64(p.spans)/float64(len(p.requests)), float64(p.bytes)/1e6, p.bytesPerSpan(), time.Since(t0).Round(time.Millisecond))
	}
	dir, err := os.MkdirTemp("", "respan-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}

	// Rounds alternate the scenarios (A B C A B C …, each traffic kind in
	// turn within a round) so that drift in the machine's other load hits
	// each alike; the report shows every round and the median of each
	// scenario.
	var results []result
	for round := 1; round <= o.rounds; round++ {
		for _, t := range o.traffics {
			for _, sc := range o.scenarios {
				r, err := runScenario(o, sc, pools[t], dir)
				if err != nil {
					return fmt.Errorf("%s: %w", label(t, sc.Name), err)
				}
				r.Round = round
				results = append(results, r)
			}
		}
	}
	printReport(os.Stdout, o, pools, results)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if o.minSpans > 0 {
		for _, r := range results {
			if r.Delivered < o.minSpans || r.Delivered < r.Acked || r.SinkErrors > 0 {
				return fmt.Errorf("%s: %d spans delivered of %d acked (want ≥ %d, all), %d sink errors",
					label(r.Traffic, r.Scenario), r.Delivered, r.Acked, o.minSpans, r.SinkErrors)
			}
		}
	}
	return nil
}

// label names a scenario of a traffic kind in logs and reports: agent
// traffic, the harness's original load, keeps the bare scenario name.
func label(traffic, scenario string) string {
	if traffic == trafficAgent {
		return scenario
	}
	return traffic + " " + scenario
}

// fileBase is label as a file name prefix (profiles, RSS samples).
func fileBase(traffic, scenario string) string {
	return strings.ReplaceAll(label(traffic, scenario), " ", "-")
}

func runScenario(o options, sc scenario, p *pool, dir string) (result, error) {
	r := result{Traffic: p.traffic, Scenario: sc.Name, LoadAvgStart: loadAvg(), BytesPerSpan: p.bytesPerSpan()}
	name := label(p.traffic, sc.Name)
	var snk *countingSink
	var err error
	if sc.Exporter == "respan" {
		snk, err = startRespanSink(o.respanSink)
	} else {
		snk, err = startOTLPSink(o.otlpSink)
	}
	if err != nil {
		return r, err
	}
	defer snk.close()
	grpcAddr, err := freeAddr()
	if err != nil {
		return r, err
	}
	pprofAddr := ""
	if o.profileDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return r, err
		}
	}
	bin := o.collector
	if sc.Base {
		bin = o.baseBinary
	}
	col, err := startCollector(bin, dir, sc, grpcAddr, snk.url, pprofAddr)
	if err != nil {
		return r, err
	}
	defer col.stop()
	pid := col.pid()
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return r, err
	}
	self0, _ := cpuSeconds(os.Getpid())

	ld, err := startLoader(grpcAddr, p.requests, o.clients, o.rate)
	if err != nil {
		return r, err
	}
	loadStart := time.Now()

	// RSS sampler (soak).
	type sample struct{ t, mib float64 }
	var samples []sample
	stopSampler := make(chan struct{})
	var samplerWG sync.WaitGroup
	if o.rssInterval > 0 {
		samplerWG.Go(func() {
			tick := time.NewTicker(o.rssInterval)
			defer tick.Stop()
			for {
				select {
				case <-stopSampler:
					return
				case <-tick.C:
					if kb, err := memKB(pid, "VmRSS"); err == nil {
						samples = append(samples, sample{time.Since(loadStart).Seconds(), float64(kb) / 1024})
					}
				}
			}
		})
	}

	time.Sleep(o.warmup)
	wAcked, wCPU, wStart, wBusy, wSelf := ld.acked.Load(), mustCPU(pid), time.Now(), snk.busyNs.Load(), mustCPU(os.Getpid())
	logf("%s: measuring for %s (load average %s)", name, o.duration, loadAvg())

	var profWG sync.WaitGroup
	if o.profileDir != "" {
		profWG.Go(func() {
			time.Sleep(time.Second)
			var wg sync.WaitGroup
			for _, kind := range []string{"profile", "allocs"} {
				wg.Go(func() {
					if err := fetchProfile(pprofAddr, kind, o.profileSecs, filepath.Join(o.profileDir, fileBase(p.traffic, sc.Name)+"-"+kindFile(kind)+".pb.gz")); err != nil {
						logf("%s: %s profile: %v", name, kind, err)
					}
				})
			}
			wg.Wait()
		})
	}

	time.Sleep(o.duration)
	eAcked, eCPU, eEnd, eBusy, eSelf := ld.acked.Load(), mustCPU(pid), time.Now(), snk.busyNs.Load(), mustCPU(os.Getpid())
	profWG.Wait()
	ld.stop()
	close(stopSampler)
	samplerWG.Wait()

	// Drain: wait until every accepted span reached the sink.
	deadline := time.Now().Add(60 * time.Second)
	for snk.spans.Load() < ld.acked.Load() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cpuEnd := mustCPU(pid)
	hwm, err := memKB(pid, "VmHWM")
	if err != nil {
		return r, err
	}
	self1, _ := cpuSeconds(os.Getpid())

	win := eEnd.Sub(wStart).Seconds()
	r.WindowSeconds = win
	r.Acked = ld.acked.Load()
	r.Delivered = snk.spans.Load()
	r.Requests = snk.requests.Load()
	r.FailedCalls = ld.failed.Load()
	r.SinkErrors = snk.errors.Load()
	r.LastClientError = ld.lastError()
	r.SpansPerSecond = float64(eAcked-wAcked) / win
	r.WindowCPUCores = (eCPU - wCPU) / win
	r.HarnessCores = (eSelf - wSelf) / win
	if r.Delivered > 0 {
		r.CPUPerMSpans = (cpuEnd - cpu0) / float64(r.Delivered) * 1e6
		r.HarnessCPUPerM = (self1 - self0) / float64(r.Delivered) * 1e6
	}
	r.SinkBusyShare = float64(eBusy-wBusy) / 1e9 / win
	r.PeakRSSMiB = float64(hwm) / 1024
	r.LoadAvgEnd = loadAvg()

	if len(samples) >= 3 {
		// Least-squares slope of RSS over time, after the warm-up.
		var xs, ys []float64
		for _, s := range samples {
			if s.t >= o.warmup.Seconds() {
				xs, ys = append(xs, s.t), append(ys, s.mib)
			}
		}
		slope, mean := fit(xs, ys)
		r.RSSSlopeMiBMin, r.RSSMeanMiB, r.RSSSamples = slope*60, mean, len(xs)
		// Flat: the fitted growth over the whole window is under 5% of
		// the mean RSS or under 10 MiB.
		growth := math.Abs(slope * (xs[len(xs)-1] - xs[0]))
		flat := growth < math.Max(0.05*mean, 10)
		r.RSSFlat = &flat
		if o.profileDir != "" || o.jsonOut != "" {
			var b strings.Builder
			b.WriteString("seconds,rss_mib\n")
			for _, s := range samples {
				fmt.Fprintf(&b, "%.1f,%.1f\n", s.t, s.mib)
			}
			out := strings.TrimSuffix(o.jsonOut, ".json") + "-" + fileBase(p.traffic, sc.Name) + "-rss.csv"
			_ = os.WriteFile(out, []byte(b.String()), 0o644)
		}
	}
	logf("%s: %.0f spans/s, %.2f CPU s per 1M spans, %.0f MiB peak RSS, %d/%d spans delivered, %d failed calls %s",
		name, r.SpansPerSecond, r.CPUPerMSpans, r.PeakRSSMiB, r.Delivered, r.Acked, r.FailedCalls, r.LastClientError)
	if r.Delivered < r.Acked {
		logf("%s: collector output:\n%s", name, tail(col.out.String(), 40))
	}
	if o.profileDir != "" {
		for _, k := range []string{"cpu", "allocs"} {
			f := filepath.Join(o.profileDir, fileBase(p.traffic, sc.Name)+"-"+k+".pb.gz")
			args := []string{"tool", "pprof", "-top", "-nodecount=30"}
			if k == "allocs" {
				args = append(args, "-sample_index=alloc_space")
			}
			out, err := exec.Command(goBin(), append(args, f)...).CombinedOutput()
			if err != nil {
				logf("pprof %s: %v: %s", f, err, out)
				continue
			}
			_ = os.WriteFile(strings.TrimSuffix(f, ".pb.gz")+".top.txt", out, 0o644)
		}
	}
	return r, nil
}

func kindFile(kind string) string {
	if kind == "profile" {
		return "cpu"
	}
	return kind
}

// goBin is the go command for `go tool pprof`: $GO (as make passes it
// through the environment when set) or go on $PATH.
func goBin() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func fetchProfile(addr, kind string, secs int, dst string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+30)*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", addr, kind, secs), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func mustCPU(pid int) float64 {
	c, err := cpuSeconds(pid)
	if err != nil {
		fatalf("%v", err)
	}
	return c
}

// fit returns the least-squares slope of ys over xs and the mean of ys.
func fit(xs, ys []float64) (slope, mean float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0, sy / n
	}
	return (n*sxy - sx*sy) / d, sy / n
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func printReport(w io.Writer, o options, pools map[string]*pool, all []result) {
	mode := "as fast as the collector accepts"
	if o.rate > 0 {
		mode = fmt.Sprintf("fixed rate %.0f spans/s", o.rate)
	}
	fmt.Fprintf(w, "\nrespan-bench: %s, %d clients × %d-span requests, window %s after %s warm-up, %d CPUs, respan sink %q, OTLP sink %q\n\n",
		mode, o.clients, o.requestSpans, o.duration, o.warmup, runtime.NumCPU(), o.respanSink, o.otlpSink)
	// One block per traffic kind: its pool, its table, its ratio lines.
	// Agent traffic's lines read as they did before there were traffic
	// kinds; the others carry the kind's name in front.
	for i, t := range o.traffics {
		p := pools[t]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "traffic %s: %d requests, %.0f spans each on average, %.0f bytes/span of OTLP/protobuf (%s)\n\n",
			t, len(p.requests), float64(p.spans)/float64(len(p.requests)), p.bytesPerSpan(), p.desc)
		printTraffic(w, o, t, filterTraffic(all, t))
	}
	// The goals, one line per traffic kind: the ratio of the
	// medians (of the only round with -rounds 1).
	fmt.Fprintln(w)
	for _, t := range o.traffics {
		rs := filterTraffic(all, t)
		if o.rounds > 1 {
			rs = medians(o, rs)
		}
		resp, base := find(rs, "respan"), find(rs, "otlphttp-json")
		if resp == nil || base == nil || base.CPUPerMSpans == 0 {
			continue
		}
		ratio := resp.CPUPerMSpans / base.CPUPerMSpans
		verdict := "met"
		if ratio > goals[t] {
			verdict = "MISSED"
		}
		of := "the one round"
		if o.rounds > 1 {
			of = fmt.Sprintf("medians of %d alternating rounds", o.rounds)
		}
		fmt.Fprintf(w, "goal %s traffic: respan ÷ otlphttp-json CPU per span %.2f× (%s; %.1f vs %.1f CPU s per 1M spans), goal ≤ %.1f×: %s\n",
			t, ratio, of, resp.CPUPerMSpans, base.CPUPerMSpans, goals[t], verdict)
	}
}

// printTraffic prints the table and ratio lines of one traffic kind.
func printTraffic(w io.Writer, o options, traffic string, rs []result) {
	fmt.Fprintln(w, "| scenario | spans/s | collector CPU s / 1M spans | collector cores | peak RSS (VmHWM) | harness CPU s / 1M spans | harness cores | delivered/acked | load avg (start → end) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	rows := rs
	if o.rounds > 1 {
		rows = append(append([]result(nil), rs...), medians(o, rs)...)
	}
	for _, r := range rows {
		name := label(traffic, r.Scenario)
		if o.rounds > 1 {
			if r.Round == 0 {
				name = "**median " + name + "**"
			} else {
				name = fmt.Sprintf("%s (round %d)", name, r.Round)
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.1f | %.2f | %.0f MiB | %.1f | %.2f | %d/%d | %s → %s |\n",
			name, r.SpansPerSecond, r.CPUPerMSpans, r.WindowCPUCores, r.PeakRSSMiB, r.HarnessCPUPerM,
			r.HarnessCores, r.Delivered, r.Acked, r.LoadAvgStart, r.LoadAvgEnd)
	}
	// Ratios to otlphttp-json: per round, and of the medians.
	kind := ""
	if traffic != trafficAgent {
		kind = traffic + " "
	}
	for round := 1; round <= o.rounds; round++ {
		printRatios(w, fmt.Sprintf("%sround %d: ", kind, round), kind, filterRound(rs, round), o.rounds > 1, "otlphttp-json", "")
	}
	if o.rounds > 1 {
		printRatios(w, kind+"medians: ", kind, medians(o, rs), true, "otlphttp-json", "")
	}
	// A build against its base, when both ran.
	for round := 1; round <= o.rounds; round++ {
		printRatios(w, fmt.Sprintf("%sround %d: ", kind, round), kind, filterRound(rs, round), o.rounds > 1, "respan-base", "respan")
	}
	if o.rounds > 1 {
		printRatios(w, kind+"medians: ", kind, medians(o, rs), true, "respan-base", "respan")
	}
	for _, r := range rs {
		if r.RSSFlat != nil {
			verdict := "flat"
			if !*r.RSSFlat {
				verdict = "NOT flat"
			}
			fmt.Fprintf(w, "\n%s RSS: %d samples, mean %.0f MiB, slope %+.2f MiB/min → %s (flat = fitted growth < max(5%% of mean, 10 MiB))\n",
				label(traffic, r.Scenario), r.RSSSamples, r.RSSMeanMiB, r.RSSSlopeMiBMin, verdict)
		}
	}
}

func find(rs []result, scenario string) *result {
	for i := range rs {
		if rs[i].Scenario == scenario {
			return &rs[i]
		}
	}
	return nil
}

// filter returns the results for which keep is true.
func filter(rs []result, keep func(r result) bool) []result {
	var out []result
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func filterTraffic(rs []result, traffic string) []result {
	return filter(rs, func(r result) bool { return r.Traffic == traffic })
}

func filterRound(rs []result, round int) []result {
	return filter(rs, func(r result) bool { return r.Round == round })
}

// medians returns one result per scenario (Round 0) holding the median of
// each figure over the rounds (delivered/acked: sums). rs holds one
// traffic kind.
func medians(o options, rs []result) []result {
	var out []result
	for _, sc := range o.scenarios {
		var m result
		var sps, cpu, cores, rss, hcpu, hcores []float64
		for _, r := range rs {
			if r.Scenario != sc.Name {
				continue
			}
			sps, cpu, cores = append(sps, r.SpansPerSecond), append(cpu, r.CPUPerMSpans), append(cores, r.WindowCPUCores)
			rss, hcpu, hcores = append(rss, r.PeakRSSMiB), append(hcpu, r.HarnessCPUPerM), append(hcores, r.HarnessCores)
			m.Delivered += r.Delivered
			m.Acked += r.Acked
			if m.LoadAvgStart == "" {
				m.LoadAvgStart = r.LoadAvgStart
			}
			m.LoadAvgEnd = r.LoadAvgEnd
			m.Traffic, m.BytesPerSpan = r.Traffic, r.BytesPerSpan
		}
		if len(cpu) == 0 {
			continue
		}
		m.Scenario = sc.Name
		m.SpansPerSecond, m.CPUPerMSpans, m.WindowCPUCores = median(sps), median(cpu), median(cores)
		m.PeakRSSMiB, m.HarnessCPUPerM, m.HarnessCores = median(rss), median(hcpu), median(hcores)
		out = append(out, m)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// printRatios prints the ratios of each scenario (only that one, when
// only is set) to the base scenario; kind names the traffic in front of
// the line when it is not agent traffic and the round prefix is not shown.
func printRatios(w io.Writer, prefix, kind string, rs []result, showPrefix bool, baseName, only string) {
	if !showPrefix {
		prefix = kind
	}
	base := find(rs, baseName)
	if base == nil || base.CPUPerMSpans == 0 || (only != "" && find(rs, only) == nil) {
		return
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		if r.Scenario == base.Scenario || (only != "" && r.Scenario != only) {
			continue
		}
		fmt.Fprintf(w, "%s%s ÷ %s: CPU per span %.2f×, spans/s %.2f×, peak RSS %.2f×\n",
			prefix, r.Scenario, baseName, r.CPUPerMSpans/base.CPUPerMSpans, r.SpansPerSecond/base.SpansPerSecond, r.PeakRSSMiB/base.PeakRSSMiB)
	}
}
