// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRun runs what `make run` runs (scripts/run-local.sh) without an
// API key: the local stand-in starts, the collector starts with
// examples/local.yaml, the bundled example traces are replayed and printed
// as trees by the stand-in; Ctrl-C (SIGINT to the foreground process group)
// stops everything.
//
// examples/local.yaml listens on the fixed ports 127.0.0.1:4317 and :4318;
// the test is skipped when they are taken.
func TestMakeRun(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:4317", "127.0.0.1:4318"} {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			t.Skipf("%s is in use; `make run` needs it", addr)
		}
	}
	sinkAddr := freeAddr(t)
	_, metricsPort, _ := net.SplitHostPort(freeAddr(t))
	env := cleanEnv("OTELCOL_RESPAN="+collectorBin, "RESPAN_SINK_ADDR="+sinkAddr, "OTELCOL_METRICS_PORT="+metricsPort, "NO_COLOR=1")
	p := startProcess(t, "make run", "bash", env, filepath.Join(repoRoot, "scripts", "run-local.sh"))

	// The bundled examples hold 4 traces or more; wait for their trees.
	header := regexp.MustCompile(`(?m)^trace [0-9a-f]{32}`)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out := p.out.String()
		if strings.Contains(out, "run-local: ready") && len(header.FindAllString(out, -1)) >= 4 {
			break
		}
		if p.exited() {
			t.Fatalf("run-local.sh exited early (%v):\n%s", p.err, out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trace trees from the stand-in after 2m:\n%s", tail(out, 80))
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := p.out.String()
	for _, want := range []string{
		"sending to the local stand-in of the Respan API on http://" + sinkAddr,
		"replaying the bundled example traces",
		"└─ ", // a tree
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// (✗ on a tree line marks a span that recorded an error, such as the
	// example's 429; a rejected span log is reported on its own line.)
	if rejected := regexp.MustCompile(`request #\d+: \d+ span log\(s\) rejected`); rejected.MatchString(out) {
		t.Errorf("the stand-in rejected span logs:\n%s", out)
	}

	// The collector's own metrics, the exporter's included, are served
	// where local.yaml says.
	if body, err := httpBody("http://127.0.0.1:" + metricsPort + "/metrics"); err != nil {
		t.Errorf("collector metrics: %v", err)
	} else if !strings.Contains(body, "otelcol_exporter_respan_requests") {
		t.Errorf("collector metrics lack otelcol_exporter_respan_requests:\n%s", tail(body, 30))
	}

	// Ctrl-C: the terminal signals the whole foreground process group.
	p.signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("run-local.sh did not stop within 40s of SIGINT:\n%s", tail(p.out.String(), 40))
	}
	var exitErr *exec.ExitError
	if !errors.As(p.err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Errorf("exit after SIGINT: %v, want status 130", p.err)
	}
	// The children are gone: nothing listens on the OTLP or stand-in ports.
	for _, addr := range []string{"127.0.0.1:4317", "127.0.0.1:4318", sinkAddr} {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after run-local.sh exited", addr)
		}
	}
	final := p.out.String()
	if !strings.Contains(final, "shutting down") || !strings.Contains(final, " 0 contract violation(s)") {
		t.Errorf("the stand-in did not shut down cleanly or saw contract violations:\n%s", tail(final, 20))
	}
	// The collector stopped before the stand-in, so its last flush had
	// somewhere to go.
	collectorDone := strings.Index(final, "Shutdown complete.")
	sinkStop := strings.Index(final, "sink: ") // first stand-in line…
	sinkStop = strings.Index(final[max(sinkStop, 0):], "shutting down") + max(sinkStop, 0)
	if collectorDone < 0 || collectorDone > sinkStop {
		t.Errorf("the collector did not finish shutting down before the stand-in:\n%s", tail(final, 20))
	}
}
