// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package e2e holds the end-to-end tests of the otelcol-respan distribution:
// the real collector binary (dist/otelcol-respan, built with ocb from
// builder-config.yaml) runs as a subprocess on free loopback ports, and span
// logs land in in-process stand-ins of the Respan ingest API
// (internal/sink behind httptest).
//
// It is a separate Go module so that the OpenTelemetry SDK and exporters it
// uses stay out of the exporter module's go.mod.
//
//	make e2e                       # builds the distribution when needed
//	cd e2e && go test ./...        # same; TestMain runs `make dist`
//	OTELCOL_RESPAN=/path/to/bin go test ./...   # test another binary as is
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const ocbVersion = "v0.158.0"

var (
	// repoRoot is the exporter repository (the parent of e2e/).
	repoRoot string
	// collectorBin is the otelcol-respan binary under test.
	collectorBin string
	// toolBin is otlp2respan, built from ../cmd/otlp2respan for the run.
	toolBin string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	if repoRoot, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	start := time.Now()
	collectorBin = os.Getenv("OTELCOL_RESPAN")
	if collectorBin == "" {
		collectorBin = filepath.Join(repoRoot, "dist", "otelcol-respan")
		if err := ensureDistribution(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building the distribution:", err)
			return 1
		}
	}
	if _, err := os.Stat(collectorBin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: collector binary: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: collector %s (ready after %s)\n", collectorBin, time.Since(start).Round(time.Millisecond))

	tmp, err := os.MkdirTemp("", "respan-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	start = time.Now()
	toolBin = filepath.Join(tmp, "otlp2respan")
	build := exec.Command("go", "build", "-o", toolBin, "./cmd/otlp2respan")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building otlp2respan:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: built otlp2respan in %s\n", time.Since(start).Round(time.Millisecond))

	return m.Run()
}

// ensureDistribution brings dist/otelcol-respan up to date: `make dist`
// (the Makefile rebuilds only when the binary is missing or older than the
// manifest or the exporter's sources). Without make, ocb runs directly when
// the binary is missing.
func ensureDistribution() error {
	var cmd *exec.Cmd
	if _, err := exec.LookPath("make"); err == nil {
		cmd = exec.Command("make", "--no-print-directory", "dist")
	} else {
		if _, err := os.Stat(collectorBin); err == nil {
			return nil
		}
		cmd = exec.Command("go", "run", "go.opentelemetry.io/collector/cmd/builder@"+ocbVersion, "--config", "builder-config.yaml")
	}
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
