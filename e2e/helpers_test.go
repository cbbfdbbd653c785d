// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/respanai/respanexporter/internal/sink"
)

const (
	// startTimeout bounds a collector's start-up (until its OTLP port
	// accepts connections).
	startTimeout = 30 * time.Second
	// stopTimeout is how long a collector gets after SIGTERM before SIGKILL.
	stopTimeout = 15 * time.Second
	// deliveryTimeout bounds waiting for span logs at a sink.
	deliveryTimeout = 60 * time.Second
)

// freeAddr returns a 127.0.0.1:PORT that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer is a bytes.Buffer safe for a process's stdout and stderr.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a subprocess owned by a test: stopped (SIGTERM, then SIGKILL)
// when the test ends, its output logged when the test failed.
type process struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // exit error, valid after done is closed
}

// startProcess starts bin with args and env (added to the environment).
func startProcess(t *testing.T, name, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{t: t, name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = procAttr()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: start %s: %v", name, bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- output of %s (%s):\n%s", name, strings.Join(p.cmd.Args, " "), tail(p.out.String(), 200))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process group.
func (p *process) signal(sig syscall.Signal) {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// stop ends the process: SIGTERM, SIGKILL after stopTimeout. It returns
// the exit error (nil for a clean exit). Safe to call more than once.
func (p *process) stop() error {
	if !p.exited() {
		p.signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			p.t.Errorf("%s did not stop within %s of SIGTERM; killing it", p.name, stopTimeout)
			p.signal(syscall.SIGKILL)
			<-p.done
		}
	}
	return p.err
}

// waitListening waits until addr accepts TCP connections; it fails the test
// if the process exits first or timeout passes.
func (p *process) waitListening(addr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if p.exited() {
			p.t.Fatalf("%s exited (%v) before listening on %s:\n%s", p.name, p.err, addr, tail(p.out.String(), 60))
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s is not listening on %s after %s:\n%s", p.name, addr, timeout, tail(p.out.String(), 60))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// assertNoDeprecations fails when the collector logged a deprecation
// warning (e.g. an old component type alias in an example).
func assertNoDeprecations(t *testing.T, p *process) {
	t.Helper()
	for _, line := range strings.Split(p.out.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "deprecated") {
			t.Errorf("%s logged a deprecation: %s", p.name, line)
		}
	}
}

// collectorArgs turns config sources into --config flags. A source is a
// file path or a confmap URI such as "yaml:a::b: value".
func collectorArgs(configs ...string) []string {
	args := make([]string, 0, 2*len(configs))
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	return args
}

// startCollector runs otelcol-respan with the given config sources and
// waits until waitAddr (one of its receivers) accepts connections.
func startCollector(t *testing.T, name string, env []string, waitAddr string, configs ...string) *process {
	t.Helper()
	p := startProcess(t, name, collectorBin, env, collectorArgs(configs...)...)
	p.waitListening(waitAddr, startTimeout)
	return p
}

// set is a confmap yaml: override: set("a::b", "v") → "yaml:a::b: v".
func set(path, value string) string { return "yaml:" + path + ": " + value }

// noSelfMetrics turns the collector's own metrics endpoint (:8888) off, so
// that several collectors can run side by side.
var noSelfMetrics = set("service::telemetry::metrics::level", "none")

// writeConfig writes a generated collector config into the test's temp dir.
func writeConfig(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// example is the path of examples/NAME.
func example(name string) string { return filepath.Join(repoRoot, "examples", name) }

// startSink runs an in-process stand-in of the Respan ingest API. An empty
// apiKey accepts any key. The URL is the exporter's endpoint.
func startSink(t *testing.T, name, apiKey string) (*sink.Server, string) {
	t.Helper()
	s := sink.New(sink.Options{
		APIKey: apiKey,
		Logf: func(format string, args ...any) {
			t.Logf(name+": "+format, args...)
		},
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// waitSpans waits until s accepted n span logs.
func waitSpans(t *testing.T, s *sink.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	defer cancel()
	if err := s.WaitForSpans(ctx, n); err != nil {
		t.Fatalf("%v (violations: %v, statuses: %v)", err, s.Violations(), s.Statuses())
	}
}

// settle waits a little for late (duplicate) deliveries after the expected
// spans have arrived.
func settle() { time.Sleep(1500 * time.Millisecond) }

// assertClean fails on contract violations and duplicate deliveries.
func assertClean(t *testing.T, name string, s *sink.Server) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("%s: %d contract violation(s):\n%s", name, len(v), strings.Join(v, "\n"))
	}
	if d := s.Duplicates(); len(d) > 0 {
		t.Errorf("%s: %d span(s) delivered more than once: %v", name, len(d), d)
	}
}

// tracerProvider is an SDK TracerProvider exporting through exp. Spans are
// exported only on ForceFlush/Shutdown (or when 512 are queued), so each
// flush sends whole traces in one request.
func tracerProvider(t *testing.T, exp sdktrace.SpanExporter, service string) *sdktrace.TracerProvider {
	t.Helper()
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", service),
		attribute.String("service.version", "1.2.3"),
		attribute.String("deployment.environment.name", "e2e")))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Minute), sdktrace.WithMaxExportBatchSize(512)),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	return tp
}

// flush exports everything the provider holds.
func flush(t *testing.T, tp *sdktrace.TracerProvider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatalf("SDK flush: %v", err)
	}
}

// httpExporter is the SDK's OTLP/HTTP exporter to addr (host:port).
func httpExporter(t *testing.T, addr string) sdktrace.SpanExporter {
	t.Helper()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpoint(addr), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// grpcExporter is the SDK's OTLP/gRPC exporter to addr (host:port).
func grpcExporter(t *testing.T, addr string) sdktrace.SpanExporter {
	t.Helper()
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// httpGet returns the status code of a GET of url.
func httpGet(url string) (int, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// httpBody returns the body of a successful GET of url.
func httpBody(url string) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d earlier lines)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
