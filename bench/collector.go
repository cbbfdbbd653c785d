// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Queue and batch settings of the respan exporter's defaults (factory.go),
// given to otlp_http too so that both exporters batch alike.
const (
	queueSize    = 20000
	numConsumers = 4
	batchMin     = 1000
	batchMax     = 4000
	batchFlush   = "2s"
)

// scenario is one exporter configuration measured by the harness.
type scenario struct {
	Name     string // respan, otlphttp-json, otlphttp-proto, respan-base
	Exporter string // component id in the collector config
	Encoding string // otlp_http encoding ("" for respan)
	// Base runs the -base-collector binary instead of -collector: an
	// earlier build of the same exporter, measured in the same rounds, so
	// that a change's effect is not confused with the machine's drift.
	Base bool
}

var allScenarios = []scenario{
	{Name: "respan", Exporter: "respan"},
	{Name: "otlphttp-json", Exporter: "otlp_http", Encoding: "json"},
	{Name: "otlphttp-proto", Exporter: "otlp_http", Encoding: "proto"},
	{Name: "respan-base", Exporter: "respan", Base: true},
}

// collectorConfig renders the pipeline: otlp (gRPC) → memory_limiter →
// one exporter with the same sending_queue (items sizer, 20,000 spans,
// 4 consumers, batches of 1,000–4,000 spans flushed after 2 s,
// block_on_overflow so that back-pressure reaches the load generator
// instead of dropping data) and no compression.
func collectorConfig(sc scenario, grpcAddr, sinkURL, pprofAddr string) string {
	queue := fmt.Sprintf(`    sending_queue:
      enabled: true
      sizer: items
      queue_size: %d
      num_consumers: %d
      block_on_overflow: true
      batch:
        sizer: items
        min_size: %d
        max_size: %d
        flush_timeout: %s
`, queueSize, numConsumers, batchMin, batchMax, batchFlush)
	var exp string
	switch sc.Exporter {
	case "respan":
		// Everything but block_on_overflow is the exporter's default;
		// spelled out so the two configurations can be read side by side.
		exp = fmt.Sprintf("  respan:\n    endpoint: %s\n    api_key: bench-key\n    compression: none\n%s", sinkURL, queue)
	default:
		exp = fmt.Sprintf("  otlp_http:\n    traces_endpoint: %s/v1/traces\n    encoding: %s\n    compression: none\n%s", sinkURL, sc.Encoding, queue)
	}
	ext, extList := "", "[]"
	if pprofAddr != "" {
		ext = fmt.Sprintf("extensions:\n  pprof:\n    endpoint: %s\n", pprofAddr)
		extList = "[pprof]"
	}
	return fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
        max_recv_msg_size_mib: 64
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 1800
    spike_limit_mib: 400
exporters:
%s%s
service:
  extensions: %s
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [%s]
`, grpcAddr, exp, ext, extList, sc.Exporter)
}

// collector is a running otelcol-respan process.
type collector struct {
	cmd  *exec.Cmd
	out  *lockedWriter
	done chan struct{}
}

func startCollector(bin, dir string, sc scenario, grpcAddr, sinkURL, pprofAddr string) (*collector, error) {
	cfgPath := filepath.Join(dir, sc.Name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(collectorConfig(sc, grpcAddr, sinkURL, pprofAddr)), 0o600); err != nil {
		return nil, err
	}
	c := &collector{out: &lockedWriter{}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, "--config", cfgPath)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", grpcAddr, time.Second)
		if err == nil {
			conn.Close()
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("collector exited before listening:\n%s", c.out.String())
		default:
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("collector not listening on %s after 30s:\n%s", grpcAddr, c.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *collector) pid() int { return c.cmd.Process.Pid }

func (c *collector) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
		<-c.done
	}
}

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds returns utime+stime of pid (all its threads), in seconds.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields start after ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat: %q", pid, s)
	}
	return (ut + st) / clockTicks, nil
}

// memKB returns the given fields (VmRSS, VmHWM) of /proc/<pid>/status in KiB.
func memKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
