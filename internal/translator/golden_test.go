// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// Golden tests. Every input in testdata/fixtures and testdata/edge is
// translated with DefaultOptions and compared with testdata/golden/NAME.json:
// the Result's drops, truncation count and problems, and every span log as
// sent, except that the JSON-string fields input and output show the JSON
// value they hold, so that they pretty-print and diff well. The comparison
// is semantic (numbers as numbers, key order ignored) and names each
// differing field of each span.
//
// After a deliberate behaviour change, regenerate the golden files with
//
//	go test ./internal/translator -run TestGolden -update
//
// and read the diff of testdata/golden before committing it: the golden
// files are reviewed artefacts.
//
// Every output here and in the edge tests also passes checkOutput (the
// ingest contract as internal/sink checks it, plus what our mapping
// guarantees), and TestFixtureConformance checks every field that the
// fixtures' own NAME.expected.json (the shared spec) states.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/respanai/respanexporter/internal/translator"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the translator's current output")

const (
	fixturesDir = "testdata/fixtures"
	edgeDir     = "testdata/edge"
	goldenDir   = "testdata/golden"
)

// goldenInputs maps a golden file name to its OTLP/JSON input: fixtures
// keep their name, edge inputs get an "edge-" prefix.
func goldenInputs(t *testing.T) map[string]string {
	t.Helper()
	in := map[string]string{}
	for _, n := range fixtureNames(t) {
		in[n] = filepath.Join(fixturesDir, n+".json")
	}
	edges, _ := filepath.Glob(filepath.Join(edgeDir, "*.json"))
	for _, f := range edges {
		in["edge-"+strings.TrimSuffix(filepath.Base(f), ".json")] = f
	}
	if len(edges) < 6 {
		t.Fatalf("found %d edge inputs in %s; the test data moved?", len(edges), edgeDir)
	}
	return in
}

// fixtureNames lists the fixtures: each NAME.json that is not an
// expectation (TestFixtureConformance fails when NAME.expected.json is
// missing).
func fixtureNames(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "*.json"))
	var names []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".expected.json") {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
		}
	}
	if len(names) < 8 {
		t.Fatalf("found %d fixtures in %s; the test data moved?", len(names), fixturesDir)
	}
	return names
}

func TestGoldenOutputs(t *testing.T) {
	inputs := goldenInputs(t)
	if !*update {
		// A golden file whose input is gone would silently stop being checked.
		files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
		for _, f := range files {
			if _, ok := inputs[strings.TrimSuffix(filepath.Base(f), ".json")]; !ok {
				t.Errorf("%s has no input any more: delete it", f)
			}
		}
	}
	for _, name := range sortedKeys(inputs) {
		t.Run(name, func(t *testing.T) {
			res, logs := translateChecked(t, name, loadTraces(t, inputs[name]), translator.DefaultOptions())
			got := goldenJSON(t, res, logs)
			path := filepath.Join(goldenDir, name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			for _, d := range diffGolden(t, want, got) {
				t.Errorf("%s: %s", path, d)
			}
		})
	}
}

// goldenJSON renders a translation as a golden file: sorted keys, two-space
// indent, no HTML escaping, input/output decoded.
func goldenJSON(t testing.TB, res *translator.Result, logs []map[string]any) []byte {
	t.Helper()
	shown := make([]map[string]any, len(logs))
	for i, l := range logs {
		shown[i] = map[string]any{}
		for k, v := range l {
			if s, ok := v.(string); ok && (k == "input" || k == "output") {
				if d, err := decodeJSON(s); err == nil {
					v = d
				}
			}
			shown[i][k] = v
		}
	}
	doc := map[string]any{"span_logs": shown}
	if len(res.Dropped) > 0 {
		doc["dropped"] = res.Dropped
	}
	if res.TruncatedFields > 0 {
		doc["truncated_fields"] = res.TruncatedFields
	}
	if len(res.Problems) > 0 {
		doc["problems"] = res.Problems
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// diffGolden compares two golden documents: the Result fields, then the
// span logs matched by span id, one line per differing field.
func diffGolden(t testing.TB, want, got []byte) []string {
	t.Helper()
	var w, g map[string]any
	if err := decodeInto(want, &w); err != nil {
		t.Fatalf("golden file: %v", err)
	}
	if err := decodeInto(got, &g); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range []string{"dropped", "truncated_fields", "problems"} {
		out = append(out, diffValue(k, w[k], g[k])...)
	}
	// By span id, so that one span more or less does not shift the rest
	// (checkOutput checks the order).
	gotBy := map[string]any{}
	for _, l := range g["span_logs"].([]any) {
		gotBy[fmt.Sprint(l.(map[string]any)["span_unique_id"])] = l
	}
	for _, l := range w["span_logs"].([]any) {
		id := fmt.Sprint(l.(map[string]any)["span_unique_id"])
		label := fmt.Sprintf("span %s (%v)", id, l.(map[string]any)["span_name"])
		gl, ok := gotBy[id]
		if !ok {
			out = append(out, label+": missing from the output")
			continue
		}
		for _, d := range diffValue("", l, gl) {
			out = append(out, label+": "+d)
		}
		delete(gotBy, id)
	}
	for _, id := range sortedKeys(gotBy) {
		out = append(out, fmt.Sprintf("span %s: not in the golden file", id))
	}
	return out
}

// diffValue lists the differences between two decoded JSON values (numbers
// as json.Number), each as "path: want …, got …" (path "" is the value).
func diffValue(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var out []string
		for _, k := range sortedKeys(keys) {
			p := strings.TrimPrefix(path+"."+k, ".")
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s: want %s, got <absent>", p, show(wv)))
			case !wok:
				out = append(out, fmt.Sprintf("%s: want <absent>, got %s", p, show(gv)))
			default:
				out = append(out, diffValue(p, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		var out []string
		for i := range w {
			out = append(out, diffValue(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case json.Number:
		if g, ok := got.(json.Number); ok && sameNumber(w, g) {
			return nil
		}
	default:
		if reflect.DeepEqual(want, got) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: want %s, got %s", cmp.Or(path, "value"), show(want), show(got))}
}

func sameNumber(a, b json.Number) bool {
	x, okx := new(big.Rat).SetString(a.String())
	y, oky := new(big.Rat).SetString(b.String())
	return okx && oky && x.Cmp(y) == 0
}

// decodeInto decodes one JSON value, numbers as json.Number.
func decodeInto(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func decodeJSON(s string) (any, error) {
	var v any
	err := decodeInto([]byte(s), &v)
	return v, err
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
