// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

// Helpers for the in-package tests. The golden, invariant, conformance and
// edge tests live in package translator_test and have their own.

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// loadTracesFile reads an OTLP/JSON file.
func loadTracesFile(t testing.TB, path string) ptrace.Traces {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return td
}

// show is v as JSON for a failure message, cut after 400 bytes.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(b) > 400 {
		return fmt.Sprintf("%s…(%d bytes)", b[:400], len(b))
	}
	return string(b)
}
