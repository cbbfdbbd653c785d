// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateSnapshots = flag.Bool("update", false, "rewrite testdata/convert/*.json from the current convert output")

// TestConvertSnapshots holds the exact bytes `otlp2respan convert` prints for
// every fixture, edge-case input and bundled example. A refactoring must leave
// them unchanged; a deliberate behaviour change regenerates them with -update
// in a commit of its own, where the diff is reviewed.
func TestConvertSnapshots(t *testing.T) {
	var inputs []string
	for _, pattern := range []string{
		"../../internal/translator/testdata/fixtures/[0-9]*[0-9a-z].json",
		"../../internal/translator/testdata/edge/*.json",
		"../../examples/traces/*.json",
		"../../testdata/logsjoin/*_traces.json",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, ".expected.json") {
				inputs = append(inputs, f)
			}
		}
	}
	if len(inputs) < 15 {
		t.Fatalf("found only %d snapshot inputs; the test data moved?", len(inputs))
	}
	for _, in := range inputs {
		dir := filepath.Base(filepath.Dir(in))
		name := dir + "-" + filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"convert", in}, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("convert %s: exit %d: %s", in, code, stderr.String())
			}
			golden := filepath.Join("testdata", "convert", name)
			if *updateSnapshots {
				if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("convert %s: output differs from %s (%d vs %d bytes); if the change is intended, rerun with -update and review the diff",
					in, golden, stdout.Len(), len(want))
			}
		})
	}
}
